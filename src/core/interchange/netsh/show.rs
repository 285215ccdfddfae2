//! `netsh ipsec static show policy|filterlist|filteraction|rule|all|store|gpoassignedpolicy`:
//! read-only listings in the spirit of netsh's own. `level=verbose` adds each rule's filter
//! list and filter action under a policy (netsh's verbose listing); `format=table` prints
//! one row per object instead of a block; `wide=no` cuts table cells to 20 characters
//! (netsh's narrow table), `wide=yes` (the default) keeps them whole; `rule=NAME` on `show
//! filterlist|filteraction` selects the ones rules of that name use; `show rule default
//! policy=P` shows the default response rule; `all` (bare or `name=all`) selects every
//! object.

use super::lexer::Arg;
use super::lookup::{self, Kind};
use super::params::{self, Bound, bind};
use super::show_layout as layout;
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
            let lay = layout::Layout::read(&b, line)?;
            let ids = selected(snap, Kind::Policy, &b, cmd)?;
            let ps: Vec<&Policy> = ids.iter().filter_map(|id| snap.policy(*id)).collect();
            if lay.table {
                layout::policy_table(snap, &ps, &lay, &mut out);
            } else {
                for p in ps {
                    policy(snap, p, &mut out);
                    if lay.verbose {
                        layout::verbose_rules(snap, p, &mut out);
                    }
                }
            }
        }
        "filterlist" => {
            let b = bind(cmd.name, params::SHOW_NAMED, args, line, end)?;
            let lay = layout::Layout::read(&b, line)?;
            let ids = layout::by_rule(snap, Kind::FilterList, &b, cmd)?
                .map_or_else(|| selected(snap, Kind::FilterList, &b, cmd), Ok)?;
            let ls: Vec<&FilterList> = ids.iter().filter_map(|id| snap.filter_list(*id)).collect();
            if lay.table {
                layout::list_table(&ls, &lay, &mut out);
            } else {
                for l in ls {
                    filter_list(l, &mut out);
                }
            }
        }
        "filteraction" => {
            let b = bind(cmd.name, params::SHOW_NAMED, args, line, end)?;
            let lay = layout::Layout::read(&b, line)?;
            let ids = layout::by_rule(snap, Kind::FilterAction, &b, cmd)?
                .map_or_else(|| selected(snap, Kind::FilterAction, &b, cmd), Ok)?;
            let as_: Vec<&FilterAction> = ids
                .iter()
                .filter_map(|id| snap.filter_action(*id))
                .collect();
            if lay.table {
                layout::action_table(&as_, &lay, &mut out);
            } else {
                for a in as_ {
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
            let lay = layout::Layout::read(&b, line)?;
            let default = b
                .get("name")
                .is_some_and(|a| !a.quoted && a.value.eq_ignore_ascii_case("default"));
            let all = b
                .get("name")
                .is_none_or(|a| !a.quoted && a.value.eq_ignore_ascii_case("all"))
                && !b.has("id");
            let Some(p) = snap.policy(id) else {
                return Ok(Done::default());
            };
            if default {
                layout::default_rule(p, &mut out);
            } else if all && lay.table {
                layout::rule_table(snap, p, &lay, &mut out);
            } else if all {
                for (i, _) in p.rules.iter().enumerate() {
                    rule(snap, p, i, &mut out);
                }
            } else {
                let i = lookup::rule_index(snap, id, &b, cmd)?;
                rule(snap, p, i, &mut out);
            }
        }
        "all" => {
            let b = bind(cmd.name, params::SHOW_ALL, args, line, end)?;
            let lay = layout::Layout::read(&b, line)?;
            if lay.table {
                let ps: Vec<&Policy> = snap.policies.iter().collect();
                let ls: Vec<&FilterList> = snap.filter_lists.iter().collect();
                let as_: Vec<&FilterAction> = snap.filter_actions.iter().collect();
                if !ps.is_empty() {
                    layout::policy_table(snap, &ps, &lay, &mut out);
                }
                if !ls.is_empty() {
                    layout::list_table(&ls, &lay, &mut out);
                }
                if !as_.is_empty() {
                    layout::action_table(&as_, &lay, &mut out);
                }
            } else {
                for p in &snap.policies {
                    policy(snap, p, &mut out);
                    if lay.verbose {
                        layout::verbose_rules(snap, p, &mut out);
                    }
                }
                for l in &snap.filter_lists {
                    filter_list(l, &mut out);
                }
                for a in &snap.filter_actions {
                    filter_action(a, &mut out);
                }
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

pub(super) fn filter_list(l: &FilterList, out: &mut Vec<String>) {
    out.push(format!("FilterList Name        : {}", l.name));
    out.push(format!("Description            : {}", l.description));
    out.push(format!("No. of Filters         : {}", l.filters.len()));
    for f in &l.filters {
        out.push(format!("  {}", filter_text(f)));
    }
    out.push(String::new());
}

pub(super) fn filter_action(a: &FilterAction, out: &mut Vec<String>) {
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
