//! Properties of the behavioural findings, checked against brute force and the naive
//! reference evaluator on random small policies:
//! - F104 (redundant): removing a reported filter changes no verdict, for every packet
//!   the filter matches, drawn from the boundary values of every row's ranges;
//!   F104 must fire often on these pools, or the property proves nothing;
//! - F103 (conflict), F104 (redundant) and F105 (duplicate): the filters reported are
//!   exactly those an independent oracle (all pairs of the reference's rows, its own
//!   prefix arithmetic) calls for, in both directions, and each fires often.

mod engine_support;

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use engine_support::arb::*;
use ipsedit::core::engine::reference::{self, RefRow};
use ipsedit::core::engine::{EffectiveTable, Packet, Row, check_with_table};
use ipsedit::core::model::{Behavior, Id, Snapshot};
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

/// The policies the findings properties run on: dense pools where filters nest, repeat
/// and collide, and the general pools; sometimes one list shared by two rules.
fn arb_case() -> impl Strategy<Value = Snapshot> {
    (
        prop_oneof![arb_dense_rules(5, 4), arb_rules(4, 3)],
        arb_dynamic(),
        arb_host(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(rules, dynamic, h, share)| {
            let mut s = snapshot(rules, dynamic, &h);
            if share {
                share_first_list(&mut s);
            }
            s
        })
}

/// Runs `test` on `cases` random policies and returns how many times each counter was
/// bumped: a property that holds because its finding never fires is not a test.
fn run_counting<const N: usize>(
    cases: u32,
    test: impl Fn(&Snapshot, &mut [usize; N]) -> Result<(), TestCaseError>,
) -> [usize; N] {
    let counts = std::cell::RefCell::new([0usize; N]);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let result = runner.run(&arb_case(), |s| test(&s, &mut counts.borrow_mut()));
    if let Err(e) = result {
        panic!("{e}");
    }
    counts.into_inner()
}

#[test]
fn redundant_filters_change_no_verdict() {
    let [reported] = run_counting(200, |s, n| {
        let h = &s.host;
        let t = EffectiveTable::build(s, None, h);
        let report = check_with_table(s, &t);
        for item in report.with_code("F104") {
            n[0] += 1;
            let rows: Vec<&Row> = t
                .filters()
                .iter()
                .filter(|r| path(r) == item.path)
                .collect();
            prop_assert!(!rows.is_empty(), "{}", item.path);
            let less = without(s, rows[0]);
            for r in &rows {
                for p in packets_inside(&t, r) {
                    if !reference::for_this_host(h, &p) {
                        continue;
                    }
                    prop_assert_eq!(
                        verdict(&reference::matching(s, None, h, &p)),
                        verdict(&reference::matching(&less, None, h, &p)),
                        "{} changes {} ({})",
                        item.path,
                        p,
                        item.message
                    );
                }
            }
        }
        Ok(())
    });
    // Dense pools make F104 common (hundreds over 200 cases): a handful means it broke.
    assert!(
        reported >= 20,
        "F104 fired {reported} times in 200 policies"
    );
}

// ---- An independent oracle for F103, F104 and F105 -------------------------------------
//
// Written from the definitions in the findings' documentation, over the reference
// evaluator's rows (`reference::rows`, whose order `engine_prop` proves equal to the
// table's) with its own prefix arithmetic: nothing from `header`, `table` or `findings`.

/// (network, prefix length) contains (network, prefix length).
fn net_contains(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let (na, la) = (u32::from(a.0), u32::from(a.1));
    let nb = u32::from(b.0);
    la <= u32::from(b.1) && (la == 0 || na >> (32 - la) == nb >> (32 - la))
}

/// A field where 0 means any: `a` takes every value `b` takes.
fn any_or_eq<T: PartialEq + Default>(a: T, b: T) -> bool {
    a == T::default() || a == b
}

/// Every packet `b` matches, `a` matches too.
fn contains(a: &RefRow, b: &RefRow) -> bool {
    net_contains(a.src, b.src)
        && net_contains(a.dst, b.dst)
        && any_or_eq(a.protocol, b.protocol)
        && any_or_eq(a.src_port, b.src_port)
        && any_or_eq(a.dst_port, b.dst_port)
}

/// Some packet matches both.
fn overlaps(a: &RefRow, b: &RefRow) -> bool {
    let nets = |x, y| net_contains(x, y) || net_contains(y, x);
    let field = |x: u16, y: u16| x == 0 || y == 0 || x == y;
    nets(a.src, b.src)
        && nets(a.dst, b.dst)
        && field(a.protocol.into(), b.protocol.into())
        && field(a.src_port, b.src_port)
        && field(a.dst_port, b.dst_port)
}

fn same_match(a: &RefRow, b: &RefRow) -> bool {
    (a.src, a.dst, a.protocol, a.src_port, a.dst_port)
        == (b.src, b.dst, b.protocol, b.src_port, b.dst_port)
}

/// What a row does to the packets it decides (the random policies have no tunnels).
fn behaviour(r: &RefRow) -> (Behavior, bool, bool) {
    match r.action {
        Behavior::Negotiate => (r.action, r.inpass, r.soft),
        a => (a, false, false),
    }
}

/// The check path of each filter key, from the snapshot itself.
fn paths(s: &Snapshot) -> HashMap<(Option<Id>, Id), String> {
    let mut m = HashMap::new();
    for p in &s.policies {
        for r in &p.rules {
            let Some(l) = s.filter_list(r.filter_list) else {
                continue;
            };
            for (k, f) in l.filters.iter().enumerate() {
                m.insert(
                    (Some(r.id), f.id),
                    format!(
                        "policies/{}/rules/{}/filter-lists/{}/filters/{}",
                        p.name,
                        r.name,
                        l.name,
                        k + 1
                    ),
                );
            }
        }
    }
    for d in &s.dynamic {
        m.insert((None, d.id), format!("dynamic/{}", d.id));
    }
    m
}

/// `findings` gives up on a redundancy after this many rows of one other behaviour
/// between a row and its container (its documented frame-budget limit).
const SCAN_LIMIT: usize = 64;

/// (F103, F104, F105) paths the definitions call for.
fn oracle(s: &Snapshot) -> [BTreeSet<String>; 3] {
    let h = &s.host;
    let rows: Vec<RefRow> = reference::rows(s, None, h)
        .into_iter()
        .filter(|r| r.filter.is_some())
        .collect();
    let paths = paths(s);
    let path = |r: &RefRow| {
        r.filter
            .and_then(|k| paths.get(&k).cloned())
            .unwrap_or_default()
    };
    let (mut conflict, mut dup) = (BTreeSet::new(), BTreeSet::new());
    // F103 and F105 name the later filter of a pair of rows from different filters:
    // F105 when both rows match the same packets with the same action, F103 when they
    // weigh the same, differ in action and some packet matches both.
    for (j, b) in rows.iter().enumerate() {
        for a in &rows[..j] {
            if a.filter == b.filter {
                continue;
            }
            if same_match(a, b) && a.action == b.action {
                dup.insert(path(b));
            }
            if a.weight == b.weight && a.action != b.action && overlaps(a, b) {
                conflict.insert(path(b));
            }
        }
    }
    // F104: every row of the filter falls, unchanged, to a lighter row: the first later
    // row that strictly contains it does the same thing, and no row in between that does
    // something else touches it.
    let redundant_row = |i: usize| {
        let r = &rows[i];
        let Some(c) =
            (i + 1..rows.len()).find(|&j| contains(&rows[j], r) && !same_match(&rows[j], r))
        else {
            return false;
        };
        if behaviour(&rows[c]) != behaviour(r) {
            return false;
        }
        let between = &rows[i + 1..c];
        let others: BTreeSet<_> = between
            .iter()
            .map(behaviour)
            .filter(|b| *b != behaviour(r))
            .collect();
        others
            .iter()
            .all(|o| between.iter().filter(|t| behaviour(t) == *o).count() <= SCAN_LIMIT)
            && !between
                .iter()
                .any(|t| behaviour(t) != behaviour(r) && overlaps(t, r))
    };
    let mut all_redundant: HashMap<(Option<Id>, Id), bool> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(k) = r.filter {
            let red = redundant_row(i);
            all_redundant
                .entry(k)
                .and_modify(|v| *v &= red)
                .or_insert(red);
        }
    }
    let redundant = all_redundant
        .into_iter()
        .filter(|(_, v)| *v)
        .filter_map(|(k, _)| paths.get(&k).cloned())
        .collect();
    [conflict, redundant, dup]
}

#[test]
fn conflicts_redundancies_and_duplicates_match_the_oracle() {
    let codes = ["F103", "F104", "F105"];
    let fired: [usize; 3] = run_counting(300, |s, n| {
        let t = EffectiveTable::build(s, None, &s.host);
        let report = check_with_table(s, &t);
        let expected = oracle(s);
        for (k, code) in codes.iter().enumerate() {
            let got: BTreeSet<String> = report.with_code(code).map(|i| i.path.clone()).collect();
            // Both directions: nothing reported that the definition does not call for,
            // nothing it calls for left out.
            prop_assert_eq!(&got, &expected[k], "{}", code);
            n[k] += usize::from(!got.is_empty());
        }
        Ok(())
    });
    // Measured: F103 in about 50 of the 300 policies, F104 in 80, F105 in 40; the floors
    // sit well below, so that chance never trips them but a finding that stopped firing
    // does.
    for ((code, n), floor) in codes.iter().zip(fired).zip([15, 30, 12]) {
        assert!(n >= floor, "{code} fired in only {n} of 300 policies");
    }
}
