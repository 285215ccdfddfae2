//! The host the policy runs on: OS profile, NoDefaultExempt, interfaces and servers.
//! The engine turns this into the active exemption set and expands `me` and server types.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// Windows releases whose default-exemption behaviour differs (docs/domain.md, "Exemptions per
/// OS").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OsProfile {
    Win2000,
    Win2000Sp1,
    Win2000Sp2,
    Win2000Sp3,
    Win2000Sp4,
    Winxp,
    WinxpSp1,
    WinxpSp2,
    #[default]
    Ws2003,
}

impl OsProfile {
    pub const ALL: [OsProfile; 9] = [
        Self::Win2000,
        Self::Win2000Sp1,
        Self::Win2000Sp2,
        Self::Win2000Sp3,
        Self::Win2000Sp4,
        Self::Winxp,
        Self::WinxpSp1,
        Self::WinxpSp2,
        Self::Ws2003,
    ];

    /// The profile id used on the command line and in stores.
    pub fn id(self) -> &'static str {
        match self {
            Self::Win2000 => "win2000",
            Self::Win2000Sp1 => "win2000-sp1",
            Self::Win2000Sp2 => "win2000-sp2",
            Self::Win2000Sp3 => "win2000-sp3",
            Self::Win2000Sp4 => "win2000-sp4",
            Self::Winxp => "winxp",
            Self::WinxpSp1 => "winxp-sp1",
            Self::WinxpSp2 => "winxp-sp2",
            Self::Ws2003 => "ws2003",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(s.trim()))
    }

    pub fn ids() -> String {
        Self::ALL.map(|p| p.id()).join(", ")
    }

    /// The next profile in the list, wrapping (the TUI cycles through them).
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }

    pub fn is_server_2003(self) -> bool {
        self == Self::Ws2003
    }
}

impl fmt::Display for OsProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One address of a host interface, with its prefix length (for the subnet broadcast).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interface {
    pub addr: Ipv4Addr,
    /// 0..=32; a hand-edited store with more is refused where it is read.
    #[serde(deserialize_with = "prefix_length")]
    pub prefix: u8,
}

fn prefix_length<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let p = u8::deserialize(d)?;
    if p > 32 {
        return Err(serde::de::Error::custom(format!(
            "prefix length {p} is out of range: use 0-32 (e.g. 24 for 255.255.255.0)"
        )));
    }
    Ok(p)
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Server 2003 start-up behaviour of the IPsec driver (`netsh ipsec dynamic set config
/// bootmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BootMode {
    Permit,
    Block,
    Stateful,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostContext {
    #[serde(default)]
    pub profile: OsProfile,
    /// The `NoDefaultExempt` registry value; `None` when absent (the profile default
    /// applies).
    #[serde(default)]
    pub no_default_exempt: Option<u32>,
    #[serde(default)]
    pub interfaces: Vec<Interface>,
    #[serde(default)]
    pub dns_servers: Vec<Ipv4Addr>,
    #[serde(default)]
    pub wins_servers: Vec<Ipv4Addr>,
    #[serde(default)]
    pub dhcp_servers: Vec<Ipv4Addr>,
    #[serde(default)]
    pub gateways: Vec<Ipv4Addr>,
    #[serde(default)]
    pub boot_mode: Option<BootMode>,
    /// Raw `bootexemptions` text as given to netsh, kept for export.
    #[serde(default)]
    pub boot_exemptions: Option<String>,
    /// Name resolution for DNS-name filters. ipsedit never queries DNS (it must work
    /// offline and send nothing): names resolve from this table when a filter is created.
    #[serde(default)]
    pub names: BTreeMap<String, Vec<Ipv4Addr>>,
    /// This computer's name (`ipsedit config set computer-name`): what `%COMPUTERNAME%`
    /// expands to in scripts, and the `\\NAME` ipseccmd accepts as this computer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
    /// `netsh ipsec dynamic` main-mode/quick-mode policies and `set config` properties.
    #[serde(default, skip_serializing_if = "is_default")]
    pub spd: super::DynamicSpd,
}

fn is_default(s: &super::DynamicSpd) -> bool {
    *s == super::DynamicSpd::default()
}

impl Default for HostContext {
    fn default() -> Self {
        HostContext {
            profile: OsProfile::Ws2003,
            no_default_exempt: None,
            interfaces: Vec::new(),
            dns_servers: Vec::new(),
            wins_servers: Vec::new(),
            dhcp_servers: Vec::new(),
            gateways: Vec::new(),
            boot_mode: None,
            boot_exemptions: None,
            names: BTreeMap::new(),
            computer_name: None,
            spd: super::DynamicSpd::default(),
        }
    }
}

impl HostContext {
    /// The host addresses, in configured order.
    pub fn addresses(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.interfaces.iter().map(|i| i.addr)
    }

    /// The addresses configured for a server type.
    pub fn servers(&self, kind: super::ServerKind) -> &[Ipv4Addr] {
        use super::ServerKind::*;
        match kind {
            Dns => &self.dns_servers,
            Wins => &self.wins_servers,
            Dhcp => &self.dhcp_servers,
            Gateway => &self.gateways,
        }
    }
}
