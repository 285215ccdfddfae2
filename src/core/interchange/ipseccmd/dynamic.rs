//! Dynamic mode (no `-w`): each filter spec becomes a `DynamicRule` with its own action;
//! `-u` deletes them all.
//!
//! Owns only the dynamic rule list: it never touches static policies or the assignment.

use crate::core::model::{Address, DynamicRule, Filter, Id, Snapshot};

use super::apply::{build_action, first_present, parse_specs, rule_settings};
use super::args::CommandLine;
use super::lexer::command_text;
use super::spec::{Spec, Wrap};
use super::{IpseccmdError, Outcome};

pub(super) fn dynamic_mode(
    s: &mut Snapshot,
    cmd: &CommandLine,
    program: &str,
    args: &[String],
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    let static_only = first_present(&[
        (&cmd.policy.as_ref().map(|v| v.switch.clone()), "-p"),
        (&cmd.rules.first().map(|v| v.switch.clone()), "-r"),
        (&cmd.assign, "-x"),
        (&cmd.unassign, "-y"),
        (&cmd.delete, "-o"),
    ]);
    if let Some(token) = static_only {
        return Err(IpseccmdError::new(
            &token,
            format!("{token} works on a static policy, but -w is missing"),
            "add -w REG -p \"Policy name\"; without -w the command makes dynamic rules",
        ));
    }
    if let Some(u) = &cmd.delete_dynamic {
        if let Some(f) = &cmd.filter_switch {
            return Err(IpseccmdError::new(
                f,
                format!("{u} deletes all dynamic rules and takes no {f}"),
                "run ipseccmd -u on its own, then add filters in a second command",
            ));
        }
        let count = s.dynamic.len();
        s.dynamic.clear();
        out.changes
            .push(format!("deleted all {count} dynamic rules"));
        return Ok(());
    }
    if cmd.filters.is_empty() {
        return Err(IpseccmdError::new(
            "",
            "nothing to do: no -f, -u or -w",
            "dynamic block: -f \"[*=0:1434:UDP]\"; static policy: -w REG -p \"Name\" -r \"Rule\" -f *=0:1434:UDP -n BLOCK",
        ));
    }
    for (flag, switch) in [
        (cmd.mm_methods.first().map(|v| v.switch.clone()), "-1s"),
        (cmd.mm_rekey.as_ref().map(|v| v.switch.clone()), "-1k"),
        (cmd.mm_pfs.clone(), "-1p"),
    ] {
        if let Some(flag) = flag {
            out.warnings.push(format!(
                "{flag} ignored: ipsedit keeps main-mode settings on static policies only ({switch} needs -w REG -p)"
            ));
        }
    }
    let settings = rule_settings(cmd)?;
    let specs = parse_specs(s, cmd, settings.tunnel.is_some(), out)?;
    let origin = command_text(program, args);
    for (text, spec) in cmd.filters.iter().zip(specs) {
        let Spec::Filter { wrap, filter } = spec else {
            return Err(IpseccmdError::new(
                text,
                "DEFAULT is a static policy's default response rule",
                "add -w REG -p \"Policy name\" to configure it",
            ));
        };
        let name = match wrap {
            Wrap::Block => "Block",
            Wrap::Pass => "Permit",
            Wrap::Plain => "Negotiate",
        };
        let action = build_action(name.to_string(), &settings, wrap, out);
        let replaced = s.dynamic.iter().any(|d| d.filter.same_spec(&filter));
        s.dynamic.retain(|d| !d.filter.same_spec(&filter));
        let verb = if replaced { "replaced" } else { "added" };
        out.changes.push(format!(
            "{verb} dynamic rule: {} ({})",
            describe(&filter),
            action.behavior.word()
        ));
        s.dynamic.push(DynamicRule {
            id: Id::new_v4(),
            filter,
            action,
            authentication: settings.authentication.clone(),
            tunnel: settings.tunnel,
            connection: settings.connection,
            origin: origin.to_string(),
            outbound: None,
            netsh: None,
        });
    }
    Ok(())
}

/// "any → me, UDP, destination port 1434", for change lines.
pub(super) fn describe(f: &Filter) -> String {
    let side = |a: &Address, port: u16| {
        if port == 0 {
            a.to_string()
        } else {
            format!("{a} port {port}")
        }
    };
    let arrow = if f.mirrored { "↔" } else { "→" };
    format!(
        "{} {arrow} {}, {}",
        side(&f.source, f.src_port),
        side(&f.destination, f.dst_port),
        f.protocol
    )
}
