//! Applying a parsed command line to a snapshot: static mode (`-w REG`: policies, rules,
//! their own filter lists and actions, assignment, deletion) and dynamic mode (no `-w`:
//! dynamic rules, `-u`).
//!
//! Owns the object-level decisions documented in `mod.rs` (naming, replacement, garbage
//! collection of lists and actions). It is called on a copy of the snapshot, so an error
//! half-way leaves the caller's snapshot untouched.

use std::net::Ipv4Addr;

use crate::core::model::{
    Address, AuthMethod, Behavior, ConnectionType, DynamicRule, Filter, FilterAction, FilterList,
    Id, Policy, Rule, Snapshot,
};

use super::action::{
    Negotiation, default_methods, parse_auth, parse_main_mode_method, parse_main_mode_rekey,
    parse_negotiation, parse_soft_sa_seconds,
};
use super::args::{CommandLine, Valued};
use super::lexer::strip_quotes;
use super::spec::{Spec, Wrap, parse_spec};
use super::{IpseccmdError, Outcome};

/// Settings every rule created by this command shares.
struct RuleSettings {
    negotiation: Option<Negotiation>,
    authentication: Vec<AuthMethod>,
    tunnel: Option<Ipv4Addr>,
    connection: ConnectionType,
    soft: bool,
}

pub(super) fn run(
    s: &mut Snapshot,
    cmd: &CommandLine,
    origin: &str,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    if let Some(flag) = &cmd.confirm {
        out.warnings.push(format!(
            "{flag} has no effect: ipsedit never asks; use --dry-run to preview"
        ));
    }
    if let Some(e) = &cmd.mm_soft_expiry {
        let secs = parse_soft_sa_seconds(e)?;
        out.warnings.push(format!(
            "{} {secs} ignored: ipsedit does not model the soft SA expiry time",
            e.switch
        ));
    }
    if let Some(first) = cmd.mm_filters.first() {
        for spec in &cmd.mm_filters {
            parse_spec(&spec.value, &s.host, &mut Vec::new())?;
        }
        out.warnings.push(format!(
            "{} ignored: ipsedit derives main-mode filters from the rule's filters",
            first.switch
        ));
    }
    if cmd.lan.is_some() && cmd.dialup.is_some() {
        let token = cmd.dialup.as_deref().unwrap_or("-dialup");
        return Err(IpseccmdError::new(
            token,
            "-lan and -dialup contradict each other",
            "give one of them; without either the rule applies to all connections",
        ));
    }
    match &cmd.store {
        Some(w) => static_mode(s, cmd, w, out),
        None => dynamic_mode(s, cmd, origin, out),
    }
}

fn rule_settings(cmd: &CommandLine) -> Result<RuleSettings, IpseccmdError> {
    let authentication = cmd
        .auth
        .iter()
        .map(parse_auth)
        .collect::<Result<Vec<_>, _>>()?;
    let tunnel = match &cmd.tunnel {
        None => None,
        Some(t) => Some(strip_quotes(&t.value).parse::<Ipv4Addr>().map_err(|_| {
            IpseccmdError::new(
                &t.value,
                format!("tunnel endpoint '{}' is not an IPv4 address", t.value),
                "write the far tunnel end as an address, e.g. -t 10.0.0.1",
            )
        })?),
    };
    let connection = if cmd.lan.is_some() {
        ConnectionType::Lan
    } else if cmd.dialup.is_some() {
        ConnectionType::RemoteAccess
    } else {
        ConnectionType::All
    };
    Ok(RuleSettings {
        negotiation: parse_negotiation(&cmd.negotiation)?,
        authentication,
        tunnel,
        connection,
        soft: cmd.soft.is_some(),
    })
}

/// Parses every `-f` spec, refusing mirrored filters on tunnel rules (DOMAIN.md §1).
fn parse_specs(
    s: &Snapshot,
    cmd: &CommandLine,
    tunnel: bool,
    out: &mut Outcome,
) -> Result<Vec<(String, Spec)>, IpseccmdError> {
    let mut specs = Vec::with_capacity(cmd.filters.len());
    for f in &cmd.filters {
        let spec = parse_spec(&f.value, &s.host, &mut out.warnings)?;
        if let Spec::Filter { filter, .. } = &spec
            && tunnel
            && filter.mirrored
        {
            return Err(IpseccmdError::new(
                &f.value,
                format!(
                    "filter spec '{}' is mirrored, but a tunnel rule's filters must not be",
                    f.value
                ),
                "write one-way specs with '=' for a tunnel rule, one rule per direction",
            ));
        }
        specs.push((f.value.clone(), spec));
    }
    Ok(specs)
}

/// The filter action a rule or dynamic filter gets from `-n` and `-soft`.
fn build_action(
    name: String,
    settings: &RuleSettings,
    wrap: Wrap,
    out: &mut Outcome,
) -> FilterAction {
    let mut action = match wrap {
        Wrap::Block => FilterAction::new(name, Behavior::Block),
        Wrap::Pass => FilterAction::new(name, Behavior::Permit),
        Wrap::Plain => match &settings.negotiation {
            Some(n) => {
                let mut a = FilterAction::new(name, n.behavior);
                a.methods = n.methods.clone();
                a.inpass = n.inpass;
                a.session_key_pfs = n.session_key_pfs;
                a
            }
            None => FilterAction::new(name, Behavior::Negotiate),
        },
    };
    if action.behavior == Behavior::Negotiate && action.methods.is_empty() {
        action.methods = default_methods();
        out.warnings.push(
            "no security method given: the action negotiates ESP[3DES,SHA1], ESP[3DES,MD5], \
             ESP[DES,SHA1], ESP[DES,MD5] (give -n BLOCK, -n PASS or methods to choose)"
                .to_string(),
        );
    }
    if settings.soft {
        if action.behavior == Behavior::Negotiate {
            action.soft = true;
        } else {
            out.warnings.push(format!(
                "-soft ignored: it only matters to a negotiating action, not {}",
                action.behavior.word()
            ));
        }
    }
    action
}

fn static_mode(
    s: &mut Snapshot,
    cmd: &CommandLine,
    w: &Valued,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    let store = strip_quotes(&w.value);
    let upper = store.to_ascii_uppercase();
    if upper == "DS" || upper.starts_with("DS:") {
        return Err(IpseccmdError::new(
            &w.value,
            format!(
                "{} {}: the directory store is not supported yet",
                w.switch, w.value
            ),
            "use -w REG to edit the local policy store",
        ));
    }
    if upper != "REG" {
        return Err(IpseccmdError::new(
            &w.value,
            format!("unknown policy store '{}' after {}", w.value, w.switch),
            "use -w REG (the local store)",
        ));
    }
    if let Some(u) = &cmd.delete_dynamic {
        return Err(IpseccmdError::new(
            u,
            format!("{u} deletes dynamic rules and cannot be combined with -w"),
            "run it on its own: ipseccmd -u",
        ));
    }
    let Some(p) = &cmd.policy else {
        return Err(IpseccmdError::new(
            &w.switch,
            format!(
                "{} {} needs a policy name: -p is missing",
                w.switch, w.value
            ),
            "add -p \"Policy name\", e.g. -w REG -p \"Block UDP 1434 Filter\"",
        ));
    };
    let (name, poll) = policy_name(p)?;
    if let (Some(x), Some(_)) = (&cmd.assign, &cmd.unassign) {
        return Err(IpseccmdError::new(
            x,
            "-x and -y contradict each other",
            "give -x to assign or -y to unassign",
        ));
    }
    if let Some(o) = &cmd.delete {
        if let Some(other) = first_present(&[
            (&cmd.assign, "-x"),
            (&cmd.unassign, "-y"),
            (&cmd.filter_switch, "-f"),
        ]) {
            return Err(IpseccmdError::new(
                o,
                format!("{o} deletes the policy and cannot be combined with {other}"),
                format!("run -o in a command of its own, without {other}"),
            ));
        }
        return delete_policy(s, &name, cmd, out);
    }
    if cmd.filters.is_empty() {
        let rule_switch = cmd.rules.first().map(|r| r.switch.as_str()).into_iter();
        let other = first_present(&[
            (&cmd.negotiation.first().map(|v| v.switch.clone()), "-n"),
            (&cmd.auth.first().map(|v| v.switch.clone()), "-a"),
            (&cmd.tunnel.as_ref().map(|v| v.switch.clone()), "-t"),
            (&cmd.soft, "-soft"),
            (&cmd.lan, "-lan"),
            (&cmd.dialup, "-dialup"),
        ]);
        if let Some(token) = rule_switch.map(str::to_string).chain(other).next() {
            return Err(IpseccmdError::new(
                &token,
                format!("{token} applies to a rule, but no -f gives the rule's filters"),
                "add -r \"Rule name\" -f SPEC (e.g. -f *=0:1434:UDP -n BLOCK); -o deletes a policy",
            ));
        }
    }

    let settings = rule_settings(cmd)?;
    let specs = parse_specs(s, cmd, settings.tunnel.is_some(), out)?;
    let policy_id = find_or_create_policy(s, &name, out);
    if let Some(minutes) = poll
        && let Some(policy) = s.policy_mut(policy_id)
        && policy.polling_interval_min != minutes
    {
        policy.polling_interval_min = minutes;
        out.changes.push(format!(
            "set polling interval of policy '{name}' to {minutes} minutes"
        ));
    }
    main_mode(s, policy_id, cmd, out)?;
    if specs.iter().any(|(_, spec)| *spec == Spec::Default) {
        default_response(s, policy_id, cmd, &specs, &settings, out)?;
    } else if !specs.is_empty() {
        put_rule(s, policy_id, cmd, specs, &settings, out)?;
    }
    assignment(s, policy_id, cmd, out);
    Ok(())
}

fn first_present(flags: &[(&Option<String>, &str)]) -> Option<String> {
    flags
        .iter()
        .find_map(|(flag, _)| flag.as_ref().map(|f| f.to_string()))
}

/// `-p "Name[:poll]"`: a trailing `:digits` is the polling interval in minutes.
fn policy_name(p: &Valued) -> Result<(String, Option<u32>), IpseccmdError> {
    let text = strip_quotes(&p.value);
    let (name, poll) = match text.rsplit_once(':') {
        Some((name, digits))
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) =>
        {
            let minutes = digits.parse::<u32>().ok().filter(|m| *m > 0).ok_or_else(|| {
                IpseccmdError::new(
                    &p.value,
                    format!("polling interval '{digits}' in -p '{}' is not a number of minutes from 1 up", p.value),
                    "write -p \"Name:180\" (minutes) or leave the interval out (180)",
                )
            })?;
            (name.trim().to_string(), Some(minutes))
        }
        _ => (text, None),
    };
    if name.is_empty() {
        return Err(IpseccmdError::new(
            &p.value,
            format!("{} needs a policy name", p.switch),
            "write -p \"Block UDP 1434 Filter\"",
        ));
    }
    Ok((name, poll))
}

fn find_or_create_policy(s: &mut Snapshot, name: &str, out: &mut Outcome) -> Id {
    if let Some(p) = s.policy_named(name) {
        return p.id;
    }
    let policy = Policy::new(name);
    let id = policy.id;
    s.policies.push(policy);
    out.changes.push(format!("created policy '{name}'"));
    id
}

fn main_mode(
    s: &mut Snapshot,
    policy_id: Id,
    cmd: &CommandLine,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    let methods = cmd
        .mm_methods
        .iter()
        .map(parse_main_mode_method)
        .collect::<Result<Vec<_>, _>>()?;
    let rekey = cmd
        .mm_rekey
        .as_ref()
        .map(parse_main_mode_rekey)
        .transpose()?;
    let Some(policy) = s.policy_mut(policy_id) else {
        return Ok(());
    };
    let name = policy.name.clone();
    let kx = &mut policy.key_exchange;
    if !methods.is_empty() {
        kx.methods = methods;
        out.changes
            .push(format!("set main-mode methods of policy '{name}'"));
    }
    if let Some(rekey) = rekey {
        if let Some(sessions) = rekey.sessions {
            kx.lifetime_sessions = sessions;
            out.changes.push(format!(
                "set main-mode lifetime of policy '{name}' to {sessions} quick modes"
            ));
        }
        if let Some(minutes) = rekey.minutes {
            kx.lifetime_minutes = minutes;
            out.changes.push(format!(
                "set main-mode lifetime of policy '{name}' to {minutes} minutes"
            ));
        }
        if let Some(secs) = rekey.rounded_from_secs {
            out.warnings.push(format!(
                "main-mode lifetime {secs}S rounded up to {} minutes (policies store minutes)",
                secs.div_ceil(60)
            ));
        }
    }
    if cmd.mm_pfs.is_some() && !kx.master_key_pfs {
        kx.master_key_pfs = true;
        out.changes
            .push(format!("turned on master-key PFS for policy '{name}'"));
    }
    Ok(())
}

fn default_response(
    s: &mut Snapshot,
    policy_id: Id,
    cmd: &CommandLine,
    specs: &[(String, Spec)],
    settings: &RuleSettings,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    if specs.len() > 1 {
        let token = specs
            .iter()
            .find(|(_, s)| *s != Spec::Default)
            .map(|(t, _)| t.as_str())
            .unwrap_or("DEFAULT");
        return Err(IpseccmdError::new(
            token,
            "DEFAULT cannot be mixed with other filter specs",
            "configure the default response rule in a command of its own: -f DEFAULT -n ESP[3DES,SHA]",
        ));
    }
    if let Some(r) = cmd.rules.first() {
        return Err(IpseccmdError::new(
            &r.switch,
            "the default response rule (-f DEFAULT) has no name",
            "drop -r when giving -f DEFAULT",
        ));
    }
    let not_for_default = first_present(&[
        (&cmd.tunnel.as_ref().map(|v| v.switch.clone()), "-t"),
        (&cmd.soft, "-soft"),
        (&cmd.lan, "-lan"),
        (&cmd.dialup, "-dialup"),
    ]);
    if let Some(token) = not_for_default {
        return Err(IpseccmdError::new(
            &token,
            format!("{token} does not apply to the default response rule"),
            format!("drop {token} when giving -f DEFAULT"),
        ));
    }
    let methods = match &settings.negotiation {
        Some(n) if n.behavior != Behavior::Negotiate => {
            let token = cmd
                .negotiation
                .first()
                .map(|v| v.value.clone())
                .unwrap_or_default();
            return Err(IpseccmdError::new(
                &token,
                format!(
                    "the default response rule only negotiates security; -n {token} does not apply"
                ),
                "give security methods, e.g. -f DEFAULT -n ESP[3DES,SHA]",
            ));
        }
        Some(n) => n.methods.clone(),
        None => Vec::new(),
    };
    let Some(policy) = s.policy_mut(policy_id) else {
        return Ok(());
    };
    let response = &mut policy.default_response;
    response.active = true;
    if !methods.is_empty() {
        response.methods = methods;
    }
    if !settings.authentication.is_empty() {
        response.authentication = settings.authentication.clone();
    }
    out.changes.push(format!(
        "activated the default response rule of policy '{}'",
        policy.name
    ));
    Ok(())
}

/// Creates the rule `-r` names (or replaces it), with a filter list and filter action of
/// its own, named after the rule.
fn put_rule(
    s: &mut Snapshot,
    policy_id: Id,
    cmd: &CommandLine,
    specs: Vec<(String, Spec)>,
    settings: &RuleSettings,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    if let Some(extra) = cmd.rules.get(1) {
        return Err(IpseccmdError::new(
            &extra.value,
            format!(
                "only one -r per command creates a rule; '{}' is a second one",
                extra.value
            ),
            "run one command per rule (several -r only list rules for -o)",
        ));
    }
    let mut filters = Vec::with_capacity(specs.len());
    for (text, spec) in &specs {
        if let Spec::Filter { wrap, filter } = spec {
            if *wrap != Wrap::Plain {
                return Err(IpseccmdError::new(
                    text,
                    format!("'{text}': [spec] and (spec) mark dynamic filters, not static rules"),
                    "with -w REG write the spec plainly and choose the action with -n BLOCK or -n PASS",
                ));
            }
            filters.push(filter.clone());
        }
    }
    let rule_name = match cmd.rules.first() {
        Some(r) => strip_quotes(&r.value),
        None => specs
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    };
    if rule_name.is_empty() {
        let token = cmd
            .rules
            .first()
            .map(|r| r.value.clone())
            .unwrap_or_default();
        return Err(IpseccmdError::new(
            &token,
            "-r needs a rule name",
            "write -r \"Block Inbound UDP 1434 Rule\"",
        ));
    }
    let Some(policy_name) = s.policy(policy_id).map(|p| p.name.clone()) else {
        return Ok(());
    };

    // Replace in place: the old rule goes first, so its list and action (if no longer
    // used) free their names for the new ones.
    let old = s.policy_mut(policy_id).and_then(|p| {
        let at = p
            .rules
            .iter()
            .position(|r| r.name.eq_ignore_ascii_case(&rule_name))?;
        Some((at, p.rules.remove(at)))
    });
    if let Some((_, old_rule)) = &old {
        collect_unused(s, old_rule.filter_list, old_rule.filter_action, out);
    }

    let list_name = unique_name(&format!("{rule_name} filters"), |n| {
        s.filter_list_named(n).is_some()
    });
    let action_name = unique_name(&format!("{rule_name} action"), |n| {
        s.filter_action_named(n).is_some()
    });
    let mut list = FilterList::new(list_name.clone());
    list.filters = filters;
    let action = build_action(action_name.clone(), settings, Wrap::Plain, out);
    let mut rule = Rule::new(rule_name.clone(), list.id, action.id);
    if !settings.authentication.is_empty() {
        rule.authentication = settings.authentication.clone();
    }
    rule.tunnel = settings.tunnel;
    rule.connection = settings.connection;
    let behavior = action.behavior.word();
    s.filter_lists.push(list);
    s.filter_actions.push(action);
    let Some(policy) = s.policy_mut(policy_id) else {
        return Ok(());
    };
    let verb = match old {
        Some((at, _)) => {
            policy.rules.insert(at.min(policy.rules.len()), rule);
            "replaced"
        }
        None => {
            policy.rules.push(rule);
            "added"
        }
    };
    out.changes.push(format!(
        "{verb} rule '{rule_name}' in policy '{policy_name}': filter list '{list_name}', \
         filter action '{action_name}' ({behavior})"
    ));
    Ok(())
}

/// `base`, or `base (2)`, `base (3)`, … whichever is free first.
fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|n| format!("{base} ({n})"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| base.to_string())
}

/// Deletes a filter list and a filter action that no rule uses any more; says which were
/// kept because another rule still uses them.
fn collect_unused(s: &mut Snapshot, list: Id, action: Id, out: &mut Outcome) {
    let list_users = s.filter_list_usage(list);
    if let Some(l) = s.filter_list(list) {
        let name = l.name.clone();
        if list_users.rule_count() == 0 {
            s.filter_lists.retain(|l| l.id != list);
            out.changes
                .push(format!("deleted filter list '{name}' (no rule uses it)"));
        } else {
            out.changes.push(format!(
                "kept filter list '{name}': {}",
                users(s, &list_users.rules)
            ));
        }
    }
    let action_users = s.filter_action_usage(action);
    if let Some(a) = s.filter_action(action) {
        let name = a.name.clone();
        if action_users.rule_count() == 0 {
            s.filter_actions.retain(|a| a.id != action);
            out.changes
                .push(format!("deleted filter action '{name}' (no rule uses it)"));
        } else {
            out.changes.push(format!(
                "kept filter action '{name}': {}",
                users(s, &action_users.rules)
            ));
        }
    }
}

fn users(s: &Snapshot, rules: &[(Id, Id)]) -> String {
    let names: Vec<String> = rules
        .iter()
        .filter_map(|(p, r)| {
            let policy = s.policy(*p)?;
            let rule = policy.rules.iter().find(|x| x.id == *r)?;
            Some(format!("rule '{}' of policy '{}'", rule.name, policy.name))
        })
        .collect();
    format!("still used by {}", names.join(", "))
}

/// `-o`: deletes the policy with its rules, and their lists and actions unless another
/// policy still uses them. The `-r` names only document which rules the admin expects.
fn delete_policy(
    s: &mut Snapshot,
    name: &str,
    cmd: &CommandLine,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    let Some(at) = s
        .policy_named(name)
        .and_then(|p| s.policies.iter().position(|x| x.id == p.id))
    else {
        let known: Vec<String> = s.policies.iter().map(|p| format!("'{}'", p.name)).collect();
        let hint = if known.is_empty() {
            "the store has no policies".to_string()
        } else {
            format!("existing policies: {}", known.join(", "))
        };
        let token = cmd
            .policy
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default();
        return Err(IpseccmdError::new(
            &token,
            format!("no policy named '{name}' to delete"),
            hint,
        ));
    };
    let policy = s.policies.remove(at);
    for r in &cmd.rules {
        let rule_name = strip_quotes(&r.value);
        if policy.rule_named(&rule_name).is_none()
            && !policy
                .rules
                .iter()
                .any(|x| x.name.eq_ignore_ascii_case(&rule_name))
        {
            out.warnings.push(format!(
                "policy '{}' had no rule named '{rule_name}'",
                policy.name
            ));
        }
    }
    out.changes.push(format!(
        "deleted policy '{}' with {} rules",
        policy.name,
        policy.rules.len()
    ));
    if s.assigned == Some(policy.id) {
        s.assigned = None;
        out.changes.push(format!(
            "unassigned policy '{}' (it was assigned)",
            policy.name
        ));
    }
    for rule in &policy.rules {
        collect_unused(s, rule.filter_list, rule.filter_action, out);
    }
    Ok(())
}

fn assignment(s: &mut Snapshot, policy_id: Id, cmd: &CommandLine, out: &mut Outcome) {
    let name = s
        .policy(policy_id)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    if cmd.assign.is_some() && s.assigned != Some(policy_id) {
        let previous = s.assigned_policy().map(|p| p.name.clone());
        s.assigned = Some(policy_id);
        out.changes.push(match previous {
            Some(prev) => format!("assigned policy '{name}' (unassigned '{prev}')"),
            None => format!("assigned policy '{name}'"),
        });
    }
    if cmd.unassign.is_some() {
        if s.assigned == Some(policy_id) {
            s.assigned = None;
            out.changes.push(format!("unassigned policy '{name}'"));
        } else {
            out.warnings.push(format!(
                "policy '{name}' is not assigned: nothing to unassign"
            ));
        }
    }
}

fn dynamic_mode(
    s: &mut Snapshot,
    cmd: &CommandLine,
    origin: &str,
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
    for (text, spec) in specs {
        let Spec::Filter { wrap, filter } = spec else {
            return Err(IpseccmdError::new(
                &text,
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
