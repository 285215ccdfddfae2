//! A form drawn as a centered box over the view: one field a line (label left, value
//! right), the error under the field it concerns, the shared-object impact at the top and
//! the engine's live word on the edit at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{block, centered, fit};
use crate::core::text::terminal_safe;
use crate::tui::app::App;
use crate::tui::forms::{Form, Input};
use crate::tui::theme::{Role, Theme};

const LABEL_W: u16 = 19;

/// The focused text field: the window of the value around the cursor, `<`/`>` where the
/// value goes on out of view, and a cursor that stands out in every theme (the
/// monochrome one reverses the whole field, so the cursor is underlined, not reversed).
fn focused_field(text: &[char], cursor: usize, width: usize, t: &Theme) -> Line<'static> {
    let width = width.max(2);
    let cursor = cursor.min(text.len());
    // One cell for the cursor after the last character.
    let len = text.len() + 1;
    let start = if len <= width {
        0
    } else {
        (cursor + 2).saturating_sub(width).min(len - width)
    };
    let end = (start + width).min(len);
    let cursor_style = Style::new()
        .add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        .remove_modifier(Modifier::REVERSED);
    let mut spans = Vec::new();
    for i in start..end {
        let c = text.get(i).copied().unwrap_or(' ');
        let cut_left = i == start && start > 0;
        let cut_right = i + 1 == end && end < len;
        if i == cursor {
            spans.push(Span::styled(c.to_string(), cursor_style));
        } else if cut_left {
            spans.push(Span::styled("<", t.style(Role::Warning)));
        } else if cut_right {
            spans.push(Span::styled(">", t.style(Role::Warning)));
        } else {
            spans.push(Span::raw(c.to_string()));
        }
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &Form) {
    let t = &app.theme;
    let errors = form.fields.iter().filter(|f| f.error.is_some()).count() as u16;
    let extra = u16::from(form.impact.is_some()) + u16::from(form.live.is_some()) + 1;
    let h = form.fields.len() as u16 + errors + extra + 2;
    let rect = centered(area, 74, h);
    frame.render_widget(Clear, rect);
    frame.render_widget(block(app, form.title.clone(), true), rect);
    let inner = Rect {
        x: rect.x + 1,
        y: rect.y + 1,
        width: rect.width.saturating_sub(2),
        height: rect.height.saturating_sub(2),
    };
    let value_w = inner.width.saturating_sub(LABEL_W + 1);
    let mut y = inner.y;
    let line_at = |y: u16| Rect {
        x: inner.x,
        y,
        width: inner.width,
        height: 1,
    };
    if let Some(impact) = &form.impact {
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(&format!(" {impact}"), inner.width as usize),
                t.style(Role::Warning),
            )),
            line_at(y),
        );
        y += 1;
    }
    for (i, f) in form.fields.iter().enumerate() {
        if y >= inner.bottom() {
            break;
        }
        let focused = i == form.focus;
        let label_role = if focused { Role::Header } else { Role::Label };
        let label = Rect {
            x: inner.x,
            y,
            width: LABEL_W,
            height: 1,
        };
        let value = Rect {
            x: inner.x + LABEL_W + 1,
            y,
            width: value_w,
            height: 1,
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}", f.label), t.style(label_role))),
            label,
        );
        match &f.input {
            Input::Text(area, _) if focused => {
                let text: Vec<char> = terminal_safe(&area.lines().join("")).chars().collect();
                let line = focused_field(&text, area.cursor().1, value_w as usize, t);
                frame.render_widget(Paragraph::new(line).style(t.style(Role::FieldFocus)), value);
            }
            Input::Text(area, _) => {
                // No cursor in fields without the focus; a cut value ends in `~`.
                let text = terminal_safe(&area.lines().join("")).into_owned();
                frame.render_widget(
                    Paragraph::new(fit(&text, value_w as usize)).style(t.style(Role::Base)),
                    value,
                );
            }
            Input::Choice { options, selected } => {
                let text = options
                    .get(*selected)
                    .cloned()
                    .unwrap_or_else(|| "(none)".into());
                let shown = if focused {
                    format!("< {text} >  ({} of {})", selected + 1, options.len())
                } else {
                    text
                };
                frame.render_widget(
                    Paragraph::new(fit(&shown, value_w as usize)).style(t.style(if focused {
                        Role::FieldFocus
                    } else {
                        Role::Base
                    })),
                    value,
                );
            }
            Input::Toggle(on) => {
                let shown = if *on { "[x] yes" } else { "[ ] no" };
                frame.render_widget(
                    Paragraph::new(shown).style(t.style(if focused {
                        Role::FieldFocus
                    } else {
                        Role::Base
                    })),
                    value,
                );
            }
        }
        y += 1;
        if let Some(e) = &f.error
            && y < inner.bottom()
        {
            let rect = Rect {
                x: inner.x + LABEL_W + 1,
                y,
                width: value_w,
                height: 1,
            };
            frame.render_widget(
                Paragraph::new(Span::styled(fit(e, value_w as usize), t.style(Role::Error))),
                rect,
            );
            y += 1;
        }
    }
    if let Some(live) = &form.live
        && y < inner.bottom()
    {
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(&format!(" {live}"), inner.width as usize),
                t.style(Role::Hint),
            )),
            line_at(y),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::classroom;

    #[test]
    fn filter_form_shows_errors_under_fields_and_the_shared_impact() {
        let mut app = app_on(classroom());
        keys(&mut app, r#"2 tab e tab tab ctrl-u "ICMP" tab"#);
        insta::assert_snapshot!("form_filter_80x24", render(&app, 80, 24));
    }
}
