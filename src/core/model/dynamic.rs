//! The host's live security policy database beyond its rules (`netsh ipsec dynamic`,
//! Server 2003): main-mode and quick-mode policies that dynamic rules name, and the
//! `set config` properties. Kept in the host context (it belongs to the machine, not to a
//! stored policy) and lost, like dynamic rules, when the policy agent restarts, except the
//! `set config` properties, which netsh writes to the registry. Pure data.

use serde::{Deserialize, Serialize};

use super::{MainModeMethod, SecurityMethod};

/// `netsh ipsec dynamic add mmpolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicMmPolicy {
    pub name: String,
    /// Quick modes per main mode; 0 = unlimited (netsh's default).
    #[serde(default)]
    pub qm_per_mm: u32,
    /// Main-mode lifetime in minutes (netsh's default 480).
    #[serde(default = "default_mm_lifetime")]
    pub lifetime_minutes: u32,
    /// Seconds after which an unprotected SA expires; 0 = never (netsh's default).
    #[serde(default)]
    pub soft_sa_expiration_secs: u32,
    /// Empty means netsh's defaults (3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1).
    #[serde(default)]
    pub methods: Vec<MainModeMethod>,
}

fn default_mm_lifetime() -> u32 {
    480
}

impl DynamicMmPolicy {
    pub fn new(name: impl Into<String>) -> Self {
        DynamicMmPolicy {
            name: name.into(),
            qm_per_mm: 0,
            lifetime_minutes: default_mm_lifetime(),
            soft_sa_expiration_secs: 0,
            methods: Vec::new(),
        }
    }
}

/// Quick-mode perfect forward secrecy of a dynamic quick-mode policy (`pfsgroup=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PfsGroup {
    #[default]
    NoPfs,
    Grp1,
    Grp2,
    /// Group 14 (2048 bits).
    Grp3,
    /// The main mode's group.
    GrpMm,
}

impl PfsGroup {
    pub fn word(self) -> &'static str {
        match self {
            PfsGroup::NoPfs => "nopfs",
            PfsGroup::Grp1 => "grp1",
            PfsGroup::Grp2 => "grp2",
            PfsGroup::Grp3 => "grp3",
            PfsGroup::GrpMm => "grpmm",
        }
    }

    pub fn from_word(s: &str) -> Option<Self> {
        [
            PfsGroup::NoPfs,
            PfsGroup::Grp1,
            PfsGroup::Grp2,
            PfsGroup::Grp3,
            PfsGroup::GrpMm,
        ]
        .into_iter()
        .find(|g| g.word().eq_ignore_ascii_case(s))
    }
}

/// `netsh ipsec dynamic add qmpolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicQmPolicy {
    pub name: String,
    /// Fall back to clear text with peers that do not answer IKE.
    #[serde(default)]
    pub soft: bool,
    #[serde(default)]
    pub pfs_group: PfsGroup,
    /// Empty means netsh's defaults.
    #[serde(default)]
    pub methods: Vec<SecurityMethod>,
}

/// The `netsh ipsec dynamic set config` properties ipsedit keeps for export (`None`: not
/// set, the Windows default applies). `ipsecexempt`, `bootmode` and `bootexemptions` live
/// in [`super::HostContext`] itself because the engine uses them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicConfig {
    /// 0-7: which IPsec driver events are logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipsec_diagnostics: Option<u32>,
    /// 0 or 1: Oakley (IKE) logging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ike_logging: Option<u32>,
    /// 0-2: certificate revocation checking (0 off, 1 fail on revoked, 2 fail on any error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strong_crl_check: Option<u32>,
    /// 60-86400 seconds between driver event log entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipsec_log_interval: Option<u32>,
}

/// Everything `netsh ipsec dynamic` keeps besides rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicSpd {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mm_policies: Vec<DynamicMmPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qm_policies: Vec<DynamicQmPolicy>,
    #[serde(default)]
    pub config: DynamicConfig,
}

impl DynamicSpd {
    pub fn mm_policy(&self, name: &str) -> Option<&DynamicMmPolicy> {
        self.mm_policies
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn qm_policy(&self, name: &str) -> Option<&DynamicQmPolicy> {
        self.qm_policies
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// What a `netsh ipsec dynamic add rule` named besides its filter and actions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetshRuleRefs {
    pub mm_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qm_policy: Option<String>,
}
