//! Filter actions: permit, block or negotiate security. Shared between rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Behavior {
    Permit,
    Block,
    Negotiate,
}

impl Behavior {
    pub fn word(self) -> &'static str {
        match self {
            Behavior::Permit => "permit",
            Behavior::Block => "block",
            Behavior::Negotiate => "negotiate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HashAlg {
    Md5,
    Sha1,
}

impl HashAlg {
    pub fn word(self) -> &'static str {
        match self {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA1",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cipher {
    Des,
    TripleDes,
}

impl Cipher {
    pub fn word(self) -> &'static str {
        match self {
            Cipher::Des => "DES",
            Cipher::TripleDes => "3DES",
        }
    }
}

/// ESP settings; `None` in a field means "None" (e.g. ESP[None,SHA1]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Esp {
    pub encryption: Option<Cipher>,
    pub integrity: Option<HashAlg>,
}

/// One quick-mode security method, offered in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityMethod {
    #[serde(default)]
    pub ah: Option<HashAlg>,
    #[serde(default)]
    pub esp: Option<Esp>,
    /// Rekey after this many kilobytes (0 = not set).
    #[serde(default)]
    pub lifetime_kb: u32,
    /// Rekey after this many seconds (0 = not set).
    #[serde(default)]
    pub lifetime_secs: u32,
}

/// The netsh `qmsecmethods` form: `AH[MD5]+ESP[3DES,SHA1]:100000k/900s`.
impl fmt::Display for SecurityMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(h) = self.ah {
            parts.push(format!("AH[{}]", h.word()));
        }
        if let Some(e) = self.esp {
            let c = e.encryption.map_or("None", Cipher::word);
            let h = e.integrity.map_or("None", HashAlg::word);
            parts.push(format!("ESP[{c},{h}]"));
        }
        f.write_str(&parts.join("+"))?;
        let life: Vec<String> = [(self.lifetime_kb, "k"), (self.lifetime_secs, "s")]
            .iter()
            .filter(|(v, _)| *v > 0)
            .map(|(v, u)| format!("{v}{u}"))
            .collect();
        if !life.is_empty() {
            write!(f, ":{}", life.join("/"))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterAction {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub behavior: Behavior,
    /// For negotiate: the security methods, in order of preference.
    #[serde(default)]
    pub methods: Vec<SecurityMethod>,
    /// Accept unsecured communication, but always respond using IPsec.
    #[serde(default)]
    pub inpass: bool,
    /// Allow fallback to unsecured communication with peers that do not speak IPsec.
    #[serde(default)]
    pub soft: bool,
    /// Session-key perfect forward secrecy.
    #[serde(default)]
    pub session_key_pfs: bool,
    /// The negotiation-policy type GUID when it is not the standard one ({62F49E10-…});
    /// read from Windows' storage, kept for write-back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negotiation_type: Option<Id>,
    /// The object as Windows stored it, for byte-for-byte write-back when unedited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<super::StoredObject>,
}

impl FilterAction {
    pub fn new(name: impl Into<String>, behavior: Behavior) -> Self {
        FilterAction {
            id: Id::new_v4(),
            name: name.into(),
            description: String::new(),
            behavior,
            methods: Vec::new(),
            inpass: false,
            soft: false,
            session_key_pfs: false,
            negotiation_type: None,
            stored: None,
        }
    }
}
