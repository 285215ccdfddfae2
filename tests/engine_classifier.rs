//! Differential test: the compiled classifier against the reference evaluator (verdict,
//! exemption, weight) and the linear scan `first_match` (the deciding row itself, which
//! `engine_prop` already ties to the reference's row order), on random policies with
//! dynamic rules, for every OS profile × NoDefaultExempt value (absent, 0-4).
//!
//! Packets mix random values with boundary values taken from the table's own rows: each
//! prefix's first and last address and their outside neighbours, each named port and
//! port ± 1, ports 0, 1 and 65535, protocol 0 and 255. Per profile × value, CASES
//! policies × PACKETS packets = 5,000 packets by default (9 × 6 × 5,000 = 270,000 in
//! all, a few seconds in a debug build). `IPSEDIT_CLASSIFIER_CASES=N` scales the policy
//! count (the run used N = 500: 2,700,000 packets).

mod engine_support;

use std::net::Ipv4Addr;

use engine_support::arb::{arb_dynamic, arb_host, arb_rules, snapshot};
use ipsedit::core::engine::reference;
use ipsedit::core::engine::{Classifier, DecidedBy, EffectiveTable, Packet, first_match};
use ipsedit::core::model::OsProfile;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const PACKETS: usize = 100;

fn cases() -> u32 {
    std::env::var("IPSEDIT_CLASSIFIER_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}

/// A small deterministic generator for packets inside one case (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[(self.next() % v.len() as u64) as usize]
    }
}

/// Addresses, ports and protocols worth trying against this table.
struct Pools {
    addrs: Vec<u32>,
    ports: Vec<u16>,
    protos: Vec<u8>,
}

fn pools(t: &EffectiveTable) -> Pools {
    let mut addrs: Vec<u32> = t
        .context
        .host_addresses
        .iter()
        .map(|a| u32::from(*a))
        .collect();
    addrs.extend(t.context.broadcasts.iter().map(|a| u32::from(*a)));
    addrs.extend([0, u32::MAX, u32::from(Ipv4Addr::new(224, 0, 0, 1))]);
    let mut ports = vec![0, 1, 88, 500, 65535];
    let mut protos = vec![0, 1, 6, 17, 46, 255];
    for r in t.rows.iter().filter(|r| !r.header.v6) {
        let h = &r.header;
        for n in [h.src, h.dst] {
            addrs.extend([
                n.first(),
                n.last(),
                n.first().wrapping_sub(1),
                n.last().wrapping_add(1),
            ]);
        }
        for p in [h.src_port, h.dst_port] {
            ports.extend([p, p.wrapping_add(1), p.wrapping_sub(1)]);
        }
        protos.push(h.protocol);
    }
    Pools {
        addrs,
        ports,
        protos,
    }
}

fn packet(rng: &mut Rng, pools: &Pools) -> Packet {
    let addr = |rng: &mut Rng| {
        if rng.next().is_multiple_of(8) {
            rng.next() as u32
        } else {
            rng.pick(&pools.addrs)
        }
    };
    let port = |rng: &mut Rng| match rng.next() % 6 {
        0 => rng.next() as u16,
        _ => rng.pick(&pools.ports),
    };
    let proto = match rng.next() % 8 {
        0 => rng.next() as u8,
        _ => rng.pick(&pools.protos),
    };
    let (s, d) = (addr(rng), addr(rng));
    let (sp, dp) = (port(rng), port(rng));
    Packet::v4(proto, Ipv4Addr::from(s), sp, Ipv4Addr::from(d), dp)
}

fn run(profile: OsProfile, nde: Option<u32>) -> usize {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = (arb_rules(4, 4), arb_dynamic(), arb_host(), any::<u64>());
    let counted = std::cell::Cell::new(0usize);
    runner
        .run(&strategy, |(rules, dynamic, mut host, seed)| {
            host.profile = profile;
            host.no_default_exempt = nde;
            let s = snapshot(rules, dynamic, &host);
            let t = EffectiveTable::build(&s, None, &host);
            let c = Classifier::new(&t);
            let pools = pools(&t);
            let mut rng = Rng(seed | 1);
            for _ in 0..PACKETS {
                let p = packet(&mut rng, &pools);
                let row = c.first(&p);
                prop_assert_eq!(row, first_match(&t, &p), "{}", p);
                let r = reference::evaluate(&s, None, &host, &p);
                prop_assert_eq!(c.action(row), r.action, "{}", p);
                let decider = row.map(|i| &t.rows[i]);
                prop_assert_eq!(
                    decider.and_then(|d| d.origin.exemption),
                    r.exemption,
                    "{}",
                    p
                );
                prop_assert_eq!(decider.and_then(|d| d.weight), r.weight, "{}", p);
                let by = match decider {
                    None => DecidedBy::NoMatch,
                    Some(d) if d.is_exemption() => DecidedBy::Exemption,
                    Some(_) => DecidedBy::Filter,
                };
                prop_assert_eq!(by == DecidedBy::Filter, r.matched_filter, "{}", p);
                counted.set(counted.get() + 1);
            }
            // IPv6: the exemption row, always.
            let v6 = Packet {
                protocol: 6,
                src: "2001:db8::7".parse().expect("v6"),
                src_port: 1,
                dst: "2001:db8::5".parse().expect("v6"),
                dst_port: 445,
            };
            prop_assert_eq!(c.first(&v6), first_match(&t, &v6));
            prop_assert!(c.first(&v6).is_some());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{profile} NoDefaultExempt {nde:?}: {e}"));
    counted.get()
}

#[test]
fn the_classifier_agrees_with_the_reference_on_every_profile_and_value() {
    let mut total = 0;
    for profile in OsProfile::ALL {
        for nde in [None, Some(0), Some(1), Some(2), Some(3), Some(4)] {
            let n = run(profile, nde);
            // Every case runs to the end (no rejection), so each combination sees
            // CASES × PACKETS packets.
            assert_eq!(n, cases() as usize * PACKETS, "{profile} {nde:?}");
            total += n;
        }
    }
    assert!(total >= 100_000, "{total} packets");
    eprintln!("classifier: {total} packets checked against the reference");
}
