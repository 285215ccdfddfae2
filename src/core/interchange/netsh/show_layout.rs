//! The options of `netsh ipsec static show`: `level`, `format`, `wide`, `rule=`, and the
//! table and verbose layouts and the default response rule listing (see `show`). Read-only.

use super::lexer::Arg;
use super::lookup::Kind;
use super::params::Bound;
use super::show::{auth_text, filter_action, filter_list};
use super::values::{qm_methods_text, yes_no_word};
use super::{Cmd, NetshError};
use crate::core::model::{FilterAction, FilterList, Id, Policy, Snapshot};

/// How a listing is laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    pub verbose: bool,
    pub table: bool,
    pub wide: bool,
}

fn bad(arg: &Arg, line: usize, what: &str, hint: &str) -> NetshError {
    NetshError::new(
        line,
        arg.value_col,
        arg.value.clone(),
        format!("'{}' is not a valid {what}", arg.value),
        hint,
    )
}

impl Layout {
    pub fn read(b: &Bound, line: usize) -> Result<Layout, NetshError> {
        let mut l = Layout {
            verbose: false,
            table: false,
            wide: true,
        };
        if let Some(a) = b.get("level") {
            l.verbose = match a.value.to_ascii_lowercase().as_str() {
                "verbose" | "v" => true,
                "normal" | "n" => false,
                _ => return Err(bad(a, line, "level", "write level=verbose or level=normal")),
            };
        }
        if let Some(a) = b.get("format") {
            l.table = match a.value.to_ascii_lowercase().as_str() {
                "table" | "t" => true,
                "list" | "l" => false,
                _ => return Err(bad(a, line, "format", "write format=list or format=table")),
            };
        }
        if let Some(a) = b.get("wide") {
            l.wide = super::values::yes_no(a, line)?;
        }
        Ok(l)
    }
}

/// The ids `rule=NAME` selects: the filter lists (or actions) of every rule with that name,
/// in any policy. `None` without `rule=`.
pub fn by_rule(
    snap: &Snapshot,
    kind: Kind,
    b: &Bound,
    cmd: &Cmd,
) -> Result<Option<Vec<Id>>, NetshError> {
    let Some(a) = b.get("rule") else {
        return Ok(None);
    };
    let mut ids: Vec<Id> = Vec::new();
    for r in snap
        .policies
        .iter()
        .flat_map(|p| &p.rules)
        .filter(|r| r.name.eq_ignore_ascii_case(&a.value))
    {
        let id = match kind {
            Kind::FilterAction => r.filter_action,
            _ => r.filter_list,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(cmd.err(
            a.value_col,
            a.value.clone(),
            format!("no rule named '{}'", a.value),
            "`netsh ipsec static show rule all policy=NAME` lists a policy's rules",
        ));
    }
    Ok(Some(ids))
}

/// Rows under a header, columns padded; `wide=no` cuts cells to 20 characters.
fn table(head: &[&str], rows: Vec<Vec<String>>, lay: &Layout, out: &mut Vec<String>) {
    let cut = |s: String| -> String {
        if lay.wide || s.chars().count() <= 20 {
            s
        } else {
            s.chars().take(17).collect::<String>() + "..."
        }
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(cut).collect())
        .collect();
    let mut width: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    out.push(line(head.iter().map(|h| h.to_string()).collect()));
    out.push(line(width.iter().map(|w| "-".repeat(*w)).collect()));
    for r in rows {
        out.push(line(r));
    }
    out.push(String::new());
}

pub fn policy_table(snap: &Snapshot, ps: &[&Policy], lay: &Layout, out: &mut Vec<String>) {
    let rows = ps
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                if snap.assigned == Some(p.id) {
                    "YES"
                } else {
                    "NO"
                }
                .into(),
                p.rules.len().to_string(),
                if p.default_response.active {
                    "Active"
                } else {
                    "Inactive"
                }
                .into(),
            ]
        })
        .collect();
    table(
        &["Policy Name", "Assigned", "Rules", "Default Response"],
        rows,
        lay,
        out,
    );
}

pub fn list_table(ls: &[&FilterList], lay: &Layout, out: &mut Vec<String>) {
    let rows = ls
        .iter()
        .map(|l| vec![l.name.clone(), l.filters.len().to_string()])
        .collect();
    table(&["FilterList Name", "Filters"], rows, lay, out);
}

pub fn action_table(as_: &[&FilterAction], lay: &Layout, out: &mut Vec<String>) {
    let rows = as_
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.behavior.word().into(),
                yes_no_word(a.inpass).into(),
                yes_no_word(a.soft).into(),
                yes_no_word(a.session_key_pfs).into(),
            ]
        })
        .collect();
    table(
        &["FilterAction Name", "Action", "Inpass", "Soft", "QMPFS"],
        rows,
        lay,
        out,
    );
}

pub fn rule_table(snap: &Snapshot, p: &Policy, lay: &Layout, out: &mut Vec<String>) {
    let rows = p
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.name.clone(),
                snap.filter_list(r.filter_list)
                    .map_or("(missing)".into(), |l| l.name.clone()),
                snap.filter_action(r.filter_action)
                    .map_or("(missing)".into(), |a| a.name.clone()),
                if r.active { "YES" } else { "NO" }.into(),
            ]
        })
        .collect();
    table(
        &[
            "Rule ID",
            "Rule Name",
            "FilterList",
            "FilterAction",
            "Active",
        ],
        rows,
        lay,
        out,
    );
}

/// `level=verbose`: each rule's filter list and filter action under the policy.
pub fn verbose_rules(snap: &Snapshot, p: &Policy, out: &mut Vec<String>) {
    for (i, r) in p.rules.iter().enumerate() {
        out.push(format!("Rule ID {} details: {}", i + 1, r.name));
        if let Some(l) = snap.filter_list(r.filter_list) {
            filter_list(l, out);
        }
        if let Some(a) = snap.filter_action(r.filter_action) {
            filter_action(a, out);
        }
    }
}

/// `show rule default policy=P`: the default response rule.
pub fn default_rule(p: &Policy, out: &mut Vec<String>) {
    let d = &p.default_response;
    out.push(format!("Default Response Rule of policy {}", p.name));
    out.push(format!(
        "Activated              : {}",
        yes_no_word(d.active).to_ascii_uppercase()
    ));
    out.push(format!(
        "Authentication         : {}",
        auth_text(&d.authentication)
    ));
    out.push(format!(
        "Security Methods       : {}",
        if d.methods.is_empty() {
            "(defaults)".to_string()
        } else {
            qm_methods_text(&d.methods)
        }
    ));
    out.push(format!(
        "QMPFS                  : {}",
        yes_no_word(d.session_key_pfs)
    ));
    out.push(String::new());
}
