//! Properties of `reach`: every example lies in the queried space and is decided by the
//! reported row (which lets it in); and on small spaces (single hosts, one protocol, at
//! most 64 ports) the rows reported are exactly those that decide some permitted packet
//! of the space, found by brute force with `explain`.

mod engine_support;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use engine_support::arb::*;
use engine_support::ip;
use ipsedit::core::engine::reach::SpaceAddr;
use ipsedit::core::engine::{
    DecidedBy, EffectiveTable, HeaderSpace, Net, Packet, explain, packet_direction, reach,
};
use ipsedit::core::model::Behavior;
use proptest::prelude::*;

fn side() -> impl Strategy<Value = SpaceAddr> {
    prop_oneof![
        2 => Just(SpaceAddr::Me),
        3 => prop::sample::select(PEERS.to_vec()).prop_map(|a| SpaceAddr::Net(Net::host(ip(a)))),
        1 => prop::sample::select(INTERFACES.to_vec()).prop_map(|(a, _)| SpaceAddr::Net(Net::host(ip(a)))),
    ]
}

/// A small space: single hosts, one protocol; with ports, one side a single port and the
/// other a range of at most 64 ports near the ports the policies use.
fn small_space() -> impl Strategy<Value = HeaderSpace> {
    (
        side(),
        side(),
        prop::sample::select(vec![6u8, 17, 1, 46]),
        prop::sample::select(vec![1u16, 60, 75, 85, 470, 1400, 65_472]),
        1u16..=64,
        prop::sample::select(vec![80u16, 88, 500, 1025, 65_535]),
        any::<bool>(),
    )
        .prop_map(|(src, dst, proto, lo, n, single, range_on_dst)| {
            let (range, one) = ((lo, lo + (n - 1)), (single, single));
            let (sp, dp) = match (proto == 6 || proto == 17, range_on_dst) {
                (false, _) => ((0, u16::MAX), (0, u16::MAX)),
                (true, true) => (one, range),
                (true, false) => (range, one),
            };
            HeaderSpace {
                protocol: Some(proto),
                src,
                src_ports: sp,
                dst,
                dst_ports: dp,
            }
        })
}

/// Every packet of a small space.
fn packets(t: &EffectiveTable, s: &HeaderSpace) -> Vec<Packet> {
    let addrs = |a: SpaceAddr| match a {
        SpaceAddr::Me => t.context.host_addresses.clone(),
        SpaceAddr::Net(n) => vec![Ipv4Addr::from(n.addr)],
    };
    let ports = |r: (u16, u16)| {
        if r == (0, u16::MAX) {
            vec![0]
        } else {
            (r.0..=r.1).collect()
        }
    };
    let proto = s.protocol.unwrap_or(6);
    let mut out = Vec::new();
    for src in addrs(s.src) {
        for dst in addrs(s.dst) {
            for sp in ports(s.src_ports) {
                for dp in ports(s.dst_ports) {
                    out.push(Packet::v4(proto, src, sp, dst, dp));
                }
            }
        }
    }
    out
}

fn in_space(t: &EffectiveTable, s: &HeaderSpace, p: &Packet) -> bool {
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (p.src, p.dst) else {
        return false;
    };
    let addr_in = |a: SpaceAddr, x: Ipv4Addr| match a {
        SpaceAddr::Me => t.context.host_addresses.contains(&x),
        SpaceAddr::Net(n) => n.contains_addr(u32::from(x)),
    };
    let port_in = |r: (u16, u16), x: u16| (r.0 <= x && x <= r.1) || (r == (0, u16::MAX));
    s.protocol.is_none_or(|q| q == p.protocol)
        && addr_in(s.src, src)
        && addr_in(s.dst, dst)
        && port_in(s.src_ports, p.src_port)
        && port_in(s.dst_ports, p.dst_port)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reach_is_sound_and_complete_on_small_spaces(
        rules in prop_oneof![arb_dense_rules(5, 4), arb_rules(4, 3)],
        dynamic in arb_dynamic(),
        h in arb_host(),
        space in small_space(),
    ) {
        let s = snapshot(rules, dynamic, &h);
        let t = EffectiveTable::build(&s, None, &h);
        let items = reach(&t, &space).expect("host has addresses");
        for i in &items {
            let p = &i.example_packet;
            prop_assert!(in_space(&t, &space, p), "{} not in {:?}", p, space);
            let e = explain(&t, p, None).expect("for this host");
            prop_assert_eq!(e.row, i.row, "{}", p);
            prop_assert_ne!(e.verdict, Behavior::Block, "{}", p);
            prop_assert_eq!(e.verdict, i.action, "{}", p);
            prop_assert_eq!(i.row.is_none(), e.decided_by == DecidedBy::NoMatch, "{}", p);
        }
        // Brute force: rows (None = no match) deciding some permitted packet. A host
        // talking to itself is no answer to "who can reach", as in `reach`.
        let mut expected = BTreeSet::new();
        for p in packets(&t, &space) {
            if p.src == p.dst || packet_direction(&t, &p).is_err() {
                continue;
            }
            let e = explain(&t, &p, None).expect("for this host");
            if e.verdict != Behavior::Block {
                expected.insert(e.row);
            }
        }
        let got: BTreeSet<Option<usize>> = items.iter().map(|i| i.row).collect();
        prop_assert_eq!(got, expected, "{:?}", space);
    }
}
