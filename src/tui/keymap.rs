//! The keymap as data (`assets/keymap.ron`): key, command, scope, description.
//!
//! The dispatcher, the key bar and the `?` help screen all read this one table, so what the
//! help says is what the keys do. A binding belongs to one scope: `Global`, or one view.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Command;
use super::app::View;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Scope {
    Global,
    /// Views 1, 2 and 3: browsing and editing policy objects.
    Objects,
    /// View 1 only (assigning a policy).
    Policies,
    Effective,
    Lab,
    Host,
}

impl Scope {
    pub fn applies_to(self, view: View) -> bool {
        match self {
            Scope::Global => true,
            Scope::Objects => matches!(view, View::Policies | View::Lists | View::Actions),
            Scope::Policies => view == View::Policies,
            Scope::Effective => view == View::Effective,
            Scope::Lab => view == View::Lab,
            Scope::Host => view == View::Host,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct BindingFile {
    keys: Vec<String>,
    command: Command,
    scope: Scope,
    help: String,
    #[serde(default)]
    bar: Option<String>,
}

/// One key (code and modifiers) as written in the keymap: `q`, `A`, `ctrl-s`, `f2`, `enter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut rest = s;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "delete" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            f if f.starts_with('f') && f.len() > 1 => {
                KeyCode::F(f[1..].parse().map_err(|_| format!("unknown key {s:?}"))?)
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("unknown key {s:?}")),
        };
        Ok(Key { code, ctrl, alt })
    }

    /// Whether a pressed key is this one. Shift is folded into the character (crossterm
    /// reports `A` as `Char('A')` with SHIFT, some terminals without), so it is ignored.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let code_eq = match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) if self.ctrl => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        };
        code_eq
            && self.ctrl == ev.modifiers.contains(KeyModifiers::CONTROL)
            && self.alt == ev.modifiers.contains(KeyModifiers::ALT)
    }

    /// How the key bar and help print it: `^s`, `F2`, `Enter`.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push('^');
        }
        if self.alt {
            s.push_str("M-");
        }
        s + &base
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub command: Command,
    pub scope: Scope,
    pub help: String,
    /// The word shown in the key bar (the most used keys of a view); `None`: help only.
    pub bar: Option<String>,
}

impl Binding {
    pub fn key_label(&self) -> String {
        self.keys
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.ron");

impl Keymap {
    pub fn parse(text: &str) -> Result<Keymap, String> {
        let raw: Vec<BindingFile> = ron::from_str(text).map_err(|e| format!("keymap: {e}"))?;
        let bindings = raw
            .into_iter()
            .map(|b| {
                Ok(Binding {
                    keys: b
                        .keys
                        .iter()
                        .map(|k| Key::parse(k))
                        .collect::<Result<_, String>>()?,
                    command: b.command,
                    scope: b.scope,
                    help: b.help,
                    bar: b.bar,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Keymap { bindings })
    }

    /// The embedded default keymap; a unit test proves it parses.
    pub fn default_keymap() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP).unwrap_or(Keymap {
            bindings: Vec::new(),
        })
    }

    /// The command a key runs in a view: view bindings shadow global ones.
    pub fn lookup(&self, view: View, ev: &KeyEvent) -> Option<Command> {
        let hit = |global: bool| {
            self.bindings.iter().find(|b| {
                (b.scope == Scope::Global) == global
                    && b.scope.applies_to(view)
                    && b.keys.iter().any(|k| k.matches(ev))
            })
        };
        hit(false).or_else(|| hit(true)).map(|b| b.command)
    }

    /// Bindings of a view (its own first, then global), for help and the key bar.
    pub fn for_view(&self, view: View) -> impl Iterator<Item = &Binding> {
        let own = self
            .bindings
            .iter()
            .filter(move |b| b.scope != Scope::Global && b.scope.applies_to(view));
        let global = self.bindings.iter().filter(|b| b.scope == Scope::Global);
        own.chain(global)
    }
}

/// Key presses from a script like `a "Web" tab enter ctrl-s`: keymap key names separated
/// by spaces, and quoted text typed character by character. Tests drive the app with it.
pub fn script(s: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.extend(
                quoted[..end]
                    .chars()
                    .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            let word = &rest[..end];
            if let Ok(k) = Key::parse(word) {
                let mut m = KeyModifiers::NONE;
                if k.ctrl {
                    m |= KeyModifiers::CONTROL;
                }
                if k.alt {
                    m |= KeyModifiers::ALT;
                }
                out.push(KeyEvent::new(k.code, m));
            }
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn default_keymap_parses_and_has_no_clashes() {
        let km = Keymap::parse(DEFAULT_KEYMAP).expect("keymap.ron");
        assert!(km.bindings.len() > 20);
        for (i, a) in km.bindings.iter().enumerate() {
            for b in &km.bindings[i + 1..] {
                let overlap = View::ALL
                    .iter()
                    .any(|v| a.scope.applies_to(*v) && b.scope.applies_to(*v));
                for k in &a.keys {
                    assert!(
                        !(overlap && b.keys.contains(k)),
                        "{} bound twice ({:?}, {:?})",
                        k.label(),
                        a.command,
                        b.command
                    );
                }
            }
        }
    }

    #[test]
    fn ctrl_and_shift_keys() {
        let km = Keymap::default_keymap();
        let v = View::Policies;
        let ctrl_s = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(v, &ctrl_s), Some(Command::Save));
        let a = press(KeyCode::Char('A'), KeyModifiers::SHIFT);
        assert_eq!(km.lookup(v, &a), Some(Command::Assign));
        let plain_s = press(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_ne!(km.lookup(v, &plain_s), Some(Command::Save));
        assert_eq!(Key::parse("ctrl-r").map(|k| k.label()), Ok("^r".into()));
        assert!(Key::parse("hyper-x").is_err());
    }
}
