//! The store: where snapshots live, with revisions and history.
//!
//! `Store` is a trait so that later backends (an LDAP domain store shared by many hosts)
//! fit beside the first one, `FileStore` (a directory of RON files). `MemoryStore` serves
//! scratch sessions (`--from FILE`) and tests. The trait speaks only of revisions,
//! snapshots and summaries; paths, locks and files stay inside `FileStore`.
//!
//! Contract of every backend:
//! - `load` of a store that does not exist yet gives an empty snapshot at revision 0 with
//!   the default host context (ws2003, NoDefaultExempt absent, no addresses);
//! - `save` is atomic (a reader sees the old state or the new one), and is refused with
//!   `StoreError::Stale` when the store's revision is not `expected` (compared and bumped
//!   under an exclusive lock), never a silent overwrite;
//! - each save keeps the previous state in history (the last `HISTORY_KEEP`, besides the
//!   current one); `history` lists newest first;
//! - malformed, truncated or future-version data gives an error naming file, line and
//!   column, and nothing is overwritten.
//!
//! # The file store on disk
//!
//! ```text
//! STORE/                      created by the first save
//!   store.ron                 the current revision
//!   history/rev-00000041.ron  earlier revisions, same format (the last 20 are kept)
//!   lock                      empty; locked by whoever is saving (safe to leave alone)
//!   store.ron.broken-TIME     only after `ipsedit restore` on an unreadable store.ron:
//!                             the broken file, kept for you to inspect or delete
//! ```
//!
//! Each `.ron` file is readable and editable text, laid out as:
//!
//! ```text
//! (
//!     format: 1,                   // file format version
//!     revision: 42,                // counts saves
//!     saved_at: 1700000000,        // Unix time, UTC
//!     summary: "ipseccmd -w REG -p \"Block UDP 1434 Filter\" ...",
//!     policies: [ ... ],           // static policy objects: policies with their rules,
//!     filter_lists: [ ... ],       //   the filter lists and filter actions rules use
//!     filter_actions: [ ... ],
//!     assigned: Some("GUID"),      // the assigned policy, or None
//!     dynamic: [ ... ],            // dynamic rules (cleared when the agent restarts)
//!     host: ( profile: "ws2003", no_default_exempt: None, interfaces: [ ... ], ... ),
//! )
//! ```
//!
//! Saves write a temporary file beside the target, fsync it, rename it over the target
//! and fsync the directory, so a crash leaves the old file or the new one. A file edited
//! by hand may use Windows line ends or start with a byte-order mark. If a file cannot be
//! read, ipsedit names the file, line and column and refuses to save over it; fix the
//! line, or bring back an earlier revision with `ipsedit restore REV`.

use std::path::PathBuf;

use crate::core::model::Snapshot;

/// Revisions count saves: 0 is "never saved".
pub type Revision = u64;

pub const HISTORY_KEEP: usize = 20;

/// What `load` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub revision: Revision,
}

/// One entry of `history`.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionInfo {
    pub revision: Revision,
    /// Seconds since the Unix epoch, UTC.
    pub saved_at: u64,
    /// One line: what the save did ("ipseccmd -w REG -p ... -x").
    pub summary: String,
    /// True for the current revision (the others are history).
    pub current: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}:{line}:{column}: {message}")]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "the store changed since it was read (expected revision {expected}, found \
         {found}); nothing was written"
    )]
    Stale { expected: Revision, found: Revision },
    #[error(
        "revision {0} is not in the history: `ipsedit history` lists the revisions kept \
         (the store keeps every revision until `ipsedit history prune`)"
    )]
    NoSuchRevision(Revision),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: {size} bytes is more than a store file can be ({limit} bytes), so it was \
         not read: restore a revision with `ipsedit restore REV` (the big file is kept, \
         renamed), move it away, or raise the limit with --max-input-size BYTES"
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// A number or layout no save can produce (a revision at the largest number, which
    /// would wrap): reported, never worked around.
    #[error("{path}: the store is damaged: {message}")]
    Corrupt { path: PathBuf, message: String },
    /// A symbolic link where the store keeps a file: never followed.
    #[error(
        "{path}: is a symbolic link; ipsedit never reads or writes store files through a \
         link: remove it (or replace it by the file it points to)"
    )]
    Link { path: PathBuf },
    /// A directory others can write into: a save there could be raced or replaced.
    #[error(
        "{path}: {why}, so ipsedit will not write there (reading is fine): run `chmod 700 \
         {path}`{owner_fix}"
    )]
    UnsafeDir {
        path: PathBuf,
        why: &'static str,
        owner_fix: &'static str,
    },
    /// The backend does not offer this (history on a directory store, say).
    #[error("{store} does not keep {what}")]
    Unsupported { what: &'static str, store: String },
    /// A stored object does not decode as the model (damaged, or written by a newer build).
    #[error(
        "stored {object} does not decode: {message}: restore a revision with `ipsedit \
             restore REV`, or upgrade ipsedit if a newer one wrote it"
    )]
    Decode { object: String, message: String },
    /// The database refused an operation.
    #[error("{path}: {message}")]
    Database { path: PathBuf, message: String },
    /// The snapshot could not be written as RON (a bug, not a user error).
    #[error("could not encode the snapshot: {message}")]
    Encode { message: String },
}

/// An opaque version token: what a backend needs to refuse a save based on an old state
/// (a revision number here, an update sequence number for a directory store). Front ends
/// only hand back the one they loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    pub fn new(token: impl Into<String>) -> Self {
        Version(token.into())
    }

    /// The token of a store that counts revisions.
    pub fn of_revision(revision: Revision) -> Self {
        Version(revision.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The revision this token names, for stores that count revisions.
    pub fn revision(&self) -> Option<Revision> {
        self.0.parse().ok()
    }
}

pub trait Store {
    /// The current state, or an empty snapshot at revision 0 if nothing was saved yet.
    fn load(&self) -> Result<Loaded, StoreError>;
    /// Applies a change set to the state the store had at `base` (the version `load`
    /// gave), as one new revision; refused with `StoreError::Stale` if the store moved on
    /// since. Returns the new revision. `summary` is shown by `history`; line breaks in it
    /// become spaces.
    fn apply(
        &self,
        base: &Version,
        changes: &ChangeSet,
        summary: &str,
    ) -> Result<Revision, StoreError>;
    /// Saves an edited snapshot: the one helper callers use. Refused with `Stale` unless
    /// the store is still at `expected`; otherwise the difference to the current state
    /// becomes the change set of one new revision.
    fn save(
        &self,
        expected: Revision,
        snapshot: &Snapshot,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        let loaded = self.load()?;
        if loaded.revision != expected {
            return Err(StoreError::Stale {
                expected,
                found: loaded.revision,
            });
        }
        let changes = ChangeSet::between(&loaded.snapshot, snapshot)?;
        self.apply(&Version::of_revision(loaded.revision), &changes, summary)
    }
    /// Saves `edited` as a change of `base` (what `load` gave): the cheap form of `save`
    /// for callers that still hold what they loaded, with no second load. Refused with
    /// `Stale` if the store moved on since `base`.
    fn save_edit(
        &self,
        base: &Loaded,
        edited: &Snapshot,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        let changes = ChangeSet::between(&base.snapshot, edited)?;
        self.apply(&Version::of_revision(base.revision), &changes, summary)
    }
    /// The current revision and those kept in history, newest first. Optional: a backend
    /// without history refuses with `StoreError::Unsupported`.
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        Err(StoreError::Unsupported {
            what: "history",
            store: self.describe(),
        })
    }
    /// The snapshot of a revision in `history` (the current one included). Optional.
    fn load_revision(&self, _revision: Revision) -> Result<Snapshot, StoreError> {
        Err(StoreError::Unsupported {
            what: "earlier revisions",
            store: self.describe(),
        })
    }
    /// Brings back an earlier revision as a new one, with summary "restore REV"; returns
    /// the new revision. The state it replaces stays in history.
    fn restore(&self, revision: Revision) -> Result<Revision, StoreError> {
        let snapshot = self.load_revision(revision)?;
        let current = self.load()?.revision;
        self.save(current, &snapshot, &format!("restore {revision}"))
    }
    /// Drops all but the newest `keep` revisions of history (the current state stays);
    /// returns how many were dropped. Optional.
    fn prune(&self, _keep: usize) -> Result<usize, StoreError> {
        Err(StoreError::Unsupported {
            what: "pruning history",
            store: self.describe(),
        })
    }
    /// A short human name of where the store is ("kb813878", "/path/to/store").
    fn describe(&self) -> String;
    /// True when saves last only as long as the process (a scratch session on a file
    /// someone handed you): front ends say so, so nobody believes their edits are kept.
    fn is_scratch(&self) -> bool {
        false
    }
}

/// The largest revision number any store holds (SQLite integers are signed 64-bit).
pub const MAX_REVISION: Revision = i64::MAX as Revision;

/// The revision after `newest` (the highest number in the store, current or history), or
/// `Corrupt` naming `path` when no revision can follow it: wrapping to 0 would overwrite
/// history and break optimistic concurrency.
fn next_revision(newest: Revision, path: &std::path::Path) -> Result<Revision, StoreError> {
    check_revision(newest, path)?;
    newest
        .checked_add(1)
        .filter(|n| *n <= MAX_REVISION)
        .ok_or_else(|| impossible_revision(newest, path))
}

/// `Corrupt` when `revision` is at or past `MAX_REVISION`.
fn check_revision(revision: Revision, path: &std::path::Path) -> Result<(), StoreError> {
    if revision >= MAX_REVISION {
        return Err(impossible_revision(revision, path));
    }
    Ok(())
}

fn impossible_revision(revision: Revision, path: &std::path::Path) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        message: format!(
            "revision {revision} is at or past the largest a revision can be \
             ({MAX_REVISION}), so no save can follow it (a number edited by hand or a stray \
             file): move that file away, or bring back a revision with `ipsedit restore REV`"
        ),
    }
}

/// The RON text of a whole store (the format `--from DIR` and older ipsedit read), as
/// revision `revision`: `ipsedit export ron`.
pub fn export_ron(snapshot: &Snapshot, revision: Revision) -> Result<String, StoreError> {
    let header = format::Header {
        format: FORMAT_VERSION,
        revision,
        saved_at: unix_now(),
        summary: "exported by ipsedit export ron".into(),
    };
    format::encode(&header, snapshot).map_err(|e| StoreError::Encode {
        message: e.to_string(),
    })
}

/// Decodes the text of a RON store file (`store.ron` or an export); `name` is used in
/// errors. The loader `--from DIR` and the migration use, exposed for fuzzing.
pub fn decode_ron(name: &str, text: &str) -> Result<Snapshot, StoreError> {
    format::decode(std::path::Path::new(name), text).map(|(_, s)| s)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// History shows one line per revision, so line breaks in a summary become spaces (inner
/// spaces are kept: they may belong to a quoted ipseccmd name).
fn one_line(summary: &str) -> String {
    summary.replace(['\r', '\n'], " ").trim().to_string()
}

mod atomic;
pub mod change;
mod file;
mod format;
mod lock;
mod memory;
mod sqlite;

pub use change::ChangeSet;
pub use file::FileStore;
pub use format::{FORMAT_VERSION, MAX_FILE_BYTES};
pub use memory::MemoryStore;
pub use sqlite::{DB_FILE, Migration, SqliteStore};
