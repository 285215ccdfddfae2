//! Resizing between frames (80x24 -> 40x10 -> 120x40 -> 20x5) on every view and pane:
//! drawing never panics and the selected row stays on screen, highlighted.

use ipsedit::core::model::{Policy, Rule, Snapshot};
use ipsedit::tui::action::{Action, Effect};
use ipsedit::tui::analysis::{analyze, analyze_now};
use ipsedit::tui::app::{App, Focus, View};
use ipsedit::tui::keymap::script;
use ipsedit::tui::sample::classroom;
use ipsedit::tui::theme::{Role, Theme};
use ipsedit::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 4] = [(80, 24), (40, 10), (120, 40), (20, 5)];

/// The classroom sample with enough policies and rules that no pane fits them all.
fn long_store() -> Snapshot {
    let mut s = classroom();
    let (list, action) = (s.filter_lists[0].id, s.filter_actions[0].id);
    for i in 0..30 {
        let mut p = Policy::new(format!("Policy {i:02}"));
        for j in 0..30 {
            p.rules
                .push(Rule::new(format!("Rule {i:02}.{j:02}"), list, action));
        }
        s.policies.push(p);
    }
    s
}

fn app() -> App {
    let mut app = App::new(long_store(), 1, "long".into(), Theme::default_theme());
    app.analysis = analyze_now(&app.doc.snapshot, app.preview, 0);
    app
}

fn keys(app: &mut App, s: &str) {
    for k in script(s) {
        let mut fx = update(app, Action::Key(k));
        while let Some(e) = fx.pop() {
            if let Effect::Analyze(req) = e {
                fx.extend(update(app, Action::Analyzed(Box::new(analyze(&req)))));
            }
        }
    }
}

fn draw(app: &App, w: u16, h: u16) -> Vec<(String, bool)> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| ipsedit::tui::panes::draw(f, app)).expect("draw");
    let buf = t.backend().buffer();
    let selected = app.theme.style(Role::Selected).bg;
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            let lit = (0..w).any(|x| Some(buf[(x, y)].bg) == selected);
            (line, lit)
        })
        .collect()
}

/// The text by which the selected row can be recognised: its first `n` characters (three
/// fit the narrowest pane; wider screens must show more, so two rows that share a short
/// prefix cannot stand in for each other).
fn selected_text(app: &App, n: usize) -> String {
    let s = &app.doc.snapshot;
    let name = match (app.focus, app.view) {
        (Focus::Diagnostics, _) => app.analysis.diagnostics[app.sel.diagnostic].code.clone(),
        (Focus::Main, View::Policies) => s.policies[app.sel.policy].name.clone(),
        (_, View::Policies) => s.policies[app.sel.policy].rules[app.sel.rule].name.clone(),
        (Focus::Main, View::Lists) => s.filter_lists[app.sel.list].name.clone(),
        (_, View::Lists) => "me".into(),
        (_, View::Actions) => s.filter_actions[app.sel.action].name.clone(),
        (_, View::Effective | View::Lab) => {
            format!("{:>2}", app.analysis.table[app.sel.table_row].index)
        }
        (_, View::Host) => String::new(),
    };
    name.chars().take(n).collect()
}

fn check_sizes(app: &mut App, what: &str) {
    for (w, h) in SIZES {
        update(app, Action::Resize(w, h));
        let lines = draw(app, w, h);
        let want = selected_text(app, if w >= 80 { 10 } else { 3 });
        if want.is_empty() {
            continue;
        }
        assert!(
            lines.iter().any(|(l, lit)| *lit && l.contains(&want)),
            "{what} at {w}x{h}: selected {want:?} not visible\n{}",
            lines
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn every_view_survives_resizes_with_the_selection_in_view() {
    let cases = [
        ("policies, last policy", "1 G"),
        ("policies, a rule far down", "1 G tab G"),
        ("filter lists, last list", "2 G"),
        ("filter lists, last filter", "2 G tab G"),
        ("filter actions, last action", "3 G"),
        ("effective table, last row", "4 G"),
        ("packet lab, last row", "5 G"),
        ("host", "6"),
        ("diagnostics, last item", "1 ! G"),
        ("effective table with diagnostics", "4 G ! G"),
    ];
    for (what, script) in cases {
        let mut a = app();
        keys(&mut a, script);
        check_sizes(&mut a, what);
        // Back and forth again, from the smallest size.
        check_sizes(&mut a, what);
    }
}

/// Each overlay stays open through the resizes and is on screen again at every size
/// where it has room (the 20x5 frame only has to draw without panicking).
#[test]
fn overlays_survive_resizes() {
    for (script, marker) in [
        ("?", "Help"),
        ("1 a", "Add policy"),
        ("2 tab e", "Source"),
        ("2 d", "Delete"),
        (": \"exem\"", ":exem"),
        ("4 / \"ud\"", "/ud"),
        ("5 i", "packet >"),
    ] {
        let mut a = app();
        keys(&mut a, script);
        let mode = format!("{:?}", std::mem::discriminant(&a.mode));
        for (w, h) in SIZES {
            update(&mut a, Action::Resize(w, h));
            let lines = draw(&a, w, h);
            assert_eq!(
                format!("{:?}", std::mem::discriminant(&a.mode)),
                mode,
                "{script}: the overlay closed on a resize to {w}x{h}"
            );
            if w >= 40 {
                assert!(
                    lines.iter().any(|(l, _)| l.contains(marker)),
                    "{script} at {w}x{h}: {marker:?} not on screen\n{}",
                    lines
                        .iter()
                        .map(|(l, _)| l.as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
        }
    }
}

/// View 6 shows the host profile at every size with room for it.
#[test]
fn the_host_view_keeps_its_profile_through_resizes() {
    let mut a = app();
    keys(&mut a, "6");
    let profile = a.doc.snapshot.host.profile.id().to_string();
    for (w, h) in SIZES {
        update(&mut a, Action::Resize(w, h));
        let lines = draw(&a, w, h);
        if w >= 40 {
            assert!(
                lines.iter().any(|(l, _)| l.contains(&profile)),
                "host view at {w}x{h}: {profile} not on screen"
            );
        }
    }
}
