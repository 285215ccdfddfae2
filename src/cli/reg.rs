//! `.reg` files and offline hives on the command line: `ipsedit import reg FILE`,
//! `ipsedit export reg [--policy NAME] [-o FILE]`, and the `--from FILE.reg` /
//! `--from SOFTWARE` arm. The work is in `core::interchange::registry`; this file reads
//! and writes files and prints notes (escaped) to stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{CliError, Ctx};
use crate::core::interchange::registry::regfile::{decode_text, looks_like_reg, parse, utf16_file};
use crate::core::interchange::registry::regstore::{RegChanges, apply, changes, export_reg};
use crate::core::interchange::registry::{LOCAL_STORE, Read};
use crate::core::model::Snapshot;
use crate::core::text::terminal_safe;

/// Largest `.reg` file or hive read (a SOFTWARE hive of a busy server is a few hundred MiB
/// at most; a policy export is kilobytes).
const MAX_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The format: `reg` (a regedit / `reg export` file).
    #[arg(value_name = "reg")]
    pub format: String,
    /// The file to import.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(CliError::Invalid(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    if meta.len() > MAX_BYTES {
        return Err(CliError::Invalid(format!(
            "{}: {} bytes is too large (limit {MAX_BYTES})",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path)
        .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", path.display())))
}

/// Parses a `.reg` file into changes to its store location.
pub fn reg_changes(path: &Path, bytes: &[u8]) -> Result<RegChanges, CliError> {
    let text = decode_text(bytes);
    let file = parse(&text).map_err(|e| {
        CliError::Invalid(format!(
            "{}:{e}",
            terminal_safe(&path.display().to_string())
        ))
    })?;
    Ok(changes(&file, LOCAL_STORE))
}

fn read_or_fail(
    path: &Path,
    r: Result<Read, crate::core::interchange::registry::to_model::ReadError>,
) -> Result<Read, CliError> {
    r.map_err(|e| {
        CliError::Invalid(format!(
            "{}: {}\n  nothing was changed: fix or remove that key in the file",
            path.display(),
            terminal_safe(&e.to_string())
        ))
    })
}

pub fn print_notes(path: &Path, notes: &[String]) {
    for n in notes {
        errln!(
            "ipsedit: note: {}: {}",
            terminal_safe(&path.display().to_string()),
            terminal_safe(n)
        );
    }
}

/// `--from FILE`: a `.reg` file or a registry hive, when it is one.
pub fn load_from(path: &Path, hive_store: Option<&str>) -> Result<Option<Snapshot>, CliError> {
    // Only a regular file is sniffed: a FIFO or a device would block or never end here, and
    // the general reader after this refuses them with the right message.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if head.starts_with(b"regf") {
        return super::hive::load(path, hive_store).map(Some);
    }
    if !looks_like_reg(head) {
        return Ok(None);
    }
    let bytes = read_bytes(path)?;
    let c = reg_changes(path, &bytes)?;
    let read = read_or_fail(path, apply(&Snapshot::default(), &c))?;
    print_notes(path, &read.notes);
    Ok(Some(read.snapshot))
}

pub fn import(ctx: &Ctx, a: ImportArgs) -> Result<(), CliError> {
    if !a.format.eq_ignore_ascii_case("reg") {
        return Err(CliError::Invalid(format!(
            "import: unknown format '{}': use `ipsedit import reg FILE` (netsh and ipseccmd \
             scripts run with `ipsedit netsh -f FILE` and `ipsedit ipseccmd -file FILE`)",
            a.format
        )));
    }
    let bytes = read_bytes(&a.file)?;
    let c = reg_changes(&a.file, &bytes)?;
    let summary = format!("import reg {}", a.file.display());
    let path = a.file.clone();
    ctx.modify(&summary, |snap| {
        let read = read_or_fail(&path, apply(snap, &c))?;
        print_notes(&path, &read.notes);
        let counts = read.snapshot.counts();
        *snap = read.snapshot;
        Ok(vec![format!(
            "imported {} ({} objects changed, {} deleted): the store now has {counts}",
            path.display(),
            c.keys.len(),
            c.deleted.len()
        )])
    })
}

pub fn now() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// `export reg`: UTF-16LE with BOM to `-o FILE` (atomically, private) or a pipe; a
/// terminal gets the same text as escaped UTF-8.
pub fn export(
    snap: &Snapshot,
    policy: Option<uuid::Uuid>,
    output: Option<&Path>,
) -> Result<Vec<String>, CliError> {
    let (text, warnings) = export_reg(snap, policy, LOCAL_STORE, now());
    match output {
        Some(p) => write_private(p, &utf16_file(&text))?,
        None => {
            let mut out = std::io::stdout().lock();
            let r = if out.is_terminal() {
                out.write_all(terminal_safe(&text.replace("\r\n", "\n")).as_bytes())
            } else {
                out.write_all(&utf16_file(&text))
            };
            r.map_err(|e| CliError::Failed(format!("cannot write the export: {e}")))?;
        }
    }
    Ok(warnings)
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then a
/// rename), never through a symlink, readable by the owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail =
        |e: std::io::Error| CliError::Failed(format!("{}: cannot write: {e}", path.display()));
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(CliError::Invalid(format!(
            "{}: is a symbolic link; ipsedit does not write through links: name the real file",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let result = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}
