//! The diagnostics panel: live `check` results (errors, warnings, findings), one line
//! each (code and a summary that fits), and for the selected item its whole message and
//! hint, wrapped, with the fix kept in view. Enter jumps to the offending object. Opened
//! and focused with `!`; it grows while focused and shrinks to the list when not.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::block;
use super::wrap::{self, Pinned, fit_words};
use crate::tui::analysis::{Diagnostic, Severity};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Role;

/// Items listed at once while the detail shows; more scroll.
const LIST_MAX: u16 = 5;

/// The panel's height in a body of `body` lines: while focused, as tall as the selected
/// item needs (keeping six lines of the view above); otherwise a third of the body.
pub fn height(app: &App, body_area: Rect) -> u16 {
    let body = body_area.height;
    let small = (body / 3).clamp(4, 12);
    if app.focus != Focus::Diagnostics {
        return small.min(body);
    }
    let inner_w = body_area.width.saturating_sub(2) as usize;
    let list = list_height(app);
    let detail = selected(app).map_or(0, |d| {
        let p = detail_lines(app, d, inner_w);
        p.middle.len() + p.bottom.len()
    }) as u16;
    let cap = (body * 3 / 5).max(body.saturating_sub(6));
    (list + detail + 2).min(cap).max(small.min(body))
}

fn list_height(app: &App) -> u16 {
    (app.analysis.diagnostics.len() as u16).clamp(1, LIST_MAX)
}

fn selected(app: &App) -> Option<&Diagnostic> {
    if app.analysis.unavailable.is_some() {
        return None;
    }
    app.analysis.diagnostics.get(app.sel.diagnostic)
}

fn role_of(d: &Diagnostic) -> Role {
    match d.severity {
        Severity::Error => Role::Error,
        Severity::Warning => Role::Warning,
        Severity::Finding => Role::Finding,
    }
}

/// The selected item whole: its message (scrolls) and its hint (always shown).
fn detail_lines(app: &App, d: &Diagnostic, width: usize) -> Pinned {
    let t = &app.theme;
    let lines = |first: &str, text: &str, role: Role| -> Vec<Line<'static>> {
        wrap::hanging(first, "      ", text, width)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.style(role))))
            .collect()
    };
    Pinned {
        top: Vec::new(),
        middle: lines(&format!(" {:<5}", d.code), &d.message, Role::Base),
        bottom: if d.hint.is_empty() {
            Vec::new()
        } else {
            wrap::with_commands(app, "  fix: ", "      ", &d.hint, width)
        },
    }
}

/// Where the detail goes inside the panel, if the panel shows one.
fn split(app: &App, inner: Rect) -> (Rect, Option<Rect>) {
    let focused = app.focus == Focus::Diagnostics;
    let list_h = list_height(app);
    if !focused || selected(app).is_none() || inner.height <= list_h {
        return (inner, None);
    }
    let [list, detail] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
    (list, Some(detail))
}

/// How far J can scroll the selected item's message at the current size.
pub fn scroll_limit(app: &App) -> u16 {
    let Some(area) = super::current_layout(app).diagnostics else {
        return 0;
    };
    let inner = block(app, String::new(), true).inner(area);
    match (split(app, inner), selected(app)) {
        ((_, Some(detail)), Some(d)) => {
            let p = detail_lines(app, d, detail.width as usize);
            wrap::scroll_limit(&p, detail.height as usize) as u16
        }
        _ => 0,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let a = &app.analysis;
    let focused = app.focus == Focus::Diagnostics;
    let title = format!(
        "Diagnostics  E{} W{} F{}{}{}",
        a.count(Severity::Error),
        a.count(Severity::Warning),
        a.count(Severity::Finding),
        if a.omitted > 0 {
            format!(
                "  ({} listed, {} per code)",
                a.diagnostics.len(),
                crate::tui::analysis::LISTED_PER_CODE
            )
        } else {
            String::new()
        },
        if app.analysis_pending() {
            "  checking..."
        } else {
            ""
        }
    );
    let outer = block(app, title, focused);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    // One column for the `>` marker, five for the code.
    let width = inner.width.saturating_sub(1) as usize;
    let items: Vec<ListItem> = if let Some(why) = &a.unavailable {
        vec![ListItem::new(Span::styled(
            fit_words(&format!("no checks: {why}"), width),
            t.style(Role::Warning),
        ))]
    } else if a.diagnostics.is_empty() {
        vec![ListItem::new(Span::styled(
            "no errors, warnings or findings",
            t.style(Role::Dim),
        ))]
    } else {
        a.diagnostics
            .iter()
            .map(|d| {
                ListItem::new(Line::from(vec![
                    Span::styled(format!("{:<5}", d.code), t.style(role_of(d))),
                    Span::raw(fit_words(&d.summary, width.saturating_sub(5))),
                ]))
            })
            .collect()
    };
    let (list_area, detail_area) = split(app, inner);
    let has_items = selected(app).is_some();
    let list = List::new(items)
        .highlight_symbol(">")
        .highlight_style(t.style(if focused { Role::Selected } else { Role::Base }));
    let mut st = ListState::default().with_selected(has_items.then_some(app.sel.diagnostic));
    frame.render_stateful_widget(list, list_area, &mut st);
    if let (Some(area), Some(d)) = (detail_area, selected(app)) {
        let parts = detail_lines(app, d, area.width as usize);
        let lines = wrap::fold(parts, area.height as usize, app.detail_scroll as usize);
        frame.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::app::View;
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::kb813878;

    #[test]
    fn the_kerberos_bypass_finding_jumps_to_its_filter() {
        let mut app = app_on(kb813878());
        keys(&mut app, "!");
        insta::assert_snapshot!("diagnostics_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("diagnostics_120x40", render(&app, 120, 40));
        let i = app
            .analysis
            .diagnostics
            .iter()
            .position(|d| d.message.contains("kerberos"));
        let i = i.expect("a kerberos finding");
        app.sel.diagnostic = i;
        keys(&mut app, "enter");
        assert_eq!(app.view, View::Lists);
    }
}
