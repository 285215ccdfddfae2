//! View 5, Packet lab: type a packet, see the verdict, what decided it, the trail in words,
//! and the effective table with the deciding row highlighted. F2..F7 load the seed
//! scenarios (Kerberos source port 88, IKE, RSVP, broadcast, multicast, IPv6).

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::effective::{Mark, render_table};
use super::{behavior_style, behavior_word, block};
use crate::tui::analysis::Explanation;
use crate::tui::app::{App, Mode};
use crate::tui::flows::PRESETS;
use crate::tui::theme::Role;

/// The lab's own state: the packet being typed and the last answer.
#[derive(Debug, Clone)]
pub struct Lab {
    pub input: TextArea<'static>,
    pub result: Option<Result<Explanation, String>>,
    pub ran_at: Option<Instant>,
}

impl Default for Lab {
    fn default() -> Self {
        let mut input = TextArea::default();
        input.set_placeholder_text("udp 203.0.113.5:88 -> me:1434");
        Lab {
            input,
            result: None,
            ran_at: None,
        }
    }
}

impl Lab {
    pub fn text(&self) -> String {
        self.input.lines().join("")
    }

    pub fn set_input(&mut self, text: &str) {
        let placeholder = self.input.placeholder_text().to_string();
        self.input = TextArea::new(vec![text.to_string()]);
        self.input.set_placeholder_text(placeholder);
        self.input.move_cursor(ratatui_textarea::CursorMove::End);
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let result_h = match &app.lab.result {
        Some(Ok(e)) => (e.trail.len() as u16 + 3).min(area.height / 2),
        Some(Err(_)) => 3,
        None => 3,
    };
    let [input, result, table] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(result_h),
        Constraint::Min(3),
    ])
    .areas(area);
    let typing = matches!(app.mode, Mode::Packet);
    let presets: Vec<String> = PRESETS
        .iter()
        .enumerate()
        .map(|(i, (n, _))| format!("F{} {n}", i + 2))
        .collect();
    let mut field = app.lab.input.clone();
    field.set_block(block(
        app,
        format!("packet   {}", presets.join(" ")),
        typing,
    ));
    field.set_cursor_line_style(Default::default());
    if !typing {
        field.set_cursor_style(Default::default());
    }
    frame.render_widget(&field, input);

    let lines: Vec<Line> = match &app.lab.result {
        None => vec![Line::from(Span::styled(
            " Enter or i to type a packet: PROTO SRC[:PORT] -> DST[:PORT]; F2-F7 load the seed scenarios.",
            t.style(Role::Hint),
        ))],
        Some(Err(e)) => vec![Line::from(Span::styled(
            format!(" {e}"),
            t.style(Role::Error),
        ))],
        Some(Ok(e)) => {
            let mut l = vec![Line::from(vec![
                Span::raw(" "),
                Span::styled(behavior_word(e.verdict), behavior_style(app, e.verdict)),
                Span::raw(format!("   decided by {}", e.decided_by)),
            ])];
            l.extend(e.trail.iter().map(|w| Line::from(format!("  - {w}"))));
            l
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), result);

    if app.analysis.unavailable.is_some() {
        return;
    }
    let (deciding, matched) = match &app.lab.result {
        Some(Ok(e)) => (e.row, e.matched.clone()),
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
}
