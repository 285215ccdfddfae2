//! `ipsedit netsh -f FILE [--continue-on-error]` and `ipsedit netsh ipsec static|dynamic …`:
//! run netsh ipsec commands against the store.
//!
//! A script is one transaction: an error on any line saves nothing and exits 2 with
//! `file:line:column`, the line, a caret under the token and a hint. With
//! `--continue-on-error` every line that can be applied is applied and saved, every
//! failing line is reported, and the exit code is 1 when any line failed (the operation
//! partly failed; nothing about the applied lines is invalid) and 0 otherwise.

use std::path::Path;

use super::{CliError, Ctx};
use crate::core::interchange::netsh::{self, Mode, NetshError, Report};
use crate::core::model::Snapshot;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `-f FILE [--continue-on-error]`, or one command as netsh takes it (`ipsec static
    /// add policy name="Block all"`; quote values with spaces for your shell).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

const USAGE: &str = "\
ipsedit netsh -f FILE [--continue-on-error] [--dry-run]
ipsedit netsh ipsec static|dynamic COMMAND…

Runs netsh ipsec commands (Windows Server 2003 syntax) against the store:
  static  add|set|delete|show  policy, filterlist, filter, filteraction, rule
          set defaultrule, set store, delete all, show all|store
  dynamic set config ipsecexempt|bootmode|bootexemptions value=…, show config
A script is one transaction: an error on any line applies nothing (exit 2).
--continue-on-error applies every valid line and reports each failing one
(exit 1 when any failed). Lines may start with `netsh`; `pushd ipsec static`,
`popd`, comments (#, rem, :), CRLF and UTF-16 (Notepad \"Unicode\") are fine.
";

fn take_flag(args: &mut Vec<String>, flags: &[&str]) -> bool {
    let before = args.len();
    args.retain(|a| !flags.iter().any(|f| a.eq_ignore_ascii_case(f)));
    args.len() != before
}

pub fn run(ctx: &Ctx, a: Args) -> Result<(), CliError> {
    let mut args = a.args;
    let dry_run = take_flag(&mut args, &["--dry-run"]) || ctx.dry_run;
    let keep_going = take_flag(&mut args, &["--continue-on-error", "-continue-on-error"]);
    if matches!(args.as_slice(), [h] if ["-h", "--help", "help", "/?", "?"].contains(&h.as_str())) {
        out!("{USAGE}");
        return Ok(());
    }
    if args.is_empty() {
        return Err(CliError::Invalid(
            "netsh: no arguments; give -f FILE (a netsh script) or a command such as \
             ipsedit netsh ipsec static show all"
                .into(),
        ));
    }
    if let Some(pos) = args
        .iter()
        .position(|s| s == "-f" || s == "-F" || s == "--file")
    {
        let Some(path) = args.get(pos + 1) else {
            return Err(CliError::Invalid(
                "netsh: '-f' needs a file name: ipsedit netsh -f policy.netsh".into(),
            ));
        };
        if args.len() != 2 {
            return Err(CliError::Invalid(
                "netsh: '-f FILE' takes no other arguments (besides --continue-on-error); \
                 put the commands in the file"
                    .into(),
            ));
        }
        let path = Path::new(path);
        let text = super::ipseccmd::read_script(path)?;
        let mode = if keep_going {
            Mode::ContinueOnError
        } else {
            Mode::Transaction
        };
        let summary = format!("netsh -f {}", path.display());
        return apply(
            ctx,
            dry_run,
            &summary,
            &path.display().to_string(),
            &text,
            mode,
        );
    }
    super::refuse_unsafe_args("netsh", &args)?;
    let line = match args.as_slice() {
        // The whole command in one quoted argument (`ipsedit netsh "ipsec static add
        // policy name=X"`): taken as typed, as netsh would read the line.
        [one] if one.contains(char::is_whitespace) && !one.contains('\n') => one.clone(),
        _ => netsh::join_args(&args),
    };
    let summary = format!("netsh {line}");
    apply(ctx, dry_run, &summary, "netsh", &line, Mode::Transaction)
}

/// Renders every error of a report against the script text.
pub fn render_errors(source: &str, text: &str, errors: &[NetshError]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    errors
        .iter()
        .map(|e| {
            let line = lines.get(e.line.saturating_sub(1)).copied().unwrap_or("");
            e.render(source, line)
        })
        .collect::<Vec<_>>()
        .join("")
}

/// The lines to print for a report (show output, warnings, changes).
pub fn report_lines(source: &str, report: &Report) -> Vec<String> {
    let mut out = report.output.clone();
    out.extend(
        report
            .warnings
            .iter()
            .map(|(n, w)| format!("warning: {source}:{n}: {w}")),
    );
    out.extend(report.changes.iter().cloned());
    out
}

/// Applies a script to a snapshot for `--from`: the same rules as `netsh -f`, without a
/// store. Returns the snapshot or the rendered error.
pub fn load_script(source: &str, text: &str) -> Result<Snapshot, CliError> {
    let mut snap = Snapshot::default();
    let report = netsh::apply_script(&mut snap, text, Mode::Transaction);
    if report.errors.is_empty() {
        Ok(snap)
    } else {
        Err(CliError::Invalid(
            render_errors(source, text, &report.errors)
                .trim_end()
                .to_string(),
        ))
    }
}

fn apply(
    ctx: &Ctx,
    dry_run: bool,
    summary: &str,
    source: &str,
    text: &str,
    mode: Mode,
) -> Result<(), CliError> {
    let mut failed: Vec<NetshError> = Vec::new();
    ctx.modify_as(summary, dry_run, |snap| {
        let report = netsh::apply_script(snap, text, mode);
        if mode == Mode::Transaction && !report.errors.is_empty() {
            return Err(CliError::Invalid(
                format!(
                    "{}  nothing was applied",
                    render_errors(source, text, &report.errors)
                )
                .trim_end()
                .to_string(),
            ));
        }
        failed = report.errors.clone();
        Ok(report_lines(source, &report))
    })?;
    if failed.is_empty() {
        return Ok(());
    }
    err!("{}", render_errors(source, text, &failed));
    Err(CliError::Failed(format!(
        "{} line{} failed and {} not applied; every other line was applied",
        failed.len(),
        if failed.len() == 1 { "" } else { "s" },
        if failed.len() == 1 { "was" } else { "were" },
    )))
}

/// What `--from FILE` holds, told apart by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Netsh,
    Ipseccmd,
    StoreDir,
}

/// Tells a netsh script from an ipseccmd script by the first command word of the first
/// line that is not blank or a comment.
pub fn detect(text: &str) -> Option<Source> {
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || crate::core::interchange::is_script_comment(line) {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let first = lower.split_whitespace().next().unwrap_or("");
        let first = first.rsplit(['\\', '/']).next().unwrap_or(first);
        return match first {
            "ipseccmd" | "ipseccmd.exe" | "ipsecpol" | "ipsecpol.exe" => Some(Source::Ipseccmd),
            w if w.starts_with('-') => Some(Source::Ipseccmd),
            "netsh" | "netsh.exe" | "ipsec" | "pushd" | "popd" | "static" | "dynamic" | "add"
            | "set" | "delete" | "show" => Some(Source::Netsh),
            _ => None,
        };
    }
    // Only comments (or `# ipsedit` directives): an empty netsh script.
    Some(Source::Netsh)
}

/// Loads `--from PATH` into a snapshot: a netsh script, an ipseccmd script, or a store
/// directory (or its `store.ron`), which is read, never written.
pub fn load_from(path: &Path) -> Result<Snapshot, CliError> {
    use crate::core::store::{FileStore, Store};
    let dir = if path.is_dir() {
        Some(path.to_path_buf())
    } else if path.file_name().is_some_and(|n| n == "store.ron") {
        path.parent().map(Path::to_path_buf)
    } else {
        None
    };
    if let Some(dir) = dir {
        // A database is read as it is; a RON store (the samples) is read without being
        // migrated: --from never writes.
        if path.is_dir() && dir.join(crate::core::store::DB_FILE).exists() {
            return Ok(crate::core::store::SqliteStore::open(dir).load()?.snapshot);
        }
        if !dir.join("store.ron").is_file() {
            return Err(CliError::Invalid(format!(
                "{}: a directory given to --from must be an ipsedit store (with a store.db or a \
                 store.ron)",
                path.display()
            )));
        }
        return Ok(FileStore::open(dir).load()?.snapshot);
    }
    // Precedence: a store directory (above); a .bat/.cmd file, or any file with a batch
    // construct, is a batch file (so `%policy%` is a variable, not a name); else a netsh
    // or an ipseccmd script told apart by its first command word.
    let bytes = super::script::read_bytes(path)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let is_batch_ext = matches!(ext.as_deref(), Some("bat" | "cmd"));
    let text = match super::ipseccmd::decode_text(&bytes) {
        Ok(t) => t,
        Err(_) if is_batch_ext => return super::script::load(path, &bytes),
        Err(m) => {
            return Err(CliError::Invalid(format!(
                "{}: {m} (for a batch file in a legacy code page, name it .bat or run                  `ipsedit script FILE --encoding LABEL`)",
                path.display()
            )));
        }
    };
    if is_batch_ext || crate::core::interchange::batch::looks_like_batch(&text) {
        return super::script::load(path, &bytes);
    }
    let source = path.display().to_string();
    match detect(&text) {
        Some(Source::Netsh) => load_script(&source, &text),
        Some(Source::Ipseccmd) => load_ipseccmd(path, &text),
        _ => Err(CliError::Invalid(format!(
            "{source}: cannot tell what this file is: --from takes a netsh script (lines like \
             `netsh ipsec static add policy …`), an ipseccmd script (lines like `ipseccmd -w \
             REG -p …`) or a store directory"
        ))),
    }
}

fn load_ipseccmd(path: &Path, text: &str) -> Result<Snapshot, CliError> {
    let mut snap = Snapshot::default();
    super::ipseccmd::apply_script(&mut snap, "ipseccmd", path, text)?;
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect("# x\r\nIPSeccmd.exe -w REG -p x"),
            Some(Source::Ipseccmd)
        );
        assert_eq!(
            detect("rem x\nnetsh ipsec static add policy x"),
            Some(Source::Netsh)
        );
        assert_eq!(
            detect("pushd ipsec static\nadd policy x"),
            Some(Source::Netsh)
        );
        assert_eq!(detect("hello world"), None);
    }
}
