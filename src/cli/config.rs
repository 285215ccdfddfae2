//! `ipsedit config show|set`: the stored host context (OS profile, NoDefaultExempt,
//! host addresses, server addresses, name table).

use std::net::Ipv4Addr;

use clap::Subcommand;
use serde_json::json;

use super::{CliError, Ctx};
use crate::core::model::{HostContext, Interface, OsProfile};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the host context.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change one setting: os PROFILE | no-default-exempt 0|1|2|3|default |
    /// me CIDR[,CIDR…] | dns|wins|dhcp|gateway IP[,IP…] | name HOST IP[,IP…] |
    /// computer-name NAME
    Set {
        /// os, no-default-exempt, me, dns, wins, dhcp, gateway, name or computer-name.
        key: String,
        /// The value(s).
        #[arg(num_args = 1.., required = true, allow_hyphen_values = true)]
        values: Vec<String>,
    },
}

pub fn run(ctx: &Ctx, a: Args) -> Result<(), CliError> {
    match a.command {
        ConfigCommand::Show { json } => {
            let snap = ctx.snapshot()?;
            if json {
                super::output::stdout_json(&format!("{}\n", to_json(&snap.host)));
            } else {
                out!("{}", render(&snap.host));
            }
            Ok(())
        }
        ConfigCommand::Set { key, values } => {
            let summary = format!("config set {key} {}", values.join(" "));
            ctx.modify(&summary, |snap| set(&mut snap.host, &key, &values))
        }
    }
}

/// Applies one `config set`; returns the change lines.
pub fn set(host: &mut HostContext, key: &str, values: &[String]) -> Result<Vec<String>, CliError> {
    let one = || -> Result<&str, CliError> {
        match values {
            [v] => Ok(v.as_str()),
            _ => Err(CliError::Invalid(format!(
                "config set {key} takes one value, got {}: {}",
                values.len(),
                values.join(" ")
            ))),
        }
    };
    match key.to_ascii_lowercase().as_str() {
        "os" | "profile" => {
            let v = one()?;
            let p = OsProfile::from_id(v).ok_or_else(|| {
                CliError::Invalid(format!(
                    "unknown OS profile '{v}': use one of {}",
                    OsProfile::ids()
                ))
            })?;
            host.profile = p;
            Ok(vec![format!("OS profile set to {p}")])
        }
        "no-default-exempt" | "nodefaultexempt" | "exempt" => {
            let v = one()?;
            host.no_default_exempt = parse_no_default_exempt(v)?;
            Ok(vec![match host.no_default_exempt {
                Some(n) => {
                    format!("NoDefaultExempt set to {n} (takes effect after a restart on Windows)")
                }
                None => "NoDefaultExempt removed: the OS profile's default applies".to_string(),
            }])
        }
        "me" | "interfaces" | "addresses" => {
            let list = parse_interfaces(&values.join(","))?;
            let shown = list
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            host.interfaces = list;
            Ok(vec![format!("host addresses set to {shown}")])
        }
        k @ ("dns" | "wins" | "dhcp" | "gateway") => {
            let list = parse_addrs(&values.join(","), k)?;
            let shown = join_addrs(&list);
            match k {
                "dns" => host.dns_servers = list,
                "wins" => host.wins_servers = list,
                "dhcp" => host.dhcp_servers = list,
                _ => host.gateways = list,
            }
            Ok(vec![format!(
                "{} servers set to {shown}",
                k.to_ascii_uppercase()
            )])
        }
        "name" => {
            let Some((name, rest)) = values.split_first().filter(|(_, r)| !r.is_empty()) else {
                return Err(CliError::Invalid(
                    "config set name takes a host name and its addresses: \
                     ipsedit config set name server.example.com 192.0.2.10"
                        .into(),
                ));
            };
            let list = parse_addrs(&rest.join(","), "name")?;
            let line = format!("name {name} resolves to {}", join_addrs(&list));
            host.names.insert(name.to_ascii_lowercase(), list);
            Ok(vec![line])
        }
        "computer-name" | "computername" => {
            let v = one()?.trim();
            let ok = !v.is_empty()
                && v.len() <= 63
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(CliError::Invalid(format!(
                    "computer name '{v}' is not valid: use 1-63 letters, digits, '-' or '_' \
                     (e.g. ipsedit config set computer-name FILESERVER)"
                )));
            }
            host.computer_name = Some(v.to_string());
            Ok(vec![format!(
                "computer name set to {v} (%COMPUTERNAME% in scripts, \\\\{v} in ipseccmd)"
            )])
        }
        other => Err(CliError::Invalid(format!(
            "unknown setting '{other}': use os, no-default-exempt, me, dns, wins, dhcp, \
             gateway, name or computer-name"
        ))),
    }
}

pub fn parse_no_default_exempt(v: &str) -> Result<Option<u32>, CliError> {
    match v.trim() {
        "default" | "absent" | "none" => Ok(None),
        s => match s.parse::<u32>() {
            Ok(n) if n <= 3 => Ok(Some(n)),
            _ => Err(CliError::Invalid(format!(
                "NoDefaultExempt '{s}' is not valid: use 0, 1, 2, 3 or default (remove the value)"
            ))),
        },
    }
}

/// `192.168.1.1/24,10.0.0.5` (a bare address is taken as /32).
pub fn parse_interfaces(text: &str) -> Result<Vec<Interface>, CliError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (addr, prefix) = match part.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (part, None),
        };
        let addr: Ipv4Addr = addr.trim().parse().map_err(|_| {
            CliError::Invalid(format!(
                "'{part}' is not an IPv4 address with a prefix: write it like 192.168.1.1/24"
            ))
        })?;
        let prefix = match prefix {
            None => 32,
            Some(p) => match p.trim().parse::<u8>() {
                Ok(n) if n <= 32 => n,
                _ => {
                    return Err(CliError::Invalid(format!(
                        "'{part}': the prefix length must be 0-32, like 192.168.1.1/24"
                    )));
                }
            },
        };
        out.push(Interface { addr, prefix });
    }
    if out.is_empty() {
        return Err(CliError::Invalid(
            "no address given: write them like 192.168.1.1/24,10.10.1.2/24".into(),
        ));
    }
    Ok(out)
}

fn parse_addrs(text: &str, what: &str) -> Result<Vec<Ipv4Addr>, CliError> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<Ipv4Addr>().map_err(|_| {
                CliError::Invalid(format!(
                    "'{p}' is not an IPv4 address (for {what}): write it like 192.0.2.53"
                ))
            })
        })
        .collect()
}

fn join_addrs(v: &[Ipv4Addr]) -> String {
    if v.is_empty() {
        return "(none)".into();
    }
    v.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn to_json(h: &HostContext) -> serde_json::Value {
    json!({
        "profile": h.profile.id(),
        "no_default_exempt": h.no_default_exempt,
        "interfaces": h.interfaces.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        "dns_servers": h.dns_servers,
        "wins_servers": h.wins_servers,
        "dhcp_servers": h.dhcp_servers,
        "gateways": h.gateways,
        "names": h.names,
    })
}

pub fn render(h: &HostContext) -> String {
    let mut s = String::new();
    s.push_str(&format!("OS profile        {}\n", h.profile));
    s.push_str(&format!(
        "NoDefaultExempt   {}\n",
        match h.no_default_exempt {
            Some(n) => n.to_string(),
            None => "absent (the profile's default applies)".into(),
        }
    ));
    if h.interfaces.is_empty() {
        s.push_str(
            "host addresses    none: set them with `ipsedit config set me 192.168.1.1/24`\n",
        );
    } else {
        let list = h
            .interfaces
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>();
        s.push_str(&format!("host addresses    {}\n", list.join(", ")));
    }
    s.push_str(&format!(
        "DNS servers       {}\n",
        join_addrs(&h.dns_servers)
    ));
    s.push_str(&format!(
        "WINS servers      {}\n",
        join_addrs(&h.wins_servers)
    ));
    s.push_str(&format!(
        "DHCP servers      {}\n",
        join_addrs(&h.dhcp_servers)
    ));
    s.push_str(&format!("gateways          {}\n", join_addrs(&h.gateways)));
    if let Some(n) = &h.computer_name {
        s.push_str(&format!("computer name     {n}\n"));
    }
    for (name, addrs) in &h.names {
        s.push_str(&format!("name {name:<12} {}\n", join_addrs(addrs)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        let mut h = HostContext::default();
        set(&mut h, "os", &["winxp-sp1".into()]).unwrap();
        assert_eq!(h.profile, OsProfile::WinxpSp1);
        set(&mut h, "no-default-exempt", &["1".into()]).unwrap();
        assert_eq!(h.no_default_exempt, Some(1));
        set(&mut h, "no-default-exempt", &["default".into()]).unwrap();
        assert_eq!(h.no_default_exempt, None);
        set(&mut h, "me", &["192.168.1.1/24,10.10.1.2".into()]).unwrap();
        assert_eq!(
            h.interfaces,
            vec![
                Interface {
                    addr: Ipv4Addr::new(192, 168, 1, 1),
                    prefix: 24
                },
                Interface {
                    addr: Ipv4Addr::new(10, 10, 1, 2),
                    prefix: 32
                }
            ]
        );
        assert!(set(&mut h, "no-default-exempt", &["4".into()]).is_err());
        assert!(set(&mut h, "me", &["192.168.1.1/33".into()]).is_err());
        assert!(set(&mut h, "os", &["win95".into()]).is_err());
    }
}
