//! Cursor and focus bookkeeping: which object is selected, moving through lists, keeping
//! indexes valid after edits. Called from `update` only.

use super::action::Command;
use super::app::{App, Focus, View};
use super::edit::Target;

const PAGE: usize = 10;

pub fn has_children(view: View) -> bool {
    matches!(view, View::Policies | View::Lists)
}

/// The object the focused pane points at.
pub fn selected_target(app: &App) -> Option<Target> {
    let s = &app.doc.snapshot;
    match (app.view, app.focus) {
        (View::Policies, Focus::Main) => {
            s.policies.get(app.sel.policy).map(|p| Target::Policy(p.id))
        }
        (View::Policies, Focus::Children) => {
            let p = s.policies.get(app.sel.policy)?;
            let r = p.rules.get(app.sel.rule)?;
            Some(Target::Rule {
                policy: p.id,
                rule: r.id,
            })
        }
        (View::Lists, Focus::Main) => s
            .filter_lists
            .get(app.sel.list)
            .map(|l| Target::FilterList(l.id)),
        (View::Lists, Focus::Children) => {
            let l = s.filter_lists.get(app.sel.list)?;
            (app.sel.filter < l.filters.len()).then_some(Target::Filter {
                list: l.id,
                index: app.sel.filter,
            })
        }
        (View::Actions, Focus::Main) => s
            .filter_actions
            .get(app.sel.action)
            .map(|a| Target::FilterAction(a.id)),
        (View::Host, Focus::Main) => Some(Target::Host),
        _ => None,
    }
}

/// Length of the focused list and a mutable handle on its cursor.
fn focused(app: &mut App) -> (usize, &mut usize) {
    let s = &app.doc.snapshot;
    let sel = &mut app.sel;
    match (app.view, app.focus) {
        (_, Focus::Diagnostics) => (app.analysis.diagnostics.len(), &mut sel.diagnostic),
        (View::Policies, Focus::Main) => (s.policies.len(), &mut sel.policy),
        (View::Policies, _) => (
            s.policies.get(sel.policy).map_or(0, |p| p.rules.len()),
            &mut sel.rule,
        ),
        (View::Lists, Focus::Main) => (s.filter_lists.len(), &mut sel.list),
        (View::Lists, _) => (
            s.filter_lists.get(sel.list).map_or(0, |l| l.filters.len()),
            &mut sel.filter,
        ),
        (View::Actions, _) => (s.filter_actions.len(), &mut sel.action),
        (View::Effective | View::Lab, _) => (app.analysis.table.len(), &mut sel.table_row),
        (View::Host, _) => (0, &mut sel.table_row),
    }
}

pub fn move_cursor(app: &mut App, cmd: Command) {
    let before = (app.sel.policy, app.sel.list);
    let (len, cur) = focused(app);
    let last = len.saturating_sub(1);
    *cur = match cmd {
        Command::Up => cur.saturating_sub(1),
        Command::Down => (*cur + 1).min(last),
        Command::PageUp => cur.saturating_sub(PAGE),
        Command::PageDown => (*cur + PAGE).min(last),
        Command::Top => 0,
        _ => last,
    };
    // A new parent means the child cursor points into a different list.
    if before.0 != app.sel.policy {
        app.sel.rule = 0;
    }
    if before.1 != app.sel.list {
        app.sel.filter = 0;
    }
}

pub fn cycle_focus(app: &mut App, forward: bool) {
    let mut order = vec![Focus::Main];
    if has_children(app.view) {
        order.push(Focus::Children);
    }
    if app.diagnostics_open {
        order.push(Focus::Diagnostics);
    }
    let i = order.iter().position(|f| *f == app.focus).unwrap_or(0);
    let n = order.len();
    app.focus = order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
}

/// Keeps every cursor inside its list (after deletes, undo, reloads).
pub fn clamp(app: &mut App) {
    let s = &app.doc.snapshot;
    let sel = &mut app.sel;
    let fit = |i: &mut usize, len: usize| *i = (*i).min(len.saturating_sub(1));
    fit(&mut sel.policy, s.policies.len());
    fit(
        &mut sel.rule,
        s.policies.get(sel.policy).map_or(0, |p| p.rules.len()),
    );
    fit(&mut sel.list, s.filter_lists.len());
    fit(
        &mut sel.filter,
        s.filter_lists.get(sel.list).map_or(0, |l| l.filters.len()),
    );
    fit(&mut sel.action, s.filter_actions.len());
    fit(&mut sel.table_row, app.analysis.table.len());
    fit(&mut sel.diagnostic, app.analysis.diagnostics.len());
}

/// Shows an object: switches view, focus and cursors to it.
pub fn select(app: &mut App, t: Target) {
    let s = &app.doc.snapshot;
    match t {
        Target::Policy(id) => {
            app.view = View::Policies;
            app.focus = Focus::Main;
            app.sel.policy = s.policies.iter().position(|p| p.id == id).unwrap_or(0);
        }
        Target::Rule { policy, rule } => {
            app.view = View::Policies;
            app.focus = Focus::Children;
            app.sel.policy = s.policies.iter().position(|p| p.id == policy).unwrap_or(0);
            app.sel.rule = s
                .policy(policy)
                .and_then(|p| p.rules.iter().position(|r| r.id == rule))
                .unwrap_or(0);
        }
        Target::FilterList(id) => {
            app.view = View::Lists;
            app.focus = Focus::Main;
            app.sel.list = s.filter_lists.iter().position(|l| l.id == id).unwrap_or(0);
        }
        Target::Filter { list, index } => {
            app.view = View::Lists;
            app.focus = Focus::Children;
            app.sel.list = s
                .filter_lists
                .iter()
                .position(|l| l.id == list)
                .unwrap_or(0);
            app.sel.filter = index;
        }
        Target::FilterAction(id) => {
            app.view = View::Actions;
            app.focus = Focus::Main;
            app.sel.action = s
                .filter_actions
                .iter()
                .position(|a| a.id == id)
                .unwrap_or(0);
        }
        Target::Host => {
            app.view = View::Host;
            app.focus = Focus::Main;
        }
    }
    clamp(app);
}
