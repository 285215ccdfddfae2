//! Applying a parsed command line: the checks that hold for the whole command (which
//! switches go together, `-w`, `-p`), the settings a rule or dynamic filter takes from `-n`,
//! `-a`, `-t`, `-soft`, `-lan`, `-dialup`, then the hand-over to `policy.rs` (static mode)
//! or `dynamic.rs`.
//!
//! It is called on a copy of the snapshot, so an error found half-way leaves the caller's
//! snapshot untouched.

use std::net::Ipv4Addr;

use crate::core::model::{
    AuthMethod, Behavior, ConnectionType, Filter, FilterAction, Id, Policy, Snapshot,
};

use super::action::{
    Negotiation, default_methods, parse_auth, parse_negotiation, parse_soft_sa_seconds,
};
use super::args::{CommandLine, Valued};
use super::dynamic::dynamic_mode;
use super::lexer::strip_quotes;
use super::policy::{
    assignment, default_response, delete_policy, existing_policy, main_mode, put_rule,
};
use super::spec::{Spec, Wrap, parse_spec};
use super::{IpseccmdError, Outcome};

/// Settings every rule created by this command shares.
pub(super) struct RuleSettings {
    pub negotiation: Option<Negotiation>,
    pub authentication: Vec<AuthMethod>,
    pub tunnel: Option<Ipv4Addr>,
    pub connection: ConnectionType,
    pub soft: bool,
}

/// Applies `cmd`; `program` and `args` (the line as given) become the `origin` of dynamic
/// rules.
pub(super) fn run(
    s: &mut Snapshot,
    cmd: &CommandLine,
    program: &str,
    args: &[String],
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
        None => dynamic_mode(s, cmd, program, args, out),
    }
}

pub(super) fn rule_settings(cmd: &CommandLine) -> Result<RuleSettings, IpseccmdError> {
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

/// Refuses a mirrored filter on a tunnel rule (docs/domain.md, "Addresses, protocols,
/// ports").
fn check_tunnel(text: &str, spec: &Spec, tunnel: bool) -> Result<(), IpseccmdError> {
    if let Spec::Filter { filter, .. } = spec
        && tunnel
        && filter.mirrored
    {
        return Err(IpseccmdError::new(
            text,
            format!("filter spec '{text}' is mirrored, but a tunnel rule's filters must not be"),
            "write one-way specs with '=' for a tunnel rule, one rule per direction",
        ));
    }
    Ok(())
}

/// Parses every `-f` spec (dynamic mode), in the order of `cmd.filters`.
pub(super) fn parse_specs(
    s: &Snapshot,
    cmd: &CommandLine,
    tunnel: bool,
    out: &mut Outcome,
) -> Result<Vec<Spec>, IpseccmdError> {
    let mut specs = Vec::with_capacity(cmd.filters.len());
    for text in &cmd.filters {
        let spec = parse_spec(text, &s.host, &mut out.warnings)?;
        check_tunnel(text, &spec, tunnel)?;
        specs.push(spec);
    }
    Ok(specs)
}

/// The `-f` specs of a static rule: the filters, ready to move into the rule's list (a
/// 1 MiB line's 40,000 filters are built once, never copied), and what the checks after
/// parsing need.
pub(super) struct StaticSpecs {
    pub filters: Vec<Filter>,
    /// Some spec is `DEFAULT`.
    pub default: bool,
    /// The index in `cmd.filters` of the first `[spec]` or `(spec)`.
    pub wrapped: Option<usize>,
}

/// Parses every `-f` spec (static mode).
fn parse_static_specs(
    s: &Snapshot,
    cmd: &CommandLine,
    tunnel: bool,
    out: &mut Outcome,
) -> Result<StaticSpecs, IpseccmdError> {
    let mut specs = StaticSpecs {
        filters: Vec::with_capacity(cmd.filters.len()),
        default: false,
        wrapped: None,
    };
    for (i, text) in cmd.filters.iter().enumerate() {
        let spec = parse_spec(text, &s.host, &mut out.warnings)?;
        check_tunnel(text, &spec, tunnel)?;
        match spec {
            Spec::Default => specs.default = true,
            Spec::Filter { wrap, filter } => {
                if wrap != Wrap::Plain {
                    specs.wrapped = specs.wrapped.or(Some(i));
                }
                specs.filters.push(filter);
            }
        }
    }
    Ok(specs)
}

/// The filter action a rule or dynamic filter gets from `-n` and `-soft`.
pub(super) fn build_action(
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

/// `-w DS[:domain]`: the hook a configured domain store plugs into; until then a clear
/// error naming the alternative.
fn domain_store(w: &Valued) -> IpseccmdError {
    IpseccmdError::new(
        &w.value,
        format!(
            "{} {}: no domain (directory) store is configured; ipsedit has only the \
             local store",
            w.switch, w.value
        ),
        "use -w REG to edit the local policy store, or open the domain with --store \
         ldaps://DC/DC=example,DC=test",
    )
}

fn static_mode(
    s: &mut Snapshot,
    cmd: &CommandLine,
    w: &Valued,
    out: &mut Outcome,
) -> Result<(), IpseccmdError> {
    let store = strip_quotes(&w.value);
    let mut upper = store.to_ascii_uppercase();
    if (upper == "DS" || upper.starts_with("DS:")) && crate::core::domain::domain_store_open() {
        // The open store is the domain's: -w DS writes to it.
        upper = "REG".to_string();
    }
    if upper == "DS" || upper.starts_with("DS:") {
        return Err(domain_store(w));
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
    // -y, -o and -x are independent flags (Resource Kit syntax): -y unassigns, -o deletes
    // the policy (which unassigns it too), and -x or -f then build and assign a fresh one
    // under the same name, as `ipsecpol -w REG -p P -y -o` (SANS) and `-o -x` scripts use.
    if cmd.delete.is_some() {
        delete_policy(s, &name, cmd, out)?;
        if cmd.filter_switch.is_none() && cmd.assign.is_none() {
            return Ok(());
        }
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

    // `-y` alone only removes an assignment: it must not create the policy it names.
    if cmd.unassign.is_some() && cmd.filters.is_empty() && cmd.mm_methods.is_empty() {
        existing_policy(s, &name, cmd, "unassign")?;
    }
    let settings = rule_settings(cmd)?;
    let specs = parse_static_specs(s, cmd, settings.tunnel.is_some(), out)?;
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
    if specs.default {
        default_response(s, policy_id, cmd, &settings, out)?;
    } else if !cmd.filters.is_empty() {
        put_rule(s, policy_id, cmd, specs, &settings, out)?;
    }
    assignment(s, policy_id, cmd, out);
    Ok(())
}

pub(super) fn first_present(flags: &[(&Option<String>, &str)]) -> Option<String> {
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
        // `Name:30m`, `Name:5x`: an interval with a typo, not part of the name.
        Some((_, tail))
            if tail.chars().any(|c| c.is_ascii_digit()) && !tail.contains(char::is_whitespace) =>
        {
            return Err(IpseccmdError::new(
                &p.value,
                format!(
                    "polling interval '{tail}' in -p '{}' is not a number of minutes",
                    p.value
                ),
                "write -p \"Name:180\" (minutes, digits only) or leave the interval out (180)",
            ));
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
