//! Confirmation dialogs: quitting with unsaved changes, deleting a used object (with the
//! impact spelled out).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, centered};
use crate::tui::app::{App, Confirm};
use crate::tui::theme::Role;

pub fn confirm(frame: &mut Frame, area: Rect, app: &App, c: &Confirm) {
    let t = &app.theme;
    let (title, lines) = match c {
        Confirm::Quit => (
            "Unsaved changes",
            vec![
                Line::from(if app.scratch {
                    format!(
                        " {} not saved anywhere: this is a scratch copy of {}.",
                        crate::tui::document::edits(app.doc.unsaved(), ""),
                        crate::core::text::terminal_safe(&app.store_name)
                    )
                } else {
                    format!(
                        " {} not saved to {}.",
                        crate::tui::document::edits(app.doc.unsaved(), ""),
                        crate::core::text::terminal_safe(&app.store_name)
                    )
                }),
                Line::default(),
                Line::from(vec![
                    Span::styled(" s", t.style(Role::Key)),
                    Span::raw(if app.scratch {
                        " how to keep them   "
                    } else {
                        " save and quit   "
                    }),
                    Span::styled("y", t.style(Role::Key)),
                    Span::raw(" quit, dropping them   "),
                    Span::styled("n/Esc", t.style(Role::Key)),
                    Span::raw(" stay"),
                ]),
            ],
        ),
        Confirm::Delete { target, impact } => (
            "Delete?",
            vec![
                Line::from(format!(" Delete {}?", target.describe(&app.doc.snapshot))),
                Line::from(Span::styled(format!(" {impact}."), t.style(Role::Warning))),
                Line::default(),
                Line::from(vec![
                    Span::styled(" y", t.style(Role::Key)),
                    Span::raw(" delete (u undoes)   "),
                    Span::styled("n/Esc", t.style(Role::Key)),
                    Span::raw(" keep"),
                ]),
            ],
        ),
    };
    let rect = centered(area, 70, lines.len() as u16 + 4);
    frame.render_widget(Clear, rect);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, title.to_string(), true));
    frame.render_widget(p, rect);
}
