//! `update`: the only place the app state changes. It takes one `Action`, changes `App`,
//! and returns the effects the loop must perform (save, analyze, quit). No I/O here.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, AnalyzeRequest, Command, Effect, SaveFailure};
use super::app::{App, Confirm, Focus, Mode, View};
use super::edit;
use super::forms::{FormOutcome, objects};
use super::{cursor, ex, flows};

/// What Ctrl-s says in a scratch session (`--from FILE`): there is no store to save in.
pub const SCRATCH_SAVE: &str = "nothing written: this is a scratch copy (--from). \
     :w DIR saves into a store, :export netsh FILE or :export ipseccmd FILE writes a script";

/// How long typing in a form must pause before the engine re-checks the edit.
pub const RECHECK_DEBOUNCE: Duration = Duration::from_millis(150);

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => on_key(app, key),
        Action::Run(cmd) => run(app, cmd),
        Action::Ex(line) => ex::run(app, &line),
        Action::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Action::Tick => match app.recheck_due {
            Some(due) if Instant::now() >= due => {
                app.recheck_due = None;
                flows::recheck_form(app)
            }
            _ => Vec::new(),
        },
        Action::Analyzed(a) => {
            // An answer about an older edit is dropped: a newer one is on its way.
            if a.generation >= app.analysis.generation {
                app.analysis = *a;
                cursor::clamp(app);
                flows::form_live_line(app);
            }
            Vec::new()
        }
        Action::Saved(result) => saved(app, result),
        Action::SavedInto(Ok((rev, store))) => {
            let snap = app.doc.snapshot.clone();
            app.doc.mark_saved(rev, snap);
            app.scratch = false;
            app.store_name = super::store_name(&store);
            app.info(format!(
                "saved revision {rev} into the store {store}; Ctrl-s saves there from now on"
            ));
            if app.quit_after_save {
                app.quit = true;
                return vec![Effect::Quit];
            }
            Vec::new()
        }
        Action::SavedInto(Err(e)) => {
            app.quit_after_save = false;
            app.error(format!("NOT saved: {e}"));
            Vec::new()
        }
        Action::Replayed(Ok(h)) => {
            app.info(h.summary());
            app.replay = Some(*h);
            app.view = super::app::View::Effective;
            Vec::new()
        }
        Action::Diffed(Ok((title, paragraphs))) => {
            app.mode = Mode::Pager(super::pager::Pager::new(title, paragraphs));
            Vec::new()
        }
        Action::Diffed(Err(e)) => {
            app.error(e);
            Vec::new()
        }
        Action::Replayed(Err(e)) => {
            app.error(e);
            Vec::new()
        }
        Action::Exported(Ok(m)) => {
            app.info(m);
            Vec::new()
        }
        Action::Exported(Err(e)) => {
            app.error(format!("NOT exported: {e}"));
            Vec::new()
        }
        Action::Loaded(Ok(loaded)) => {
            let (snapshot, revision) = *loaded;
            app.doc.reload(snapshot, revision);
            cursor::clamp(app);
            app.info(format!(
                "reloaded revision {revision} from {}",
                app.store_name
            ));
            vec![analyze(app)]
        }
        Action::Loaded(Err(e)) => {
            app.error(format!("reload failed, edits kept: {e}"));
            Vec::new()
        }
        Action::Hangup(why) => {
            app.quit = true;
            let mut fx = Vec::new();
            if app.doc.dirty() {
                fx.push(Effect::WriteRecovery(Box::new(app.doc.snapshot.clone())));
            }
            app.info(format!("terminal gone ({why})"));
            fx.push(Effect::Quit);
            fx
        }
    }
}

/// A fresh engine run over the current snapshot and preview.
pub fn analyze(app: &mut App) -> Effect {
    app.generation += 1;
    flows::explain_again(app);
    Effect::Analyze(Box::new(AnalyzeRequest {
        generation: app.generation,
        snapshot: app.doc.snapshot.clone(),
        preview: app.preview,
    }))
}

/// Records an edit as one undo step and asks for a re-check.
pub fn edit(
    app: &mut App,
    what: &str,
    f: impl FnOnce(&mut crate::core::model::Snapshot),
) -> Vec<Effect> {
    let host = app.doc.snapshot.host.clone();
    if app.doc.edit(what, f) {
        if app.doc.snapshot.host != host {
            // Storing a host value ends the preview: the screen shows what is stored.
            app.preview = Default::default();
        }
        cursor::clamp(app);
        vec![analyze(app)]
    } else {
        Vec::new()
    }
}

/// Esc then a key, typed quickly (or sent by tmux, or over a slow SSH link), reaches
/// crossterm as one Alt+key: the terminal sends ESC and the key in one read. Where Esc
/// means something (prompts, forms, the lab, confirms, help) the Escape must not be lost,
/// so an Alt+key not bound as such is read as the two keys it most likely was. Ctrl+Alt
/// is left alone: some terminals send AltGr characters that way.
fn split_escape(app: &App, key: &KeyEvent) -> Option<KeyEvent> {
    if !key.modifiers.contains(KeyModifiers::ALT) || key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    if matches!(app.mode, Mode::Normal) && app.keymap.lookup(app.view, key).is_some() {
        return None;
    }
    let mut plain = *key;
    plain.modifiers.remove(KeyModifiers::ALT);
    Some(plain)
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(plain) = split_escape(app, &key) {
        let mut fx = on_key(app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        fx.extend(on_key(app, plain));
        return fx;
    }
    // `v` shows the message in full, so it must not clear it first.
    let pager = matches!(app.mode, Mode::Normal)
        && app.keymap.lookup(app.view, &key) == Some(Command::Pager);
    if !pager
        && !matches!(app.mode, Mode::Confirm(_))
        && app.message.as_ref().is_some_and(|m| !m.error)
    {
        app.message = None;
    }
    match std::mem::replace(&mut app.mode, Mode::Normal) {
        Mode::Normal => {
            if let Some(m) = &app.message
                && m.error
                && !pager
            {
                app.message = None;
            }
            if key.code == KeyCode::Esc && app.keymap.lookup(app.view, &key).is_none() {
                return escape(app);
            }
            // Enter on a diagnostic jumps to its object in every view (view 4 and 5 bind
            // no Enter of their own for this).
            if key.code == KeyCode::Enter && app.diagnostics_open && app.focus == Focus::Diagnostics
            {
                flows::jump_to_diagnostic(app);
                return Vec::new();
            }
            match app.keymap.lookup(app.view, &key) {
                Some(cmd) => run(app, cmd),
                None => Vec::new(),
            }
        }
        Mode::Help(scroll) => {
            // j/k scroll a help longer than the screen; any other key closes it.
            match key.code {
                KeyCode::Char('j') | KeyCode::Down | KeyCode::PageDown => {
                    app.mode = Mode::Help(scroll + 5)
                }
                KeyCode::Char('k') | KeyCode::Up | KeyCode::PageUp => {
                    app.mode = Mode::Help(scroll.saturating_sub(5))
                }
                // The same g/G as every list: top and bottom.
                KeyCode::Char('g') | KeyCode::Home => app.mode = Mode::Help(0),
                KeyCode::Char('G') | KeyCode::End => {
                    app.mode = Mode::Help(super::panes::help::scroll_limit(app))
                }
                _ => {}
            }
            Vec::new()
        }
        Mode::Command(mut line) => match line_edit(&mut line, key) {
            LineOutcome::Done => ex::run(app, &line.text),
            LineOutcome::Cancel => Vec::new(),
            LineOutcome::Editing if key.code == KeyCode::Tab => {
                let themes = super::theme::Theme::builtin_names();
                let (text, list) = super::input::complete(&line.text, &app.doc.snapshot, &themes);
                line = super::input::LineBuf::new(&text);
                if let Some(list) = list {
                    app.info(list);
                }
                app.mode = Mode::Command(line);
                Vec::new()
            }
            LineOutcome::Editing => {
                app.mode = Mode::Command(line);
                Vec::new()
            }
        },
        Mode::Find(mut line) => {
            let outcome = line_edit(&mut line, key);
            app.table_find = line.text.clone();
            app.sel.table_row = 0;
            match outcome {
                LineOutcome::Done => {}
                LineOutcome::Cancel => app.table_find.clear(),
                LineOutcome::Editing => app.mode = Mode::Find(line),
            }
            Vec::new()
        }
        Mode::Packet => {
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => flows::run_packet(app),
                KeyCode::Up | KeyCode::Down => {
                    app.lab.recall(key.code == KeyCode::Up);
                    app.mode = Mode::Packet;
                }
                _ => {
                    super::input::readline(&mut app.lab.input, key);
                    app.mode = Mode::Packet;
                }
            }
            Vec::new()
        }
        Mode::Form(form)
            if key.code == KeyCode::F(2)
                || (key.code == KeyCode::Char('o')
                    && key.modifiers.contains(KeyModifiers::CONTROL)) =>
        {
            super::pager::open_form_field(app, form);
            Vec::new()
        }
        Mode::Form(mut form) => match form.handle_key(key) {
            FormOutcome::Cancel => {
                app.recheck_due = None;
                app.info("cancelled; nothing changed");
                // The diagnostics may show the abandoned edit: re-check what is stored.
                vec![analyze(app)]
            }
            FormOutcome::Commit => flows::commit_form(app, *form),
            FormOutcome::Edited => {
                form.validate(&app.doc.snapshot.host);
                app.mode = Mode::Form(form);
                app.recheck_due = Some(Instant::now() + RECHECK_DEBOUNCE);
                Vec::new()
            }
            FormOutcome::Moved => {
                app.mode = Mode::Form(form);
                Vec::new()
            }
        },
        Mode::Confirm(c) => confirm(app, c, key),
        Mode::Pager(p) => {
            super::pager::key(app, p, key);
            Vec::new()
        }
        Mode::Wizard(mut w) => flows::wizard_key(app, &mut w, key).unwrap_or_else(|| {
            app.mode = Mode::Wizard(w);
            Vec::new()
        }),
    }
}

/// Esc in normal mode backs out of the innermost thing open: the diagnostics panel, then
/// a preview, then the `/` filter of the table.
fn escape(app: &mut App) -> Vec<Effect> {
    if app.diagnostics_open {
        close_diagnostics(app);
        Vec::new()
    } else if app.preview != Default::default() {
        flows::end_preview(app)
    } else if !app.table_find.is_empty() {
        app.table_find.clear();
        app.info("row filter cleared");
        Vec::new()
    } else {
        Vec::new()
    }
}

/// Closes the diagnostics panel and gives the focus back to the pane that had it.
fn close_diagnostics(app: &mut App) {
    app.diagnostics_open = false;
    if app.focus == Focus::Diagnostics {
        app.focus = app.focus_before_diagnostics;
    }
}

fn confirm(app: &mut App, c: Confirm, key: KeyEvent) -> Vec<Effect> {
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    match c {
        Confirm::Quit => match key.code {
            KeyCode::Char('s') | KeyCode::Char('S') if app.scratch => {
                app.error(SCRATCH_SAVE);
                Vec::new()
            }
            KeyCode::Char('s') | KeyCode::Char('S') => {
                app.quit_after_save = true;
                vec![save(app)]
            }
            _ if yes => {
                app.quit = true;
                vec![Effect::Quit]
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N') => {
                app.info("not quitting");
                Vec::new()
            }
            _ => {
                app.mode = Mode::Confirm(Confirm::Quit);
                Vec::new()
            }
        },
        Confirm::Delete { target, impact } => {
            if yes {
                flows::delete_now(app, target)
            } else if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N')
            ) {
                app.info("nothing deleted");
                Vec::new()
            } else {
                app.mode = Mode::Confirm(Confirm::Delete { target, impact });
                Vec::new()
            }
        }
    }
}

enum LineOutcome {
    Editing,
    Done,
    Cancel,
}

/// A one-line input (command line, `/` filter) with the readline keys of `input`.
fn line_edit(line: &mut super::input::LineBuf, key: KeyEvent) -> LineOutcome {
    match key.code {
        KeyCode::Enter => LineOutcome::Done,
        KeyCode::Esc => LineOutcome::Cancel,
        KeyCode::Backspace if line.text.is_empty() => LineOutcome::Cancel,
        _ => {
            line.key(key);
            LineOutcome::Editing
        }
    }
}

pub fn save(app: &mut App) -> Effect {
    Effect::Save {
        expected: app.doc.revision,
        snapshot: Box::new(app.doc.snapshot.clone()),
        summary: app.doc.summary(),
    }
}

fn saved(app: &mut App, result: Result<crate::core::store::Revision, SaveFailure>) -> Vec<Effect> {
    match result {
        Ok(rev) => {
            let snap = app.doc.snapshot.clone();
            app.doc.mark_saved(rev, snap);
            app.info(format!("saved revision {rev} to {}", app.store_name));
            if app.quit_after_save {
                app.quit = true;
                return vec![Effect::Quit];
            }
        }
        Err(SaveFailure::Stale { found, recovery }) => {
            app.quit_after_save = false;
            let kept = match recovery {
                Ok(p) => format!("your edits are kept in {}", p.display()),
                Err(e) => format!(
                    "the recovery copy failed too ({e}); your edits are still here, unsaved"
                ),
            };
            app.error(format!(
                "NOT saved: the store changed on disk (now revision {found}, you started from {}). \
                 Nothing was overwritten; {kept}. :e! reloads the store.",
                app.doc.revision
            ));
        }
        Err(SaveFailure::Other(e)) => {
            app.quit_after_save = false;
            app.error(format!("NOT saved: {e}"));
        }
    }
    Vec::new()
}

/// Runs a bound command in the current view.
pub fn run(app: &mut App, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Quit => {
            if app.doc.dirty() {
                app.mode = Mode::Confirm(Confirm::Quit);
                Vec::new()
            } else {
                app.quit = true;
                vec![Effect::Quit]
            }
        }
        Command::Save => {
            if app.scratch {
                app.error(SCRATCH_SAVE);
                Vec::new()
            } else if app.doc.dirty() || app.doc.revision == 0 {
                vec![save(app)]
            } else {
                app.info("nothing to save");
                Vec::new()
            }
        }
        Command::Undo | Command::Redo => {
            let host_before = app.doc.snapshot.host.clone();
            let what = if cmd == Command::Undo {
                app.doc.undo()
            } else {
                app.doc.redo()
            };
            let word = if cmd == Command::Undo {
                "undid"
            } else {
                "redid"
            };
            match what {
                Some(w) => {
                    if app.doc.snapshot.host != host_before {
                        app.preview = Default::default();
                    }
                    app.info(format!("{word}: {w}"));
                    cursor::clamp(app);
                    vec![analyze(app)]
                }
                None => {
                    app.info(format!(
                        "nothing to {}",
                        if cmd == Command::Undo { "undo" } else { "redo" }
                    ));
                    Vec::new()
                }
            }
        }
        Command::Help => {
            app.mode = Mode::Help(0);
            Vec::new()
        }
        Command::CommandLine => {
            app.mode = Mode::Command(Default::default());
            Vec::new()
        }
        Command::Pager => {
            super::pager::open(app);
            Vec::new()
        }
        Command::Diagnostics => {
            if app.diagnostics_open && app.focus == Focus::Diagnostics {
                close_diagnostics(app);
            } else {
                if app.focus != Focus::Diagnostics {
                    app.focus_before_diagnostics = app.focus;
                }
                app.diagnostics_open = true;
                app.focus = Focus::Diagnostics;
            }
            Vec::new()
        }
        Command::View(n) => {
            if let Some(v) = View::from_number(n) {
                app.view = v;
                if app.focus != Focus::Diagnostics {
                    app.focus = Focus::Main;
                } else {
                    app.focus_before_diagnostics = Focus::Main;
                }
            }
            Vec::new()
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => {
            let before = app.sel.diagnostic;
            cursor::move_cursor(app, cmd);
            if app.sel.diagnostic != before {
                app.detail_scroll = 0;
            }
            Vec::new()
        }
        Command::ScrollDown | Command::ScrollUp => {
            let down = cmd == Command::ScrollDown;
            let step = |v: u16, limit: u16| {
                if down {
                    (v + 1).min(limit)
                } else {
                    v.min(limit).saturating_sub(1)
                }
            };
            if app.focus == Focus::Diagnostics && app.diagnostics_open {
                let limit = crate::tui::panes::diagnostics::scroll_limit(app);
                app.detail_scroll = step(app.detail_scroll, limit);
            } else if app.view == View::Lab {
                let limit = crate::tui::panes::lab::scroll_limit(app);
                app.lab.scroll = step(app.lab.scroll, limit);
            }
            Vec::new()
        }
        Command::FocusNext | Command::FocusPrev => {
            cursor::cycle_focus(app, cmd == Command::FocusNext);
            Vec::new()
        }
        Command::Open => {
            if app.focus == Focus::Diagnostics {
                flows::jump_to_diagnostic(app);
            } else if cursor::has_children(app.view) && app.focus == Focus::Main {
                app.focus = Focus::Children;
            }
            Vec::new()
        }
        Command::Add | Command::AddChild => flows::open_add(app),
        Command::Edit => flows::open_edit(app),
        Command::Duplicate => match cursor::selected_target(app) {
            Some(t) => {
                let what = format!("duplicate {}", t.describe(&app.doc.snapshot));
                let mut copy = None;
                let fx = edit(app, &what, |s| copy = edit::duplicate(s, t));
                if let Some(c) = copy {
                    cursor::select(app, c);
                    app.info(format!("{what}: done"));
                }
                fx
            }
            None => Vec::new(),
        },
        Command::Delete => flows::ask_delete(app),
        Command::Assign => flows::toggle_assign(app),
        Command::Find => {
            app.mode = Mode::Find(super::input::LineBuf::new(&app.table_find));
            Vec::new()
        }
        Command::ExemptNext | Command::ExemptPrev => {
            flows::cycle_exempt(app, cmd == Command::ExemptNext)
        }
        Command::ProfileNext | Command::ProfilePrev => {
            flows::cycle_profile(app, cmd == Command::ProfileNext)
        }
        Command::EditPacket => {
            app.mode = Mode::Packet;
            Vec::new()
        }
        Command::NewPacket => {
            app.lab.set_input("");
            app.lab.recalled = None;
            app.mode = Mode::Packet;
            Vec::new()
        }
        Command::Preset(n) => {
            flows::preset(app, n);
            Vec::new()
        }
        Command::EditHost => {
            let mut f = objects::host(&app.doc.snapshot);
            f.validate(&app.doc.snapshot.host);
            app.mode = Mode::Form(Box::new(f));
            Vec::new()
        }
    }
}

/// When the loop should wake up even without input (the debounced re-check).
pub fn next_deadline(app: &App) -> Option<Instant> {
    app.recheck_due
}
