//! Esc followed quickly by a key arrives from crossterm as Alt+key (the terminal sends
//! both bytes in one read: over SSH, from tmux, or from a fast typist). In every mode
//! where Esc means something, Alt+key must act as Esc and then the key.

use ipsedit::tui::action::{Action, Effect};
use ipsedit::tui::analysis::{analyze, analyze_now};
use ipsedit::tui::app::{App, Mode, View};
use ipsedit::tui::keymap::script;
use ipsedit::tui::sample::classroom;
use ipsedit::tui::theme::Theme;
use ipsedit::tui::update::update;

fn app() -> App {
    let s = classroom();
    let mut app = App::new(s, 1, "classroom".into(), Theme::default_theme());
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

#[test]
fn alt_key_in_the_find_prompt_clears_the_filter_then_runs_the_key() {
    let mut a = app();
    keys(&mut a, r#"4 / "udp" alt-1"#);
    assert!(matches!(a.mode, Mode::Normal), "{:?}", a.mode);
    assert_eq!(a.table_find, "", "Esc clears the filter");
    assert_eq!(a.view, View::Policies, "then 1 switches views");
}

#[test]
fn alt_key_in_the_command_line_cancels_it() {
    let mut a = app();
    keys(&mut a, r#": "exempt 1" alt-4"#);
    assert!(matches!(a.mode, Mode::Normal), "{:?}", a.mode);
    assert_eq!(a.doc.snapshot.host.no_default_exempt, None, "nothing ran");
    assert_eq!(a.view, View::Effective);
}

#[test]
fn alt_key_in_a_form_cancels_it_and_changes_nothing() {
    let mut a = app();
    let before = a.doc.snapshot.clone();
    keys(&mut a, r#"1 a "New policy" alt-2"#);
    assert!(matches!(a.mode, Mode::Normal), "{:?}", a.mode);
    assert_eq!(a.doc.snapshot, before);
    assert!(!a.doc.dirty());
    assert_eq!(a.view, View::Lists);
}

#[test]
fn alt_key_while_typing_a_packet_stops_typing() {
    let mut a = app();
    keys(&mut a, r#"5 i "udp" alt-4"#);
    assert!(matches!(a.mode, Mode::Normal), "{:?}", a.mode);
    assert_eq!(a.lab.text(), "udp", "the typed text stays");
    assert_eq!(a.view, View::Effective);
}

#[test]
fn alt_key_in_a_delete_confirm_keeps_the_object() {
    let mut a = app();
    let lists = a.doc.snapshot.filter_lists.len();
    keys(&mut a, "2 d alt-3");
    assert!(matches!(a.mode, Mode::Normal), "{:?}", a.mode);
    assert_eq!(a.doc.snapshot.filter_lists.len(), lists);
    assert_eq!(a.view, View::Actions);
}

#[test]
fn alt_key_in_help_and_in_normal_mode() {
    let mut a = app();
    keys(&mut a, "? alt-6");
    assert!(matches!(a.mode, Mode::Normal), "{:?}", a.mode);
    assert_eq!(a.view, View::Host);
    keys(&mut a, "alt-5");
    assert_eq!(a.view, View::Lab);
}

#[test]
fn ctrl_alt_keys_are_not_split() {
    // AltGr characters arrive as Ctrl+Alt on some terminals: they must not cancel a form.
    let mut a = app();
    keys(&mut a, "1 a ctrl-alt-x");
    assert!(matches!(a.mode, Mode::Form(_)), "{:?}", a.mode);
}
