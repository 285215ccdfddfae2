//! Text that came from a store, a script or a hive, made safe to print on a terminal.
//!
//! Names and descriptions are data: malware and careless scripts put escape sequences,
//! NULs and bidi overrides in them. Nothing of that may move the cursor, set a window
//! title or reorder what an admin reads, so every front end prints such text through
//! [`terminal_safe`] (or [`output_safe`] for whole multi-line reports, [`json_safe`] for
//! JSON). Names typed or scripted are checked with [`check_name`] / [`find_unsafe`] so
//! front ends refuse them with the column; data that already exists is loaded as it is
//! and only escaped on the way out. This module does no I/O.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that must never reach a terminal as they are: C0 controls (tab
/// included: it moves the cursor), DEL, C1 controls, and the Unicode bidi embedding,
/// override and isolate marks.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every unsafe character written as an escape: `\x1b` for bytes below 0x100,
/// `\u{202e}` above. Borrowed (no copy) when nothing needs escaping, which is the usual
/// case. A backslash is left as it is: Windows paths and `DOMAIN\user` stay readable.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            let n = u32::from(c);
            if n < 0x100 {
                let _ = write!(out, "\\x{n:02x}");
            } else {
                let _ = write!(out, "\\u{{{n:x}}}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`terminal_safe`], for a whole report: line feeds are kept (they end the report's
/// own lines), every other unsafe character is escaped.
pub fn output_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for line in s.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(body) => {
                out.push_str(&terminal_safe(body));
                out.push('\n');
            }
            None => out.push_str(&terminal_safe(line)),
        }
    }
    Cow::Owned(out)
}

/// JSON text made safe for a terminal while staying valid JSON: serde_json already escapes
/// C0 controls, so what is left (DEL, C1 controls, bidi marks) can only sit inside strings,
/// where `\uXXXX` is the JSON escape.
pub fn json_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c != '\n' && is_unsafe_char(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The first character of `s` that a name or description typed or scripted may not hold:
/// its 1-based column (in characters) and the character.
pub fn find_unsafe(s: &str) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|(_, c)| is_unsafe_char(*c))
        .map(|(i, c)| (i + 1, c))
}

/// In script text, the first character no line may hold: line and column (1-based) and
/// the character. Tabs and line ends are the script's own whitespace and are allowed.
pub fn find_unsafe_in_script(text: &str) -> Option<(usize, usize, char)> {
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((i, c)) = line
            .chars()
            .enumerate()
            .find(|(_, c)| *c != '\t' && is_unsafe_char(*c))
        {
            return Some((n + 1, i + 1, c));
        }
    }
    None
}

/// Why a character was refused, for error messages: its escape and a plain description.
pub fn describe_unsafe(c: char) -> String {
    let kind = if c.is_control() {
        "a control character"
    } else {
        "a bidirectional-text override"
    };
    let mut buf = [0u8; 4];
    format!("{} ({kind})", terminal_safe(c.encode_utf8(&mut buf)))
}

/// Checks a name or description typed on the command line or in a form: `Err` names the
/// column and the character, and says what to do.
pub fn check_name(s: &str) -> Result<(), String> {
    match find_unsafe(s) {
        None => Ok(()),
        Some((column, c)) => Err(format!(
            "column {column}: {} is not allowed in names and descriptions: remove it",
            describe_unsafe(c)
        )),
    }
}

/// At most about `width` characters of `line` around the 1-based character `column`, with
/// `...` where text was cut, and the column of the same character in the excerpt: errors
/// quote the fault, not a whole 1 MiB line.
pub fn excerpt(line: &str, column: usize, width: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= width {
        return (terminal_safe(line).into_owned(), column);
    }
    let at = column.saturating_sub(1).min(count);
    let start = at.saturating_sub(width / 2);
    let end = (start + width).min(count);
    let start = end.saturating_sub(width);
    let body: String = line.chars().skip(start).take(end - start).collect();
    let mut out = String::new();
    let mut col = at - start + 1;
    if start > 0 {
        out.push_str("...");
        col += 3;
    }
    out.push_str(&terminal_safe(&body));
    if end < count {
        out.push_str("...");
    }
    (out, col)
}

/// `text` with every run of more than `width` non-space characters cut to its first
/// `width - 13` and last 10 with `...` between: a message that quotes a 1 MiB token
/// quotes about `width` characters of it. Short words are left alone.
pub fn shorten_words(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    let width = width.max(16);
    if !text.split(' ').any(|w| w.chars().count() > width) {
        return std::borrow::Cow::Borrowed(text);
    }
    let words: Vec<String> = text
        .split(' ')
        .map(|w| {
            let n = w.chars().count();
            if n <= width {
                return w.to_string();
            }
            let head: String = w.chars().take(width - 13).collect();
            let tail: String = w.chars().skip(n - 10).collect();
            format!("{head}...{tail}")
        })
        .collect();
    std::borrow::Cow::Owned(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_shortened_short_ones_kept() {
        let long = format!("'{}'", "x".repeat(5000));
        let msg = format!("{long} is not a port, at {long}");
        let short = shorten_words(&msg, 40);
        let cut = format!("'{}...{}'", "x".repeat(26), "x".repeat(9));
        assert_eq!(short, format!("{cut} is not a port, at {cut}"));
        assert!(matches!(
            shorten_words("unknown parameter 'bogus'", 40),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            terminal_safe("Block UDP 1434 – ü \\ path"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(terminal_safe("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(terminal_safe("x\x1b[2J\0"), "x\\x1b[2J\\x00");
        assert_eq!(terminal_safe("tab\there\r\n"), "tab\\x09here\\x0d\\x0a");
        assert_eq!(terminal_safe("del\x7f c1\u{9b}"), "del\\x7f c1\\x9b");
        assert_eq!(terminal_safe("evil\u{202e}txt"), "evil\\u{202e}txt");
        assert_eq!(
            terminal_safe("iso\u{2066}x\u{2069}"),
            "iso\\u{2066}x\\u{2069}"
        );
    }

    #[test]
    fn reports_keep_line_feeds_only() {
        assert_eq!(output_safe("a\nb\x1b[2J\n"), "a\nb\\x1b[2J\n");
        assert_eq!(output_safe("a\r\n"), "a\\x0d\n");
    }

    #[test]
    fn json_stays_json() {
        let json = serde_json::to_string(&"a\u{1b}\u{202e}\u{7f}\u{9b}").expect("json");
        let safe = json_safe(&json);
        assert_eq!(safe, "\"a\\u001b\\u202e\\u007f\\u009b\"");
        let back: String = serde_json::from_str(&safe).expect("valid json");
        assert_eq!(back, "a\u{1b}\u{202e}\u{7f}\u{9b}");
    }

    #[test]
    fn names_are_checked_with_the_column() {
        assert_eq!(check_name("Block UDP 1434 – ü"), Ok(()));
        assert_eq!(
            check_name("ab\u{1b}]0;x"),
            Err(
                "column 3: \\x1b (a control character) is not allowed in names and \
                 descriptions: remove it"
                    .into()
            )
        );
        assert_eq!(
            check_name("x\u{202e}"),
            Err(
                "column 2: \\u{202e} (a bidirectional-text override) is not allowed in \
                 names and descriptions: remove it"
                    .into()
            )
        );
        assert_eq!(
            find_unsafe_in_script("a\tb\r\nc\x00d\n"),
            Some((2, 2, '\0'))
        );
        assert_eq!(find_unsafe_in_script("a\tb\r\n"), None);
    }

    #[test]
    fn excerpts_are_short_and_keep_the_caret() {
        let line = "x".repeat(1000) + "BAD" + &"y".repeat(1000);
        let (text, col) = excerpt(&line, 1001, 80);
        assert!(text.chars().count() <= 86, "{}", text.len());
        assert_eq!(&text[col - 1..col + 2], "BAD");
        assert_eq!(excerpt("short", 3, 80), ("short".to_string(), 3));
        let (text, col) = excerpt(&line, 1, 80);
        assert_eq!(col, 1);
        assert!(text.ends_with("..."));
    }
}
