//! Multi-step interactions started by a command: opening and committing forms, asking
//! before deletes, assigning, previews, the packet lab, jumps from diagnostics. Called from
//! `update` only; every state change here happens inside an `update` call.

use std::time::Instant;

use super::action::{AnalyzeRequest, Effect};
use super::analysis::{self, Severity};
use super::app::{App, Confirm, Focus, Mode, View};
use super::cursor;
use super::edit::{self, Target};
use super::forms::{Form, objects};
use super::update::{analyze, edit};
use super::wizard::{self as wiz, Step, Wizard};
use crate::core::model::OsProfile;

/// The packets of the seed scenarios, for F2..F7 in the lab.
pub const PRESETS: [(&str, &str); 6] = [
    ("kerberos", "udp 203.0.113.5:88 -> me:1434"),
    ("ike", "udp 203.0.113.5:500 -> me:500"),
    ("rsvp", "rsvp 203.0.113.5 -> me"),
    ("broadcast", "udp 192.168.1.20:137 -> 192.168.1.255:137"),
    ("multicast", "udp 192.168.1.20:5353 -> 224.0.0.251:5353"),
    ("ipv6", "udp [2001:db8::5]:53 -> [2001:db8::1]:1434"),
];

fn open_form(app: &mut App, mut form: Form) -> Vec<Effect> {
    form.validate(&app.doc.snapshot.host);
    form.base = Some((app.analysis.table.len(), app.analysis.diagnostics.len()));
    app.mode = Mode::Form(Box::new(form));
    Vec::new()
}

pub fn open_add(app: &mut App) -> Vec<Effect> {
    let s = &app.doc.snapshot;
    let form = match (app.view, app.focus) {
        // The rule wizard: from the rules pane, or when there is no policy yet.
        (View::Policies, Focus::Main) if s.policies.is_empty() => {
            app.mode = Mode::Wizard(Box::new(Wizard::new(None, s)));
            return Vec::new();
        }
        (View::Policies, Focus::Main) => objects::policy(s, None),
        (View::Policies, Focus::Children) => {
            let policy = s.policies.get(app.sel.policy).map(|p| p.name.clone());
            app.mode = Mode::Wizard(Box::new(Wizard::new(policy.as_deref(), s)));
            return Vec::new();
        }
        (View::Lists, Focus::Main) => objects::filter_list(s, None),
        (View::Lists, Focus::Children) => match s.filter_lists.get(app.sel.list) {
            Some(l) => objects::filter(s, l.id, None),
            None => return nothing(app, "add a filter list first"),
        },
        (View::Actions, Focus::Main) => objects::filter_action(s, None),
        _ => return Vec::new(),
    };
    open_form(app, form)
}

pub fn open_edit(app: &mut App) -> Vec<Effect> {
    let s = &app.doc.snapshot;
    let form = match cursor::selected_target(app) {
        Some(Target::Policy(id)) => objects::policy(s, Some(id)),
        Some(Target::Rule { policy, rule }) => objects::rule(s, policy, Some(rule)),
        Some(Target::FilterList(id)) => objects::filter_list(s, Some(id)),
        Some(Target::Filter { list, index }) => objects::filter(s, list, Some(index)),
        Some(Target::FilterAction(id)) => objects::filter_action(s, Some(id)),
        Some(Target::Host) => objects::host(s),
        None => return nothing(app, "nothing selected"),
    };
    open_form(app, form)
}

fn nothing(app: &mut App, why: &str) -> Vec<Effect> {
    app.info(why);
    Vec::new()
}

pub fn commit_form(app: &mut App, mut form: Form) -> Vec<Effect> {
    app.recheck_due = None;
    form.validate(&app.doc.snapshot.host);
    if form.has_errors() {
        app.error("fix the fields marked in red first (Esc cancels)");
        app.mode = Mode::Form(Box::new(form));
        return Vec::new();
    }
    let mut candidate = app.doc.snapshot.clone();
    match objects::commit(&form, &mut candidate) {
        Ok(target) => {
            let what = form.title.to_lowercase();
            let fx = edit(app, &what, |s| *s = candidate);
            if fx.is_empty() {
                app.info("no change");
            } else {
                cursor::select(app, target);
                app.info(format!("{what}: done (Ctrl-s saves, u undoes)"));
            }
            // The whole policy is re-checked on commit (the `analyze` in `edit`).
            fx
        }
        Err((key, e)) => {
            form.set_error(key, e);
            if let Some(i) = form.fields.iter().position(|f| f.key == key) {
                form.focus = i;
            }
            app.mode = Mode::Form(Box::new(form));
            Vec::new()
        }
    }
}

/// The debounced engine re-check of a form's edit: analyze the snapshot as it would be.
pub fn recheck_form(app: &mut App) -> Vec<Effect> {
    let Mode::Form(form) = &app.mode else {
        return Vec::new();
    };
    if form.has_errors() {
        return Vec::new();
    }
    let mut candidate = app.doc.snapshot.clone();
    if objects::commit(form, &mut candidate).is_err() {
        return Vec::new();
    }
    app.generation += 1;
    vec![Effect::Analyze(Box::new(AnalyzeRequest {
        generation: app.generation,
        snapshot: candidate,
        preview: app.preview,
    }))]
}

/// After an analysis arrives, tell an open form what its edit does to the table.
pub fn form_live_line(app: &mut App) {
    let (rows, diags) = (app.analysis.table.len(), app.analysis.diagnostics.len());
    let unavailable = app.analysis.unavailable.is_some();
    if let Mode::Form(form) = &mut app.mode
        && let Some((r0, d0)) = form.base
        && !unavailable
    {
        let dr = rows as i64 - r0 as i64;
        let dd = diags as i64 - d0 as i64;
        let plural = |n: i64, one: &str, many: &str| {
            if n.abs() == 1 {
                one.to_string()
            } else {
                many.to_string()
            }
        };
        form.live = Some(format!(
            "effect: {dr:+} {} in the effective table, {dd:+} {}",
            plural(dr, "row", "rows"),
            plural(dd, "diagnostic", "diagnostics")
        ));
    }
}

pub fn ask_delete(app: &mut App) -> Vec<Effect> {
    let Some(target) = cursor::selected_target(app) else {
        return nothing(app, "nothing selected");
    };
    if target == Target::Host {
        return nothing(app, "the host context cannot be deleted; edit it with e");
    }
    match edit::delete_impact(&app.doc.snapshot, target) {
        Some(impact) => {
            app.mode = Mode::Confirm(Confirm::Delete { target, impact });
            Vec::new()
        }
        None => delete_now(app, target),
    }
}

pub fn delete_now(app: &mut App, target: Target) -> Vec<Effect> {
    let what = format!("delete {}", target.describe(&app.doc.snapshot));
    let fx = edit(app, &what, |s| {
        edit::delete(s, target);
    });
    app.info(format!("{what}: done (u undoes)"));
    fx
}

pub fn toggle_assign(app: &mut App) -> Vec<Effect> {
    if app.view != View::Policies {
        return Vec::new();
    }
    let Some(p) = app.doc.snapshot.policies.get(app.sel.policy) else {
        return nothing(app, "no policy selected");
    };
    let (id, name) = (p.id, p.name.clone());
    if app.doc.snapshot.assigned == Some(id) {
        let fx = edit(app, &format!("unassign {name}"), |s| s.assigned = None);
        app.info(format!("unassigned {name:?}: no policy is active"));
        fx
    } else {
        let previous = app
            .doc
            .snapshot
            .assigned
            .and_then(|a| app.doc.snapshot.policies.iter().find(|p| p.id == a))
            .map(|p| p.name.clone());
        let fx = edit(app, &format!("assign {name}"), |s| s.assigned = Some(id));
        app.info(match previous {
            Some(prev) => format!("assigned {name:?} ({prev:?} is no longer assigned)"),
            None => format!("assigned {name:?}"),
        });
        fx
    }
}

/// `]`/`[`: in view 4 a preview of NoDefaultExempt, in view 6 the stored value.
pub fn cycle_exempt(app: &mut App, forward: bool) -> Vec<Effect> {
    // absent, 0, 1, 2, 3 in a ring.
    let ring = [None, Some(0), Some(1), Some(2), Some(3)];
    let step = |cur: Option<u32>| {
        let i = ring.iter().position(|v| *v == cur).unwrap_or(0);
        ring[if forward {
            (i + 1) % ring.len()
        } else {
            (i + ring.len() - 1) % ring.len()
        }]
    };
    if app.view == View::Host {
        let next = step(app.doc.snapshot.host.no_default_exempt);
        return edit(app, "set NoDefaultExempt", |s| {
            s.host.no_default_exempt = next
        });
    }
    let cur = app
        .preview
        .no_default_exempt
        .unwrap_or(app.doc.snapshot.host.no_default_exempt);
    app.preview.no_default_exempt = Some(step(cur));
    start_preview(app)
}

pub fn cycle_profile(app: &mut App, forward: bool) -> Vec<Effect> {
    let turn = |p: OsProfile| if forward { p.next() } else { p.prev() };
    if app.view == View::Host {
        let next = turn(app.doc.snapshot.host.profile);
        return edit(app, "set OS profile", |s| s.host.profile = next);
    }
    let cur = app.preview.profile.unwrap_or(app.doc.snapshot.host.profile);
    app.preview.profile = Some(turn(cur));
    start_preview(app)
}

fn start_preview(app: &mut App) -> Vec<Effect> {
    // Back at the stored values, the preview is over.
    let h = &app.doc.snapshot.host;
    if app.preview.profile == Some(h.profile)
        && app.preview.no_default_exempt == Some(h.no_default_exempt)
    {
        app.preview = Default::default();
    }
    vec![analyze(app)]
}

pub fn preset(app: &mut App, n: u8) {
    if let Some((_, packet)) = PRESETS.get(n as usize) {
        app.lab.set_input(packet);
        run_packet(app);
    }
}

pub fn run_packet(app: &mut App) {
    let text = app.lab.text();
    if !text.trim().is_empty() && app.lab.history.last() != Some(&text) {
        app.lab.history.push(text.clone());
    }
    app.lab.recalled = None;
    app.lab.packet = text.clone();
    explain_again(app);
    app.lab.ran_at = Some(Instant::now());
    app.lab.scroll = 0;
}

/// Re-explains the lab's last packet on the current snapshot and preview (called on every
/// change of either, so the lab never shows an answer about another context). Its row
/// numbers belong to the analysis of `app.generation`; until that arrives the lab says
/// it is recomputing.
pub fn explain_again(app: &mut App) {
    if app.lab.result.is_none() && app.lab.packet.is_empty() {
        return;
    }
    let text = app.lab.packet.clone();
    app.lab.result = Some(analysis::explain(&app.doc.snapshot, &app.preview, &text));
    app.lab.generation = app.generation;
}

/// Esc in normal mode ends a preview of view 4: back to the stored values.
pub fn end_preview(app: &mut App) -> Vec<Effect> {
    app.preview = Default::default();
    app.info("preview ended: the table shows the stored host context");
    vec![analyze(app)]
}

pub fn jump_to_diagnostic(app: &mut App) {
    let Some(d) = app.analysis.diagnostics.get(app.sel.diagnostic) else {
        return;
    };
    let (target, code, sev) = (d.target, d.code.clone(), d.severity);
    match target {
        Some(t) => {
            cursor::select(app, t);
            let kind = match sev {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Finding => "finding",
            };
            app.info(format!("{code}: jumped to the {kind}'s object"));
        }
        None => app.info(format!("{code} concerns the whole policy")),
    }
}

/// One key in the wizard. `None`: the wizard stays open (the caller puts it back).
pub fn wizard_key(
    app: &mut App,
    w: &mut Wizard,
    key: crossterm::event::KeyEvent,
) -> Option<Vec<Effect>> {
    let before = w.step;
    match w.key(key, &app.doc.snapshot) {
        wiz::Outcome::Stay => {
            if w.step == Step::Review && before != Step::Review {
                w.adds = wizard_adds(app, w);
            }
            None
        }
        wiz::Outcome::Cancel => {
            app.info("wizard cancelled; nothing changed");
            Some(Vec::new())
        }
        wiz::Outcome::Commit => match w.build(&app.doc.snapshot) {
            Ok(candidate) => {
                let what = format!("add rule {} (wizard)", w.rule);
                let fx = edit(app, &what, |s| *s = candidate);
                if let Some(p) = app.doc.snapshot.policy_named(&w.policy) {
                    let (pid, rid) = (
                        p.id,
                        p.rules.iter().find(|r| r.name == w.rule).map(|r| r.id),
                    );
                    if let Some(rule) = rid {
                        cursor::select(app, Target::Rule { policy: pid, rule });
                    }
                }
                let assigned = if w.assign {
                    "; the policy is assigned"
                } else {
                    ""
                };
                app.info(format!(
                    "added rule {:?} to {:?}{assigned} (Ctrl-s saves, u undoes, a adds another)",
                    w.rule, w.policy
                ));
                Some(fx)
            }
            Err(e) => {
                w.error = Some(e);
                None
            }
        },
    }
}

/// The effective rows the wizard's rule adds, one line each, as the table shows them.
fn wizard_adds(app: &App, w: &Wizard) -> Vec<String> {
    let Ok(candidate) = w.build(&app.doc.snapshot) else {
        return Vec::new();
    };
    let now = analysis::analyze_now(&app.doc.snapshot, app.preview, 0);
    let then = analysis::analyze_now(&candidate, app.preview, 0);
    let old: std::collections::HashSet<String> = now.table.iter().map(|r| r.key()).collect();
    let mut out: Vec<String> = then
        .table
        .iter()
        .filter(|r| !old.contains(&r.key()))
        .map(|r| {
            let port = |p: &str| {
                if p.is_empty() {
                    "*".to_string()
                } else {
                    p.to_string()
                }
            };
            format!(
                "+ {:<4} {:<15} -> {:<15} {:<5} {:>5} {:>5}  {}",
                r.direction,
                r.src,
                r.dst,
                r.protocol,
                port(&r.src_port),
                port(&r.dst_port),
                r.action.word()
            )
        })
        .collect();
    if out.is_empty() {
        out.push(
            if w.assign
                || candidate
                    .assigned
                    .is_some_and(|a| Some(a) == candidate.policy_named(&w.policy).map(|p| p.id))
            {
                "no rows: check the host has an address (view 6, e) if the filters use me".into()
            } else {
                "no rows yet: the policy is not assigned (Space assigns it)".into()
            },
        );
    }
    out
}
