//! The five object kinds as stored, independent of where: class, GUID, names, blob and
//! references between objects by (class, GUID). `RawObject` is what the registry (here)
//! and the directory (LDAP, later) both hold; this file also maps a registry key's values
//! to a `RawObject` and back. References are written as registry paths (`SOFTWARE\…\Local\
//! ipsecNFA{GUID}`) and read from registry paths or DNs alike (`CN=ipsecNFA{GUID},…`).

use std::fmt;

use uuid::Uuid;

use super::wire::{braced, parse_braced, utf16_bytes, utf16_text};
use crate::core::model::StoredValue;

pub const REG_SZ: u32 = 1;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_MULTI_SZ: u32 = 7;

/// The registry path (under HKLM) of the local store.
pub const LOCAL_STORE: &str = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local";

/// What ipsedit writes as `ipsecDataType` (Windows' defaults carry 598; both are read).
pub const DATA_TYPE: u32 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Policy,
    Isakmp,
    Nfa,
    NegotiationPolicy,
    Filter,
}

impl Class {
    pub const ALL: [Class; 5] = [
        Class::Policy,
        Class::Isakmp,
        Class::Nfa,
        Class::NegotiationPolicy,
        Class::Filter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Policy => "ipsecPolicy",
            Class::Isakmp => "ipsecISAKMPPolicy",
            Class::Nfa => "ipsecNFA",
            Class::NegotiationPolicy => "ipsecNegotiationPolicy",
            Class::Filter => "ipsecFilter",
        }
    }

    pub fn from_name(s: &str) -> Option<Class> {
        Class::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
    }
}

/// A reference to an object: its class and GUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub class: Class,
    pub id: Uuid,
}

impl ObjRef {
    pub fn new(class: Class, id: Uuid) -> Self {
        ObjRef { class, id }
    }

    /// `ipsecNFA{GUID}`: the registry key name and the AD common name.
    pub fn key_name(&self) -> String {
        format!("{}{}", self.class.name(), braced(self.id))
    }

    /// The registry path Windows writes as a reference: `LOCATION\ipsecNFA{GUID}`.
    pub fn path(&self, location: &str) -> String {
        format!("{location}\\{}", self.key_name())
    }

    /// Reads `ipsecNFA{GUID}`, a registry path ending in it, or a DN starting with
    /// `CN=ipsecNFA{GUID}`.
    pub fn parse(text: &str) -> Option<ObjRef> {
        let t = text.trim();
        let last = if let Some(rest) = t.strip_prefix("CN=").or_else(|| t.strip_prefix("cn=")) {
            rest.split(',').next().unwrap_or(rest)
        } else {
            t.rsplit('\\').next().unwrap_or(t)
        };
        let brace = last.find('{')?;
        let class = Class::from_name(&last[..brace])?;
        let id = parse_braced(&last[brace..])?;
        Some(ObjRef { class, id })
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key_name())
    }
}

/// One stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawObject {
    pub class: Class,
    pub id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    pub data_type: u32,
    pub data: Vec<u8>,
    /// Unix seconds in the registry.
    pub when_changed: Option<u32>,
    pub owners: Vec<ObjRef>,
    pub isakmp: Option<ObjRef>,
    pub nfas: Vec<ObjRef>,
    pub negotiation_policy: Option<ObjRef>,
    pub filters: Vec<ObjRef>,
    /// ipsecNegotiationPolicyAction / ipsecNegotiationPolicyType.
    pub action: Option<Uuid>,
    pub negotiation_type: Option<Uuid>,
    /// The registry values as read, in order (empty for objects ipsedit built).
    pub values: Vec<StoredValue>,
}

impl RawObject {
    pub fn new(class: Class, id: Uuid, data: Vec<u8>) -> Self {
        RawObject {
            class,
            id,
            name: None,
            description: None,
            data_type: DATA_TYPE,
            data,
            when_changed: None,
            owners: Vec::new(),
            isakmp: None,
            nfas: Vec::new(),
            negotiation_policy: None,
            filters: Vec::new(),
            action: None,
            negotiation_type: None,
            values: Vec::new(),
        }
    }

    pub fn reference(&self) -> ObjRef {
        ObjRef::new(self.class, self.id)
    }

    /// The registry values ipsedit writes for this object, in Windows' order.
    pub fn to_values(&self, location: &str) -> Vec<StoredValue> {
        let key = self.reference().key_name();
        let mut v = vec![
            sz("ClassName", self.class.name()),
            sz("name", &key),
            sz("ipsecID", &braced(self.id)),
        ];
        if let Some(n) = &self.name {
            v.push(sz("ipsecName", n));
        }
        if let Some(d) = &self.description {
            v.push(sz("description", d));
        }
        v.push(dword("ipsecDataType", self.data_type));
        v.push(StoredValue {
            name: "ipsecData".into(),
            kind: REG_BINARY,
            data: self.data.clone(),
        });
        if let Some(t) = self.when_changed {
            v.push(dword("whenChanged", t));
        }
        let paths = |refs: &[ObjRef]| refs.iter().map(|r| r.path(location)).collect::<Vec<_>>();
        if let Some(r) = self.isakmp {
            v.push(sz("ipsecISAKMPReference", &r.path(location)));
        }
        if !self.nfas.is_empty() {
            v.push(multi("ipsecNFAReference", &paths(&self.nfas)));
        }
        if let Some(r) = self.negotiation_policy {
            v.push(sz("ipsecNegotiationPolicyReference", &r.path(location)));
        }
        if !self.filters.is_empty() {
            v.push(multi("ipsecFilterReference", &paths(&self.filters)));
        }
        if let Some(a) = self.action {
            v.push(sz("ipsecNegotiationPolicyAction", &braced(a)));
        }
        if let Some(t) = self.negotiation_type {
            v.push(sz("ipsecNegotiationPolicyType", &braced(t)));
        }
        if !self.owners.is_empty() {
            v.push(multi("ipsecOwnersReference", &paths(&self.owners)));
        }
        v
    }

    /// Reads the values of the key `key_name` (`ipsecNFA{GUID}`). Unknown values are
    /// ignored (and kept in `values`); a wrong type or a bad reference is an error naming
    /// the value.
    pub fn from_values(key_name: &str, values: &[StoredValue]) -> Result<RawObject, String> {
        let r = ObjRef::parse(key_name)
            .ok_or_else(|| format!("the key name {key_name:?} is not <ipsec class>{{GUID}}"))?;
        let mut o = RawObject::new(r.class, r.id, Vec::new());
        o.data_type = 0;
        let mut has_data = false;
        for v in values {
            let want = |kind: u32| -> Result<(), String> {
                if v.kind == kind {
                    Ok(())
                } else {
                    Err(format!(
                        "value {:?} has type {}, expected {}",
                        v.name,
                        type_name(v.kind),
                        type_name(kind)
                    ))
                }
            };
            let one_ref = || -> Result<ObjRef, String> {
                let t = text_of(v);
                ObjRef::parse(&t).ok_or_else(|| {
                    format!("value {:?}: {t:?} does not name an ipsec object", v.name)
                })
            };
            let many_refs = || -> Result<Vec<ObjRef>, String> {
                strings_of(v)
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|t| {
                        ObjRef::parse(t).ok_or_else(|| {
                            format!("value {:?}: {t:?} does not name an ipsec object", v.name)
                        })
                    })
                    .collect()
            };
            match v.name.to_ascii_lowercase().as_str() {
                "ipsecid" => {
                    let t = text_of(v);
                    let id = parse_braced(&t)
                        .ok_or_else(|| format!("value \"ipsecID\": {t:?} is not a {{GUID}}"))?;
                    if id != o.id {
                        return Err(format!(
                            "ipsecID {} differs from the GUID in the key name",
                            braced(id)
                        ));
                    }
                }
                "ipsecname" => o.name = Some(text_of(v)),
                "description" => o.description = Some(text_of(v)),
                "ipsecdatatype" => {
                    want(REG_DWORD)?;
                    o.data_type = dword_of(v).unwrap_or(0);
                }
                "ipsecdata" => {
                    want(REG_BINARY)?;
                    o.data = v.data.clone();
                    has_data = true;
                }
                "whenchanged" => o.when_changed = dword_of(v),
                "ipsecisakmpreference" => o.isakmp = Some(one_ref()?),
                "ipsecnfareference" => o.nfas = many_refs()?,
                "ipsecnegotiationpolicyreference" => o.negotiation_policy = Some(one_ref()?),
                "ipsecfilterreference" => o.filters = many_refs()?,
                "ipsecownersreference" => o.owners = many_refs()?,
                "ipsecnegotiationpolicyaction" => o.action = parse_braced(&text_of(v)),
                "ipsecnegotiationpolicytype" => o.negotiation_type = parse_braced(&text_of(v)),
                _ => {}
            }
        }
        if !has_data {
            return Err("it has no \"ipsecData\" value".into());
        }
        o.values = values.to_vec();
        Ok(o)
    }
}

impl RawObject {
    /// Builds an object from directory attributes (LDAP/LDIF): `(name, value)` pairs, a
    /// multi-valued attribute given once per value; references are DNs, `ipsecDataType`
    /// is decimal text. The object is identified by its DN's first RDN
    /// (`CN=ipsecNFA{GUID}`).
    pub fn from_directory<'a>(
        dn: &str,
        attributes: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<RawObject, String> {
        let r = ObjRef::parse(dn)
            .ok_or_else(|| format!("the DN {dn:?} does not start with CN=<ipsec class>{{GUID}}"))?;
        let mut o = RawObject::new(r.class, r.id, Vec::new());
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        let one = |name: &str, v: &[u8]| {
            ObjRef::parse(&text(v))
                .ok_or_else(|| format!("{name}: {:?} does not name an ipsec object", text(v)))
        };
        let mut has_data = false;
        for (name, v) in attributes {
            match name.to_ascii_lowercase().as_str() {
                "ipsecname" => o.name = Some(text(v)),
                "description" => o.description = Some(text(v)),
                "ipsecdatatype" => o.data_type = text(v).trim().parse().unwrap_or(0),
                "ipsecdata" => {
                    o.data = v.to_vec();
                    has_data = true;
                }
                "ipsecisakmpreference" => o.isakmp = Some(one(name, v)?),
                "ipsecnfareference" => o.nfas.push(one(name, v)?),
                "ipsecnegotiationpolicyreference" => o.negotiation_policy = Some(one(name, v)?),
                "ipsecfilterreference" => o.filters.push(one(name, v)?),
                "ipsecownersreference" => o.owners.push(one(name, v)?),
                "ipsecnegotiationpolicyaction" => o.action = parse_braced(&text(v)),
                "ipsecnegotiationpolicytype" => o.negotiation_type = parse_braced(&text(v)),
                _ => {}
            }
        }
        if !has_data {
            return Err(format!("{dn}: no ipsecData"));
        }
        Ok(o)
    }
}

pub fn type_name(kind: u32) -> &'static str {
    match kind {
        REG_SZ => "REG_SZ",
        2 => "REG_EXPAND_SZ",
        REG_BINARY => "REG_BINARY",
        REG_DWORD => "REG_DWORD",
        REG_MULTI_SZ => "REG_MULTI_SZ",
        11 => "REG_QWORD",
        0 => "REG_NONE",
        _ => "another type",
    }
}

pub fn sz(name: &str, text: &str) -> StoredValue {
    StoredValue {
        name: name.into(),
        kind: REG_SZ,
        data: utf16_bytes(text),
    }
}

pub fn dword(name: &str, v: u32) -> StoredValue {
    StoredValue {
        name: name.into(),
        kind: REG_DWORD,
        data: v.to_le_bytes().to_vec(),
    }
}

pub fn multi(name: &str, items: &[String]) -> StoredValue {
    let mut data = Vec::new();
    for i in items {
        data.extend(utf16_bytes(i));
    }
    data.extend_from_slice(&[0, 0]);
    StoredValue {
        name: name.into(),
        kind: REG_MULTI_SZ,
        data,
    }
}

/// The text of a string value (REG_SZ or the first string of a multi-string).
pub fn text_of(v: &StoredValue) -> String {
    utf16_text(&v.data)
}

pub fn dword_of(v: &StoredValue) -> Option<u32> {
    let b = v.data.get(..4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The strings of a multi-string (or the one string of a REG_SZ).
pub fn strings_of(v: &StoredValue) -> Vec<String> {
    let units: Vec<u16> = v
        .data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    units
        .split(|u| *u == 0)
        .filter(|s| !s.is_empty())
        .map(String::from_utf16_lossy)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_from_paths_and_dns() {
        let p = ObjRef::parse(
            r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local\ipsecNFA{594272E2-071D-11D3-AD22-0060B0ECCA17}",
        )
        .expect("path");
        let d = ObjRef::parse(
            "CN=ipsecNFA{594272e2-071d-11d3-ad22-0060b0ecca17},CN=IP Security,CN=System,DC=x",
        )
        .expect("dn");
        assert_eq!(p, d);
        assert_eq!(
            p.key_name(),
            "ipsecNFA{594272E2-071D-11D3-AD22-0060B0ECCA17}"
        );
        assert_eq!(
            ObjRef::parse(r"SOFTWARE\x\ipsecFoo{594272E2-071D-11D3-AD22-0060B0ECCA17}"),
            None
        );
    }

    #[test]
    fn values_round_trip() {
        let mut o = RawObject::new(Class::Nfa, Uuid::from_u128(7), vec![1, 2, 3]);
        o.name = Some("r".into());
        o.negotiation_policy = Some(ObjRef::new(Class::NegotiationPolicy, Uuid::from_u128(8)));
        o.filters = vec![ObjRef::new(Class::Filter, Uuid::from_u128(9))];
        o.owners = vec![ObjRef::new(Class::Policy, Uuid::from_u128(10))];
        o.when_changed = Some(5);
        let values = o.to_values(LOCAL_STORE);
        let back = RawObject::from_values(&o.reference().key_name(), &values).expect("reads");
        assert_eq!(
            RawObject {
                values: Vec::new(),
                ..back
            },
            o
        );
    }
}
