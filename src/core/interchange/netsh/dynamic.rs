//! `netsh ipsec dynamic set config` and `show config`: the host settings Server 2003 keeps
//! outside the static policy. `ipsecexempt` is the NoDefaultExempt value (docs/domain.md,
//! "Exemptions per OS"); `bootmode` and `bootexemptions` are the driver's start-up
//! behaviour, stored in the host context for export. Other dynamic commands (live SPD
//! edits) are refused by name.

use super::lexer::Arg;
use super::params::{self, bind};
use super::{Cmd, Done, NetshError};
use crate::core::model::{BootMode, Snapshot};

const UNMODELLED: &[&str] = &[
    "ipsecdiagnostics",
    "ikelogging",
    "strongcrlcheck",
    "ipsecloginterval",
];

pub fn dispatch(
    snap: &mut Snapshot,
    args: &[Arg],
    line: usize,
    end_col: usize,
) -> Result<Done, NetshError> {
    let verb = super::abbrev::expand(&args[0].value, super::abbrev::DYNAMIC_VERBS);
    let object = args
        .get(1)
        .map(|a| super::abbrev::expand(&a.value, super::abbrev::dynamic_objects(&verb)));
    let name = format!("{verb} {}", object.clone().unwrap_or_default());
    let cmd = Cmd {
        line,
        end_col,
        name: &name,
        col: args[0].col,
    };
    let params = args.get(2..).unwrap_or(&[]);
    match (verb.as_str(), object.as_deref()) {
        ("set", Some("config")) => set_config(snap, params, &cmd),
        ("show", Some("config")) => {
            bind(cmd.name, params::DYNAMIC_SHOW_CONFIG, params, line, end_col)?;
            let h = &snap.host;
            let mut out = vec![format!(
                "IPSecExempt            : {}",
                h.no_default_exempt
                    .map_or("(not set: the OS default applies)".to_string(), |v| v
                        .to_string())
            )];
            out.push(format!(
                "BootMode               : {}",
                h.boot_mode.map_or("(not set)", boot_word)
            ));
            out.push(format!(
                "BootExemptions         : {}",
                h.boot_exemptions.as_deref().unwrap_or("(not set)")
            ));
            Ok(Done {
                output: out,
                ..Done::default()
            })
        }
        _ => Err(cmd.err(
            args[0].col,
            args.iter()
                .take(2)
                .map(|a| a.text())
                .collect::<Vec<_>>()
                .join(" "),
            format!("'dynamic {name}' is not supported"),
            "ipsedit supports `dynamic set config` and `dynamic show config`; for dynamic \
             rules use `ipsedit ipseccmd -f …` without -w",
        )),
    }
}

pub fn boot_word(m: BootMode) -> &'static str {
    match m {
        BootMode::Permit => "permit",
        BootMode::Block => "block",
        BootMode::Stateful => "stateful",
    }
}

fn set_config(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
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
    let bad = |hint: &str| {
        cmd.err(
            value.value_col,
            value.value.clone(),
            format!("'{}' is not a valid value for {p}", value.value),
            hint,
        )
    };
    match p.as_str() {
        "ipsecexempt" => {
            let v: u32 = value
                .value
                .parse()
                .ok()
                .filter(|v| *v <= 3)
                .ok_or_else(|| bad("ipsecexempt takes 0, 1, 2 or 3 (docs/domain.md)"))?;
            snap.host.no_default_exempt = Some(v);
            Ok(Done::change(format!(
                "NoDefaultExempt set to {v} (takes effect after a restart on Windows)"
            )))
        }
        "bootmode" => {
            let m = match value.value.to_ascii_lowercase().as_str() {
                "permit" => BootMode::Permit,
                "block" => BootMode::Block,
                "stateful" => BootMode::Stateful,
                _ => return Err(bad("bootmode takes stateful, block or permit")),
            };
            snap.host.boot_mode = Some(m);
            Ok(Done::change(format!("boot mode set to {}", boot_word(m))))
        }
        "bootexemptions" => {
            snap.host.boot_exemptions = Some(value.value.clone());
            Ok(Done::change(format!(
                "boot exemptions set to '{}'",
                value.value
            )))
        }
        other if UNMODELLED.contains(&other) => Ok(Done {
            warnings: vec![format!(
                "{other} is a logging/diagnostics setting ipsedit does not model; ignored"
            )],
            ..Done::default()
        }),
        _ => Err(cmd.err(
            prop.value_col,
            prop.value.clone(),
            format!("unknown config property '{}'", prop.value),
            "use ipsecexempt, bootmode or bootexemptions (or ipsecdiagnostics, ikelogging, \
             strongcrlcheck, ipsecloginterval, which are accepted and ignored)",
        )),
    }
}
