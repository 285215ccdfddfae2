//! Themes: semantic roles mapped to styles, loaded from `themes/*.ron`.
//!
//! Panes ask for a `Role` (`ExemptionRow`, `Error`, `Selected`), never for a colour, so a
//! theme file is the only place colours live. A theme file overrides its base role by role
//! (gitui's habit): `base: "default"` starts from the embedded default theme, `base: "none"`
//! from plain terminal text (the monochrome theme, and `NO_COLOR`).

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Every role a pane may ask for. The RON name is the snake_case of the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Base,
    Title,
    Dirty,
    Tab,
    TabActive,
    Border,
    BorderFocus,
    Header,
    Selected,
    Assigned,
    ExemptionRow,
    RowAppeared,
    RowVanished,
    Deciding,
    Matched,
    Permit,
    Block,
    Negotiate,
    Error,
    Warning,
    Finding,
    Hint,
    Dim,
    Key,
    KeyDesc,
    Message,
    Label,
    FieldFocus,
}

impl Role {
    pub const ALL: [Role; 28] = [
        Role::Base,
        Role::Title,
        Role::Dirty,
        Role::Tab,
        Role::TabActive,
        Role::Border,
        Role::BorderFocus,
        Role::Header,
        Role::Selected,
        Role::Assigned,
        Role::ExemptionRow,
        Role::RowAppeared,
        Role::RowVanished,
        Role::Deciding,
        Role::Matched,
        Role::Permit,
        Role::Block,
        Role::Negotiate,
        Role::Error,
        Role::Warning,
        Role::Finding,
        Role::Hint,
        Role::Dim,
        Role::Key,
        Role::KeyDesc,
        Role::Message,
        Role::Label,
        Role::FieldFocus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Title => "title",
            Role::Dirty => "dirty",
            Role::Tab => "tab",
            Role::TabActive => "tab_active",
            Role::Border => "border",
            Role::BorderFocus => "border_focus",
            Role::Header => "header",
            Role::Selected => "selected",
            Role::Assigned => "assigned",
            Role::ExemptionRow => "exemption_row",
            Role::RowAppeared => "row_appeared",
            Role::RowVanished => "row_vanished",
            Role::Deciding => "deciding",
            Role::Matched => "matched",
            Role::Permit => "permit",
            Role::Block => "block",
            Role::Negotiate => "negotiate",
            Role::Error => "error",
            Role::Warning => "warning",
            Role::Finding => "finding",
            Role::Hint => "hint",
            Role::Dim => "dim",
            Role::Key => "key",
            Role::KeyDesc => "key_desc",
            Role::Message => "message",
            Role::Label => "label",
            Role::FieldFocus => "field_focus",
        }
    }

    fn from_name(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// A resolved theme: one style per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    base: Option<String>,
    roles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    #[serde(default)]
    fg: Option<String>,
    #[serde(default)]
    bg: Option<String>,
    #[serde(default)]
    add: Vec<String>,
}

const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.ron")),
    ("light", include_str!("../../themes/light.ron")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.ron"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.ron")),
];

impl Theme {
    /// The names `--theme` accepts besides a path to a `.ron` file.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// The embedded default theme (never fails: a test parses every built-in file).
    pub fn default_theme() -> Theme {
        Theme::builtin("default").unwrap_or_else(|_| Theme::plain("default"))
    }

    /// Plain terminal text with modifiers only: what `NO_COLOR` asks for.
    pub fn plain(name: &str) -> Theme {
        Theme {
            name: name.to_string(),
            styles: Role::ALL.iter().map(|r| (*r, Style::default())).collect(),
        }
    }

    pub fn builtin(name: &str) -> Result<Theme, String> {
        let text = BUILTIN
            .iter()
            .find(|(n, _)| *n == name || (name == "dark" && *n == "default"))
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                format!(
                    "unknown theme {name:?}: use one of {} or a path to a .ron file",
                    Theme::builtin_names().join(", ")
                )
            })?;
        Theme::parse(name, text)
    }

    /// Picks the theme for a session: an explicit `--theme` wins (the NO_COLOR convention
    /// lets a per-invocation flag override it), then `NO_COLOR`, then the default.
    pub fn select(requested: Option<&str>, no_color: bool) -> Result<Theme, String> {
        match requested {
            Some(n) if n.ends_with(".ron") || n.contains('/') => {
                let text = std::fs::read_to_string(n)
                    .map_err(|e| format!("cannot read theme {n:?}: {e}"))?;
                Theme::parse(n, &text)
            }
            Some(n) => Theme::builtin(n),
            None if no_color => Theme::builtin("monochrome"),
            None => Ok(Theme::default_theme()),
        }
    }

    /// Parses a theme file; errors quote the file, position and offending value.
    pub fn parse(name: &str, text: &str) -> Result<Theme, String> {
        // Implicit `Some` keeps theme files readable: `fg: "red"`, not `fg: Some("red")`.
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let file: ThemeFile = options
            .from_str(text)
            .map_err(|e| format!("theme {name}: {e}"))?;
        let mut theme = match file.base.as_deref() {
            None | Some("default") if name != "default" => Theme::default_theme(),
            None | Some("default") | Some("none") => Theme::plain(name),
            Some(other) => return Err(format!("theme {name}: unknown base {other:?}")),
        };
        theme.name = name.to_string();
        for (role_name, spec) in file.roles {
            let role = Role::from_name(&role_name).ok_or_else(|| {
                format!(
                    "theme {name}: unknown role {role_name:?}; known roles: {}",
                    { Role::ALL.map(Role::name).join(", ") }
                )
            })?;
            theme.styles.insert(role, spec.style(name)?);
        }
        Ok(theme)
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }
}

impl StyleSpec {
    fn style(&self, theme: &str) -> Result<Style, String> {
        let colour = |s: &Option<String>| -> Result<Option<Color>, String> {
            s.as_deref()
                .map(|c| {
                    Color::from_str(c).map_err(|_| format!("theme {theme}: unknown colour {c:?}"))
                })
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = colour(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = colour(&self.bg)? {
            style = style.bg(bg);
        }
        for m in &self.add {
            let modifier = match m.as_str() {
                "bold" => Modifier::BOLD,
                "dim" => Modifier::DIM,
                "italic" => Modifier::ITALIC,
                "underlined" => Modifier::UNDERLINED,
                "reversed" => Modifier::REVERSED,
                other => {
                    return Err(format!(
                        "theme {theme}: unknown modifier {other:?} (bold, dim, italic, underlined, reversed)"
                    ));
                }
            };
            style = style.add_modifier(modifier);
        }
        Ok(style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_and_sets_every_role() {
        for name in Theme::builtin_names() {
            let t = Theme::builtin(name).expect(name);
            assert_eq!(t.styles.len(), Role::ALL.len(), "{name}");
        }
    }

    #[test]
    fn monochrome_uses_no_colour() {
        let t = Theme::builtin("monochrome").expect("monochrome");
        for r in Role::ALL {
            let s = t.style(r);
            assert!(s.fg.is_none() && s.bg.is_none(), "{}", r.name());
        }
    }

    #[test]
    fn explicit_theme_beats_no_color() {
        let t = Theme::select(Some("light"), true).expect("light");
        assert_eq!(t.name, "light");
        assert_eq!(Theme::select(None, true).expect("mono").name, "monochrome");
    }

    #[test]
    fn errors_name_the_bad_value() {
        let e = Theme::parse("x", r#"(roles: {"selectd": (fg: "red")})"#).expect_err("must fail");
        assert!(e.contains("\"selectd\""), "{e}");
        let e =
            Theme::parse("x", r#"(roles: {"selected": (fg: "reddish")})"#).expect_err("must fail");
        assert!(e.contains("\"reddish\""), "{e}");
        assert!(
            Theme::builtin("nope")
                .expect_err("must fail")
                .contains("monochrome")
        );
    }
}
