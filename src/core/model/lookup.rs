//! `LookupCache`: where each filter list, filter action and policy sits in its vector, by
//! id, so `Snapshot::filter_list(id)` and its kin cost a hash probe instead of a scan.
//!
//! A rule names its list and action by id, so every screen, report and export that walks
//! the rules looks each one up: with a scan, a policy of one list and action per rule (the
//! shape Aerleon and block-list scripts write) cost n² (`show` of 100,000 such rules took
//! six minutes). The snapshot's vectors stay public and are edited in place everywhere, so
//! the cache is never trusted: a position it gives is checked against the id before it is
//! used; an id it does not know is looked for first among objects appended since it was
//! built, then by a scan, and a scan that finds what the cache missed or misplaced rebuilds
//! it. Appends thus stay O(1) amortized, a removal or a reorder costs one rebuild, and an
//! id that is in no vector (a dangling reference) costs the scan it always did.
//!
//! The cache is not part of the snapshot's value: clones start empty, equality and
//! serialization ignore it.

use std::collections::HashMap;
use std::sync::Mutex;

use super::Id;

/// Positions by id, one table per kind of object.
pub type LookupCache = Derived<Mutex<Tables>>;

/// State derived from a value and kept with it (a cache): not part of the value, so
/// equality ignores it, a clone starts without it, and `Debug` names it only.
#[derive(Default)]
pub struct Derived<T: Default>(pub T);

impl<T: Default> Clone for Derived<T> {
    fn clone(&self) -> Self {
        Derived::default()
    }
}

impl<T: Default> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: Default> Eq for Derived<T> {}

impl<T: Default> std::fmt::Debug for Derived<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

#[derive(Default)]
pub struct Tables {
    lists: Positions,
    actions: Positions,
    policies: Positions,
}

/// Which table of the cache.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Lists,
    Actions,
    Policies,
}

/// One table: the first position of each id among the first `indexed` items.
#[derive(Default)]
struct Positions {
    at: HashMap<Id, usize>,
    indexed: usize,
}

impl Positions {
    /// Indexes the items from `self.indexed` on (all of them after a `clear`); the first
    /// position of an id wins, as a scan would find it.
    fn index_tail<T>(&mut self, items: &[T], id_of: &impl Fn(&T) -> Id) {
        for (i, item) in items.iter().enumerate().skip(self.indexed) {
            self.at.entry(id_of(item)).or_insert(i);
        }
        self.indexed = items.len();
    }

    fn rebuild<T>(&mut self, items: &[T], id_of: &impl Fn(&T) -> Id) {
        self.at.clear();
        self.at.reserve(items.len());
        self.indexed = 0;
        self.index_tail(items, id_of);
    }

    /// A position the table gives for `id`, checked against the items.
    fn checked<T>(&self, items: &[T], id: Id, id_of: &impl Fn(&T) -> Id) -> Option<usize> {
        let i = *self.at.get(&id)?;
        (items.get(i).map(id_of) == Some(id)).then_some(i)
    }
}

impl Derived<Mutex<Tables>> {
    /// The position of the item whose id is `id`, as `items.iter().position` gives it.
    /// (Two objects with one id make an invalid store, which `check` reports; of those the
    /// first is found unless the vector was rewritten in place since the last rebuild.)
    pub(super) fn position<T>(
        &self,
        kind: Kind,
        items: &[T],
        id: Id,
        id_of: impl Fn(&T) -> Id,
    ) -> Option<usize> {
        // A short vector is scanned: cheaper than a lock and a hash.
        if items.len() <= 16 {
            return items.iter().position(|x| id_of(x) == id);
        }
        let mut tables = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let table = match kind {
            Kind::Lists => &mut tables.lists,
            Kind::Actions => &mut tables.actions,
            Kind::Policies => &mut tables.policies,
        };
        if let Some(i) = table.checked(items, id, &id_of) {
            return Some(i);
        }
        if table.indexed < items.len() {
            table.index_tail(items, &id_of);
            if let Some(i) = table.checked(items, id, &id_of) {
                return Some(i);
            }
        }
        let found = items.iter().position(|x| id_of(x) == id);
        if found.is_some() {
            table.rebuild(items, &id_of);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use crate::core::model::{FilterList, Id, Snapshot};

    fn lists(n: usize) -> Snapshot {
        let mut s = Snapshot::default();
        for i in 0..n {
            let mut l = FilterList::new(format!("L{i}"));
            l.id = Id::from_u128(i as u128 + 1);
            s.filter_lists.push(l);
        }
        s
    }

    fn name(s: &Snapshot, id: u128) -> Option<&str> {
        s.filter_list(Id::from_u128(id)).map(|l| l.name.as_str())
    }

    /// Every edit the public vectors allow, each followed by lookups that must agree with a
    /// scan: the cache may be stale, never wrong.
    #[test]
    fn lookups_follow_every_kind_of_edit() {
        let mut s = lists(100);
        assert_eq!(name(&s, 50), Some("L49"));
        assert_eq!(name(&s, 1000), None);

        // Appended after the cache was built: found through the tail.
        let mut l = FilterList::new("new");
        l.id = Id::from_u128(1000);
        s.filter_lists.push(l);
        assert_eq!(name(&s, 1000), Some("new"));

        // A removal shifts everything after it.
        s.filter_lists.remove(10);
        assert_eq!(name(&s, 11), None);
        assert_eq!(name(&s, 12), Some("L11"));
        assert_eq!(name(&s, 100), Some("L99"));
        assert_eq!(name(&s, 1000), Some("new"));

        // A reorder.
        s.filter_lists.reverse();
        assert_eq!(name(&s, 1), Some("L0"));
        assert_eq!(s.filter_lists.last().map(|l| l.id), Some(Id::from_u128(1)));

        // An id rewritten in place; a removal then a push keeping the length.
        s.filter_lists[5].id = Id::from_u128(5000);
        assert_eq!(
            name(&s, 5000),
            s.filter_lists.get(5).map(|l| l.name.as_str())
        );
        let gone = s.filter_lists.remove(0).id;
        let mut l = FilterList::new("same length");
        l.id = Id::from_u128(6000);
        s.filter_lists.push(l);
        assert_eq!(s.filter_list(gone).map(|l| l.id), None);
        assert_eq!(name(&s, 6000), Some("same length"));

        // Through the mutable accessor, then a clone (which starts with an empty cache).
        if let Some(l) = s.filter_list_mut(Id::from_u128(60)) {
            l.name = "renamed".into();
        }
        let c = s.clone();
        assert_eq!(name(&c, 60), Some("renamed"));
        assert_eq!(c, s);

        // Against a scan, for every id ever used.
        for id in (1..=100).chain([1000, 5000, 6000, 7000]) {
            let id = Id::from_u128(id);
            let scan = s.filter_lists.iter().find(|l| l.id == id).map(|l| &l.name);
            assert_eq!(s.filter_list(id).map(|l| &l.name), scan, "{id}");
        }
    }

    /// Clearing and refilling: the cache is not fooled by the same ids at new positions.
    #[test]
    fn refilled_vector_is_found_at_its_new_positions() {
        let mut s = lists(40);
        assert_eq!(name(&s, 40), Some("L39"));
        let mut old = std::mem::take(&mut s.filter_lists);
        old.rotate_left(7);
        s.filter_lists = old;
        for i in 1..=40u128 {
            assert_eq!(name(&s, i), Some(format!("L{}", i - 1).as_str()));
        }
    }
}
