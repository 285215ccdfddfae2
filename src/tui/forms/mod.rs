//! Forms: a centered box of fields (text, picker, toggle) to add or edit one object.
//!
//! Each keystroke re-validates the syntax of every field (cheap, synchronous); the engine's
//! re-check of the edited object is debounced by `update` and runs off the UI thread, so no
//! frame waits for it. Enter commits (`objects::commit`), Esc cancels.

pub mod objects;
pub mod parse;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use crate::core::model::{HostContext, Id};

/// What the form edits, and therefore what commit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Policy { id: Option<Id> },
    Rule { policy: Id, id: Option<Id> },
    FilterList { id: Option<Id> },
    Filter { list: Id, index: Option<usize> },
    FilterAction { id: Option<Id> },
    Host,
}

/// The syntax a text field must follow (checked per keystroke).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Free,
    Required,
    Address,
    Protocol,
    Port,
    Number,
    OptionalIp,
    IpList,
    Interfaces,
    Auth,
    Methods,
}

#[derive(Debug, Clone)]
pub enum Input {
    Text(Box<TextArea<'static>>, Syntax),
    /// A picker: enum values or references to other objects, by display name.
    Choice {
        options: Vec<String>,
        selected: usize,
    },
    Toggle(bool),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, value: &str, syntax: Syntax) -> Field {
        let mut area = TextArea::new(vec![value.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Field {
            key,
            label,
            input: Input::Text(Box::new(area), syntax),
            error: None,
        }
    }

    pub fn choice(
        key: &'static str,
        label: &'static str,
        options: Vec<String>,
        selected: usize,
    ) -> Field {
        Field {
            key,
            label,
            input: Input::Choice { options, selected },
            error: None,
        }
    }

    pub fn toggle(key: &'static str, label: &'static str, on: bool) -> Field {
        Field {
            key,
            label,
            input: Input::Toggle(on),
            error: None,
        }
    }

    pub fn value_text(&self) -> String {
        match &self.input {
            Input::Text(t, _) => t.lines().join(""),
            Input::Choice { options, selected } => {
                options.get(*selected).cloned().unwrap_or_default()
            }
            Input::Toggle(b) => if *b { "yes" } else { "no" }.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Who else is affected: "this list is used by 2 rules in 1 policy".
    pub impact: Option<String>,
    /// The engine's latest word on the edited object (debounced).
    pub live: Option<String>,
    /// Table rows and diagnostics before the edit, to word the live effect as a change.
    pub base: Option<(usize, usize)>,
}

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    /// The form changed (re-validate, schedule the engine re-check).
    Edited,
    /// Focus moved or nothing happened.
    Moved,
    Commit,
    Cancel,
}

impl Form {
    pub fn new(title: impl Into<String>, kind: FormKind, fields: Vec<Field>) -> Form {
        let mut f = Form {
            title: title.into(),
            kind,
            fields,
            focus: 0,
            impact: None,
            live: None,
            base: None,
        };
        f.focus_field(0);
        f
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn text(&self, key: &str) -> String {
        self.field(key).map(Field::value_text).unwrap_or_default()
    }

    pub fn selected(&self, key: &str) -> usize {
        match self.field(key).map(|f| &f.input) {
            Some(Input::Choice { selected, .. }) => *selected,
            _ => 0,
        }
    }

    pub fn toggled(&self, key: &str) -> bool {
        matches!(self.field(key).map(|f| &f.input), Some(Input::Toggle(true)))
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    pub fn set_error(&mut self, key: &str, error: String) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.error = Some(error);
        }
    }

    /// Moves to a field with the cursor at the end of its text, as a terminal prompt
    /// does: typing adds, never silently replaces (Ctrl-U clears it).
    pub fn focus_field(&mut self, i: usize) {
        self.focus = i;
        if let Some(Input::Text(area, _)) = self.fields.get_mut(i).map(|f| &mut f.input) {
            area.cancel_selection();
            area.move_cursor(ratatui_textarea::CursorMove::End);
        }
    }

    /// Routes one key press; text keys go to the focused text field.
    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        let n = self.fields.len().max(1);
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Enter => return FormOutcome::Commit,
            KeyCode::Tab | KeyCode::Down => {
                self.focus_field((self.focus + 1) % n);
                return FormOutcome::Moved;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus_field((self.focus + n - 1) % n);
                return FormOutcome::Moved;
            }
            _ => {}
        }
        let Some(field) = self.fields.get_mut(self.focus) else {
            return FormOutcome::Moved;
        };
        match &mut field.input {
            Input::Text(area, _) => {
                if crate::tui::input::readline(area, key) {
                    FormOutcome::Edited
                } else {
                    FormOutcome::Moved
                }
            }
            Input::Choice { options, selected } => {
                let len = options.len().max(1);
                match key.code {
                    KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => {
                        *selected = (*selected + 1) % len
                    }
                    KeyCode::Left | KeyCode::Char('h') => *selected = (*selected + len - 1) % len,
                    _ => return FormOutcome::Moved,
                }
                FormOutcome::Edited
            }
            Input::Toggle(on) => match key.code {
                KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right => {
                    *on = !*on;
                    FormOutcome::Edited
                }
                _ => FormOutcome::Moved,
            },
        }
    }

    /// Syntax of every field, plus the cross-field rules cheap enough for each keystroke.
    pub fn validate(&mut self, host: &HostContext) {
        for f in &mut self.fields {
            f.error = match &f.input {
                Input::Text(area, syntax) => check(&area.lines().join(""), *syntax, host).err(),
                _ => None,
            };
        }
        if matches!(self.kind, FormKind::Filter { .. }) {
            let proto = parse::protocol(&self.text("protocol")).ok();
            let ports = ["src_port", "dst_port"].map(|k| parse::port(&self.text(k)).unwrap_or(0));
            if let Some(p) = proto
                && !p.has_ports()
                && ports.iter().any(|p| *p != 0)
            {
                for k in ["src_port", "dst_port"] {
                    if parse::port(&self.text(k)).unwrap_or(0) != 0 {
                        self.set_error(k, format!("ports need TCP or UDP, not {p}"));
                    }
                }
            }
        }
    }
}

fn check(text: &str, syntax: Syntax, host: &HostContext) -> Result<(), String> {
    match syntax {
        Syntax::Free => Ok(()),
        Syntax::Required => {
            if text.trim().is_empty() {
                Err("required".into())
            } else {
                Ok(())
            }
        }
        Syntax::Address => parse::address(text, host).map(drop),
        Syntax::Protocol => parse::protocol(text).map(drop),
        Syntax::Port => parse::port(text).map(drop),
        Syntax::Number => parse::number(text, "minutes").map(drop),
        Syntax::OptionalIp => parse::optional_ip(text).map(drop),
        Syntax::IpList => parse::ip_list(text).map(drop),
        Syntax::Interfaces => parse::interfaces(text).map(drop),
        Syntax::Auth => parse::auth(text).map(drop),
        Syntax::Methods => parse::methods(text).map(drop),
    }
}
