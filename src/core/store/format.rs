//! The on-disk envelope of one store revision: format version, revision, time, summary and
//! the snapshot in separate sections. Owns encoding and decoding (with error positions);
//! does no I/O of its own beyond what the caller hands it as text.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Revision, StoreError};
use crate::core::model::{
    DynamicRule, FilterAction, FilterList, HostContext, Id, Policy, Snapshot, UnreferencedObject,
};

/// The newest envelope format this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;

/// The default size limit of a RON store file (the input limit of `core::input`, raised
/// with `--max-input-size` for a RON export of a very large store).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What an envelope says about itself, without the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: u32,
    pub revision: Revision,
    pub saved_at: u64,
    pub summary: String,
}

/// Serialised form. Field order here is the order in the file, so diffs between revisions
/// stay readable: header first, then the static policy objects, the assignment, the dynamic
/// rules and the host context, each a section of its own.
#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: u32,
    revision: Revision,
    saved_at: u64,
    summary: &'a str,
    policies: &'a [Policy],
    filter_lists: &'a [FilterList],
    filter_actions: &'a [FilterAction],
    assigned: Option<Id>,
    dynamic: &'a [DynamicRule],
    host: &'a HostContext,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unreferenced: &'a [UnreferencedObject],
}

#[derive(Deserialize)]
struct EnvelopeIn {
    format: u32,
    revision: Revision,
    #[serde(default)]
    saved_at: u64,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    policies: Vec<Policy>,
    #[serde(default)]
    filter_lists: Vec<FilterList>,
    #[serde(default)]
    filter_actions: Vec<FilterAction>,
    #[serde(default)]
    assigned: Option<Id>,
    #[serde(default)]
    dynamic: Vec<DynamicRule>,
    #[serde(default)]
    host: HostContext,
    #[serde(default)]
    unreferenced: Vec<UnreferencedObject>,
}

#[derive(Deserialize)]
struct HeaderIn {
    format: u32,
    revision: Revision,
    #[serde(default)]
    saved_at: u64,
    #[serde(default)]
    summary: String,
}

/// Only the version: unknown fields are skipped, so a newer layout still yields its number.
#[derive(Deserialize)]
struct VersionProbe {
    format: u32,
}

/// Encodes one revision as pretty RON with `\n` line ends on every platform, so a store
/// copied between machines diffs cleanly.
pub fn encode(header: &Header, snapshot: &Snapshot) -> Result<String, ron::Error> {
    let envelope = EnvelopeOut {
        format: header.format,
        revision: header.revision,
        saved_at: header.saved_at,
        summary: &header.summary,
        policies: &snapshot.policies,
        filter_lists: &snapshot.filter_lists,
        filter_actions: &snapshot.filter_actions,
        assigned: snapshot.assigned,
        dynamic: &snapshot.dynamic,
        host: &snapshot.host,
        unreferenced: &snapshot.unreferenced,
    };
    let config = ron::ser::PrettyConfig::new().new_line("\n");
    let mut text = ron::ser::to_string_pretty(&envelope, config)?;
    text.push('\n');
    Ok(text)
}

/// Decodes one revision read from `path` (named in errors). Tolerates a UTF-8 byte-order
/// mark and Windows line ends, which editors on Windows add when an admin fixes a file.
pub fn decode(path: &Path, text: &str) -> Result<(Header, Snapshot), StoreError> {
    let text = normalise(text);
    match ron::from_str::<EnvelopeIn>(&text) {
        Ok(env) => {
            check_version(path, &text, env.format)?;
            let header = Header {
                format: env.format,
                revision: env.revision,
                saved_at: env.saved_at,
                summary: env.summary,
            };
            let snapshot = Snapshot {
                policies: env.policies,
                filter_lists: env.filter_lists,
                filter_actions: env.filter_actions,
                assigned: env.assigned,
                dynamic: env.dynamic,
                host: env.host,
                unreferenced: env.unreferenced,
                lookup: Default::default(),
            };
            Ok((header, snapshot))
        }
        Err(err) => {
            // A newer format may fail to parse as this one; say "upgrade" rather than
            // pointing at a line the admin should not touch.
            if let Ok(probe) = ron::from_str::<VersionProbe>(&text) {
                check_version(path, &text, probe.format)?;
            }
            Err(malformed(path, &text, &err))
        }
    }
}

/// Decodes only the header of a revision (for listing history): the snapshot is parsed
/// for syntax but not built, so listing 20 revisions of a big store stays cheap.
pub fn decode_header(path: &Path, text: &str) -> Result<Header, StoreError> {
    let text = normalise(text);
    match ron::from_str::<HeaderIn>(&text) {
        Ok(h) => {
            check_version(path, &text, h.format)?;
            Ok(Header {
                format: h.format,
                revision: h.revision,
                saved_at: h.saved_at,
                summary: h.summary,
            })
        }
        Err(err) => {
            if let Ok(probe) = ron::from_str::<VersionProbe>(&text) {
                check_version(path, &text, probe.format)?;
            }
            Err(malformed(path, &text, &err))
        }
    }
}

fn normalise(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn check_version(path: &Path, text: &str, format: u32) -> Result<(), StoreError> {
    if format <= FORMAT_VERSION {
        return Ok(());
    }
    let (line, column) = format_value_position(text).unwrap_or((1, 1));
    Err(StoreError::Malformed {
        path: path.to_path_buf(),
        line,
        column,
        message: format!(
            "written by a newer ipsedit (format {format}, this one reads up to \
             {FORMAT_VERSION}): upgrade ipsedit"
        ),
    })
}

/// Where the value of the `format:` field starts (1-based line and column), so the
/// version error points at the number itself.
fn format_value_position(text: &str) -> Option<(usize, usize)> {
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find("format") else {
            continue;
        };
        let rest = &line[at + "format".len()..];
        let after_ws = rest.trim_start();
        let Some(value) = after_ws.strip_prefix(':') else {
            continue;
        };
        let value_start = line.len() - value.trim_start().len();
        let column = line[..value_start].chars().count() + 1;
        return Some((index + 1, column));
    }
    None
}

fn malformed(path: &Path, text: &str, err: &ron::error::SpannedError) -> StoreError {
    let (line, column) = match err.code {
        // At the end of input there is no token to point at: ron's position (just after
        // the last one) is the best place to look.
        ron::Error::Eof => (err.span.start.line, err.span.start.col),
        _ => next_token(text, err.span.start.line, err.span.start.col),
    };
    StoreError::Malformed {
        path: path.to_path_buf(),
        line,
        column,
        message: format!(
            "{}: the file is truncated or was edited by hand: restore a revision with `ipsedit restore REV` (see `ipsedit \
             history`), or fix line {line}",
            err.code
        ),
    }
}

/// ron reports some errors where it started skipping whitespace before the offending
/// value; an admin looking for the mistake wants the value itself.
fn next_token(text: &str, line: usize, column: usize) -> (usize, usize) {
    let mut skip = column.saturating_sub(1);
    for (index, l) in text.lines().enumerate().skip(line.saturating_sub(1)) {
        if let Some(p) = l.chars().skip(skip).position(|c| !c.is_whitespace()) {
            return (index + 1, skip + p + 1);
        }
        skip = 0;
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_position_points_at_the_number() {
        assert_eq!(format_value_position("(\n    format: 7,\n"), Some((2, 13)));
        assert_eq!(format_value_position("(format :3)"), Some((1, 10)));
        assert_eq!(format_value_position("()"), None);
    }

    #[test]
    fn positions_move_to_the_next_token() {
        assert_eq!(next_token("(\n  a: 1,\n", 2, 1), (2, 3));
        assert_eq!(next_token("(   \n\n    x", 1, 2), (3, 5));
        assert_eq!(next_token("( ", 1, 2), (1, 2));
    }

    #[test]
    fn bom_and_crlf_are_tolerated() {
        let header = Header {
            format: FORMAT_VERSION,
            revision: 3,
            saved_at: 9,
            summary: "s".into(),
        };
        let text = encode(&header, &Snapshot::default()).expect("encode");
        let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let (h, s) = decode(Path::new("x"), &windows).expect("decode");
        assert_eq!(h, header);
        assert_eq!(s, Snapshot::default());
    }
}
