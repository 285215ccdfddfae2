//! `netsh ipsec static set policy|filterlist|filteraction|rule|defaultrule|store|batch`.
//! Each command edits a copy of the object and writes it back only when every value
//! parsed, so a bad value changes nothing.

use super::lexer::Arg;
use super::lookup::{self, Kind};
use super::params::{self, bind};
use super::static_add::{
    action_settings, assignment, auth_methods, policy_settings, rule_settings,
};
use super::values;
use super::{Cmd, Done, NetshError, unknown_object};
use crate::core::model::Snapshot;

pub fn run(
    snap: &mut Snapshot,
    object: &str,
    word: &Arg,
    args: &[Arg],
    cmd: &Cmd,
) -> Result<Done, NetshError> {
    let (line, end) = (cmd.line, cmd.end_col);
    match object {
        "policy" => set_policy(snap, args, cmd),
        "filterlist" => {
            let b = bind(cmd.name, params::SET_FILTERLIST, args, line, end)?;
            let id = lookup::by_name_or_guid(snap, Kind::FilterList, &b, cmd)?;
            if let Some(n) = b.get("newname") {
                lookup::unique(snap, Kind::FilterList, n, Some(id), cmd)?;
            }
            let Some(l) = snap.filter_list_mut(id) else {
                return Ok(Done::default());
            };
            if let Some(n) = b.get("newname") {
                l.name = n.value.clone();
            }
            if let Some(d) = b.get("description") {
                l.description = d.value.clone();
            }
            Ok(Done::change(format!("changed filter list '{}'", l.name)))
        }
        "filteraction" => {
            let b = bind(cmd.name, params::SET_FILTERACTION, args, line, end)?;
            let id = lookup::by_name_or_guid(snap, Kind::FilterAction, &b, cmd)?;
            if let Some(n) = b.get("newname") {
                lookup::unique(snap, Kind::FilterAction, n, Some(id), cmd)?;
            }
            let Some(current) = snap.filter_action(id) else {
                return Ok(Done::default());
            };
            let mut a = current.clone();
            action_settings(&mut a, &b, line)?;
            if let Some(n) = b.get("newname") {
                a.name = n.value.clone();
            }
            let done = Done::change(format!("changed filter action '{}'", a.name));
            if let Some(slot) = snap.filter_action_mut(id) {
                *slot = a;
            }
            Ok(done)
        }
        "rule" => set_rule(snap, args, cmd),
        "defaultrule" => {
            let b = bind(cmd.name, params::SET_DEFAULTRULE, args, line, end)?;
            let pol = b
                .get("policy")
                .ok_or_else(|| cmd.err(end, cmd.name, "missing policy", ""))?;
            let id = lookup::require(snap, Kind::Policy, pol, cmd)?;
            let Some(p) = snap.policy(id) else {
                return Ok(Done::default());
            };
            let mut dr = p.default_response.clone();
            let mut done = Done::default();
            if let Some(a) = b.get("activate") {
                dr.active = values::yes_no(a, line)?;
            }
            if let Some(a) = b.get("qmsecmethods") {
                dr.methods = values::qm_methods(a, line)?;
            }
            if let Some(a) = b.get("qmpfs") {
                dr.session_key_pfs = values::yes_no(a, line)?;
            }
            if let Some(auth) = auth_methods(&b, line)? {
                dr.authentication = auth;
            }
            if let Some(p) = snap.policy_mut(id) {
                p.default_response = dr;
                done.changes.push(format!(
                    "changed the default response rule of policy '{}'",
                    p.name
                ));
            }
            Ok(done)
        }
        "store" => {
            let b = bind(cmd.name, params::SET_STORE, args, line, end)?;
            let Some(loc) = b.get("location") else {
                return Ok(Done::default());
            };
            let location = match loc.value.to_ascii_lowercase().as_str() {
                "local" => StoreLocation::Local,
                "persistent" => StoreLocation::Persistent,
                "domain" => StoreLocation::Domain(b.get("domain").map(|d| d.value.clone())),
                _ => {
                    return Err(cmd.err(
                        loc.value_col,
                        loc.value.clone(),
                        format!("unknown store location '{}'", loc.value),
                        "write location=local, location=persistent or location=domain",
                    ));
                }
            };
            select_store(&location).map_err(|(message, hint)| {
                cmd.err(loc.value_col, loc.value.clone(), message, hint)
            })?;
            Ok(Done::default())
        }
        // `set batch mode=enable` only speeds netsh up on Windows; nothing to model.
        "batch" => {
            bind(cmd.name, params::SET_BATCH, args, line, end)?;
            Ok(Done::default())
        }
        _ => Err(unknown_object(
            cmd,
            word,
            "policy, filterlist, filteraction, rule, defaultrule, store, batch",
        )),
    }
}

/// Where `set store` sends the static commands that follow (netsh ipsec static, Windows
/// Server 2003):
/// - `local`: the computer's local policy store (HKLM\SOFTWARE\Policies\Microsoft\Windows\
///   IPSec\Policy\Local); ipsedit's store.
/// - `persistent`: Server 2003's persistent policy (…\IPSec\Policy\Persistent), applied by
///   the IPSec service at start-up before the local or domain policy, and kept applied in
///   addition to it (its filters are merged with the active policy's; Microsoft, "Netsh
///   Commands for IPsec", set store, and "IPsec persistent policy" in the Server 2003
///   IPsec deployment guide). ipsedit has no second policy set to merge yet, so it refuses
///   the switch clearly rather than writing persistent rules into the local policy.
/// - `domain`: the Active Directory store of `domain=` (or the computer's domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Local,
    Persistent,
    Domain(Option<String>),
}

/// Accepts or refuses a store switch: `Err((message, hint))`. `location=domain` is accepted
/// when the open store is a domain store (`--store ldap://...`: the script's lines then
/// write to the directory); otherwise it is refused naming the alternative.
pub fn select_store(location: &StoreLocation) -> Result<(), (String, String)> {
    match location {
        StoreLocation::Local => Ok(()),
        StoreLocation::Persistent => Err((
            "the persistent store (Server 2003's boot-time policy, merged with the active \
             policy) is not modelled by ipsedit"
                .into(),
            "write the rules to the local store (location=local) or model boot-time \
             behaviour with `netsh ipsec dynamic set config property=bootmode|bootexemptions`"
                .into(),
        )),
        StoreLocation::Domain(_) if crate::core::domain::domain_store_open() => Ok(()),
        StoreLocation::Domain(domain) => Err((
            format!(
                "no domain (directory) store is configured{}",
                domain
                    .as_deref()
                    .map(|d| format!(" for '{d}'"))
                    .unwrap_or_default()
            ),
            "use location=local to edit the local store, or open the domain with --store \
             ldaps://DC/DC=example,DC=test"
                .into(),
        )),
    }
}

fn set_policy(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(cmd.name, params::SET_POLICY, args, cmd.line, cmd.end_col)?;
    let id = lookup::by_name_or_guid(snap, Kind::Policy, &b, cmd)?;
    if let Some(n) = b.get("newname") {
        lookup::unique(snap, Kind::Policy, n, Some(id), cmd)?;
    }
    let Some(current) = snap.policy(id) else {
        return Ok(Done::default());
    };
    let mut p = current.clone();
    policy_settings(&mut p, &b, cmd.line)?;
    if let Some(n) = b.get("newname") {
        p.name = n.value.clone();
    }
    let assign = b
        .get("assign")
        .map(|a| values::yes_no(a, cmd.line))
        .transpose()?;
    let mut done = Done::default();
    if let Some(g) = b.get("gponame") {
        done.warnings.push(format!(
            "gponame={} ignored: ipsedit models the local store, not Group Policy objects",
            g.value
        ));
    }
    let changed_settings = b
        .given
        .iter()
        .any(|(n, _)| !matches!(*n, "name" | "guid" | "assign" | "gponame"));
    if changed_settings {
        done.changes.push(format!("changed policy '{}'", p.name));
    }
    if let Some(slot) = snap.policy_mut(id) {
        *slot = p;
    }
    if let Some(assign) = assign {
        done.changes.extend(assignment(snap, id, assign));
    }
    Ok(done)
}

fn set_rule(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(cmd.name, params::SET_RULE, args, cmd.line, cmd.end_col)?;
    let pol = b
        .get("policy")
        .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, "missing policy", ""))?;
    let policy = lookup::require(snap, Kind::Policy, pol, cmd)?;
    let idx = lookup::rule_index(snap, policy, &b, cmd)?;
    let list = b
        .get("filterlist")
        .map(|a| lookup::require(snap, Kind::FilterList, a, cmd))
        .transpose()?;
    let action = b
        .get("filteraction")
        .map(|a| lookup::require(snap, Kind::FilterAction, a, cmd))
        .transpose()?;
    let Some(p) = snap.policy_mut(policy) else {
        return Ok(Done::default());
    };
    if let Some(n) = b.get("newname")
        && let Some(other) = p
            .rules
            .iter()
            .enumerate()
            .find(|(i, r)| *i != idx && r.name.eq_ignore_ascii_case(&n.value))
    {
        return Err(cmd.err(
            n.value_col,
            n.value.clone(),
            format!(
                "policy '{}' already has a rule named '{}'",
                p.name, other.1.name
            ),
            "choose another name",
        ));
    }
    let Some(current) = p.rules.get(idx) else {
        return Ok(Done::default());
    };
    let mut r = current.clone();
    rule_settings(&mut r, &b, cmd.line)?;
    if let Some(n) = b.get("newname") {
        r.name = n.value.clone();
    }
    if let Some(l) = list {
        r.filter_list = l;
    }
    if let Some(a) = action {
        r.filter_action = a;
    }
    let done = Done::change(format!("changed rule '{}' of policy '{}'", r.name, p.name));
    p.rules[idx] = r;
    Ok(done)
}
