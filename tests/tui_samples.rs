//! Snapshots of the TUI on the sample stores as shipped (`samples/*/store.ron`, loaded
//! through `FileStore`), at 80x24 and 120x40, so the pictures follow the samples. Also the
//! source of the text screenshots in `assets/screenshots.md` (see `screenshots_md`).
//!
//! Review note (issue 15; every committed TUI snapshot re-read by eye, 2026-11-30):
//! - `kb811832_policies_*`: view 1, the block-all policy with its rule detail; the rule's
//!   Auth/tunnel/connection on one line and its state on its own (no stray `│`).
//! - `kb811832_effective_*`: view 4, exemption rows first (kerberos, IKE, RSVP,
//!   multicast, broadcast, IPv6) then the block row; cut origins end in `~`.
//! - `kb813878_dynamic_effective_*`: a dynamic rule merged into the table, `G` at the end.
//! - `kb813878_lab_kerberos_*`: view 5, F2: PERMIT by the kerberos exemption, the losing
//!   block row, the fix with the netsh/reg commands.
//! - `kb813878_diagnostics_*`: the panel open, F101 bypass findings listed.
//! - `kb813878_form_filter_*`: editing a shared filter, the impact line, errors under the
//!   field.
//! - `kb813878_help_120x40`: help generated from the keymap, the `:` commands last.
//! - `kb813878_wizard_*` (80x24, 120x40, 60x20): the rule wizard's review step with the
//!   row it adds; at 60x20 all six tabs and the key bar still show.
//!
//! The pane snapshots under `src/tui/panes/snapshots/` show each view on the built-in
//! samples: actions (label column 11 wide, so `Inpass` no longer runs into its value),
//! host (the restart note wraps with its indent), lists, policies, effective (and its
//! preview marks against the stored table), lab, diagnostics, form, help.

use std::path::PathBuf;

use ipsedit::core::store::{FileStore, Store};
use ipsedit::tui::action::{Action, Effect};
use ipsedit::tui::analysis::{analyze, analyze_now};
use ipsedit::tui::app::App;
use ipsedit::tui::keymap::script;
use ipsedit::tui::theme::Theme;
use ipsedit::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn sample(name: &str) -> App {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    let loaded = FileStore::open(dir).load().expect("sample store loads");
    let mut app = App::new(
        loaded.snapshot,
        loaded.revision,
        name.into(),
        Theme::default_theme(),
    );
    app.analysis = analyze_now(&app.doc.snapshot, app.preview, 0);
    app
}

/// The tracked sample files as they were when this test binary was built: a test that
/// opened them must leave them byte for byte the same.
const TRACKED: [(&str, &[u8]); 3] = [
    ("kb811832", include_bytes!("../samples/kb811832/store.ron")),
    ("kb813878", include_bytes!("../samples/kb813878/store.ron")),
    (
        "kb813878-dynamic",
        include_bytes!("../samples/kb813878-dynamic/store.ron"),
    ),
];

fn assert_samples_untouched() {
    for (name, bytes) in TRACKED {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let files: Vec<_> = std::fs::read_dir(&dir)
            .expect("sample dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            files,
            vec![std::ffi::OsString::from("store.ron")],
            "{name}: new files"
        );
        let now = std::fs::read(dir.join("store.ron")).expect("sample");
        assert!(now == bytes, "samples/{name}/store.ron changed");
    }
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

fn render(app: &mut App, w: u16, h: u16) -> String {
    update(app, Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| ipsedit::tui::panes::draw(f, app)).expect("draw");
    t.backend().to_string()
}

fn both_sizes(name: &str, app: &mut App) {
    assert_samples_untouched();
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

/// The rule wizard at its review step, adding the outbound rule of KB 813878 to the
/// sample's policy: the answers, the filter typed, and the effective rows it adds.
#[test]
fn kb813878_wizard_review() {
    let mut app = sample("kb813878");
    keys(
        &mut app,
        r#"1 tab a "Block Outbound UDP 1434 Rule 2" enter "Outbound 1434" enter "0=*:1434:UDP" enter enter "block" enter"#,
    );
    both_sizes("kb813878_wizard", &mut app);
    insta::assert_snapshot!("kb813878_wizard_60x20", render(&mut app, 60, 20));
}

#[test]
fn kb811832_block_all_inbound() {
    let mut app = sample("kb811832");
    keys(&mut app, "1 tab");
    both_sizes("kb811832_policies", &mut app);
    keys(&mut app, "4");
    both_sizes("kb811832_effective", &mut app);
}

#[test]
fn kb813878_dynamic_rule_in_the_effective_table() {
    let mut app = sample("kb813878-dynamic");
    keys(&mut app, "4 G");
    let last = app.analysis.table.last().expect("rows");
    assert_eq!(
        last.origin, "dynamic",
        "the dynamic rule is merged into the table"
    );
    both_sizes("kb813878_dynamic_effective", &mut app);
}

#[test]
fn kb813878_lab_diagnostics_policies_forms_help() {
    let mut app = sample("kb813878");
    both_sizes("kb813878_policies", &mut app);
    keys(&mut app, "!");
    both_sizes("kb813878_diagnostics", &mut app);
    keys(&mut app, "! 5 f2");
    both_sizes("kb813878_lab_kerberos", &mut app);
    keys(&mut app, "2 tab e");
    both_sizes("kb813878_form_filter", &mut app);
    keys(&mut app, "esc 1 ?");
    both_sizes("kb813878_help", &mut app);
}

/// The screens `assets/screenshots.md` shows, in order: (heading, snapshot name).
const SCREENSHOTS: [(&str, &str); 8] = [
    (
        "View 1, policies and rules, diagnostics panel focused (`!`)",
        "kb813878_diagnostics_80x24",
    ),
    (
        "View 5, packet lab: F2 (Kerberos source port 88)",
        "kb813878_lab_kerberos_80x24",
    ),
    (
        "View 4, effective table: exemption rows first (KB 811832, block all inbound)",
        "kb811832_effective_80x24",
    ),
    (
        "View 4, a dynamic rule merged into the table (KB 813878 dynamic, `G`)",
        "kb813878_dynamic_effective_80x24",
    ),
    (
        "View 1, rule detail (KB 811832, `Tab`)",
        "kb811832_policies_80x24",
    ),
    (
        "The rule wizard (`a` on the rules pane), at its review step",
        "kb813878_wizard_80x24",
    ),
    (
        "A form: editing a shared filter",
        "kb813878_form_filter_80x24",
    ),
    (
        "Help (`?`), generated from the keymap",
        "kb813878_help_120x40",
    ),
];

/// The screen inside a snapshot file, trailing blanks trimmed.
fn screen(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("tui_samples__{name}.snap"));
    let text = std::fs::read_to_string(&path).expect("snapshot file");
    let body = text.splitn(3, "---\n").nth(2).expect("snapshot body");
    body.lines()
        .map(|l| {
            let l = l.strip_prefix('"').unwrap_or(l);
            let l = l.strip_suffix('"').unwrap_or(l);
            l.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `assets/screenshots.md` is made from the committed snapshots, so it cannot drift from
/// what the TUI draws. `UPDATE_SCREENSHOTS=1 cargo test --test tui_samples` rewrites it.
#[test]
fn screenshots_md() {
    let mut md = String::from(
        "# ipsedit TUI: text screenshots\n\n\
         Made from the insta snapshots in `tests/snapshots/` (`tests/tui_samples.rs`, on the\n\
         sample stores in `samples/`, winxp-sp1, NoDefaultExempt absent). Regenerate with\n\
         `INSTA_UPDATE=always cargo test --test tui_samples`, then\n\
         `UPDATE_SCREENSHOTS=1 cargo test --test tui_samples screenshots_md`.\n",
    );
    for (title, name) in SCREENSHOTS {
        md.push_str(&format!("\n## {title}\n\n```\n{}\n```\n", screen(name)));
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/screenshots.md");
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        std::fs::write(&path, &md).expect("write screenshots.md");
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == md,
        "assets/screenshots.md is out of date: UPDATE_SCREENSHOTS=1 cargo test --test tui_samples"
    );
}
