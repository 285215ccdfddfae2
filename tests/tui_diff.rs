//! Issue 12 item 3, TUI part: `:diff preview` and `:diff REV` open a panel listing the
//! regions whose verdict changes, with verdict A -> B, the deciding rows and an example.

use ipsedit::core::engine::{EffectiveTable, diff::diff};
use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{FileStore, MemoryStore, Store};
use ipsedit::tui::action::Action;
use ipsedit::tui::app::{App, Mode};
use ipsedit::tui::keymap::script;
use ipsedit::tui::runtime::{Runtime, dispatch};
use ipsedit::tui::theme::Theme;

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

impl H {
    fn open(s: Snapshot) -> H {
        let store = MemoryStore::new(s);
        let loaded = store.load().expect("loads");
        let mut app = App::new(
            loaded.snapshot,
            loaded.revision,
            "sample".into(),
            Theme::default_theme(),
        );
        let mut rt = Runtime::inline(Box::new(store));
        rt.recovery_dir =
            Some(std::env::temp_dir().join(format!("ipsedit-diff-test-{}", std::process::id())));
        let first = ipsedit::tui::update::analyze(&mut app);
        for a in rt.perform(first) {
            dispatch(&mut app, &mut rt, a);
        }
        H { app, rt }
    }
    fn keys(&mut self, s: &str) {
        for k in script(s) {
            dispatch(&mut self.app, &mut self.rt, Action::Key(k));
        }
    }
    fn ex(&mut self, s: &str) {
        dispatch(&mut self.app, &mut self.rt, Action::Ex(s.into()));
    }
    fn panel(&self) -> (String, Vec<String>) {
        match &self.app.mode {
            Mode::Pager(p) => (p.title.clone(), p.paragraphs.clone()),
            m => panic!("no diff panel: {m:?}; message {:?}", self.app.message),
        }
    }
}

#[test]
fn diff_preview_lists_what_no_default_exempt_1_blocks() {
    let s = sample("kb811832");
    let mut h = H::open(s.clone());
    h.keys("4 ] ]");
    let previewed = h.app.preview.no_default_exempt.expect("a previewed value");
    h.ex("diff preview");
    let (title, lines) = h.panel();
    // The engine's own answer, computed here from the two host contexts.
    let mut host_b = s.host.clone();
    host_b.no_default_exempt = previewed;
    let want = diff(
        &EffectiveTable::build(&s, None, &s.host),
        &EffectiveTable::build(&s, None, &host_b),
    );
    assert!(!want.is_empty());
    assert_eq!(lines.len(), want.len());
    assert_eq!(
        title,
        format!(
            "Diff: A = stored host context, B = on screen ({} regions)",
            want.len()
        )
    );
    for (line, r) in lines.iter().zip(&want) {
        assert!(line.contains("  permit -> block  "), "{line}");
        assert!(line.ends_with(&format!(", e.g. {}", r.example)), "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("(A: row 1 the kerberos exemption; B: row ")),
        "{lines:?}"
    );
    h.keys("esc");
    assert!(matches!(h.app.mode, Mode::Normal));
}

#[test]
fn diff_against_a_revision_shows_an_edit_and_equal_says_so() {
    let s = sample("kb811832");
    let mut h = H::open(s);
    let rev = h.app.doc.revision;
    h.ex(&format!("diff {rev}"));
    assert_eq!(
        h.panel().1,
        ["no packet changes verdict: A and B are equivalent"]
    );
    h.keys("esc");
    // A stored edit: NoDefaultExempt 1 (not saved yet; the diff is against the revision).
    h.ex("exempt 1");
    h.ex(&format!("diff rev:{rev}"));
    let (title, lines) = h.panel();
    assert!(title.starts_with(&format!("Diff: A = revision {rev}, B = on screen (")));
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l.contains("  permit -> block  ")),
        "{lines:?}"
    );
}

#[test]
fn diff_without_a_preview_or_with_a_bad_revision_says_why() {
    let mut h = H::open(sample("kb811832"));
    h.ex("diff preview");
    assert_eq!(
        h.app.message.as_ref().map(|m| m.text.as_str()),
        Some("no preview to compare: preview with ] [ > < in view 4 first")
    );
    h.ex("diff 999");
    let m = h.app.message.clone().expect("an error");
    assert!(m.error && m.text.starts_with(":diff 999: "), "{}", m.text);
    h.ex("diff yesterday");
    assert_eq!(
        h.app.message.as_ref().map(|m| m.text.as_str()),
        Some(":diff \"yesterday\": use :diff REV (a history revision number) or :diff preview")
    );
}
