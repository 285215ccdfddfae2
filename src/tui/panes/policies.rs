//! View 1, Policies: the policy list (assigned one marked `*`), the selected policy's rules,
//! and the detail of the selected rule (or of the policy when the list has focus).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, List, ListItem, ListState, Paragraph, Row, Table, TableState, Wrap};

use super::{behavior_style, behavior_word, block, fit, safe, sep};
use crate::core::model::{Policy, Rule};
use crate::tui::app::{App, Focus};
use crate::tui::edit::{Target, usage_line};
use crate::tui::forms::parse;
use crate::tui::theme::Role;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let left_w = (area.width / 3).clamp(20, 36);
    let (left, right) = super::side_by_side(area, left_w, app.focus != Focus::Children);
    // The rules keep a border, their header and one row however short the terminal.
    let detail_h = (right.height / 2)
        .max(6)
        .min(right.height.saturating_sub(4));
    let [rules, detail] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail_h)]).areas(right);
    policy_list(frame, left, app);
    let s = &app.doc.snapshot;
    match s.policies.get(app.sel.policy) {
        Some(p) => {
            rule_table(frame, rules, app, p);
            let rule = p.rules.get(app.sel.rule);
            match (app.focus, rule) {
                (Focus::Children, Some(r)) => rule_detail(frame, detail, app, r),
                _ => policy_detail(frame, detail, app, p),
            }
        }
        None => {
            let b = block(app, "Rules".into(), false);
            let hint = Paragraph::new("No policies yet: press a to add one, or import with\n  ipsedit ipseccmd -file SCRIPT").block(b);
            frame.render_widget(hint, right);
        }
    }
}

fn policy_list(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.doc.snapshot;
    let width = area.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = s
        .policies
        .iter()
        .map(|p| {
            if s.assigned == Some(p.id) {
                ListItem::new(Line::from(vec![
                    Span::styled("*", app.theme.style(Role::Assigned)),
                    Span::styled(fit(&safe(&p.name), width), app.theme.style(Role::Assigned)),
                ]))
            } else {
                ListItem::new(format!(" {}", fit(&safe(&p.name), width)))
            }
        })
        .collect();
    let focused = app.focus == Focus::Main;
    let list = List::new(items)
        .block(block(app, "Policies".into(), focused))
        .highlight_symbol(">")
        .highlight_style(
            app.theme
                .style(if focused { Role::Selected } else { Role::Dim }),
        );
    let mut st =
        ListState::default().with_selected((!s.policies.is_empty()).then_some(app.sel.policy));
    frame.render_stateful_widget(list, area, &mut st);
}

fn rule_table(frame: &mut Frame, area: Rect, app: &App, p: &Policy) {
    let s = &app.doc.snapshot;
    let t = &app.theme;
    let mut rows: Vec<Row> = p
        .rules
        .iter()
        .map(|r| {
            let list = s
                .filter_list(r.filter_list)
                .map_or("<missing>".to_string(), |l| safe(&l.name));
            let action = s.filter_action(r.filter_action);
            let (word, style) = match action {
                Some(a) => (behavior_word(a.behavior), behavior_style(app, a.behavior)),
                None => ("<missing>", t.style(Role::Error)),
            };
            let name = if r.active {
                safe(&r.name)
            } else {
                format!("{} (off)", safe(&r.name))
            };
            Row::new(vec![
                Cell::from(name),
                Cell::from(list),
                Cell::from(Span::styled(word, style)),
            ])
        })
        .collect();
    if p.default_response.active {
        rows.push(
            Row::new(vec![
                Cell::from("<default response>"),
                Cell::from("<dynamic>"),
                Cell::from(Span::styled("NEGOT", t.style(Role::Negotiate))),
            ])
            .style(t.style(Role::Dim)),
        );
    }
    let focused = app.focus == Focus::Children;
    let table = Table::new(
        rows,
        [
            Constraint::Percentage(45),
            Constraint::Percentage(40),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(["Rule", "Filter list", "Action"]).style(t.style(Role::Header)))
    .block(block(app, format!("Rules: {}", safe(&p.name)), focused))
    .highlight_symbol(">")
    .row_highlight_style(t.style(if focused { Role::Selected } else { Role::Base }));
    let mut st = TableState::default().with_selected((!p.rules.is_empty()).then_some(app.sel.rule));
    frame.render_stateful_widget(table, area, &mut st);
}

fn policy_detail(frame: &mut Frame, area: Rect, app: &App, p: &Policy) {
    let t = &app.theme;
    let s = &app.doc.snapshot;
    let label = |l: &str| Span::styled(format!("{l:<12}"), t.style(Role::Label));
    let assigned = if s.assigned == Some(p.id) {
        Span::styled("assigned (active)", t.style(Role::Assigned))
    } else {
        Span::raw("not assigned (A assigns)")
    };
    let mut lines = vec![
        Line::from(vec![label("Status"), assigned]),
        Line::from(vec![
            label("Rules"),
            Span::raw(format!("{}", p.rules.len())),
        ]),
        Line::from(vec![
            label("Polling"),
            Span::raw(format!("{} min", p.polling_interval_min)),
        ]),
    ];
    // Main mode (the ISAKMP object Windows keeps beside the policy), read-only here:
    // editing its methods would need a form of its own (`netsh ... set policy` does it).
    let k = &p.key_exchange;
    lines.push(Line::from(vec![
        label("Main mode"),
        Span::raw(mm_text(&k.methods)),
    ]));
    let mut life = format!(
        "{} min, {}, master PFS {}",
        k.lifetime_minutes,
        match k.lifetime_sessions {
            0 => "unlimited quick modes".to_string(),
            1 => "1 quick mode".to_string(),
            n => format!("{n} quick modes"),
        },
        if k.master_key_pfs { "on" } else { "off" }
    );
    if k.cert_to_account {
        life.push_str(", certificates mapped to accounts");
    }
    if k.no_cert_request {
        life.push_str(", no certificate request");
    }
    lines.push(Line::from(vec![label(""), Span::raw(life)]));
    let d = &p.default_response;
    lines.push(Line::from(vec![
        label("Default rsp"),
        Span::raw(if d.active {
            format!(
                "on: {}; {}",
                parse::auth_text(&d.authentication),
                if d.methods.is_empty() {
                    "Windows' default methods".to_string()
                } else {
                    parse::methods_text(&d.methods)
                }
            )
        } else {
            "off".to_string()
        }),
    ]));
    if !p.description.is_empty() {
        lines.push(Line::from(vec![
            label("Description"),
            Span::raw(p.description.clone()),
        ]));
    }
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, safe(&p.name), false));
    frame.render_widget(para, area);
}

/// netsh's `mmsecmethods` words: `3DES-SHA1-2` (DH group 3 = 2048 bits).
fn mm_text(methods: &[crate::core::model::MainModeMethod]) -> String {
    if methods.is_empty() {
        return "Windows' default methods".into();
    }
    methods
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn rule_detail(frame: &mut Frame, area: Rect, app: &App, r: &Rule) {
    let t = &app.theme;
    let s = &app.doc.snapshot;
    let label = |l: &str| Span::styled(format!("{l:<9}"), t.style(Role::Label));
    let mut lines = Vec::new();
    match s.filter_list(r.filter_list) {
        Some(l) => {
            let used = usage_line(s, Target::FilterList(l.id)).unwrap_or_default();
            lines.push(Line::from(vec![
                label("Filters"),
                Span::raw(format!("{} ", safe(&l.name))),
                Span::styled(used, t.style(Role::Dim)),
            ]));
            for f in l.filters.iter().take(3) {
                lines.push(Line::from(format!("  {}", f.summary())));
            }
            if l.filters.len() > 3 {
                lines.push(Line::from(format!(
                    "  and {} more (view 2)",
                    l.filters.len() - 3
                )));
            }
            if l.filters.is_empty() {
                lines.push(Line::from(Span::styled(
                    "  no filters: this rule matches nothing",
                    t.style(Role::Warning),
                )));
            }
        }
        None => lines.push(Line::from(Span::styled(
            "Filters  missing filter list (dangling reference)",
            t.style(Role::Error),
        ))),
    }
    match s.filter_action(r.filter_action) {
        Some(a) => {
            let used = usage_line(s, Target::FilterAction(a.id)).unwrap_or_default();
            let mut spans = vec![
                label("Action"),
                Span::raw(format!("{}: ", safe(&a.name))),
                Span::styled(behavior_word(a.behavior), behavior_style(app, a.behavior)),
                Span::styled(format!(" {used}"), t.style(Role::Dim)),
            ];
            if !a.methods.is_empty() {
                spans.push(Span::raw(format!("  {}", parse::methods_text(&a.methods))));
            }
            lines.push(Line::from(spans));
        }
        None => lines.push(Line::from(Span::styled(
            "Action   missing filter action (dangling reference)",
            t.style(Role::Error),
        ))),
    }
    let tunnel = r.tunnel.map_or("none".to_string(), |t| t.to_string());
    lines.push(Line::from(vec![
        label("Auth"),
        Span::raw(parse::auth_text(&r.authentication)),
        Span::styled(sep(app), t.style(Role::Border)),
        Span::raw(format!("tunnel {tunnel}")),
        Span::styled(sep(app), t.style(Role::Border)),
        Span::raw(format!("connection {}", r.connection.word())),
    ]));
    // On a line of its own: wrapped after a separator it left a stray border glyph.
    lines.push(Line::from(vec![
        label("State"),
        Span::raw(if r.active { "active" } else { "inactive" }),
    ]));
    if !r.description.is_empty() {
        lines.push(Line::from(vec![
            label("Note"),
            Span::raw(r.description.clone()),
        ]));
    }
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, safe(&r.name), false));
    frame.render_widget(para, area);
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::classroom;

    #[test]
    fn policies_view() {
        let mut app = app_on(classroom());
        insta::assert_snapshot!("policies_80x24", render(&app, 80, 24));
        keys(&mut app, "tab");
        insta::assert_snapshot!("policies_rule_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("policies_rule_120x40", render(&app, 120, 40));
    }

    /// Issue 11 item 1: the registry-derived main-mode settings and default response
    /// show in the policy detail.
    #[test]
    fn the_policy_detail_shows_main_mode_and_the_default_response() {
        use crate::core::model::{AuthMethod, Cipher, DhGroup, HashAlg, MainModeMethod};
        let mut s = classroom();
        let k = &mut s.policies[0].key_exchange;
        k.methods = vec![MainModeMethod {
            encryption: Cipher::TripleDes,
            integrity: HashAlg::Sha1,
            dh_group: DhGroup::High2048,
        }];
        k.lifetime_sessions = 1;
        k.cert_to_account = true;
        let d = &mut s.policies[0].default_response;
        d.active = true;
        d.authentication = vec![AuthMethod::Kerberos];
        let app = app_on(s);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("Main mode   3DES-SHA1-3 "), "{screen}");
        assert!(
            screen
                .contains("480 min, 1 quick mode, master PFS off, certificates mapped to accounts"),
            "{screen}"
        );
        assert!(
            screen.contains("Default rsp on: kerberos; Windows' default methods"),
            "{screen}"
        );
    }
}
