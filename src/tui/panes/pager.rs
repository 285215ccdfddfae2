//! Draws the pager popup (`tui::pager`): the full text, wrapped, scrolled, with where it
//! is and how to move.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::{block, centered};
use crate::core::text::terminal_safe;
use crate::tui::app::App;
use crate::tui::pager::Pager;
use crate::tui::theme::Role;

/// The popup: most of the screen, so long texts need little scrolling.
fn area(app: &App, whole: Rect) -> Rect {
    let w = whole.width.saturating_sub(4).max(20);
    let h = whole.height.saturating_sub(2).max(6);
    let _ = app;
    centered(whole, w, h)
}

/// Lines of the wrapped text at the popup's inner width (one blank line between
/// paragraphs).
fn wrapped(p: &Pager, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, para) in p.paragraphs.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.extend(super::wrap::hanging(
            "",
            "  ",
            &terminal_safe(para),
            width.max(1),
        ));
    }
    out
}

fn inner(app: &App) -> (usize, usize) {
    let whole = Rect::new(0, 0, app.size.0, app.size.1);
    let a = area(app, whole);
    (
        a.width.saturating_sub(2) as usize,
        a.height.saturating_sub(3) as usize,
    )
}

/// The largest useful scroll: the last line at the bottom of the popup.
pub fn scroll_limit(app: &App, p: &Pager) -> u16 {
    let (w, h) = inner(app);
    wrapped(p, w).len().saturating_sub(h) as u16
}

pub fn draw(frame: &mut Frame, whole: Rect, app: &App, p: &Pager) {
    let t = &app.theme;
    let a = area(app, whole);
    let w = a.width.saturating_sub(2) as usize;
    let h = a.height.saturating_sub(3) as usize;
    let lines = wrapped(p, w);
    let total = lines.len();
    let from = (p.scroll as usize).min(total.saturating_sub(h));
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(from)
        .take(h)
        .map(Line::from)
        .collect();
    let to = (from + h).min(total);
    let foot = format!(
        " lines {}-{to} of {total}   j/k scroll  g/G top/bottom  Esc close",
        (from + 1).min(total.max(1))
    );
    frame.render_widget(Clear, a);
    let b = block(app, p.title.clone(), true);
    let inside = b.inner(a);
    frame.render_widget(b, a);
    let [text, footer] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Min(1),
        ratatui::layout::Constraint::Length(1),
    ])
    .areas(inside);
    frame.render_widget(Paragraph::new(shown).style(t.style(Role::Base)), text);
    frame.render_widget(
        Paragraph::new(super::fit(&foot, footer.width as usize)).style(t.style(Role::Hint)),
        footer,
    );
}
