//! The diagnostics panel: live `check` results (errors, warnings, findings), each with its
//! hint; Enter jumps to the offending object. Opened and focused with `!`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};

use super::{block, fit};
use crate::tui::analysis::Severity;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Role;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let a = &app.analysis;
    let focused = app.focus == Focus::Diagnostics;
    let width = area.width.saturating_sub(4) as usize;
    let title = format!(
        "Diagnostics  E{} W{} F{}{}",
        a.count(Severity::Error),
        a.count(Severity::Warning),
        a.count(Severity::Finding),
        if app.analysis_pending() {
            "  checking..."
        } else {
            ""
        }
    );
    let items: Vec<ListItem> = if let Some(why) = &a.unavailable {
        vec![ListItem::new(Span::styled(
            fit(&format!("no checks: {why}"), width),
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
            .enumerate()
            .map(|(i, d)| {
                let role = match d.severity {
                    Severity::Error => Role::Error,
                    Severity::Warning => Role::Warning,
                    Severity::Finding => Role::Finding,
                };
                let mut lines = vec![Line::from(vec![
                    Span::styled(format!("{:<5}", d.code), t.style(role)),
                    Span::raw(fit(&d.message, width.saturating_sub(5))),
                ])];
                // The hint of the selected item only: the panel is small.
                if i == app.sel.diagnostic && !d.hint.is_empty() {
                    lines.push(Line::from(Span::styled(
                        fit(&format!("     fix: {}", d.hint), width),
                        t.style(Role::Hint),
                    )));
                }
                ListItem::new(lines)
            })
            .collect()
    };
    let has_items = a.unavailable.is_none() && !a.diagnostics.is_empty();
    let list = List::new(items)
        .block(block(app, title, focused))
        .highlight_symbol(">")
        .highlight_style(t.style(if focused { Role::Selected } else { Role::Base }));
    let mut st = ListState::default().with_selected(has_items.then_some(app.sel.diagnostic));
    frame.render_stateful_widget(list, area, &mut st);
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
