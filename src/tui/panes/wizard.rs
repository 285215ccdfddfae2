//! The rule wizard drawn as a centered box: the answers so far, the question of the step
//! with its input, the error under it, and at review the effective rows the rule adds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, centered};
use crate::core::text::terminal_safe;
use crate::tui::app::App;
use crate::tui::theme::Role;
use crate::tui::wizard::{Step, Wizard};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let t = &app.theme;
    let safe = |s: &str| terminal_safe(s).into_owned();
    let answer = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {label:<13}"), t.style(Role::Label)),
            Span::raw(value),
        ])
    };
    let mut lines = Vec::new();
    if w.step != Step::Policy {
        lines.push(answer("Policy", safe(&w.policy)));
    }
    if w.step.number() > 2 {
        lines.push(answer("Rule", safe(&w.rule)));
    }
    if matches!(w.step, Step::Filters | Step::Action | Step::Review) {
        let existing = w.filters.is_empty();
        lines.push(answer(
            "Filter list",
            format!(
                "{}{}",
                safe(&w.list),
                if existing { " (existing)" } else { " (new)" }
            ),
        ));
        for (text, f) in &w.filters {
            lines.push(Line::from(Span::styled(
                format!("   {}  =  {}", safe(text), safe(&f.summary())),
                t.style(Role::Dim),
            )));
        }
    }
    if w.step == Step::Review {
        lines.push(answer("Action", safe(&w.action)));
        if let Some(i) = &w.interfaces {
            let shown: Vec<String> = i.iter().map(|i| i.to_string()).collect();
            lines.push(answer("Host address", shown.join(", ")));
        }
        lines.push(answer(
            "Assign",
            if w.assign {
                "[x] yes".into()
            } else {
                "[ ] no".into()
            },
        ));
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            " Effective rows this adds:",
            t.style(Role::Header),
        )));
        for a in &w.adds {
            lines.push(Line::from(Span::raw(format!(" {}", safe(a)))));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(" {}", w.question()),
        t.style(Role::Header),
    )));
    if w.step != Step::Review {
        let before: String = w.input.text.chars().take(w.input.cursor).collect();
        let after: String = w.input.text.chars().skip(w.input.cursor).collect();
        let mut after = after.chars();
        let at = after.next().map_or(" ".to_string(), String::from);
        lines.push(Line::from(vec![
            Span::styled(" > ", t.style(Role::Key)),
            Span::styled(safe(&before), t.style(Role::FieldFocus)),
            Span::styled(
                at,
                ratatui::style::Style::new()
                    .add_modifier(
                        ratatui::style::Modifier::UNDERLINED | ratatui::style::Modifier::BOLD,
                    )
                    .remove_modifier(ratatui::style::Modifier::REVERSED),
            ),
            Span::styled(safe(&after.collect::<String>()), t.style(Role::FieldFocus)),
        ]));
    }
    if let Some(e) = &w.error {
        lines.push(Line::from(Span::styled(
            format!("   {}", safe(e)),
            t.style(Role::Error),
        )));
    }
    if let Some(n) = &w.note {
        lines.push(Line::from(Span::styled(
            format!("   {}", safe(n)),
            t.style(Role::Warning),
        )));
    }
    let hint = match w.step {
        Step::Filters => {
            " *=0:1434:UDP (ipseccmd; 0 is me, * any) or udp any -> me:1434 (mirrored: \
             the reverse traffic matches too, as the MMC wizard's default)"
        }
        Step::Policy | Step::List | Step::Action => " Tab completes a name",
        _ => "",
    };
    if !hint.is_empty() {
        lines.push(Line::from(Span::styled(hint, t.style(Role::Hint))));
    }
    let title = format!("Rule wizard {} of 5", w.step.number());
    let width = area.width.saturating_sub(4).min(86);
    let height = (lines.len() as u16 + 4).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(app, title, true)),
        rect,
    );
}
