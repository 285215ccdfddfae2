//! Issue 8 item 7: any cut text opens in full with one key (`v`), in a scrollable popup
//! that Esc closes; checked on the sample stores at 60x20, where the cuts happen.

use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{FileStore, MemoryStore, Store};
use ipsedit::tui::action::Action;
use ipsedit::tui::app::{App, Mode};
use ipsedit::tui::keymap::script;
use ipsedit::tui::runtime::{Runtime, dispatch};
use ipsedit::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

fn open(s: Snapshot, w: u16, h: u16) -> H {
    let mut app = App::new(s.clone(), 1, "sample".into(), Theme::default_theme());
    let mut rt = Runtime::inline(Box::new(MemoryStore::new(s)));
    rt.recovery_dir =
        Some(std::env::temp_dir().join(format!("ipsedit-pager-test-{}", std::process::id())));
    let first = ipsedit::tui::update::analyze(&mut app);
    for a in rt.perform(first) {
        dispatch(&mut app, &mut rt, a);
    }
    dispatch(&mut app, &mut rt, Action::Resize(w, h));
    H { app, rt }
}

impl H {
    fn keys(&mut self, s: &str) -> &mut Self {
        for k in script(s) {
            dispatch(&mut self.app, &mut self.rt, Action::Key(k));
        }
        self
    }
    fn screen(&self) -> String {
        let (w, h) = self.app.size;
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
    fn pager(&self) -> Vec<String> {
        match &self.app.mode {
            Mode::Pager(p) => p.paragraphs.clone(),
            m => panic!("no pager open: {m:?}"),
        }
    }
}

/// The words of `text` appear in order in `lines` (wrapping may move line breaks).
fn in_order<'a>(lines: impl Iterator<Item = &'a str>, text: &str) -> bool {
    let words: Vec<&str> = lines.flat_map(str::split_whitespace).collect();
    let want: Vec<&str> = text.split_whitespace().collect();
    words.windows(want.len()).any(|w| w == want.as_slice())
}

/// `text` whole inside the pager popup (columns 3 to width-3: the popup is the screen
/// less two columns each side, and its border).
fn shows_whole(screen: &str, text: &str) -> bool {
    let inner: Vec<String> = screen
        .lines()
        .map(|l| {
            let w = l.chars().count();
            l.chars().skip(3).take(w.saturating_sub(6)).collect()
        })
        .collect();
    in_order(inner.iter().map(String::as_str), text)
}

#[test]
fn v_shows_a_cut_table_row_origin_whole_and_esc_closes() {
    let mut h = open(sample("kb811832"), 60, 20);
    h.keys("4 G");
    let row = h.app.analysis.table.last().cloned().expect("a table");
    let before = h.screen();
    // Cut on the main screen (marked), whole in the pager.
    assert!(!in_order(before.lines(), &row.why), "{before}");
    assert!(before.contains(&format!("row {}:", row.index)), "{before}");
    h.keys("v");
    let p = h.pager();
    assert_eq!(p.len(), 2);
    assert!(p[0].starts_with(&format!("row {}: ", row.index)), "{p:?}");
    assert_eq!(p[1], row.why);
    let screen = h.screen();
    assert!(shows_whole(&screen, &row.why), "{screen}");
    assert!(screen.contains("Esc close"), "{screen}");
    h.keys("esc");
    assert!(matches!(h.app.mode, Mode::Normal));
}

#[test]
fn v_on_a_diagnostic_shows_its_message_and_fix_whole_and_scrolls() {
    let mut h = open(sample("kb811832"), 60, 20);
    h.keys("!");
    let d = h
        .app
        .analysis
        .diagnostics
        .first()
        .cloned()
        .expect("a diagnostic");
    h.keys("v");
    assert_eq!(
        h.pager(),
        [
            format!("{} {} ({})", d.code, d.summary, d.path),
            d.message.clone(),
            format!("fix: {}", d.hint),
        ]
    );
    // At 60x20 the whole text is longer than the popup: the top first, the fix at the end.
    let top = h.screen();
    assert!(shows_whole(&top, &h.pager()[0]), "{top}");
    assert!(!shows_whole(&top, &format!("fix: {}", d.hint)), "{top}");
    h.keys("G");
    let Mode::Pager(p) = &h.app.mode else {
        panic!("closed")
    };
    let end = p.scroll;
    assert!(end > 0);
    let bottom = h.screen();
    assert!(
        shows_whole(&bottom, &format!("fix: {}", d.hint)),
        "{bottom}"
    );
    // j never scrolls past the end.
    h.keys("j j");
    let Mode::Pager(p) = &h.app.mode else {
        panic!("closed")
    };
    assert_eq!(p.scroll, end);
    h.keys("g esc");
    assert!(matches!(h.app.mode, Mode::Normal));
    // The diagnostics panel keeps the focus after the pager closes.
    assert!(h.app.diagnostics_open);
}

#[test]
fn v_on_a_cut_error_message_shows_it_whole() {
    let mut h = open(sample("kb811832"), 60, 20);
    h.keys(r#": "exempt seven" enter"#);
    let m = h.app.message.clone().expect("an error");
    assert!(m.error);
    h.keys("v");
    assert_eq!(h.pager()[0], format!("error: {}", m.text));
}

/// In a form `v` is typed, so Ctrl-O opens the focused field whole: a long value and its
/// error, cut at 60 columns, read in full; Esc gives the form back as it was.
#[test]
fn ctrl_o_in_a_form_shows_the_focused_field_and_its_error_whole() {
    let mut h = open(sample("kb813878"), 60, 20);
    h.keys("2 tab e");
    for _ in 0..8 {
        match &h.app.mode {
            Mode::Form(f) if f.fields[f.focus].key == "source" => break,
            Mode::Form(_) => {
                h.keys("tab");
            }
            m => panic!("a form: {m:?}"),
        }
    }
    let Mode::Form(form) = &h.app.mode else {
        panic!("a form: {:?}", h.app.mode)
    };
    assert_eq!(form.fields[form.focus].key, "source");
    let label = form.fields[form.focus].label;
    let long = "198.51.100.7/255.0.255.0 and then a long tail that no sixty-column field shows";
    h.keys("ctrl-u");
    h.keys(&format!("\"{long}\""));
    let Mode::Form(form) = &h.app.mode else {
        panic!("still the form")
    };
    let error = form.fields[form.focus]
        .error
        .clone()
        .expect("refused as typed");
    let mut after: Vec<String> = form.live.iter().cloned().collect();
    after.extend(form.impact.iter().cloned());
    assert!(!after.is_empty(), "the form says who else the list affects");
    assert!(
        !shows_whole(&h.screen(), long),
        "the field is cut at 60 columns"
    );
    h.keys("ctrl-o");
    let mut want = vec![format!("{label}: {long}"), format!("error: {error}")];
    want.extend(after);
    assert_eq!(h.pager(), want);
    h.keys("esc");
    let Mode::Form(form) = &h.app.mode else {
        panic!("Esc returns to the form: {:?}", h.app.mode)
    };
    assert_eq!(form.fields[form.focus].value_text(), long);
}
