//! `netsh ipsec dynamic set config` and `show config`: the host settings Server 2003 keeps
//! outside the static policy. `ipsecexempt` is the NoDefaultExempt value (docs/domain.md,
//! "Exemptions per OS"); `bootmode` and `bootexemptions` are the driver's start-up
//! behaviour; `ipsecdiagnostics`, `ikelogging`, `strongcrlcheck` and `ipsecloginterval`
//! are logging and revocation settings the engine does not use: all are validated against
//! the ranges of Microsoft's netsh ipsec reference, stored in the host context, exported
//! and shown.

use super::super::lexer::Arg;
use super::super::params::{self, bind};
use super::super::{Cmd, Done, NetshError};
use crate::core::model::{BootMode, HostContext, Snapshot};

pub fn boot_word(m: BootMode) -> &'static str {
    match m {
        BootMode::Permit => "permit",
        BootMode::Block => "block",
        BootMode::Stateful => "stateful",
    }
}

/// The numeric properties: name, range, what it is, and where it lives.
struct Numeric {
    name: &'static str,
    min: u32,
    max: u32,
    what: &'static str,
    slot: fn(&mut HostContext) -> &mut Option<u32>,
}

const NUMERIC: &[Numeric] = &[
    Numeric {
        name: "ipsecexempt",
        min: 0,
        max: 3,
        what: "NoDefaultExempt (takes effect after a restart on Windows)",
        slot: |h| &mut h.no_default_exempt,
    },
    Numeric {
        name: "ipsecdiagnostics",
        min: 0,
        max: 7,
        what: "IPsec driver diagnostic logging level",
        slot: |h| &mut h.spd.config.ipsec_diagnostics,
    },
    Numeric {
        name: "ikelogging",
        min: 0,
        max: 1,
        what: "IKE (Oakley) logging",
        slot: |h| &mut h.spd.config.ike_logging,
    },
    Numeric {
        name: "strongcrlcheck",
        min: 0,
        max: 2,
        what: "certificate revocation checking",
        slot: |h| &mut h.spd.config.strong_crl_check,
    },
    Numeric {
        name: "ipsecloginterval",
        min: 60,
        max: 86400,
        what: "seconds between IPsec driver event log entries",
        slot: |h| &mut h.spd.config.ipsec_log_interval,
    },
];

/// The `set config` lines that recreate the host's settings, in the reference's order.
pub fn export_lines(h: &HostContext) -> Vec<String> {
    let mut host = h.clone();
    let mut out = Vec::new();
    for n in NUMERIC {
        if let Some(v) = *(n.slot)(&mut host) {
            out.push(format!(
                "ipsec dynamic set config property={} value={v}",
                n.name
            ));
        }
    }
    if let Some(m) = h.boot_mode {
        out.push(format!(
            "ipsec dynamic set config property=bootmode value={}",
            boot_word(m)
        ));
    }
    if let Some(b) = &h.boot_exemptions {
        out.push(format!(
            "ipsec dynamic set config property=bootexemptions value={}",
            super::super::export::quote(b)
        ));
    }
    out
}

pub fn show(snap: &Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    bind(
        cmd.name,
        params::DYNAMIC_SHOW_CONFIG,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    Ok(Done {
        output: show_lines(&snap.host),
        ..Done::default()
    })
}

pub fn show_lines(h: &HostContext) -> Vec<String> {
    let mut host = h.clone();
    let mut out = Vec::new();
    for n in NUMERIC {
        let v = (n.slot)(&mut host).map_or("(not set: the Windows default applies)".into(), |v| {
            v.to_string()
        });
        out.push(format!("{:<22} : {v}", label(n.name)));
    }
    out.push(format!(
        "{:<22} : {}",
        "BootMode",
        h.boot_mode.map_or("(not set)", boot_word)
    ));
    out.push(format!(
        "{:<22} : {}",
        "BootExemptions",
        h.boot_exemptions.as_deref().unwrap_or("(not set)")
    ));
    out
}

fn label(name: &str) -> &'static str {
    match name {
        "ipsecexempt" => "IPSecExempt",
        "ipsecdiagnostics" => "IPSecDiagnostics",
        "ikelogging" => "IKELogging",
        "strongcrlcheck" => "StrongCRLCheck",
        _ => "IPSecLogInterval",
    }
}

pub fn set(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(
        cmd.name,
        params::DYNAMIC_SET_CONFIG,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    let (Some(prop), Some(value)) = (b.get("property"), b.get("value")) else {
        return Ok(Done::default());
    };
    let p = prop.value.to_ascii_lowercase();
    let bad = |hint: String| {
        cmd.err(
            value.value_col,
            value.value.clone(),
            format!("'{}' is not a valid value for {p}", value.value),
            hint,
        )
    };
    if let Some(n) = NUMERIC.iter().find(|n| n.name == p) {
        let v: u32 = value
            .value
            .trim()
            .parse()
            .ok()
            .filter(|v| (n.min..=n.max).contains(v))
            .ok_or_else(|| bad(format!("{p} takes a number from {} to {}", n.min, n.max)))?;
        *(n.slot)(&mut snap.host) = Some(v);
        return Ok(Done::change(format!("{} set to {v}", n.what)));
    }
    match p.as_str() {
        "bootmode" => {
            let m = match value.value.to_ascii_lowercase().as_str() {
                "permit" => BootMode::Permit,
                "block" => BootMode::Block,
                "stateful" => BootMode::Stateful,
                _ => return Err(bad("bootmode takes stateful, block or permit".into())),
            };
            snap.host.boot_mode = Some(m);
            Ok(Done::change(format!("boot mode set to {}", boot_word(m))))
        }
        "bootexemptions" => {
            if let Err(why) = check_boot_exemptions(&value.value) {
                return Err(bad(format!(
                    "{why}; write none or PROTOCOL:SRCPORT:DSTPORT:DIRECTION items separated \
                     by spaces, e.g. \"TCP:0:3389:inbound UDP:500:500:inbound\""
                )));
            }
            snap.host.boot_exemptions = Some(value.value.clone());
            Ok(Done::change(format!(
                "boot exemptions set to '{}'",
                value.value
            )))
        }
        _ => Err(cmd.err(
            prop.value_col,
            prop.value.clone(),
            format!("unknown config property '{}'", prop.value),
            "use ipsecdiagnostics, ikelogging, strongcrlcheck, ipsecloginterval, ipsecexempt, \
             bootmode or bootexemptions",
        )),
    }
}

/// `none`, or items `PROTOCOL:SRCPORT:DSTPORT:DIRECTION` (protocol TCP, UDP, ICMP, RAW or
/// a number; ports 0-65535; direction inbound or outbound).
fn check_boot_exemptions(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("none") {
        return Ok(());
    }
    if v.is_empty() {
        return Err("empty".into());
    }
    for item in v.split_whitespace() {
        let parts: Vec<&str> = item.split(':').collect();
        let [proto, sp, dp, dir] = parts.as_slice() else {
            return Err(format!("'{item}' does not have four parts"));
        };
        let proto_ok = ["tcp", "udp", "icmp", "raw"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(proto))
            || proto.parse::<u8>().is_ok();
        if !proto_ok {
            return Err(format!("'{proto}' is not a protocol"));
        }
        for port in [sp, dp] {
            if port.parse::<u16>().is_err() {
                return Err(format!("'{port}' is not a port"));
            }
        }
        if !["inbound", "outbound"]
            .iter()
            .any(|d| d.eq_ignore_ascii_case(dir))
        {
            return Err(format!("'{dir}' is not inbound or outbound"));
        }
    }
    Ok(())
}
