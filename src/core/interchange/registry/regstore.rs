//! A `.reg` file (or a hive's keys) as changes to a store location, and a store written
//! as `.reg` keys. Merging follows regedit: a key's values are laid over the object's
//! existing values; `[-KEY]` deletes an object (or, for the location key itself, every
//! object); `"ActivePolicy"` assigns and `"ActivePolicy"=-` unassigns. Keys outside the
//! IPsec store (other software in the same file) are ignored with a note.

use std::collections::BTreeMap;

use super::from_model::{Exported, export_objects, fingerprint, fresh_objects};
use super::objects::{Class, ObjRef, RawObject, text_of};
use super::regfile::{Entry, Key, OutKey, RegFile, under_hklm, write};
use super::to_model::{ObjectSet, Read, ReadError, read_objects};
use crate::core::model::{Snapshot, StoredValue};

/// What a file says about one store location.
#[derive(Debug, Clone, Default)]
pub struct RegChanges {
    /// The registry path under HKLM of the store (e.g. `SOFTWARE\…\Policy\Local`).
    pub location: String,
    /// Per object key: the value lines, in file order (several sections merge).
    pub keys: BTreeMap<ObjRef, Vec<Entry>>,
    /// Objects deleted with `[-KEY]`, in file order.
    pub deleted: Vec<ObjRef>,
    /// `[-LOCATION]`: everything goes before the file's keys are applied.
    pub delete_all: bool,
    /// `Some(Some(r))` assigns, `Some(None)` unassigns, `None` leaves the assignment.
    pub active: Option<Option<ObjRef>>,
    pub notes: Vec<String>,
}

/// The object key a path names, with its location: `(LOCATION, ref)`.
fn object_key(path: &str) -> Option<(&str, ObjRef)> {
    let (parent, last) = path.rsplit_once('\\')?;
    let r = ObjRef::parse(last)?;
    (ObjRef::parse(last)?.key_name().eq_ignore_ascii_case(last)).then_some((parent, r))
}

/// Reads what a parsed file says about the IPsec store it holds (the location of its
/// first object key or `ActivePolicy`, else `default_location`).
pub fn changes(file: &RegFile, default_location: &str) -> RegChanges {
    let hklm: Vec<(&Key, Option<&str>)> =
        file.keys.iter().map(|k| (k, under_hklm(&k.path))).collect();
    let location = hklm
        .iter()
        .find_map(|(_, p)| p.and_then(object_key).map(|(l, _)| l.to_string()))
        .or_else(|| {
            hklm.iter().find_map(|(k, p)| {
                k.entries
                    .iter()
                    .any(|e| matches!(e, Entry::Set(v) if v.name.eq_ignore_ascii_case("ActivePolicy")))
                    .then(|| p.map(str::to_string))
                    .flatten()
            })
        })
        .unwrap_or_else(|| default_location.to_string());
    let mut c = RegChanges {
        location: location.clone(),
        ..Default::default()
    };
    let mut other = 0usize;
    let mut first_other = None;
    for (k, p) in hklm {
        let Some(p) = p else {
            other += 1;
            first_other.get_or_insert(k.line);
            continue;
        };
        if p.eq_ignore_ascii_case(&location) {
            if k.delete {
                c.delete_all = true;
                c.keys.clear();
                c.deleted.clear();
                c.active = Some(None);
                continue;
            }
            for e in &k.entries {
                match e {
                    Entry::Set(v) if v.name.eq_ignore_ascii_case("ActivePolicy") => {
                        let t = text_of(v);
                        match ObjRef::parse(&t) {
                            Some(r) if r.class == Class::Policy => c.active = Some(Some(r)),
                            _ => c.notes.push(format!(
                                "line {}: ActivePolicy {t:?} does not name an ipsecPolicy; \
                                 ignored",
                                k.line
                            )),
                        }
                    }
                    Entry::Delete(n) if n.eq_ignore_ascii_case("ActivePolicy") => {
                        c.active = Some(None)
                    }
                    _ => {}
                }
            }
            continue;
        }
        match object_key(p) {
            Some((l, r)) if l.eq_ignore_ascii_case(&location) => {
                if k.delete {
                    c.keys.remove(&r);
                    c.deleted.push(r);
                } else {
                    c.keys
                        .entry(r)
                        .or_default()
                        .extend(k.entries.iter().cloned());
                }
            }
            _ => {
                other += 1;
                first_other.get_or_insert(k.line);
            }
        }
    }
    if other > 0 {
        c.notes.push(format!(
            "{other} key{} outside {location} (other software, first on line {}) ignored",
            if other == 1 { "" } else { "s" },
            first_other.unwrap_or(0)
        ));
    }
    c
}

/// Lays `entries` over `values` (names compare without case).
fn overlay(values: &mut Vec<StoredValue>, entries: &[Entry]) {
    for e in entries {
        match e {
            Entry::Set(v) => match values
                .iter_mut()
                .find(|x| x.name.eq_ignore_ascii_case(&v.name))
            {
                Some(x) => *x = v.clone(),
                None => values.push(v.clone()),
            },
            Entry::Delete(n) => values.retain(|x| !x.name.eq_ignore_ascii_case(n)),
        }
    }
}

fn read_error(r: &ObjRef, message: String) -> ReadError {
    ReadError {
        object: r.key_name(),
        message,
    }
}

/// Applies the changes to `base` (its static part; dynamic rules and host are kept) and
/// reads the result. Objects the file does not touch keep their stored values (or none).
pub fn apply(base: &Snapshot, c: &RegChanges) -> Result<Read, ReadError> {
    let mut w = Default::default();
    let mut w2 = Vec::new();
    let mut objects: Vec<RawObject> = if c.delete_all {
        Vec::new()
    } else {
        fresh_objects(base, None, &mut w)
            .into_iter()
            .map(|f| {
                let mut o = f.object;
                if let Some(s) = f.stored
                    && s.location.eq_ignore_ascii_case(&c.location)
                    && s.fingerprint == fingerprint(&o.to_values(&c.location))
                {
                    o.values = s.values.clone();
                }
                o
            })
            .collect()
    };
    if !c.delete_all {
        let kept = super::from_model::unreferenced_objects(base, &c.location, &objects, &mut w2);
        objects.extend(kept);
    }
    let mut notes = c.notes.clone();
    notes.append(&mut w2);
    for d in &c.deleted {
        objects.retain(|o| o.reference() != *d);
        if d.class == Class::Nfa {
            for o in objects.iter_mut().filter(|o| o.nfas.contains(d)) {
                o.nfas.retain(|n| n != d);
                notes.push(format!("{d} deleted: removed from {}", o.reference()));
                // The policy's stored NFA list no longer holds: write it afresh.
                o.values.clear();
            }
        }
    }
    for (r, entries) in &c.keys {
        let mut values = match objects.iter().find(|o| o.reference() == *r) {
            Some(o) if !o.values.is_empty() => o.values.clone(),
            Some(o) => o.to_values(&c.location),
            None => Vec::new(),
        };
        overlay(&mut values, entries);
        let o = RawObject::from_values(&r.key_name(), &values).map_err(|m| read_error(r, m))?;
        match objects.iter_mut().find(|x| x.reference() == *r) {
            Some(x) => *x = o,
            None => objects.push(o),
        }
    }
    let active = match c.active {
        Some(a) => a,
        None => base.assigned.map(|id| ObjRef::new(Class::Policy, id)),
    };
    let set = ObjectSet {
        location: c.location.clone(),
        objects,
        active,
    };
    let mut read = read_objects(&set)?;
    read.snapshot.dynamic = base.dynamic.clone();
    read.snapshot.host = base.host.clone();
    notes.append(&mut read.notes);
    read.notes = notes;
    Ok(read)
}

/// The `.reg` text of exported objects: the location key (with `ActivePolicy`) and one
/// key per object, in regedit's order (names compared without case).
pub fn reg_text(e: &Exported, location: &str) -> String {
    let active: Vec<StoredValue> = e
        .active
        .map(|a| super::objects::sz("ActivePolicy", &a.path(location)))
        .into_iter()
        .collect();
    let mut objs: Vec<&RawObject> = e.objects.iter().collect();
    objs.sort_by_key(|o| o.reference().key_name().to_ascii_lowercase());
    let mut keys = vec![OutKey {
        path: format!("HKEY_LOCAL_MACHINE\\{location}"),
        values: &active,
    }];
    for o in objs {
        keys.push(OutKey {
            path: format!(
                "HKEY_LOCAL_MACHINE\\{location}\\{}",
                o.reference().key_name()
            ),
            values: &o.values,
        });
    }
    write(&keys)
}

/// Store -> `.reg` text (all policies or one), `now` stamping objects encoded afresh.
pub fn export_reg(
    snap: &Snapshot,
    only: Option<crate::core::model::Id>,
    location: &str,
    now: u32,
) -> (String, Vec<String>) {
    let e = export_objects(snap, only, location, now);
    (reg_text(&e, location), e.warnings)
}
