//! Bounded reading of text inputs (scripts, `.reg` files, RON, stdin): the one reader
//! every format's file reading goes through. Owns the limits (total size, default 64 MiB,
//! `--max-input-size`; lines of at most 1 MiB), the refusal of paths that are not regular
//! files (a device, a FIFO, a socket) unless the path is `-` for stdin, and the text
//! decoding (UTF-8 with or without BOM, UTF-16 with BOM as Notepad saves "Unicode").
//! It must not parse anything: formats get the text and report their own errors.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default limit of one input, in bytes.
pub const DEFAULT_MAX_INPUT: u64 = 64 * 1024 * 1024;
/// The longest line a text input may have, in bytes.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

static MAX_INPUT: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT);

/// Sets the size limit of every later read in this process (`--max-input-size`).
pub fn set_max_input_size(bytes: u64) {
    MAX_INPUT.store(bytes.max(1), Ordering::Relaxed);
}

/// The size limit in force.
pub fn max_input_size() -> u64 {
    MAX_INPUT.load(Ordering::Relaxed)
}

/// Why an input was not read. The message names the input and says what to do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error("{path}: cannot read: {message}")]
    Io { path: String, message: String },
    #[error("{path}: not a regular file (a {kind}): give a file, or `-` to read standard input")]
    NotAFile { path: String, kind: &'static str },
    #[error(
        "{path}: more than {limit} bytes, the input size limit: split the input, or raise \
         the limit with --max-input-size BYTES"
    )]
    TooLarge { path: String, limit: u64 },
    #[error(
        "{path}:{line}: the line is longer than {MAX_LINE_BYTES} bytes (1 MiB): no script or \
         registry line is that long; split it"
    )]
    LineTooLong { path: String, line: usize },
    #[error("{path}:{line}:{column}: {message}")]
    Encoding {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// What names an input in messages: the path, or `-` / "standard input".
fn name(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_string()
    } else {
        crate::core::text::terminal_safe(&path.display().to_string()).into_owned()
    }
}

pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads at most the size limit of `path` (or stdin for `-`) as bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    let limit = max_input_size();
    let io = |e: std::io::Error| InputError::Io {
        path: name(path),
        message: e.to_string(),
    };
    let mut bytes = Vec::new();
    if is_stdin(path) {
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
    } else {
        // stat first: opening a FIFO with no writer would block forever.
        let meta = std::fs::metadata(path).map_err(io)?;
        check_regular(path, &meta)?;
        let file = File::open(path).map_err(io)?;
        // Again on what was opened, in case the path was swapped in between.
        check_regular(path, &file.metadata().map_err(io)?)?;
        if meta.len() > limit {
            return Err(InputError::TooLarge {
                path: name(path),
                limit,
            });
        }
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: name(path),
            limit,
        });
    }
    Ok(bytes)
}

fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), InputError> {
    if meta.is_file() {
        return Ok(());
    }
    let ft = meta.file_type();
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_dir() {
            "directory"
        } else if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_char_device() || ft.is_block_device() {
            "device"
        } else {
            "special file"
        }
    };
    #[cfg(not(unix))]
    let kind = if ft.is_dir() {
        "directory"
    } else {
        "special file"
    };
    Err(InputError::NotAFile {
        path: name(path),
        kind,
    })
}

/// Reads `path` (or stdin for `-`) as text: bounded, decoded, every line at most 1 MiB.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let bytes = read_bytes(path)?;
    let text = decode_text(&bytes).map_err(|(line, column, message)| InputError::Encoding {
        path: name(path),
        line,
        column,
        message,
    })?;
    check_lines(path, &text)?;
    Ok(text)
}

/// Refuses text with a line over `MAX_LINE_BYTES`.
pub fn check_lines(path: &Path, text: &str) -> Result<(), InputError> {
    match text.split('\n').position(|l| l.len() > MAX_LINE_BYTES) {
        Some(i) => Err(InputError::LineTooLong {
            path: name(path),
            line: i + 1,
        }),
        None => Ok(()),
    }
}

/// UTF-8 (BOM optional) or UTF-16LE/BE with BOM; CRLF is left to the parsers. An error
/// gives the line and column (1-based) where decoding failed, and the fix.
pub fn decode_text(bytes: &[u8]) -> Result<String, (usize, usize, String)> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let valid = &body[..e.valid_up_to()];
            let (line, column) = position(valid);
            Err((
                line,
                column,
                format!(
                    "not UTF-8 text (invalid byte 0x{:02x} at offset {}): save the file as \
                     UTF-8 or as Unicode (UTF-16) with a byte-order mark",
                    body.get(e.valid_up_to()).copied().unwrap_or(0),
                    e.valid_up_to()
                ),
            ))
        }
    }
}

/// Line and column (1-based, in characters) just after valid UTF-8 `text`.
fn position(valid: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(valid);
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn utf16(body: &[u8], word: fn([u8; 2]) -> u16) -> Result<String, (usize, usize, String)> {
    if !body.len().is_multiple_of(2) {
        return Err((
            1,
            1,
            "UTF-16 text with an odd number of bytes: the file is truncated".into(),
        ));
    }
    let units: Vec<u16> = body.chunks_exact(2).map(|c| word([c[0], c[1]])).collect();
    let mut out = String::with_capacity(units.len());
    let (mut line, mut column) = (1, 1);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                out.push(c);
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            Err(e) => {
                return Err((
                    line,
                    column,
                    format!(
                        "invalid UTF-16 text (unpaired surrogate 0x{:04x}): save the file \
                         again as Unicode or UTF-8",
                        e.unpaired_surrogate()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_utf16() {
        let mut b = vec![0xFF, 0xFE];
        for u in "ipseccmd -u\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_text(&b).as_deref(), Ok("ipseccmd -u\r\n"));
        assert_eq!(decode_text(b"\xEF\xBB\xBFx").as_deref(), Ok("x"));
        assert!(decode_text(b"\xFF\xFEa").is_err());
        assert_eq!(
            decode_text(b"ab\ncd\xC3").map_err(|e| (e.0, e.1)),
            Err((2, 3))
        );
        assert_eq!(
            decode_text(&[0xFF, 0xFE, b'a', 0, 0x00, 0xD8]).map_err(|e| (e.0, e.1)),
            Err((1, 2))
        );
    }

    #[test]
    fn refuses_devices_and_fifos_without_blocking() {
        #[cfg(unix)]
        {
            let e = read_text(Path::new("/dev/zero")).expect_err("device");
            assert_eq!(
                e.to_string(),
                "/dev/zero: not a regular file (a device): give a file, or `-` to read \
                 standard input"
            );
        }
        let dir = std::env::temp_dir();
        let e = read_text(&dir).expect_err("dir");
        assert!(matches!(
            e,
            InputError::NotAFile {
                kind: "directory",
                ..
            }
        ));
    }

    #[test]
    fn long_lines_are_refused_by_number() {
        let text = format!("a\n{}\n", "x".repeat(MAX_LINE_BYTES + 1));
        assert_eq!(
            check_lines(Path::new("f"), &text),
            Err(InputError::LineTooLong {
                path: "f".into(),
                line: 2
            })
        );
        assert_eq!(check_lines(Path::new("f"), "a\nb"), Ok(()));
    }
}
