//! Turning text into ipseccmd arguments: Windows-style line splitting, the program word,
//! and the repairs web-page copies need (typographic dashes, smart quotes).
//!
//! Owns only character-level work. It never interprets a switch's meaning; `args.rs` does.

use std::borrow::Cow;

/// Characters web pages print where the tool expects `-`: hyphen, non-breaking hyphen,
/// figure dash, en dash, em dash, horizontal bar (U+2010..U+2015) and the minus sign.
const DASHES: &[char] = &[
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
];

/// Double quotes as word processors print them; the Windows command line only knows `"`,
/// but an admin pasting from a web page means the same thing.
const SMART_DOUBLE: &[char] = &['\u{201C}', '\u{201D}', '\u{201E}'];

const OPENING_QUOTES: &[char] = &['\u{201C}', '\u{2018}', '\u{201E}', '"'];
const CLOSING_QUOTES: &[char] = &['\u{201D}', '\u{2019}', '\u{201C}', '"'];
const ALL_QUOTES: &[char] = &[
    '\u{201C}', '\u{201D}', '\u{201E}', '\u{2018}', '\u{2019}', '"',
];

/// Splits one command line into arguments the way the Windows C runtime does: whitespace
/// separates, double quotes group (and vanish), `\"` is a literal quote, `""` inside quotes
/// is a literal quote, other backslashes are literal (so `C:\Tools\ipseccmd.exe` survives).
/// Smart double quotes count as `"` because the seed articles are copied from web pages.
pub fn split_command_line(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut current = String::new();
    // An argument exists once any character or a pair of quotes was seen: `""` is an
    // empty argument, not nothing.
    let mut started = false;
    let mut quoted = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            let run = chars[i..].iter().take_while(|&&x| x == '\\').count();
            let after = chars.get(i + run).copied();
            if after.is_some_and(is_double_quote) {
                current.extend(std::iter::repeat_n('\\', run / 2));
                if run % 2 == 1 {
                    // An odd run escapes the quote: it is text, not grouping.
                    current.push('"');
                    i += run + 1;
                } else {
                    i += run;
                }
            } else {
                current.extend(std::iter::repeat_n('\\', run));
                i += run;
            }
            started = true;
            continue;
        }
        if is_double_quote(c) {
            started = true;
            if quoted && chars.get(i + 1).copied() == Some('"') && c == '"' {
                current.push('"');
                i += 2;
                continue;
            }
            quoted = !quoted;
            i += 1;
            continue;
        }
        if c.is_whitespace() && !quoted {
            if started {
                // A copy of exactly its length (the buffer is reused): a 1 MiB line's tens of
                // thousands of words do not each keep a doubled capacity.
                args.push(current.as_str().to_owned());
                current.clear();
                started = false;
            }
            i += 1;
            continue;
        }
        current.push(c);
        started = true;
        i += 1;
    }
    if started {
        args.push(current);
    }
    args.shrink_to_fit();
    args
}

fn is_double_quote(c: char) -> bool {
    c == '"' || SMART_DOUBLE.contains(&c)
}

/// Drops a leading program word (`ipseccmd`, `ipsecpol`, `IPSeccmd.exe`, a full path to
/// either, any case), as script lines and pasted article lines carry one.
pub fn strip_program_name(words: &[String]) -> &[String] {
    match words.split_first() {
        Some((first, rest)) if program_word(first).is_some() => rest,
        _ => words,
    }
}

/// `Some("ipseccmd")` or `Some("ipsecpol")` when the word names one of the tools.
pub fn program_word(word: &str) -> Option<&'static str> {
    let file = word.rsplit(['\\', '/']).next().unwrap_or(word);
    let lower = file.to_ascii_lowercase();
    let stem = lower.strip_suffix(".exe").unwrap_or(&lower);
    match stem {
        "ipseccmd" => Some("ipseccmd"),
        "ipsecpol" => Some("ipsecpol"),
        _ => None,
    }
}

/// The token with a leading typographic dash replaced by `-`, when it had one.
pub(super) fn normalise_dash(token: &str) -> Option<String> {
    let mut chars = token.chars();
    let first = chars.next()?;
    DASHES
        .contains(&first)
        .then(|| format!("-{}", chars.as_str()))
}

/// Whether the token starts like a switch (`-x`, `–x`).
pub(super) fn starts_like_switch(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c == '-' || DASHES.contains(&c))
}

/// Removes quotes around a name: smart quotes a shell passed through literally, or
/// straight quotes left over after a script's own quoting.
pub(super) fn strip_quotes(value: &str) -> String {
    let trimmed = value.trim();
    let inner = trimmed
        .strip_prefix(OPENING_QUOTES)
        .and_then(|rest| rest.strip_suffix(CLOSING_QUOTES));
    match inner {
        Some(inner) => inner.trim().to_string(),
        // A lone smart quote on one side is still a paste artefact, never part of a name.
        None => trimmed
            .trim_start_matches(|c: char| ALL_QUOTES.contains(&c) && c != '"')
            .trim_end_matches(|c: char| ALL_QUOTES.contains(&c) && c != '"')
            .to_string(),
    }
}

/// Rejoins a name that a Unix shell split because its quotes were smart quotes
/// (`-p “Block UDP 1434 Filter”` arrives as four words, `CERT:“Corp Root CA”` as three).
/// A word with an opening smart quote that is not closed later in the same word is joined
/// with the following words up to the one holding a closing smart quote. Returns the
/// arguments (borrowed when nothing was rejoined: a 1 MiB line is not copied) and one
/// warning per rejoined name.
pub(super) fn rejoin_smart_quoted(args: &[String]) -> (Cow<'_, [String]>, Vec<String>) {
    if !args.iter().any(|a| opens_unclosed(a)) {
        return (Cow::Borrowed(args), Vec::new());
    }
    let mut out = Vec::with_capacity(args.len());
    let mut warnings = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if opens_unclosed(arg) {
            let rest = args.get(i + 1..).unwrap_or_default();
            if let Some(offset) = rest.iter().position(|a| a.contains(SMART_CLOSING)) {
                let joined = args[i..=i + 1 + offset].join(" ");
                warnings.push(format!(
                    "rejoined {joined} into one argument: smart quotes do not group words in \
                     a shell; use straight quotes \"...\""
                ));
                out.push(joined);
                i += offset + 2;
                continue;
            }
        }
        out.push(arg.clone());
        i += 1;
    }
    (Cow::Owned(out), warnings)
}

const SMART_OPENING: &[char] = &['\u{201C}', '\u{2018}', '\u{201E}'];
const SMART_CLOSING: &[char] = &['\u{201D}', '\u{2019}'];

/// Whether the word opens a smart quote that it does not close itself.
fn opens_unclosed(word: &str) -> bool {
    match word.rfind(SMART_OPENING) {
        Some(at) => !word[at..].contains(SMART_CLOSING),
        None => false,
    }
}

/// The command line as one text for display (the `origin` of dynamic rules): the program
/// and each argument, quoted when empty or holding whitespace.
pub(super) fn command_text(program: &str, args: &[String]) -> String {
    let mut text =
        String::with_capacity(program.len() + args.iter().map(|a| a.len() + 3).sum::<usize>());
    text.push_str(program);
    for arg in args {
        text.push(' ');
        if arg.is_empty() || arg.chars().any(char::is_whitespace) {
            text.push('"');
            text.push_str(arg);
            text.push('"');
        } else {
            text.push_str(arg);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_command_line(s)
    }

    #[test]
    fn quotes_group_and_vanish() {
        assert_eq!(
            split(r#"-p "Block UDP 1434 Filter" -x"#),
            ["-p", "Block UDP 1434 Filter", "-x"]
        );
        assert_eq!(split("-a PRESHARE:\"my key\""), ["-a", "PRESHARE:my key"]);
        assert_eq!(split(r#"a "" b"#), ["a", "", "b"]);
        assert_eq!(split("  "), Vec::<String>::new());
    }

    #[test]
    fn smart_double_quotes_group() {
        assert_eq!(
            split("-p \u{201C}Block UDP 1434 Filter\u{201D} -x"),
            ["-p", "Block UDP 1434 Filter", "-x"]
        );
    }

    #[test]
    fn backslashes_follow_the_c_runtime() {
        assert_eq!(
            split(r"C:\Tools\IPSeccmd.exe -x"),
            [r"C:\Tools\IPSeccmd.exe", "-x"]
        );
        assert_eq!(split(r#"a\"b"#), [r#"a"b"#]);
        assert_eq!(split(r#""a\\" b"#), [r"a\", "b"]);
        assert_eq!(split(r#""say ""hi""""#), [r#"say "hi""#]);
    }

    #[test]
    fn program_words() {
        let words: Vec<String> = ["IPSeccmd.exe", "-u"].map(String::from).to_vec();
        assert_eq!(strip_program_name(&words), ["-u"]);
        assert_eq!(
            program_word(r"C:\Program Files\Support Tools\ipseccmd.exe"),
            Some("ipseccmd")
        );
        assert_eq!(program_word("Ipsecpol"), Some("ipsecpol"));
        assert_eq!(program_word("-u"), None);
    }

    #[test]
    fn dashes_and_quotes() {
        assert_eq!(normalise_dash("\u{2013}x").as_deref(), Some("-x"));
        assert_eq!(normalise_dash("-x"), None);
        assert_eq!(strip_quotes("\u{201C}Block\u{201D}"), "Block");
        assert_eq!(strip_quotes("\u{2018}Block UDP\u{2019}"), "Block UDP");
        assert_eq!(strip_quotes("Block"), "Block");
        assert_eq!(strip_quotes("\u{201D}"), "");
    }

    #[test]
    fn smart_quoted_words_rejoin() {
        let args: Vec<String> = ["-p", "\u{201C}Block", "UDP\u{201D}", "-x"]
            .map(String::from)
            .to_vec();
        let (out, warnings) = rejoin_smart_quoted(&args);
        assert!(matches!(out, Cow::Owned(_)));
        assert_eq!(*out, ["-p", "\u{201C}Block UDP\u{201D}", "-x"]);
        assert_eq!(warnings.len(), 1);
        let args: Vec<String> = [
            "CERT:\u{201C}Corp",
            "Root",
            "CA\u{201D}",
            "\u{201C}x\u{201D}",
        ]
        .map(String::from)
        .to_vec();
        let (out, _) = rejoin_smart_quoted(&args);
        assert_eq!(
            *out,
            ["CERT:\u{201C}Corp Root CA\u{201D}", "\u{201C}x\u{201D}"]
        );
        let plain: Vec<String> = ["-p", "Block", "-x"].map(String::from).to_vec();
        let (out, warnings) = rejoin_smart_quoted(&plain);
        assert!(
            matches!(out, Cow::Borrowed(_)),
            "nothing to rejoin: not copied"
        );
        assert_eq!(*out, ["-p", "Block", "-x"]);
        assert!(warnings.is_empty());
    }
}
