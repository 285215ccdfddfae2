//! Change sets: a snapshot seen as keyed objects, and what changed between two snapshots.
//!
//! Every backend stores objects, not snapshots: a policy (with its rules), a filter list
//! header, each filter as an object of its own (a 100,000-filter list changes by one
//! row), a filter action, a dynamic rule, and one `settings` object for the rest (the
//! assignment, the host context, and whatever the model grows next). An object is keyed
//! by (kind, parent, position) and carries its GUID and name as indexed columns plus a
//! JSON payload, so a new model field needs no migration: an old payload without it reads
//! as the field's default. Front ends keep passing snapshots: [`ChangeSet::between`] turns
//! (loaded base, edited snapshot) into the change set a save carries.
//!
//! Owns the object layout and the diff; does no I/O.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::core::model::{
    DynamicRule, Filter, FilterAction, FilterList, HostContext, Id, Policy, Snapshot,
    UnreferencedObject,
};

/// What an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Policy,
    FilterList,
    Filter,
    FilterAction,
    Dynamic,
    Settings,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Policy,
        Kind::FilterList,
        Kind::Filter,
        Kind::FilterAction,
        Kind::Dynamic,
        Kind::Settings,
    ];

    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::FilterList => "filter_list",
            Kind::Filter => "filter",
            Kind::FilterAction => "filter_action",
            Kind::Dynamic => "dynamic_rule",
            Kind::Settings => "settings",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where an object sits. Top-level objects have an empty parent; a filter's parent is its
/// list's key (the list GUID, or `GUID#POS` for a second list with the same GUID).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub kind: Kind,
    pub parent: String,
    pub pos: u64,
}

/// One stored object: GUID and name (indexed, for lookups without decoding) and the
/// payload. For a filter list, `guid` is the key its filters name as their parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub guid: String,
    pub name: String,
    pub payload: String,
}

/// What one save changes: objects added, changed (new value) and removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub added: Vec<(Key, Object)>,
    pub changed: Vec<(Key, Object)>,
    pub removed: Vec<Key>,
}

/// Everything a snapshot holds besides the keyed objects. New snapshot fields go here
/// (`decompose` destructures the snapshot, so adding one fails to compile until it is).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Settings {
    #[serde(default)]
    assigned: Option<Id>,
    #[serde(default)]
    host: HostContext,
    /// Registry objects no policy uses, kept for a byte-for-byte export.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unreferenced: Vec<UnreferencedObject>,
}

/// A list without its filters (they are objects of their own).
#[derive(Serialize, Deserialize)]
struct ListHeader {
    id: Id,
    name: String,
    #[serde(default)]
    description: String,
    /// The list as Windows stored it (registry/AD write-back), when it came from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stored: Option<crate::core::model::StoredObject>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    pub fn len(&self) -> usize {
        self.added.len() + self.changed.len() + self.removed.len()
    }

    /// The changes that turn `base` into `edited`. Objects equal in both are compared as
    /// values, not encoded, so a one-rule edit of a 100,000-filter store costs one pass of
    /// comparisons and the encoding of what changed.
    pub fn between(base: &Snapshot, edited: &Snapshot) -> Result<ChangeSet, StoreError> {
        let mut cs = ChangeSet::default();
        diff_seq(
            &mut cs,
            Kind::Policy,
            "",
            &base.policies,
            &edited.policies,
            policy_object,
        )?;
        diff_seq(
            &mut cs,
            Kind::FilterAction,
            "",
            &base.filter_actions,
            &edited.filter_actions,
            action_object,
        )?;
        diff_seq(
            &mut cs,
            Kind::Dynamic,
            "",
            &base.dynamic,
            &edited.dynamic,
            dynamic_object,
        )?;

        let base_keys = list_keys(&base.filter_lists);
        let edited_keys = list_keys(&edited.filter_lists);
        let base_by_key: HashMap<&str, &FilterList> = base_keys
            .iter()
            .map(String::as_str)
            .zip(base.filter_lists.iter())
            .collect();
        let n = base.filter_lists.len().max(edited.filter_lists.len());
        for pos in 0..n {
            let key = Key {
                kind: Kind::FilterList,
                parent: String::new(),
                pos: pos as u64,
            };
            match (base.filter_lists.get(pos), edited.filter_lists.get(pos)) {
                (Some(b), Some(e)) => {
                    if !same_header(b, e) || base_keys[pos] != edited_keys[pos] {
                        cs.changed.push((key, list_object(e, &edited_keys[pos])?));
                    }
                }
                (None, Some(e)) => cs.added.push((key, list_object(e, &edited_keys[pos])?)),
                (Some(_), None) => cs.removed.push(key),
                (None, None) => {}
            }
        }
        // Filters follow their list's key, not its position, so inserting a list does not
        // rewrite every filter after it.
        let empty: Vec<Filter> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for (list, key) in edited.filter_lists.iter().zip(&edited_keys) {
            seen.insert(key);
            let before = base_by_key.get(key.as_str()).map_or(&empty, |l| &l.filters);
            if before != &list.filters {
                diff_seq(
                    &mut cs,
                    Kind::Filter,
                    key,
                    before,
                    &list.filters,
                    filter_object,
                )?;
            }
        }
        for (list, key) in base.filter_lists.iter().zip(&base_keys) {
            if !seen.contains(key.as_str()) {
                diff_seq(
                    &mut cs,
                    Kind::Filter,
                    key,
                    &list.filters,
                    &empty,
                    filter_object,
                )?;
            }
        }

        let (bs, es) = (settings(base), settings(edited));
        if bs != es {
            let key = Key {
                kind: Kind::Settings,
                parent: String::new(),
                pos: 0,
            };
            cs.changed.push((key, settings_object(&es)?));
        }
        Ok(cs)
    }

    /// `snapshot` with these changes applied (for backends that keep whole snapshots).
    pub fn apply_to(&self, snapshot: &Snapshot) -> Result<Snapshot, StoreError> {
        let mut objects = decompose(snapshot)?;
        for (k, o) in self.added.iter().chain(&self.changed) {
            objects.insert(k.clone(), o.clone());
        }
        for k in &self.removed {
            objects.remove(k);
        }
        recompose(objects)
    }
}

/// Every object of a snapshot, keyed.
pub fn decompose(s: &Snapshot) -> Result<BTreeMap<Key, Object>, StoreError> {
    let Snapshot {
        policies,
        filter_lists,
        filter_actions,
        assigned,
        dynamic,
        host,
        unreferenced,
        lookup: _,
    } = s;
    let mut out = BTreeMap::new();
    let top = |kind, pos: usize| Key {
        kind,
        parent: String::new(),
        pos: pos as u64,
    };
    for (i, p) in policies.iter().enumerate() {
        out.insert(top(Kind::Policy, i), policy_object(p)?);
    }
    for (i, a) in filter_actions.iter().enumerate() {
        out.insert(top(Kind::FilterAction, i), action_object(a)?);
    }
    for (i, d) in dynamic.iter().enumerate() {
        out.insert(top(Kind::Dynamic, i), dynamic_object(d)?);
    }
    for (i, (l, key)) in filter_lists.iter().zip(list_keys(filter_lists)).enumerate() {
        for (j, f) in l.filters.iter().enumerate() {
            let k = Key {
                kind: Kind::Filter,
                parent: key.clone(),
                pos: j as u64,
            };
            out.insert(k, filter_object(f)?);
        }
        out.insert(top(Kind::FilterList, i), list_object(l, &key)?);
    }
    let settings = Settings {
        assigned: *assigned,
        host: host.clone(),
        unreferenced: unreferenced.clone(),
    };
    out.insert(top(Kind::Settings, 0), settings_object(&settings)?);
    Ok(out)
}

/// The snapshot these objects make up. `Err` names the object that does not decode.
pub fn recompose(objects: BTreeMap<Key, Object>) -> Result<Snapshot, StoreError> {
    let mut r = Recomposer::default();
    for (k, o) in &objects {
        r.push(k.kind, &k.parent, k.pos, &o.guid, &o.payload)?;
    }
    Ok(r.finish())
}

/// Builds a snapshot from objects handed over one at a time, without keeping them: what a
/// backend uses to load straight from its rows (no map of 100,000 keyed copies). Objects
/// may come in any order (a table read in storage order); each kind is put in position
/// order at the end, and a list's filters in theirs.
#[derive(Default)]
pub struct Recomposer {
    snapshot: Snapshot,
    policies: Vec<(u64, Policy)>,
    actions: Vec<(u64, FilterAction)>,
    dynamic: Vec<(u64, DynamicRule)>,
    lists: Vec<(u64, String, FilterList)>,
    filters: HashMap<String, Vec<(u64, Filter)>>,
    /// The filters of the list being read (its key, its filters so far): rows of one
    /// list come together in either order, so a list's key is copied once, not per row.
    current: Option<(String, Vec<(u64, Filter)>)>,
}

impl Recomposer {
    /// Adds one object; `Err` names the object that does not decode.
    pub fn push(
        &mut self,
        kind: Kind,
        parent: &str,
        pos: u64,
        guid: &str,
        payload: &str,
    ) -> Result<(), StoreError> {
        let at = || Where {
            kind,
            parent,
            pos,
            guid,
        };
        match kind {
            Kind::Policy => self.policies.push((pos, decode_at(at, payload)?)),
            Kind::FilterAction => self.actions.push((pos, decode_at(at, payload)?)),
            Kind::Dynamic => self.dynamic.push((pos, decode_at(at, payload)?)),
            Kind::Settings => {
                let st: Settings = decode_at(at, payload)?;
                let s = &mut self.snapshot;
                s.assigned = st.assigned;
                s.host = st.host;
                s.unreferenced = st.unreferenced;
            }
            Kind::FilterList => {
                let h: ListHeader = decode_at(at, payload)?;
                self.lists.push((
                    pos,
                    guid.to_string(),
                    FilterList {
                        id: h.id,
                        name: h.name,
                        description: h.description,
                        filters: Vec::new(),
                        stored: h.stored,
                    },
                ));
            }
            Kind::Filter => {
                let f: Filter = decode_at(at, payload)?;
                match &mut self.current {
                    Some((key, filters)) if key == parent => filters.push((pos, f)),
                    _ => {
                        if let Some((key, filters)) = self.current.take() {
                            keep_filters(&mut self.filters, key, filters);
                        }
                        self.current = Some((parent.to_string(), vec![(pos, f)]));
                    }
                }
            }
        }
        Ok(())
    }

    /// The snapshot: each kind in position order, each list with its filters.
    pub fn finish(mut self) -> Snapshot {
        if let Some((key, filters)) = self.current.take() {
            keep_filters(&mut self.filters, key, filters);
        }
        let s = &mut self.snapshot;
        s.policies = in_order(self.policies);
        s.filter_actions = in_order(self.actions);
        s.dynamic = in_order(self.dynamic);
        self.lists.sort_by_key(|(pos, _, _)| *pos);
        s.filter_lists.reserve(self.lists.len());
        for (_, key, mut list) in self.lists {
            list.filters = in_order(self.filters.remove(&key).unwrap_or_default());
            s.filter_lists.push(list);
        }
        self.snapshot
    }
}

/// The items by position (positions are a primary key: no two equal in one vector).
fn in_order<T>(mut v: Vec<(u64, T)>) -> Vec<T> {
    // Already ordered when the rows came in key order, as they do from a fresh table.
    if !v.is_sorted_by_key(|(pos, _)| *pos) {
        v.sort_by_key(|(pos, _)| *pos);
    }
    v.into_iter().map(|(_, t)| t).collect()
}

/// Files a list's filters under its key: moved, not copied, when the key has none yet
/// (every list, unless its rows were interleaved with another list's).
fn keep_filters(
    map: &mut HashMap<String, Vec<(u64, Filter)>>,
    key: String,
    filters: Vec<(u64, Filter)>,
) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(filters);
        }
        std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().extend(filters),
    }
}

/// Which object a decode error is about.
struct Where<'a> {
    kind: Kind,
    parent: &'a str,
    pos: u64,
    guid: &'a str,
}

fn decode_at<'a, T: for<'de> Deserialize<'de>>(
    at: impl Fn() -> Where<'a>,
    payload: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(payload).map_err(|e| {
        let w = at();
        let parent = if w.parent.is_empty() {
            String::new()
        } else {
            format!(" in list {}", w.parent)
        };
        StoreError::Decode {
            object: format!(
                "{} {} (position {}{parent})",
                w.kind.as_str(),
                w.guid,
                w.pos
            ),
            message: e.to_string(),
        }
    })
}

fn encode<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Encode {
        message: e.to_string(),
    })
}

fn settings(s: &Snapshot) -> Settings {
    Settings {
        assigned: s.assigned,
        host: s.host.clone(),
        unreferenced: s.unreferenced.clone(),
    }
}

fn settings_object(s: &Settings) -> Result<Object, StoreError> {
    Ok(Object {
        guid: String::new(),
        name: String::new(),
        payload: encode(s)?,
    })
}

fn policy_object(p: &Policy) -> Result<Object, StoreError> {
    Ok(Object {
        guid: p.id.to_string(),
        name: p.name.clone(),
        payload: encode(p)?,
    })
}

fn action_object(a: &FilterAction) -> Result<Object, StoreError> {
    Ok(Object {
        guid: a.id.to_string(),
        name: a.name.clone(),
        payload: encode(a)?,
    })
}

fn dynamic_object(d: &DynamicRule) -> Result<Object, StoreError> {
    Ok(Object {
        guid: d.id.to_string(),
        name: d.origin.clone(),
        payload: encode(d)?,
    })
}

fn filter_object(f: &Filter) -> Result<Object, StoreError> {
    Ok(Object {
        guid: f.id.to_string(),
        name: String::new(),
        payload: encode(f)?,
    })
}

fn list_object(l: &FilterList, key: &str) -> Result<Object, StoreError> {
    let FilterList {
        id,
        name,
        description,
        filters: _,
        stored,
    } = l;
    Ok(Object {
        guid: key.to_string(),
        name: name.clone(),
        payload: encode(&ListHeader {
            id: *id,
            name: name.clone(),
            description: description.clone(),
            stored: stored.clone(),
        })?,
    })
}

fn same_header(a: &FilterList, b: &FilterList) -> bool {
    a.id == b.id && a.name == b.name && a.description == b.description && a.stored == b.stored
}

/// The key each list's filters are stored under: its GUID, or `GUID#POS` when an earlier
/// list has the same GUID (hand-edited data), so no two lists share filters.
fn list_keys(lists: &[FilterList]) -> Vec<String> {
    let mut seen = HashSet::new();
    lists
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let guid = l.id.to_string();
            if seen.insert(l.id) {
                guid
            } else {
                format!("{guid}#{i}")
            }
        })
        .collect()
}

fn diff_seq<T: PartialEq>(
    cs: &mut ChangeSet,
    kind: Kind,
    parent: &str,
    base: &[T],
    edited: &[T],
    object: fn(&T) -> Result<Object, StoreError>,
) -> Result<(), StoreError> {
    for pos in 0..base.len().max(edited.len()) {
        let key = Key {
            kind,
            parent: parent.to_string(),
            pos: pos as u64,
        };
        match (base.get(pos), edited.get(pos)) {
            (Some(b), Some(e)) if b != e => cs.changed.push((key, object(e)?)),
            (None, Some(e)) => cs.added.push((key, object(e)?)),
            (Some(_), None) => cs.removed.push(key),
            _ => {}
        }
    }
    Ok(())
}
