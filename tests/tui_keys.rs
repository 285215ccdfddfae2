//! The TUI driven by key sequences, asserting on `App` state (helix style): forms, undo,
//! save (including a stale store), delete confirmations, the command line, previews.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{ChangeSet, Loaded, Revision, RevisionInfo, Store, StoreError, Version};
use ipsedit::tui::action::Action;
use ipsedit::tui::app::{App, Confirm, Mode, View};
use ipsedit::tui::keymap::script;
use ipsedit::tui::runtime::{Runtime, dispatch};
use ipsedit::tui::sample::{classroom, kb813878};
use ipsedit::tui::theme::Theme;

/// A store in memory whose revision a test can bump behind the app's back.
#[derive(Clone)]
struct SharedStore {
    state: Rc<RefCell<(Snapshot, Revision)>>,
    dir: PathBuf,
}

impl Store for SharedStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        let (s, r) = self.state.borrow().clone();
        Ok(Loaded {
            snapshot: s,
            revision: r,
        })
    }
    fn save(&self, expected: Revision, s: &Snapshot, _: &str) -> Result<Revision, StoreError> {
        let mut st = self.state.borrow_mut();
        if st.1 != expected {
            return Err(StoreError::Stale {
                expected,
                found: st.1,
            });
        }
        *st = (s.clone(), st.1 + 1);
        Ok(st.1)
    }
    fn apply(&self, base: &Version, c: &ChangeSet, s: &str) -> Result<Revision, StoreError> {
        let next = c.apply_to(&self.state.borrow().0)?;
        self.save(base.revision().unwrap_or(0), &next, s)
    }
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        Ok(Vec::new())
    }
    fn load_revision(&self, r: Revision) -> Result<Snapshot, StoreError> {
        Err(StoreError::NoSuchRevision(r))
    }
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

struct Harness {
    app: App,
    rt: Runtime,
    store: SharedStore,
    _tmp: tempfile::TempDir,
}

fn open(s: Snapshot) -> Harness {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("kb813878");
    std::fs::create_dir(&dir).expect("store dir");
    let store = SharedStore {
        state: Rc::new(RefCell::new((s.clone(), 1))),
        dir,
    };
    let mut app = App::new(s, 1, "kb813878".into(), Theme::default_theme());
    let mut rt = Runtime::inline(Box::new(store.clone()));
    rt.recovery_dir = Some(tmp.path().join("state"));
    let first = ipsedit::tui::update::analyze(&mut app);
    for a in rt.perform(first) {
        dispatch(&mut app, &mut rt, a);
    }
    Harness {
        app,
        rt,
        store,
        _tmp: tmp,
    }
}

impl Harness {
    fn keys(&mut self, s: &str) -> &mut Self {
        for k in script(s) {
            dispatch(&mut self.app, &mut self.rt, Action::Key(k));
        }
        self
    }
    fn message(&self) -> String {
        self.app
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }
    fn stored(&self) -> Snapshot {
        self.store.state.borrow().0.clone()
    }
}

#[test]
fn add_a_rule_through_the_wizard_then_undo_redo_and_save() {
    let mut h = open(kb813878());
    h.keys(
        r#"1 tab a "Allow DNS" enter "DNS" enter "udp any -> me:53" enter enter "permit" enter"#,
    );
    // The sample host has an address: straight to the review, where Enter stores.
    h.keys("enter");
    let rules: Vec<_> = h.app.snapshot().policies[0]
        .rules
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(rules.last().map(String::as_str), Some("Allow DNS"));
    assert!(h.app.doc.dirty());
    h.keys("u");
    assert_eq!(h.app.snapshot().policies[0].rules.len(), 2);
    assert!(
        !h.app.doc.dirty(),
        "undo back to the saved state clears the marker"
    );
    h.keys("ctrl-r ctrl-s");
    assert!(!h.app.doc.dirty());
    assert_eq!(h.stored().policies[0].rules.len(), 3);
    assert_eq!(h.app.doc.revision, 2);
    assert!(h.message().contains("saved revision 2"), "{}", h.message());
}

#[test]
fn a_form_with_a_syntax_error_does_not_commit_and_esc_changes_nothing() {
    let mut h = open(kb813878());
    let before = h.app.snapshot().clone();
    h.keys(r#"2 tab e ctrl-u "1.2.3" enter"#);
    let Mode::Form(form) = &h.app.mode else {
        panic!("form closed: {:?}", h.app.mode)
    };
    assert!(form.fields[0].error.as_deref().is_some_and(|e| e
        == "'1.2.3' is not an address; write me, any, an IPv4 address, a DNS name, \
                    or DNS, WINS, DHCP or GATEWAY"));
    h.keys("esc");
    assert!(matches!(h.app.mode, Mode::Normal));
    assert_eq!(h.app.snapshot(), &before);
    assert!(!h.app.doc.dirty());
}

#[test]
fn a_stale_store_is_never_overwritten_and_the_edits_go_to_a_recovery_file() {
    let mut h = open(kb813878());
    h.keys(r#"1 a "Other" enter"#);
    // Someone else saves meanwhile.
    h.store.state.borrow_mut().1 = 7;
    h.keys("ctrl-s");
    let msg = h.message();
    assert!(
        msg.contains("NOT saved") && msg.contains("revision 7"),
        "{msg}"
    );
    assert_eq!(
        h.stored().policies.len(),
        1,
        "the store kept the other writer's state"
    );
    assert!(h.app.doc.dirty());
    let recovery = h.rt.recovered.first().expect("recovery file").clone();
    let text = std::fs::read_to_string(&recovery).expect("readable");
    assert!(text.contains("\"Other\""));
    assert_eq!(
        recovery.parent(),
        h.rt.recovery_dir.as_deref(),
        "written to the state directory, not next to the store"
    );
}

#[test]
fn quitting_with_unsaved_changes_asks_first() {
    let mut h = open(kb813878());
    h.keys("1 A q");
    assert!(matches!(h.app.mode, Mode::Confirm(Confirm::Quit)));
    h.keys("n");
    assert!(!h.app.quit);
    h.keys("q s");
    assert!(h.app.quit, "save and quit");
    assert_eq!(h.stored().assigned, None);
}

#[test]
fn deleting_a_used_list_shows_the_impact_and_takes_its_rules() {
    let mut h = open(kb813878());
    h.keys("2 d");
    let Mode::Confirm(Confirm::Delete { impact, .. }) = &h.app.mode else {
        panic!("no confirm")
    };
    assert!(impact.contains("used by 1 rule in 1 policy"), "{impact}");
    h.keys("y");
    assert_eq!(h.app.snapshot().filter_lists.len(), 1);
    assert_eq!(h.app.snapshot().policies[0].rules.len(), 1);
    h.keys("u");
    assert_eq!(h.app.snapshot().filter_lists.len(), 2);
}

#[test]
fn command_line_changes_the_stored_host_context() {
    let mut h = open(classroom());
    h.keys(r#": "exempt 1" enter : "os ws2003" enter"#);
    assert_eq!(h.app.snapshot().host.no_default_exempt, Some(1));
    assert_eq!(h.app.snapshot().host.profile.id(), "ws2003");
    h.keys(r#": "assign Secure admin" enter"#);
    let secure = h.app.snapshot().policy_named("Secure admin").map(|p| p.id);
    assert_eq!(h.app.snapshot().assigned, secure);
    h.keys(r#": "bogus" enter"#);
    assert!(h.message().contains("unknown command :bogus"));
    h.keys(r#": "w" enter"#);
    assert_eq!(h.stored().host.no_default_exempt, Some(1));
}

#[test]
fn view_4_previews_without_storing_and_view_6_stores() {
    let mut h = open(kb813878());
    h.keys("4 ] ] >");
    assert_eq!(h.app.view, View::Effective);
    assert!(h.app.preview.no_default_exempt.is_some());
    assert_eq!(h.app.snapshot().host.no_default_exempt, None);
    assert!(!h.app.doc.dirty());
    h.keys("6 ]");
    assert_eq!(h.app.snapshot().host.no_default_exempt, Some(0));
    assert!(h.app.doc.dirty());
}

/// Each step adds a policy (a duplicate), so every undo must take one away: a no-op undo
/// fails at the half-way count, not only at the end.
#[test]
fn undo_reaches_back_a_hundred_and_fifty_steps() {
    let mut h = open(kb813878());
    let n0 = h.app.snapshot().policies.len();
    for _ in 0..150 {
        h.keys("1 c");
    }
    assert_eq!(h.app.snapshot().policies.len(), n0 + 150);
    for _ in 0..75 {
        h.keys("u");
    }
    assert_eq!(h.app.snapshot().policies.len(), n0 + 75);
    for _ in 0..75 {
        h.keys("u");
    }
    assert_eq!(h.app.snapshot(), &h.stored());
    assert!(!h.app.doc.dirty());
}

/// The README promises 200 undo steps: the 201st edit back is out of reach.
#[test]
fn undo_stops_at_two_hundred_steps() {
    let mut h = open(kb813878());
    let n0 = h.app.snapshot().policies.len();
    for _ in 0..205 {
        h.keys("1 c");
    }
    let mut undone = 0;
    loop {
        h.keys("u");
        if h.message().contains("nothing to undo") {
            break;
        }
        undone += 1;
        assert!(undone <= 200, "more than 200 undo steps");
    }
    assert_eq!(undone, 200);
    assert_eq!(h.app.snapshot().policies.len(), n0 + 5);
}

#[test]
fn help_and_key_bar_come_from_the_keymap() {
    let mut h = open(kb813878());
    h.keys("4 ?");
    assert!(matches!(h.app.mode, Mode::Help(_)));
    let help = ipsedit::tui::panes::help::lines(&h.app);
    assert!(
        help.iter()
            .any(|(k, d)| k == "]" && d.contains("NoDefaultExempt"))
    );
    assert!(help.iter().any(|(k, _)| k == "^s"));
    h.keys("x");
    assert!(matches!(h.app.mode, Mode::Normal));
}

#[test]
fn hangup_with_unsaved_edits_writes_a_recovery_copy_and_quits() {
    let mut h = open(kb813878());
    let before = h.stored();
    h.keys("1 A");
    dispatch(&mut h.app, &mut h.rt, Action::Hangup("SIGHUP".into()));
    assert!(h.app.quit);
    assert_eq!(h.rt.recovered.len(), 1);
    assert_eq!(h.stored(), before, "the store is untouched");
}
