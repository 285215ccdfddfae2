//! The store's exclusive writer lock: an OS file lock on `<dir>/lock`, held for a whole
//! read-compare-write so two writers cannot both see revision N and both write N+1.
//! Readers never take it: atomic renames already give them a whole file.

use std::fs::{File, OpenOptions};
use std::path::Path;

use super::StoreError;
use super::atomic::io_error;

/// Held while alive; the OS releases the lock when the file is closed (also when the
/// process dies), so a crashed writer never leaves the store locked.
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Blocks until no other writer (another process, or another handle in this one)
    /// holds the lock. Writers hold it for one save, so the wait is short.
    pub fn acquire(path: &Path) -> Result<WriterLock, StoreError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        file.lock().map_err(|e| io_error(path, e))?;
        Ok(WriterLock { _file: file })
    }
}
