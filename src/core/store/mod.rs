//! The store: where snapshots live, with revisions and history.
//!
//! `Store` is a trait so that later backends (an LDAP domain store shared by many hosts)
//! fit beside the first one, `FileStore` (a directory of RON files). `MemoryStore` serves
//! scratch sessions (`--from FILE`) and tests.
//!
//! Contract of every backend:
//! - `load` of a store that does not exist yet gives an empty snapshot at revision 0 with
//!   the default host context (ws2003, NoDefaultExempt absent, no addresses);
//! - `save` is atomic (a reader sees the old state or the new one), and is refused with
//!   `StoreError::Stale` when the store's revision is not `expected` (compared and bumped
//!   under an exclusive lock), never a silent overwrite;
//! - each save keeps the previous state in history (the last `HISTORY_KEEP`);
//! - malformed, truncated or future-version data gives an error naming file, line and
//!   column, and nothing is overwritten.

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
    #[error("stale revision")]
    Stale { expected: Revision, found: Revision },
    #[error("revision {0} is not in the history")]
    NoSuchRevision(Revision),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stub")]
    Unsupported(String),
}

pub trait Store {
    fn load(&self) -> Result<Loaded, StoreError>;
    fn save(
        &self,
        expected: Revision,
        snapshot: &Snapshot,
        summary: &str,
    ) -> Result<Revision, StoreError>;
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError>;
    fn load_revision(&self, revision: Revision) -> Result<Snapshot, StoreError>;
    /// A short human name of where the store is ("kb813878", "/path/to/store").
    fn describe(&self) -> String;
}

mod file;
mod memory;

pub use file::FileStore;
pub use memory::MemoryStore;
