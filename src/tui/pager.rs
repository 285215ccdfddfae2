//! The pager: `v` opens whatever the screen shows cut (the status message, the selected
//! diagnostic, the selected table row's origin, the packet lab's reasons) whole, in a
//! scrollable popup; Esc or `q` closes it. In a form, where `v` is typed, Ctrl-O (or F2)
//! opens the focused field (its whole value and error) and closing returns to the form.
//! Owns the choice of text and the scrolling; drawing is `panes::pager`.

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Focus, Mode, View};
use super::forms::Form;

/// An open pager: its title, its paragraphs (wrapped when drawn) and how far it is
/// scrolled, in screen lines.
#[derive(Debug, Clone)]
pub struct Pager {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub scroll: u16,
    /// The form the pager was opened from, given back when it closes.
    pub back: Option<Box<Form>>,
}

impl Pager {
    pub fn new(title: impl Into<String>, paragraphs: Vec<String>) -> Pager {
        Pager {
            title: title.into(),
            paragraphs,
            scroll: 0,
            back: None,
        }
    }
}

/// Ctrl-O (or F2) in a form: the focused field's label, whole value and whole error, then
/// the form's live word and impact; closing the pager returns to the form unchanged.
pub fn open_form_field(app: &mut App, form: Box<Form>) {
    let mut paragraphs = Vec::new();
    if let Some(f) = form.fields.get(form.focus) {
        paragraphs.push(format!("{}: {}", f.label, f.value_text()));
        if let Some(e) = &f.error {
            paragraphs.push(format!("error: {e}"));
        }
    }
    paragraphs.extend(form.live.iter().cloned());
    paragraphs.extend(form.impact.iter().cloned());
    app.mode = Mode::Pager(Pager {
        back: Some(form),
        ..Pager::new("Field in full", paragraphs)
    });
}

/// The full text of what is selected or shown cut, in the order it is read on screen.
pub fn full_text(app: &App) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = &app.message {
        out.push(format!(
            "{}: {}",
            if m.error { "error" } else { "message" },
            m.text
        ));
    }
    if app.diagnostics_open
        && app.focus == Focus::Diagnostics
        && let Some(d) = app.analysis.diagnostics.get(app.sel.diagnostic)
    {
        out.push(format!("{} {} ({})", d.code, d.summary, d.path));
        out.push(d.message.clone());
        if !d.hint.is_empty() {
            out.push(format!("fix: {}", d.hint));
        }
        return out;
    }
    match app.view {
        View::Effective => {
            if let Some(r) = super::panes::effective::selected_row(app) {
                out.push(format!(
                    "row {}: {} {} -> {} {} {}:{} {}",
                    r.index,
                    r.direction,
                    r.src,
                    r.dst,
                    r.protocol,
                    or_any(&r.src_port),
                    or_any(&r.dst_port),
                    r.action.word()
                ));
                out.push(r.why.clone());
            }
        }
        View::Lab => match &app.lab.result {
            Some(Ok(e)) => {
                out.push(format!(
                    "{}: {} decided by {}",
                    app.lab.packet,
                    e.verdict.word(),
                    e.decided_by
                ));
                out.push(e.reason.clone());
                out.extend(e.others.iter().cloned());
                if let Some(fix) = &e.fix {
                    out.push(format!("fix: {fix}"));
                }
            }
            Some(Err(e)) => out.push(format!("error: {e}")),
            None => {}
        },
        _ => {}
    }
    out
}

fn or_any(p: &str) -> &str {
    if p.is_empty() { "*" } else { p }
}

/// `v`: opens the pager on the full text, or says there is nothing to show.
pub fn open(app: &mut App) {
    let paragraphs = full_text(app);
    if paragraphs.is_empty() {
        app.info("nothing selected to show in full here");
        return;
    }
    let title = if app.diagnostics_open && app.focus == Focus::Diagnostics {
        "Diagnostic in full"
    } else {
        "In full"
    };
    app.mode = Mode::Pager(Pager::new(title, paragraphs));
}

/// A key while the pager is open: scrolls, or closes it (Esc, `q`, `v`).
pub fn key(app: &mut App, mut p: Pager, key: KeyEvent) {
    let limit = super::panes::pager::scroll_limit(app, &p);
    let page = app.size.1.saturating_sub(6).max(1);
    p.scroll = match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('v') => {
            if let Some(form) = p.back {
                app.mode = Mode::Form(form);
            }
            return;
        }
        KeyCode::Char('j') | KeyCode::Down => p.scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => p.scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => p.scroll.saturating_add(page),
        KeyCode::PageUp => p.scroll.saturating_sub(page),
        KeyCode::Char('g') | KeyCode::Home => 0,
        KeyCode::Char('G') | KeyCode::End => limit,
        _ => p.scroll,
    }
    .min(limit);
    app.mode = Mode::Pager(p);
}
