//! Atomic file replacement and bounded reads. Owns the crash-safety of single files; knows
//! nothing about revisions or the envelope.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::StoreError;

pub fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces `path` with `bytes` so that a reader (or a crash) sees either the old file or
/// the new one, never a mix: write a temporary file in the same directory (a rename is only
/// atomic within one file system), fsync it so the data is on disk before the name points
/// at it, rename it over `path`, then fsync the directory so the rename itself survives a
/// power cut.
///
/// The temporary name is fixed: callers hold the store lock, so there is one writer, and a
/// temporary left by a crash is simply overwritten next time instead of piling up.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = parent(path);
    let tmp = temp_path(path);
    let result = write_synced(&tmp, bytes).and_then(|()| {
        fs::rename(&tmp, path).map_err(|e| io_error(path, e))?;
        sync_dir(dir)
    });
    if result.is_err() {
        // Best effort: the temporary is garbage either way, and the real file is untouched.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    // A temporary left by a crash (or planted) is removed, never written through: the new
    // one is created exclusively, without following links.
    match fs::symlink_metadata(tmp) {
        Ok(_) => fs::remove_file(tmp).map_err(|e| io_error(tmp, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(tmp, e)),
    }
    let mut file = exclusive(tmp).open(tmp).map_err(|e| io_error(tmp, e))?;
    file.write_all(bytes).map_err(|e| io_error(tmp, e))?;
    file.sync_all().map_err(|e| io_error(tmp, e))
}

/// Options that create a new file, mode 0600, failing if anything (a link included)
/// already has the name.
fn exclusive(_path: &Path) -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o
}

/// Creates `path` with `bytes`, exclusively, 0600, never through a link, and syncs it.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(StoreError::Link {
            path: path.to_path_buf(),
        });
    }
    let mut file = exclusive(path).open(path).map_err(|e| io_error(path, e))?;
    file.write_all(bytes).map_err(|e| io_error(path, e))?;
    file.sync_all().map_err(|e| io_error(path, e))?;
    sync_dir(parent(path))
}

/// Creates the store directory (and missing parents) with mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| io_error(dir, e))
}

/// Refuses to write into a directory that other users can write into or that another
/// user owns (root may write anywhere it owns). Reading needs no such check.
pub fn check_writable_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(dir).map_err(|e| io_error(dir, e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(StoreError::UnsafeDir {
                path: dir.to_path_buf(),
                why: "owned by another user",
                owner_fix: " after taking it over (`chown`), or use your own --store DIR",
            });
        }
        if meta.mode() & 0o022 != 0 {
            return Err(StoreError::UnsafeDir {
                path: dir.to_path_buf(),
                why: "group- or world-writable",
                owner_fix: "",
            });
        }
    }
    let _ = dir;
    Ok(())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent(path).join(format!(".{name}.tmp"))
}

/// Makes a rename or unlink in `dir` durable. On Windows directories cannot be opened for
/// syncing and NTFS journals renames itself, so this is a no-op there.
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error(dir, e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Reads a store file as text, or `None` when it does not exist. Refuses files over
/// the input size limit (`core::input`, 64 MiB unless `--max-input-size`) before reading them, and again while reading in case the file grew.
pub fn read_bounded(path: &Path) -> Result<Option<String>, StoreError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    let limit = crate::core::input::max_input_size();
    let size = file.metadata().map_err(|e| io_error(path, e))?.len();
    if size > limit {
        return Err(too_large(path, size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, bytes.len() as u64));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(StoreError::Malformed {
                path: path.to_path_buf(),
                line,
                column,
                message: format!(
                    "not UTF-8 text: the file is damaged or not a store file: restore a \
                     revision with `ipsedit restore REV` (see `ipsedit history`), or fix \
                     line {line}"
                ),
            })
        }
    }
}

fn too_large(path: &Path, size: u64) -> StoreError {
    StoreError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit: crate::core::input::max_input_size(),
    }
}
