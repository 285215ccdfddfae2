//! The static objects a `-w REG` command changes: rules with their own filter list and
//! filter action, the default response rule, main-mode settings, assignment and `-o`
//! deletion.
//!
//! Owns naming generated lists and actions and deleting the ones no rule uses any more
//! (docs/domain.md, "Command syntaxes"). Validation of the switch combination happens before,
//! in `apply.rs`.

use crate::core::model::{Behavior, FilterList, Id, Rule, Snapshot};

use super::action::{parse_main_mode_method, parse_main_mode_rekey};
use super::apply::{RuleSettings, StaticSpecs, build_action, first_present};
use super::args::CommandLine;
use super::lexer::strip_quotes;
use super::spec::Wrap;
use super::{IpseccmdError, Outcome};

pub(super) fn main_mode(
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

pub(super) fn default_response(
    s: &mut Snapshot,
    policy_id: Id,
    cmd: &CommandLine,
    settings: &RuleSettings,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    if cmd.filters.len() > 1 {
        // A spec is `DEFAULT` exactly when its text is (spec::parse_spec).
        let token = cmd
            .filters
            .iter()
            .find(|t| !t.eq_ignore_ascii_case("DEFAULT"))
            .map(|t| &**t)
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
pub(super) fn put_rule(
    s: &mut Snapshot,
    policy_id: Id,
    cmd: &CommandLine,
    specs: StaticSpecs,
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
    if let Some(text) = specs.wrapped.and_then(|i| cmd.filters.get(i)) {
        return Err(IpseccmdError::new(
            text,
            format!("'{text}': [spec] and (spec) mark dynamic filters, not static rules"),
            "with -w REG write the spec plainly and choose the action with -n BLOCK or -n PASS",
        ));
    }
    let filters = specs.filters;
    let rule_name = match cmd.rules.first() {
        Some(r) => strip_quotes(&r.value),
        None => cmd.filters.join(" "),
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
pub(super) fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
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
pub(super) fn collect_unused(s: &mut Snapshot, list: Id, action: Id, out: &mut Outcome) {
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

pub(super) fn users(s: &Snapshot, rules: &[(Id, Id)]) -> String {
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

/// The index of the policy `-p` names. Commands that only remove (`-o`, `-y`) refuse a
/// missing policy rather than create it: a typo must not look like success.
pub(super) fn existing_policy(
    s: &Snapshot,
    name: &str,
    cmd: &CommandLine,
    verb: &str,
) -> Result<usize, IpseccmdError> {
    if let Some(at) = s
        .policy_named(name)
        .and_then(|p| s.policies.iter().position(|x| x.id == p.id))
    {
        return Ok(at);
    }
    let known: Vec<String> = s.policies.iter().map(|p| format!("'{}'", p.name)).collect();
    let hint = if known.is_empty() {
        "the store has no policies".to_string()
    } else {
        format!("existing policies: {}", known.join(", "))
    };
    let token = cmd
        .policy
        .as_ref()
        .map(|p| p.value.as_str())
        .unwrap_or_default();
    Err(IpseccmdError::new(
        token,
        format!("no policy named '{name}' to {verb}"),
        hint,
    ))
}

/// `-o`: deletes the policy with its rules, and their lists and actions unless another
/// policy still uses them. The `-r` names only document which rules the admin expects.
pub(super) fn delete_policy(
    s: &mut Snapshot,
    name: &str,
    cmd: &CommandLine,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    let at = existing_policy(s, name, cmd, "delete")?;
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

pub(super) fn assignment(s: &mut Snapshot, policy_id: Id, cmd: &CommandLine, out: &mut Outcome) {
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
