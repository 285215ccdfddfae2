//! The context options shared by `table`, `explain`, `check` and `reach`:
//! `[--policy NAME] [--os PROFILE] [--no-default-exempt 0|1|2|3|default] [--me CIDR[,CIDR…]]`.
//! They override the stored host context for one call; the store is never changed.

use std::net::Ipv4Addr;

use super::CliError;
use crate::core::model::{HostContext, Id, Interface, OsProfile, Snapshot};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ContextArgs {
    /// Evaluate this policy instead of the assigned one.
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
    /// OS profile: win2000, win2000-sp1..sp4, winxp, winxp-sp1, winxp-sp2, ws2003.
    #[arg(long = "os", value_name = "PROFILE")]
    pub os: Option<String>,
    /// The NoDefaultExempt registry value, or `default` for "absent".
    #[arg(long, value_name = "0|1|2|3|default")]
    pub no_default_exempt: Option<String>,
    /// Host addresses with prefix (the prefix gives the subnet broadcast), comma-separated.
    #[arg(long, value_name = "CIDR[,CIDR…]")]
    pub me: Option<String>,
}

impl ContextArgs {
    /// The policy to evaluate (`None` = the assigned one) and the host context to use.
    pub fn resolve(&self, s: &Snapshot) -> Result<(Option<Id>, HostContext), CliError> {
        let mut host = s.host.clone();
        if let Some(os) = &self.os {
            host.profile = OsProfile::from_id(os).ok_or_else(|| {
                CliError::Invalid(format!(
                    "unknown OS profile {os:?}: use one of {}",
                    OsProfile::ids()
                ))
            })?;
        }
        if let Some(v) = &self.no_default_exempt {
            host.no_default_exempt = if v.eq_ignore_ascii_case("default") {
                None
            } else {
                Some(v.trim().parse::<u32>().map_err(|_| {
                    CliError::Invalid(format!(
                        "--no-default-exempt {v:?} is not a value: use 0, 1, 2, 3 or default \
                         (the value is absent)"
                    ))
                })?)
            };
        }
        if let Some(me) = &self.me {
            host.interfaces = parse_interfaces(me)?;
        }
        let policy = match &self.policy {
            None => None,
            Some(name) => Some(
                s.policy_named(name)
                    .ok_or_else(|| {
                        let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
                        CliError::Invalid(format!(
                            "no policy named {name:?}; the store has: {}",
                            if names.is_empty() {
                                "no policies".to_string()
                            } else {
                                names.join(", ")
                            }
                        ))
                    })?
                    .id,
            ),
        };
        Ok((policy, host))
    }
}

/// `10.10.1.2/24,192.168.1.1` (a bare address is a /32: no subnet broadcast).
pub fn parse_interfaces(text: &str) -> Result<Vec<Interface>, CliError> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            let bad = || {
                CliError::Invalid(format!(
                    "--me {t:?} is not an address: write ADDR/PREFIX (10.10.1.2/24), \
                     several separated by commas"
                ))
            };
            let (a, p) = match t.split_once('/') {
                Some((a, p)) => (
                    a,
                    p.parse::<u8>().ok().filter(|p| *p <= 32).ok_or_else(bad)?,
                ),
                None => (t, 32),
            };
            Ok(Interface {
                addr: a.parse::<Ipv4Addr>().map_err(|_| bad())?,
                prefix: p,
            })
        })
        .collect()
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
