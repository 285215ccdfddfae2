//! Offline registry hives (a `SOFTWARE` file of a disk image), read with the `notatin`
//! parser from bytes already in memory: finds the IPsec stores a hive holds (the local
//! one, the cached domain policy, the persistent one) and reads one of them as objects.
//! Read-only; never writes a hive. Pure: bytes in, objects out.

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

    /// The key under HKLM (the SOFTWARE hive is mounted at `HKLM\SOFTWARE`).
    pub fn location(self) -> &'static str {
        match self {
            Self::Local => r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local",
            Self::DomainCache => r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Cache",
            Self::Persistent => r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Persistent",
        }
    }
}

/// Where Group Policy notes the assigned domain policy (`DSIPSECPolicyPath`).
pub const GPT_KEY: &str = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\GPTIPSECPolicy";

/// What a hive holds.
pub struct Hive {
    /// Each store present, with its number of object keys.
    pub present: Vec<(HiveStore, usize)>,
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
        let mut present = Vec::new();
        for s in HiveStore::ALL {
            if let Some(mut k) = key(&mut parser, s.location()) {
                let n = k
                    .read_sub_keys(&mut parser)
                    .iter()
                    .filter(|c| ObjRef::parse(&c.key_name).is_some())
                    .count();
                present.push((s, n));
            }
        }
        let gpt_policy = key(&mut parser, GPT_KEY).map(|k| {
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

    /// The objects of one store; the assignment is `ActivePolicy` (local, persistent) or
    /// GPTIPSECPolicy's `DSIPSECPolicyPath` (domain cache).
    pub fn objects(&mut self, store: HiveStore) -> Result<(ObjectSet, Vec<String>), String> {
        let mut notes = Vec::new();
        let Some(mut k) = key(&mut self.parser, store.location()) else {
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
                location: store.location().to_string(),
                objects,
                active,
            },
            notes,
        ))
    }
}

/// The key at `path` (under HKLM): the hive's root stands for `SOFTWARE`.
fn key(parser: &mut Parser, path: &str) -> Option<notatin::cell_key_node::CellKeyNode> {
    let under = path.strip_prefix("SOFTWARE\\").unwrap_or(path);
    parser
        .get_key(under, false)
        .ok()
        .flatten()
        .or_else(|| parser.get_key(path, false).ok().flatten())
}
