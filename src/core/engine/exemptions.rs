//! Host context → active default exemptions (docs/domain.md, "Default exemptions" and
//! "Exemptions per OS").
//!
//! Owns the two tables of "Exemptions per OS" (which NoDefaultExempt values a profile
//! honours and its default; which exemptions each value keeps), the reason each exemption
//! is active, and the admin's fix for it. Knows nothing of policies; `table` turns this
//! into rows.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::core::model::{HostContext, OsProfile};

pub use super::exemption::Exemption;

/// Where the NoDefaultExempt value in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueSource {
    /// The configured value, honoured by the profile.
    Configured,
    /// No value configured: the profile default.
    Default,
    /// A value is configured but the profile ignores it: the default applies.
    Ignored,
}

/// The NoDefaultExempt value in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoDefaultExempt {
    /// The value the driver acts on.
    pub value: u32,
    pub source: ValueSource,
    /// What the registry holds (absent = `None`), even when ignored.
    pub configured: Option<u32>,
}

/// An exemption in force and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveExemption {
    pub exemption: Exemption,
    /// "NoDefaultExempt is 0 on winxp-sp1 (the default when the value is absent)".
    pub why: String,
}

/// The host context resolved for evaluation: exemptions in force, host and broadcast
/// addresses. Built once per table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedContext {
    pub profile: OsProfile,
    pub no_default_exempt: NoDefaultExempt,
    pub exemptions: Vec<ActiveExemption>,
    /// Host addresses, configured order, without duplicates.
    pub host_addresses: Vec<Ipv4Addr>,
    /// 255.255.255.255 then the subnet broadcasts of interfaces with prefix /30 or shorter.
    pub broadcasts: Vec<Ipv4Addr>,
    pub warnings: Vec<String>,
}

/// NoDefaultExempt values a profile honours (KB 811832 support table).
pub fn honoured_values(profile: OsProfile) -> &'static [u32] {
    match profile {
        OsProfile::Win2000 => &[],
        OsProfile::Ws2003 => &[0, 1, 2, 3],
        _ => &[0, 1],
    }
}

/// The value in force when none is configured.
pub fn default_value(profile: OsProfile) -> u32 {
    match profile {
        OsProfile::Win2000Sp4 | OsProfile::WinxpSp2 => 1,
        OsProfile::Ws2003 => 3,
        _ => 0,
    }
}

/// The exemptions a value keeps (docs/domain.md, "Exemptions per OS"), before the profile's own
/// rules.
pub fn kept_by_value(value: u32) -> &'static [Exemption] {
    use Exemption::*;
    match value {
        0 => &[Kerberos, Ike, Rsvp, Multicast, Broadcast],
        1 => &[Ike, Multicast, Broadcast],
        2 => &[Kerberos, Ike, Rsvp],
        _ => &[Ike],
    }
}

/// Windows 2000 and XP cannot filter multicast or broadcast at all.
pub fn cannot_filter_multicast(profile: OsProfile) -> bool {
    !profile.is_server_2003()
}

impl ResolvedContext {
    pub fn resolve(host: &HostContext) -> ResolvedContext {
        let profile = host.profile;
        let honoured = honoured_values(profile);
        let default = default_value(profile);
        let mut warnings = Vec::new();
        let nde = match host.no_default_exempt {
            None => NoDefaultExempt {
                value: default,
                source: ValueSource::Default,
                configured: None,
            },
            Some(v) if honoured.contains(&v) => NoDefaultExempt {
                value: v,
                source: ValueSource::Configured,
                configured: Some(v),
            },
            Some(v) => {
                warnings.push(ignored_warning(profile, v));
                NoDefaultExempt {
                    value: default,
                    source: ValueSource::Ignored,
                    configured: Some(v),
                }
            }
        };
        let kept = kept_by_value(nde.value);
        let value_why = value_reason(profile, &nde);
        let mut exemptions = Vec::new();
        for e in Exemption::ALL {
            let why = if e == Exemption::Ipv6 {
                format!("{profile} filters IPv4 only (IPv6 inside IPv4, protocol 41, is filtered)")
            } else if matches!(e, Exemption::Multicast | Exemption::Broadcast)
                && cannot_filter_multicast(profile)
            {
                format!(
                    "{profile} cannot filter {} traffic, whatever NoDefaultExempt says",
                    e.name()
                )
            } else if kept.contains(&e) {
                value_why.clone()
            } else {
                continue;
            };
            exemptions.push(ActiveExemption { exemption: e, why });
        }
        let mut host_addresses: Vec<Ipv4Addr> = Vec::new();
        let mut broadcasts = vec![Ipv4Addr::BROADCAST];
        for i in &host.interfaces {
            if !host_addresses.contains(&i.addr) {
                host_addresses.push(i.addr);
            }
            // A /31 or /32 has no broadcast address (RFC 3021 for /31).
            if i.prefix <= 30 {
                let b = Ipv4Addr::from(u32::from(i.addr) | !super::header::mask_of(i.prefix));
                if !broadcasts.contains(&b) {
                    broadcasts.push(b);
                }
            }
        }
        ResolvedContext {
            profile,
            no_default_exempt: nde,
            exemptions,
            host_addresses,
            broadcasts,
            warnings,
        }
    }

    pub fn is_active(&self, e: Exemption) -> bool {
        self.exemptions.iter().any(|a| a.exemption == e)
    }

    pub fn why(&self, e: Exemption) -> Option<&str> {
        self.exemptions
            .iter()
            .find(|a| a.exemption == e)
            .map(|a| a.why.as_str())
    }

    pub fn is_host(&self, a: Ipv4Addr) -> bool {
        self.host_addresses.contains(&a)
    }

    pub fn is_broadcast(&self, a: Ipv4Addr) -> bool {
        self.broadcasts.contains(&a)
    }

    /// Traffic to these destinations counts as received by this host.
    pub fn is_multicast_or_broadcast(&self, a: Ipv4Addr) -> bool {
        a.is_multicast() || self.is_broadcast(a)
    }

    /// How to remove an exemption on this profile, in the admin's terms.
    pub fn fix(&self, e: Exemption) -> String {
        fix_for(self.profile, self.no_default_exempt.value, e)
    }
}

fn ignored_warning(profile: OsProfile, v: u32) -> String {
    let honoured = honoured_values(profile);
    let accepted = if honoured.is_empty() {
        "no value at all (install a service pack to use NoDefaultExempt)".to_string()
    } else {
        format!(
            "only {}",
            honoured
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "NoDefaultExempt {v} is ignored on {profile}, which accepts {accepted}; the default {} applies",
        default_value(profile)
    )
}

fn value_reason(profile: OsProfile, nde: &NoDefaultExempt) -> String {
    match (nde.source, nde.configured) {
        (ValueSource::Configured, _) => {
            format!("NoDefaultExempt is {} on {profile} (configured)", nde.value)
        }
        (ValueSource::Ignored, Some(c)) => format!(
            "NoDefaultExempt is {} on {profile} (the configured {c} is ignored, so the default applies)",
            nde.value
        ),
        _ => format!(
            "NoDefaultExempt is {} on {profile} (the default when the value is absent)",
            nde.value
        ),
    }
}

/// The setting that removes `e` while keeping what the current value already removed.
fn fix_for(profile: OsProfile, value: u32, e: Exemption) -> String {
    const RESTART: &str = "takes effect after a restart";
    match e {
        Exemption::Ipv6 => {
            return "IPsec on these systems never filters IPv6: filter it elsewhere (the IPv6 \
                    firewall, a router) or remove the IPv6 protocol"
                .into();
        }
        Exemption::Ike => {
            return "IKE (UDP 500 to 500) stays exempt with every NoDefaultExempt value: block \
                    it at a router or firewall if IKE is not needed"
                .into();
        }
        _ => {}
    }
    let multicastish = matches!(e, Exemption::Multicast | Exemption::Broadcast);
    if profile.is_server_2003() {
        let target = match (multicastish, value) {
            (false, 0) => 1,
            (false, _) => 3,
            (true, 0) => 2,
            (true, _) => 3,
        };
        return format!(
            "set NoDefaultExempt to {target}: `netsh ipsec dynamic set config ipsecexempt value={target}` \
             (or `reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d {target}`); {RESTART}"
        );
    }
    if multicastish {
        return format!(
            "{profile} cannot filter {} traffic with any NoDefaultExempt value: block it at a \
             router or firewall, or move to Windows Server 2003 (value 2 or 3 there)",
            e.name()
        );
    }
    if honoured_values(profile).is_empty() {
        return format!(
            "{profile} ignores NoDefaultExempt: install Service Pack 1 or later, then \
             `reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d 1`; {RESTART}"
        );
    }
    format!(
        "set NoDefaultExempt to 1: `reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d 1`; {RESTART}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(profile: OsProfile, nde: Option<u32>) -> ResolvedContext {
        ResolvedContext::resolve(&HostContext {
            profile,
            no_default_exempt: nde,
            ..HostContext::default()
        })
    }

    fn names(c: &ResolvedContext) -> Vec<&'static str> {
        c.exemptions.iter().map(|a| a.exemption.name()).collect()
    }

    #[test]
    fn profile_defaults() {
        let c = resolve(OsProfile::WinxpSp1, None);
        assert_eq!(c.no_default_exempt.value, 0);
        assert_eq!(c.no_default_exempt.source, ValueSource::Default);
        assert_eq!(
            names(&c),
            ["kerberos", "ike", "rsvp", "multicast", "broadcast", "ipv6"]
        );
        let c = resolve(OsProfile::Ws2003, None);
        assert_eq!(names(&c), ["ike", "ipv6"]);
        let c = resolve(OsProfile::WinxpSp2, None);
        assert_eq!(names(&c), ["ike", "multicast", "broadcast", "ipv6"]);
    }

    #[test]
    fn ignored_values_warn() {
        let c = resolve(OsProfile::WinxpSp1, Some(3));
        assert_eq!(c.no_default_exempt.source, ValueSource::Ignored);
        assert_eq!(c.no_default_exempt.value, 0);
        assert!(c.warnings[0].contains("NoDefaultExempt 3 is ignored on winxp-sp1"));
        let c = resolve(OsProfile::Win2000, Some(1));
        assert_eq!(c.no_default_exempt.source, ValueSource::Ignored);
        assert!(c.is_active(Exemption::Kerberos));
    }

    #[test]
    fn xp_always_exempts_multicast() {
        // Value 1 keeps multicast anyway; what matters is that no value removes it on XP.
        let c = resolve(OsProfile::Winxp, Some(1));
        assert!(c.is_active(Exemption::Multicast));
        assert!(!c.is_active(Exemption::Kerberos));
        let c = resolve(OsProfile::Ws2003, Some(2));
        assert!(!c.is_active(Exemption::Multicast));
        assert!(c.is_active(Exemption::Kerberos));
    }

    #[test]
    fn fixes_name_the_command() {
        let c = resolve(OsProfile::Ws2003, Some(0));
        assert!(c.fix(Exemption::Kerberos).contains("ipsecexempt value=1"));
        let c = resolve(OsProfile::WinxpSp1, None);
        assert!(c.fix(Exemption::Kerberos).contains("/d 1"));
        assert!(
            c.fix(Exemption::Kerberos)
                .contains("takes effect after a restart")
        );
    }
}
