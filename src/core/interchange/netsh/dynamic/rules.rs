//! Dynamic rules: `add|set|delete rule` and `delete all`. A rule is its filter (srcaddr,
//! dstaddr, masks, protocol, ports, mirrored), its connection type and tunnel endpoint,
//! which together identify it, plus the main-mode policy it names (required), the
//! quick-mode policy (required when an action is negotiate), authentication (default
//! Kerberos) and separate `actioninbound`/`actionoutbound` (default negotiate). The two
//! actions stay separate in the model (`DynamicRule::action` inbound,
//! `DynamicRule::outbound` when it differs) and in the effective table.

use super::super::lexer::Arg;
use super::super::params::{self, Bound, bind};
use super::super::static_add::{auth_methods, filter_spec};
use super::super::values;
use super::super::{Cmd, Done, NetshError};
use crate::core::model::{
    AuthMethod, Behavior, ConnectionType, DynamicQmPolicy, DynamicRule, Filter, FilterAction, Id,
    NetshRuleRefs, PfsGroup, Snapshot,
};

/// What identifies a rule.
struct Identity {
    filter: Filter,
    connection: ConnectionType,
    tunnel: Option<std::net::Ipv4Addr>,
}

fn identity(
    snap: &Snapshot,
    b: &Bound,
    cmd: &Cmd,
    warnings: &mut Vec<String>,
) -> Result<Identity, NetshError> {
    let mut filter = filter_spec(snap, b, cmd, warnings)?;
    let tunnel = b
        .get("tunneldstaddress")
        .map(|a| values::tunnel(a, cmd.line))
        .transpose()?
        .flatten();
    if tunnel.is_some() {
        match b.get("mirrored") {
            Some(a) if filter.mirrored => {
                return Err(cmd.err(
                    a.value_col,
                    a.value.clone(),
                    "a tunnel rule cannot be mirrored",
                    "write mirrored=no, or drop tunneldstaddress",
                ));
            }
            _ => filter.mirrored = false,
        }
    }
    let connection = b
        .get("conntype")
        .map(|a| values::conntype(a, cmd.line))
        .transpose()?
        .unwrap_or(ConnectionType::All);
    Ok(Identity {
        filter,
        connection,
        tunnel,
    })
}

fn same(d: &DynamicRule, id: &Identity) -> bool {
    d.filter.same_spec(&id.filter) && d.connection == id.connection && d.tunnel == id.tunnel
}

/// The filter action of one direction.
fn action_for(behavior: Behavior, qm: Option<&DynamicQmPolicy>) -> FilterAction {
    let name = match (behavior, qm) {
        (Behavior::Negotiate, Some(q)) => q.name.clone(),
        (b, _) => {
            let w = b.word();
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
    };
    let mut a = FilterAction::new(name, behavior);
    if let (Behavior::Negotiate, Some(q)) = (behavior, qm) {
        a.methods = q.methods.clone();
        a.soft = q.soft;
        a.session_key_pfs = q.pfs_group != PfsGroup::NoPfs;
    }
    a
}

/// (inbound, outbound when different).
fn actions(
    inbound: Behavior,
    outbound: Behavior,
    qm: Option<&DynamicQmPolicy>,
) -> (FilterAction, Option<FilterAction>) {
    let i = action_for(inbound, qm);
    let o = (outbound != inbound).then(|| action_for(outbound, qm));
    (i, o)
}

/// After `set qmpolicy`: the negotiate actions of the rules that use it.
pub fn refresh_negotiation(snap: &mut Snapshot, q: &DynamicQmPolicy) {
    for d in &mut snap.dynamic {
        let uses = d
            .netsh
            .as_ref()
            .and_then(|r| r.qm_policy.as_deref())
            .is_some_and(|n| n.eq_ignore_ascii_case(&q.name));
        if uses {
            let out = d
                .outbound
                .as_ref()
                .map_or(d.action.behavior, |o| o.behavior);
            let (i, o) = actions(d.action.behavior, out, Some(q));
            d.action = i;
            d.outbound = o;
        }
    }
}

fn behavior(b: &Bound, key: &str, line: usize) -> Result<Option<Behavior>, NetshError> {
    b.get(key).map(|a| values::action(a, line)).transpose()
}

/// Checks the policy references and returns the quick-mode policy.
fn references(
    snap: &Snapshot,
    b: &Bound,
    cmd: &Cmd,
    refs: &NetshRuleRefs,
    negotiates: bool,
) -> Result<Option<DynamicQmPolicy>, NetshError> {
    let at = |key: &str| b.get(key).map_or(cmd.end_col, |a| a.value_col);
    if snap.host.spd.mm_policy(&refs.mm_policy).is_none() {
        return Err(cmd.err(
            at("mmpolicy"),
            refs.mm_policy.clone(),
            format!("no mmpolicy named '{}'", refs.mm_policy),
            format!(
                "add it first: netsh ipsec dynamic add mmpolicy name={}",
                super::super::export::quote(&refs.mm_policy)
            ),
        ));
    }
    let qm = match &refs.qm_policy {
        Some(n) => Some(snap.host.spd.qm_policy(n).cloned().ok_or_else(|| {
            cmd.err(
                at("qmpolicy"),
                n.clone(),
                format!("no qmpolicy named '{n}'"),
                format!(
                    "add it first: netsh ipsec dynamic add qmpolicy name={}",
                    super::super::export::quote(n)
                ),
            )
        })?),
        None => None,
    };
    if negotiates && qm.is_none() {
        return Err(cmd.err(
            cmd.end_col,
            cmd.name,
            "a negotiate action needs a quick-mode policy",
            "add qmpolicy=NAME (netsh ipsec dynamic add qmpolicy name=NAME first), or write \
             actioninbound=permit|block actionoutbound=permit|block",
        ));
    }
    Ok(qm)
}

pub fn add(snap: &mut Snapshot, all: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let args = all.get(2..).unwrap_or(&[]);
    let b = bind(cmd.name, params::DYNAMIC_RULE, args, cmd.line, cmd.end_col)?;
    let mut done = Done::default();
    let id = identity(snap, &b, cmd, &mut done.warnings)?;
    if snap.dynamic.iter().any(|d| same(d, &id)) {
        return Err(cmd.err(
            cmd.col,
            cmd.name,
            "a dynamic rule with this filter already exists",
            "change it with set rule (same srcaddr/dstaddr/protocol/ports/mirrored/conntype), \
             or delete rule first",
        ));
    }
    let Some(mm) = b.get("mmpolicy") else {
        return Err(cmd.err(
            cmd.end_col,
            cmd.name,
            "missing mmpolicy",
            "every dynamic rule names a main-mode policy: add mmpolicy=NAME (netsh ipsec \
             dynamic add mmpolicy name=NAME first)",
        ));
    };
    let inbound = behavior(&b, "actioninbound", cmd.line)?.unwrap_or(Behavior::Negotiate);
    let outbound = behavior(&b, "actionoutbound", cmd.line)?.unwrap_or(Behavior::Negotiate);
    let refs = NetshRuleRefs {
        mm_policy: mm.value.clone(),
        qm_policy: b.get("qmpolicy").map(|a| a.value.clone()),
    };
    let negotiates = inbound == Behavior::Negotiate || outbound == Behavior::Negotiate;
    let qm = references(snap, &b, cmd, &refs, negotiates)?;
    let authentication = auth_methods(&b, cmd.line)?.unwrap_or(vec![AuthMethod::Kerberos]);
    let (action, out) = actions(inbound, outbound, qm.as_ref());
    if out.is_some() {
        done.warnings.push(format!(
            "inbound {} and outbound {} kept apart; where one filter row matches both \
             directions the more restrictive decides (ipsedit explain shows which)",
            inbound.word(),
            outbound.word()
        ));
    }
    let origin = format!(
        "netsh ipsec dynamic add rule {}",
        args.iter().map(Arg::text).collect::<Vec<_>>().join(" ")
    );
    done.changes.push(format!(
        "added dynamic rule: {} (inbound {}, outbound {})",
        id.filter.summary(),
        inbound.word(),
        outbound.word()
    ));
    snap.dynamic.push(DynamicRule {
        id: Id::new_v4(),
        filter: id.filter,
        action,
        authentication,
        tunnel: id.tunnel,
        connection: id.connection,
        origin,
        outbound: out,
        netsh: Some(refs),
    });
    Ok(done)
}

fn find(snap: &Snapshot, b: &Bound, cmd: &Cmd, w: &mut Vec<String>) -> Result<usize, NetshError> {
    let id = identity(snap, b, cmd, w)?;
    snap.dynamic
        .iter()
        .position(|d| same(d, &id))
        .ok_or_else(|| {
            cmd.err(
                cmd.col,
                cmd.name,
                format!("no dynamic rule with filter {}", id.filter.summary()),
                "a rule is identified by srcaddr, dstaddr, srcmask, dstmask, protocol, srcport, \
             dstport, mirrored, conntype and tunneldstaddress as added; `netsh ipsec dynamic \
             show rule` lists them",
            )
        })
}

pub fn set(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(cmd.name, params::DYNAMIC_RULE, args, cmd.line, cmd.end_col)?;
    let mut done = Done::default();
    let i = find(snap, &b, cmd, &mut done.warnings)?;
    let d = snap.dynamic[i].clone();
    let mut refs = d.netsh.clone().unwrap_or_default();
    if let Some(a) = b.get("mmpolicy") {
        refs.mm_policy = a.value.clone();
    }
    if let Some(a) = b.get("qmpolicy") {
        refs.qm_policy = Some(a.value.clone());
    }
    let inbound = behavior(&b, "actioninbound", cmd.line)?.unwrap_or(d.action.behavior);
    let outbound = behavior(&b, "actionoutbound", cmd.line)?.unwrap_or(
        d.outbound
            .as_ref()
            .map_or(d.action.behavior, |o| o.behavior),
    );
    let negotiates = inbound == Behavior::Negotiate || outbound == Behavior::Negotiate;
    let qm = if d.netsh.is_none() && !b.has("mmpolicy") {
        // An ipseccmd rule: it names no policies; keep its own negotiation settings.
        None
    } else {
        references(snap, &b, cmd, &refs, negotiates)?
    };
    let mut r = d.clone();
    if d.netsh.is_some() || b.has("mmpolicy") {
        let (a, o) = actions(inbound, outbound, qm.as_ref());
        r.action = a;
        r.outbound = o;
        r.netsh = Some(refs);
    } else {
        r.action.behavior = inbound;
        r.outbound = (outbound != inbound).then(|| action_for(outbound, None));
    }
    if let Some(auth) = auth_methods(&b, cmd.line)? {
        r.authentication = auth;
    }
    done.changes.push(format!(
        "changed dynamic rule: {} (inbound {}, outbound {})",
        r.filter.summary(),
        inbound.word(),
        outbound.word()
    ));
    snap.dynamic[i] = r;
    Ok(done)
}

pub fn delete(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    if let [only] = args
        && only.key.is_none()
        && !only.quoted
        && only.value.eq_ignore_ascii_case("all")
    {
        let n = snap.dynamic.len();
        snap.dynamic.clear();
        return Ok(Done::change(format!("deleted all {n} dynamic rules")));
    }
    let b = bind(
        cmd.name,
        params::DYNAMIC_DELETE_RULE,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    let mut done = Done::default();
    let i = find(snap, &b, cmd, &mut done.warnings)?;
    let d = snap.dynamic.remove(i);
    done.changes
        .push(format!("deleted dynamic rule: {}", d.filter.summary()));
    Ok(done)
}

/// `delete all`: every dynamic rule (ipseccmd's too: they share the database), then the
/// quick-mode and main-mode policies. The `set config` properties stay.
pub fn delete_all(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    bind(cmd.name, params::NONE, args, cmd.line, cmd.end_col)?;
    let (r, m, q) = (
        snap.dynamic.len(),
        snap.host.spd.mm_policies.len(),
        snap.host.spd.qm_policies.len(),
    );
    snap.dynamic.clear();
    snap.host.spd.mm_policies.clear();
    snap.host.spd.qm_policies.clear();
    Ok(Done::change(format!(
        "deleted all dynamic state: {r} rules, {m} main-mode policies, {q} quick-mode policies"
    )))
}
