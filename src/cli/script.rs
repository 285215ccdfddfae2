//! `ipsedit script FILE [--continue-on-error] [--set NAME=VALUE]... [--encoding LABEL]
//! [--dry-run] [--json] [-- ARG...]`: reads a `.bat`/`.cmd` file as cmd.exe would,
//! statically (core::interchange::batch), and applies its IPsec commands to the store as
//! one transaction. Never executes anything. Files the script names (`call`, `netsh -f`,
//! `if exist`, `for /f`) are read relative to its folder, read-only, never outside it.
//!
//! Exit codes: 0 nothing failed; 1 some commands failed under `--continue-on-error` (the
//! others were applied and saved); 2 the run was refused (unreadable file, a failure in
//! the default all-or-nothing mode, input a `--set` must give): nothing was saved.

use std::path::{Component, Path, PathBuf};

use super::{CliError, Ctx};
use crate::core::interchange::batch::{self, Files, Options, Outcome, Status, decode};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The batch file (.bat, .cmd, or plain text).
    pub file: PathBuf,
    /// Apply every command that can be applied; report the others (exit 1 if any failed).
    #[arg(long)]
    pub continue_on_error: bool,
    /// Define a variable before the first line; also answers `set /p NAME=` and `choice`
    /// (as CHOICE=Y). Each one answers one prompt: repeat it for a menu that asks again.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// The file's code page when it is not UTF-8: gbk, big5, shift_jis, euc-kr,
    /// windows-1252, 866, or a code page number (936).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// `%1`..`%9` (after `--`).
    #[arg(last = true, value_name = "ARG")]
    pub args: Vec<String>,
}

/// Reads any input file, bounded (`--max-input-size`). The one place this subcommand reads files.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    // The one bounded reader: size limit, no FIFOs or devices, stdin for `-`; its
    // messages name the path.
    crate::core::input::read_bytes(path).map_err(|e| CliError::Invalid(e.to_string()))
}

/// The script's folder, read-only: relative paths only, no `..`.
pub struct Folder(pub PathBuf);

impl Folder {
    fn resolve(&self, name: &str) -> Option<PathBuf> {
        // `%~dp0` expands to the script's own folder: a path under it is fine.
        let given = Path::new(name.trim());
        let rel = given
            .strip_prefix(&self.0)
            .ok()
            .filter(|_| !self.0.as_os_str().is_empty())
            .unwrap_or(given)
            .to_path_buf();
        let rel = PathBuf::from(rel.to_string_lossy().replace('\\', "/"));
        if rel.as_os_str().is_empty()
            || rel
                .components()
                .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return None;
        }
        Some(self.0.join(rel))
    }
}

impl Files for Folder {
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        read_bytes(&self.resolve(name)?).ok()
    }
    fn exists(&self, name: &str) -> bool {
        self.resolve(name).is_some_and(|p| p.exists())
    }
}

fn options(a: &Args) -> Result<Options, CliError> {
    let mut sets = Vec::new();
    for s in &a.set {
        let Some((k, v)) = s.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(CliError::Invalid(format!(
                "script: --set '{s}' needs NAME=VALUE, e.g. --set policy=\"Block ports\""
            )));
        };
        sets.push((k.trim().to_string(), v.to_string()));
    }
    let encoding = match &a.encoding {
        None => None,
        Some(l) => Some(decode::for_label(l).ok_or_else(|| {
            CliError::Invalid(format!(
                "script: unknown encoding '{l}': use a label such as utf-8, gbk, big5, \
                 shift_jis, euc-kr, windows-1252, ibm866, or a code page number (936)"
            ))
        })?),
    };
    Ok(Options {
        continue_on_error: a.continue_on_error,
        sets,
        args: a.args.clone(),
        encoding,
    })
}

/// Runs a batch file against a snapshot (for `--from`): all or nothing.
pub fn load(path: &Path, bytes: &[u8]) -> Result<crate::core::model::Snapshot, CliError> {
    let mut snap = crate::core::model::Snapshot::default();
    let folder = Folder(path.parent().map(Path::to_path_buf).unwrap_or_default());
    let out = batch::run(
        &mut snap,
        &path.display().to_string(),
        bytes,
        &Options::default(),
        &folder,
    );
    match out.refused {
        Some(m) => Err(CliError::Invalid(format!(
            "{m}\n  (read as a batch file; `ipsedit script FILE --continue-on-error` shows \
             every command)"
        ))),
        None => Ok(snap),
    }
}

pub fn run(ctx: &Ctx, a: Args) -> Result<(), CliError> {
    let opts = options(&a)?;
    let path = a.file.clone();
    let bytes = read_bytes(&path)?;
    let name = path.display().to_string();
    let folder = Folder(path.parent().map(Path::to_path_buf).unwrap_or_default());
    let loaded = ctx.load()?;
    let mut next = loaded.snapshot.clone();
    let out = batch::run(&mut next, &name, &bytes, &opts, &folder);
    if a.json {
        crate::cli::output::stdout_json(&format!("{}\n", json(&out)));
    } else {
        print_text(&out);
    }
    if let Some(m) = &out.refused {
        return Err(CliError::Invalid(m.clone()));
    }
    if next != loaded.snapshot {
        if ctx.dry_run {
            if !a.json {
                outln!("dry run: nothing was written ({})", ctx.store.describe());
            }
        } else {
            let rev = ctx
                .store
                .save(loaded.revision, &next, &format!("script {name}"))?;
            if !a.json {
                if ctx.store.is_scratch() {
                    outln!("changed the scratch copy only (revision {rev}): nothing was written");
                } else {
                    outln!("saved revision {rev}");
                }
            }
        }
    }
    if out.count(Status::Failed) > 0 {
        return Err(CliError::Silent);
    }
    Ok(())
}

fn print_text(out: &Outcome) {
    use crate::core::text::terminal_safe;
    outln!(
        "encoding: {} ({}); another: --encoding LABEL",
        out.encoding,
        out.encoding_how
    );
    for l in &out.output {
        outln!("{}", terminal_safe(l));
    }
    for e in &out.entries {
        // At most ~100 characters of a long command are quoted (issue 10).
        let (command, _) = crate::core::text::excerpt(&e.command, e.column.max(1), 100);
        let mut s = format!("{}:{}: {}: {command}", e.file, e.line, e.status.word());
        if e.status != Status::Applied {
            s.push_str(&format!(
                ": {}",
                crate::core::text::shorten_words(&e.message, 40)
            ));
            if !e.hint.is_empty() {
                s.push_str(&format!(" (fix: {})", e.hint));
            }
        }
        outln!("{}", terminal_safe(&s));
    }
    for w in &out.warnings {
        outln!("warning: {}", terminal_safe(w));
    }
    outln!(
        "{} applied, {} failed, {} skipped",
        out.count(Status::Applied),
        out.count(Status::Failed),
        out.count(Status::Skipped)
    );
}

/// The `--json` report.
pub fn json(out: &Outcome) -> serde_json::Value {
    let failures: Vec<_> = out
        .entries
        .iter()
        .filter(|e| e.status == Status::Failed)
        .map(|e| {
            serde_json::json!({
                "file": e.file, "line": e.line, "column": e.column,
                "command": e.command, "message": e.message, "hint": e.hint,
            })
        })
        .collect();
    let skips: Vec<_> = out
        .entries
        .iter()
        .filter(|e| e.status == Status::Skipped)
        .map(|e| serde_json::json!({"file": e.file, "line": e.line, "command": e.command, "why": e.message}))
        .collect();
    serde_json::json!({
        "encoding": out.encoding,
        "encoding_chosen_by": out.encoding_how,
        "applied": out.count(Status::Applied),
        "failed": out.count(Status::Failed),
        "skipped": out.count(Status::Skipped),
        "refused": out.refused,
        "failures": failures,
        "skips": skips,
        "warnings": out.warnings,
    })
}
