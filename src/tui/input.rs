//! One-line text input as in a terminal: the readline keys every input of the TUI shares
//! (form fields, the packet lab, the `:` line, the `/` filter), and Tab completion of `:`
//! commands. No Alt bindings: over a slow SSH link Esc+key arrives as Alt+key, and Esc
//! must always back out (see `update::split_escape`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use crate::core::model::OsProfile;
use crate::core::model::Snapshot;

/// Ctrl-A/E (line start/end), Ctrl-U/K (delete to start/end), Ctrl-W (delete the word
/// before the cursor), then the area's own editing for the rest; Enter and the keys that
/// would insert a line break are never passed on. Returns whether the text changed.
pub fn readline(area: &mut TextArea<'static>, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl {
        return match key.code {
            KeyCode::Char('a') => {
                area.move_cursor(CursorMove::Head);
                false
            }
            KeyCode::Char('e') => {
                area.move_cursor(CursorMove::End);
                false
            }
            KeyCode::Char('u') => area.delete_line_by_head(),
            KeyCode::Char('k') => area.delete_line_by_end(),
            KeyCode::Char('w') => area.delete_word(),
            KeyCode::Char('h') => area.delete_char(),
            KeyCode::Char('d') => area.delete_next_char(),
            KeyCode::Char('b') => {
                area.move_cursor(CursorMove::Back);
                false
            }
            KeyCode::Char('f') => {
                area.move_cursor(CursorMove::Forward);
                false
            }
            _ => false,
        };
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        return false;
    }
    match key.code {
        KeyCode::Enter | KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => false,
        KeyCode::Home => {
            area.move_cursor(CursorMove::Head);
            false
        }
        KeyCode::End => {
            area.move_cursor(CursorMove::End);
            false
        }
        _ => area.input(key),
    }
}

/// A one-line area holding `text` with the cursor at its end (never a selection that
/// the next key would overwrite).
pub fn line(text: &str) -> TextArea<'static> {
    let mut a = TextArea::new(vec![text.to_string()]);
    a.move_cursor(CursorMove::End);
    a
}

/// The `:` commands, for completion (`ex::COMMANDS` lists them for people).
const COMMANDS: [&str; 14] = [
    "assign", "unassign", "os", "exempt", "w", "wq", "q", "q!", "e!", "export", "replay", "diff",
    "theme", "help",
];

/// Tab on the `:` line: completes the command, or its value (policy names for
/// `:assign`, profiles for `:os`, values for `:exempt`, formats for `:export`, themes).
/// Returns the new line and, when several candidates remain, their list.
pub fn complete(line: &str, s: &Snapshot, themes: &[&str]) -> (String, Option<String>) {
    let (cmd, arg) = match line.split_once(' ') {
        Some((c, a)) => (c, Some(a.trim_start())),
        None => (line, None),
    };
    let owned: Vec<String>;
    let (prefix, candidates): (String, Vec<&str>) = match arg {
        None => (String::new(), COMMANDS.to_vec()),
        Some(_) => {
            owned = match cmd {
                "assign" => s.policies.iter().map(|p| p.name.clone()).collect(),
                "os" => OsProfile::ALL.iter().map(|p| p.id().to_string()).collect(),
                "exempt" => ["0", "1", "2", "3", "default"].map(String::from).to_vec(),
                "export" => ["netsh", "ipseccmd"].map(String::from).to_vec(),
                "theme" => themes.iter().map(|t| t.to_string()).collect(),
                _ => Vec::new(),
            };
            (
                format!("{cmd} "),
                owned.iter().map(String::as_str).collect(),
            )
        }
    };
    let typed = arg.unwrap_or(cmd);
    let matching: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&typed.to_lowercase()))
        .collect();
    match matching.as_slice() {
        [] => (line.to_string(), Some("no completion".into())),
        [one] => {
            let space = if arg.is_none()
                && !matches!(*one, "w" | "q" | "q!" | "e!" | "wq" | "unassign" | "help")
            {
                " "
            } else {
                ""
            };
            (format!("{prefix}{one}{space}"), None)
        }
        many => {
            let mut common = many[0].to_string();
            for m in &many[1..] {
                while !m.to_lowercase().starts_with(&common.to_lowercase()) {
                    common.pop();
                }
            }
            let longer = if common.len() > typed.len() {
                common
            } else {
                typed.to_string()
            };
            (format!("{prefix}{longer}"), Some(many.join("  ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sample::kb813878;

    fn key(code: KeyCode, ctrl: bool) -> KeyEvent {
        KeyEvent::new(
            code,
            if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        )
    }

    #[test]
    fn readline_keys_edit_like_a_shell() {
        let mut a = line("udp 1.2.3.4 -> me:1434");
        assert!(readline(&mut a, key(KeyCode::Char('w'), true)));
        assert_eq!(a.lines()[0], "udp 1.2.3.4 -> me:");
        readline(&mut a, key(KeyCode::Char('a'), true));
        readline(&mut a, key(KeyCode::Char('x'), false));
        assert_eq!(a.lines()[0], "xudp 1.2.3.4 -> me:");
        assert!(readline(&mut a, key(KeyCode::Char('k'), true)));
        assert_eq!(a.lines()[0], "x");
        readline(&mut a, key(KeyCode::Char('e'), true));
        readline(&mut a, key(KeyCode::Char('y'), false));
        assert!(readline(&mut a, key(KeyCode::Char('u'), true)));
        assert_eq!(a.lines()[0], "");
        assert!(!readline(&mut a, key(KeyCode::Enter, false)));
        assert_eq!(a.lines().len(), 1, "never a second line");
    }

    #[test]
    fn tab_completes_commands_and_their_values() {
        let s = kb813878();
        assert_eq!(complete("ass", &s, &[]).0, "assign ");
        assert_eq!(
            complete("assign Blo", &s, &[]).0,
            "assign Block UDP 1434 Filter"
        );
        assert_eq!(complete("os ws", &s, &[]).0, "os ws2003");
        assert_eq!(complete("export n", &s, &[]).0, "export netsh");
        let (l, list) = complete("e", &s, &[]);
        assert_eq!(l, "e");
        assert_eq!(list.as_deref(), Some("exempt  e!  export"));
        assert_eq!(complete("ex", &s, &[]).0, "ex");
        assert_eq!(complete("exe", &s, &[]).0, "exempt ");
    }
}

/// The `:` line and the `/` filter: a string and a cursor (in characters), edited with
/// the same readline keys as `readline`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBuf {
    pub text: String,
    pub cursor: usize,
}

impl LineBuf {
    pub fn new(text: &str) -> LineBuf {
        LineBuf {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// Applies one key; returns whether the text changed.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.text.chars().count();
        let at = self.byte(self.cursor);
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char('b') if ctrl => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char('f') if ctrl => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Char('u') if ctrl => {
                self.text.replace_range(..at, "");
                self.cursor = 0;
                return at > 0;
            }
            KeyCode::Char('k') if ctrl => {
                let changed = at < self.text.len();
                self.text.truncate(at);
                return changed;
            }
            KeyCode::Char('w') if ctrl => {
                let before: Vec<char> = self.text[..at].chars().collect();
                let mut i = before.len();
                while i > 0 && before[i - 1].is_whitespace() {
                    i -= 1;
                }
                while i > 0 && !before[i - 1].is_whitespace() {
                    i -= 1;
                }
                let from = self.byte(i);
                self.text.replace_range(from..at, "");
                let changed = i != self.cursor;
                self.cursor = i;
                return changed;
            }
            KeyCode::Backspace | KeyCode::Char('h') if key.code == KeyCode::Backspace || ctrl => {
                if self.cursor == 0 {
                    return false;
                }
                let from = self.byte(self.cursor - 1);
                self.text.replace_range(from..at, "");
                self.cursor -= 1;
                return true;
            }
            KeyCode::Delete | KeyCode::Char('d') if key.code == KeyCode::Delete || ctrl => {
                if at >= self.text.len() {
                    return false;
                }
                let to = self.byte(self.cursor + 1);
                self.text.replace_range(at..to, "");
                return true;
            }
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                self.text.insert(at, c);
                self.cursor += 1;
                return true;
            }
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod linebuf_tests {
    use super::*;

    #[test]
    fn the_command_line_has_the_readline_keys() {
        let k = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let ctrl = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut l = LineBuf::new("assign Block UDP");
        assert!(l.key(ctrl('w')));
        assert_eq!(l.text, "assign Block ");
        l.key(ctrl('a'));
        l.key(k('x'));
        assert_eq!((l.text.as_str(), l.cursor), ("xassign Block ", 1));
        assert!(l.key(ctrl('k')));
        assert_eq!(l.text, "x");
        l.key(ctrl('e'));
        l.key(k('é'));
        assert!(l.key(ctrl('u')));
        assert_eq!((l.text.as_str(), l.cursor), ("", 0));
    }
}
