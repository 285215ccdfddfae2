//! View 3, Filter actions: the actions (permit / block / negotiate), the selected action's
//! settings and who uses it (actions are shared between rules).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use super::{behavior_style, behavior_word, block, fit, safe};
use crate::core::model::FilterAction;
use crate::tui::app::{App, Focus};
use crate::tui::forms::parse;
use crate::tui::theme::Role;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.doc.snapshot;
    let left_w = (area.width / 3).clamp(24, 40);
    let (left, right) = super::side_by_side(area, left_w, true);
    let width = left.width.saturating_sub(11) as usize;
    let items: Vec<ListItem> = s
        .filter_actions
        .iter()
        .map(|a| {
            ListItem::new(Line::from(vec![
                Span::styled(
                    format!(" {:<7}", behavior_word(a.behavior)),
                    behavior_style(app, a.behavior),
                ),
                Span::raw(fit(&safe(&a.name), width)),
            ]))
        })
        .collect();
    let focused = app.focus == Focus::Main;
    let list = List::new(items)
        .block(block(app, "Filter actions".into(), focused))
        .highlight_symbol(">")
        .highlight_style(
            app.theme
                .style(if focused { Role::Selected } else { Role::Dim }),
        );
    let mut st = ListState::default()
        .with_selected((!s.filter_actions.is_empty()).then_some(app.sel.action));
    frame.render_stateful_widget(list, left, &mut st);
    match s.filter_actions.get(app.sel.action) {
        Some(a) => detail(frame, right, app, a),
        None => frame.render_widget(
            Paragraph::new(" No filter actions: press a to add one.").block(block(
                app,
                "Action".into(),
                false,
            )),
            right,
        ),
    }
}

fn detail(frame: &mut Frame, area: Rect, app: &App, a: &FilterAction) {
    let t = &app.theme;
    let s = &app.doc.snapshot;
    // Labels are at most 11 characters: the 12th column is the gap before the value.
    let label = |l: &str| Span::styled(format!("{l:<11} "), t.style(Role::Label));
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut lines = vec![Line::from(vec![
        label("Action"),
        Span::styled(behavior_word(a.behavior), behavior_style(app, a.behavior)),
    ])];
    if !a.description.is_empty() {
        lines.push(Line::from(vec![
            label("Description"),
            Span::raw(a.description.clone()),
        ]));
    }
    if a.behavior == crate::core::model::Behavior::Negotiate {
        let methods = if a.methods.is_empty() {
            "none (negotiation cannot succeed)".to_string()
        } else {
            parse::methods_text(&a.methods)
        };
        lines.push(Line::from(vec![label("Methods"), Span::raw(methods)]));
        lines.push(Line::from(vec![
            label("Inpass"),
            Span::raw(format!(
                "{} (accept unsecured in, answer secured)",
                yes(a.inpass)
            )),
        ]));
        lines.push(Line::from(vec![
            label("Fallback"),
            Span::raw(format!("{} (soft: clear to non-IPsec peers)", yes(a.soft))),
        ]));
        lines.push(Line::from(vec![
            label("Session PFS"),
            Span::raw(yes(a.session_key_pfs)),
        ]));
    }
    let usage = s.filter_action_usage(a.id);
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "Used by {} rule{}",
            usage.rule_count(),
            crate::tui::edit::plural(usage.rule_count())
        ),
        t.style(Role::Header),
    )));
    for (p, r) in &usage.rules {
        if let Some(p) = s.policy(*p)
            && let Some(r) = p.rules.iter().find(|x| x.id == *r)
        {
            lines.push(Line::from(format!(
                "  {} (policy {})",
                safe(&r.name),
                safe(&p.name)
            )));
        }
    }
    if usage.rules.is_empty() {
        lines.push(Line::from(Span::styled(
            "  nothing uses this action",
            t.style(Role::Warning),
        )));
    }
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, safe(&a.name), false));
    frame.render_widget(para, area);
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::classroom;

    #[test]
    fn actions_view() {
        let mut app = app_on(classroom());
        keys(&mut app, "3 G");
        insta::assert_snapshot!("actions_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("actions_120x40", render(&app, 120, 40));
    }
}
