//! The whole UI state (`App`). Render functions borrow it immutably; only `update` changes
//! it. Nothing here does I/O.

use std::time::Instant;

use crate::core::model::{OsProfile, Snapshot};
use crate::core::store::Revision;

use super::analysis::Analysis;
use super::document::Document;
use super::forms::Form;
use super::keymap::Keymap;
use super::panes::lab::Lab;
use super::theme::Theme;

/// The six views, in tab order. Each has one name used in state, actions and drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Policies,
    Lists,
    Actions,
    Effective,
    Lab,
    Host,
}

impl View {
    pub const ALL: [View; 6] = [
        View::Policies,
        View::Lists,
        View::Actions,
        View::Effective,
        View::Lab,
        View::Host,
    ];

    pub fn number(self) -> u8 {
        match self {
            View::Policies => 1,
            View::Lists => 2,
            View::Actions => 3,
            View::Effective => 4,
            View::Lab => 5,
            View::Host => 6,
        }
    }

    pub fn from_number(n: u8) -> Option<View> {
        View::ALL.into_iter().find(|v| v.number() == n)
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Policies => "Policies",
            View::Lists => "Lists",
            View::Actions => "Actions",
            View::Effective => "Effective",
            View::Lab => "Packet lab",
            View::Host => "Host",
        }
    }
}

/// Which pane of a view has the keyboard. Views 1 and 2 have three levels (the list, its
/// children, the detail); the others use `Main` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Main,
    Children,
    /// The diagnostics panel at the bottom.
    Diagnostics,
}

/// Cursor positions, kept per list so switching views does not lose your place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub policy: usize,
    pub rule: usize,
    pub list: usize,
    pub filter: usize,
    pub action: usize,
    pub table_row: usize,
    pub diagnostic: usize,
}

/// NoDefaultExempt and OS profile as previewed in view 4; `None` fields follow the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preview {
    pub profile: Option<OsProfile>,
    /// `Some(None)` previews "absent" (the profile default).
    pub no_default_exempt: Option<Option<u32>>,
}

/// A message under the tab bar; errors stay until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// A question that must be answered before anything else happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Quit with unsaved changes: s saves then quits, y quits without saving.
    Quit,
    /// Delete an object that something uses; `impact` says what goes with it.
    Delete {
        target: super::edit::Target,
        impact: String,
    },
}

/// The input mode: who gets the next key.
#[derive(Debug, Clone)]
pub enum Mode {
    Normal,
    /// The help screen, scrolled down by this many lines.
    Help(u16),
    Command(super::input::LineBuf),
    /// `/` in view 4: the text typed so far filters the table rows.
    Find(super::input::LineBuf),
    /// Typing a packet in view 5.
    Packet,
    Form(Box<Form>),
    /// The rule wizard (`a` on view 1's rules, or on an empty policy list).
    Wizard(Box<super::wizard::Wizard>),
    Confirm(Confirm),
    /// `v`: the selected or cut text in full, scrollable (`tui::pager`).
    Pager(super::pager::Pager),
}

/// Terminal capabilities that change how things are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Looks {
    /// Box-drawing borders; ASCII `+-|` on a non-UTF-8 locale.
    pub unicode: bool,
}

pub struct App {
    pub doc: Document,
    pub store_name: String,
    /// A scratch session (`--from FILE`): the store lives in memory only, so Ctrl-s has
    /// nowhere to write and says what can be done instead.
    pub scratch: bool,
    pub view: View,
    pub focus: Focus,
    pub sel: Selection,
    pub mode: Mode,
    pub message: Option<Message>,
    pub diagnostics_open: bool,
    /// The pane that had the focus before the diagnostics panel took it.
    pub focus_before_diagnostics: Focus,
    /// How far the selected diagnostic's message is scrolled (J/K).
    pub detail_scroll: u16,
    pub keymap: Keymap,
    pub theme: Theme,
    pub looks: Looks,
    pub preview: Preview,
    pub table_find: String,
    pub lab: Lab,
    /// Latest engine results; `analysis.generation < generation` means a run is pending.
    pub analysis: Analysis,
    pub generation: u64,
    /// A debounced re-check is due at this instant (set while typing in a form).
    pub recheck_due: Option<Instant>,
    pub quit: bool,
    /// The session ends because of this signal (SIGTERM, SIGHUP): exit 128 + it.
    pub exit_signal: Option<i32>,
    /// The quit confirm chose "save and quit": quit once the save succeeds.
    pub quit_after_save: bool,
    pub size: (u16, u16),
    /// Hits per row of the last `:replay` (shown in view 4 while the table is the same).
    pub replay: Option<super::replay::ReplayHits>,
}

impl App {
    pub fn new(snapshot: Snapshot, revision: Revision, store_name: String, theme: Theme) -> App {
        App {
            doc: Document::new(snapshot, revision),
            store_name,
            scratch: false,
            view: View::Policies,
            focus: Focus::Main,
            sel: Selection::default(),
            mode: Mode::Normal,
            message: None,
            diagnostics_open: false,
            focus_before_diagnostics: Focus::Main,
            detail_scroll: 0,
            keymap: Keymap::default_keymap(),
            theme,
            looks: Looks { unicode: true },
            preview: Preview::default(),
            table_find: String::new(),
            lab: Lab::default(),
            analysis: Analysis::default(),
            generation: 0,
            recheck_due: None,
            quit: false,
            exit_signal: None,
            quit_after_save: false,
            size: (80, 24),
            replay: None,
        }
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.doc.snapshot
    }

    pub fn analysis_pending(&self) -> bool {
        self.analysis.generation < self.generation
    }

    /// The last replay's hits, if they count rows of the table on screen.
    pub fn replay_hits(&self) -> Option<&[u64]> {
        self.replay
            .as_ref()
            .filter(|r| r.generation == self.analysis.generation && !self.analysis_pending())
            .map(|r| r.hits.as_slice())
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }
}
