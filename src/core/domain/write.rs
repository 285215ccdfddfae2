//! Writing an edited snapshot back to the domain: only the objects that changed, in an
//! order that never leaves a reference dangling between two requests, each object with one
//! LDAP request the server applies whole.
//!
//! The plan (pure) has four phases:
//! 1. new objects, targets first (filter, negotiation policy, ISAKMP, NFA, policy), without
//!    their `ipsecOwnersReference` (it points back at objects that may not exist yet);
//! 2. changed objects: one modify each, deleting the `ipsecData` and `ipsecName` values
//!    that were loaded (and the loaded values of every other attribute it changes) and
//!    adding the new ones, so the server refuses it (noSuchAttribute, 16) when someone
//!    changed the object meanwhile;
//! 3. the owner back-references of the new objects;
//! 4. deletions, sources first (policy, NFA, then what they pointed to), each after a
//!    modify that checks its `ipsecData` is still the loaded one.
//!
//! Owner back-references of the deleted objects' targets may name them for a moment (AD
//! allows it, and Windows leaves them likewise while it deletes).
//!
//! After any prefix of the plan, every reference names an existing object: a write that
//! stops midway says which objects are written and which are not, and nothing dangles.
//! Objects the model never held (orphans the codec left out) are never deleted.
//!
//! Must not: decide whether to write at all (the store compares versions first), or print.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::attrs::{comparable, directory_attributes, object_dn};
use super::connection::{Change, ChangeOp, Directory, Refusal};
use super::read::{DomainObject, DomainSnapshot};
use crate::core::interchange::registry::{Class, ObjRef, RawObject, export_objects};
use crate::core::model::Snapshot;

/// What one step does to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Creates the object with these attributes.
    Add(Vec<(&'static str, Vec<Vec<u8>>)>),
    /// Changes the object with one modify.
    Modify(Vec<Change>),
    /// Checks the object is as loaded (this modify, when not empty), then deletes it.
    Delete(Vec<Change>),
    /// Creates a container unless it is there already.
    Ensure(Vec<(&'static str, Vec<Vec<u8>>)>),
}

/// One request (two for a deletion) on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub dn: String,
    /// `ipsecNFA 'Name'`, for messages.
    pub label: String,
    pub op: Op,
}

impl Step {
    /// `add ipsecNFA 'Name' (DN)`.
    pub fn describe(&self) -> String {
        let verb = match &self.op {
            Op::Add(_) | Op::Ensure(_) => "add",
            Op::Modify(_) => "change",
            Op::Delete(_) => "delete",
        };
        format!("{verb} {} ({})", self.label, self.dn)
    }
}

/// The writes a save makes, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Warnings of the codec about encodings it is not sure of.
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Puts `steps` after the adds and changes, before the first deletion (an assignment
    /// names a policy that exists, and is gone before its policy is).
    pub fn insert_before_deletions(&mut self, steps: Vec<Step>) {
        let at = self
            .steps
            .iter()
            .position(|s| matches!(s.op, Op::Delete(_)))
            .unwrap_or(self.steps.len());
        self.steps.splice(at..at, steps);
    }
}

const ADD_ORDER: [Class; 5] = [
    Class::Filter,
    Class::NegotiationPolicy,
    Class::Isakmp,
    Class::Nfa,
    Class::Policy,
];

/// The attributes a modify may touch, in the order it touches them.
const WRITABLE: [&str; 11] = [
    "ipsecData",
    "ipsecName",
    "description",
    "ipsecDataType",
    "ipsecISAKMPReference",
    "ipsecNFAReference",
    "ipsecNegotiationPolicyReference",
    "ipsecFilterReference",
    "ipsecNegotiationPolicyAction",
    "ipsecNegotiationPolicyType",
    "ipsecOwnersReference",
];

fn label(o: &RawObject) -> String {
    match &o.name {
        Some(n) => format!("{} '{n}'", o.class.name()),
        None => o.class.name().to_string(),
    }
}

/// The writes that turn `base` (as read) into `edited`; `now` is the `whenChanged` the
/// codec gives re-encoded objects (the directory sets its own).
pub fn plan(base: &DomainSnapshot, edited: &Snapshot, now: u32) -> Plan {
    let container = base.container_dn.as_str();
    let loaded = base.by_ref();
    let new = export_objects(edited, None, container, now);
    let mut adds: Vec<&RawObject> = Vec::new();
    let mut modifies = Vec::new();
    for o in &new.objects {
        match loaded.get(&o.reference()) {
            None => adds.push(o),
            Some(l) if o.values == l.object.values => {}
            Some(l) => {
                let changes = modify_changes(l, o, container);
                if !changes.is_empty() {
                    modifies.push(Step {
                        dn: l.raw.dn.clone(),
                        label: label(o),
                        op: Op::Modify(changes),
                    });
                }
            }
        }
    }
    adds.sort_by_key(|o| ADD_ORDER.iter().position(|c| *c == o.class));
    let mut steps: Vec<Step> = adds
        .iter()
        .map(|o| Step {
            dn: object_dn(&o.reference(), container),
            label: label(o),
            op: Op::Add(
                directory_attributes(o, container)
                    .into_iter()
                    .filter(|(n, _)| *n != "ipsecOwnersReference")
                    .collect(),
            ),
        })
        .collect();
    steps.extend(modifies);
    for o in adds.iter().filter(|o| !o.owners.is_empty()) {
        let owners = directory_attributes(o, container)
            .into_iter()
            .find(|(n, _)| *n == "ipsecOwnersReference")
            .map(|(_, v)| v)
            .unwrap_or_default();
        steps.push(Step {
            dn: object_dn(&o.reference(), container),
            label: label(o),
            op: Op::Modify(vec![Change::new(
                ChangeOp::Add,
                "ipsecOwnersReference",
                owners,
            )]),
        });
    }
    // Deletions: what the model held when read and holds no longer.
    let kept: HashSet<ObjRef> = new.objects.iter().map(RawObject::reference).collect();
    let held = export_objects(&base.snapshot, None, container, now);
    let mut gone: Vec<&DomainObject> = held
        .objects
        .iter()
        .map(RawObject::reference)
        .filter(|r| !kept.contains(r))
        .filter_map(|r| loaded.get(&r).copied())
        .collect();
    gone.sort_by_key(|o| std::cmp::Reverse(ADD_ORDER.iter().position(|c| *c == o.object.class)));
    for o in gone {
        let data = o.loaded.get("ipsecdata").cloned().unwrap_or_default();
        steps.push(Step {
            dn: o.raw.dn.clone(),
            label: label(&o.object),
            op: Op::Delete(vec![
                Change::new(ChangeOp::Delete, "ipsecData", data.clone()),
                Change::new(ChangeOp::Add, "ipsecData", data),
            ]),
        });
    }
    Plan {
        steps,
        warnings: new.warnings,
    }
}

/// The one modify that turns the loaded object `l` into `new`.
fn modify_changes(l: &DomainObject, new: &RawObject, container: &str) -> Vec<Change> {
    let old_cmp = comparable(&l.object, container);
    let new_cmp = comparable(new, container);
    let new_attrs: BTreeMap<String, Vec<Vec<u8>>> = directory_attributes(new, container)
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    if old_cmp == new_cmp {
        return Vec::new();
    }
    let mut out = Vec::new();
    for name in WRITABLE {
        let key = name.to_ascii_lowercase();
        let old = l.loaded.get(&key).cloned().unwrap_or_default();
        let fresh = new_attrs.get(&key).cloned().unwrap_or_default();
        let changed = old_cmp.get(&key) != new_cmp.get(&key);
        if name == "ipsecOwnersReference" {
            // A back-reference list: replaced, since AD may hold stale \0ADEL: values in it
            // that no client can name exactly.
            if changed {
                out.push(Change::new(ChangeOp::Replace, name, fresh));
            }
            continue;
        }
        let guard = name == "ipsecData" || name == "ipsecName";
        if !(changed || guard) {
            continue;
        }
        if !old.is_empty() {
            out.push(Change::new(ChangeOp::Delete, name, old));
        }
        if !fresh.is_empty() {
            out.push(Change::new(ChangeOp::Add, name, fresh));
        }
    }
    out
}

/// A write that stopped: what was written, what failed and why, what was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub done: Vec<String>,
    pub failed: String,
    pub refusal: Refusal,
    pub pending: Vec<String>,
    /// The server refused because the object is no longer as loaded (someone else wrote).
    pub conflict: bool,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.conflict {
            " (someone changed the directory since it was read)"
        } else {
            ""
        };
        write!(
            f,
            "the save stopped at: {}: {}{why}",
            self.failed, self.refusal
        )?;
        let list = |f: &mut fmt::Formatter<'_>, head: &str, items: &[String]| {
            if items.is_empty() {
                return write!(f, "\n  {head}: none");
            }
            write!(f, "\n  {head}:")?;
            for i in items {
                write!(f, "\n    {i}")?;
            }
            Ok(())
        };
        list(f, "written", &self.done)?;
        list(f, "not written", &self.pending)?;
        write!(
            f,
            "\n  no reference dangles (new objects are written before anything points at \
             them, deletions come last): read the store again and redo the edits that are \
             not written"
        )
    }
}

/// Performs the plan, stopping at the first refusal.
pub fn execute(dir: &mut Directory, plan: &Plan) -> Result<(), WriteError> {
    for (i, step) in plan.steps.iter().enumerate() {
        let r = match &step.op {
            Op::Add(attrs) => dir.add(&step.dn, attrs),
            Op::Ensure(attrs) => match dir.add(&step.dn, attrs) {
                Err(r) if r.rc == Some(68) => Ok(()),
                other => other,
            },
            Op::Modify(changes) => dir.modify(&step.dn, changes),
            Op::Delete(check) if check.is_empty() => dir.delete(&step.dn),
            Op::Delete(check) => dir
                .modify(&step.dn, check)
                .and_then(|()| dir.delete(&step.dn)),
        };
        if let Err(refusal) = r {
            let conflict = matches!(
                (&step.op, refusal.rc),
                (Op::Add(_), Some(68)) | (Op::Modify(_) | Op::Delete(_), Some(16 | 20 | 32))
            );
            return Err(WriteError {
                done: plan.steps[..i].iter().map(Step::describe).collect(),
                failed: step.describe(),
                refusal,
                pending: plan.steps[i + 1..].iter().map(Step::describe).collect(),
                conflict,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
