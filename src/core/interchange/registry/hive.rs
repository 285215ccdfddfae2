//! Offline registry hives (the `SOFTWARE` or `SYSTEM` file of a disk image), read with the
//! `notatin` parser from bytes already in memory: finds the IPsec stores a hive holds (the
//! local one, the cached domain policy, the persistent one) and reads one of them as
//! objects. Read-only; never writes a hive. Pure: bytes in, objects out.
//!
//! Where the persistent store lives is not published by Microsoft in any page we found, so
//! both candidate keys are searched and the one found is reported:
//! `SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Persistent` (beside the local and
//! cached stores) and `SYSTEM\CurrentControlSet\Services\PolicyAgent\Policy\Persistent`
//! (under the policy agent's service key). An offline `SYSTEM` hive has no
//! `CurrentControlSet`: it is resolved through `Select\Current` to `ControlSet00N`, as
//! Windows does at boot.

use std::io::Cursor;

use notatin::parser::Parser;
use notatin::parser_builder::ParserBuilder;

use super::objects::{Class, ObjRef, RawObject, text_of};
use super::to_model::ObjectSet;
use crate::core::model::StoredValue;

/// The IPsec stores of a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiveStore {
    Local,
    DomainCache,
    Persistent,
}

impl HiveStore {
    pub const ALL: [HiveStore; 3] = [Self::Local, Self::DomainCache, Self::Persistent];

    pub fn word(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::DomainCache => "domain-cache",
            Self::Persistent => "persistent",
        }
    }

    pub fn from_word(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|h| h.word().eq_ignore_ascii_case(s))
    }

    /// The candidate keys under HKLM, in the order they are searched (the SOFTWARE hive is
    /// mounted at `HKLM\SOFTWARE`, the SYSTEM hive at `HKLM\SYSTEM`).
    pub fn locations(self) -> &'static [&'static str] {
        match self {
            Self::Local => &[r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local"],
            Self::DomainCache => &[r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Cache"],
            Self::Persistent => &[
                r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Persistent",
                r"SYSTEM\CurrentControlSet\Services\PolicyAgent\Policy\Persistent",
            ],
        }
    }
}

/// One IPsec store found in a hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub store: HiveStore,
    /// Its key under HKLM as Windows names it (`CurrentControlSet`, not `ControlSet001`).
    pub location: &'static str,
    /// Its key inside this hive file (root-relative, control set resolved).
    pub key: String,
    /// Its number of object keys.
    pub objects: usize,
}

/// Where Group Policy notes the assigned domain policy (`DSIPSECPolicyPath`).
pub const GPT_KEY: &str = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\GPTIPSECPolicy";

/// What a hive holds.
pub struct Hive {
    /// Each store present, in [`HiveStore::ALL`] order.
    pub present: Vec<Found>,
    /// `DSIPSECPolicyPath` and `DSIPSECPolicyName` of GPTIPSECPolicy, when present.
    pub gpt_policy: Option<(String, String)>,
    parser: Parser,
}

fn values(key: &notatin::cell_key_node::CellKeyNode) -> Vec<StoredValue> {
    key.value_iter()
        .map(|v| StoredValue {
            name: v.detail.value_name(),
            kind: v.detail.data_type_raw() & 0xFFFF,
            data: v.detail.value_bytes().unwrap_or_default(),
        })
        .collect()
}

impl Hive {
    pub fn open(bytes: Vec<u8>) -> Result<Hive, String> {
        let mut parser = ParserBuilder::from_file(Cursor::new(bytes))
            .build()
            .map_err(|e| format!("not a readable registry hive: {e}"))?;
        let control_set = current_control_set(&mut parser);
        let mut present = Vec::new();
        for s in HiveStore::ALL {
            for &location in s.locations() {
                for path in in_hive(location, control_set) {
                    let Some(mut k) = parser.get_key(&path, false).ok().flatten() else {
                        continue;
                    };
                    let n = k
                        .read_sub_keys(&mut parser)
                        .iter()
                        .filter(|c| ObjRef::parse(&c.key_name).is_some())
                        .count();
                    present.push(Found {
                        store: s,
                        location,
                        key: path,
                        objects: n,
                    });
                    break;
                }
            }
        }
        let gpt_policy = in_hive(GPT_KEY, control_set)
            .into_iter()
            .find_map(|p| parser.get_key(&p, false).ok().flatten())
            .map(|k| {
                let v = values(&k);
                let get = |n: &str| {
                    v.iter()
                        .find(|x| x.name.eq_ignore_ascii_case(n))
                        .map(text_of)
                        .unwrap_or_default()
                };
                (get("DSIPSECPolicyPath"), get("DSIPSECPolicyName"))
            });
        Ok(Hive {
            present,
            gpt_policy,
            parser,
        })
    }

    /// Where `store` was found, if it was.
    pub fn found(&self, store: HiveStore) -> Option<&Found> {
        self.present.iter().find(|f| f.store == store)
    }

    /// The objects of one store; the assignment is `ActivePolicy` (local, persistent) or
    /// GPTIPSECPolicy's `DSIPSECPolicyPath` (domain cache).
    pub fn objects(&mut self, store: HiveStore) -> Result<(ObjectSet, Vec<String>), String> {
        let mut notes = Vec::new();
        let Some((location, path)) = self.found(store).map(|f| (f.location, f.key.clone())) else {
            return Err(format!("the hive has no {} store", store.word()));
        };
        let Some(mut k) = self.parser.get_key(&path, false).ok().flatten() else {
            return Err(format!("the hive has no {} store", store.word()));
        };
        let mut objects = Vec::new();
        for mut c in k.read_sub_keys(&mut self.parser) {
            if ObjRef::parse(&c.key_name).is_none() {
                notes.push(format!("{}: not an ipsec object key; ignored", c.key_name));
                continue;
            }
            let _ = c.read_sub_keys(&mut self.parser);
            match RawObject::from_values(&c.key_name, &values(&c)) {
                Ok(o) => objects.push(o),
                Err(m) => notes.push(format!("{}: {m}; left out", c.key_name)),
            }
        }
        let active_text = match store {
            HiveStore::DomainCache => self.gpt_policy.as_ref().map(|(p, _)| p.clone()),
            _ => values(&k)
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case("ActivePolicy"))
                .map(text_of),
        };
        let active = active_text.and_then(|t| {
            let t = t
                .trim_start_matches("LDAP://")
                .trim_start_matches("ldap://");
            ObjRef::parse(t).filter(|r| r.class == Class::Policy)
        });
        Ok((
            ObjectSet {
                location: location.to_string(),
                objects,
                active,
            },
            notes,
        ))
    }
}

/// The paths inside a hive file that `location` (a key under HKLM) may be at: the hive's
/// root stands for `SOFTWARE` or `SYSTEM`; `CurrentControlSet` becomes the control set that
/// `Select\Current` names (else `ControlSet001`). The full path is tried last, for hives
/// whose root keeps the mount name.
fn in_hive(location: &str, control_set: u32) -> Vec<String> {
    let mut out = Vec::new();
    for mount in ["SOFTWARE\\", "SYSTEM\\"] {
        if let Some(under) = location.strip_prefix(mount) {
            match under.strip_prefix("CurrentControlSet\\") {
                Some(rest) => out.push(format!("ControlSet{control_set:03}\\{rest}")),
                None => out.push(under.to_string()),
            }
        }
    }
    out.push(location.to_string());
    out
}

/// The control set a SYSTEM hive boots with (`Select\Current`); 1 when the hive has none.
fn current_control_set(parser: &mut Parser) -> u32 {
    let Some(select) = parser.get_key("Select", false).ok().flatten() else {
        return 1;
    };
    values(&select)
        .iter()
        .find(|v| v.name.eq_ignore_ascii_case("Current") && v.kind == 4)
        .and_then(|v| v.data.get(..4))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .filter(|n| (1..=999).contains(n))
        .unwrap_or(1)
}
