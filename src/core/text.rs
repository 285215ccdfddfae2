//! Text that came from a store, a script or a hive, made safe to print on a terminal.
//!
//! Names and descriptions are data: malware and careless scripts put escape sequences,
//! NULs and bidi overrides in them. Nothing of that may move the cursor, set a window
//! title or reorder what an admin reads, so every front end prints such text through
//! [`terminal_safe`]. This module only escapes; refusing such names on input is the job
//! of the parsers that accept them.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
