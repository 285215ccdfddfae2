//! Files the TUI writes itself: recovery copies of unsaved edits and `:export` scripts.
//! Owns where they go and how they are created; never writes into a store (the `Store`
//! does that) and never beside a `--from` source.
//!
//! Recovery copies go to `$XDG_STATE_HOME/ipsedit/`, else `~/.local/state/ipsedit/` (the
//! directory created 0700), each file created exclusively (`O_EXCL|O_NOFOLLOW`) with mode
//! 0600, so a planted symlink or an existing file is never written through. Exports are
//! written to a temporary file created the same way beside the target, synced, then
//! renamed over it (a reader sees the old file or the whole new one).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `$XDG_STATE_HOME/ipsedit`, else `~/.local/state/ipsedit`, else none (no home: the
/// caller reports that the copy could not be written).
pub fn state_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("state"))
        })?;
    Some(base.join("ipsedit"))
}

/// Creates `dir` and its parents, the last one private (0700).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// A new file, created exclusively, not through a symlink, readable by its owner only.
pub fn create_exclusive(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// Writes a recovery copy named after the store into the state directory; returns where.
/// `dir` overrides the state directory (tests).
pub fn write_recovery(dir: Option<&Path>, store_name: &str, text: &str) -> Result<PathBuf, String> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => state_dir().ok_or("no HOME or XDG_STATE_HOME to put a recovery copy in")?,
    };
    private_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let safe: String = store_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let pid = std::process::id();
    for n in 0..100u32 {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = dir.join(format!("{safe}.recovery-{secs}-{pid}{suffix}.ron"));
        match create_exclusive(&path) {
            Ok(mut f) => {
                f.write_all(text.as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: no free recovery file name", dir.display()))
}

/// Replaces `path` with `text` atomically: an exclusive private temp file beside it,
/// synced, renamed over it (a symlink at `path` is replaced, not followed).
pub fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let shown = || path.display().to_string();
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", shown()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = create_exclusive(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{}: {e}", shown()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_creation_refuses_existing_files_and_symlinks() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let target = tmp.path().join("victim");
        std::fs::write(&target, "keep").expect("write");
        assert!(create_exclusive(&target).is_err());
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&target, &link).expect("symlink");
            assert!(create_exclusive(&link).is_err());
            let fresh = tmp.path().join("fresh");
            drop(create_exclusive(&fresh).expect("new file"));
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&fresh)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep");
    }

    #[test]
    fn atomic_write_replaces_a_symlink_instead_of_following_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "keep").expect("write");
        let out = tmp.path().join("out.netsh");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &out).expect("symlink");
        write_atomic(&out, "script\n").expect("written");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "script\n");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep");
    }
}
