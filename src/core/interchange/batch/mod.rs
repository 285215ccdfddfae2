//! `.bat`/`.cmd` files read as cmd.exe would, statically: the interpreter follows
//! variables, labels, `call`, `if`, `for`, blocks and `setlocal`, and applies the IPsec
//! commands it meets (`netsh ipsec …`, `ipseccmd`, `ipsecpol`, `reg add … NoDefaultExempt`,
//! `net stop policyagent`) to a `Snapshot`. It never executes anything: every other
//! command is skipped and reported, redirections are dropped (never written), pipes apply
//! their left side only, and files are only read through [`Files`] (the script's folder,
//! read-only). Bounded: goto loops, `call` depth and `netsh -f` nesting have limits.
//!
//! Layout: `decode` (bytes to lines, code pages, `chcp`), `parse` (one logical line to a
//! command tree), `expand` (`%VAR%`, `!VAR!`, arguments, `for` variables), `exec` (the
//! interpreter and its flow), `words` (item lists, `for /f` tokens, `set /a`),
//! `commands` (what is applied, what is skipped).
//!
//! Counting: each executed command after expansion counts once (a `for` over four ports
//! running one `netsh` line counts four) as applied, failed or skipped; `echo`, `rem`,
//! `::`, `@echo off`, `pause`, `cls`, `title`, `color`, `chcp`, `set`, `setlocal`,
//! `endlocal`, `shift`, labels and control flow are not counted. A `netsh -f FILE` counts
//! each line of FILE that is a command.
//!
//! Must not: run programs, write files, or read anything outside what [`Files`] gives.

mod commands;
pub mod decode;
mod exec;
mod expand;
mod parse;
mod words;

use crate::core::model::Snapshot;

/// Reads files a script names (`call other.bat`, `netsh -f FILE`, `if exist F`), relative
/// to the script's folder. The CLI implements it read-only; tests use a map.
pub trait Files {
    /// The bytes of `path`, or `None` when it cannot be read.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    fn exists(&self, path: &str) -> bool;
}

/// No files at all (`--from` of a single text, tests).
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn exists(&self, _: &str) -> bool {
        false
    }
}

/// How a run is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Apply what can be applied and report the rest (else: all or nothing).
    pub continue_on_error: bool,
    /// `--set NAME=VALUE`: variables defined before the first line (the last one given
    /// for a name wins); also the answers to `set /p NAME=` and `choice` (as `CHOICE`),
    /// one prompt each in the order given.
    pub sets: Vec<(String, String)>,
    /// `%1`..`%9`.
    pub args: Vec<String>,
    /// `--encoding`: the code page of the file (else BOM, UTF-8, or a guess).
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// What happened to one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Applied,
    Failed,
    Skipped,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// One counted command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub status: Status,
    /// The file the command is in (the script, or a file it called).
    pub file: String,
    pub line: usize,
    /// 1-based column in the source line (of the offending token for failures).
    pub column: usize,
    /// The command after expansion.
    pub command: String,
    /// Why it failed or was skipped; what it did when applied.
    pub message: String,
    pub hint: String,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The encoding used, and how it was chosen.
    pub encoding: String,
    pub encoding_how: String,
    pub entries: Vec<Entry>,
    /// Changes in the admin's words, in order.
    pub changes: Vec<String>,
    /// What `show` commands printed.
    pub output: Vec<String>,
    pub warnings: Vec<String>,
    /// Set when the run was refused (a failure in all-or-nothing mode, a needed answer
    /// missing): then nothing was applied.
    pub refused: Option<String>,
}

impl Outcome {
    pub fn count(&self, status: Status) -> usize {
        self.entries.iter().filter(|e| e.status == status).count()
    }
}

/// Runs a batch file's bytes against `snapshot`. `name` is how the file is reported and
/// `%0`. With a refusal the snapshot is unchanged.
pub fn run(
    snapshot: &mut Snapshot,
    name: &str,
    bytes: &[u8],
    opts: &Options,
    files: &dyn Files,
) -> Outcome {
    let source = decode::Source::new(bytes, opts.encoding);
    let mut outcome = Outcome {
        encoding: source.encoding.name().to_string(),
        encoding_how: source.how.word().to_string(),
        ..Outcome::default()
    };
    if source.how == decode::How::Guessed {
        outcome.warnings.push(format!(
            "{name}: not UTF-8: decoded as {} (guessed); if the text looks wrong, give \
             --encoding LABEL (e.g. --encoding gbk, --encoding 1252)",
            source.encoding.name()
        ));
    }
    if !opts.continue_on_error
        && let Some(why) = mixed_stores(bytes)
    {
        outcome.refused = Some(format!(
            "{name}: {why}: a run is one transaction per store, so nothing was applied; run \
             the REG and DS parts as two scripts, or give --continue-on-error to apply what \
             can be applied"
        ));
        return outcome;
    }
    let mut work = snapshot.clone();
    exec::Interp::new(&mut work, opts, files, &mut outcome).run_main(name, source);
    if outcome.refused.is_none() {
        *snapshot = work;
    }
    outcome
}

/// `-w REG` and `-w DS` both in one file: the first line of each, or `None`. The switch
/// and its value are ASCII, so the raw bytes are read whatever the encoding.
fn mixed_stores(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let (mut reg, mut ds) = (None, None);
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            if !matches!(pair[0].to_ascii_lowercase().as_str(), "-w" | "/w") {
                continue;
            }
            let v = pair[1].trim_matches('"').to_ascii_uppercase();
            if v == "REG" {
                reg = reg.or(Some(i + 1));
            } else if v == "DS" || v.starts_with("DS:") {
                ds = ds.or(Some(i + 1));
            }
        }
    }
    match (reg, ds) {
        (Some(r), Some(d)) => Some(format!(
            "line {r} writes the local store (-w REG) and line {d} the domain store (-w DS)"
        )),
        _ => None,
    }
}

/// Whether text reads as a batch file rather than a bare netsh or ipseccmd script: any
/// batch construct (`%VAR%`, `%1`, `^` at a line end, `@echo`, `echo`, `set NAME=…`,
/// `for`, `goto`, `call`, `if`, `setlocal`, `pause`, redirections). Labels alone do not
/// count: netsh scripts use `:` comments.
pub fn looks_like_batch(text: &str) -> bool {
    text.lines().any(|raw| {
        let line = raw.trim();
        let lower = line.to_ascii_lowercase();
        let first = lower.split_whitespace().next().unwrap_or("");
        let first = first.trim_start_matches('@');
        line.ends_with('^')
            || line.starts_with('@')
            || matches!(
                first,
                "echo"
                    | "echo."
                    | "for"
                    | "goto"
                    | "call"
                    | "if"
                    | "setlocal"
                    | "endlocal"
                    | "pause"
                    | "cls"
                    | "title"
                    | "color"
                    | "chcp"
                    | "shift"
            )
            || (first == "set" && batch_set(&lower))
            || has_var(line)
            || lower.contains(">nul")
            || lower.contains("> nul")
            || lower.contains("2>&1")
    })
}

/// `set NAME=VALUE`, `set "NAME=VALUE"`, `set /a …`, `set /p …` (not netsh's `set policy
/// name=…` inside `pushd ipsec static`).
fn batch_set(lower: &str) -> bool {
    let second = lower.split_whitespace().nth(1).unwrap_or("");
    second.starts_with('/') || second.starts_with('"') || second.contains('=')
}

fn has_var(line: &str) -> bool {
    let c: Vec<char> = line.chars().collect();
    for i in 0..c.len() {
        if c[i] != '%' {
            continue;
        }
        if c.get(i + 1)
            .is_some_and(|d| d.is_ascii_digit() || *d == '~' || *d == '*')
        {
            return true;
        }
        let mut k = i + 1;
        while k < c.len() && (c[k].is_alphanumeric() || "_:~,-".contains(c[k])) {
            k += 1;
        }
        if k > i + 1 && c.get(k) == Some(&'%') {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_constructs_are_recognised() {
        assert!(looks_like_batch(
            "@echo off\nnetsh ipsec static add policy x"
        ));
        assert!(looks_like_batch(
            "netsh ipsec static add policy name=%policy%"
        ));
        assert!(looks_like_batch("netsh ipsec static ^\nadd policy name=x"));
        assert!(looks_like_batch("ipseccmd -w REG -p x -y >nul"));
        assert!(!looks_like_batch(
            "netsh ipsec static add policy name=x\nrem just netsh\n# comment"
        ));
        assert!(!looks_like_batch("ipseccmd -w REG -p \"x\" -r y -f 0+*"));
        assert!(!looks_like_batch(
            "pushd ipsec static\nset policy name=\"X\" assign=yes\n: comment"
        ));
        assert!(looks_like_batch(
            "set policy=X\nnetsh ipsec static add policy name=X"
        ));
    }
}
