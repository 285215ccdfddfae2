//! Finding objects by the name (or GUID) a command gives, with errors that list what the
//! store has. Windows names are case-insensitive, so lookups and the uniqueness checks of
//! `add` ignore case.

use super::Cmd;
use super::NetshError;
use super::lexer::Arg;
use super::params::Bound;
use crate::core::model::{Id, Snapshot};

/// The kinds of named objects netsh addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Policy,
    FilterList,
    FilterAction,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::FilterList => "filter list",
            Kind::FilterAction => "filter action",
        }
    }

    fn netsh(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::FilterList => "filterlist",
            Kind::FilterAction => "filteraction",
        }
    }
}

fn names(snap: &Snapshot, kind: Kind) -> Vec<(Id, &str)> {
    match kind {
        Kind::Policy => snap
            .policies
            .iter()
            .map(|p| (p.id, p.name.as_str()))
            .collect(),
        Kind::FilterList => snap
            .filter_lists
            .iter()
            .map(|l| (l.id, l.name.as_str()))
            .collect(),
        Kind::FilterAction => snap
            .filter_actions
            .iter()
            .map(|a| (a.id, a.name.as_str()))
            .collect(),
    }
}

/// The id of the object named `name` (exact match first, then ignoring case). Indexed:
/// O(1) per lookup, not a scan (see `index`).
pub fn find(snap: &Snapshot, kind: Kind, name: &str) -> Option<Id> {
    let all = super::index::named(snap, kind, name);
    all.iter()
        .find(|(_, n)| n == name)
        .or_else(|| all.first())
        .map(|(id, _)| *id)
}

fn known(snap: &Snapshot, kind: Kind) -> String {
    let all = names(snap, kind);
    if all.is_empty() {
        return format!("the store has no {}", plural(kind));
    }
    let mut shown: Vec<String> = all.iter().take(12).map(|(_, n)| format!("'{n}'")).collect();
    if all.len() > 12 {
        shown.push(format!("and {} more", all.len() - 12));
    }
    format!("the store has: {}", shown.join(", "))
}

fn plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Policy => "policies",
        Kind::FilterList => "filter lists",
        Kind::FilterAction => "filter actions",
    }
}

/// The object an argument names, or an error pointing at it.
pub fn require(snap: &Snapshot, kind: Kind, arg: &Arg, cmd: &Cmd) -> Result<Id, NetshError> {
    find(snap, kind, &arg.value).ok_or_else(|| {
        // Generated scripts often name an object by a stem of its real name (Aerleon's
        // rules say policy=X for a policy it created as X-policy): suggest it.
        let wanted = arg.value.to_lowercase();
        let close = names(snap, kind).into_iter().find(|(_, n)| {
            let n = n.to_lowercase();
            !wanted.is_empty() && (n.starts_with(&wanted) || wanted.starts_with(&n))
        });
        let hint = match close {
            Some((_, n)) => format!("did you mean '{n}'? {}", known(snap, kind)),
            None => format!(
                "{}; create it first with `add {} name=\"{}\"`",
                known(snap, kind),
                kind.netsh(),
                arg.value
            ),
        };
        cmd.err(
            arg.value_col,
            arg.value.clone(),
            format!("no {} named '{}'", kind.word(), arg.value),
            hint,
        )
    })
}

/// The object given by `name=` or `guid=` (set, delete).
pub fn by_name_or_guid(
    snap: &Snapshot,
    kind: Kind,
    b: &Bound,
    cmd: &Cmd,
) -> Result<Id, NetshError> {
    if let Some(g) = b.get("guid") {
        let text = g.value.trim_matches(|c| c == '{' || c == '}');
        let id = Id::parse_str(text).map_err(|_| {
            cmd.err(
                g.value_col,
                g.value.clone(),
                format!("'{}' is not a GUID", g.value),
                "write it as netsh shows it: {11E6E97E-0031-49F5-AC7D-5F2FE99BABAF}",
            )
        })?;
        if names(snap, kind).iter().any(|(i, _)| *i == id) {
            return Ok(id);
        }
        return Err(cmd.err(
            g.value_col,
            g.value.clone(),
            format!("no {} has the GUID {}", kind.word(), g.value),
            known(snap, kind),
        ));
    }
    match b.get("name") {
        Some(n) => require(snap, kind, n, cmd),
        None => Err(cmd.err(
            cmd.end_col,
            cmd.name,
            format!("'{}' needs name= or guid=", cmd.name),
            format!("e.g. {} name=\"My {}\"", cmd.name, kind.word()),
        )),
    }
}

/// Refuses a name another object of the kind already has (netsh refuses it too).
pub fn unique(
    snap: &Snapshot,
    kind: Kind,
    arg: &Arg,
    except: Option<Id>,
    cmd: &Cmd,
) -> Result<(), NetshError> {
    if arg.value.trim().is_empty() {
        return Err(cmd.err(
            arg.value_col,
            arg.text(),
            format!("a {} needs a name", kind.word()),
            "give a non-empty name",
        ));
    }
    let clash = super::index::named(snap, kind, &arg.value)
        .into_iter()
        .find(|(id, _)| Some(*id) != except);
    match clash {
        None => Ok(()),
        Some((_, existing)) => Err(cmd.err(
            arg.value_col,
            arg.value.clone(),
            format!("a {} named '{existing}' already exists", kind.word()),
            format!(
                "names are unique (ignoring case): choose another name, or change the \
                 existing one with `set {} name=\"{existing}\" …`",
                kind.netsh()
            ),
        )),
    }
}

/// The filter-list and filter-action ids a policy's rules use.
pub fn rule_index(snap: &Snapshot, policy: Id, b: &Bound, cmd: &Cmd) -> Result<usize, NetshError> {
    let Some(p) = snap.policy(policy) else {
        return Err(cmd.err(cmd.col, cmd.name, "policy vanished", ""));
    };
    let list = || {
        if p.rules.is_empty() {
            format!("policy '{}' has no rules", p.name)
        } else {
            format!(
                "policy '{}' has: {}",
                p.name,
                p.rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| format!("{} '{}'", i + 1, r.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    if let Some(idarg) = b.get("id") {
        let n: usize = idarg.value.parse().unwrap_or(0);
        if n >= 1 && n <= p.rules.len() {
            return Ok(n - 1);
        }
        return Err(cmd.err(
            idarg.value_col,
            idarg.value.clone(),
            format!("no rule with id {}", idarg.value),
            list(),
        ));
    }
    let Some(name) = b.get("name") else {
        return Err(cmd.err(
            cmd.end_col,
            cmd.name,
            format!("'{}' needs name= or id=", cmd.name),
            list(),
        ));
    };
    p.rules
        .iter()
        .position(|r| r.name == name.value)
        .or_else(|| {
            p.rules
                .iter()
                .position(|r| r.name.eq_ignore_ascii_case(&name.value))
        })
        .ok_or_else(|| {
            cmd.err(
                name.value_col,
                name.value.clone(),
                format!("no rule named '{}' in policy '{}'", name.value, p.name),
                list(),
            )
        })
}
