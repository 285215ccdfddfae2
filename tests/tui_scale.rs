//! Issue 8 items 7 and 8 at 100,000 filters: the E/W/F counters show the engine's real
//! totals (and say the list is capped), and the row-number column is as wide as the
//! largest row number (row 173188 shown whole, not `17`). Too slow for debug CI:
//! `#[ignore]`d; run with `cargo test --release --test tui_scale -- --ignored`.

use ipsedit::core::engine::{EffectiveTable, check_with_table};
use ipsedit::core::model::{Address, Filter, FilterList, Protocol, Rule, Snapshot};
use ipsedit::tui::analysis::{Severity, analyze_now};
use ipsedit::tui::app::{App, View};
use ipsedit::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// KB 813878 plus 100,000 mirrored filters; every host appears twice (two filters), so
/// the findings run far past the per-code cap.
fn huge() -> Snapshot {
    let mut s = ipsedit::tui::sample::kb813878();
    let mut list = FilterList::new("Many hosts");
    for i in 0..100_000u32 {
        let mut f = Filter::new(
            Address::host(std::net::Ipv4Addr::from(0x0a00_0000 + i % 50_000)),
            Address::Me,
        );
        f.protocol = Protocol::TCP;
        f.dst_port = 445;
        f.mirrored = true;
        list.filters.push(f);
    }
    let action = s.filter_actions[0].id;
    s.policies[0].rules.push(Rule::new("Many", list.id, action));
    s.filter_lists.push(list);
    s
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| ipsedit::tui::panes::draw(f, app)).expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

#[test]
#[ignore = "100,000 filters: seconds in release, minutes in debug"]
fn counters_are_real_totals_and_row_numbers_fit_at_100k_filters() {
    let s = huge();
    let table = EffectiveTable::build(&s, None, &s.host);
    let report = check_with_table(&s, &table);
    assert!(!report.omitted.is_empty(), "the list must be capped here");
    let mut app = App::new(s, 1, "huge".into(), Theme::default_theme());
    app.analysis = analyze_now(&app.doc.snapshot, app.preview, 0);
    let a = &app.analysis;
    assert_eq!(
        [
            a.count(Severity::Error),
            a.count(Severity::Warning),
            a.count(Severity::Finding)
        ],
        [report.errors, report.warnings, report.findings]
    );
    assert!(report.findings > a.diagnostics.len());
    app.view = View::Effective;
    let top = screen(&app, 120, 40);
    let counters = format!(
        "E{} W{} F{} (capped list)",
        report.errors, report.warnings, report.findings
    );
    assert!(top.contains(&counters), "{counters}\n{top}");
    // Row 173188 on screen, whole.
    let at = app
        .analysis
        .table
        .iter()
        .position(|r| r.index == 173_188)
        .unwrap_or_else(|| {
            panic!(
                "row 173188 exists: {} rows, last {:?}",
                app.analysis.table.len(),
                app.analysis.table.last().map(|r| r.index)
            )
        });
    app.sel.table_row = at;
    let shown = screen(&app, 80, 24);
    assert!(
        shown
            .lines()
            .any(|l| l.contains("173188 ") && l.contains("in")),
        "{shown}"
    );
    assert!(shown.contains("row 173188:"), "{shown}");
    // At 80 columns the counters stay whole too (the tab titles shorten instead).
    let tabs = shown.lines().nth(1).unwrap_or_default();
    assert!(
        tabs.trim_end().ends_with(&format!(
            "E{} W{} F{} capped",
            report.errors, report.warnings, report.findings
        )) || tabs.trim_end().ends_with(&counters),
        "{tabs}"
    );
}
