//! Dynamic main-mode and quick-mode policies: `add|set|delete mmpolicy|qmpolicy`.
//! Defaults from Microsoft's reference: qmpermm 0, mmlifetime 480 minutes,
//! softsaexpirationtime 0, soft no, pfsgroup nopfs. A policy a rule uses cannot be
//! deleted (netsh refuses it too). `set qmpolicy` re-derives the negotiate actions of the
//! rules that use it.

use super::super::lexer::Arg;
use super::super::params::{self, Bound, bind};
use super::super::values;
use super::super::{Cmd, Done, NetshError};
use crate::core::model::{DynamicMmPolicy, DynamicQmPolicy, PfsGroup, Snapshot};

fn name_of<'a>(b: &Bound<'a>, cmd: &Cmd) -> Result<&'a Arg, NetshError> {
    b.get("name").ok_or_else(|| {
        cmd.err(
            cmd.end_col,
            cmd.name,
            "missing name",
            format!("write {} name=NAME (or name=all)", cmd.name),
        )
    })
}

fn mm_settings(p: &mut DynamicMmPolicy, b: &Bound, line: usize) -> Result<(), NetshError> {
    if let Some(a) = b.get("qmpermm") {
        p.qm_per_mm = values::number(a, line)?;
    }
    if let Some(a) = b.get("mmlifetime") {
        p.lifetime_minutes = values::number(a, line)?;
    }
    if let Some(a) = b.get("softsaexpirationtime") {
        p.soft_sa_expiration_secs = values::number(a, line)?;
    }
    if let Some(a) = b.get("mmsecmethods") {
        p.methods = values::mm_methods(a, line)?;
    }
    Ok(())
}

fn qm_settings(p: &mut DynamicQmPolicy, b: &Bound, line: usize) -> Result<(), NetshError> {
    if let Some(a) = b.get("soft") {
        p.soft = values::yes_no(a, line)?;
    }
    if let Some(a) = b.get("pfsgroup") {
        p.pfs_group = PfsGroup::from_word(a.value.trim()).ok_or_else(|| {
            NetshError::new(
                line,
                a.value_col,
                a.value.clone(),
                format!("unknown pfsgroup '{}'", a.value),
                "write grp1, grp2, grp3, grpmm or nopfs",
            )
        })?;
    }
    if let Some(a) = b.get("qmsecmethods") {
        p.methods = values::qm_methods(a, line)?;
    }
    Ok(())
}

fn exists(cmd: &Cmd, name: &Arg, kind: &str) -> NetshError {
    cmd.err(
        name.value_col,
        name.value.clone(),
        format!("a {kind} named '{}' already exists", name.value),
        format!("use set {kind} to change it, or choose another name"),
    )
}

fn missing(cmd: &Cmd, name: &Arg, kind: &str, known: Vec<&str>) -> NetshError {
    cmd.err(
        name.value_col,
        name.value.clone(),
        format!("no {kind} named '{}'", name.value),
        if known.is_empty() {
            format!("there are no dynamic {kind}s yet: add one with add {kind} name=NAME")
        } else {
            format!("known: {}", known.join(", "))
        },
    )
}

pub fn add_mm(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(
        cmd.name,
        params::DYNAMIC_ADD_MMPOLICY,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    let name = name_of(&b, cmd)?;
    if snap.host.spd.mm_policy(&name.value).is_some() {
        return Err(exists(cmd, name, "mmpolicy"));
    }
    let mut p = DynamicMmPolicy::new(name.value.clone());
    mm_settings(&mut p, &b, cmd.line)?;
    snap.host.spd.mm_policies.push(p);
    Ok(Done::change(format!(
        "added dynamic main-mode policy '{}'",
        name.value
    )))
}

pub fn add_qm(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(
        cmd.name,
        params::DYNAMIC_ADD_QMPOLICY,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    let name = name_of(&b, cmd)?;
    if snap.host.spd.qm_policy(&name.value).is_some() {
        return Err(exists(cmd, name, "qmpolicy"));
    }
    let mut p = DynamicQmPolicy {
        name: name.value.clone(),
        soft: false,
        pfs_group: PfsGroup::NoPfs,
        methods: Vec::new(),
    };
    qm_settings(&mut p, &b, cmd.line)?;
    snap.host.spd.qm_policies.push(p);
    Ok(Done::change(format!(
        "added dynamic quick-mode policy '{}'",
        name.value
    )))
}

/// Indexes of the policies `name` selects (`all` unquoted: every one).
fn select<T>(list: &[T], name: &Arg, get: fn(&T) -> &str) -> Vec<usize> {
    if !name.quoted && name.value.eq_ignore_ascii_case("all") {
        return (0..list.len()).collect();
    }
    list.iter()
        .position(|p| get(p).eq_ignore_ascii_case(&name.value))
        .into_iter()
        .collect()
}

pub fn set_mm(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(
        cmd.name,
        params::DYNAMIC_SET_MMPOLICY,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    let name = name_of(&b, cmd)?;
    let spd = &mut snap.host.spd;
    let picked = select(&spd.mm_policies, name, |p| &p.name);
    if picked.is_empty() {
        let known = spd.mm_policies.iter().map(|p| p.name.as_str()).collect();
        return Err(missing(cmd, name, "mmpolicy", known));
    }
    let mut done = Done::default();
    for i in picked {
        let mut p = spd.mm_policies[i].clone();
        mm_settings(&mut p, &b, cmd.line)?;
        done.changes
            .push(format!("changed dynamic main-mode policy '{}'", p.name));
        spd.mm_policies[i] = p;
    }
    Ok(done)
}

pub fn set_qm(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    let b = bind(
        cmd.name,
        params::DYNAMIC_SET_QMPOLICY,
        args,
        cmd.line,
        cmd.end_col,
    )?;
    let name = name_of(&b, cmd)?;
    let picked = select(&snap.host.spd.qm_policies, name, |p| &p.name);
    if picked.is_empty() {
        let known = snap
            .host
            .spd
            .qm_policies
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        return Err(missing(cmd, name, "qmpolicy", known));
    }
    let mut done = Done::default();
    for i in picked {
        let mut p = snap.host.spd.qm_policies[i].clone();
        qm_settings(&mut p, &b, cmd.line)?;
        done.changes
            .push(format!("changed dynamic quick-mode policy '{}'", p.name));
        snap.host.spd.qm_policies[i] = p.clone();
        super::rules::refresh_negotiation(snap, &p);
    }
    Ok(done)
}

/// The rules that use a policy, for the "in use" refusal.
fn users(snap: &Snapshot, name: &str, mm: bool) -> usize {
    snap.dynamic
        .iter()
        .filter_map(|d| d.netsh.as_ref())
        .filter(|r| {
            let used = if mm {
                Some(r.mm_policy.as_str())
            } else {
                r.qm_policy.as_deref()
            };
            used.is_some_and(|u| u.eq_ignore_ascii_case(name))
        })
        .count()
}

fn delete(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd, mm: bool) -> Result<Done, NetshError> {
    let kind = if mm { "mmpolicy" } else { "qmpolicy" };
    let b = bind(cmd.name, params::DYNAMIC_NAMED, args, cmd.line, cmd.end_col)?;
    let name = name_of(&b, cmd)?;
    let names: Vec<String> = if mm {
        let l = &snap.host.spd.mm_policies;
        select(l, name, |p| &p.name)
            .into_iter()
            .map(|i| l[i].name.clone())
            .collect()
    } else {
        let l = &snap.host.spd.qm_policies;
        select(l, name, |p| &p.name)
            .into_iter()
            .map(|i| l[i].name.clone())
            .collect()
    };
    if names.is_empty() && (name.quoted || !name.value.eq_ignore_ascii_case("all")) {
        let known = if mm {
            snap.host
                .spd
                .mm_policies
                .iter()
                .map(|p| p.name.as_str())
                .collect()
        } else {
            snap.host
                .spd
                .qm_policies
                .iter()
                .map(|p| p.name.as_str())
                .collect()
        };
        return Err(missing(cmd, name, kind, known));
    }
    for n in &names {
        let count = users(snap, n, mm);
        if count > 0 {
            return Err(cmd.err(
                name.value_col,
                name.value.clone(),
                format!("{kind} '{n}' is used by {count} dynamic rule(s)"),
                "delete or change those rules first (delete rule …, or delete all)",
            ));
        }
    }
    let spd = &mut snap.host.spd;
    if mm {
        spd.mm_policies.retain(|p| !names.contains(&p.name));
    } else {
        spd.qm_policies.retain(|p| !names.contains(&p.name));
    }
    Ok(Done {
        changes: names
            .iter()
            .map(|n| format!("deleted dynamic {kind} '{n}'"))
            .collect(),
        ..Done::default()
    })
}

pub fn delete_mm(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    delete(snap, args, cmd, true)
}

pub fn delete_qm(snap: &mut Snapshot, args: &[Arg], cmd: &Cmd) -> Result<Done, NetshError> {
    delete(snap, args, cmd, false)
}
