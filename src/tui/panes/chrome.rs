//! The frame around every view: title line, tab bar with diagnostics counts, status line
//! (messages and the `:` / `/` prompts) and the key bar generated from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::sep;
use crate::core::text::terminal_safe;
use crate::tui::analysis::Severity;
use crate::tui::app::{App, Mode, View};
use crate::tui::theme::Role;

pub fn title(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let a = &app.analysis;
    // Everything in this line comes from the analysis on screen, so it names the
    // combination in force (stored, or the previewed one once its answer arrived).
    let exempt = match a.configured_exempt {
        Some(v) if a.exempt_source.word() == "ignored" => {
            format!("NoDefaultExempt {v} ignored, {} applies", a.exempt_value)
        }
        _ => format!(
            "NoDefaultExempt {} ({})",
            a.exempt_value,
            a.exempt_source.word()
        ),
    };
    let mut spans = vec![
        Span::styled(" ipsedit ", t.style(Role::Title)),
        Span::raw(format!(" store: {}", app.store_name)),
        Span::styled(sep(app), t.style(Role::Border)),
        Span::raw(a.profile.id()),
        Span::styled(sep(app), t.style(Role::Border)),
        Span::raw(exempt),
    ];
    if a.preview != Default::default() {
        spans.push(Span::styled(" [preview]", t.style(Role::Warning)));
    }
    if app.doc.dirty() {
        // The marker must stay visible at 80 columns: drop the word before the marker.
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let long = used + sep(app).len() + 11 <= area.width as usize;
        spans.push(Span::styled(sep(app), t.style(Role::Border)));
        spans.push(Span::styled(
            if long { "[+] unsaved" } else { "[+]" },
            t.style(Role::Dirty),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn tabs(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let a = &app.analysis;
    // Every view's tab stays reachable on a narrow terminal: full titles, then short
    // ones, then numbers with only the current view's title.
    let short = |v: View| match v {
        View::Policies => "Pol",
        View::Lists => "Lists",
        View::Actions => "Act",
        View::Effective => "Eff",
        View::Lab => "Lab",
        View::Host => "Host",
    };
    let labels = |style: u8| -> Vec<String> {
        View::ALL
            .iter()
            .map(|&v| match style {
                0 => format!(" {} {} ", v.number(), v.title()),
                1 => format!(" {} {} ", v.number(), short(v)),
                _ if v == app.view => format!(" {} {} ", v.number(), v.title()),
                _ => format!(" {} ", v.number()),
            })
            .collect()
    };
    // The counters are the real totals and never cut: the tab titles shorten first,
    // then "(capped list)" becomes "capped".
    let counts = |long: bool| {
        if a.unavailable.is_some() {
            " E- W- F-".to_string()
        } else {
            format!(
                " E{} W{} F{}{}{}",
                a.count(Severity::Error),
                a.count(Severity::Warning),
                a.count(Severity::Finding),
                match (a.omitted > 0, long) {
                    (false, _) => "",
                    (true, true) => " (capped list)",
                    (true, false) => " capped",
                },
                if app.analysis_pending() { " ..." } else { "" }
            )
        }
    };
    let width = |l: &[String]| l.iter().map(|s| s.chars().count()).sum::<usize>();
    let (chosen, counts) = (0..3u8)
        .flat_map(|style| [(style, true), (style, false)])
        .map(|(style, long)| (labels(style), counts(long)))
        .find(|(l, c)| width(l) + 1 + c.chars().count() <= area.width as usize)
        .unwrap_or_else(|| (labels(2), counts(false)));
    let mut spans = vec![Span::raw(" ")];
    for (v, label) in View::ALL.into_iter().zip(chosen) {
        let role = if v == app.view {
            Role::TabActive
        } else {
            Role::Tab
        };
        spans.push(Span::styled(label, t.style(role)));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let pad = (area.width as usize).saturating_sub(used + counts.len());
    spans.push(Span::raw(" ".repeat(pad)));
    let role = if a.count(Severity::Error) > 0 {
        Role::Error
    } else if a.count(Severity::Finding) > 0 {
        Role::Finding
    } else {
        Role::Dim
    };
    spans.push(Span::styled(counts, t.style(role)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn status(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let line = match &app.mode {
        Mode::Command(l) => Line::from(vec![
            Span::styled(":", t.style(Role::Key)),
            Span::raw(terminal_safe(&l.text).into_owned()),
        ]),
        Mode::Find(l) => Line::from(vec![
            Span::styled("/", t.style(Role::Key)),
            Span::raw(terminal_safe(&l.text).into_owned()),
            Span::styled(
                "   Enter keeps the filter, Esc clears it",
                t.style(Role::Hint),
            ),
        ]),
        _ => match &app.message {
            Some(m) => Line::from(Span::styled(
                format!(" {}", m.text),
                t.style(if m.error { Role::Error } else { Role::Message }),
            )),
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
    if let Mode::Command(l) | Mode::Find(l) = &app.mode {
        let before: String = l.text.chars().take(l.cursor).collect();
        let x = area.x + 1 + terminal_safe(&before).chars().count() as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The most used keys of the view, from the keymap (`bar: true`), as many as fit.
pub fn keybar(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mode_keys: Option<&[(&str, &str)]> = match &app.mode {
        Mode::Form(_) => Some(&[
            ("Enter", "commit"),
            ("Esc", "cancel"),
            ("Tab", "next field"),
            ("Space/Left/Right", "pick"),
            ("^U", "clear field"),
            ("^O", "in full"),
        ]),
        Mode::Confirm(_) => Some(&[("y", "yes"), ("n/Esc", "no")]),
        Mode::Wizard(_) => Some(&[
            ("Enter", "next"),
            ("Esc", "back"),
            ("Tab", "complete"),
            ("^U", "clear"),
        ]),
        Mode::Help(_) => Some(&[("j/k", "scroll"), ("any other key", "close help")]),
        Mode::Pager(_) => Some(&[("j/k", "scroll"), ("g/G", "top/bottom"), ("Esc", "close")]),
        Mode::Packet => Some(&[
            ("Enter", "run"),
            ("Up/Down", "earlier packets"),
            ("^U", "clear"),
            ("Esc", "stop typing"),
        ]),
        Mode::Command(_) => Some(&[("Enter", "run"), ("Tab", "complete"), ("Esc", "cancel")]),
        _ => None,
    };
    let pairs: Vec<(String, String)> = match mode_keys {
        Some(keys) => keys
            .iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect(),
        None => app
            .keymap
            .for_view(app.view)
            .filter_map(|b| Some((b.key_label(), b.bar.clone()?)))
            .collect(),
    };
    let mut spans = Vec::new();
    let mut used = 0usize;
    // `? help` is always shown (it lists every key the bar has no room for).
    let mut reserve = if pairs.iter().any(|(k, _)| k == "?") {
        9
    } else {
        0
    };
    for (k, d) in pairs {
        let w = k.chars().count() + d.chars().count() + 3;
        if k == "?" {
            reserve = 0;
        }
        if used + w + reserve > area.width as usize {
            continue;
        }
        used += w;
        spans.push(Span::styled(format!(" {k}"), t.style(Role::Key)));
        spans.push(Span::styled(format!(" {d} "), t.style(Role::KeyDesc)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
