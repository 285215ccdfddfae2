//! `netsh ipsec static show policy|filterlist|filteraction|rule|all|store|gpoassignedpolicy`:
//! read-only listings in the spirit of netsh's own (`level`, `format` and `wide` are
//! accepted and ignored: there is one layout).

use super::lexer::Arg;
use super::lookup::{self, Kind};
use super::params::{self, Bound, bind};
use super::values::{protocol_word, qm_methods_text, yes_no_word};
use super::{Cmd, Done, NetshError, unknown_object};
use crate::core::model::{Address, AuthMethod, Filter, FilterAction, FilterList, Policy, Snapshot};

pub fn run(
    snap: &mut Snapshot,
    object: &str,
    word: &Arg,
    args: &[Arg],
    cmd: &Cmd,
) -> Result<Done, NetshError> {
    let (line, end) = (cmd.line, cmd.end_col);
    let mut out = Vec::new();
    match object {
        "policy" => {
            let b = bind(cmd.name, params::SHOW_NAMED, args, line, end)?;
            for p in selected(snap, Kind::Policy, &b, cmd)? {
                if let Some(p) = snap.policy(p) {
                    policy(snap, p, &mut out);
                }
            }
        }
        "filterlist" => {
            let b = bind(cmd.name, params::SHOW_NAMED, args, line, end)?;
            for id in selected(snap, Kind::FilterList, &b, cmd)? {
                if let Some(l) = snap.filter_list(id) {
                    filter_list(l, &mut out);
                }
            }
        }
        "filteraction" => {
            let b = bind(cmd.name, params::SHOW_NAMED, args, line, end)?;
            for id in selected(snap, Kind::FilterAction, &b, cmd)? {
                if let Some(a) = snap.filter_action(id) {
                    filter_action(a, &mut out);
                }
            }
        }
        "rule" => {
            let b = bind(cmd.name, params::SHOW_RULE, args, line, end)?;
            let pol = b
                .get("policy")
                .ok_or_else(|| cmd.err(end, cmd.name, "missing policy", ""))?;
            let id = lookup::require(snap, Kind::Policy, pol, cmd)?;
            let all = b
                .get("name")
                .is_none_or(|a| !a.quoted && a.value.eq_ignore_ascii_case("all"))
                && !b.has("id");
            let Some(p) = snap.policy(id) else {
                return Ok(Done::default());
            };
            if all {
                for (i, _) in p.rules.iter().enumerate() {
                    rule(snap, p, i, &mut out);
                }
            } else {
                let i = lookup::rule_index(snap, id, &b, cmd)?;
                rule(snap, p, i, &mut out);
            }
        }
        "all" => {
            bind(cmd.name, params::SHOW_ALL, args, line, end)?;
            for p in &snap.policies {
                policy(snap, p, &mut out);
            }
            for l in &snap.filter_lists {
                filter_list(l, &mut out);
            }
            for a in &snap.filter_actions {
                filter_action(a, &mut out);
            }
            if out.is_empty() {
                out.push("No policies, filter lists or filter actions in the store.".into());
            }
        }
        "store" => {
            bind(cmd.name, params::NONE, args, line, end)?;
            out.push("The current IPsec store is the Local Store.".into());
        }
        "gpoassignedpolicy" => {
            bind(cmd.name, params::NONE, args, line, end)?;
            match snap.assigned_policy() {
                Some(p) => out.push(format!("Local Policy Name   : {}", p.name)),
                None => out.push("No policy is assigned.".into()),
            }
        }
        _ => {
            return Err(unknown_object(
                cmd,
                word,
                "policy, filterlist, filteraction, rule, all, store, gpoassignedpolicy",
            ));
        }
    }
    Ok(Done {
        output: out,
        ..Done::default()
    })
}

/// The objects `name=X`, `name=all` or nothing (all) selects.
fn selected(
    snap: &Snapshot,
    kind: Kind,
    b: &Bound,
    cmd: &Cmd,
) -> Result<Vec<crate::core::model::Id>, NetshError> {
    match b.get("name") {
        Some(a) if !a.value.eq_ignore_ascii_case("all") || a.quoted => {
            Ok(vec![lookup::require(snap, kind, a, cmd)?])
        }
        _ => Ok(match kind {
            Kind::Policy => snap.policies.iter().map(|p| p.id).collect(),
            Kind::FilterList => snap.filter_lists.iter().map(|l| l.id).collect(),
            Kind::FilterAction => snap.filter_actions.iter().map(|a| a.id).collect(),
        }),
    }
}

fn address_text(a: &Address) -> String {
    match a {
        Address::Me => "Me".into(),
        Address::Any => "Any".into(),
        Address::Ip { addr, mask } => format!("{addr}/{mask}"),
        Address::Dns { name, resolved } => {
            let r: Vec<String> = resolved.iter().map(|x| x.to_string()).collect();
            format!("{name} ({})", r.join(", "))
        }
        Address::Server(k) => k.keyword().into(),
    }
}

/// One line for a filter: `Any -> Me UDP src 0 dst 1434 mirrored=no`.
pub fn filter_text(f: &Filter) -> String {
    format!(
        "{} -> {} {} src {} dst {} mirrored={}",
        address_text(&f.source),
        address_text(&f.destination),
        protocol_word(f.protocol),
        f.src_port,
        f.dst_port,
        yes_no_word(f.mirrored)
    )
}

pub fn auth_text(a: &[AuthMethod]) -> String {
    if a.is_empty() {
        return "none".into();
    }
    a.iter()
        .map(|m| match m {
            AuthMethod::Kerberos => "Kerberos".to_string(),
            AuthMethod::Certificate { root_ca } => format!("Root CA \"{root_ca}\""),
            AuthMethod::Preshared { .. } => "Preshared Key".to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn policy(snap: &Snapshot, p: &Policy, out: &mut Vec<String>) {
    out.push(format!("Policy Name            : {}", p.name));
    out.push(format!("Description            : {}", p.description));
    out.push(format!(
        "GUID                   : {{{}}}",
        p.id.to_string().to_uppercase()
    ));
    out.push(format!(
        "Assigned               : {}",
        if snap.assigned == Some(p.id) {
            "YES"
        } else {
            "NO"
        }
    ));
    out.push(format!(
        "Polling Interval       : {} minutes",
        p.polling_interval_min
    ));
    out.push(format!(
        "Default Response Rule  : {}",
        if p.default_response.active {
            "Active"
        } else {
            "Inactive"
        }
    ));
    out.push(format!("Rules                  : {}", p.rules.len()));
    for i in 0..p.rules.len() {
        rule(snap, p, i, out);
    }
    out.push(String::new());
}

fn rule(snap: &Snapshot, p: &Policy, i: usize, out: &mut Vec<String>) {
    let Some(r) = p.rules.get(i) else { return };
    let list = snap
        .filter_list(r.filter_list)
        .map_or("(missing)", |l| l.name.as_str());
    let action = snap
        .filter_action(r.filter_action)
        .map_or("(missing)", |a| a.name.as_str());
    out.push(format!("  Rule ID {}: {}", i + 1, r.name));
    out.push(format!(
        "    Filter List {list} · Filter Action {action} · {} · Tunnel {} · Conntype {} · Auth {}",
        if r.active { "active" } else { "inactive" },
        r.tunnel.map_or("none".to_string(), |t| t.to_string()),
        r.connection.word(),
        auth_text(&r.authentication)
    ));
}

fn filter_list(l: &FilterList, out: &mut Vec<String>) {
    out.push(format!("FilterList Name        : {}", l.name));
    out.push(format!("Description            : {}", l.description));
    out.push(format!("No. of Filters         : {}", l.filters.len()));
    for f in &l.filters {
        out.push(format!("  {}", filter_text(f)));
    }
    out.push(String::new());
}

fn filter_action(a: &FilterAction, out: &mut Vec<String>) {
    out.push(format!("FilterAction Name      : {}", a.name));
    out.push(format!("Description            : {}", a.description));
    out.push(format!("Action                 : {}", a.behavior.word()));
    out.push(format!(
        "Inpass / Soft / QMPFS  : {} / {} / {}",
        yes_no_word(a.inpass),
        yes_no_word(a.soft),
        yes_no_word(a.session_key_pfs)
    ));
    if !a.methods.is_empty() {
        out.push(format!(
            "Security Methods       : {}",
            qm_methods_text(&a.methods)
        ));
    }
    out.push(String::new());
}
