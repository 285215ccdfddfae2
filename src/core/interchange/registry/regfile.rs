//! regedit's `.reg` text format: parse (`Windows Registry Editor Version 5.00` or
//! `REGEDIT4`; UTF-16LE with BOM, UTF-8 or ANSI; `hex:`, `hex(N):`, `dword:`, strings,
//! values wrapped over lines in any way, `;` comments, `[-KEY]` and `"value"=-`
//! deletions) and write (regedit's own form: UTF-16LE with BOM, CRLF, keys in regedit's
//! order, hex wrapped at regedit's width). Errors name line and column and the fix.
//! Pure: bytes in, keys out; nothing here knows the IPsec objects.

use std::fmt;

use super::objects::{REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_SZ};
use super::wire::utf16_bytes;
use crate::core::model::StoredValue;

pub const HEADER5: &str = "Windows Registry Editor Version 5.00";
pub const HEADER4: &str = "REGEDIT4";

/// One value line: set a value, or delete it (`"name"=-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Set(StoredValue),
    Delete(String),
}

/// One `[KEY]` (or `[-KEY]`) section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The path as written, e.g. `HKEY_LOCAL_MACHINE\SOFTWARE\…`.
    pub path: String,
    pub delete: bool,
    pub entries: Vec<Entry>,
    /// The line of the `[KEY]` header.
    pub line: usize,
}

/// A parsed `.reg` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegFile {
    /// `true` for `REGEDIT4`.
    pub version4: bool,
    pub keys: Vec<Key>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for RegError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Bytes to text: UTF-16LE (with BOM, as regedit writes), UTF-8 (BOM optional), else
/// Windows-1252 as REGEDIT4 files are, mapped through Latin-1.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|x| char::from(*x)).collect(),
    }
}

/// Does this look like a `.reg` file?
pub fn looks_like_reg(bytes: &[u8]) -> bool {
    let t = decode_text(&bytes[..bytes.len().min(200)]);
    let first = t.trim_start().lines().next().unwrap_or("").trim();
    first.eq_ignore_ascii_case(HEADER5) || first.eq_ignore_ascii_case(HEADER4)
}

/// The root name in a key path (`HKEY_LOCAL_MACHINE` or `HKLM`) stripped off: the path
/// under HKLM, or `None` for another root.
pub fn under_hklm(path: &str) -> Option<&str> {
    let (root, rest) = path.split_once('\\').unwrap_or((path, ""));
    (root.eq_ignore_ascii_case("HKEY_LOCAL_MACHINE") || root.eq_ignore_ascii_case("HKLM"))
        .then_some(rest)
}

pub fn parse(text: &str) -> Result<RegFile, RegError> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut i = 0;
    // Header: the first line that is not blank.
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    let header = lines.get(i).map(|l| l.trim()).unwrap_or("");
    let version4 = if header.eq_ignore_ascii_case(HEADER5) {
        false
    } else if header.eq_ignore_ascii_case(HEADER4) {
        true
    } else {
        return Err(RegError {
            line: i + 1,
            column: 1,
            message: format!(
                "not a .reg file: the first line must be \"{HEADER5}\" (or \"{HEADER4}\"), \
                 as regedit and `reg export` write"
            ),
        });
    };
    i += 1;
    let mut keys: Vec<Key> = Vec::new();
    while i < lines.len() {
        let start = i;
        let raw = lines[i];
        i += 1;
        let line = raw.trim_start();
        let indent = raw.len() - line.len();
        if line.trim().is_empty() || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(end) = rest.rfind(']') else {
                return Err(RegError {
                    line: start + 1,
                    column: indent + line.len() + 1,
                    message: "the key name has no closing ']'".into(),
                });
            };
            let name = &rest[..end];
            let (delete, path) = match name.strip_prefix('-') {
                Some(p) => (true, p),
                None => (false, name),
            };
            keys.push(Key {
                path: path.trim().to_string(),
                delete,
                entries: Vec::new(),
                line: start + 1,
            });
            continue;
        }
        // A value, possibly continued over lines ending in '\'.
        let mut joined = line.trim_end().to_string();
        // Asked once: asking per continued line re-read the whole value each time, which
        // made a filter list's 1 MB blob quadratic (an 8 MB file took minutes).
        let hex = is_hex_value(&joined);
        while hex && joined.ends_with('\\') && i < lines.len() {
            joined.pop();
            joined.push_str(lines[i].trim());
            i += 1;
        }
        let at = |column: usize, message: String| RegError {
            line: start + 1,
            column: indent + column,
            message,
        };
        let Some(key) = keys.last_mut() else {
            return Err(at(
                1,
                "a value before any [KEY] line: put it under its key".into(),
            ));
        };
        let (name, after) = value_name(&joined).map_err(|(c, m)| at(c, m))?;
        let eq = joined.len() - after.len();
        let Some(data) = after.trim_start().strip_prefix('=') else {
            return Err(at(
                eq + 1,
                "expected '=' after the value name: \"name\"=\"text\", dword:…, hex:… or -".into(),
            ));
        };
        let dat_col = joined.len() - data.len() + 1;
        let data = data.trim();
        if data == "-" {
            key.entries.push(Entry::Delete(name));
            continue;
        }
        let value = value_data(name, data, version4).map_err(|(c, m)| at(dat_col + c - 1, m))?;
        key.entries.push(Entry::Set(value));
    }
    Ok(RegFile { version4, keys })
}

fn is_hex_value(line: &str) -> bool {
    line.split_once('=').is_some_and(|(_, d)| {
        d.trim_start()
            .get(..3)
            .is_some_and(|h| h.eq_ignore_ascii_case("hex"))
    })
}

/// `"name"` (with `\\` and `\"` escapes) or `@`; returns the name and the rest.
fn value_name(line: &str) -> Result<(String, &str), (usize, String)> {
    if let Some(rest) = line.strip_prefix('@') {
        return Ok((String::new(), rest));
    }
    let Some(body) = line.strip_prefix('"') else {
        return Err((
            1,
            "expected a value (\"name\"=…), a [KEY] line or a ; comment".into(),
        ));
    };
    let (text, used) = quoted(body).ok_or((1, "the value name has no closing quote".into()))?;
    Ok((text, &body[used..]))
}

/// The text of a quoted string whose opening quote is already consumed; returns it and the
/// bytes used including the closing quote.
fn quoted(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
            }
            '"' => return Some((out, i + 1)),
            c => out.push(c),
        }
    }
    None
}

fn value_data(name: String, data: &str, version4: bool) -> Result<StoredValue, (usize, String)> {
    if let Some(body) = data.strip_prefix('"') {
        let (text, used) =
            quoted(body).ok_or((1, "the string has no closing quote".to_string()))?;
        if !body[used..].trim().is_empty() && !body[used..].trim_start().starts_with(';') {
            return Err((used + 2, "unexpected text after the closing quote".into()));
        }
        return Ok(StoredValue {
            name,
            kind: REG_SZ,
            data: utf16_bytes(&text),
        });
    }
    let lower = data.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("dword:") {
        let h = h.trim();
        if h.is_empty() || h.len() > 8 {
            return Err((7, format!("dword: needs 1-8 hex digits, found {h:?}")));
        }
        let v = u32::from_str_radix(h, 16)
            .map_err(|_| (7, format!("dword: needs hex digits, found {h:?}")))?;
        return Ok(StoredValue {
            name,
            kind: REG_DWORD,
            data: v.to_le_bytes().to_vec(),
        });
    }
    if let Some(rest) = lower.strip_prefix("hex") {
        let (kind, body, skip) = if let Some(r) = rest.strip_prefix(':') {
            (REG_BINARY, r, 4)
        } else if let Some(r) = rest.strip_prefix('(') {
            let close = r
                .find("):")
                .ok_or((4, "hex( needs a type and \"):\", e.g. hex(7):".to_string()))?;
            let k = u32::from_str_radix(&r[..close], 16)
                .map_err(|_| (5, format!("{:?} is not a hex type number", &r[..close])))?;
            (k, &r[close + 2..], 4 + close + 3)
        } else {
            return Err((1, "expected hex: or hex(N):".into()));
        };
        let mut bytes = Vec::new();
        let mut col = skip;
        for part in body.split(',') {
            let p = part.trim();
            if p.is_empty() {
                col += part.len() + 1;
                continue;
            }
            let b = u8::from_str_radix(p, 16).map_err(|_| {
                (
                    col + 1,
                    format!("{p:?} is not a byte: hex data is two-digit bytes separated by commas"),
                )
            })?;
            bytes.push(b);
            col += part.len() + 1;
        }
        // REGEDIT4 multi-strings and expandable strings are ANSI bytes.
        if version4 && (kind == REG_MULTI_SZ || kind == 2) {
            let text: String = bytes.iter().map(|b| char::from(*b)).collect();
            bytes = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        }
        return Ok(StoredValue {
            name,
            kind,
            data: bytes,
        });
    }
    Err((
        1,
        format!(
            "unknown value data {:?}: use \"text\", dword:xxxxxxxx, hex:xx,xx or hex(N):xx",
            data.chars().take(20).collect::<String>()
        ),
    ))
}

/// One key of an output file.
pub struct OutKey<'a> {
    pub path: String,
    pub values: &'a [StoredValue],
}

/// Writes keys in regedit's form (`Windows Registry Editor Version 5.00`, CRLF), as text;
/// `utf16_file` turns it into the bytes regedit writes.
pub fn write(keys: &[OutKey]) -> String {
    let mut out = String::new();
    out.push_str(HEADER5);
    out.push_str("\r\n\r\n");
    for k in keys {
        out.push('[');
        out.push_str(&k.path);
        out.push_str("]\r\n");
        for v in k.values {
            write_value(&mut out, v);
        }
        out.push_str("\r\n");
    }
    out
}

/// UTF-16LE with a byte-order mark.
pub fn utf16_file(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The string of REG_SZ data when it is plain text with one terminating NUL.
fn plain_string(data: &[u8]) -> Option<String> {
    if data.len() < 2 || !data.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let (last, body) = units.split_last()?;
    if *last != 0 || body.contains(&0) {
        return None;
    }
    String::from_utf16(body).ok()
}

fn write_value(out: &mut String, v: &StoredValue) {
    let name = if v.name.is_empty() {
        "@".to_string()
    } else {
        format!("\"{}\"", escape(&v.name))
    };
    match v.kind {
        REG_SZ => {
            if let Some(s) = plain_string(&v.data) {
                out.push_str(&format!("{name}=\"{}\"\r\n", escape(&s)));
                return;
            }
        }
        REG_DWORD if v.data.len() == 4 => {
            let d = u32::from_le_bytes([v.data[0], v.data[1], v.data[2], v.data[3]]);
            out.push_str(&format!("{name}=dword:{d:08x}\r\n"));
            return;
        }
        _ => {}
    }
    let prefix = if v.kind == REG_BINARY {
        format!("{name}=hex:")
    } else {
        format!("{name}=hex({:x}):", v.kind)
    };
    out.push_str(&prefix);
    let mut line_len = prefix.len();
    for (i, b) in v.data.iter().enumerate() {
        out.push_str(&format!("{b:02x}"));
        if i + 1 < v.data.len() {
            out.push(',');
            line_len += 3;
            // regedit wraps once a line reaches 77 characters of "xx," groups.
            if line_len >= 77 {
                out.push_str("\\\r\n  ");
                line_len = 2;
            }
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_wraps_like_regedit() {
        let v = StoredValue {
            name: "ipsecData".into(),
            kind: REG_BINARY,
            data: (0..50).collect(),
        };
        let mut out = String::new();
        write_value(&mut out, &v);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0].len(), 80);
        assert_eq!(lines[0].matches(',').count(), 21);
        assert_eq!(lines[1].len(), 78);
        assert_eq!(lines[2], "  2e,2f,30,31");
        let back =
            parse(&format!("{HEADER5}\r\n[HKEY_LOCAL_MACHINE\\X]\r\n{out}")).expect("parses");
        assert_eq!(back.keys[0].entries, vec![Entry::Set(v)]);
    }

    #[test]
    fn strings_dwords_multi_and_deletions() {
        let text = "REGEDIT4\n\n; comment\n[HKEY_LOCAL_MACHINE\\A]\n\"s\"=\"a\\\\b \\\"q\\\"\"\n\
                    \"d\"=dword:00000100\n\"m\"=hex(7):61,00,62,00,00\n\"gone\"=-\n[-HKEY_LOCAL_MACHINE\\B]\n";
        let f = parse(text).expect("parses");
        assert!(f.version4);
        assert_eq!(f.keys.len(), 2);
        assert_eq!(
            f.keys[0].entries,
            vec![
                Entry::Set(StoredValue {
                    name: "s".into(),
                    kind: REG_SZ,
                    data: utf16_bytes("a\\b \"q\"")
                }),
                Entry::Set(StoredValue {
                    name: "d".into(),
                    kind: REG_DWORD,
                    data: vec![0, 1, 0, 0]
                }),
                Entry::Set(StoredValue {
                    name: "m".into(),
                    kind: REG_MULTI_SZ,
                    data: vec![b'a', 0, 0, 0, b'b', 0, 0, 0, 0, 0]
                }),
                Entry::Delete("gone".into()),
            ]
        );
        assert!(f.keys[1].delete);
        assert_eq!(f.keys[1].path, "HKEY_LOCAL_MACHINE\\B");
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("hello\n").expect_err("no header");
        assert_eq!((e.line, e.column), (1, 1));
        let e = parse(&format!("{HEADER5}\n[HKLM\\A]\n\"x\"=hex:00,zz\n")).expect_err("bad");
        assert_eq!((e.line, e.column), (3, 12));
        assert_eq!(
            e.message,
            "\"zz\" is not a byte: hex data is two-digit bytes separated by commas"
        );
        let e = parse(&format!("{HEADER5}\n[HKLM\\A]\n\"x\"=dword:1234567890\n")).expect_err("bad");
        assert_eq!((e.line, e.column), (3, 11));
    }
}
