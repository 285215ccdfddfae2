//! Dynamic mode (no `-w`): each filter spec becomes a `DynamicRule` with its own action;
//! `-u` deletes them all.
//!
//! Owns only the dynamic rule list: it never touches static policies or the assignment.

use std::collections::HashMap;

use crate::core::model::{Address, DynamicRule, Filter, Id, Snapshot};

use super::apply::{build_action, first_present, parse_specs, rule_settings};
use super::args::CommandLine;
use super::args::is_filter_switch;
use super::lexer::{command_text, starts_like_switch};
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
    let line = command_text(program, args);
    // Every rule names the line it came from; a long line (thousands of specs) is not
    // copied into each of its rules: each gets the line with its own spec only.
    let one_line = line.len() <= ORIGIN_MAX || specs.len() == 1;
    let one_spec = (!one_line).then(|| OneSpecOrigin::new(program, args));
    // Where each traffic description already has rules, so a spec replacing one is found
    // without scanning every rule (a line of 40,000 specs is not quadratic); replaced
    // rules are dropped in one pass at the end, which keeps the order retain-then-push had.
    let mut at: HashMap<SpecKey, Vec<usize>> = HashMap::new();
    for (i, d) in s.dynamic.iter().enumerate() {
        at.entry(SpecKey::of(&d.filter)).or_default().push(i);
    }
    let mut gone = vec![false; s.dynamic.len()];
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
        let old = at
            .insert(SpecKey::of(&filter), vec![s.dynamic.len()])
            .unwrap_or_default();
        let replaced = old.iter().any(|&i| !gone[i]);
        for i in old {
            gone[i] = true;
        }
        gone.push(false);
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
            origin: match &one_spec {
                None => line.clone(),
                Some(o) => o.with(text),
            },
            outbound: None,
            netsh: None,
        });
    }
    let mut i = 0;
    s.dynamic.retain(|_| {
        i += 1;
        !gone[i - 1]
    });
    Ok(())
}

/// What `Filter::same_spec` compares, as a hash key.
#[derive(PartialEq, Eq, Hash)]
struct SpecKey {
    source: Address,
    destination: Address,
    protocol: u8,
    ports: (u16, u16),
    mirrored: bool,
}

impl SpecKey {
    fn of(f: &Filter) -> SpecKey {
        SpecKey {
            source: f.source.clone(),
            destination: f.destination.clone(),
            protocol: f.protocol.0,
            ports: (f.src_port, f.dst_port),
            mirrored: f.mirrored,
        }
    }
}

/// The longest command text every rule of a line keeps whole.
const ORIGIN_MAX: usize = 1024;

/// The command text with the `-f` list replaced by one spec, other long values shortened
/// (`-n` with thousands of methods): what a rule of a long line keeps, at most about
/// `ORIGIN_MAX` bytes, so a line's rules hold their origins in linear space. The text
/// around the spec is built once per line.
struct OneSpecOrigin {
    /// Up to and including the first `-f`.
    head: String,
    /// The other arguments after it (other `-f` lists left out), with a leading space.
    tail: String,
}

impl OneSpecOrigin {
    fn new(program: &str, args: &[String]) -> OneSpecOrigin {
        let (mut head, mut tail) = (Vec::new(), Vec::new());
        let mut seen_f = false;
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            if is_filter_switch(arg) {
                while args.get(i).is_some_and(|a| !starts_like_switch(a)) {
                    i += 1;
                }
                if !seen_f {
                    head.push(arg.clone());
                    seen_f = true;
                }
                continue;
            }
            if seen_f { &mut tail } else { &mut head }.push(arg.clone());
        }
        let tail = command_text("", &tail);
        OneSpecOrigin {
            head: cut(command_text(program, &head)),
            tail: cut(tail),
        }
    }

    fn with(&self, spec: &str) -> String {
        cut(format!("{} {spec}{}", self.head, self.tail))
    }
}

/// `text` cut to at most `ORIGIN_MAX` bytes, marked with " ..." when cut.
fn cut(text: String) -> String {
    if text.len() <= ORIGIN_MAX {
        return text;
    }
    let end = (0..=ORIGIN_MAX - 4)
        .rev()
        .find(|&n| text.is_char_boundary(n))
        .unwrap_or(0);
    format!("{} ...", &text[..end])
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::interchange::ipseccmd::{apply, split_command_line};

    #[test]
    fn a_long_line_gives_each_rule_its_own_spec_not_the_whole_line() {
        let specs: Vec<String> = (0..5_000)
            .map(|i| format!("[198.51.{}.{}=0:{}:TCP]", i / 250, i % 250 + 1, i + 1))
            .collect();
        let line = format!("-f {} -soft -a PRESHARE:\"k\"", specs.join(" "));
        let mut s = Snapshot::default();
        apply(&mut s, &split_command_line(&line)).expect("applies");
        assert_eq!(s.dynamic.len(), 5_000);
        assert_eq!(
            s.dynamic[7].origin,
            "ipseccmd -f [198.51.0.8=0:8:TCP] -soft -a PRESHARE:k"
        );
        assert_eq!(
            s.dynamic[4_999].origin,
            "ipseccmd -f [198.51.19.250=0:5000:TCP] -soft -a PRESHARE:k"
        );
    }

    #[test]
    fn an_origin_is_cut_at_the_limit() {
        let methods = vec!["ESP[3DES,SHA]".to_string(); 200];
        let args: Vec<String> = ["-f", "a=b", "c=d", "-n"]
            .iter()
            .map(|s| s.to_string())
            .chain(methods)
            .collect();
        let origin = OneSpecOrigin::new("ipseccmd", &args).with("c=d");
        assert!(origin.starts_with("ipseccmd -f c=d -n ESP[3DES,SHA] ESP[3DES,SHA]"));
        assert!(origin.ends_with(" ..."), "{origin}");
        assert!(origin.len() <= ORIGIN_MAX, "{}", origin.len());
    }
}
