//! `netsh ipsec dynamic show all|mmpolicy|qmpolicy|mmfilter|qmfilter|rule|config` (and
//! `mmsas|qmsas|stats`, which have nothing to list in a model). One layout per object,
//! labelled as netsh labels its fields; `srcaddr=`/`dstaddr=` narrow the rule and filter
//! listings to rules whose addresses are written that way.

use super::super::lexer::Arg;
use super::super::params::{self, Bound, bind};
use super::super::show::{auth_text, filter_text};
use super::super::values::{mm_methods_text, qm_methods_text, yes_no_word};
use super::super::{Cmd, Done, NetshError};
use crate::core::model::{DynamicMmPolicy, DynamicQmPolicy, DynamicRule, Snapshot};

pub fn run(snap: &Snapshot, object: &str, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let (line, end) = (cmd.line, cmd.end_col);
    let mut out = Vec::new();
    match object {
        "mmpolicy" | "qmpolicy" => {
            let b = bind(cmd.name, params::DYNAMIC_NAMED, args, line, end)?;
            let name = b
                .get("name")
                .filter(|a| a.quoted || !a.value.eq_ignore_ascii_case("all"));
            let wanted = |n: &str| name.is_none_or(|a| a.value.eq_ignore_ascii_case(n));
            let spd = &snap.host.spd;
            let before = out.len();
            if object == "mmpolicy" {
                for p in spd.mm_policies.iter().filter(|p| wanted(&p.name)) {
                    mm_policy(p, &mut out);
                }
            } else {
                for p in spd.qm_policies.iter().filter(|p| wanted(&p.name)) {
                    qm_policy(p, &mut out);
                }
            }
            if out.len() == before {
                if let Some(a) = name {
                    return Err(cmd.err(
                        a.value_col,
                        a.value.clone(),
                        format!("no {object} named '{}'", a.value),
                        format!("netsh ipsec dynamic show {object} all lists them"),
                    ));
                }
                out.push(format!("No dynamic {object} is defined."));
            }
        }
        "rule" | "mmfilter" | "qmfilter" => {
            let b = bind(cmd.name, params::DYNAMIC_SHOW_FILTERS, args, line, end)?;
            let rules: Vec<(usize, &DynamicRule)> = snap
                .dynamic
                .iter()
                .enumerate()
                .filter(|(_, d)| narrowed(d, &b))
                .collect();
            if rules.is_empty() {
                out.push("No dynamic rule matches.".into());
            }
            for (i, d) in rules {
                match object {
                    "rule" => rule(i, d, &mut out),
                    "mmfilter" => mm_filter(i, d, &mut out),
                    _ => qm_filter(i, d, &mut out),
                }
            }
        }
        "all" => {
            bind(cmd.name, params::DYNAMIC_SHOW_ALL, args, line, end)?;
            out.push("Configuration".into());
            out.extend(super::config::show_lines(&snap.host));
            out.push(String::new());
            for p in &snap.host.spd.mm_policies {
                mm_policy(p, &mut out);
            }
            for p in &snap.host.spd.qm_policies {
                qm_policy(p, &mut out);
            }
            for (i, d) in snap.dynamic.iter().enumerate() {
                rule(i, d, &mut out);
            }
            out.push(format!(
                "{} main-mode policies, {} quick-mode policies, {} dynamic rules",
                snap.host.spd.mm_policies.len(),
                snap.host.spd.qm_policies.len(),
                snap.dynamic.len()
            ));
        }
        "mmsas" | "qmsas" | "stats" => {
            bind(cmd.name, params::DYNAMIC_SHOW_FILTERS, args, line, end)?;
            out.push(format!(
                "No {object}: ipsedit models policy, not live IKE negotiation"
            ));
        }
        _ => {
            return Err(cmd.err(
                cmd.col,
                cmd.name,
                format!("'show {object}' is not a netsh ipsec dynamic command"),
                "show all|mmpolicy|qmpolicy|mmfilter|qmfilter|rule|config",
            ));
        }
    }
    Ok(Done {
        output: out,
        ..Done::default()
    })
}

fn narrowed(d: &DynamicRule, b: &Bound) -> bool {
    let matches = |key: &str, a: &crate::core::model::Address| {
        b.get(key)
            .is_none_or(|x| a.to_string().eq_ignore_ascii_case(x.value.trim()))
    };
    matches("srcaddr", &d.filter.source) && matches("dstaddr", &d.filter.destination)
}

fn mm_policy(p: &DynamicMmPolicy, out: &mut Vec<String>) {
    out.push(format!("Main Mode Policy Name   : {}", p.name));
    out.push(format!(
        "Soft SA Expiration Time : {}",
        p.soft_sa_expiration_secs
    ));
    out.push(format!("QM Limit Per MM         : {}", p.qm_per_mm));
    out.push(format!("MM Lifetime (minutes)   : {}", p.lifetime_minutes));
    out.push(format!(
        "Security Methods        : {}",
        if p.methods.is_empty() {
            "(defaults) 3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1".to_string()
        } else {
            mm_methods_text(&p.methods)
        }
    ));
    out.push(String::new());
}

fn qm_policy(p: &DynamicQmPolicy, out: &mut Vec<String>) {
    out.push(format!("Quick Mode Policy Name  : {}", p.name));
    out.push(format!("Soft                    : {}", yes_no_word(p.soft)));
    out.push(format!("PFS Group               : {}", p.pfs_group.word()));
    out.push(format!(
        "Security Methods        : {}",
        if p.methods.is_empty() {
            "(defaults)".to_string()
        } else {
            qm_methods_text(&p.methods)
        }
    ));
    out.push(String::new());
}

fn outbound_word(d: &DynamicRule) -> &'static str {
    d.outbound
        .as_ref()
        .map_or(d.action.behavior, |o| o.behavior)
        .word()
}

fn rule(i: usize, d: &DynamicRule, out: &mut Vec<String>) {
    let refs = d.netsh.clone().unwrap_or_default();
    out.push(format!("Rule {}", i + 1));
    out.push(format!(
        "Filter                  : {}",
        filter_text(&d.filter)
    ));
    out.push(format!("Connection Type         : {}", d.connection.word()));
    out.push(format!(
        "Tunnel Destination      : {}",
        d.tunnel.map_or("none".into(), |t| t.to_string())
    ));
    out.push(format!(
        "Main Mode Policy        : {}",
        if refs.mm_policy.is_empty() {
            "(none: added by ipseccmd)"
        } else {
            &refs.mm_policy
        }
    ));
    out.push(format!(
        "Quick Mode Policy       : {}",
        refs.qm_policy.as_deref().unwrap_or("(none)")
    ));
    out.push(format!(
        "Inbound Action          : {}",
        d.action.behavior.word()
    ));
    out.push(format!("Outbound Action         : {}", outbound_word(d)));
    out.push(format!(
        "Authentication          : {}",
        auth_text(&d.authentication)
    ));
    out.push(format!("Added by                : {}", d.origin));
    out.push(String::new());
}

fn mm_filter(i: usize, d: &DynamicRule, out: &mut Vec<String>) {
    let refs = d.netsh.clone().unwrap_or_default();
    out.push(format!(
        "Main mode filter {}: {} -> {}{}, policy {}, authentication {}",
        i + 1,
        d.filter.source,
        d.filter.destination,
        if d.filter.mirrored { " (mirrored)" } else { "" },
        if refs.mm_policy.is_empty() {
            "(none)"
        } else {
            &refs.mm_policy
        },
        auth_text(&d.authentication)
    ));
}

fn qm_filter(i: usize, d: &DynamicRule, out: &mut Vec<String>) {
    out.push(format!(
        "Quick mode filter {}: {}, inbound {}, outbound {}",
        i + 1,
        filter_text(&d.filter),
        d.action.behavior.word(),
        outbound_word(d)
    ));
}
