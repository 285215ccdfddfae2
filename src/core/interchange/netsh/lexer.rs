//! Splits one netsh script line into words and `key=value` arguments, keeping the column of
//! each so errors can point at the offending token.
//!
//! netsh's own rules, as admins relied on them: double quotes group words (and are
//! removed), `=` may have spaces around it (`name = "Block all"`), and a value may itself
//! contain `=` when it is quoted or glued to the key (`rootca="CN=Root certmap:no"`). Smart
//! quotes pasted from web pages count as quotes. Nothing here knows about commands.

use super::NetshError;

/// One piece of a line: a word or a lone `=`.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Word {
        text: String,
        /// 1-based column (in characters) of its first character, quote included.
        col: usize,
        /// True when no whitespace separates it from the previous piece.
        glued: bool,
        quoted: bool,
    },
    Equals {
        col: usize,
        glued: bool,
    },
}

/// One argument of a command: `key=value` or a bare (positional) value.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub key: Option<String>,
    pub value: String,
    /// Column of the argument's first character (the key when there is one).
    pub col: usize,
    /// Column of the value.
    pub value_col: usize,
    /// The value was written in quotes (so `all` in quotes is a name, not the keyword).
    pub quoted: bool,
}

impl Arg {
    /// The argument as written, for error messages.
    pub fn text(&self) -> String {
        match &self.key {
            Some(k) => format!("{k}={}", self.value),
            None => self.value.clone(),
        }
    }
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}')
}

fn pieces(line: &str, line_no: usize) -> Result<Vec<Piece>, NetshError> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut glued = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            glued = false;
            i += 1;
            continue;
        }
        if c == '=' {
            out.push(Piece::Equals { col: i + 1, glued });
            glued = true;
            i += 1;
            continue;
        }
        // A word: runs until whitespace or `=` outside quotes; quoted parts join it.
        let start = i;
        let mut text = String::new();
        let mut quoted = false;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            if is_open_quote(chars[i]) {
                let open = i;
                quoted = true;
                i += 1;
                while i < chars.len() && !is_close_quote(chars[i]) {
                    text.push(chars[i]);
                    i += 1;
                }
                if i == chars.len() {
                    return Err(NetshError::new(
                        line_no,
                        open + 1,
                        chars[open..].iter().collect::<String>(),
                        "this quote is never closed",
                        "close the quoted value with a matching '\"' on the same line",
                    ));
                }
                i += 1;
            } else {
                text.push(chars[i]);
                i += 1;
            }
        }
        out.push(Piece::Word {
            text,
            col: start + 1,
            glued,
            quoted,
        });
        glued = true;
    }
    Ok(out)
}

/// Splits a line into its leading bare words (context and command words such as
/// `netsh ipsec static add filter`) and everything else as arguments. The split happens
/// later, in the parser, which knows how many command words to expect; here every piece
/// becomes an `Arg`.
pub fn split(line: &str, line_no: usize) -> Result<Vec<Arg>, NetshError> {
    let p = pieces(line, line_no)?;
    let mut args = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match &p[i] {
            Piece::Equals { col, .. } => {
                return Err(NetshError::new(
                    line_no,
                    *col,
                    "=",
                    "'=' without a parameter name before it",
                    "write parameters as name=value, e.g. srcaddr=any",
                ));
            }
            Piece::Word {
                text, col, quoted, ..
            } => {
                if let Some(Piece::Equals { col: eq_col, .. }) = p.get(i + 1) {
                    if *quoted {
                        return Err(NetshError::new(
                            line_no,
                            *col,
                            text.clone(),
                            "a quoted word cannot be a parameter name",
                            "write the parameter name without quotes: name=\"My policy\"",
                        ));
                    }
                    match p.get(i + 2) {
                        Some(Piece::Word {
                            text: v,
                            col: vcol,
                            quoted: vq,
                            ..
                        }) => {
                            let mut value = v.clone();
                            let mut j = i + 3;
                            // `rootca=CN=x`: an `=` glued to the value belongs to it.
                            while let (
                                Some(Piece::Equals { glued: true, .. }),
                                Some(Piece::Word {
                                    text: more,
                                    glued: true,
                                    ..
                                }),
                            ) = (p.get(j), p.get(j + 1))
                            {
                                value.push('=');
                                value.push_str(more);
                                j += 2;
                            }
                            args.push(Arg {
                                key: Some(text.clone()),
                                value,
                                col: *col,
                                value_col: *vcol,
                                quoted: *vq,
                            });
                            i = j;
                        }
                        _ => {
                            // `name=` with nothing after it: an empty value, as netsh
                            // takes `description=` to clear a description.
                            args.push(Arg {
                                key: Some(text.clone()),
                                value: String::new(),
                                col: *col,
                                value_col: eq_col + 1,
                                quoted: false,
                            });
                            i += 2;
                        }
                    }
                } else {
                    args.push(Arg {
                        key: None,
                        value: text.clone(),
                        col: *col,
                        value_col: *col,
                        quoted: *quoted,
                    });
                    i += 1;
                }
            }
        }
    }
    Ok(args)
}

/// Rebuilds a script line from arguments the shell already split (`ipsedit netsh ipsec
/// static add policy name="Block all"` arrives as `name=Block all`), quoting values so
/// `split` sees what the admin meant.
pub fn join_args(args: &[String]) -> String {
    let mut parts = Vec::new();
    for a in args {
        let (key, value) = match a.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()) => {
                (Some(k), v)
            }
            _ => (None, a.as_str()),
        };
        let needs_quotes = value.is_empty() && key.is_none()
            || value.contains(char::is_whitespace)
            || value.contains('=');
        let v = if needs_quotes && !value.contains('"') {
            format!("\"{value}\"")
        } else {
            value.to_string()
        };
        parts.push(match key {
            Some(k) => format!("{k}={v}"),
            None => v,
        });
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(args: &[Arg]) -> Vec<(Option<&str>, &str)> {
        args.iter()
            .map(|a| (a.key.as_deref(), a.value.as_str()))
            .collect()
    }

    #[test]
    fn keys_values_quotes_and_stray_spaces() {
        let a = split(
            r#"add policy name = "Block all" assign=y  descr= "x=y" pos"#,
            1,
        )
        .expect("valid");
        assert_eq!(
            kv(&a),
            vec![
                (None, "add"),
                (None, "policy"),
                (Some("name"), "Block all"),
                (Some("assign"), "y"),
                (Some("descr"), "x=y"),
                (None, "pos"),
            ]
        );
        assert_eq!(a[2].col, 12);
        assert_eq!(a[2].value_col, 19);
    }

    #[test]
    fn glued_equals_stays_in_the_value() {
        let a = split("rootca=CN=Root,O=Example", 1).expect("valid");
        assert_eq!(kv(&a), vec![(Some("rootca"), "CN=Root,O=Example")]);
    }

    #[test]
    fn smart_quotes_and_errors() {
        let a = split("name=\u{201C}Block all\u{201D}", 1).expect("valid");
        assert_eq!(a[0].value, "Block all");
        let e = split("name=\"open", 3).expect_err("unclosed");
        assert_eq!((e.line, e.column), (3, 6));
        let e = split("a = = b", 1).expect_err("two equals");
        assert_eq!(e.token, "=");
    }

    #[test]
    fn joined_shell_args_round_trip() {
        let line = join_args(&[
            "add".into(),
            "policy".into(),
            "name=Block all".into(),
            "assign=yes".into(),
        ]);
        assert_eq!(line, "add policy name=\"Block all\" assign=yes");
        let a = split(&line, 1).expect("valid");
        assert_eq!(a[2].value, "Block all");
    }
}
