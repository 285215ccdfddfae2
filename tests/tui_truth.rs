//! Issue 8, "the TUI tells the truth": key sequences a new user typed on the sample stores,
//! each asserting on `App` state (and the drawn frame where the bug was on screen). Each
//! test names the bullet of the issue's "Why" it covers.

use ipsedit::core::model::{Behavior, Snapshot};
use ipsedit::core::store::{FileStore, MemoryStore, Store};
use ipsedit::tui::action::Action;
use ipsedit::tui::app::{App, Focus, Mode, View};
use ipsedit::tui::keymap::script;
use ipsedit::tui::runtime::{Runtime, dispatch};
use ipsedit::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A tracked sample store, read (never written: the harness saves into memory).
fn sample(name: &str) -> Snapshot {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    FileStore::open(dir).load().expect("sample loads").snapshot
}

struct H {
    app: App,
    rt: Runtime,
}

fn open(s: Snapshot) -> H {
    let mut app = App::new(s.clone(), 1, "sample".into(), Theme::default_theme());
    let mut rt = Runtime::inline(Box::new(MemoryStore::new(s)));
    // Recovery copies of these sessions go nowhere near the user's state directory.
    rt.recovery_dir =
        Some(std::env::temp_dir().join(format!("ipsedit-test-{}", std::process::id())));
    let first = ipsedit::tui::update::analyze(&mut app);
    for a in rt.perform(first) {
        dispatch(&mut app, &mut rt, a);
    }
    H { app, rt }
}

impl H {
    fn keys(&mut self, s: &str) -> &mut Self {
        for k in script(s) {
            dispatch(&mut self.app, &mut self.rt, Action::Key(k));
        }
        self
    }
    fn screen(&self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| ipsedit::tui::panes::draw(f, &self.app))
            .expect("draw");
        let buf = t.backend().buffer();
        (0..h)
            .map(|y| {
                let l: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
                l.trim_end().to_string() + "\n"
            })
            .collect()
    }
    fn verdict(&self) -> (Behavior, String) {
        let e = self
            .app
            .lab
            .result
            .clone()
            .expect("the lab ran")
            .expect("the packet parsed");
        (e.verdict, e.decided_by)
    }
}

/// Why, bullet 1: `5 F2 4 ] ] 5` left the lab saying PERMIT by the kerberos exemption
/// though NoDefaultExempt 1 was previewed. The lab now follows the preview.
#[test]
fn the_lab_follows_a_preview_made_in_view_4() {
    let mut h = open(sample("kb811832"));
    h.keys("5 f2");
    let (v, by) = h.verdict();
    assert_eq!(v, Behavior::Permit);
    assert!(by.contains("kerberos"), "{by}");
    h.keys("4 ] ] 5");
    assert_eq!(h.app.analysis.exempt_value, 1);
    let (v, by) = h.verdict();
    assert_eq!(v, Behavior::Block, "decided by {by}");
    assert!(!by.contains("kerberos"), "{by}");
    let shot = h.screen(80, 24);
    assert!(shot.contains("BLOCK"), "{shot}");
    assert!(!shot.contains("stale"), "{shot}");
    // The same after `]` stores the value in view 6.
    h.keys("6 ] ] 5");
    assert_eq!(h.app.snapshot().host.no_default_exempt, Some(1));
    assert_eq!(h.verdict().0, Behavior::Block);
}

/// Why, bullet 2: `:exempt 1` during a preview left the header and table on the preview.
/// Storing a value ends the preview; view 6 says nothing about a preview.
#[test]
fn storing_a_value_ends_the_preview() {
    let mut h = open(sample("kb811832"));
    h.keys("4 ] [ [");
    assert_ne!(h.app.preview, Default::default());
    h.keys(r#": "exempt 1" enter"#);
    assert_eq!(h.app.preview, Default::default());
    assert_eq!(h.app.analysis.preview, Default::default());
    assert_eq!(h.app.analysis.exempt_value, 1);
    assert!(
        h.app
            .analysis
            .table
            .iter()
            .all(|r| r.exemption.as_deref() != Some("kerberos")),
        "no kerberos rows under NoDefaultExempt 1"
    );
    let shot = h.screen(120, 40);
    let title = shot.lines().next().unwrap_or_default().to_string();
    assert!(title.contains("NoDefaultExempt 1 (configured)"), "{title}");
    assert!(!title.contains("[preview]"), "{title}");
    h.keys("6 ]");
    let shot = h.screen(120, 40);
    assert!(!shot.contains("PREVIEW"), "{shot}");
}

/// Why, bullet 2: Esc did not drop the preview.
#[test]
fn esc_ends_the_preview() {
    let mut h = open(sample("kb811832"));
    h.keys("4 ] ] >");
    assert_ne!(h.app.analysis.preview, Default::default());
    h.keys("esc");
    assert_eq!(h.app.preview, Default::default());
    assert_eq!(h.app.analysis.preview, Default::default());
    assert!(h.app.analysis.stored_table.is_none());
    let title = h
        .screen(120, 40)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(!title.contains("[preview]"), "{title}");
}

/// Why, bullet 2: `+`/`-` compared with the previous preview step, not the stored state.
#[test]
fn preview_marks_compare_with_the_stored_state() {
    let mut h = open(sample("kb811832"));
    let stored = h.app.analysis.table.clone();
    h.keys("4 ] ] ]");
    assert_eq!(h.app.analysis.stored_table.as_ref(), Some(&stored));
    // Two steps more: the marks still compare with what is stored.
    h.keys("] ]");
    assert_eq!(h.app.analysis.stored_table.as_ref(), Some(&stored));
}

/// Why, bullet 2: the header mixed the stored profile with the previewed value.
#[test]
fn the_header_names_the_combination_in_force() {
    let mut h = open(sample("kb811832"));
    h.keys("4 >");
    let shown = h.app.analysis.profile;
    assert_ne!(shown, h.app.snapshot().host.profile);
    let title = h
        .screen(120, 40)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(title.contains(shown.id()), "{title}");
    assert!(
        !title.contains(h.app.snapshot().host.profile.id()),
        "{title}"
    );
}

/// The diagnostics panel: Esc closes it and the pane focus comes back (Why, bullet 6).
#[test]
fn esc_closes_the_diagnostics_panel_and_focus_returns() {
    let mut h = open(sample("kb811832"));
    h.keys("1 tab");
    assert_eq!(h.app.focus, Focus::Children);
    h.keys("!");
    assert_eq!(h.app.focus, Focus::Diagnostics);
    h.keys("esc");
    assert!(!h.app.diagnostics_open);
    assert_eq!(h.app.focus, Focus::Children);
    h.keys("! !");
    assert_eq!(h.app.focus, Focus::Children);
    assert!(matches!(h.app.mode, Mode::Normal));
    assert_eq!(h.app.view, View::Policies);
}

/// A scratch session as `--from` opens it: the sample in a memory store.
fn scratch(name: &str) -> H {
    let mut h = open(sample(name));
    h.app.scratch = true;
    h
}

fn message(h: &H) -> String {
    h.app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// Why, bullet 4: with `--from`, Ctrl-s claimed a save and `q` then quit without asking.
#[test]
fn a_scratch_session_does_not_pretend_to_save_and_quitting_asks() {
    let mut h = scratch("kb813878");
    h.keys("1 A ctrl-s");
    assert!(message(&h).contains("nothing written"), "{}", message(&h));
    assert!(message(&h).contains(":w DIR"), "{}", message(&h));
    assert!(h.app.doc.dirty(), "the edits are still unsaved");
    h.keys("q");
    assert!(matches!(h.app.mode, Mode::Confirm(_)), "{:?}", h.app.mode);
    assert!(!h.app.quit);
}

/// `:w DIR` saves into a real store, which the session then uses; `:export` writes a
/// script that reads back as the same policy.
#[test]
fn a_scratch_session_saves_into_a_store_and_exports() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("mine");
    let mut h = scratch("kb813878");
    h.keys("1 A");
    let edited = h.app.snapshot().clone();
    h.keys(&format!(": \"w {}\" enter", dir.display()));
    assert!(message(&h).contains("saved revision 1"), "{}", message(&h));
    assert!(!h.app.scratch);
    assert!(!h.app.doc.dirty());
    let stored = FileStore::open(&dir).load().expect("saved store");
    assert_eq!(stored.snapshot, edited);
    h.keys("A ctrl-s");
    assert_eq!(FileStore::open(&dir).load().expect("store").revision, 2);

    let script = tmp.path().join("out.netsh");
    h.keys(&format!(": \"export netsh {}\" enter", script.display()));
    assert!(message(&h).starts_with("exported to"), "{}", message(&h));
    let text = std::fs::read_to_string(&script).expect("script");
    assert!(text.contains("Block UDP 1434 Filter"), "{text}");
    h.keys(r#": "export word x" enter"#);
    assert!(
        message(&h).contains(":export netsh FILE"),
        "{}",
        message(&h)
    );
}

/// Why, bullet 6: entering a field selected its text, so `?` renamed a list to `?`.
#[test]
fn typing_in_a_form_field_appends_and_ctrl_u_clears() {
    let mut h = open(sample("kb813878"));
    let name = h.app.snapshot().filter_lists[0].name.clone();
    h.keys(r#"2 e "?" enter"#);
    assert_eq!(h.app.snapshot().filter_lists[0].name, format!("{name}?"));
    h.keys(r#"e ctrl-u "Fresh" enter"#);
    assert_eq!(h.app.snapshot().filter_lists[0].name, "Fresh");
    h.keys(r#"e ctrl-w "Named" ctrl-a "Re" enter"#);
    assert_eq!(h.app.snapshot().filter_lists[0].name, "ReNamed");
}

/// Why, bullet 6: `i` in the lab appended to the old packet. Now it starts fresh, and
/// Up brings the earlier one back.
#[test]
fn i_in_the_lab_starts_a_fresh_packet_with_history() {
    let mut h = open(sample("kb813878"));
    h.keys("5 f2");
    let first = h.app.lab.text();
    h.keys(r#"i "udp 203.0.113.5:500 -> me:500" enter"#);
    assert_eq!(h.app.lab.packet, "udp 203.0.113.5:500 -> me:500");
    h.keys("i up up");
    assert_eq!(h.app.lab.text(), first);
    h.keys("down");
    assert_eq!(h.app.lab.text(), "udp 203.0.113.5:500 -> me:500");
    h.keys("ctrl-u");
    assert_eq!(h.app.lab.text(), "");
}

/// Tab completes `:` commands and their values; Ctrl-W deletes a word there too.
#[test]
fn tab_completes_the_command_line() {
    let mut h = open(sample("kb811832"));
    h.keys(r#": "ex" tab "e" tab "1" enter"#);
    assert_eq!(h.app.snapshot().host.no_default_exempt, Some(1));
    h.keys(r#": "os ws2003 oops" ctrl-w enter"#);
    assert_eq!(h.app.snapshot().host.profile.id(), "ws2003");
}

/// Help: g/G scroll like every list.
#[test]
fn help_scrolls_with_g_and_big_g() {
    let mut h = open(sample("kb813878"));
    h.app.size = (80, 20);
    h.keys("? G");
    let Mode::Help(bottom) = h.app.mode else {
        panic!("help open")
    };
    assert!(bottom > 0);
    h.keys("g");
    assert!(matches!(h.app.mode, Mode::Help(0)));
}

/// Why, bullet 8 (NO_COLOR): the focused field showed no cursor while the others showed
/// a block. Now exactly one cursor cell, underlined, in the focused field.
#[test]
fn no_color_forms_show_one_cursor_in_the_focused_field() {
    let mut h = open(sample("kb813878"));
    h.app.theme = Theme::select(None, true).expect("monochrome");
    h.keys("2 tab e");
    assert!(matches!(h.app.mode, Mode::Form(_)));
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| ipsedit::tui::panes::draw(f, &h.app))
        .expect("draw");
    let buf = t.backend().buffer();
    use ratatui::style::Modifier;
    let row = |y: u16| -> String { (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect() };
    let Mode::Form(form) = &h.app.mode else {
        panic!("form")
    };
    let label = form.fields[form.focus].label;
    let y = (0..24)
        .find(|&y| row(y).contains(&format!("│ {label} ")))
        .expect("focused field on screen");
    let x0 = row(y).chars().position(|c| c == '│').unwrap_or(0) as u16 + 4 + 20;
    let cursors: Vec<u16> = (x0..80)
        .filter(|&x| {
            let m = buf[(x, y)].modifier;
            m.contains(Modifier::UNDERLINED) && !m.contains(Modifier::REVERSED)
        })
        .collect();
    assert_eq!(cursors.len(), 1, "one cursor in {:?}: {cursors:?}", row(y));
    // The fields without the focus show no block cursor (a reversed cell).
    for other in form.fields.iter().filter(|f| f.label != label) {
        let Some(oy) = (0..24).find(|&y| row(y).contains(&format!("│ {} ", other.label))) else {
            continue;
        };
        let reversed = (x0..79)
            .filter(|&x| buf[(x, oy)].modifier.contains(Modifier::REVERSED))
            .count();
        assert_eq!(reversed, 0, "no cursor in {:?}", row(oy));
    }
}

/// Why, bullet 8: views 2 and 3 advertised `A assign`, which does nothing there.
#[test]
fn the_key_bar_only_shows_keys_that_work_in_the_view() {
    let mut h = open(sample("kb813878"));
    for v in ["2", "3"] {
        h.keys(v);
        let shot = h.screen(120, 40);
        let bar = shot.lines().last().unwrap_or_default().to_string();
        assert!(!bar.contains("assign"), "view {v}: {bar}");
    }
    h.keys("1");
    let shot = h.screen(120, 40);
    assert!(shot.lines().last().unwrap_or_default().contains("A assign"));
}

/// Why, bullet 6: Enter on a diagnostic jumped nowhere in view 4.
#[test]
fn enter_on_a_diagnostic_jumps_from_view_4() {
    let mut h = open(sample("kb813878"));
    assert!(!h.app.analysis.diagnostics.is_empty());
    h.keys("4 ! enter");
    let m = message(&h);
    assert!(
        m.contains("jumped") || m.contains("concerns the whole policy"),
        "{m}"
    );
    if m.contains("jumped") {
        assert_ne!(h.app.view, View::Effective);
    }
}

/// Item 4: the KB 813878 policy from an empty store with the wizard, in few keys; the
/// stored rules are the ones the article's two ipseccmd lines make.
#[test]
fn the_wizard_builds_kb813878_from_an_empty_store() {
    let mut h = open(Snapshot::default());
    h.keys(r#"1 a "Block UDP 1434 Filter" enter "Block Inbound UDP 1434 Rule" enter"#);
    h.keys(r#""Inbound UDP 1434" enter "*=0:99999:UDP" enter"#);
    let Mode::Wizard(w) = &h.app.mode else {
        panic!("wizard open: {:?}", h.app.mode)
    };
    assert!(
        w.error.as_deref().is_some_and(|e| e.contains("99999")),
        "{:?}",
        w.error
    );
    h.keys(r#"ctrl-u "*=0:1434:UDP" enter enter "block" enter "192.0.2.10/24" enter"#);
    let Mode::Wizard(w) = &h.app.mode else {
        panic!("wizard at review")
    };
    assert!(w.adds.iter().any(|a| a.contains("1434")), "{:?}", w.adds);
    h.keys("enter");
    assert!(matches!(h.app.mode, Mode::Normal));
    h.keys(r#"a "Block Outbound UDP 1434 Rule" enter "Outbound UDP 1434" enter"#);
    h.keys(r#""0=*:1434:UDP" enter enter "block" enter enter"#);
    let s = h.app.snapshot();
    assert_eq!(s.policies.len(), 1);
    assert_eq!(s.policies[0].rules.len(), 2);
    assert_eq!(
        s.filter_actions.len(),
        1,
        "the second block reuses the first action"
    );
    assert_eq!(s.assigned, Some(s.policies[0].id));
    // Esc in the first step cancels; Esc later goes back a step keeping the answer.
    h.keys(r#"a "R3" enter esc"#);
    let Mode::Wizard(w) = &h.app.mode else {
        panic!("wizard open")
    };
    assert_eq!(w.input.text, "R3");
}

/// Issue 10 item 4: names from a store are printed escaped, so none can set a title or
/// move the cursor; the views show the escape as text.
#[test]
fn stored_names_with_escapes_are_shown_escaped() {
    let mut s = sample("kb813878");
    let evil = "Evil\x1b]0;pwned\x07\u{202e}name";
    s.policies[0].name = evil.to_string();
    s.policies[0].rules[0].name = evil.to_string();
    s.filter_lists[0].name = evil.to_string();
    s.filter_actions[0].name = evil.to_string();
    let mut h = open(s);
    for keys in ["1", "1 tab", "2", "3", "4", "5 f2", "6", "!"] {
        h.keys(keys);
        let mut t = Terminal::new(TestBackend::new(160, 40)).expect("terminal");
        t.draw(|f| ipsedit::tui::panes::draw(f, &h.app))
            .expect("draw");
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(ipsedit::core::text::is_unsafe_char),
                "after {keys:?}: raw {:?} in a cell",
                cell.symbol()
            );
        }
        let shot = h.screen(160, 40);
        if ["1", "2", "3"].contains(&keys) {
            assert!(
                shot.contains("Evil\\x1b]0;pwned\\x07"),
                "after {keys:?}:\n{shot}"
            );
        }
    }
}

/// Why, bullet 7: at 60x20 the `6 Host` tab and `? help` fell off, and view 4 dropped the
/// source column so a kerberos row read as "all outbound UDP allowed".
#[test]
fn at_60x20_every_tab_help_and_the_addresses_stay() {
    let mut h = open(sample("kb813878"));
    h.app.size = (60, 20);
    for v in ["1", "2", "3", "4", "5 f2", "6"] {
        h.keys(v);
        let shot = h.screen(60, 20);
        let lines: Vec<&str> = shot.lines().collect();
        assert!(lines[1].contains("6 Host"), "view {v}: {}", lines[1]);
        assert!(lines[1].contains("1 "), "view {v}: {}", lines[1]);
        let bar = lines.last().copied().unwrap_or_default();
        assert!(bar.contains("? help"), "view {v}: {bar}");
    }
    h.keys("4");
    let shot = h.screen(60, 20);
    let host = h.app.snapshot().host.interfaces[0].addr.to_string();
    let kerberos: Vec<&str> = shot
        .lines()
        .filter(|l| l.contains(" kerber") && !l.contains("exemption:"))
        .collect();
    assert!(!kerberos.is_empty(), "{shot}");
    for l in kerberos {
        assert!(
            l.contains(&host),
            "a kerberos row names the host address: {l}"
        );
        assert!(l.contains(":88"), "and its port 88: {l}");
    }
}

/// Issue 8 item 10: the TUI does not import the CLI (both front ends use the core).
#[test]
fn the_tui_does_not_import_the_cli() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui"),
        &mut files,
    );
    assert!(files.len() > 20);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("source");
        assert!(
            !text.contains("crate::cli"),
            "{} imports the CLI",
            f.display()
        );
    }
}

/// Why, bullet 5 / item 5: an empty table says why, with the key that fixes it.
#[test]
fn an_empty_table_says_why_and_which_key_fixes_it() {
    let mut h = open(Snapshot::default());
    h.keys("4");
    assert!(h.screen(100, 30).contains("press 1 then a"));
    let mut s = sample("kb813878");
    s.assigned = None;
    let mut h = open(s.clone());
    h.keys("4");
    assert!(
        h.screen(100, 30).contains("press A"),
        "{}",
        h.screen(100, 30)
    );
    s.assigned = Some(s.policies[0].id);
    s.host.interfaces.clear();
    let mut h = open(s);
    h.keys("4");
    assert!(
        h.screen(100, 30).contains("press 6 then e"),
        "{}",
        h.screen(100, 30)
    );
}

/// Why, bullet 3: the filter form took a mask with holes, called 10.0.0.300 a name, and
/// did not point at an en dash.
#[test]
fn the_filter_form_refuses_what_the_importers_refuse() {
    let h = open(sample("kb813878"));
    let host = &h.app.snapshot().host;
    use ipsedit::tui::forms::parse::address;
    let e = address("10.0.0.0/255.0.255.0", host).expect_err("mask with holes");
    assert!(e.contains("'255.0.255.0' is not a contiguous mask"), "{e}");
    let e = address("10.0.0.300", host).expect_err("bad address");
    assert!(e.starts_with("'10.0.0.300' is not an address; "), "{e}");
    let e = address("host\u{2013}a.example", host).expect_err("en dash");
    assert!(e.contains("character 5") && e.contains("U+2013"), "{e}");
}

/// Item 2, names: a form refuses a taken or empty name with the import's own words (the
/// import adds only the position); the form used to say "exists already" in its own.
#[test]
fn the_object_forms_refuse_names_as_the_importer_does() {
    use ipsedit::core::interchange::netsh::{self, Mode as NetshMode};
    use ipsedit::tui::forms::{Field, Syntax, objects};
    let s = sample("kb813878");
    let taken = s.filter_lists[0].name.to_ascii_uppercase();
    let cases = [
        (
            objects::filter_list(&s, None),
            format!("add filterlist name=\"{taken}\""),
            taken.clone(),
        ),
        (
            objects::filter_list(&s, None),
            "add filterlist name=\"\"".to_string(),
            String::new(),
        ),
        (
            objects::filter_action(&s, None),
            format!("add filteraction name=\"{}\"", s.filter_actions[0].name),
            s.filter_actions[0].name.clone(),
        ),
        (
            objects::policy(&s, None),
            format!("add policy name=\"{}\"", s.policies[0].name),
            s.policies[0].name.clone(),
        ),
    ];
    for (mut form, script, name) in cases {
        let at = form
            .fields
            .iter()
            .position(|f| f.key == "name")
            .expect("a name field");
        form.fields[at] = Field::text("name", "Name", &name, Syntax::Required);
        let mut edited = s.clone();
        let (field, words) = objects::commit(&form, &mut edited).expect_err("refused");
        assert_eq!(field, "name");
        let mut imported = s.clone();
        let report = netsh::apply_script(
            &mut imported,
            &format!("netsh ipsec static {script}"),
            NetshMode::Transaction,
        );
        let e = report.errors.first().expect("the import refuses it too");
        assert_eq!(words, format!("{}; {}", e.message, e.hint), "{script}");
        assert_eq!(edited, s, "nothing changed: {script}");
    }
}

/// Item 2, server types: the filter form refuses DNS/WINS/DHCP/GATEWAY paired with
/// anything but me, in the words `add filter` uses, under the field at fault.
#[test]
fn the_filter_form_refuses_a_server_type_paired_with_an_address() {
    use ipsedit::core::interchange::netsh::{self, Mode as NetshMode};
    use ipsedit::tui::forms::{Field, Syntax, objects};
    let s = sample("kb813878");
    let list = s.filter_lists[0].clone();
    for (src, dst, under) in [
        ("DNS", "any", "source"),
        ("198.51.100.7", "WINS", "destination"),
    ] {
        let mut form = objects::filter(&s, list.id, None);
        for (key, value) in [("source", src), ("destination", dst)] {
            let at = form.fields.iter().position(|f| f.key == key).expect(key);
            form.fields[at] = Field::text(key, "Address", value, Syntax::Address);
        }
        let mut edited = s.clone();
        let (field, words) = objects::commit(&form, &mut edited).expect_err("refused");
        assert_eq!(field, under);
        let mut imported = s.clone();
        let report = netsh::apply_script(
            &mut imported,
            &format!(
                "netsh ipsec static add filter filterlist=\"{}\" srcaddr={src} dstaddr={dst}",
                list.name
            ),
            NetshMode::Transaction,
        );
        let e = report.errors.first().expect("the import refuses it too");
        assert_eq!(words, format!("{}; {}", e.message, e.hint));
        assert_eq!(edited, s);
    }
    // Paired with me, both accept it.
    let mut form = objects::filter(&s, list.id, None);
    for (key, value) in [("source", "me"), ("destination", "DNS")] {
        let at = form.fields.iter().position(|f| f.key == key).expect(key);
        form.fields[at] = Field::text(key, "Address", value, Syntax::Address);
    }
    let mut edited = s.clone();
    objects::commit(&form, &mut edited).expect("me with DNS is a valid pair");
}

/// Item 2, tunnel end points: the rule form's field takes what `add rule tunnel=` takes
/// and refuses the rest in its words.
#[test]
fn the_rule_form_checks_a_tunnel_end_point_like_the_importer() {
    use ipsedit::core::interchange::netsh::{self, Mode as NetshMode};
    use ipsedit::tui::forms::parse::optional_ip;
    assert_eq!(optional_ip(""), Ok(None));
    assert_eq!(optional_ip("0"), Ok(None));
    assert_eq!(optional_ip("none"), Ok(None));
    assert_eq!(optional_ip("0.0.0.0"), Ok(None));
    assert_eq!(
        optional_ip("203.0.113.9"),
        Ok(Some("203.0.113.9".parse().expect("ip")))
    );
    let words = optional_ip("203.0.113.300").expect_err("refused");
    let mut s = sample("kb813878");
    let (p, l, a) = (
        s.policies[0].name.clone(),
        s.filter_lists[0].name.clone(),
        s.filter_actions[0].name.clone(),
    );
    let report = netsh::apply_script(
        &mut s,
        &format!(
            "netsh ipsec static add rule name=T policy=\"{p}\" filterlist=\"{l}\" \
             filteraction=\"{a}\" tunnel=203.0.113.300"
        ),
        NetshMode::Transaction,
    );
    let e = report.errors.first().expect("the import refuses it too");
    assert_eq!(words, format!("{}; {}", e.message, e.hint));
}
