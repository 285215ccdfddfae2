//! `MemoryStore`: a store in memory, for scratch sessions (`--from FILE`) and tests. Same
//! revision, stale and history rules as `FileStore`, nothing persisted.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{
    ChangeSet, HISTORY_KEEP, Loaded, Revision, RevisionInfo, Store, StoreError, Version,
    next_revision, one_line, unix_now,
};
use crate::core::model::Snapshot;

/// Starts at revision 0 holding the snapshot it was given (0 = "never saved", as for a
/// new file store). Unlike a file store, revision 0 is a real state here (the file a
/// scratch session was opened from), so after the first save it stays in history and
/// `restore 0` brings the opened file back.
pub struct MemoryStore {
    name: String,
    state: Mutex<State>,
}

struct Entry {
    info: RevisionInfo,
    snapshot: Snapshot,
}

struct State {
    current: Entry,
    /// Oldest first; at most `HISTORY_KEEP`.
    history: VecDeque<Entry>,
}

impl MemoryStore {
    pub fn new(snapshot: Snapshot) -> Self {
        Self::named("memory", snapshot)
    }

    /// A store whose `describe` is `name` (e.g. the file a scratch session came from).
    pub fn named(name: impl Into<String>, snapshot: Snapshot) -> Self {
        MemoryStore {
            name: name.into(),
            state: Mutex::new(State {
                current: Entry {
                    info: RevisionInfo {
                        revision: 0,
                        saved_at: unix_now(),
                        summary: "initial state".into(),
                        current: true,
                    },
                    snapshot,
                },
                history: VecDeque::new(),
            }),
        }
    }

    /// A panic while holding the lock cannot leave the state half-updated (every update
    /// is a few moves after all checks), so a poisoned lock is safe to keep using.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(Snapshot::default())
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        let state = self.state();
        Ok(Loaded {
            snapshot: state.current.snapshot.clone(),
            revision: state.current.info.revision,
        })
    }

    fn apply(
        &self,
        base: &Version,
        changes: &ChangeSet,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        let mut state = self.state();
        let found = state.current.info.revision;
        if base.revision() != Some(found) {
            return Err(StoreError::Stale {
                expected: base.revision().unwrap_or(0),
                found,
            });
        }
        let snapshot = changes.apply_to(&state.current.snapshot)?;
        let revision = next_revision(found, std::path::Path::new(&self.name))?;
        let mut previous = std::mem::replace(
            &mut state.current,
            Entry {
                info: RevisionInfo {
                    revision,
                    saved_at: unix_now(),
                    summary: one_line(summary),
                    current: true,
                },
                snapshot,
            },
        );
        previous.info.current = false;
        state.history.push_back(previous);
        while state.history.len() > HISTORY_KEEP {
            state.history.pop_front();
        }
        Ok(revision)
    }

    /// Newest first, the current revision at the top.
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        let state = self.state();
        Ok(std::iter::once(&state.current)
            .chain(state.history.iter().rev())
            .map(|e| e.info.clone())
            .collect())
    }

    fn load_revision(&self, revision: Revision) -> Result<Snapshot, StoreError> {
        let state = self.state();
        std::iter::once(&state.current)
            .chain(state.history.iter())
            .find(|e| e.info.revision == revision)
            .map(|e| e.snapshot.clone())
            .ok_or(StoreError::NoSuchRevision(revision))
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn is_scratch(&self) -> bool {
        true
    }
}
