//! Name indexes for a script run, so importing N objects stays near-linear (issue 12 item
//! 4: 20,000 Aerleon-shaped terms). One index per kind (policies, filter lists, filter
//! actions) and one per policy's rules, kept per thread: lower-cased name -> (id,
//! position), plus id -> position.
//!
//! The index is a cache checked against the snapshot, never trusted blindly: it records
//! the length and the id of the last element it has seen. Appends (the common case) are
//! indexed incrementally; a shorter vector or a different last element means objects were
//! deleted or replaced and the index is rebuilt; every hit is confirmed against the
//! snapshot (same id at that position, same name), and a failed confirmation rebuilds.
//! Renames keep length and last element, so whoever renames calls [`forget`] (netsh
//! `set …`, and the entry points of a script run, since other code may have edited the
//! snapshot in between).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::core::model::{Id, Snapshot};

use super::lookup::Kind;

#[derive(Default)]
struct Index {
    len: usize,
    last: Option<Id>,
    by_name: HashMap<String, Vec<(Id, usize)>>,
    by_id: HashMap<Id, usize>,
}

impl Index {
    /// Brings the index in line with `items` (id and name of each element, by position).
    fn sync<'a>(&mut self, n: usize, at: impl Fn(usize) -> Option<(Id, &'a str)>) {
        let last_now = if n == 0 { None } else { at(n - 1).map(|x| x.0) };
        if n == self.len && last_now == self.last {
            return;
        }
        let prefix_same =
            self.len <= n && (self.len == 0 || at(self.len - 1).map(|x| x.0) == self.last);
        if !prefix_same {
            *self = Index::default();
        }
        for i in self.len..n {
            if let Some((id, name)) = at(i) {
                self.by_name
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push((id, i));
                self.by_id.insert(id, i);
            }
        }
        self.len = n;
        self.last = last_now;
    }
}

#[derive(Default)]
struct All {
    kinds: [Index; 3],
    rules: HashMap<Id, Index>,
}

thread_local! {
    static INDEX: RefCell<All> = RefCell::new(All::default());
}

/// Drops every index (after renames, or before a run on a snapshot edited elsewhere).
pub fn forget() {
    INDEX.with(|i| *i.borrow_mut() = All::default());
}

fn slot(kind: Kind) -> usize {
    match kind {
        Kind::Policy => 0,
        Kind::FilterList => 1,
        Kind::FilterAction => 2,
    }
}

fn len(snap: &Snapshot, kind: Kind) -> usize {
    match kind {
        Kind::Policy => snap.policies.len(),
        Kind::FilterList => snap.filter_lists.len(),
        Kind::FilterAction => snap.filter_actions.len(),
    }
}

fn at(snap: &Snapshot, kind: Kind, i: usize) -> Option<(Id, &str)> {
    match kind {
        Kind::Policy => snap.policies.get(i).map(|p| (p.id, p.name.as_str())),
        Kind::FilterList => snap.filter_lists.get(i).map(|l| (l.id, l.name.as_str())),
        Kind::FilterAction => snap.filter_actions.get(i).map(|a| (a.id, a.name.as_str())),
    }
}

/// The objects of `kind` whose name equals `name` ignoring ASCII case, in position order:
/// `(id, name)`. Confirmed against the snapshot.
pub fn named(snap: &Snapshot, kind: Kind, name: &str) -> Vec<(Id, String)> {
    let key = name.to_ascii_lowercase();
    for _attempt in 0..2 {
        let found = INDEX.with(|cell| {
            let mut all = cell.borrow_mut();
            let ix = &mut all.kinds[slot(kind)];
            ix.sync(len(snap, kind), |i| at(snap, kind, i));
            let hits = ix.by_name.get(&key).cloned().unwrap_or_default();
            let mut out = Vec::new();
            for (id, pos) in hits {
                match at(snap, kind, pos) {
                    Some((i, n)) if i == id && n.eq_ignore_ascii_case(name) => {
                        out.push((id, n.to_string()))
                    }
                    _ => return None,
                }
            }
            Some(out)
        });
        match found {
            Some(v) => return v,
            None => INDEX.with(|cell| cell.borrow_mut().kinds[slot(kind)] = Index::default()),
        }
    }
    // Unreachable in practice (a fresh index always confirms); fall back to a scan.
    (0..len(snap, kind))
        .filter_map(|i| at(snap, kind, i))
        .filter(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(id, n)| (id, n.to_string()))
        .collect()
}

/// The position of the object `id` of `kind`, confirmed against the snapshot.
pub fn position(snap: &Snapshot, kind: Kind, id: Id) -> Option<usize> {
    let pos = INDEX.with(|cell| {
        let mut all = cell.borrow_mut();
        let ix = &mut all.kinds[slot(kind)];
        ix.sync(len(snap, kind), |i| at(snap, kind, i));
        ix.by_id.get(&id).copied()
    });
    match pos {
        Some(p) if at(snap, kind, p).is_some_and(|(i, _)| i == id) => Some(p),
        _ => (0..len(snap, kind)).find(|i| at(snap, kind, *i).is_some_and(|(x, _)| x == id)),
    }
}

/// The position of the rule of `policy` (position `p` in the snapshot) named `name`
/// ignoring ASCII case.
pub fn rule_named(snap: &Snapshot, p: usize, name: &str) -> Option<usize> {
    let policy = snap.policies.get(p)?;
    let key = name.to_ascii_lowercase();
    let rules = &policy.rules;
    let rule_at = |i: usize| rules.get(i).map(|r| (r.id, r.name.as_str()));
    let hit = INDEX.with(|cell| {
        let mut all = cell.borrow_mut();
        let ix = all.rules.entry(policy.id).or_default();
        ix.sync(rules.len(), rule_at);
        ix.by_name.get(&key).and_then(|v| v.first().copied())
    });
    match hit {
        Some((id, pos))
            if rule_at(pos).is_some_and(|(i, n)| i == id && n.eq_ignore_ascii_case(name)) =>
        {
            Some(pos)
        }
        Some(_) => {
            INDEX.with(|cell| cell.borrow_mut().rules.remove(&policy.id));
            rules.iter().position(|r| r.name.eq_ignore_ascii_case(name))
        }
        None => None,
    }
}
