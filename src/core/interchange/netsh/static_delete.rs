//! `netsh ipsec static delete policy|filterlist|filter|filteraction|rule|all`. Deleting a
//! policy keeps the filter lists and actions its rules used (they are shared objects);
//! a list or action still used by a rule cannot be deleted; `delete filter` removes every
//! filter of the list that matches the fields given.

use super::lexer::Arg;
use super::lookup::{self, Kind};
use super::params::{self, Bound, bind};
use super::values;
use super::{Cmd, Done, NetshError, unknown_object};
use crate::core::model::{Address, Filter, Id, Snapshot};

pub fn run(
    snap: &mut Snapshot,
    object: &str,
    word: &Arg,
    args: &[Arg],
    cmd: &Cmd,
) -> Result<Done, NetshError> {
    let (line, end) = (cmd.line, cmd.end_col);
    match object {
        "policy" => {
            let b = bind(cmd.name, params::DELETE_NAMED, args, line, end)?;
            if is_all(&b) {
                let n = snap.policies.len();
                snap.policies.clear();
                snap.assigned = None;
                return Ok(Done::change(format!("deleted all {n} policies")));
            }
            let id = lookup::by_name_or_guid(snap, Kind::Policy, &b, cmd)?;
            Ok(Done::change(delete_policy(snap, id)))
        }
        "filterlist" | "filteraction" => {
            let kind = if object == "filterlist" {
                Kind::FilterList
            } else {
                Kind::FilterAction
            };
            let b = bind(cmd.name, params::DELETE_NAMED, args, line, end)?;
            if is_all(&b) {
                return Ok(delete_all_unused(snap, kind));
            }
            let id = lookup::by_name_or_guid(snap, kind, &b, cmd)?;
            if let Some(users) = users(snap, kind, id) {
                let at = b.get("name").or(b.get("guid"));
                return Err(cmd.err(
                    at.map_or(cmd.col, |a| a.value_col),
                    at.map_or(String::new(), |a| a.value.clone()),
                    format!("the {} is used by {users}", kind.word()),
                    "delete those rules first (`delete rule name=… policy=…`), or point them \
                     at another one with `set rule`",
                ));
            }
            Ok(Done::change(remove(snap, kind, id)))
        }
        "filter" => delete_filter(
            snap,
            &bind(cmd.name, params::DELETE_FILTER, args, line, end)?,
            cmd,
        ),
        "rule" => {
            // netsh's help: `delete rule [name=]S | [id=]N | [all] [policy=]S`: the first
            // untagged value names the rule (or is `all`), the second is the policy.
            let mut args = args.to_vec();
            let bare: Vec<usize> = (0..args.len()).filter(|i| args[*i].key.is_none()).collect();
            if bare.len() == 2
                && !args.iter().any(|a| {
                    a.key
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case("policy"))
                })
            {
                args[bare[1]].key = Some("policy".into());
            }
            let args = &args[..];
            let b = bind(cmd.name, params::DELETE_RULE, args, line, end)?;
            let pol = b
                .get("policy")
                .ok_or_else(|| cmd.err(end, cmd.name, "missing policy", ""))?;
            let policy = lookup::require(snap, Kind::Policy, pol, cmd)?;
            if is_all(&b) {
                let Some(p) = snap.policy_mut(policy) else {
                    return Ok(Done::default());
                };
                let n = p.rules.len();
                p.rules.clear();
                return Ok(Done::change(format!(
                    "deleted all {n} rules of policy '{}'",
                    p.name
                )));
            }
            let idx = lookup::rule_index(snap, policy, &b, cmd)?;
            let Some(p) = snap.policy_mut(policy) else {
                return Ok(Done::default());
            };
            let r = p.rules.remove(idx);
            Ok(Done::change(format!(
                "deleted rule '{}' of policy '{}'",
                r.name, p.name
            )))
        }
        "all" => {
            bind(cmd.name, params::NONE, args, line, end)?;
            let counts = snap.counts();
            snap.policies.clear();
            snap.filter_lists.clear();
            snap.filter_actions.clear();
            snap.assigned = None;
            Ok(Done::change(format!(
                "deleted every policy, filter list and filter action (was: {counts})"
            )))
        }
        _ => Err(unknown_object(
            cmd,
            word,
            "policy, filterlist, filter, filteraction, rule, all",
        )),
    }
}

fn is_all(b: &Bound) -> bool {
    b.get("name")
        .is_some_and(|a| a.key.is_none() && !a.quoted && a.value.eq_ignore_ascii_case("all"))
}

fn delete_policy(snap: &mut Snapshot, id: Id) -> String {
    let name = snap.policy(id).map(|p| p.name.clone()).unwrap_or_default();
    snap.policies.retain(|p| p.id != id);
    if snap.assigned == Some(id) {
        snap.assigned = None;
        format!("deleted policy '{name}' (it was assigned; no policy is assigned now)")
    } else {
        format!("deleted policy '{name}'")
    }
}

/// "rule 'R' of policy 'P'" for the rules using a list or action, or `None`.
fn users(snap: &Snapshot, kind: Kind, id: Id) -> Option<String> {
    let usage = match kind {
        Kind::FilterList => snap.filter_list_usage(id),
        Kind::FilterAction => snap.filter_action_usage(id),
        Kind::Policy => return None,
    };
    if usage.rules.is_empty() {
        return None;
    }
    let names: Vec<String> = usage
        .rules
        .iter()
        .filter_map(|(p, r)| {
            let p = snap.policy(*p)?;
            let r = p.rules.iter().find(|x| x.id == *r)?;
            Some(format!("rule '{}' of policy '{}'", r.name, p.name))
        })
        .collect();
    Some(names.join(", "))
}

fn remove(snap: &mut Snapshot, kind: Kind, id: Id) -> String {
    match kind {
        Kind::FilterList => {
            let name = snap
                .filter_list(id)
                .map(|l| l.name.clone())
                .unwrap_or_default();
            snap.filter_lists.retain(|l| l.id != id);
            format!("deleted filter list '{name}'")
        }
        _ => {
            let name = snap
                .filter_action(id)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            snap.filter_actions.retain(|a| a.id != id);
            format!("deleted filter action '{name}'")
        }
    }
}

fn delete_all_unused(snap: &mut Snapshot, kind: Kind) -> Done {
    let ids: Vec<Id> = match kind {
        Kind::FilterList => snap.filter_lists.iter().map(|l| l.id).collect(),
        _ => snap.filter_actions.iter().map(|a| a.id).collect(),
    };
    let mut done = Done::default();
    for id in ids {
        match users(snap, kind, id) {
            Some(u) => done.warnings.push(format!(
                "kept {} {} (used by {u})",
                kind.word(),
                match kind {
                    Kind::FilterList => snap.filter_list(id).map(|l| l.name.clone()),
                    _ => snap.filter_action(id).map(|a| a.name.clone()),
                }
                .map(|n| format!("'{n}'"))
                .unwrap_or_default()
            )),
            None => done.changes.push(remove(snap, kind, id)),
        }
    }
    done
}

/// Does `f` match every field the command gave? (Fields not given match anything.)
fn matches(f: &Filter, want: &Wanted) -> bool {
    let addr = |a: &Address, v: &values::AddrValue, m: Option<std::net::Ipv4Addr>| match (a, v) {
        (Address::Me, values::AddrValue::Me) | (Address::Any, values::AddrValue::Any) => true,
        (Address::Ip { addr, mask }, values::AddrValue::Ip(ip)) => {
            addr == ip && m.is_none_or(|m| m == *mask)
        }
        (Address::Dns { name, .. }, values::AddrValue::Dns(n, _)) => name.eq_ignore_ascii_case(n),
        (Address::Server(k), values::AddrValue::Server(w)) => k == w,
        _ => false,
    };
    addr(&f.source, &want.src, want.srcmask)
        && addr(&f.destination, &want.dst, want.dstmask)
        && want.protocol.is_none_or(|p| p == f.protocol)
        && want.srcport.is_none_or(|p| p == f.src_port)
        && want.dstport.is_none_or(|p| p == f.dst_port)
        && want.mirrored.is_none_or(|m| m == f.mirrored)
}

struct Wanted {
    src: values::AddrValue,
    dst: values::AddrValue,
    srcmask: Option<std::net::Ipv4Addr>,
    dstmask: Option<std::net::Ipv4Addr>,
    protocol: Option<crate::core::model::Protocol>,
    srcport: Option<u16>,
    dstport: Option<u16>,
    mirrored: Option<bool>,
}

fn delete_filter(snap: &mut Snapshot, b: &Bound, cmd: &Cmd) -> Result<Done, NetshError> {
    let line = cmd.line;
    let need = |k: &str| {
        b.get(k)
            .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, format!("missing {k}"), ""))
    };
    let list_arg = need("filterlist")?;
    let list = lookup::require(snap, Kind::FilterList, list_arg, cmd)?;
    let addr = |k: &str| values::address(need(k)?, line, &snap.host.names);
    let want = Wanted {
        src: addr("srcaddr")?,
        dst: addr("dstaddr")?,
        srcmask: b
            .get("srcmask")
            .map(|a| values::mask(a, line))
            .transpose()?,
        dstmask: b
            .get("dstmask")
            .map(|a| values::mask(a, line))
            .transpose()?,
        protocol: b
            .get("protocol")
            .map(|a| values::protocol(a, line))
            .transpose()?,
        srcport: b
            .get("srcport")
            .map(|a| values::port(a, line))
            .transpose()?,
        dstport: b
            .get("dstport")
            .map(|a| values::port(a, line))
            .transpose()?,
        mirrored: b
            .get("mirrored")
            .map(|a| values::yes_no(a, line))
            .transpose()?,
    };
    let Some(l) = snap.filter_list_mut(list) else {
        return Ok(Done::default());
    };
    let before = l.filters.len();
    l.filters.retain(|f| !matches(f, &want));
    let removed = before - l.filters.len();
    if removed == 0 {
        let shown: Vec<String> = l
            .filters
            .iter()
            .take(8)
            .map(super::show::filter_text)
            .collect();
        return Err(cmd.err(
            cmd.col,
            cmd.name,
            format!("no filter of filter list '{}' matches", l.name),
            if shown.is_empty() {
                "the list has no filters".to_string()
            } else {
                format!("its filters are: {}", shown.join("; "))
            },
        ));
    }
    Ok(Done::change(format!(
        "deleted {removed} filter{} from filter list '{}'",
        if removed == 1 { "" } else { "s" },
        l.name
    )))
}
