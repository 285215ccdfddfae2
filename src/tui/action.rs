//! What can happen to the app (`Action`, `Command`) and what the loop must do for it
//! (`Effect`). `update` turns actions into state changes plus effects; only the loop (or a
//! test harness) performs effects, so `update` stays pure and testable.

use crossterm::event::KeyEvent;
use serde::Deserialize;

use super::analysis::Analysis;
use crate::core::model::Snapshot;
use crate::core::store::Revision;

/// A named thing a key can do. Keymap entries (`assets/keymap.ron`) refer to these names,
/// so the help screen and key bar are generated from the same data the dispatcher uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Command {
    Quit,
    Save,
    Undo,
    Redo,
    Help,
    CommandLine,
    Diagnostics,
    View(u8),
    Up,
    Down,
    PageUp,
    PageDown,
    /// Scroll the text that does not fit: the packet lab's reasons, or the selected
    /// diagnostic's message when the diagnostics panel has the focus.
    ScrollDown,
    ScrollUp,
    Top,
    Bottom,
    FocusNext,
    FocusPrev,
    Open,
    Add,
    AddChild,
    Edit,
    Duplicate,
    Delete,
    Assign,
    Find,
    ExemptNext,
    ExemptPrev,
    ProfileNext,
    ProfilePrev,
    EditPacket,
    /// `i` in the lab: a fresh packet (earlier ones on Up/Down).
    NewPacket,
    Preset(u8),
    EditHost,
    /// `v`: the selected or cut text in full (a pager popup).
    Pager,
}

/// Everything `update` reacts to.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key press (releases and repeats are filtered out by the loop).
    Key(KeyEvent),
    /// A bound command, as if its key had been pressed.
    Run(Command),
    /// A `:` command line, as typed (without the colon).
    Ex(String),
    Resize(u16, u16),
    /// Time passed: due debounced work (the engine re-check while a form is open) runs now.
    Tick,
    /// The engine finished an analysis requested by `Effect::Analyze`.
    Analyzed(Box<Analysis>),
    /// The store answered a save.
    Saved(Result<Revision, SaveFailure>),
    /// `:w DIR` answered: the new revision and the store's description, or why not.
    SavedInto(Result<(Revision, String), String>),
    /// `:export` answered: the message to show, or why it failed.
    Exported(Result<String, String>),
    /// `:diff` answered: the panel's title and lines, or why not.
    Diffed(Result<(String, Vec<String>), String>),
    /// `:replay` answered: hits per row, or why not.
    Replayed(Result<Box<super::replay::ReplayHits>, String>),
    /// The store answered a reload (`:e!`).
    Loaded(Result<Box<(Snapshot, Revision)>, String>),
    /// The terminal went away (SIGHUP, SIGTERM, or the tty returned an error).
    Hangup(String),
}

/// The script formats `:export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Netsh,
    Ipseccmd,
}

/// Why a save failed, already in the words the user sees.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveFailure {
    /// Someone else saved meanwhile; the edits were written to a recovery file.
    Stale {
        found: Revision,
        recovery: Result<std::path::PathBuf, String>,
    },
    Other(String),
}

/// Work for the loop. Each may answer with an `Action`.
#[derive(Debug, Clone)]
pub enum Effect {
    Save {
        expected: Revision,
        snapshot: Box<Snapshot>,
        summary: String,
    },
    /// Run the engine over this snapshot (off the UI thread in the real loop).
    Analyze(Box<AnalyzeRequest>),
    /// Reload from the store, discarding edits.
    Reload,
    /// Unsaved edits must survive the session ending: write a recovery copy.
    WriteRecovery(Box<Snapshot>),
    /// `:w DIR`: save into the file store at DIR, which becomes the session's store.
    SaveInto {
        dir: std::path::PathBuf,
        snapshot: Box<Snapshot>,
        summary: String,
    },
    /// `:replay FILE`: count a capture's packets per row of the table `request` builds.
    Replay {
        path: std::path::PathBuf,
        request: Box<AnalyzeRequest>,
    },
    /// `:diff REV|preview`: the semantic diff of the table on screen against `against`.
    Diff {
        against: super::diff::Against,
        request: Box<AnalyzeRequest>,
    },
    /// `:export netsh|ipseccmd FILE`.
    Export {
        format: ExportFormat,
        path: std::path::PathBuf,
        snapshot: Box<Snapshot>,
    },
    Quit,
}

/// Input of one engine run. `generation` lets the app ignore answers that arrive after a
/// newer edit.
#[derive(Debug, Clone)]
pub struct AnalyzeRequest {
    pub generation: u64,
    pub snapshot: Snapshot,
    pub preview: super::app::Preview,
}
