//! Policies and their rules. A rule ties one filter list to one filter action, by id.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::{HashAlg, Id, SecurityMethod};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Minutes between checks for policy changes.
    #[serde(default = "default_poll")]
    pub polling_interval_min: u32,
    #[serde(default)]
    pub key_exchange: KeyExchange,
    #[serde(default)]
    pub default_response: DefaultResponse,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// The object as Windows stored it, for byte-for-byte write-back when unedited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<super::StoredObject>,
}

pub const DEFAULT_POLL_MINUTES: u32 = 180;

fn default_poll() -> u32 {
    DEFAULT_POLL_MINUTES
}

impl Policy {
    pub fn new(name: impl Into<String>) -> Self {
        Policy {
            id: Id::new_v4(),
            name: name.into(),
            description: String::new(),
            polling_interval_min: DEFAULT_POLL_MINUTES,
            key_exchange: KeyExchange::default(),
            default_response: DefaultResponse::default(),
            rules: Vec::new(),
            stored: None,
        }
    }

    pub fn rule_named(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DhGroup {
    /// Diffie-Hellman group 1 (768 bits).
    Low,
    /// Group 2 (1024 bits).
    Medium,
    /// Group 14 (2048 bits), Server 2003.
    High2048,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MainModeMethod {
    pub encryption: super::Cipher,
    pub integrity: HashAlg,
    pub dh_group: DhGroup,
}

impl DhGroup {
    /// The group's number in netsh's `mmsecmethods` and ipseccmd's `-1s` (3 = 2048 bits).
    pub fn number(self) -> u8 {
        match self {
            DhGroup::Low => 1,
            DhGroup::Medium => 2,
            DhGroup::High2048 => 3,
        }
    }
}

/// netsh's `mmsecmethods` word for one offer: `3DES-SHA1-2`.
impl std::fmt::Display for MainModeMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}-{}",
            self.encryption.word(),
            self.integrity.word(),
            self.dh_group.number()
        )
    }
}

/// Main-mode (IKE) settings of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyExchange {
    #[serde(default)]
    pub master_key_pfs: bool,
    #[serde(default = "default_mm_minutes")]
    pub lifetime_minutes: u32,
    /// Quick modes per main mode; 0 = unlimited.
    #[serde(default)]
    pub lifetime_sessions: u32,
    /// Empty means the Windows defaults.
    #[serde(default)]
    pub methods: Vec<MainModeMethod>,
    /// Map certificates to Windows accounts (ISAKMP-Options bit 1; netsh
    /// `certtoaccountmapping`).
    #[serde(default)]
    pub cert_to_account: bool,
    /// Do not send the certificate-request payload (ISAKMP-Options bit 2).
    #[serde(default)]
    pub no_cert_request: bool,
    /// The GUID of Windows' ipsecISAKMPPolicy object; `None` until one is read or
    /// written (ipsedit then derives one from the policy's GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// The object as Windows stored it, for byte-for-byte write-back when unedited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<super::StoredObject>,
}

fn default_mm_minutes() -> u32 {
    480
}

impl Default for KeyExchange {
    fn default() -> Self {
        KeyExchange {
            master_key_pfs: false,
            lifetime_minutes: default_mm_minutes(),
            lifetime_sessions: 0,
            methods: Vec::new(),
            cert_to_account: false,
            no_cert_request: false,
            id: None,
            stored: None,
        }
    }
}

/// The default response rule (Windows 2000/XP/2003): answer requests for security.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultResponse {
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub authentication: Vec<AuthMethod>,
    #[serde(default)]
    pub methods: Vec<SecurityMethod>,
    /// Session-key perfect forward secrecy (netsh `set defaultrule qmpfs=yes`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub session_key_pfs: bool,
    /// GUIDs of Windows' objects for this rule (its ipsecNFA, without a filter) and its
    /// negotiation policy (type "default response"); `None` until read or written (ipsedit
    /// then derives them from the policy's GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<Id>,
    /// The two objects as Windows stored them, for byte-for-byte write-back when unedited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_stored: Option<super::StoredObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_stored: Option<super::StoredObject>,
}

impl Default for DefaultResponse {
    fn default() -> Self {
        DefaultResponse {
            active: false,
            authentication: vec![AuthMethod::Kerberos],
            methods: Vec::new(),
            session_key_pfs: false,
            rule_id: None,
            action_id: None,
            rule_stored: None,
            action_stored: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthMethod {
    Kerberos,
    Certificate { root_ca: String },
    Preshared { key: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ConnectionType {
    #[default]
    All,
    Lan,
    RemoteAccess,
}

impl ConnectionType {
    pub fn word(self) -> &'static str {
        match self {
            ConnectionType::All => "all",
            ConnectionType::Lan => "lan",
            ConnectionType::RemoteAccess => "dialup",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub filter_list: Id,
    pub filter_action: Id,
    #[serde(default = "default_auth")]
    pub authentication: Vec<AuthMethod>,
    /// Tunnel endpoint; `None` for transport mode.
    #[serde(default)]
    pub tunnel: Option<Ipv4Addr>,
    #[serde(default)]
    pub connection: ConnectionType,
    #[serde(default = "yes")]
    pub active: bool,
    /// The object as Windows stored it, for byte-for-byte write-back when unedited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<super::StoredObject>,
}

fn default_auth() -> Vec<AuthMethod> {
    vec![AuthMethod::Kerberos]
}

fn yes() -> bool {
    true
}

impl Rule {
    pub fn new(name: impl Into<String>, filter_list: Id, filter_action: Id) -> Self {
        Rule {
            id: Id::new_v4(),
            name: name.into(),
            description: String::new(),
            filter_list,
            filter_action,
            authentication: default_auth(),
            tunnel: None,
            connection: ConnectionType::All,
            active: true,
            stored: None,
        }
    }
}
