//! The `?` help screen: every key of the current view and the global ones, generated from
//! the keymap (so it cannot drift from what the keys do), plus the `:` commands.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, centered};
use crate::tui::app::App;
use crate::tui::ex::COMMANDS;
use crate::tui::theme::Role;

/// The help lines for the current view (also used by tests and the README).
pub fn lines(app: &App) -> Vec<(String, String)> {
    app.keymap
        .for_view(app.view)
        .map(|b| (b.key_label(), b.help.clone()))
        .collect()
}

/// How far the help scrolls at the current terminal size (G goes there). Wrapped lines
/// are counted as the 74 columns inside the box wrap them.
pub fn scroll_limit(app: &App) -> u16 {
    let inner = app.size.0.min(76).saturating_sub(2).max(1) as usize;
    let key_w = lines(app)
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        + 3;
    let rows: usize = lines(app)
        .iter()
        .map(|(_, h)| (key_w + h.chars().count()).div_ceil(inner))
        .sum::<usize>()
        + 1
        + (COMMANDS.chars().count() + 1).div_ceil(inner);
    (rows as u16 + 2).saturating_sub(app.size.1)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let t = &app.theme;
    let entries = lines(app);
    let key_w = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        + 2;
    let mut text: Vec<Line> = entries
        .into_iter()
        .map(|(k, h)| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_w$}"), t.style(Role::Key)),
                Span::styled(h, t.style(Role::KeyDesc)),
            ])
        })
        .collect();
    text.push(Line::default());
    text.push(Line::from(Span::styled(
        format!(" {COMMANDS}"),
        t.style(Role::Hint),
    )));
    let h = (text.len() as u16 + 2).min(area.height);
    let rect = centered(area, 76, h);
    frame.render_widget(Clear, rect);
    let max = (text.len() as u16 + 2).saturating_sub(h);
    let title = if max > 0 {
        format!(
            "Help: {} view (j/k scroll, other keys close)",
            app.view.title()
        )
    } else {
        format!("Help: {} view (any key closes)", app.view.title())
    };
    let para = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .scroll((scroll.min(max), 0));
    frame.render_widget(para.block(block(app, title, true)), rect);
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::classroom;

    #[test]
    fn help_lists_the_view_keys() {
        let mut app = app_on(classroom());
        keys(&mut app, "?");
        insta::assert_snapshot!("help_policies_80x24", render(&app, 80, 24));
    }
}
