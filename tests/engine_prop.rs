//! Property: `explain` over the effective table agrees with the naive reference
//! evaluator (written straight from DOMAIN.md) on random policies, hosts and packets.

mod engine_support;

use engine_support::*;
use ipsedit::core::engine::{
    DecidedBy, EffectiveTable, Packet, explain, packet_direction, reference,
};
use ipsedit::core::model::{Behavior, DynamicRule, Filter, OsProfile, Snapshot};
use proptest::prelude::*;

/// A small address pool so that random filters and packets meet often.
const ADDRS: [&str; 6] = [
    "10.10.1.2",
    "10.10.1.7",
    "10.10.1.255",
    "203.0.113.9",
    "224.0.0.251",
    "255.255.255.255",
];
const SIDES: [&str; 7] = [
    "any",
    "me",
    "10.10.1.7",
    "10.10.1.0/24",
    "10.0.0.0/8",
    "203.0.113.9",
    "224.0.0.0/4",
];
const PORTS: [u16; 4] = [0, 88, 500, 1434];
const PROTOS: [u8; 5] = [0, 6, 17, 46, 1];

fn arb_filter() -> impl Strategy<Value = Filter> {
    (
        0..SIDES.len(),
        0..SIDES.len(),
        0..PROTOS.len(),
        0..PORTS.len(),
        0..PORTS.len(),
        any::<bool>(),
    )
        .prop_map(|(s, d, p, sp, dp, m)| {
            let proto = PROTOS[p];
            let ports = proto == 6 || proto == 17;
            filter(
                SIDES[s],
                SIDES[d],
                proto,
                if ports { PORTS[sp] } else { 0 },
                if ports { PORTS[dp] } else { 0 },
                m,
            )
        })
}

fn arb_behavior() -> impl Strategy<Value = Behavior> {
    prop_oneof![
        Just(Behavior::Permit),
        Just(Behavior::Block),
        Just(Behavior::Negotiate)
    ]
}

fn arb_packet() -> impl Strategy<Value = Packet> {
    (
        0..PROTOS.len(),
        0..ADDRS.len(),
        0..ADDRS.len(),
        0..PORTS.len(),
        0..PORTS.len(),
        any::<bool>(),
    )
        .prop_map(|(p, s, d, sp, dp, from_me)| {
            let proto = if PROTOS[p] == 0 { 17 } else { PROTOS[p] };
            let ports = proto == 6 || proto == 17;
            let (src, dst) = if from_me {
                ("10.10.1.2", ADDRS[d])
            } else {
                (ADDRS[s], ADDRS[d])
            };
            Packet::v4(
                proto,
                ip(src),
                if ports { PORTS[sp].max(1) } else { 0 },
                ip(dst),
                if ports { PORTS[dp].max(1) } else { 0 },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn explain_agrees_with_the_reference(
        rules in prop::collection::vec((prop::collection::vec(arb_filter(), 0..4), arb_behavior(), any::<bool>()), 0..5),
        dynamic in prop::collection::vec((arb_filter(), arb_behavior()), 0..2),
        profile in 0..OsProfile::ALL.len(),
        nde in prop::option::of(0u32..5),
        packets in prop::collection::vec(arb_packet(), 1..8),
    ) {
        let mut s = Snapshot::default();
        for (i, (filters, b, active)) in rules.into_iter().enumerate() {
            add_rule(&mut s, "P", &format!("R{i}"), filters, b);
            if let Some(p) = s.policies.first_mut() && let Some(r) = p.rules.last_mut() {
                r.active = active;
            }
        }
        for (f, b) in dynamic {
            let mut d: DynamicRule = dynamic_block(f, "dyn");
            d.action.behavior = b;
            s.dynamic.push(d);
        }
        let h = host(OsProfile::ALL[profile], nde, &[("10.10.1.2", 24)]);
        let t = EffectiveTable::build(&s, None, &h);
        for p in packets {
            if packet_direction(&t, &p).is_err() {
                continue;
            }
            let e = explain(&t, &p, None).expect("for this host");
            let r = reference::evaluate(&s, None, &h, &p);
            prop_assert_eq!(e.verdict, r.action, "{}", p);
            prop_assert_eq!(e.exemption, r.exemption, "{}", p);
            prop_assert_eq!(e.weight, r.weight, "{}", p);
            prop_assert_eq!(e.decided_by == DecidedBy::Filter, r.matched_filter, "{}", p);
        }
    }
}
