//! Test helpers for pane snapshots: an `App` on a sample snapshot, driven by keys, drawn
//! into ratatui's `TestBackend` at a given size.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::core::model::Snapshot;
use crate::tui::action::Action;
use crate::tui::analysis::analyze_now;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::update::update;

/// An app on `s` with its analysis done, as the real loop has it after start-up.
pub fn app_on(s: Snapshot) -> App {
    let mut app = App::new(s, 3, "kb813878".into(), Theme::default_theme());
    app.analysis = analyze_now(&app.doc.snapshot, app.preview, 0);
    app
}

/// Feeds keys written as in the keymap (`a`, `ctrl-s`, `enter`), space separated; text
/// after `"` up to the next `"` is typed character by character.
pub fn keys(app: &mut App, script: &str) {
    for ev in crate::tui::keymap::script(script) {
        let fx = update(app, Action::Key(ev));
        settle(app, fx);
    }
}

/// Performs analysis effects inline (no store: saves are not exercised here).
fn settle(app: &mut App, fx: Vec<crate::tui::action::Effect>) {
    for e in fx {
        if let crate::tui::action::Effect::Analyze(req) = e {
            let a = crate::tui::analysis::analyze(&req);
            let more = update(app, Action::Analyzed(Box::new(a)));
            settle(app, more);
        }
    }
}

pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| super::draw(f, app)).expect("draw");
    t.backend().to_string()
}
