//! The raw IPsec objects of a domain: the five classes under
//! `CN=IP Security,CN=System,<domain>`, each with its `ipsecData` blob, GUIDs, names and the
//! DN references between them, exactly as the directory holds them.
//!
//! A reference to a deleted object (AD keeps it as a `\0ADEL:` DN under
//! `CN=Deleted Objects`) or to an object that is not there is reported as a `Problem`
//! naming both objects, never a crash: the caller decides whether to go on.
//!
//! Must not: decode `ipsecData` (the registry codec does: `RawIpsecObject` is its input:
//! bytes, references and GUIDs), or write to the directory.

use std::collections::HashSet;
use std::fmt;

use uuid::Uuid;

use super::DomainError;
use super::connection::{DirEntry, Directory, SearchScope};
use super::url::dn_key;

/// The five IPsec classes of the AD schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpsecClass {
    Policy,
    Isakmp,
    Nfa,
    NegotiationPolicy,
    Filter,
}

impl IpsecClass {
    pub const ALL: [IpsecClass; 5] = [
        Self::Policy,
        Self::Isakmp,
        Self::Nfa,
        Self::NegotiationPolicy,
        Self::Filter,
    ];

    /// The LDAP class name (`objectClass` value).
    pub fn ldap_name(self) -> &'static str {
        match self {
            Self::Policy => "ipsecPolicy",
            Self::Isakmp => "ipsecISAKMPPolicy",
            Self::Nfa => "ipsecNFA",
            Self::NegotiationPolicy => "ipsecNegotiationPolicy",
            Self::Filter => "ipsecFilter",
        }
    }

    fn from_classes(classes: &[String]) -> Option<Self> {
        Self::ALL.into_iter().find(|c| {
            classes
                .iter()
                .any(|v| v.eq_ignore_ascii_case(c.ldap_name()))
        })
    }
}

impl fmt::Display for IpsecClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ldap_name())
    }
}

/// The attributes that point from one IPsec object to another.
pub const REFERENCE_ATTRIBUTES: [&str; 4] = [
    "ipsecNFAReference",
    "ipsecISAKMPReference",
    "ipsecFilterReference",
    "ipsecNegotiationPolicyReference",
];

/// What a directory read asks for: the raw objects' attributes and the negotiation
/// policies' action and type, which the codec needs.
pub const ATTRIBUTES: [&str; 16] = [
    "objectClass",
    "objectGUID",
    "ipsecName",
    "ipsecID",
    "ipsecData",
    "ipsecDataType",
    "description",
    "ipsecOwnersReference",
    "ipsecNFAReference",
    "ipsecISAKMPReference",
    "ipsecFilterReference",
    "ipsecNegotiationPolicyReference",
    "ipsecNegotiationPolicyAction",
    "ipsecNegotiationPolicyType",
    "whenChanged",
    "uSNChanged",
];

/// One reference value: the attribute it sits in and the DN it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub attribute: &'static str,
    pub dn: String,
}

/// One IPsec object as stored: what the registry codec will turn into policy parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawIpsecObject {
    pub class: IpsecClass,
    pub dn: String,
    /// AD's `objectGUID` (stable across renames; references follow it).
    pub object_guid: Option<Uuid>,
    /// `ipsecID`, the `{GUID}` Windows uses as the object's identity in policy blobs.
    pub ipsec_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The `ipsecData` blob, byte for byte (empty when the attribute is absent: a
    /// `Problem::NoData` says so).
    pub data: Vec<u8>,
    /// `ipsecDataType` (256 in Windows' own writes; 598 in Samba's provisioned defaults).
    pub data_type: Option<u32>,
    /// Forward references (NFA, ISAKMP, filter, negotiation policy), in stored order.
    pub references: Vec<Reference>,
    /// `ipsecOwnersReference`: who points at this object.
    pub owners: Vec<String>,
    /// `whenChanged` (generalized time) and `uSNChanged`, set by the server.
    pub when_changed: Option<String>,
    pub usn_changed: Option<u64>,
}

impl RawIpsecObject {
    /// Reads one entry; `None` when it is not of an IPsec class.
    pub fn from_entry(e: &DirEntry) -> Option<Self> {
        let class = IpsecClass::from_classes(&e.classes())?;
        let mut references = Vec::new();
        for attribute in REFERENCE_ATTRIBUTES {
            for dn in e.texts(attribute) {
                references.push(Reference { attribute, dn });
            }
        }
        Some(RawIpsecObject {
            class,
            dn: e.dn.clone(),
            object_guid: e
                .bytes("objectGUID")
                .and_then(|b| <[u8; 16]>::try_from(b).ok())
                .map(Uuid::from_bytes_le),
            ipsec_id: e.text("ipsecID"),
            name: e.text("ipsecName"),
            description: e.text("description"),
            data: e.bytes("ipsecData").map(<[u8]>::to_vec).unwrap_or_default(),
            data_type: e.text("ipsecDataType").and_then(|t| t.trim().parse().ok()),
            references,
            owners: e.texts("ipsecOwnersReference"),
            when_changed: e.text("whenChanged"),
            usn_changed: e.text("uSNChanged").and_then(|t| t.trim().parse().ok()),
        })
    }

    /// `ipsecPolicy 'Name' (DN)`, for messages.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{} '{}' ({})", self.class, n, self.dn),
            None => format!("{} ({})", self.class, self.dn),
        }
    }
}

/// Something wrong in the stored objects, with both ends named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A reference names an object AD has deleted (`\0ADEL:` DN).
    DeletedTarget {
        from: String,
        attribute: &'static str,
        target: String,
    },
    /// A forward reference names an object that is not in the container.
    MissingTarget {
        from: String,
        attribute: &'static str,
        target: String,
    },
    /// The object has no `ipsecData`.
    NoData { object: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::DeletedTarget {
                from,
                attribute,
                target,
            } => write!(
                f,
                "{from}: {attribute} points to a deleted object ({}): remove the reference \
                 or restore the object",
                crate::core::text::terminal_safe(target)
            ),
            Problem::MissingTarget {
                from,
                attribute,
                target,
            } => write!(
                f,
                "{from}: {attribute} points to {} which is not in CN=IP Security: remove the \
                 reference or recreate the object",
                crate::core::text::terminal_safe(target)
            ),
            Problem::NoData { object } => {
                write!(f, "{object}: has no ipsecData: the object cannot be read")
            }
        }
    }
}

/// True for AD's DN of a deleted object: its RDN carries `\0ADEL:` (an escaped newline,
/// then `DEL:` and the GUID) and it lives under `CN=Deleted Objects`.
pub fn is_deleted_dn(dn: &str) -> bool {
    let lower = dn.to_ascii_lowercase();
    lower.contains("\\0adel:") || lower.contains("\ndel:") || lower.contains("cn=deleted objects,")
}

/// The integrity problems among `objects`, in object order then attribute order.
pub fn check(objects: &[RawIpsecObject]) -> Vec<Problem> {
    let present: HashSet<String> = objects.iter().map(|o| dn_key(&o.dn)).collect();
    let mut out = Vec::new();
    for o in objects {
        if o.data.is_empty() {
            out.push(Problem::NoData { object: o.label() });
        }
        for r in &o.references {
            if is_deleted_dn(&r.dn) {
                out.push(Problem::DeletedTarget {
                    from: o.label(),
                    attribute: r.attribute,
                    target: r.dn.clone(),
                });
            } else if !present.contains(&dn_key(&r.dn)) {
                out.push(Problem::MissingTarget {
                    from: o.label(),
                    attribute: r.attribute,
                    target: r.dn.clone(),
                });
            }
        }
        for owner in o.owners.iter().filter(|d| is_deleted_dn(d)) {
            out.push(Problem::DeletedTarget {
                from: o.label(),
                attribute: "ipsecOwnersReference",
                target: owner.clone(),
            });
        }
    }
    out
}

/// The domain's IPsec container, read whole.
#[derive(Debug, Clone)]
pub struct IpsecContainer {
    /// `CN=IP Security,CN=System,<domain>`.
    pub dn: String,
    /// Sorted by class, then name, then DN (a stable order for listings and diffs).
    pub objects: Vec<RawIpsecObject>,
    pub problems: Vec<Problem>,
}

impl IpsecContainer {
    pub fn dn_for(base_dn: &str) -> String {
        format!("CN=IP Security,CN=System,{base_dn}")
    }

    pub fn from_entries(dn: String, entries: &[DirEntry]) -> Self {
        let mut objects: Vec<RawIpsecObject> = entries
            .iter()
            .filter_map(RawIpsecObject::from_entry)
            .collect();
        objects.sort_by(|a, b| {
            (a.class, &a.name, dn_key(&a.dn)).cmp(&(b.class, &b.name, dn_key(&b.dn)))
        });
        let problems = check(&objects);
        IpsecContainer {
            dn,
            objects,
            problems,
        }
    }

    /// Reads every IPsec object of the domain.
    pub fn read(dir: &mut Directory) -> Result<Self, DomainError> {
        let dn = Self::dn_for(&dir.url.base_dn);
        let entries = dir.search(
            &dn,
            SearchScope::Subtree,
            "(objectClass=ipsecBase)",
            &ATTRIBUTES,
        )?;
        Ok(Self::from_entries(dn, &entries))
    }

    pub fn of_class(&self, class: IpsecClass) -> impl Iterator<Item = &RawIpsecObject> {
        self.objects.iter().filter(move |o| o.class == class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "CN=IP Security,CN=System,DC=example,DC=test";

    fn policy(name: &str, nfa: &str) -> DirEntry {
        DirEntry::new(format!("CN=ipsecPolicy{{{name}}},{C}"))
            .with("objectClass", "top")
            .with("objectClass", "ipsecBase")
            .with("objectClass", "ipsecPolicy")
            .with("ipsecName", name)
            .with("ipsecID", format!("{{{name}}}"))
            .with("ipsecData", [1u8, 2, 3])
            .with("ipsecDataType", "256")
            .with("ipsecNFAReference", nfa)
            .with(
                "objectGUID",
                [
                    0x40, 0xf3, 0xb2, 0x31, 0x6d, 0x01, 0xd2, 0x11, 0x94, 0x5f, 0x00, 0xc0, 0x4f,
                    0xb9, 0x84, 0xf9,
                ],
            )
    }

    fn nfa(id: &str) -> DirEntry {
        DirEntry::new(format!("CN=ipsecNFA{{{id}}},{C}"))
            .with("objectClass", "ipsecNFA")
            .with("ipsecData", [9u8])
    }

    #[test]
    fn reads_the_fields_and_the_guid_in_ad_byte_order() {
        let c = IpsecContainer::from_entries(
            C.into(),
            &[
                policy("P", &format!("CN=ipsecNFA{{N}},{C}")),
                nfa("N"),
                DirEntry::new("CN=x").with("objectClass", "container"),
            ],
        );
        assert_eq!(
            c.objects.len(),
            2,
            "the container entry is not an IPsec object"
        );
        let p = &c.objects[0];
        assert_eq!(p.class, IpsecClass::Policy);
        assert_eq!(p.name.as_deref(), Some("P"));
        assert_eq!(p.ipsec_id.as_deref(), Some("{P}"));
        assert_eq!(p.data, vec![1, 2, 3]);
        assert_eq!(p.data_type, Some(256));
        assert_eq!(
            p.object_guid.map(|g| g.to_string()),
            Some("31b2f340-016d-11d2-945f-00c04fb984f9".to_string())
        );
        assert_eq!(
            p.references,
            vec![Reference {
                attribute: "ipsecNFAReference",
                dn: format!("CN=ipsecNFA{{N}},{C}")
            }]
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn deleted_and_missing_targets_are_named() {
        let deleted = "CN=ipsecNFA{N}\\0ADEL:5a1c2b3d-0000-0000-0000-000000000000,CN=Deleted \
                       Objects,DC=example,DC=test";
        let c = IpsecContainer::from_entries(
            C.into(),
            &[
                policy("A", deleted),
                policy("B", &format!("CN=ipsecNFA{{gone}},{C}")),
                DirEntry::new(format!("CN=ipsecFilter{{F}},{C}"))
                    .with("objectClass", "ipsecFilter"),
            ],
        );
        let text: Vec<String> = c.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            vec![
                format!(
                    "ipsecPolicy 'A' (CN=ipsecPolicy{{A}},{C}): ipsecNFAReference points to a \
                     deleted object ({deleted}): remove the reference or restore the object"
                ),
                format!(
                    "ipsecPolicy 'B' (CN=ipsecPolicy{{B}},{C}): ipsecNFAReference points to \
                     CN=ipsecNFA{{gone}},{C} which is not in CN=IP Security: remove the \
                     reference or recreate the object"
                ),
                format!(
                    "ipsecFilter (CN=ipsecFilter{{F}},{C}): has no ipsecData: the object cannot \
                     be read"
                ),
            ]
        );
    }

    #[test]
    fn deleted_dns_are_recognised_in_both_spellings() {
        assert!(is_deleted_dn("CN=x\\0ADEL:abc,CN=Deleted Objects,DC=a"));
        assert!(is_deleted_dn("CN=x\nDEL:abc,DC=a"));
        assert!(!is_deleted_dn(
            "CN=ipsecNFA{1},CN=IP Security,CN=System,DC=a"
        ));
    }
}
