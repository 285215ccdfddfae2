//! Change sets: a snapshot seen as keyed objects, and what changed between two snapshots.
//!
//! Every backend stores objects, not snapshots: a policy header, each rule as an object of
//! its own (a policy of 100,000 rules changes by one row, and its history by one rule), a
//! filter list header, each filter as an object of its own (a 100,000-filter list changes
//! by one row), a filter action, a dynamic rule, and one `settings` object for the rest (the
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
    DynamicRule, Filter, FilterAction, FilterList, HostContext, Id, Policy, Rule, Snapshot,
    UnreferencedObject,
};

/// What an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Policy,
    /// A rule of a policy: its parent is the policy's key, as a filter's is its list's.
    /// (Before format 2 a policy's payload held its rules: such a payload still reads.)
    Rule,
    FilterList,
    Filter,
    FilterAction,
    Dynamic,
    Settings,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Policy,
        Kind::Rule,
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
            Kind::Rule => "rule",
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
/// list's key (the list GUID, or `GUID#POS` for a second list with the same GUID), a
/// rule's its policy's key (made the same way).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub kind: Kind,
    pub parent: String,
    pub pos: u64,
}

/// One stored object: GUID and name (indexed, for lookups without decoding) and the
/// payload. For a filter list or a policy, `guid` is the key its filters or rules name as
/// their parent.
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

/// A policy without its rules (they are objects of their own), borrowed for encoding; it
/// decodes as a `Policy` with no rules.
#[derive(Serialize, PartialEq)]
struct PolicyHeader<'a> {
    id: Id,
    name: &'a str,
    description: &'a str,
    polling_interval_min: u32,
    key_exchange: &'a crate::core::model::KeyExchange,
    default_response: &'a crate::core::model::DefaultResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    stored: &'a Option<crate::core::model::StoredObject>,
}

impl<'a> PolicyHeader<'a> {
    /// Every field but the rules (a field added to `Policy` fails to compile here until
    /// it is stored).
    fn of(p: &'a Policy) -> PolicyHeader<'a> {
        let Policy {
            id,
            name,
            description,
            polling_interval_min,
            key_exchange,
            default_response,
            rules: _,
            stored,
        } = p;
        PolicyHeader {
            id: *id,
            name,
            description,
            polling_interval_min: *polling_interval_min,
            key_exchange,
            default_response,
            stored,
        }
    }
}

fn same_policy_header(a: &Policy, b: &Policy) -> bool {
    PolicyHeader::of(a) == PolicyHeader::of(b)
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
        diff_parents(&mut cs, &POLICIES, &base.policies, &edited.policies)?;
        diff_parents(&mut cs, &LISTS, &base.filter_lists, &edited.filter_lists)?;

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
    put_parents(&mut out, &POLICIES, policies)?;
    for (i, a) in filter_actions.iter().enumerate() {
        out.insert(top(Kind::FilterAction, i), action_object(a)?);
    }
    for (i, d) in dynamic.iter().enumerate() {
        out.insert(top(Kind::Dynamic, i), dynamic_object(d)?);
    }
    put_parents(&mut out, &LISTS, filter_lists)?;
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
    policies: Vec<(u64, String, Policy)>,
    rules: Children<Rule>,
    actions: Vec<(u64, FilterAction)>,
    dynamic: Vec<(u64, DynamicRule)>,
    lists: Vec<(u64, String, FilterList)>,
    filters: Children<Filter>,
}

/// Children (rules, filters) by their parent's key. The rows of one parent come together
/// in storage order, so the run being read is kept apart: a key is copied and hashed once
/// per run, not per row.
struct Children<T> {
    by_parent: HashMap<String, Vec<(u64, T)>>,
    current: Option<(String, Vec<(u64, T)>)>,
}

impl<T> Default for Children<T> {
    fn default() -> Self {
        Children {
            by_parent: HashMap::new(),
            current: None,
        }
    }
}

impl<T> Children<T> {
    fn push(&mut self, parent: &str, pos: u64, item: T) {
        match &mut self.current {
            Some((key, items)) if key == parent => items.push((pos, item)),
            _ => {
                self.flush();
                self.current = Some((parent.to_string(), vec![(pos, item)]));
            }
        }
    }

    /// Files the current run under its key: moved, not copied, when the key has none yet
    /// (every parent, unless its rows were interleaved with another's).
    fn flush(&mut self) {
        if let Some((key, items)) = self.current.take() {
            match self.by_parent.entry(key) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(items);
                }
                std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().extend(items),
            }
        }
    }

    /// A parent's children in position order (taken out).
    fn take(&mut self, parent: &str) -> Option<Vec<T>> {
        self.flush();
        self.by_parent.remove(parent).map(in_order)
    }
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
            Kind::Policy => self
                .policies
                .push((pos, guid.to_string(), decode_at(at, payload)?)),
            Kind::Rule => {
                let r: Rule = decode_at(at, payload)?;
                self.rules.push(parent, pos, r);
            }
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
                self.filters.push(parent, pos, f);
            }
        }
        Ok(())
    }

    /// The snapshot: each kind in position order, each list with its filters.
    pub fn finish(mut self) -> Snapshot {
        let s = &mut self.snapshot;
        self.policies.sort_by_key(|(pos, _, _)| *pos);
        s.policies.reserve(self.policies.len());
        for (_, key, mut policy) in self.policies {
            // A payload of format 1 holds its rules; rows come after them (a database
            // holds one form or the other: the upgrade moves them in one transaction).
            if let Some(rules) = self.rules.take(&key) {
                policy.rules.extend(rules);
            }
            s.policies.push(policy);
        }
        s.filter_actions = in_order(self.actions);
        s.dynamic = in_order(self.dynamic);
        self.lists.sort_by_key(|(pos, _, _)| *pos);
        s.filter_lists.reserve(self.lists.len());
        for (_, key, mut list) in self.lists {
            list.filters = self.filters.take(&key).unwrap_or_default();
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

/// The objects that replace a policy row of format 1 (its payload holding its rules): the
/// header under the same key, and a row per rule under the policy's key. `None` when the
/// payload has no rules (it reads the same in both formats).
pub fn split_policy(
    pos: u64,
    key: &str,
    payload: &str,
) -> Result<Option<Vec<(Key, Object)>>, StoreError> {
    let at = || Where {
        kind: Kind::Policy,
        parent: "",
        pos,
        guid: key,
    };
    let policy: Policy = decode_at(at, payload)?;
    if policy.rules.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(policy.rules.len() + 1);
    out.push((
        Key {
            kind: Kind::Policy,
            parent: String::new(),
            pos,
        },
        policy_object(&policy, key)?,
    ));
    for (j, r) in policy.rules.iter().enumerate() {
        let k = Key {
            kind: Kind::Rule,
            parent: key.to_string(),
            pos: j as u64,
        };
        out.push((k, rule_object(r)?));
    }
    Ok(Some(out))
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

fn policy_object(p: &Policy, key: &str) -> Result<Object, StoreError> {
    Ok(Object {
        guid: key.to_string(),
        name: p.name.clone(),
        payload: encode(&PolicyHeader::of(p))?,
    })
}

fn rule_object(r: &Rule) -> Result<Object, StoreError> {
    Ok(Object {
        guid: r.id.to_string(),
        name: r.name.clone(),
        payload: encode(r)?,
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

/// The key each parent's children are stored under: its GUID, or `GUID#POS` when an
/// earlier parent of its kind has the same GUID (hand-edited data), so no two lists share
/// filters and no two policies share rules.
fn keys_of(ids: impl Iterator<Item = Id>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.enumerate()
        .map(|(i, id)| {
            let guid = id.to_string();
            if seen.insert(id) {
                guid
            } else {
                format!("{guid}#{i}")
            }
        })
        .collect()
}

/// How a kind of parent (a policy, a filter list) is stored: a header object at each
/// position, and its children (rules, filters) as objects under the parent's key.
struct Parents<P, C> {
    kind: Kind,
    child: Kind,
    id: fn(&P) -> Id,
    same: fn(&P, &P) -> bool,
    children: fn(&P) -> &Vec<C>,
    header: fn(&P, &str) -> Result<Object, StoreError>,
    object: fn(&C) -> Result<Object, StoreError>,
}

const POLICIES: Parents<Policy, Rule> = Parents {
    kind: Kind::Policy,
    child: Kind::Rule,
    id: |p: &Policy| p.id,
    same: same_policy_header,
    children: |p: &Policy| &p.rules,
    header: policy_object,
    object: rule_object,
};

const LISTS: Parents<FilterList, Filter> = Parents {
    kind: Kind::FilterList,
    child: Kind::Filter,
    id: |l: &FilterList| l.id,
    same: same_header,
    children: |l: &FilterList| &l.filters,
    header: list_object,
    object: filter_object,
};

/// Every parent's header and each of its children, keyed.
fn put_parents<P, C>(
    out: &mut BTreeMap<Key, Object>,
    how: &Parents<P, C>,
    items: &[P],
) -> Result<(), StoreError> {
    let keys = keys_of(items.iter().map(how.id));
    for (i, (item, key)) in items.iter().zip(keys).enumerate() {
        for (j, c) in (how.children)(item).iter().enumerate() {
            let k = Key {
                kind: how.child,
                parent: key.clone(),
                pos: j as u64,
            };
            out.insert(k, (how.object)(c)?);
        }
        let k = Key {
            kind: how.kind,
            parent: String::new(),
            pos: i as u64,
        };
        out.insert(k, (how.header)(item, &key)?);
    }
    Ok(())
}

/// The changes to parents and their children. Headers follow positions; children follow
/// their parent's key, not its position, so inserting a list (or a policy) does not
/// rewrite every filter (or rule) after it.
fn diff_parents<P, C: PartialEq>(
    cs: &mut ChangeSet,
    how: &Parents<P, C>,
    base: &[P],
    edited: &[P],
) -> Result<(), StoreError> {
    // The usual save keeps every parent where it was (one rule or filter edited): then
    // the keys on both sides are the same and children compare by position, with no
    // key made unless something changed. Otherwise children are matched by key.
    let same_ids = base.len() == edited.len()
        && base
            .iter()
            .zip(edited)
            .all(|(b, e)| (how.id)(b) == (how.id)(e));
    if same_ids {
        let mut keys: Option<Vec<String>> = None;
        for (pos, (b, e)) in base.iter().zip(edited).enumerate() {
            let header_same = (how.same)(b, e);
            let (before, after) = ((how.children)(b), (how.children)(e));
            if header_same && before == after {
                continue;
            }
            let keys = keys.get_or_insert_with(|| keys_of(edited.iter().map(how.id)));
            if !header_same {
                let key = Key {
                    kind: how.kind,
                    parent: String::new(),
                    pos: pos as u64,
                };
                cs.changed.push((key, (how.header)(e, &keys[pos])?));
            }
            if before != after {
                diff_seq(cs, how.child, &keys[pos], before, after, how.object)?;
            }
        }
        return Ok(());
    }
    let base_keys = keys_of(base.iter().map(how.id));
    let edited_keys = keys_of(edited.iter().map(how.id));
    for pos in 0..base.len().max(edited.len()) {
        let key = Key {
            kind: how.kind,
            parent: String::new(),
            pos: pos as u64,
        };
        match (base.get(pos), edited.get(pos)) {
            (Some(b), Some(e)) => {
                if !(how.same)(b, e) || base_keys[pos] != edited_keys[pos] {
                    cs.changed.push((key, (how.header)(e, &edited_keys[pos])?));
                }
            }
            (None, Some(e)) => cs.added.push((key, (how.header)(e, &edited_keys[pos])?)),
            (Some(_), None) => cs.removed.push(key),
            (None, None) => {}
        }
    }
    let base_by_key: HashMap<&str, &P> = base_keys.iter().map(String::as_str).zip(base).collect();
    let empty: Vec<C> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (parent, key) in edited.iter().zip(&edited_keys) {
        seen.insert(key);
        let before = base_by_key
            .get(key.as_str())
            .map_or(&empty, |b| (how.children)(b));
        let after = (how.children)(parent);
        if before != after {
            diff_seq(cs, how.child, key, before, after, how.object)?;
        }
    }
    for (parent, key) in base.iter().zip(&base_keys) {
        if !seen.contains(key.as_str()) {
            diff_seq(
                cs,
                how.child,
                key,
                (how.children)(parent),
                &empty,
                how.object,
            )?;
        }
    }
    Ok(())
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
