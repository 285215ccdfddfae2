//! Property: `explain` over the effective table agrees with the naive reference
//! evaluator (written straight from docs/domain.md) on random policies, hosts and packets:
//! verdict, exemption, weight, the deciding row, the whole trail (which rows match, in
//! what order, with what result) and the outcome with a peer.

mod engine_support;

use std::collections::{HashMap, VecDeque};

use engine_support::arb::*;
use ipsedit::core::engine::reference::{self, RefRow};
use ipsedit::core::engine::{
    DecidedBy, EffectiveTable, Peer, Row, TrailResult, explain, packet_direction,
};
use proptest::prelude::*;

/// A row's identity, comparable between the table and the reference.
type Key = RefRow;

fn key_of(r: &Row) -> Key {
    let h = &r.header;
    let net = |n: ipsedit::core::engine::Net| (std::net::Ipv4Addr::from(n.addr), n.prefix);
    RefRow {
        exemption: r.origin.exemption,
        filter: r.origin.filter_key(),
        reversed: r.origin.reversed,
        v6: h.v6,
        src: if h.v6 {
            (std::net::Ipv4Addr::UNSPECIFIED, 0)
        } else {
            net(h.src)
        },
        dst: if h.v6 {
            (std::net::Ipv4Addr::UNSPECIFIED, 0)
        } else {
            net(h.dst)
        },
        protocol: h.protocol,
        src_port: h.src_port,
        dst_port: h.dst_port,
        action: r.action,
        inpass: r.inpass,
        soft: r.soft,
        weight: r.weight,
    }
}

/// Table row indices by identity; identical rows (a DNS name resolving to one address
/// twice) are handed out in table order.
fn index(t: &EffectiveTable) -> HashMap<Key, VecDeque<usize>> {
    let mut m: HashMap<Key, VecDeque<usize>> = HashMap::new();
    for r in &t.rows {
        m.entry(key_of(r)).or_default().push_back(r.index);
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn explain_agrees_with_the_reference(
        rules in arb_rules(4, 3),
        dynamic in arb_dynamic(),
        h in arb_host(),
        packets in prop::collection::vec((arb_packet(), prop::option::of(any::<bool>())), 1..10),
    ) {
        let s = snapshot(rules, dynamic, &h);
        let t = EffectiveTable::build(&s, None, &h);
        // The table holds exactly the reference's rows, in the reference's order.
        let all = reference::rows(&s, None, &h);
        prop_assert_eq!(t.rows.iter().map(key_of).collect::<Vec<_>>(), all);
        for (p, peer) in packets {
            prop_assert_eq!(packet_direction(&t, &p).is_ok(), reference::for_this_host(&h, &p), "{}", p);
            if packet_direction(&t, &p).is_err() {
                continue;
            }
            let peer = peer.map(|ipsec| if ipsec { Peer::Ipsec } else { Peer::Plain });
            let e = explain(&t, &p, peer).expect("for this host");
            let r = reference::evaluate(&s, None, &h, &p);
            prop_assert_eq!(e.verdict, r.action, "{}", p);
            prop_assert_eq!(e.exemption, r.exemption, "{}", p);
            prop_assert_eq!(e.weight, r.weight, "{}", p);
            prop_assert_eq!(e.decided_by == DecidedBy::Filter, r.matched_filter, "{}", p);

            let matching = reference::matching(&s, None, &h, &p);
            let mut ids = index(&t);
            let expected: Vec<(usize, TrailResult)> = matching
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let row = ids.get_mut(m).and_then(VecDeque::pop_front).expect("row in table");
                    let result = if i == 0 {
                        TrailResult::Decided
                    } else if m.action != matching[0].action {
                        TrailResult::Lost
                    } else {
                        TrailResult::NotReached
                    };
                    (row, result)
                })
                .collect();
            let got: Vec<(usize, TrailResult)> = e.trail.iter().map(|i| (i.row, i.result)).collect();
            prop_assert_eq!(&got, &expected, "{}", p);
            prop_assert_eq!(e.row, expected.first().map(|(r, _)| *r), "{}", p);
            let decided_by = match matching.first() {
                None => DecidedBy::NoMatch,
                Some(m) if m.exemption.is_some() => DecidedBy::Exemption,
                Some(_) => DecidedBy::Filter,
            };
            prop_assert_eq!(e.decided_by, decided_by, "{}", p);
            prop_assert_eq!(
                e.outcome,
                peer.map(|k| reference::outcome(&h, &p, matching.first(), k == Peer::Ipsec)),
                "{}", p
            );
            // Names only for policy filters.
            let named = matching.first().is_some_and(|m| m.filter.is_some_and(|(rule, _)| rule.is_some()));
            prop_assert_eq!(e.rule.is_some(), named, "{}", p);
            prop_assert_eq!(e.policy.is_some(), named, "{}", p);
        }
    }
}
