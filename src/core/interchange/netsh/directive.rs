//! ipsedit's own script directives, `# ipsedit …` lines. netsh reads them as comments, so
//! an exported script still runs on Windows; ipsedit reads them to recreate what netsh
//! cannot say: the host context (OS profile, host addresses, server addresses) and the
//! name table DNS-name filters resolve from. Written by the export, before any filter.
//!
//! ```text
//! # ipsedit host profile=ws2003 interfaces=192.168.1.1/24 dns=192.168.1.53
//! # ipsedit name host=db.example.com addresses=192.0.2.10,192.0.2.11
//! ```

use std::net::Ipv4Addr;

use super::lexer::{Arg, split};
use super::params::{Param, bind};
use super::{Done, NetshError};
use crate::core::model::{HostContext, Interface, OsProfile, Snapshot};

const PREFIX: &str = "ipsedit";

/// The directive text after `# ipsedit`, if the line is one.
pub fn strip(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('#')?.trim_start();
    let word = rest.get(..PREFIX.len())?;
    if !word.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let after = &rest[PREFIX.len()..];
    (after.is_empty() || after.starts_with(char::is_whitespace)).then_some(after)
}

const HOST: &[Param] = &[
    Param {
        name: "profile",
        required: false,
        repeat: false,
    },
    Param {
        name: "interfaces",
        required: false,
        repeat: false,
    },
    Param {
        name: "dns",
        required: false,
        repeat: false,
    },
    Param {
        name: "wins",
        required: false,
        repeat: false,
    },
    Param {
        name: "dhcp",
        required: false,
        repeat: false,
    },
    Param {
        name: "gateways",
        required: false,
        repeat: false,
    },
];

const NAME: &[Param] = &[
    Param {
        name: "host",
        required: true,
        repeat: false,
    },
    Param {
        name: "addresses",
        required: true,
        repeat: false,
    },
];

/// Applies one directive line (the whole line, so columns point into it).
pub fn apply(snap: &mut Snapshot, line_text: &str, line: usize) -> Result<Done, NetshError> {
    let all = split(line_text, line)?;
    let end_col = line_text.chars().count() + 1;
    // Skip `#` and `ipsedit` (or `#ipsedit`).
    let skip = all
        .iter()
        .position(|a| a.value.to_ascii_lowercase().ends_with(PREFIX))
        .map_or(all.len(), |p| p + 1);
    let args = &all[skip..];
    let Some(kind) = args.first().filter(|a| a.key.is_none()) else {
        return Err(NetshError::new(
            line,
            end_col,
            "# ipsedit",
            "an ipsedit directive needs a kind",
            "write `# ipsedit host profile=ws2003 interfaces=192.168.1.1/24` or `# ipsedit \
             name host=NAME addresses=IP[,IP…]`",
        ));
    };
    match kind.value.to_ascii_lowercase().as_str() {
        "host" => {
            let b = bind("ipsedit host", HOST, &args[1..], line, end_col)?;
            let mut host = snap.host.clone();
            for (name, arg) in &b.given {
                set_host(&mut host, name, arg, line)?;
            }
            snap.host = host;
            Ok(Done::change("host context set from the script"))
        }
        "name" => {
            let b = bind("ipsedit name", NAME, &args[1..], line, end_col)?;
            let (Some(h), Some(a)) = (b.get("host"), b.get("addresses")) else {
                return Ok(Done::default());
            };
            let addrs = addr_list(a, line)?;
            snap.host.names.insert(h.value.to_ascii_lowercase(), addrs);
            Ok(Done::change(format!(
                "name {} added to the name table",
                h.value
            )))
        }
        other => Err(NetshError::new(
            line,
            kind.col,
            kind.value.clone(),
            format!("unknown ipsedit directive '{other}'"),
            "ipsedit directives are `# ipsedit host …` and `# ipsedit name …`; for a plain \
             comment write `#` followed by a space and no 'ipsedit'",
        )),
    }
}

fn set_host(host: &mut HostContext, name: &str, arg: &Arg, line: usize) -> Result<(), NetshError> {
    match name {
        "profile" => {
            host.profile = OsProfile::from_id(&arg.value).ok_or_else(|| {
                NetshError::new(
                    line,
                    arg.value_col,
                    arg.value.clone(),
                    format!("unknown OS profile '{}'", arg.value),
                    format!("use one of {}", OsProfile::ids()),
                )
            })?;
        }
        "interfaces" => host.interfaces = interfaces(arg, line)?,
        "dns" => host.dns_servers = addr_list(arg, line)?,
        "wins" => host.wins_servers = addr_list(arg, line)?,
        "dhcp" => host.dhcp_servers = addr_list(arg, line)?,
        _ => host.gateways = addr_list(arg, line)?,
    }
    Ok(())
}

fn addr_list(arg: &Arg, line: usize) -> Result<Vec<Ipv4Addr>, NetshError> {
    arg.value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Ipv4Addr>().map_err(|_| {
                NetshError::new(
                    line,
                    arg.value_col,
                    s,
                    format!("'{s}' is not an IPv4 address"),
                    "write addresses separated by commas: 192.0.2.1,192.0.2.2",
                )
            })
        })
        .collect()
}

fn interfaces(arg: &Arg, line: usize) -> Result<Vec<Interface>, NetshError> {
    arg.value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let bad = || {
                NetshError::new(
                    line,
                    arg.value_col,
                    s,
                    format!("'{s}' is not an address with a prefix length"),
                    "write host addresses as CIDR separated by commas: 192.168.1.1/24",
                )
            };
            let (a, p) = s.split_once('/').unwrap_or((s, "32"));
            let addr = a.parse::<Ipv4Addr>().map_err(|_| bad())?;
            let prefix = p.parse::<u8>().ok().filter(|p| *p <= 32).ok_or_else(bad)?;
            Ok(Interface { addr, prefix })
        })
        .collect()
}

/// The directives that recreate `host`, for the export.
pub fn write(host: &HostContext) -> Vec<String> {
    let join = |v: &[Ipv4Addr]| {
        v.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut line = format!("# {PREFIX} host profile={}", host.profile.id());
    if !host.interfaces.is_empty() {
        let list: Vec<String> = host.interfaces.iter().map(|i| i.to_string()).collect();
        line.push_str(&format!(" interfaces={}", list.join(",")));
    }
    for (key, v) in [
        ("dns", &host.dns_servers),
        ("wins", &host.wins_servers),
        ("dhcp", &host.dhcp_servers),
        ("gateways", &host.gateways),
    ] {
        if !v.is_empty() {
            line.push_str(&format!(" {key}={}", join(v)));
        }
    }
    let mut out = vec![line];
    for (name, addrs) in &host.names {
        out.push(format!(
            "# {PREFIX} name host={} addresses={}",
            super::export::quote(name),
            join(addrs)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_directives_only() {
        assert_eq!(strip("# ipsedit host"), Some(" host"));
        assert_eq!(strip("#IPSEDIT name"), Some(" name"));
        assert_eq!(strip("# ipseditor"), None);
        assert_eq!(strip("# just a comment"), None);
    }

    #[test]
    fn host_round_trip() {
        let mut snap = Snapshot::default();
        snap.host.interfaces = vec![Interface {
            addr: Ipv4Addr::new(192, 168, 1, 1),
            prefix: 24,
        }];
        snap.host.wins_servers = vec![Ipv4Addr::new(10, 0, 0, 5)];
        snap.host
            .names
            .insert("db.example".into(), vec![Ipv4Addr::new(192, 0, 2, 1)]);
        let mut fresh = Snapshot::default();
        for l in write(&snap.host) {
            assert!(strip(&l).is_some());
            apply(&mut fresh, &l, 1).expect("applies");
        }
        assert_eq!(fresh.host, snap.host);
    }
}
