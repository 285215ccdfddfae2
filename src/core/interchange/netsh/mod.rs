//! `netsh ipsec static|dynamic` scripts (Windows Server 2003, docs/domain.md "Command
//! syntaxes"), both ways: applying a script to a `Snapshot`, and writing a script that
//! recreates one.
//!
//! A script is applied as one transaction: the first failing line stops it and nothing is
//! applied ([`Mode::Transaction`]); [`Mode::ContinueOnError`] applies every line that can
//! be applied and reports every one that cannot. Each command is itself atomic (it checks
//! everything before it changes anything), so a failing line never leaves half an object.
//!
//! Script lines may carry the leading `netsh`, use `pushd ipsec static` / `popd` or a bare
//! `ipsec static` line to set the context, and comments (`#`, `rem`, `:`). Lines starting
//! with `# ipsedit` are ipsedit's own directives (host context and name table, see
//! [`directive`]); netsh skips them as comments, so exported scripts still run on Windows.
//! Pure: text in, model changes and report lines out; no I/O.

mod abbrev;
mod directive;
mod dynamic;
pub mod export;
pub mod field;
mod index;
mod lexer;
mod lookup;
mod methods;
mod params;
mod show;
mod show_layout;
mod static_add;
mod static_delete;
mod static_set;
mod values;

use crate::core::model::Snapshot;

pub use export::{Export, ExportError, export_script};
pub use lexer::join_args;

/// An invalid line: where, what and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message} (at '{token}'){}", hint_suffix(.hint))]
pub struct NetshError {
    /// 1-based line of the script (1 for a single command).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub token: String,
    pub message: String,
    pub hint: String,
}

fn hint_suffix(h: &str) -> String {
    if h.is_empty() {
        String::new()
    } else {
        format!("\n  fix: {h}")
    }
}

impl NetshError {
    pub fn new(
        line: usize,
        column: usize,
        token: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        NetshError {
            line,
            column,
            token: token.into(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// `file:line:column: message (at 'token')`, the offending line with a caret under the
    /// token, and the hint.
    pub fn render(&self, source: &str, line_text: &str) -> String {
        // At most ~100 characters of a long line, ~40 of a long token, are quoted (issue 10).
        use crate::core::text::{excerpt, shorten_words};
        let mut s = format!(
            "{source}:{}:{}: {} (at '{}')\n",
            self.line,
            self.column,
            shorten_words(&self.message, 40),
            shorten_words(&self.token, 40)
        );
        let line = line_text.trim_end();
        let (shown, column) = excerpt(line, self.column, 100);
        if !shown.is_empty() {
            let gutter = self.line.to_string();
            let mut width = self.token.chars().count().clamp(1, 60);
            if shown.len() < line.len() {
                // Cut: the caret stays within the excerpt.
                let room = shown
                    .chars()
                    .count()
                    .saturating_sub(column.saturating_sub(1));
                width = width.min(room.max(1));
            }
            s.push_str(&format!("  {gutter} | {shown}\n"));
            s.push_str(&format!(
                "  {} | {}{}\n",
                " ".repeat(gutter.len()),
                " ".repeat(column.saturating_sub(1)),
                "^".repeat(width)
            ));
        }
        if !self.hint.is_empty() {
            s.push_str(&format!("  fix: {}\n", self.hint));
        }
        s
    }
}

/// How a script treats a failing line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The first error stops the script and nothing is applied.
    Transaction,
    /// Apply what can be applied; report every failing line.
    ContinueOnError,
}

/// What a script did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// One line per change, in the admin's words ("created filter list 'Web'").
    pub changes: Vec<String>,
    /// What `show` commands printed.
    pub output: Vec<String>,
    /// Repairs and ignored settings, with their line.
    pub warnings: Vec<(usize, String)>,
    /// Failing lines. In `Transaction` mode at most one, and then nothing was applied.
    pub errors: Vec<NetshError>,
    /// Commands applied.
    pub applied: usize,
}

/// What one command did.
#[derive(Debug, Default)]
pub(crate) struct Done {
    pub changes: Vec<String>,
    pub output: Vec<String>,
    pub warnings: Vec<String>,
}

impl Done {
    fn change(s: impl Into<String>) -> Self {
        Done {
            changes: vec![s.into()],
            ..Done::default()
        }
    }
}

/// Where a command sits, for its error messages.
pub(crate) struct Cmd<'a> {
    pub line: usize,
    /// Column just past the line's last character: where a missing parameter is reported.
    pub end_col: usize,
    /// `add filter`, `set policy`…
    pub name: &'a str,
    /// Column of the command's first word.
    pub col: usize,
}

impl Cmd<'_> {
    pub fn err(
        &self,
        column: usize,
        token: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> NetshError {
        NetshError::new(self.line, column, token, message, hint)
    }
}

/// The netsh context a line runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Ipsec,
    Static,
    Dynamic,
}

/// The script's context: the current level and the `pushd` stack.
struct Context {
    level: Level,
    stack: Vec<Level>,
}

/// Applies a whole script. In `Transaction` mode the snapshot is unchanged when the report
/// has an error.
pub fn apply_script(snapshot: &mut Snapshot, text: &str, mode: Mode) -> Report {
    index::forget();
    let mut work = snapshot.clone();
    let mut report = Report::default();
    let mut cx = Context {
        level: Level::Root,
        stack: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        match run_line(&mut work, &mut cx, raw, n) {
            Ok(LineResult::Stop) => break,
            Ok(LineResult::Done(done)) => {
                if let Some(done) = done {
                    report.applied += 1;
                    report.changes.extend(done.changes);
                    report.output.extend(done.output);
                    report
                        .warnings
                        .extend(done.warnings.into_iter().map(|w| (n, w)));
                }
            }
            Err(e) => {
                report.errors.push(e);
                if mode == Mode::Transaction {
                    return report;
                }
            }
        }
    }
    *snapshot = work;
    report
}

/// Applies one command given as shell arguments (`ipsec static add policy name=X`), with
/// or without the leading `netsh`. Reported as line 1 of the rebuilt line
/// [`join_args`]`(args)`.
pub fn apply_args(snapshot: &mut Snapshot, args: &[String]) -> Report {
    apply_script(snapshot, &join_args(args), Mode::Transaction)
}

enum LineResult {
    /// `None` for lines that change nothing by themselves (comments, context lines).
    Done(Option<Done>),
    Stop,
}

fn run_line(
    snap: &mut Snapshot,
    cx: &mut Context,
    raw: &str,
    n: usize,
) -> Result<LineResult, NetshError> {
    let line = raw.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Ok(LineResult::Done(None));
    }
    if directive::strip(trimmed).is_some() {
        return directive::apply(snap, line, n).map(|d| LineResult::Done(Some(d)));
    }
    if super::is_script_comment(trimmed) {
        return Ok(LineResult::Done(None));
    }
    let args = lexer::split(line, n)?;
    let end_col = line.chars().count() + 1;
    // Leading bare words name the context and the command.
    let mut i = 0;
    let word = |i: usize| -> Option<String> {
        args.get(i)
            .filter(|a| a.key.is_none() && !a.quoted)
            .map(|a| a.value.to_ascii_lowercase())
    };
    let from_root = word(0).as_deref().is_some_and(is_netsh_program);
    if from_root {
        i = 1;
    }
    match word(i).as_deref() {
        Some("exit" | "quit" | "bye") => return Ok(LineResult::Stop),
        Some("popd") => {
            cx.level = cx.stack.pop().unwrap_or(Level::Root);
            return Ok(LineResult::Done(None));
        }
        _ => {}
    }
    let pushd = word(i).as_deref() == Some("pushd");
    if pushd {
        i += 1;
    }
    let mut level = if from_root { Level::Root } else { cx.level };
    // A leading `netsh` starts from the root; otherwise words resolve from the current
    // context, and `ipsec` from anywhere (netsh looks commands up in parent contexts).
    let mut moved = false;
    while let Some(w) = word(i) {
        let w = match level {
            Level::Root => abbrev::expand(&w, abbrev::ROOT),
            // A word that names a command of the current context is that command (netsh
            // looks in the current context first): `s` in static is an ambiguous verb,
            // not the `static` context.
            Level::Static
                if abbrev::resolve(&w, abbrev::STATIC_VERBS) != abbrev::Resolved::None =>
            {
                w
            }
            Level::Dynamic
                if abbrev::resolve(&w, abbrev::DYNAMIC_VERBS) != abbrev::Resolved::None =>
            {
                w
            }
            Level::Ipsec | Level::Static | Level::Dynamic if w != ".." => {
                let ctx = abbrev::expand(&w, abbrev::IPSEC);
                if ctx == "static" || ctx == "dynamic" {
                    ctx
                } else {
                    w
                }
            }
            _ => w,
        };
        let next = match (w.as_str(), level) {
            ("ipsec", _) => Level::Ipsec,
            ("static", Level::Ipsec | Level::Static | Level::Dynamic) => Level::Static,
            ("dynamic", Level::Ipsec | Level::Static | Level::Dynamic) => Level::Dynamic,
            ("..", Level::Static | Level::Dynamic) => Level::Ipsec,
            ("..", _) => Level::Root,
            _ => break,
        };
        level = next;
        moved = true;
        i += 1;
    }
    if i >= args.len() {
        if pushd {
            cx.stack.push(cx.level);
        }
        if moved || pushd {
            cx.level = level;
        }
        return Ok(LineResult::Done(None));
    }
    if pushd {
        let a = &args[i];
        return Err(NetshError::new(
            n,
            a.col,
            a.text(),
            "pushd takes a context, not a command",
            "write `pushd ipsec static` on its own line, then the commands",
        ));
    }
    let rest = &args[i..];
    params::take_notes();
    let done = match level {
        Level::Static => dispatch_static(snap, rest, n, end_col),
        Level::Dynamic => dynamic::dispatch(snap, rest, n, end_col),
        Level::Root | Level::Ipsec => {
            let a = &rest[0];
            let here = if level == Level::Root {
                "netsh"
            } else {
                "netsh ipsec"
            };
            return Err(NetshError::new(
                n,
                a.col,
                a.text(),
                format!("unknown command '{}' in {here}", a.text()),
                "ipsedit runs netsh ipsec commands: start the line with `netsh ipsec static` \
                 or `netsh ipsec dynamic`, or put `pushd ipsec static` before it",
            ));
        }
    };
    // Shared-prefix readings come first: they explain what the command did.
    let notes = params::take_notes();
    let mut done = done?;
    if !notes.is_empty() {
        done.warnings.splice(0..0, notes);
    }
    Ok(LineResult::Done(Some(done)))
}

/// Whether a word names netsh itself: `netsh`, `NETSH.EXE`, `C:\\WINDOWS\\system32\\netsh.exe`.
pub fn is_netsh_program(word: &str) -> bool {
    let last = word.rsplit(['\\', '/']).next().unwrap_or(word);
    let last = last.trim_matches('"');
    last.eq_ignore_ascii_case("netsh") || last.eq_ignore_ascii_case("netsh.exe")
}

/// What one command applied by [`apply_command`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub changes: Vec<String>,
    pub output: Vec<String>,
    pub warnings: Vec<String>,
}

/// Applies one command line (`netsh ipsec static add policy name=X`) as a fresh netsh
/// invocation (context from the root), reporting it as line `line`. `Ok(None)` when the
/// line only names a context (netsh would open its interactive shell there) or is a
/// comment. Atomic: on error the snapshot is unchanged. No clone of the snapshot, so a
/// caller applying many commands stays linear.
pub fn apply_command(
    snapshot: &mut Snapshot,
    text: &str,
    line: usize,
) -> Result<Option<Applied>, NetshError> {
    let mut cx = Context {
        level: Level::Root,
        stack: Vec::new(),
    };
    match run_line(snapshot, &mut cx, text, line)? {
        LineResult::Done(Some(d)) => Ok(Some(Applied {
            changes: d.changes,
            output: d.output,
            warnings: d.warnings,
        })),
        _ => Ok(None),
    }
}

/// Drops the name indexes: call after editing a snapshot other than through netsh
/// commands, before the next [`apply_command`] on it.
pub fn forget_names() {
    index::forget();
}

/// Whether a netsh root word leads into the ipsec context (`ipsec`, or a prefix netsh
/// reads as it).
pub fn is_ipsec_context(word: &str) -> bool {
    abbrev::resolve(word, abbrev::ROOT) == abbrev::Resolved::One("ipsec")
}

/// Applies a netsh script line by line as `netsh -f` reads it (contexts, `pushd`, `popd`,
/// comments), each command on its own: the result of every command line, by line number.
/// Lines that only set a context are left out; `exit` ends it. No snapshot clone.
pub fn apply_each(
    snapshot: &mut Snapshot,
    text: &str,
) -> Vec<(usize, Result<Applied, NetshError>)> {
    let mut cx = Context {
        level: Level::Root,
        stack: Vec::new(),
    };
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        match run_line(snapshot, &mut cx, raw, n) {
            Ok(LineResult::Stop) => break,
            Ok(LineResult::Done(Some(d))) => out.push((
                n,
                Ok(Applied {
                    changes: d.changes,
                    output: d.output,
                    warnings: d.warnings,
                }),
            )),
            Ok(LineResult::Done(None)) => {}
            Err(e) => out.push((n, Err(e))),
        }
    }
    out
}

const STATIC_VERBS: &str = "add, set, delete, show";

fn dispatch_static(
    snap: &mut Snapshot,
    args: &[lexer::Arg],
    n: usize,
    end_col: usize,
) -> Result<Done, NetshError> {
    let verb = &args[0];
    if verb.key.is_none() {
        ambiguous(
            &verb.value,
            abbrev::STATIC_VERBS,
            verb,
            n,
            "netsh ipsec static",
        )?;
    }
    let v = abbrev::expand(&verb.value, abbrev::STATIC_VERBS);
    if verb.key.is_some() || !matches!(v.as_str(), "add" | "set" | "delete" | "show") {
        let hint = match v.as_str() {
            "exportpolicy" | "importpolicy" => {
                "ipsedit does not read or write .ipsec policy files; use `ipsedit export \
                 netsh` and `ipsedit netsh -f FILE`"
                    .to_string()
            }
            _ => format!("netsh ipsec static commands are {STATIC_VERBS}"),
        };
        return Err(NetshError::new(
            n,
            verb.col,
            verb.text(),
            format!("unknown command '{}' in netsh ipsec static", verb.text()),
            hint,
        ));
    }
    let Some(object) = args.get(1).filter(|a| a.key.is_none()) else {
        return Err(NetshError::new(
            n,
            args.get(1).map_or(end_col, |a| a.col),
            verb.value.clone(),
            format!("'{v}' needs an object"),
            format!(
                "write {v} policy, filterlist, filter, filteraction, rule{}",
                if v == "set" {
                    ", defaultrule, store"
                } else if v == "show" {
                    ", all, store"
                } else if v == "delete" {
                    ", all"
                } else {
                    ""
                }
            ),
        ));
    };
    ambiguous(&object.value, abbrev::static_objects(&v), object, n, &v)?;
    let o = abbrev::expand(&object.value, abbrev::static_objects(&v));
    let name = format!("{v} {o}");
    let cmd = Cmd {
        line: n,
        end_col,
        name: &name,
        col: verb.col,
    };
    let params = &args[2..];
    match v.as_str() {
        "add" => static_add::run(snap, &o, object, params, &cmd),
        "set" => {
            index::forget();
            let r = static_set::run(snap, &o, object, params, &cmd);
            index::forget();
            r
        }
        "delete" => static_delete::run(snap, &o, object, params, &cmd),
        _ => show::run(snap, &o, object, params, &cmd),
    }
}

/// Refuses a prefix that names several commands, as netsh does.
pub(crate) fn ambiguous(
    word: &str,
    commands: &[&'static str],
    arg: &lexer::Arg,
    line: usize,
    context: &str,
) -> Result<(), NetshError> {
    if let abbrev::Resolved::Ambiguous(all) = abbrev::resolve(word, commands) {
        return Err(NetshError::new(
            line,
            arg.col,
            arg.text(),
            format!(
                "'{word}' is ambiguous in {context}: it could be {}",
                all.join(", ")
            ),
            "type more letters of the command (netsh takes the shortest unambiguous prefix)",
        ));
    }
    Ok(())
}

/// The error for an object word a verb does not take.
pub(crate) fn unknown_object(cmd: &Cmd, object: &lexer::Arg, known: &str) -> NetshError {
    let verb = cmd.name.split(' ').next().unwrap_or("");
    cmd.err(
        object.col,
        object.text(),
        format!("unknown command '{verb} {}'", object.text()),
        format!("{verb} takes: {known}"),
    )
}
