//! Properties of the behavioural findings, checked against brute force and the naive
//! reference evaluator on random small policies:
//! - F104 (redundant): removing a reported filter changes no verdict, for every packet
//!   the filter matches, drawn from the boundary values of every row's ranges;
//! - F105 (duplicate) and F103 (conflict): the filters reported are exactly those a
//!   pass over all pairs of rows finds.

mod engine_support;

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use engine_support::arb::*;
use ipsedit::core::engine::reference::{self, RefRow};
use ipsedit::core::engine::{EffectiveTable, Packet, Row, check_with_table};
use ipsedit::core::model::{Behavior, Snapshot};
use proptest::prelude::*;

/// The check path of the filter behind a row (as `check` writes it).
fn path(r: &Row) -> String {
    let o = &r.origin;
    match o.dynamic_id {
        Some(id) => format!("dynamic/{id}"),
        None => format!(
            "policies/{}/rules/{}/filter-lists/{}/filters/{}",
            o.policy.as_deref().unwrap_or("?"),
            o.rule.as_deref().unwrap_or("?"),
            o.filter_list.as_deref().unwrap_or("?"),
            o.filter_index.unwrap_or(0) + 1
        ),
    }
}

/// The snapshot without the filter behind `r` in `r`'s rule only: a list may be shared
/// by several rules, and a finding is about one rule's use of the filter.
fn without(s: &Snapshot, r: &Row) -> Snapshot {
    let mut s = s.clone();
    let o = &r.origin;
    match (o.dynamic_id, o.filter_list_id, o.rule_id) {
        (Some(id), _, _) => s.dynamic.retain(|d| d.id != id),
        (None, Some(list), Some(rule)) => {
            let Some(mut copy) = s.filter_list(list).cloned() else {
                return s;
            };
            copy.filters.retain(|f| Some(f.id) != o.filter_id);
            copy.id = uuid::Uuid::new_v4();
            let copy_id = copy.id;
            s.filter_lists.push(copy);
            for p in &mut s.policies {
                for x in p.rules.iter_mut().filter(|x| x.id == rule) {
                    x.filter_list = copy_id;
                }
            }
        }
        _ => {}
    }
    s
}

/// What the driver does with a packet, as far as a filter can change it.
fn verdict(m: &[RefRow]) -> (Behavior, bool, bool) {
    m.first().map_or((Behavior::Permit, false, false), |r| {
        (r.action, r.inpass, r.soft)
    })
}

/// Packets the row `r` matches, one per cell of the partition every row's boundaries
/// make inside `r` (addresses: each prefix's first and last address and their
/// neighbours; ports and protocols: each value given and one given by none), capped by
/// an even stride.
fn packets_inside(t: &EffectiveTable, r: &Row) -> Vec<Packet> {
    const CAP: usize = 1500;
    let h = &r.header;
    let mut addrs: Vec<u32> = vec![0, u32::MAX];
    for o in &t.rows {
        for n in [o.header.src, o.header.dst] {
            addrs.extend([
                n.first(),
                n.last(),
                n.first().wrapping_sub(1),
                n.last().wrapping_add(1),
            ]);
        }
    }
    addrs.extend(t.context.host_addresses.iter().map(|a| u32::from(*a)));
    addrs.extend(t.context.broadcasts.iter().map(|a| u32::from(*a)));
    addrs.extend(
        PEERS
            .iter()
            .map(|a| u32::from(a.parse::<Ipv4Addr>().expect("peer"))),
    );
    addrs.sort_unstable();
    addrs.dedup();
    let inside = |n: ipsedit::core::engine::Net| -> Vec<u32> {
        addrs
            .iter()
            .copied()
            .filter(|a| n.contains_addr(*a))
            .collect()
    };
    let (srcs, dsts) = (inside(h.src), inside(h.dst));
    let mut all_protos: Vec<u8> = vec![1, 6, 17, 41, 46, 200];
    let mut all_ports: Vec<u16> = vec![0, 1, 88, 500, u16::MAX];
    for o in &t.rows {
        all_protos.push(o.header.protocol);
        for p in [o.header.src_port, o.header.dst_port] {
            all_ports.extend([p, p.saturating_add(1), p.saturating_sub(1)]);
        }
    }
    all_protos.retain(|p| *p != 0);
    all_protos.sort_unstable();
    all_protos.dedup();
    all_ports.sort_unstable();
    all_ports.dedup();
    let protos = if h.protocol == 0 {
        all_protos
    } else {
        vec![h.protocol]
    };
    let ports = |given: u16, proto: u8| -> Vec<u16> {
        if given != 0 {
            vec![given]
        } else if proto == 6 || proto == 17 {
            all_ports.clone()
        } else {
            vec![0]
        }
    };
    let mut space: Vec<(u8, Vec<u16>, Vec<u16>)> = Vec::new();
    let mut total = 0usize;
    for &p in &protos {
        let (sp, dp) = (ports(h.src_port, p), ports(h.dst_port, p));
        total += srcs.len() * dsts.len() * sp.len() * dp.len();
        space.push((p, sp, dp));
    }
    let stride = total.div_ceil(CAP).max(1);
    let mut out = Vec::new();
    let mut n = 0usize;
    for (p, sps, dps) in &space {
        for &s in &srcs {
            for &d in &dsts {
                for &sp in sps {
                    for &dp in dps {
                        n += 1;
                        if n.is_multiple_of(stride) {
                            out.push(Packet::v4(*p, Ipv4Addr::from(s), sp, Ipv4Addr::from(d), dp));
                        }
                    }
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn redundant_filters_change_no_verdict(
        rules in prop_oneof![arb_dense_rules(5, 4), arb_rules(4, 3)],
        dynamic in arb_dynamic(),
        h in arb_host(),
        share in prop::bool::weighted(0.3),
    ) {
        let mut s = snapshot(rules, dynamic, &h);
        if share {
            share_first_list(&mut s);
        }
        let t = EffectiveTable::build(&s, None, &h);
        let report = check_with_table(&s, &t);
        for item in report.with_code("F104") {
            let rows: Vec<&Row> = t.filters().iter().filter(|r| path(r) == item.path).collect();
            prop_assert!(!rows.is_empty(), "{}", item.path);
            let less = without(&s, rows[0]);
            for r in &rows {
                for p in packets_inside(&t, r) {
                    if !reference::for_this_host(&h, &p) {
                        continue;
                    }
                    prop_assert_eq!(
                        verdict(&reference::matching(&s, None, &h, &p)),
                        verdict(&reference::matching(&less, None, &h, &p)),
                        "{} changes {} ({})", item.path, p, item.message
                    );
                }
            }
        }
    }

    #[test]
    fn duplicates_and_conflicts_match_brute_force(
        rules in prop_oneof![arb_dense_rules(5, 4), arb_rules(4, 3)],
        dynamic in arb_dynamic(),
        h in arb_host(),
        share in prop::bool::weighted(0.3),
    ) {
        let mut s = snapshot(rules, dynamic, &h);
        if share {
            share_first_list(&mut s);
        }
        let t = EffectiveTable::build(&s, None, &h);
        let report = check_with_table(&s, &t);
        let rows = t.filters();
        // Every pair of rows from different filters, the later one's filter reported.
        let mut dup = BTreeSet::new();
        let mut conflict = BTreeSet::new();
        for (i, a) in rows.iter().enumerate() {
            for b in &rows[i + 1..] {
                if a.origin.filter_key() == b.origin.filter_key() {
                    continue;
                }
                if a.header == b.header && a.action == b.action {
                    dup.insert(path(b));
                }
                if a.weight == b.weight && a.action != b.action && a.header.overlaps(&b.header) {
                    conflict.insert(path(b));
                }
            }
        }
        let reported = |code| report.with_code(code).map(|i| i.path.clone()).collect::<BTreeSet<_>>();
        prop_assert_eq!(reported("F105"), dup);
        prop_assert_eq!(reported("F103"), conflict);
    }
}
