//! The terminal UI (issue 4): a thin front end over `core`, in the Elm style.
//!
//! `App` (app.rs) is the state; `Action` (action.rs) what happens; `update` (update.rs) the
//! only place state changes, returning `Effect`s that `runtime` performs; `panes` draw from
//! `&App`. The keymap (`assets/keymap.ron`) feeds dispatch, key bar and help alike; themes
//! (`themes/*.ron`) map semantic roles to styles. This module owns the event loop and the
//! terminal; nothing else touches either.

pub mod action;
pub mod analysis;
pub mod app;
pub mod cursor;
pub mod diff;
pub mod document;
pub mod edit;
pub mod ex;
pub mod files;
pub mod flows;
pub mod forms;
pub mod input;
pub mod items;
pub mod keymap;
pub mod pager;
pub mod panes;
pub mod replay;
pub mod runtime;
pub mod sample;
pub mod signals;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod wizard;

use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};

use std::panic::{self, AssertUnwindSafe};

use crate::core::store::{Store, StoreError};
use action::Action;
use app::App;
use runtime::{Runtime, dispatch};
use theme::Theme;

/// How often the loop wakes without input: signals and engine answers are noticed within
/// this time.
const IDLE_POLL: Duration = Duration::from_millis(100);

/// Why the TUI could not run, in the words the user sees; the front end that launched it
/// picks the exit status (the TUI never imports the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TuiError {
    /// Bad input: an unknown theme, a malformed store (exit 2).
    Invalid(String),
    /// Something failed: no terminal, an internal error (exit 1).
    Failed(String),
}

impl From<StoreError> for TuiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Malformed { .. } | StoreError::TooLarge { .. } => {
                TuiError::Invalid(format!("{e}\n  the store was not changed"))
            }
            other => TuiError::Failed(other.to_string()),
        }
    }
}

/// Opens the TUI on a store.
pub fn run(store: Box<dyn Store>, theme: Option<String>) -> Result<(), TuiError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::select(theme.as_deref(), no_color).map_err(TuiError::Invalid)?;
    let loaded = store.load()?;
    let name = store_name(&store.describe());
    let mut app = App::new(loaded.snapshot, loaded.revision, name, theme);
    // Saves would stay in memory: Ctrl-s says so and offers :w DIR and :export.
    app.scratch = store.is_scratch();
    app.looks.unicode = utf8_locale();
    let mut rt = Runtime::with_worker(store);
    signals::install();
    // A bug must not cost the admin their edits: the guard restores the terminal while the
    // panic unwinds, then the unsaved snapshot goes to a recovery file like on a hang-up.
    let result = match panic::catch_unwind(AssertUnwindSafe(|| event_loop(&mut app, &mut rt))) {
        Ok(r) => r,
        Err(_) => {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                runtime::dispatch(&mut app, &mut rt, Action::Hangup("a crash".into()))
            }));
            Err(TuiError::Failed(
                "ipsedit stopped on an internal error (a bug: please report the message above); \
                 the store was not changed"
                    .into(),
            ))
        }
    };
    // The guard inside event_loop has restored the terminal by now: safe to print.
    for p in &rt.recovered {
        eprintln!("ipsedit: unsaved edits were written to {}", p.display());
    }
    if let Some(sig) = app.exit_signal {
        // Killed by a signal: exit as shells report it (128 + the signal number).
        std::process::exit(128 + sig);
    }
    result
}

fn event_loop(app: &mut App, rt: &mut Runtime) -> Result<(), TuiError> {
    let mut guard = terminal::TerminalGuard::enter()
        .map_err(|e| TuiError::Failed(format!("cannot open the terminal: {e}")))?;
    if let Ok(size) = guard.terminal.size() {
        app.size = (size.width, size.height);
    }
    let first = update::analyze(app);
    for a in rt.perform(first) {
        dispatch(app, rt, a);
    }
    let mut dirty_frame = true;
    while !app.quit {
        if dirty_frame {
            if let Err(e) = guard.terminal.draw(|f| panes::draw(f, app)) {
                // Writing to the terminal failed: it is gone (a dropped SSH session).
                dispatch(
                    app,
                    rt,
                    Action::Hangup(format!("terminal write failed: {e}")),
                );
                break;
            }
            dirty_frame = false;
        }
        if let Some((name, number)) = signals::pending() {
            dispatch(app, rt, Action::Hangup(name.to_string()));
            app.exit_signal = Some(number);
            break;
        }
        let timeout = match update::next_deadline(app) {
            Some(due) => due.saturating_duration_since(Instant::now()).min(IDLE_POLL),
            None => IDLE_POLL,
        };
        match event::poll(timeout) {
            Ok(true) => match event::read() {
                Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => {
                    dispatch(app, rt, Action::Key(k));
                    dirty_frame = true;
                }
                Ok(Event::Resize(w, h)) => {
                    dispatch(app, rt, Action::Resize(w, h));
                    dirty_frame = true;
                }
                Ok(_) => {}
                Err(e) => {
                    dispatch(
                        app,
                        rt,
                        Action::Hangup(format!("terminal read failed: {e}")),
                    );
                    break;
                }
            },
            Ok(false) => {}
            Err(e) => {
                dispatch(
                    app,
                    rt,
                    Action::Hangup(format!("terminal poll failed: {e}")),
                );
                break;
            }
        }
        for a in rt.answers() {
            dispatch(app, rt, a);
            dirty_frame = true;
        }
        if update::next_deadline(app).is_some_and(|d| Instant::now() >= d) {
            dispatch(app, rt, Action::Tick);
            dirty_frame = true;
        }
    }
    drop(guard);
    Ok(())
}

/// The last path component: "kb813878" rather than a long path in the title line. A
/// domain store's description ("domain example.com on DC dc1.example.com:636", from
/// `Store::describe`) is kept whole: the title names the domain and the DC.
pub fn store_name(describe: &str) -> String {
    if describe.starts_with("domain ") {
        return describe.to_string();
    }
    std::path::Path::new(describe).file_name().map_or_else(
        || describe.to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Box-drawing characters only on a UTF-8 locale (LC_ALL, then LC_CTYPE, then LANG, as
/// the C library decides); otherwise ASCII borders.
pub fn utf8_locale() -> bool {
    let var = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    var.is_some_and(|v| {
        let v = v.to_ascii_lowercase();
        v.contains("utf-8") || v.contains("utf8")
    })
}

#[cfg(test)]
mod tests {
    use super::store_name;

    #[test]
    fn the_title_names_a_domain_store_whole_and_a_directory_by_its_last_part() {
        assert_eq!(
            store_name("domain example.com on DC dc1.example.com:636"),
            "domain example.com on DC dc1.example.com:636"
        );
        assert_eq!(
            store_name("domain DC=corp,DC=example on DC 192.0.2.10/x:389"),
            "domain DC=corp,DC=example on DC 192.0.2.10/x:389"
        );
        assert_eq!(store_name("/work/samples/kb813878"), "kb813878");
    }
}
