//! Change sets (issue 10): `ChangeSet::between(base, edited)` applied to `base` gives
//! `edited`, for edits of every shape a front end makes (a rule or filter changed, added,
//! removed, parents inserted, removed or reordered, header edits, duplicated GUIDs), and
//! the SQLite store holding the change set loads `edited` and keeps `base` as the earlier
//! revision.

use ipsedit::core::model::{
    Address, Behavior, Filter, FilterAction, FilterList, Id, Policy, Protocol, Rule, Snapshot,
};
use ipsedit::core::store::{ChangeSet, SqliteStore, Store};
use proptest::prelude::*;

fn id(n: u64) -> Id {
    Id::from_u128(u128::from(n) + 1)
}

/// A store of `policies` policies with `rules` rules each and `lists` lists of
/// `filters` filters; ids are small numbers so edits can collide with them.
fn base(policies: u64, rules: u64, lists: u64, filters: u64) -> Snapshot {
    let mut s = Snapshot::default();
    for l in 0..lists {
        let mut list = FilterList::new(format!("L{l}"));
        list.id = id(1000 + l);
        for f in 0..filters {
            let mut x = Filter::new(Address::Any, Address::Me);
            x.id = id(10_000 + l * 100 + f);
            x.protocol = Protocol::TCP;
            x.dst_port = (f + 1) as u16;
            list.filters.push(x);
        }
        s.filter_lists.push(list);
    }
    let mut action = FilterAction::new("A", Behavior::Block);
    action.id = id(2000);
    s.filter_actions.push(action);
    for p in 0..policies {
        let mut policy = Policy::new(format!("P{p}"));
        policy.id = id(p);
        for r in 0..rules {
            let mut rule = Rule::new(format!("R{p}.{r}"), id(1000 + r % lists.max(1)), id(2000));
            rule.id = id(100_000 + p * 100 + r);
            policy.rules.push(rule);
        }
        s.policies.push(policy);
    }
    s
}

/// One edit a front end (or a hand-edited store) can make.
#[derive(Debug, Clone)]
enum Edit {
    RuleFlag(usize, usize),
    RuleAdd(usize, usize),
    RuleRemove(usize, usize),
    PolicyRename(usize),
    PolicyInsert(usize),
    PolicyRemove(usize),
    PolicyDuplicateId(usize),
    ListsSwap(usize, usize),
    ListRemove(usize),
    ListInsert(usize),
    FilterPort(usize, usize, u16),
    FilterRemove(usize, usize),
    FilterAppend(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let i = 0usize..8;
    prop_oneof![
        (i.clone(), i.clone()).prop_map(|(a, b)| Edit::RuleFlag(a, b)),
        (i.clone(), i.clone()).prop_map(|(a, b)| Edit::RuleAdd(a, b)),
        (i.clone(), i.clone()).prop_map(|(a, b)| Edit::RuleRemove(a, b)),
        i.clone().prop_map(Edit::PolicyRename),
        i.clone().prop_map(Edit::PolicyInsert),
        i.clone().prop_map(Edit::PolicyRemove),
        i.clone().prop_map(Edit::PolicyDuplicateId),
        (i.clone(), i.clone()).prop_map(|(a, b)| Edit::ListsSwap(a, b)),
        i.clone().prop_map(Edit::ListRemove),
        i.clone().prop_map(Edit::ListInsert),
        (i.clone(), i.clone(), 1u16..9).prop_map(|(a, b, p)| Edit::FilterPort(a, b, p)),
        (i.clone(), i.clone()).prop_map(|(a, b)| Edit::FilterRemove(a, b)),
        i.prop_map(Edit::FilterAppend),
    ]
}

fn apply(s: &mut Snapshot, e: &Edit, fresh: &mut u64) {
    *fresh += 1;
    let n = *fresh;
    let np = s.policies.len().max(1);
    let nl = s.filter_lists.len().max(1);
    match *e {
        Edit::RuleFlag(p, r) => {
            if let Some(p) = s.policies.get_mut(p % np) {
                let nr = p.rules.len().max(1);
                if let Some(r) = p.rules.get_mut(r % nr) {
                    r.active = !r.active;
                }
            }
        }
        Edit::RuleAdd(p, at) => {
            if let Some(p) = s.policies.get_mut(p % np) {
                let mut r = Rule::new(format!("new {n}"), id(1000), id(2000));
                r.id = id(500_000 + n);
                let at = at % (p.rules.len() + 1);
                p.rules.insert(at, r);
            }
        }
        Edit::RuleRemove(p, r) => {
            if let Some(p) = s.policies.get_mut(p % np)
                && !p.rules.is_empty()
            {
                let r = r % p.rules.len();
                p.rules.remove(r);
            }
        }
        Edit::PolicyRename(p) => {
            if let Some(p) = s.policies.get_mut(p % np) {
                p.name = format!("renamed {n}");
            }
        }
        Edit::PolicyInsert(at) => {
            let mut p = Policy::new(format!("inserted {n}"));
            p.id = id(600_000 + n);
            let mut r = Rule::new("its rule", id(1000), id(2000));
            r.id = id(700_000 + n);
            p.rules.push(r);
            let at = at % (s.policies.len() + 1);
            s.policies.insert(at, p);
        }
        Edit::PolicyRemove(p) => {
            if !s.policies.is_empty() {
                let p = p % s.policies.len();
                s.policies.remove(p);
            }
        }
        Edit::PolicyDuplicateId(p) => {
            // Hand-edited data: a second policy with the first one's GUID.
            if let Some(first) = s.policies.first().map(|p| p.id) {
                let i = p % np;
                if let Some(p) = s.policies.get_mut(i) {
                    p.id = first;
                }
            }
        }
        Edit::ListsSwap(a, b) => {
            if !s.filter_lists.is_empty() {
                s.filter_lists.swap(a % nl, b % nl);
            }
        }
        Edit::ListRemove(l) => {
            if !s.filter_lists.is_empty() {
                let l = l % s.filter_lists.len();
                s.filter_lists.remove(l);
            }
        }
        Edit::ListInsert(at) => {
            let mut l = FilterList::new(format!("inserted {n}"));
            l.id = id(800_000 + n);
            let mut f = Filter::new(Address::Any, Address::Me);
            f.id = id(900_000 + n);
            l.filters.push(f);
            let at = at % (s.filter_lists.len() + 1);
            s.filter_lists.insert(at, l);
        }
        Edit::FilterPort(l, f, port) => {
            if let Some(l) = s.filter_lists.get_mut(l % nl) {
                let nf = l.filters.len().max(1);
                if let Some(f) = l.filters.get_mut(f % nf) {
                    f.dst_port = port;
                }
            }
        }
        Edit::FilterRemove(l, f) => {
            if let Some(l) = s.filter_lists.get_mut(l % nl)
                && !l.filters.is_empty()
            {
                let f = f % l.filters.len();
                l.filters.remove(f);
            }
        }
        Edit::FilterAppend(l) => {
            if let Some(l) = s.filter_lists.get_mut(l % nl) {
                let mut f = Filter::new(Address::Any, Address::Me);
                f.id = id(950_000 + n);
                l.filters.push(f);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Applying the change set reproduces the edited snapshot exactly.
    #[test]
    fn between_then_apply_gives_the_edited_snapshot(
        shape in (1u64..4, 0u64..5, 1u64..4, 0u64..4),
        edits in proptest::collection::vec(edit(), 0..6),
    ) {
        let before = base(shape.0, shape.1, shape.2, shape.3);
        let mut after = before.clone();
        let mut fresh = 0;
        for e in &edits {
            apply(&mut after, e, &mut fresh);
        }
        let cs = ChangeSet::between(&before, &after).expect("between");
        prop_assert_eq!(cs.apply_to(&before).expect("apply"), after.clone());
        if edits.is_empty() {
            prop_assert!(cs.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The same through the SQLite store: the new revision loads as edited, the old one as
    /// it was, and a second round of edits on top of the first too.
    #[test]
    fn the_sqlite_store_keeps_both_sides_of_every_edit(
        shape in (1u64..4, 0u64..5, 1u64..4, 0u64..4),
        first in proptest::collection::vec(edit(), 1..5),
        second in proptest::collection::vec(edit(), 1..5),
    ) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(tmp.path());
        let s1 = base(shape.0, shape.1, shape.2, shape.3);
        store.save(0, &s1, "base").expect("save 1");
        let mut fresh = 0;
        let mut s2 = s1.clone();
        for e in &first {
            apply(&mut s2, e, &mut fresh);
        }
        store.save(1, &s2, "first").expect("save 2");
        let mut s3 = s2.clone();
        for e in &second {
            apply(&mut s3, e, &mut fresh);
        }
        store.save(2, &s3, "second").expect("save 3");
        prop_assert_eq!(store.load().expect("load").snapshot, s3);
        prop_assert_eq!(store.load_revision(2).expect("2"), s2);
        prop_assert_eq!(store.load_revision(1).expect("1"), s1);
    }
}
