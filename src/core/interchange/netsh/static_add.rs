//! `netsh ipsec static add policy|filterlist|filter|filteraction|rule`, with netsh's
//! defaults: filters are mirrored, addresses have mask 255.255.255.255, protocol ANY and
//! ports 0 (any); a filter action negotiates; a rule is active, for all connection types,
//! authenticated by Kerberos unless the command names other methods.

use super::lexer::Arg;
use super::lookup::{self, Kind};
use super::params::{self, Bound, bind};
use super::values;
use super::{Cmd, Done, NetshError, unknown_object};
use crate::core::model::{
    Address, AuthMethod, Behavior, Filter, FilterAction, FilterList, Policy, Rule, Snapshot,
};

pub fn run(
    snap: &mut Snapshot,
    object: &str,
    word: &Arg,
    args: &[Arg],
    cmd: &Cmd,
) -> Result<Done, NetshError> {
    match object {
        "policy" => add_policy(
            snap,
            &bind(cmd.name, params::ADD_POLICY, args, cmd.line, cmd.end_col)?,
            cmd,
        ),
        "filterlist" => add_filterlist(
            snap,
            &bind(
                cmd.name,
                params::ADD_FILTERLIST,
                args,
                cmd.line,
                cmd.end_col,
            )?,
            cmd,
        ),
        "filter" => add_filter(
            snap,
            &bind(cmd.name, params::ADD_FILTER, args, cmd.line, cmd.end_col)?,
            cmd,
        ),
        "filteraction" => add_filteraction(
            snap,
            &bind(
                cmd.name,
                params::ADD_FILTERACTION,
                args,
                cmd.line,
                cmd.end_col,
            )?,
            cmd,
        ),
        "rule" => add_rule(
            snap,
            &bind(cmd.name, params::ADD_RULE, args, cmd.line, cmd.end_col)?,
            cmd,
        ),
        _ => Err(unknown_object(
            cmd,
            word,
            "policy, filterlist, filter, filteraction, rule",
        )),
    }
}

/// Applies the policy settings `add policy` and `set policy` share.
pub fn policy_settings(p: &mut Policy, b: &Bound, line: usize) -> Result<(), NetshError> {
    if let Some(a) = b.get("description") {
        p.description = a.value.clone();
    }
    if let Some(a) = b.get("mmpfs") {
        p.key_exchange.master_key_pfs = values::yes_no(a, line)?;
    }
    if let Some(a) = b.get("qmpermm") {
        p.key_exchange.lifetime_sessions = values::number(a, line)?;
    }
    if let Some(a) = b.get("mmlifetime") {
        p.key_exchange.lifetime_minutes = values::number(a, line)?;
    }
    if let Some(a) = b.get("activatedefaultrule") {
        p.default_response.active = values::yes_no(a, line)?;
    }
    if let Some(a) = b.get("pollinginterval") {
        p.polling_interval_min = values::number(a, line)?;
    }
    if let Some(a) = b.get("mmsecmethods") {
        p.key_exchange.methods = values::mm_methods(a, line)?;
    }
    Ok(())
}

/// Assigns or unassigns `id` as `assign=` says; returns the change lines.
pub fn assignment(snap: &mut Snapshot, id: crate::core::model::Id, assign: bool) -> Vec<String> {
    let name = snap.policy(id).map(|p| p.name.clone()).unwrap_or_default();
    let mut out = Vec::new();
    if assign {
        if let Some(prev) = snap.assigned_policy().filter(|p| p.id != id) {
            out.push(format!("unassigned policy '{}'", prev.name));
        }
        if snap.assigned != Some(id) {
            out.push(format!("assigned policy '{name}'"));
        }
        snap.assigned = Some(id);
    } else if snap.assigned == Some(id) {
        snap.assigned = None;
        out.push(format!("unassigned policy '{name}'"));
    }
    out
}

fn add_policy(snap: &mut Snapshot, b: &Bound, cmd: &Cmd) -> Result<Done, NetshError> {
    let name = b
        .get("name")
        .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, "missing name", ""))?;
    lookup::unique(snap, Kind::Policy, name, None, cmd)?;
    let mut p = Policy::new(name.value.clone());
    // netsh (like the snap-in's wizard) turns the default response rule on unless told.
    p.default_response.active = true;
    policy_settings(&mut p, b, cmd.line)?;
    let assign = b
        .get("assign")
        .map(|a| values::yes_no(a, cmd.line))
        .transpose()?;
    let id = p.id;
    snap.policies.push(p);
    let mut done = Done::change(format!("created policy '{}'", name.value));
    if let Some(assign) = assign {
        done.changes.extend(assignment(snap, id, assign));
    }
    Ok(done)
}

fn add_filterlist(snap: &mut Snapshot, b: &Bound, cmd: &Cmd) -> Result<Done, NetshError> {
    let name = b
        .get("name")
        .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, "missing name", ""))?;
    lookup::unique(snap, Kind::FilterList, name, None, cmd)?;
    let mut l = FilterList::new(name.value.clone());
    if let Some(d) = b.get("description") {
        l.description = d.value.clone();
    }
    snap.filter_lists.push(l);
    Ok(Done::change(format!(
        "created filter list '{}'",
        name.value
    )))
}

/// The filter an `add filter` (or the match of a `delete filter`) describes.
pub fn filter_spec(
    snap: &Snapshot,
    b: &Bound,
    cmd: &Cmd,
    warnings: &mut Vec<String>,
) -> Result<Filter, NetshError> {
    let line = cmd.line;
    let addr = |key: &str| -> Result<values::AddrValue, NetshError> {
        let a = b
            .get(key)
            .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, format!("missing {key}"), ""))?;
        values::address(a, line, &snap.host.names)
    };
    let (src, dst) = (addr("srcaddr")?, addr("dstaddr")?);
    // netsh pairs a server type only with `me` (the server talks to this host).
    for (key, this, other) in [("srcaddr", &src, &dst), ("dstaddr", &dst, &src)] {
        if let values::AddrValue::Server(k) = this
            && let Some(r) =
                super::field::server_pairing(key, *k, matches!(other, values::AddrValue::Me))
            && let Some(a) = b.get(key)
        {
            return Err(cmd.err(a.value_col, a.value.clone(), r.message, r.hint));
        }
    }
    for v in [&src, &dst] {
        if let values::AddrValue::Dns(name, resolved) = v
            && resolved.is_empty()
        {
            warnings.push(format!(
                "the name {name} is not in the host name table, so this filter matches no \
                 address yet; ipsedit never queries DNS: add it with `ipsedit config set name \
                 {name} IP` (or `# ipsedit name host={name} addresses=IP` in the script) and \
                 add the filter again"
            ));
        }
    }
    let srcmask = b
        .get("srcmask")
        .map(|a| values::mask(a, line))
        .transpose()?;
    let dstmask = b
        .get("dstmask")
        .map(|a| values::mask(a, line))
        .transpose()?;
    let mut f = Filter::new(
        values::with_mask(src, srcmask, "src", warnings),
        values::with_mask(dst, dstmask, "dst", warnings),
    );
    f.mirrored = true;
    if let Some(a) = b.get("description") {
        f.description = a.value.clone();
    }
    if let Some(a) = b.get("protocol") {
        f.protocol = values::protocol(a, line)?;
    }
    if let Some(a) = b.get("mirrored") {
        f.mirrored = values::yes_no(a, line)?;
    }
    if let Some(a) = b.get("srcport") {
        f.src_port = values::port(a, line)?;
    }
    if let Some(a) = b.get("dstport") {
        f.dst_port = values::port(a, line)?;
    }
    if (f.src_port != 0 || f.dst_port != 0) && !f.protocol.has_ports() {
        let from_src = f.src_port != 0 && b.get("srcport").is_some();
        let key = if from_src { "srcport" } else { "dstport" };
        let at = b.get(key).or(b.get("dstport"));
        return Err(cmd.err(
            at.map_or(cmd.end_col, |a| a.value_col),
            at.map_or(String::new(), |a| a.value.clone()),
            format!(
                "a port needs protocol TCP or UDP, not {} (netsh's own help: \"If you specify a \
                 port, acceptable value is TCP or UDP\")",
                values::protocol_word(f.protocol)
            ),
            format!(
                "drop {key}={} to match all {} traffic, or use protocol=TCP or protocol=UDP",
                if from_src { f.src_port } else { f.dst_port },
                values::protocol_word(f.protocol)
            ),
        ));
    }
    outside_mask(&f.source, "source", warnings);
    outside_mask(&f.destination, "destination", warnings);
    Ok(f)
}

/// Address bits outside the mask are kept as written (the model never silently fixes
/// them) but said, since the admin likely meant the subnet.
fn outside_mask(a: &Address, which: &str, warnings: &mut Vec<String>) {
    if let Address::Ip { addr, mask } = a
        && u32::from(*addr) & !u32::from(*mask) != 0
    {
        warnings.push(format!(
            "{which} {addr} has bits outside its mask {mask}; `ipsedit check` offers the fix"
        ));
    }
}

fn add_filter(snap: &mut Snapshot, b: &Bound, cmd: &Cmd) -> Result<Done, NetshError> {
    let mut done = Done::default();
    let f = filter_spec(snap, b, cmd, &mut done.warnings)?;
    let list = b
        .get("filterlist")
        .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, "missing filterlist", ""))?;
    let id = match lookup::find(snap, Kind::FilterList, &list.value) {
        Some(id) => id,
        None => {
            // netsh creates the list a filter names when it does not exist yet.
            lookup::unique(snap, Kind::FilterList, list, None, cmd)?;
            let l = FilterList::new(list.value.clone());
            let id = l.id;
            snap.filter_lists.push(l);
            done.changes
                .push(format!("created filter list '{}'", list.value));
            id
        }
    };
    let line = super::show::filter_text(&f);
    let at = super::index::position(snap, Kind::FilterList, id);
    if let Some(l) = at.and_then(|i| snap.filter_lists.get_mut(i)) {
        done.changes
            .push(format!("added filter {line} to filter list '{}'", l.name));
        l.filters.push(f);
    }
    Ok(done)
}

/// Applies the settings `add filteraction` and `set filteraction` share.
pub fn action_settings(a: &mut FilterAction, b: &Bound, line: usize) -> Result<(), NetshError> {
    if let Some(x) = b.get("description") {
        a.description = x.value.clone();
    }
    if let Some(x) = b.get("qmpfs") {
        a.session_key_pfs = values::yes_no(x, line)?;
    }
    if let Some(x) = b.get("inpass") {
        a.inpass = values::yes_no(x, line)?;
    }
    if let Some(x) = b.get("soft") {
        a.soft = values::yes_no(x, line)?;
    }
    if let Some(x) = b.get("action") {
        a.behavior = values::action(x, line)?;
    }
    if let Some(x) = b.get("qmsecmethods") {
        a.methods = values::qm_methods(x, line)?;
    }
    Ok(())
}

fn add_filteraction(snap: &mut Snapshot, b: &Bound, cmd: &Cmd) -> Result<Done, NetshError> {
    let name = b
        .get("name")
        .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, "missing name", ""))?;
    lookup::unique(snap, Kind::FilterAction, name, None, cmd)?;
    let mut a = FilterAction::new(name.value.clone(), Behavior::Negotiate);
    action_settings(&mut a, b, cmd.line)?;
    let mut done = Done::change(format!(
        "created filter action '{}' ({})",
        name.value,
        a.behavior.word()
    ));
    if a.behavior != Behavior::Negotiate && !a.methods.is_empty() {
        done.warnings.push(format!(
            "qmsecmethods apply only to action=negotiate; kept but unused by '{}'",
            name.value
        ));
    }
    snap.filter_actions.push(a);
    Ok(done)
}

/// The authentication methods a command names, in the order written (their order is the
/// preference), or `None` when it names none. `kerberos=no` alone means "no methods".
pub fn auth_methods(b: &Bound, line: usize) -> Result<Option<Vec<AuthMethod>>, NetshError> {
    let mut out = Vec::new();
    let mut any = false;
    for (name, arg) in &b.given {
        match *name {
            "kerberos" => {
                any = true;
                if values::yes_no(arg, line)? {
                    out.push(AuthMethod::Kerberos);
                }
            }
            "psk" | "rootca" => {
                any = true;
                if arg.value.is_empty() {
                    return Err(NetshError::new(
                        line,
                        arg.value_col,
                        arg.text(),
                        format!("{name}= needs a value"),
                        if *name == "psk" {
                            "write psk=\"the preshared key\""
                        } else {
                            "write rootca=\"CN=Root CA certmap:no excludecaname:no\""
                        },
                    ));
                }
                out.push(if *name == "psk" {
                    AuthMethod::Preshared {
                        key: arg.value.clone(),
                    }
                } else {
                    AuthMethod::Certificate {
                        root_ca: arg.value.clone(),
                    }
                });
            }
            _ => {}
        }
    }
    Ok(any.then_some(out))
}

/// Applies the settings `add rule` and `set rule` share (not the references).
pub fn rule_settings(r: &mut Rule, b: &Bound, line: usize) -> Result<(), NetshError> {
    if let Some(a) = b.get("description") {
        r.description = a.value.clone();
    }
    if let Some(a) = b.get("tunnel") {
        r.tunnel = values::tunnel(a, line)?;
    }
    if let Some(a) = b.get("conntype") {
        r.connection = values::conntype(a, line)?;
    }
    if let Some(a) = b.get("activate") {
        r.active = values::yes_no(a, line)?;
    }
    if let Some(auth) = auth_methods(b, line)? {
        r.authentication = auth;
    }
    Ok(())
}

fn add_rule(snap: &mut Snapshot, b: &Bound, cmd: &Cmd) -> Result<Done, NetshError> {
    let need = |k: &str| {
        b.get(k)
            .ok_or_else(|| cmd.err(cmd.end_col, cmd.name, format!("missing {k}"), ""))
    };
    let (name, pol, fl, fa) = (
        need("name")?,
        need("policy")?,
        need("filterlist")?,
        need("filteraction")?,
    );
    let policy = lookup::require(snap, Kind::Policy, pol, cmd)?;
    let list = lookup::require(snap, Kind::FilterList, fl, cmd)?;
    let action = lookup::require(snap, Kind::FilterAction, fa, cmd)?;
    if name.value.trim().is_empty() || name.value.eq_ignore_ascii_case("all") && !name.quoted {
        return Err(cmd.err(
            name.value_col,
            name.text(),
            "a rule needs a name, and 'all' is reserved",
            "give the rule a name such as name=\"Block inbound\"",
        ));
    }
    let mut rule = Rule::new(name.value.clone(), list, action);
    rule_settings(&mut rule, b, cmd.line)?;
    let mut done = Done::default();
    if rule.tunnel.is_some()
        && snap
            .filter_list(list)
            .is_some_and(|l| l.filters.iter().any(|f| f.mirrored))
    {
        done.warnings.push(format!(
            "tunnel rule '{}' uses mirrored filters; a tunnel rule's filters must not be \
             mirrored (`ipsedit check` reports it)",
            name.value
        ));
    }
    let Some(at) = super::index::position(snap, Kind::Policy, policy) else {
        return Err(cmd.err(pol.value_col, pol.value.clone(), "policy vanished", ""));
    };
    let existing = super::index::rule_named(snap, at, &name.value);
    let Some(p) = snap.policies.get_mut(at) else {
        return Err(cmd.err(pol.value_col, pol.value.clone(), "policy vanished", ""));
    };
    if let Some(existing) = existing.and_then(|i| p.rules.get(i)) {
        return Err(cmd.err(
            name.value_col,
            name.value.clone(),
            format!(
                "policy '{}' already has a rule named '{}'",
                p.name, existing.name
            ),
            "choose another rule name, or change the rule with `set rule`",
        ));
    }
    done.changes.push(format!(
        "added rule '{}' to policy '{}' (filter list '{}', filter action '{}')",
        name.value, p.name, fl.value, fa.value
    ));
    p.rules.push(rule);
    Ok(done)
}
