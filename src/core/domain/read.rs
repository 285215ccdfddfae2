//! The domain's policy store read as a model `Snapshot`: every IPsec object under
//! `CN=IP Security,CN=System,<domain>` goes through the registry codec
//! (`interchange::registry`), which both stores share, and each object's DN, `objectGUID`,
//! raw attribute values and `uSNChanged` are kept beside the snapshot, so a save can write
//! back only what changed and tell a concurrent change from its own.
//!
//! A forward reference to a deleted object (`\0ADEL:` DN) or to one that is not in the
//! container, and an object without `ipsecData`, are errors naming the object and the fix;
//! owner back-references (`ipsecOwnersReference`) to deleted objects are only noted (Windows
//! leaves them behind when it deletes a rule).
//!
//! Must not: write to the directory (`write` does), print, or decode blobs itself.

use std::collections::{BTreeMap, HashMap};

use super::DomainError;
use super::connection::{DirEntry, Directory, SearchScope};
use super::objects::{IpsecContainer, Problem, RawIpsecObject, is_deleted_dn};
use super::url::dn_key;
use crate::core::interchange::registry::{ObjRef, ObjectSet, RawObject, read_objects};
use crate::core::model::Snapshot;

/// What the read asks for (the container read's attributes).
pub use super::objects::ATTRIBUTES as READ_ATTRIBUTES;

/// Attributes handed to the codec (the others are the directory's own bookkeeping).
const CODEC_ATTRIBUTES: [&str; 11] = [
    "ipsecName",
    "description",
    "ipsecDataType",
    "ipsecData",
    "ipsecISAKMPReference",
    "ipsecNFAReference",
    "ipsecNegotiationPolicyReference",
    "ipsecFilterReference",
    "ipsecOwnersReference",
    "ipsecNegotiationPolicyAction",
    "ipsecNegotiationPolicyType",
];

/// One object as read: the directory's view (DN, GUID, bytes, USN) and the codec's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainObject {
    pub raw: RawIpsecObject,
    /// The codec's form; `values` hold its registry-style values at the container.
    pub object: RawObject,
    /// The writable attributes exactly as the server gave them (names lower-cased): what a
    /// save deletes, so that the server refuses it if someone changed them meanwhile.
    pub loaded: BTreeMap<String, Vec<Vec<u8>>>,
}

/// How far the container had come when it was read: the highest `uSNChanged` among its
/// objects and their number (a deletion of an older object lowers the count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DomainVersion {
    pub highest_usn: u64,
    pub objects: usize,
}

impl DomainVersion {
    /// The opaque token form: `usn:count`.
    pub fn token(&self) -> String {
        format!("{}:{}", self.highest_usn, self.objects)
    }
}

/// The domain's policy store as read.
#[derive(Debug, Clone)]
pub struct DomainSnapshot {
    /// `CN=IP Security,CN=System,<domain>`; also the `location` of every `stored` value.
    pub container_dn: String,
    pub snapshot: Snapshot,
    /// What the codec left out or guessed, and owner references to deleted objects.
    pub notes: Vec<String>,
    /// Every IPsec object read, in the container's stable order.
    pub objects: Vec<DomainObject>,
    pub version: DomainVersion,
}

impl DomainSnapshot {
    /// Objects by their codec reference (class and `ipsecID` GUID).
    pub fn by_ref(&self) -> HashMap<ObjRef, &DomainObject> {
        self.objects
            .iter()
            .map(|o| (o.object.reference(), o))
            .collect()
    }
}

/// Reads the IPsec container of the domain `base` (`DC=example,DC=test`).
pub fn read_snapshot(dir: &mut Directory, base: &str) -> Result<DomainSnapshot, DomainError> {
    let dn = IpsecContainer::dn_for(base);
    let entries = dir.search(
        &dn,
        SearchScope::Subtree,
        "(objectClass=ipsecBase)",
        &READ_ATTRIBUTES,
    )?;
    snapshot_from_entries(dn, &entries)
}

/// The pure part of `read_snapshot`: entries of the container -> snapshot.
pub fn snapshot_from_entries(
    container_dn: String,
    entries: &[DirEntry],
) -> Result<DomainSnapshot, DomainError> {
    let container = IpsecContainer::from_entries(container_dn.clone(), entries);
    let mut notes = Vec::new();
    let mut blocking = Vec::new();
    for p in &container.problems {
        match p {
            Problem::DeletedTarget {
                attribute: "ipsecOwnersReference",
                ..
            } => notes.push(format!("{p} (an owner back-reference: ignored)")),
            _ => blocking.push(p.to_string()),
        }
    }
    if !blocking.is_empty() {
        return Err(DomainError::Integrity {
            container: container_dn,
            problems: blocking,
        });
    }
    let by_dn: HashMap<String, &DirEntry> = entries.iter().map(|e| (dn_key(&e.dn), e)).collect();
    let mut objects = Vec::with_capacity(container.objects.len());
    let mut version = DomainVersion::default();
    for raw in container.objects {
        let Some(entry) = by_dn.get(&dn_key(&raw.dn)) else {
            continue;
        };
        let object = codec_object(&container_dn, entry, &raw)?;
        version.highest_usn = version.highest_usn.max(raw.usn_changed.unwrap_or(0));
        version.objects += 1;
        let loaded = CODEC_ATTRIBUTES
            .iter()
            .chain(&["ipsecID"])
            .filter(|n| !entry.values(n).is_empty())
            .map(|n| (n.to_ascii_lowercase(), entry.values(n).to_vec()))
            .collect();
        objects.push(DomainObject {
            raw,
            object,
            loaded,
        });
    }
    let set = ObjectSet {
        location: container_dn.clone(),
        objects: objects.iter().map(|o| o.object.clone()).collect(),
        active: None,
    };
    let read = read_objects(&set).map_err(|e| {
        let dn = objects
            .iter()
            .find(|o| o.object.reference().key_name() == e.object)
            .map_or_else(|| e.object.clone(), |o| o.raw.label());
        DomainError::Object {
            dn,
            reason: format!(
                "{}: fix or delete the object (ipsedit reads the container only whole)",
                e.message
            ),
        }
    })?;
    notes.extend(read.notes);
    Ok(DomainSnapshot {
        container_dn,
        snapshot: read.snapshot,
        notes,
        objects,
        version,
    })
}

/// One entry in the codec's form, its owner references to deleted objects dropped, and its
/// registry-style values at `location` kept, so an unedited object is recognised as such.
fn codec_object(
    location: &str,
    entry: &DirEntry,
    raw: &RawIpsecObject,
) -> Result<RawObject, DomainError> {
    let mut attributes: Vec<(&str, &[u8])> = Vec::new();
    for name in CODEC_ATTRIBUTES {
        for v in entry.values(name) {
            if name == "ipsecOwnersReference" && is_deleted_dn(&String::from_utf8_lossy(v)) {
                continue;
            }
            attributes.push((name, v.as_slice()));
        }
    }
    let mut object =
        RawObject::from_directory(&raw.dn, attributes).map_err(|reason| DomainError::Object {
            dn: raw.label(),
            reason,
        })?;
    if let Some(id) = &raw.ipsec_id {
        let same = crate::core::interchange::registry::wire::parse_braced(id)
            .is_some_and(|g| g == object.id);
        if !same {
            return Err(DomainError::Object {
                dn: raw.label(),
                reason: format!(
                    "ipsecID {id} differs from the GUID in the object's name: fix ipsecID \
                     or rename the object"
                ),
            });
        }
    }
    object.values = object.to_values(location);
    Ok(object)
}

#[cfg(test)]
#[path = "read_tests.rs"]
pub(crate) mod tests;
