//! `FileStore`: a directory of RON files. (Stub: lands with issue 2.)

use std::path::PathBuf;

use super::{Loaded, Revision, RevisionInfo, Store, StoreError};
use crate::core::model::Snapshot;

pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// Opens (does not create) the store at `dir`; it is created on first save.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        FileStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Store for FileStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        Ok(Loaded {
            snapshot: Snapshot::default(),
            revision: 0,
        })
    }
    fn save(&self, _: Revision, _: &Snapshot, _: &str) -> Result<Revision, StoreError> {
        Err(StoreError::Unsupported("save".into()))
    }
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        Ok(Vec::new())
    }
    fn load_revision(&self, r: Revision) -> Result<Snapshot, StoreError> {
        Err(StoreError::NoSuchRevision(r))
    }
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}
