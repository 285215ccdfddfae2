//! The context options shared by `table`, `explain`, `check` and `reach`:
//! `[--policy NAME] [--os PROFILE] [--no-default-exempt 0|1|2|3|default] [--me CIDR[,CIDR…]]`.
//! They override the stored host context for one call; the store is never changed.

use super::CliError;
use super::admin::name_list;
use super::config::{parse_interfaces, parse_no_default_exempt};
use crate::core::model::{HostContext, Id, OsProfile, Snapshot};

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
            host.no_default_exempt = parse_no_default_exempt(v)?;
        }
        if let Some(me) = &self.me {
            host.interfaces = parse_interfaces(me)?;
        }
        let policy = match &self.policy {
            None => None,
            Some(name) => Some(
                s.policy_named(name)
                    .ok_or_else(|| {
                        CliError::Invalid(format!(
                            "no policy named '{name}'; the store has: {}",
                            name_list(s.policies.iter().map(|p| p.name.as_str()))
                        ))
                    })?
                    .id,
            ),
        };
        Ok((policy, host))
    }
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
    super::output::stdout_json(&format!("{text}\n"));
    Ok(())
}
