//! View 5, Packet lab: type a packet, see the verdict, what decided it, the trail in words,
//! and the effective table with the deciding row highlighted. F2..F7 load the seed
//! scenarios (Kerberos source port 88, IKE, RSVP, broadcast, multicast, IPv6).

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::effective::{Mark, render_table};
use super::wrap::{self, Pinned, fit_words};
use super::{behavior_style, behavior_word};
use crate::tui::analysis::Explanation;
use crate::tui::app::{App, Mode};
use crate::tui::flows::PRESETS;
use crate::tui::theme::Role;

/// The lab's own state: the packet being typed and the last answer.
#[derive(Debug, Clone)]
pub struct Lab {
    pub input: TextArea<'static>,
    pub result: Option<Result<Explanation, String>>,
    /// The packet `result` answers (the input line may be edited meanwhile).
    pub packet: String,
    /// The analysis generation whose table `result`'s row numbers refer to.
    pub generation: u64,
    pub ran_at: Option<Instant>,
    /// How far the reasons are scrolled (J/K) when they do not fit.
    pub scroll: u16,
    /// Packets run before, oldest first (Up/Down while typing recall them).
    pub history: Vec<String>,
    /// Which history entry the input shows, while recalling.
    pub recalled: Option<usize>,
}

impl Default for Lab {
    fn default() -> Self {
        let mut input = TextArea::default();
        input.set_placeholder_text("udp 203.0.113.5:88 -> me:1434");
        Lab {
            input,
            result: None,
            packet: String::new(),
            generation: 0,
            ran_at: None,
            scroll: 0,
            history: Vec::new(),
            recalled: None,
        }
    }
}

impl Lab {
    pub fn text(&self) -> String {
        self.input.lines().join("")
    }

    /// Up (`older`) or Down while typing: the previous or next packet run.
    pub fn recall(&mut self, older: bool) {
        let n = self.history.len();
        if n == 0 {
            return;
        }
        let next = match (self.recalled, older) {
            (None, true) => Some(n - 1),
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i + 1 < n => Some(i + 1),
            (Some(_), false) => None,
        };
        self.recalled = next;
        let text = next
            .and_then(|i| self.history.get(i))
            .cloned()
            .unwrap_or_default();
        self.set_input(&text);
    }

    pub fn set_input(&mut self, text: &str) {
        let placeholder = self.input.placeholder_text().to_string();
        self.input = TextArea::new(vec![text.to_string()]);
        self.input.set_placeholder_text(placeholder);
        self.input.move_cursor(ratatui_textarea::CursorMove::End);
    }
}

/// Rows the table keeps however long the explanation: its header and three rows.
const TABLE_MIN: u16 = 4;
/// The preset line (left out on a short terminal: the key bar and help list the presets)
/// and the packet prompt.
fn prompt_h(view: Rect) -> u16 {
    if view.height < 12 { 1 } else { 2 }
}

/// Lines the explanation may use in `rest` (the view below the prompt); the table keeps
/// at least its header and the deciding row.
fn text_room(rest: Rect) -> usize {
    let table = TABLE_MIN.min(rest.height / 2).max(2.min(rest.height));
    rest.height.saturating_sub(table) as usize
}

/// How far J can scroll the reasons at the current terminal size.
pub fn scroll_limit(app: &App) -> u16 {
    let view = super::current_layout(app).view;
    let rest = Rect {
        height: view.height.saturating_sub(prompt_h(view)),
        ..view
    };
    let parts = explanation_lines(app, rest.width as usize);
    wrap::scroll_limit(&parts, text_room(rest)) as u16
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let [presets_line, prompt, rest] = Layout::vertical([
        Constraint::Length(prompt_h(area) - 1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let typing = matches!(app.mode, Mode::Packet);
    let presets: Vec<String> = PRESETS
        .iter()
        .enumerate()
        .map(|(i, (n, _))| format!("F{} {n}", i + 2))
        .collect();
    let presets = format!(" presets  {}", presets.join("  "));
    frame.render_widget(
        Paragraph::new(fit_words(&presets, presets_line.width as usize)).style(t.style(Role::Dim)),
        presets_line,
    );
    let label = " packet > ";
    let [label_area, field_area] =
        Layout::horizontal([Constraint::Length(label.len() as u16), Constraint::Min(1)])
            .areas(prompt);
    frame.render_widget(
        Paragraph::new(label).style(t.style(if typing { Role::Key } else { Role::Label })),
        label_area,
    );
    let mut field = app.lab.input.clone();
    field.set_cursor_line_style(Default::default());
    if !typing {
        field.set_cursor_style(Default::default());
    }
    frame.render_widget(&field, field_area);

    let parts = explanation_lines(app, rest.width as usize);
    let room = text_room(rest);
    let lines = wrap::fold(parts, room, app.lab.scroll as usize);
    let used = lines.len() as u16;
    let [text_area, table] =
        Layout::vertical([Constraint::Length(used), Constraint::Min(0)]).areas(rest);
    frame.render_widget(Paragraph::new(lines), text_area);

    if app.analysis.unavailable.is_some() || table.height == 0 {
        return;
    }
    // Row numbers of an answer whose table has not arrived yet would point at the wrong
    // rows: no marks until it has.
    let (deciding, matched) = match &app.lab.result {
        Some(Ok(e)) if !lab_stale(app) => (e.row, e.matched.clone()),
        _ => (None, Vec::new()),
    };
    let rows: Vec<_> = app
        .analysis
        .table
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mark = if Some(i) == deciding {
                Mark::Deciding
            } else if matched.contains(&i) {
                Mark::Matched
            } else {
                Mark::None
            };
            (r, mark)
        })
        .collect();
    // Keep the deciding row in view: the table scrolls to it.
    let selected = deciding
        .or(Some(app.sel.table_row))
        .filter(|_| !rows.is_empty());
    let highlight = if deciding.is_some() {
        Role::Deciding
    } else {
        Role::Selected
    };
    render_table(frame, table, app, &rows, selected, highlight);
}

/// The lab's answer refers to a table that is not the one on screen yet.
pub fn lab_stale(app: &App) -> bool {
    app.lab.generation != app.analysis.generation
}

fn explanation_lines(app: &App, width: usize) -> Pinned {
    let t = &app.theme;
    let plain = |lines: Vec<String>, role: Role| -> Vec<Line<'static>> {
        lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.style(role))))
            .collect()
    };
    let mut parts = Pinned {
        top: Vec::new(),
        middle: Vec::new(),
        bottom: Vec::new(),
    };
    match &app.lab.result {
        None => {
            parts.top = plain(
                wrap::hanging(
                    " ",
                    " ",
                    "Enter or i to type a packet: PROTO SRC[:PORT] -> DST[:PORT]; \
                     F2-F7 load the seed scenarios.",
                    width,
                ),
                Role::Hint,
            )
        }
        Some(Err(e)) => parts.top = plain(wrap::hanging(" ", "   ", e, width), Role::Error),
        Some(Ok(e)) => {
            // The verdict word keeps its colour; the rest of its line hangs under the text.
            let word = behavior_word(e.verdict);
            let lead = format!(" {word:<8} ");
            let hang = " ".repeat(lead.len());
            let text = format!("decided by {}", e.decided_by);
            let wrapped = wrap::hanging(&lead, &hang, &text, width);
            for (i, l) in wrapped.into_iter().enumerate() {
                if i == 0 {
                    let rest = l[lead.len()..].to_string();
                    parts.top.push(Line::from(vec![
                        Span::raw(" "),
                        Span::styled(word, behavior_style(app, e.verdict)),
                        Span::raw(format!("{}{rest}", &lead[1 + word.len()..])),
                    ]));
                } else {
                    parts.top.push(Line::from(l));
                }
            }
            if lab_stale(app) {
                parts
                    .top
                    .extend(plain(vec![" stale, recomputing...".into()], Role::Warning));
            }
            for item in std::iter::once(&e.reason).chain(&e.others) {
                parts.middle.extend(plain(
                    wrap::hanging("  - ", "    ", item, width),
                    Role::Base,
                ));
            }
            if let Some(fix) = &e.fix {
                parts.bottom = wrap::with_commands(app, "  - fix: ", "    ", fix, width);
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::kb813878;

    #[test]
    fn kerberos_preset_is_permitted_by_the_exemption() {
        let mut app = app_on(kb813878());
        keys(&mut app, "5 f2");
        let e = app.lab.result.clone().expect("ran").expect("explained");
        assert_eq!(e.verdict, crate::core::model::Behavior::Permit);
        assert!(e.decided_by.contains("kerberos"), "{}", e.decided_by);
        assert!(!e.matched.is_empty(), "the block rule lost");
        insta::assert_snapshot!("lab_kerberos_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("lab_kerberos_120x40", render(&app, 120, 40));
    }

    #[test]
    fn a_typed_packet_with_a_typo_says_what_to_write() {
        let mut app = app_on(kb813878());
        keys(&mut app, r#"5 enter "udp 1.2.3:88 -> me:1434" enter"#);
        let err = app
            .lab
            .result
            .clone()
            .expect("ran")
            .expect_err("bad address");
        assert!(err.contains("1.2.3"), "{err}");
    }

    #[test]
    fn on_a_short_terminal_the_reasons_scroll_and_the_fix_stays() {
        let mut app = app_on(kb813878());
        app.size = (80, 17);
        keys(&mut app, "5 f2");
        let shot = render(&app, 80, 17);
        assert!(shot.contains("more line"), "{shot}");
        assert!(
            shot.contains("reg add HKLM"),
            "the fix is on screen:\n{shot}"
        );
        assert!(shot.contains("PERMIT"), "{shot}");
        keys(&mut app, "J J J J J J J J J J");
        let limit = super::scroll_limit(&app);
        assert!(limit > 0);
        assert_eq!(app.lab.scroll, limit, "J stops at the last reason line");
        let shot = render(&app, 80, 17);
        assert!(
            shot.contains("(row 19)"),
            "the last reason is in view:\n{shot}"
        );
        keys(&mut app, "K");
        assert_eq!(app.lab.scroll, limit - 1);
        // A new packet starts at the top again.
        keys(&mut app, "f3");
        assert_eq!(app.lab.scroll, 0);
    }
}
