//! Word wrapping with a hanging indent, for text that must be read whole at 80 columns:
//! the packet lab's trail and the diagnostics detail. Lines break between words; a word
//! wider than the line (a long registry path) is the only thing ever split.
//!
//! Widths count characters: the text drawn here is ASCII plus names typed by the admin,
//! and the UI uses only characters of width one.

use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::theme::Role;

/// `text` wrapped to `width` columns: the first line starts with `first`, the others with
/// `rest` (usually as many spaces as `first` is wide, so continuation lines hang).
pub fn hanging(first: &str, rest: &str, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut prefix_len = first.chars().count();
    let mut len = prefix_len;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        let fresh = len == prefix_len;
        if !fresh && len + 1 + w > width {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            prefix_len = rest.chars().count();
            len = prefix_len;
        }
        if len > prefix_len {
            line.push(' ');
            len += 1;
        }
        // Only a word wider than a whole line is cut, at the line's end.
        let room = width.saturating_sub(prefix_len).max(1);
        let mut chars = word.chars().peekable();
        while chars.peek().is_some() {
            let space = width
                .saturating_sub(len)
                .max(if len == prefix_len { room } else { 0 });
            if space == 0 {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                prefix_len = rest.chars().count();
                len = prefix_len;
                continue;
            }
            let piece: String = chars.by_ref().take(space).collect();
            len += piece.chars().count();
            line.push_str(&piece);
        }
    }
    lines.push(line);
    lines
}

/// Cuts text to `width` at a word boundary, marking the cut with `~` (ASCII: `...` costs
/// three columns and the ellipsis character is not safe everywhere).
pub fn fit_words(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let cut: String = text.chars().take(width - 1).collect();
    let at = cut
        .rfind(' ')
        .filter(|i| *i * 2 >= cut.len())
        .unwrap_or(cut.len());
    format!("{}~", cut[..at].trim_end())
}

/// Text in three parts: what stays at the top (a verdict), what scrolls (the reasons),
/// what stays at the bottom (the fix). Each already wrapped.
pub struct Pinned {
    pub top: Vec<Line<'static>>,
    pub middle: Vec<Line<'static>>,
    pub bottom: Vec<Line<'static>>,
}

/// Fits the parts into `room` lines: the top and the bottom always show (the verdict and
/// the fix are the point of the lab); the middle scrolls by `scroll` lines and says how
/// much is hidden.
pub fn fold(parts: Pinned, room: usize, scroll: usize) -> Vec<Line<'static>> {
    let Pinned {
        top,
        middle,
        bottom,
    } = parts;
    let fixed = top.len() + bottom.len();
    let mut out = top;
    if fixed >= room {
        // A tiny terminal: the verdict first, then as much of the fix as fits.
        out.extend(bottom);
        out.truncate(room.max(1));
        return out;
    }
    let space = room - fixed;
    if middle.len() <= space {
        out.extend(middle);
    } else {
        // One line says what is hidden; the rest shows a window of the reasons.
        let shown = space.saturating_sub(1);
        let start = scroll.min(middle.len().saturating_sub(shown));
        let hidden = middle.len() - shown;
        out.extend(middle.into_iter().skip(start).take(shown));
        out.push(Line::from(format!(
            "    ({hidden} more line{}: J/K scroll)",
            if hidden == 1 { "" } else { "s" }
        )));
    }
    out.extend(bottom);
    out
}

/// A fix whose commands the engine quotes in backticks: each command starts a line of
/// its own, so it reads (and can be typed) whole, in the key role; the prose around it
/// in the warning role. "fix: set NoDefaultExempt to 1:", the command, then the rest.
pub fn with_commands(
    app: &App,
    first: &str,
    hang: &str,
    text: &str,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    for (i, piece) in text.split('`').enumerate() {
        let piece = piece.trim().trim_start_matches([';', ',']).trim();
        if piece.is_empty() {
            continue;
        }
        let lead = if out.is_empty() { first } else { hang };
        let role = if i % 2 == 1 { Role::Key } else { Role::Warning };
        out.extend(
            hanging(lead, hang, piece, width)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, t.style(role)))),
        );
    }
    out
}

/// How far `fold` can scroll the middle of `parts` in `room` lines.
pub fn scroll_limit(parts: &Pinned, room: usize) -> usize {
    let fixed = parts.top.len() + parts.bottom.len();
    let space = room.saturating_sub(fixed);
    if fixed >= room || parts.middle.len() <= space {
        0
    } else {
        parts.middle.len() - space.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_between_words_and_hangs_continuations() {
        let l = hanging(
            "  - ",
            "    ",
            "the kerberos exemption matched first: source port 88",
            24,
        );
        assert_eq!(
            l,
            [
                "  - the kerberos",
                "    exemption matched",
                "    first: source port",
                "    88"
            ]
        );
    }

    #[test]
    fn only_a_word_wider_than_the_line_is_cut() {
        let l = hanging("", "  ", "reg HKLM\\SYSTEM\\CurrentControlSet /v", 12);
        assert_eq!(
            l,
            [
                "reg",
                "  HKLM\\SYSTE",
                "  M\\CurrentC",
                "  ontrolSet",
                "  /v"
            ]
        );
        assert!(l.iter().all(|s| s.chars().count() <= 12));
    }

    #[test]
    fn empty_text_is_one_line_with_the_prefix() {
        assert_eq!(hanging("> ", "  ", "", 10), ["> "]);
    }

    #[test]
    fn fit_words_cuts_at_a_space() {
        assert_eq!(fit_words("one two three", 20), "one two three");
        assert_eq!(fit_words("one two three", 10), "one two~");
        assert_eq!(fit_words("abcdefghijkl", 5), "abcd~");
    }
}
