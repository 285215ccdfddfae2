//! View 6, Host: the stored host context (OS profile, NoDefaultExempt and what it keeps
//! exempt, interfaces, servers). `]`/`[` and `<`/`>` change the stored values here, unlike
//! view 4 where they only preview.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::tui::app::App;
use crate::tui::forms::parse;
use crate::tui::theme::Role;

/// What stays exempt for each effective NoDefaultExempt value
/// (docs/domain.md, "Exemptions per OS").
pub fn exempt_meaning(value: u32) -> &'static str {
    match value {
        0 => "multicast, broadcast, RSVP, Kerberos, IKE stay exempt",
        1 => "multicast, broadcast, IKE stay exempt; Kerberos and RSVP are filtered",
        2 => "RSVP, Kerberos, IKE stay exempt; multicast and broadcast are filtered",
        _ => "only IKE stays exempt",
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let h = &app.doc.snapshot.host;
    let a = &app.analysis;
    let label = |l: &str| Span::styled(format!(" {l:<17}"), t.style(Role::Label));
    let none = |s: String| if s.is_empty() { "none".to_string() } else { s };
    let stored = h
        .no_default_exempt
        .map_or("absent".to_string(), |v| v.to_string());
    let mut lines = vec![
        Line::from(vec![label("OS profile"), Span::raw(h.profile.id())]),
        Line::from(vec![
            label("NoDefaultExempt"),
            Span::raw(format!(
                "{stored} stored, {} in effect ({})",
                a.exempt_value,
                a.exempt_source.word()
            )),
        ]),
        Line::from(vec![
            label(""),
            Span::styled(exempt_meaning(a.exempt_value), t.style(Role::Hint)),
        ]),
        Line::from(vec![
            label(""),
            Span::styled(
                "IPv6 is never filtered by these systems",
                t.style(Role::Hint),
            ),
        ]),
        Line::from(vec![
            label("Interfaces"),
            Span::raw(none(parse::interfaces_text(&h.interfaces))),
        ]),
        Line::from(vec![
            label("DNS servers"),
            Span::raw(none(parse::ip_list_text(&h.dns_servers))),
        ]),
        Line::from(vec![
            label("WINS servers"),
            Span::raw(none(parse::ip_list_text(&h.wins_servers))),
        ]),
        Line::from(vec![
            label("DHCP servers"),
            Span::raw(none(parse::ip_list_text(&h.dhcp_servers))),
        ]),
        Line::from(vec![
            label("Gateways"),
            Span::raw(none(parse::ip_list_text(&h.gateways))),
        ]),
        Line::from(vec![
            label("Name table"),
            Span::raw(format!("{} names", h.names.len())),
        ]),
    ];
    if h.interfaces.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            " No host addresses: `me` expands to nothing. Press e to add one (e.g. 192.168.1.1/24).",
            t.style(Role::Warning),
        )));
    }
    if let Some(m) = h.boot_mode {
        lines.push(Line::from(vec![
            label("Boot mode"),
            Span::raw(format!("{m:?}")),
        ]));
    }
    lines.push(Line::default());
    // Wrapped here with its indent kept (Paragraph's own wrap dropped it).
    let note =
        "Changes here are stored (undo with u, save with Ctrl-s); a real host needs a restart.";
    for l in super::wrap::hanging(" ", " ", note, area.width.saturating_sub(2) as usize) {
        lines.push(Line::from(Span::styled(l, t.style(Role::Dim))));
    }
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, "Host context".into(), true));
    frame.render_widget(para, area);
}

#[cfg(test)]
mod tests {
    use crate::tui::panes::testing::{app_on, keys, render};
    use crate::tui::sample::classroom;

    #[test]
    fn host_view() {
        let mut app = app_on(classroom());
        keys(&mut app, "6");
        insta::assert_snapshot!("host_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("host_120x40", render(&app, 120, 40));
    }
}
