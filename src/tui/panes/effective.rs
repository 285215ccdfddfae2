//! View 4, Effective table: every row the driver evaluates, in order, exemption rows first
//! and styled apart. A preview of NoDefaultExempt / OS profile marks rows that appear (`+`)
//! or vanish (`-`) for one redraw, with a one-line summary; `/` filters rows.

use std::collections::{BTreeMap, HashSet};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{behavior_style, fit, safe, sep};
use crate::tui::analysis::TableRow;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Role;

/// How a row is marked in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    None,
    Appeared,
    Vanished,
    Deciding,
    Matched,
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let [head, summary, table, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    header(frame, head, app);
    if let Some(why) = &app.analysis.unavailable {
        let text = format!(" The effective table needs the engine: {why}.");
        frame.render_widget(
            Paragraph::new(text).style(app.theme.style(Role::Warning)),
            table,
        );
        return;
    }
    let (rows, line) = rows_with_diff(app);
    frame.render_widget(Paragraph::new(line), summary);
    let focused = app.focus != Focus::Diagnostics;
    // `then`, not `then_some`: the argument must not be computed for an empty table.
    let selected = (focused && !rows.is_empty()).then(|| app.sel.table_row.min(rows.len() - 1));
    render_table(frame, table, app, &rows, selected, Role::Selected);
    if let Some(i) = selected
        && let Some((r, _)) = rows.get(i)
    {
        let text = format!(" row {}: {}", r.index, r.why);
        let width = detail.width as usize;
        frame.render_widget(
            Paragraph::new(fit(&text, width)).style(app.theme.style(Role::Hint)),
            detail,
        );
    }
}

fn header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let a = &app.analysis;
    let mut spans = vec![
        Span::styled(" Effective ", t.style(Role::Header)),
        Span::raw(format!(
            "{}{}NoDefaultExempt {} ({})",
            a.profile,
            sep(app),
            a.exempt_value,
            a.exempt_source.word()
        )),
    ];
    if a.preview != Default::default() {
        spans.push(Span::styled(
            "  PREVIEW, not stored (Esc ends)",
            t.style(Role::Warning),
        ));
    }
    if !app.table_find.is_empty() {
        spans.push(Span::styled(
            format!("  /{}", app.table_find),
            t.style(Role::Key),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Why the table has no filter rows, with the key that fixes it (a first run: no policy,
/// none assigned, or a host without an address so `me` matches nothing).
pub fn first_run_hint(app: &App, filter_rows: usize) -> Option<String> {
    if filter_rows > 0 {
        return None;
    }
    let s = &app.doc.snapshot;
    Some(if s.policies.is_empty() {
        " no policy yet: press 1 then a, the rule wizard builds one".to_string()
    } else if s.assigned.is_none() {
        " no policy is assigned, so no filter applies: in view 1 select one and press A".to_string()
    } else if s.host.interfaces.is_empty() {
        " this host has no address, so `me` matches nothing: press 6 then e to set it".to_string()
    } else {
        return None;
    })
}

/// The rows to show (filtered by `/`), marked against the stored state's table during a
/// preview, and the summary line ("-4 rows: kerberos, rsvp").
/// The row the cursor is on in view 4 (after `/` filtering), as drawn.
pub fn selected_row(app: &App) -> Option<&TableRow> {
    let (rows, _) = rows_with_diff(app);
    let i = app.sel.table_row.min(rows.len().checked_sub(1)?);
    rows.get(i).map(|(r, _)| *r)
}

fn rows_with_diff(app: &App) -> (Vec<(&TableRow, Mark)>, Line<'static>) {
    let find = app.table_find.to_lowercase();
    let keep = |r: &TableRow| find.is_empty() || r.haystack().contains(&find);
    let t = &app.theme;
    let Some(before) = &app.analysis.stored_table else {
        let rows: Vec<_> = app
            .analysis
            .table
            .iter()
            .filter(|r| keep(r))
            .map(|r| (r, Mark::None))
            .collect();
        let n = app.analysis.table.len();
        let exempt = app
            .analysis
            .table
            .iter()
            .filter(|r| r.exemption.is_some())
            .count();
        let text = format!(
            " {n} {}, {exempt} of them {}; no match -> permit",
            if n == 1 { "row" } else { "rows" },
            if exempt == 1 {
                "an exemption"
            } else {
                "exemptions"
            }
        );
        if let Some(why) = first_run_hint(app, n - exempt) {
            return (rows, Line::from(Span::styled(why, t.style(Role::Warning))));
        }
        return (rows, Line::from(Span::styled(text, t.style(Role::Dim))));
    };
    let now: HashSet<String> = app.analysis.table.iter().map(TableRow::key).collect();
    let old: HashSet<String> = before.iter().map(TableRow::key).collect();
    let mut rows: Vec<(&TableRow, Mark)> = app
        .analysis
        .table
        .iter()
        .filter(|r| keep(r))
        .map(|r| {
            (
                r,
                if old.contains(&r.key()) {
                    Mark::None
                } else {
                    Mark::Appeared
                },
            )
        })
        .collect();
    let gone: Vec<&TableRow> = before.iter().filter(|r| !now.contains(&r.key())).collect();
    rows.extend(
        gone.iter()
            .filter(|r| keep(r))
            .map(|r| (*r, Mark::Vanished)),
    );
    let added: Vec<&TableRow> = app
        .analysis
        .table
        .iter()
        .filter(|r| !old.contains(&r.key()))
        .collect();
    let mut parts = Vec::new();
    for (sign, set, role) in [
        ("+", &added, Role::RowAppeared),
        ("-", &gone, Role::RowVanished),
    ] {
        if set.is_empty() {
            continue;
        }
        let mut kinds: BTreeMap<&str, ()> = BTreeMap::new();
        for r in set.iter() {
            kinds.insert(r.exemption.as_deref().unwrap_or(r.origin.as_str()), ());
        }
        let names: Vec<&str> = kinds.keys().copied().collect();
        parts.push(Span::styled(
            format!(
                " {sign}{} row{}: {} ",
                set.len(),
                if set.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
            t.style(role),
        ));
    }
    if parts.is_empty() {
        parts.push(Span::styled(" no rows change", t.style(Role::Dim)));
    }
    (rows, Line::from(parts))
}

/// The table's columns (header, width), in display order.
const COLUMNS: [(&str, u16); 11] = [
    ("#", 3),
    // Packets per row of the last `:replay`; only while one is shown.
    ("hits", 6),
    ("weight", 6),
    ("dir", 4),
    ("source", 15),
    ("destination", 15),
    ("proto", 4),
    ("sport", 5),
    ("dport", 5),
    ("action", 6),
    ("origin", 7),
];

/// Which columns a narrow terminal gives up first. Ports are merged into the address
/// columns (`any:88`) rather than lost, and the addresses themselves are never dropped:
/// a row without its source reads as "from anywhere", which it may not be.
/// Only on a very narrow pane (under about 50 columns) do the addresses go, both at once,
/// so no row shows a destination without its source.
const DROP_ORDER: [&[&str]; 7] = [
    &["weight"],
    &["sport"],
    &["dport"],
    &["dir"],
    &["proto"],
    &["hits"],
    &["source", "destination"],
];

/// The columns that fit in `width` (one space between columns).
/// `num_w`: the row-number column's width (as wide as the largest row number), so a
/// six-digit row number is never squeezed by the layout.
fn columns_that_fit(width: u16, num_w: u16, hits: bool) -> Vec<&'static str> {
    let mut shown: Vec<&str> = COLUMNS
        .iter()
        .map(|c| c.0)
        .filter(|c| hits || *c != "hits")
        .collect();
    let need = |shown: &[&str]| -> u16 {
        COLUMNS
            .iter()
            .filter(|c| shown.contains(&c.0))
            .map(|c| if c.0 == "#" { num_w } else { c.1 } + 1)
            .sum::<u16>()
    };
    for drop in DROP_ORDER {
        if need(&shown) <= width + 1 {
            break;
        }
        shown.retain(|c| !drop.contains(c));
    }
    shown
}

/// The effective table widget, shared with the packet lab.
pub fn render_table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    rows: &[(&TableRow, Mark)],
    selected: Option<usize>,
    highlight: Role,
) {
    let t = &app.theme;
    let port = |p: &str| {
        if p.is_empty() {
            "*".to_string()
        } else {
            p.to_string()
        }
    };
    // Only the visible window becomes widgets: a 10,000-row table costs what a screenful
    // costs. The window keeps the selected row on screen, as ratatui's own scrolling would.
    // The row number column is as wide as the largest row number (plus the mark).
    let num_w = rows
        .iter()
        .map(|(r, _)| r.index)
        .max()
        .map_or(1, |m| m.to_string().len())
        .max(2)
        + 1;
    let hits = app.replay_hits();
    let shown = columns_that_fit(area.width, num_w as u16, hits.is_some());
    let origin_w = {
        let others: usize = COLUMNS
            .iter()
            .filter(|c| shown.contains(&c.0) && c.0 != "origin")
            .map(|c| if c.0 == "#" { num_w } else { c.1 as usize } + 1)
            .sum();
        (area.width as usize).saturating_sub(others).max(7)
    };
    let height = area.height.saturating_sub(1).max(1) as usize;
    let offset = selected.map_or(0, |s| s.saturating_sub(height - 1));
    let selected = selected.map(|s| s - offset);
    let body: Vec<Row> = rows
        .iter()
        .skip(offset)
        .take(height)
        .map(|(r, mark)| {
            let sign = match mark {
                Mark::Appeared => "+",
                Mark::Vanished => "-",
                Mark::Deciding => ">",
                Mark::Matched => "~",
                Mark::None => " ",
            };
            let weight = r.weight.map_or("exempt".to_string(), |w| w.to_string());
            // The origin takes what is left; a cut one ends in `~`, never silently.
            let origin = fit(
                &safe(&r.exemption.clone().unwrap_or_else(|| r.origin.clone())),
                origin_w,
            );
            let style: Style = match mark {
                Mark::Appeared => t.style(Role::RowAppeared),
                Mark::Vanished => t.style(Role::RowVanished),
                Mark::Deciding => t.style(Role::Deciding),
                Mark::Matched => t.style(Role::Matched),
                Mark::None if r.exemption.is_some() => t.style(Role::ExemptionRow),
                Mark::None => Style::default(),
            };
            let action = Cell::from(Span::styled(
                r.action.word(),
                if *mark == Mark::None {
                    behavior_style(app, r.action)
                } else {
                    Style::default()
                },
            ));
            let merged = |addr: &str, port: &str, column: &str| {
                if !shown.contains(&column) && !port.is_empty() {
                    format!("{addr}:{port}")
                } else {
                    addr.to_string()
                }
            };
            let count = hits.map(|h| h.get(r.index).copied().unwrap_or(0));
            let hit_cell = Cell::from(Span::styled(
                count.map_or(String::new(), |n| n.to_string()),
                if count.is_some_and(|n| n > 0) {
                    t.style(Role::Finding)
                } else {
                    t.style(Role::Dim)
                },
            ));
            let cells = vec![
                Cell::from(format!("{sign}{:>w$}", r.index, w = num_w - 1)),
                hit_cell,
                Cell::from(weight),
                Cell::from(r.direction),
                Cell::from(merged(&r.src, &r.src_port, "sport")),
                Cell::from(merged(&r.dst, &r.dst_port, "dport")),
                Cell::from(r.protocol.clone()),
                Cell::from(port(&r.src_port)),
                Cell::from(port(&r.dst_port)),
                action,
                Cell::from(origin),
            ];
            Row::new(
                cells
                    .into_iter()
                    .zip(COLUMNS)
                    .filter(|(_, c)| shown.contains(&c.0))
                    .map(|(cell, _)| cell),
            )
            .style(style)
        })
        .collect();
    let widths: Vec<Constraint> = COLUMNS
        .iter()
        .filter(|c| shown.contains(&c.0))
        .map(|c| match c.0 {
            "origin" => Constraint::Min(c.1),
            "#" => Constraint::Length(num_w as u16),
            _ => Constraint::Length(c.1),
        })
        .collect();
    let num_header = format!("{:>w$}", "#", w = num_w);
    let header = Row::new(
        COLUMNS
            .iter()
            .filter(|c| shown.contains(&c.0))
            .map(|c| if c.0 == "#" { num_header.as_str() } else { c.0 }),
    )
    .style(t.style(Role::Header));
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(t.style(highlight));
    let mut st = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut st);
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::kb813878;

    #[test]
    fn effective_table_with_exemption_rows() {
        let mut app = app_on(kb813878());
        keys(&mut app, "4");
        insta::assert_snapshot!("effective_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("effective_120x40", render(&app, 120, 40));
    }

    #[test]
    fn previewing_no_default_exempt_1_marks_the_vanished_kerberos_rows() {
        let mut app = app_on(kb813878());
        keys(&mut app, "4 ] ]");
        insta::assert_snapshot!("effective_preview_120x40", render(&app, 120, 40));
    }

    #[test]
    fn exemption_rows_have_their_own_style() {
        let mut app = app_on(kb813878());
        keys(&mut app, "4 j");
        let mut t =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
        t.draw(|f| crate::tui::panes::draw(f, &app)).expect("draw");
        let buf = t.backend().buffer();
        let exempt = app.theme.style(crate::tui::theme::Role::ExemptionRow);
        // Line 7 is table row 2 (title, tabs, header, summary, column header, rows 0 and 1).
        assert_eq!(buf[(30, 7)].fg, exempt.fg.unwrap_or_default());
    }
}
