//! View 2, Filter lists: the lists, the selected list's filters, and who uses the list
//! (lists are shared: editing one changes every rule that uses it).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Row, Table, TableState};

use super::{block, fit, safe};
use crate::core::model::FilterList;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Role;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.doc.snapshot;
    let left_w = (area.width / 3).clamp(20, 36);
    let (left, right) = super::side_by_side(area, left_w, app.focus != Focus::Children);
    // The filters keep a border, their header and one row however short the terminal.
    let used_h = (right.height / 3)
        .max(4)
        .min(right.height.saturating_sub(4));
    let [filters, used] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(used_h)]).areas(right);

    let width = left.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = s
        .filter_lists
        .iter()
        .map(|l| ListItem::new(format!(" {}", fit(&safe(&l.name), width))))
        .collect();
    let focused = app.focus == Focus::Main;
    let list = List::new(items)
        .block(block(app, "Filter lists".into(), focused))
        .highlight_symbol(">")
        .highlight_style(
            app.theme
                .style(if focused { Role::Selected } else { Role::Dim }),
        );
    let mut st =
        ListState::default().with_selected((!s.filter_lists.is_empty()).then_some(app.sel.list));
    frame.render_stateful_widget(list, left, &mut st);

    match s.filter_lists.get(app.sel.list) {
        Some(l) => {
            filter_table(frame, filters, app, l);
            used_by(frame, used, app, l);
        }
        None => frame.render_widget(
            Paragraph::new(" No filter lists: press a to add one.").block(block(
                app,
                "Filters".into(),
                false,
            )),
            right,
        ),
    }
}

fn filter_table(frame: &mut Frame, area: Rect, app: &App, l: &FilterList) {
    let t = &app.theme;
    let port = |p: u16| {
        if p == 0 {
            "*".to_string()
        } else {
            p.to_string()
        }
    };
    let rows: Vec<Row> = l
        .filters
        .iter()
        .enumerate()
        .map(|(i, f)| {
            Row::new(vec![
                format!("{}", i + 1),
                f.source.to_string(),
                f.destination.to_string(),
                f.protocol.to_string(),
                port(f.src_port),
                port(f.dst_port),
                if f.mirrored { "yes" } else { "no" }.to_string(),
            ])
        })
        .collect();
    let focused = app.focus == Focus::Children;
    let widths = [
        Constraint::Length(3),
        Constraint::Min(10),
        Constraint::Min(10),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(6),
    ];
    let title = if l.description.is_empty() {
        safe(&l.name)
    } else {
        format!("{}: {}", safe(&l.name), safe(&l.description))
    };
    let table = Table::new(rows, widths)
        .header(
            Row::new([
                "#",
                "Source",
                "Destination",
                "Proto",
                "SPort",
                "DPort",
                "Mirror",
            ])
            .style(t.style(Role::Header)),
        )
        .block(block(app, title, focused))
        .highlight_symbol(">")
        .row_highlight_style(t.style(if focused { Role::Selected } else { Role::Base }));
    let mut st = TableState::default()
        .with_selected((focused && !l.filters.is_empty()).then_some(app.sel.filter));
    frame.render_stateful_widget(table, area, &mut st);
}

fn used_by(frame: &mut Frame, area: Rect, app: &App, l: &FilterList) {
    let s = &app.doc.snapshot;
    let usage = s.filter_list_usage(l.id);
    let mut lines: Vec<Line> = usage
        .rules
        .iter()
        .filter_map(|(p, r)| {
            let p = s.policy(*p)?;
            let r = p.rules.iter().find(|x| x.id == *r)?;
            Some(Line::from(format!(
                " {} (policy {})",
                safe(&r.name),
                safe(&p.name)
            )))
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            " nothing uses this list",
            app.theme.style(Role::Warning),
        )));
    }
    let title = format!(
        "Used by {} rule{}",
        usage.rule_count(),
        crate::tui::edit::plural(usage.rule_count())
    );
    frame.render_widget(Paragraph::new(lines).block(block(app, title, false)), area);
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::classroom;

    #[test]
    fn lists_view() {
        let mut app = app_on(classroom());
        keys(&mut app, "2 G tab");
        insta::assert_snapshot!("lists_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("lists_120x40", render(&app, 120, 40));
    }
}
