//! Drawing. `draw` lays out the frame (title, tabs, view, diagnostics, status, key bar) and
//! hands each area to its pane. Panes read `&App` and ask the theme for roles; they never
//! change state or do I/O.

pub mod actions;
pub mod chrome;
pub mod diagnostics;
pub mod effective;
pub mod form;
pub mod help;
pub mod host;
pub mod lab;
pub mod lists;
pub mod overlay;
pub mod pager;
pub mod policies;
#[cfg(test)]
pub mod testing;
pub mod wizard;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders};

use super::app::{App, Mode, View};
use super::theme::Role;
use crate::core::model::Behavior;

/// ASCII borders for terminals without UTF-8: `+`, `-`, `|` have width 1 everywhere.
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    frame.render_widget(Block::new().style(app.theme.style(Role::Base)), area);
    let frame_areas = layout(app, area);
    chrome::title(frame, frame_areas.title, app);
    chrome::tabs(frame, frame_areas.tabs, app);
    if let Some(diag) = frame_areas.diagnostics {
        diagnostics::draw(frame, diag, app);
    }
    let body = frame_areas.view;
    match app.view {
        View::Policies => policies::draw(frame, body, app),
        View::Lists => lists::draw(frame, body, app),
        View::Actions => actions::draw(frame, body, app),
        View::Effective => effective::draw(frame, body, app),
        View::Lab => lab::draw(frame, body, app),
        View::Host => host::draw(frame, body, app),
    }
    chrome::status(frame, frame_areas.status, app);
    chrome::keybar(frame, frame_areas.keys, app);
    match &app.mode {
        Mode::Help(scroll) => help::draw(frame, area, app, *scroll),
        Mode::Form(f) => form::draw(frame, area, app, f),
        Mode::Confirm(c) => overlay::confirm(frame, area, app, c),
        Mode::Wizard(w) => wizard::draw(frame, area, app, w),
        Mode::Pager(p) => pager::draw(frame, area, app, p),
        _ => {}
    }
    scrub(frame);
}

/// Where each part of the frame goes. `update` asks too (for scroll limits), so the
/// layout is a pure function of the app and the terminal size.
pub struct FrameAreas {
    pub title: Rect,
    pub tabs: Rect,
    pub view: Rect,
    pub diagnostics: Option<Rect>,
    pub status: Rect,
    pub keys: Rect,
}

pub fn layout(app: &App, area: Rect) -> FrameAreas {
    // Below 8 lines only the view and the status line (which carries the prompts) remain:
    // a bordered list then still shows its selected row.
    let chrome = if area.height < 8 { 0 } else { 1 };
    let [title, tabs, body, status, keys] = Layout::vertical([
        Constraint::Length(chrome),
        Constraint::Length(chrome),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(chrome),
    ])
    .areas(area);
    // On a short terminal the panel and the view cannot share: the one with the keyboard
    // takes the body.
    let short = body.height < 10;
    let focused = app.focus == super::app::Focus::Diagnostics;
    let (view, diagnostics) = if app.diagnostics_open && short && focused {
        (Rect { height: 0, ..body }, Some(body))
    } else if app.diagnostics_open && !short {
        let h = diagnostics::height(app, body);
        let [main, diag] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(h)]).areas(body);
        (main, Some(diag))
    } else {
        (body, None)
    };
    FrameAreas {
        title,
        tabs,
        view,
        diagnostics,
        status,
        keys,
    }
}

/// The frame's areas at the terminal size the app last heard of.
pub fn current_layout(app: &App) -> FrameAreas {
    layout(app, Rect::new(0, 0, app.size.0, app.size.1))
}

/// A list on the left and its children or detail on the right. Below 40 columns there is
/// no room for both, so the pane with the keyboard takes the whole width (the other gets
/// an empty area) and the selection stays in sight.
pub fn side_by_side(area: Rect, left_w: u16, left_focused: bool) -> (Rect, Rect) {
    if area.width < 40 {
        let none = Rect { width: 0, ..area };
        return if left_focused {
            (area, none)
        } else {
            (none, area)
        };
    }
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(area);
    (left, right)
}

/// A bordered pane; the focused one gets the focus role and a thick border.
pub fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    let role = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    let b = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" {title} "),
            app.theme
                .style(if focused { Role::Header } else { Role::Label }),
        ))
        .border_style(app.theme.style(role));
    if app.looks.unicode {
        b.border_type(BorderType::Plain)
    } else {
        b.border_set(ASCII_BORDER)
    }
}

/// The separator between items of one line.
pub fn sep(app: &App) -> &'static str {
    if app.looks.unicode { " │ " } else { " | " }
}

/// Actions are words, which survive any terminal: BLOCK, PERMIT, NEGOT.
pub fn behavior_word(b: Behavior) -> &'static str {
    match b {
        Behavior::Permit => "PERMIT",
        Behavior::Block => "BLOCK",
        Behavior::Negotiate => "NEGOT",
    }
}

pub fn behavior_style(app: &App, b: Behavior) -> Style {
    app.theme.style(match b {
        Behavior::Permit => Role::Permit,
        Behavior::Block => Role::Block,
        Behavior::Negotiate => Role::Negotiate,
    })
}

/// Stored text (names, descriptions) as it may be printed: escapes and bidi marks written
/// out (`core::text::terminal_safe`), so nothing stored can move the cursor or set a title.
pub fn safe(s: &str) -> String {
    crate::core::text::terminal_safe(s).into_owned()
}

/// Last line of defence: a cell that still holds a control or bidi character (text a pane
/// printed without `safe`) shows U+FFFD instead, so it never reaches the terminal.
fn scrub(frame: &mut Frame) {
    for cell in frame.buffer_mut().content.iter_mut() {
        if cell.symbol().chars().any(crate::core::text::is_unsafe_char) {
            let clean: String = cell
                .symbol()
                .chars()
                .map(|c| {
                    if crate::core::text::is_unsafe_char(c) {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect();
            cell.set_symbol(&clean);
        }
    }
}

/// Cuts text to a width, marking the cut with `~` (ASCII: `…` is not safe everywhere).
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('~');
        s
    }
}

/// A rectangle of at most `w` x `h` centered in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
