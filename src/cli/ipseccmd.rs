//! `ipsedit ipseccmd ARGS…` / `ipsedit ipsecpol ARGS…`: apply one command line exactly as
//! the tool would take it, or `-file FILE` with one command per line. A file is applied as
//! one transaction: an error on line N applies nothing and names the line.

use std::path::Path;

use super::{CliError, Ctx};
use crate::core::interchange::ipseccmd::{self, split_command_line, strip_program_name};
use crate::core::interchange::is_script_comment;
use crate::core::model::Snapshot;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command line, exactly as ipseccmd would take it (quote `*`, `[…]`, `(…)` in a
    /// Unix shell), or `-file FILE`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

pub fn run(ctx: &Ctx, tool: &str, a: Args) -> Result<(), CliError> {
    let mut args = a.args;
    // `--dry-run` after the subcommand lands in the raw arguments: ipseccmd has no such
    // switch, so take it as ours.
    let dry_run = take_flag(&mut args, "--dry-run") || ctx.dry_run;
    if args.is_empty() {
        return Err(CliError::Invalid(format!(
            "{tool}: no arguments; give a command line (ipsedit {tool} -w REG -p \"Name\" -r \
             \"Rule\" -f '*=0:1434:UDP' -n BLOCK -x) or -file FILE"
        )));
    }
    if let Some(pos) = args
        .iter()
        .position(|s| s.eq_ignore_ascii_case("-file") || s.eq_ignore_ascii_case("--file"))
    {
        let Some(path) = args.get(pos + 1) else {
            return Err(CliError::Invalid(format!(
                "{tool}: '-file' needs a file name: ipsedit {tool} -file commands.txt"
            )));
        };
        if args.len() != 2 {
            return Err(CliError::Invalid(format!(
                "{tool}: '-file FILE' takes no other arguments; put each command on its own \
                 line of the file"
            )));
        }
        return apply_file(ctx, dry_run, tool, Path::new(path));
    }
    super::refuse_unsafe_args(tool, &args)?;
    let summary = format!("{tool} {}", quote_args(&args));
    ctx.modify_as(&summary, dry_run, |snap| {
        apply_line(snap, tool, &args, None)
    })
}

fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

fn apply_line(
    snap: &mut Snapshot,
    tool: &str,
    args: &[String],
    place: Option<(&Path, usize)>,
) -> Result<Vec<String>, CliError> {
    let outcome = ipseccmd::apply_as(snap, tool, args).map_err(|e| {
        let at = match place {
            Some((p, n)) => format!("{}:{n}: ", p.display()),
            None => String::new(),
        };
        CliError::Invalid(format!("{at}{tool}: {e}"))
    })?;
    let mut lines: Vec<String> = outcome
        .warnings
        .iter()
        .map(|w| match place {
            Some((p, n)) => format!("warning: {}:{n}: {w}", p.display()),
            None => format!("warning: {w}"),
        })
        .collect();
    lines.extend(outcome.changes);
    Ok(lines)
}

fn apply_file(ctx: &Ctx, dry_run: bool, tool: &str, path: &Path) -> Result<(), CliError> {
    let text = read_script(path)?;
    let summary = format!("{tool} -file {}", path.display());
    ctx.modify_as(&summary, dry_run, |snap| {
        apply_script(snap, tool, path, &text)
    })
}

/// Applies every command line of a script to `snap`, stopping at the first bad line (the
/// caller discards `snap` then: a script is one transaction). Returns the change lines.
pub fn apply_script(
    snap: &mut Snapshot,
    tool: &str,
    path: &Path,
    text: &str,
) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || is_script_comment(line) {
            continue;
        }
        let words = split_command_line(line);
        let words = strip_program_name(&words);
        if words.is_empty() {
            continue;
        }
        out.extend(apply_line(snap, tool, words, Some((path, i + 1)))?);
    }
    Ok(out)
}

/// Reads a script through the core's bounded reader (size limit, 1 MiB lines, regular
/// files or `-` only; UTF-8 with or without BOM, UTF-16 with BOM as Notepad saves), and
/// refuses control characters and bidi overrides with the line and column: names typed
/// in a script are text.
pub fn read_script(path: &Path) -> Result<String, CliError> {
    let text = crate::core::input::read_text(path).map_err(|e| CliError::Invalid(e.to_string()))?;
    super::refuse_unsafe_script(path, &text)?;
    Ok(text)
}

/// UTF-8 (BOM optional) or UTF-16LE/BE with BOM; CRLF is left to `lines()`.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    crate::core::input::decode_text(bytes).map_err(|(_, _, m)| m)
}

fn quote_args(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("\"{a}\"")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_notepad_unicode_and_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "ipseccmd -u\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_text(&b).as_deref(), Ok("ipseccmd -u\r\n"));
        assert_eq!(decode_text(b"\xEF\xBB\xBFx").as_deref(), Ok("x"));
        assert!(decode_text(b"\xFF\xFEa").is_err());
        assert!(decode_text(b"a\xC3").is_err());
    }
}
