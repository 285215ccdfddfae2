//! `FileStore`: a store kept as a directory of RON files (layout in the parent module's
//! doc). Owns paths, locking order and history pruning; the envelope lives in `format`,
//! crash-safe writes in `atomic`. Must never overwrite a file it could not read.

use std::fs;
use std::path::{Path, PathBuf};

use super::atomic::{io_error, read_bounded, sync_dir, write_atomic};
use super::format::{self, FORMAT_VERSION, Header};
use super::lock::WriterLock;
use super::{
    ChangeSet, HISTORY_KEEP, Loaded, Revision, RevisionInfo, Store, StoreError, Version,
    next_revision, one_line, unix_now,
};
use crate::core::model::Snapshot;

const CURRENT_FILE: &str = "store.ron";
const HISTORY_DIR: &str = "history";
const LOCK_FILE: &str = "lock";

pub struct FileStore {
    dir: PathBuf,
}

/// How a commit decides it may replace the current state.
enum Guard {
    /// An ordinary save: the current revision must be this one, and must be readable.
    Expect(Revision),
    /// A restore: the restored state does not depend on the current one, so there is no
    /// revision check, and an unreadable current file is set aside (kept, renamed) rather
    /// than blocking the very command its error message recommends.
    Restore,
}

impl FileStore {
    /// Opens (does not create) the store at `dir`; it is created on first save.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        FileStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding the current revision.
    pub fn current_path(&self) -> PathBuf {
        self.dir.join(CURRENT_FILE)
    }

    /// The file holding an earlier revision (it may not exist).
    pub fn history_path(&self, revision: Revision) -> PathBuf {
        self.dir
            .join(HISTORY_DIR)
            .join(format!("rev-{revision:08}.ron"))
    }

    fn read_current(&self) -> Result<Option<(Header, Snapshot, String)>, StoreError> {
        let path = self.current_path();
        match read_bounded(&path)? {
            None => Ok(None),
            Some(text) => {
                let (header, snapshot) = format::decode(&path, &text)?;
                Ok(Some((header, snapshot, text)))
            }
        }
    }

    /// Revisions present in `history/`, by file name, unsorted. A missing directory is an
    /// empty history; stray files (temporaries, an admin's notes) are ignored.
    fn history_revisions(&self) -> Result<Vec<Revision>, StoreError> {
        let dir = self.dir.join(HISTORY_DIR);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&dir, e)),
        };
        let mut revisions = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&dir, e))?;
            let name = entry.file_name();
            let parsed = name
                .to_str()
                .and_then(|n| n.strip_prefix("rev-"))
                .and_then(|n| n.strip_suffix(".ron"))
                .and_then(|n| n.parse::<Revision>().ok());
            if let Some(revision) = parsed {
                revisions.push(revision);
            }
        }
        Ok(revisions)
    }

    fn commit(
        &self,
        guard: Guard,
        snapshot: &Snapshot,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        let _lock = WriterLock::acquire(&self.dir.join(LOCK_FILE))?;

        let current = match (self.read_current(), &guard) {
            (Ok(current), _) => current,
            (Err(e), Guard::Expect(_)) => return Err(e),
            (Err(StoreError::Malformed { .. } | StoreError::TooLarge { .. }), Guard::Restore) => {
                self.set_aside_broken_current()?;
                None
            }
            (Err(e), Guard::Restore) => return Err(e),
        };
        let found = current.as_ref().map_or(0, |(h, _, _)| h.revision);
        if let Guard::Expect(expected) = guard
            && expected != found
        {
            return Err(StoreError::Stale { expected, found });
        }

        // Number past anything in history too: if store.ron was deleted or set aside, a
        // restarted count would overwrite history files of the same number.
        let newest_history = self.history_revisions()?.into_iter().max().unwrap_or(0);
        let culprit = if newest_history > found {
            self.history_path(newest_history)
        } else {
            self.current_path()
        };
        let revision = next_revision(found.max(newest_history), &culprit)?;

        if let Some((header, _, text)) = &current {
            // Kept verbatim (a hand edit stays as the admin wrote it), and written before
            // the current file is replaced, so a crash between the two loses nothing.
            let history_dir = self.dir.join(HISTORY_DIR);
            fs::create_dir_all(&history_dir).map_err(|e| io_error(&history_dir, e))?;
            write_atomic(&self.history_path(header.revision), text.as_bytes())?;
        }

        let header = Header {
            format: FORMAT_VERSION,
            revision,
            saved_at: unix_now(),
            summary: one_line(summary),
        };
        let text = format::encode(&header, snapshot).map_err(|e| StoreError::Encode {
            message: e.to_string(),
        })?;
        write_atomic(&self.current_path(), text.as_bytes())?;

        // The save has happened; failing it now would make the caller retry into Stale.
        self.prune_history();
        Ok(revision)
    }

    /// Renames an unreadable `store.ron` to `store.ron.broken-<unix time>` so a restore can
    /// proceed without destroying what the admin may still want to repair by hand.
    fn set_aside_broken_current(&self) -> Result<(), StoreError> {
        let current = self.current_path();
        let aside = self
            .dir
            .join(format!("{CURRENT_FILE}.broken-{}", unix_now()));
        fs::rename(&current, &aside).map_err(|e| io_error(&current, e))?;
        sync_dir(&self.dir)
    }

    fn prune_history(&self) {
        let Ok(mut revisions) = self.history_revisions() else {
            return;
        };
        revisions.sort_unstable_by_key(|r| std::cmp::Reverse(*r));
        for old in revisions.into_iter().skip(HISTORY_KEEP) {
            let _ = fs::remove_file(self.history_path(old));
        }
        let _ = sync_dir(&self.dir.join(HISTORY_DIR));
    }

    fn history_entry(&self, revision: Revision) -> RevisionInfo {
        let path = self.history_path(revision);
        let header = read_bounded(&path).and_then(|text| match text {
            Some(text) => format::decode_header(&path, &text),
            None => Err(StoreError::NoSuchRevision(revision)),
        });
        match header {
            Ok(h) => RevisionInfo {
                revision,
                saved_at: h.saved_at,
                summary: h.summary,
                current: false,
            },
            // Listed rather than hidden or fatal: history is what an admin reads when
            // something is broken, and the other revisions stay restorable.
            Err(e) => RevisionInfo {
                revision,
                saved_at: 0,
                summary: format!("(unreadable) {e}"),
                current: false,
            },
        }
    }
}

impl Store for FileStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        Ok(match self.read_current()? {
            Some((header, snapshot, _)) => Loaded {
                snapshot,
                revision: header.revision,
            },
            None => Loaded {
                snapshot: Snapshot::default(),
                revision: 0,
            },
        })
    }

    fn apply(
        &self,
        base: &Version,
        changes: &ChangeSet,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        let expected = base.revision().unwrap_or(0);
        let current = self.load()?;
        if current.revision != expected {
            return Err(StoreError::Stale {
                expected,
                found: current.revision,
            });
        }
        let snapshot = changes.apply_to(&current.snapshot)?;
        // The commit compares the revision again under the lock.
        self.commit(Guard::Expect(expected), &snapshot, summary)
    }

    fn save(
        &self,
        expected: Revision,
        snapshot: &Snapshot,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        self.commit(Guard::Expect(expected), snapshot, summary)
    }

    /// Newest first. An unreadable current file is left out (`load` reports it); an
    /// unreadable history file is listed with its error as the summary.
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        let mut list = Vec::new();
        let current = match read_bounded(&self.current_path()) {
            Ok(Some(text)) => format::decode_header(&self.current_path(), &text).ok(),
            _ => None,
        };
        if let Some(h) = &current {
            list.push(RevisionInfo {
                revision: h.revision,
                saved_at: h.saved_at,
                summary: h.summary.clone(),
                current: true,
            });
        }
        let mut revisions = self.history_revisions()?;
        revisions.sort_unstable_by_key(|r| std::cmp::Reverse(*r));
        for revision in revisions {
            if current.as_ref().is_some_and(|h| h.revision == revision) {
                continue;
            }
            list.push(self.history_entry(revision));
        }
        list.sort_by_key(|info| std::cmp::Reverse(info.revision));
        Ok(list)
    }

    fn load_revision(&self, revision: Revision) -> Result<Snapshot, StoreError> {
        // History first, so a revision can be restored even when store.ron is broken.
        let path = self.history_path(revision);
        if let Some(text) = read_bounded(&path)? {
            return Ok(format::decode(&path, &text)?.1);
        }
        match self.read_current()? {
            Some((header, snapshot, _)) if header.revision == revision => Ok(snapshot),
            _ => Err(StoreError::NoSuchRevision(revision)),
        }
    }

    fn restore(&self, revision: Revision) -> Result<Revision, StoreError> {
        let snapshot = self.load_revision(revision)?;
        self.commit(Guard::Restore, &snapshot, &format!("restore {revision}"))
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}
