//! Words and small languages inside batch commands: the first word of a command, `call`
//! and `for` item lists, `echo` variants, `for /f` options and tokens, and `set /a`
//! arithmetic. Pure.

use super::expand::Vars;

/// `echo`, `echo.`, `echo(`, `echo:` …: the text of an echo, or `None`.
pub(super) fn echo_like(word: &str) -> Option<&str> {
    let rest = word.strip_prefix("echo")?;
    match rest.chars().next() {
        None => Some(""),
        Some(c) if ".,:;(/\\[]+=".contains(c) => Some(rest),
        _ => None,
    }
}

/// The first word (up to white space) and the rest.
pub(super) fn split_word(text: &str) -> (&str, &str) {
    let t = text.trim_start();
    let mut quoted = false;
    for (i, c) in t.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && c.is_whitespace() {
            return (&t[..i], &t[i..]);
        }
    }
    (t, "")
}

/// Items of a list, as `call` arguments and `for` sets split them: white space, commas,
/// semicolons and `=` separate; quotes group (and are kept).
pub(super) fn split_items(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if !quoted && (c.is_whitespace() || matches!(c, ',' | ';' | '=')) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `for /f "skip=N"`: lines skipped at the start of the file.
pub(super) fn for_f_skip(options: &str) -> usize {
    options
        .split_whitespace()
        .find_map(|w| {
            w.to_ascii_lowercase()
                .strip_prefix("skip=")
                .map(str::to_string)
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `for /f` tokenising of one line: `tokens=`, `delims=`, `eol=` (lines starting with it
/// are dropped).
pub(super) fn for_f_tokens(line: &str, options: &str) -> Option<Vec<String>> {
    let mut delims: Vec<char> = vec![' ', '\t'];
    let mut tokens = "1".to_string();
    let mut eol = ';';
    let opts = options.trim();
    // `delims=` must come last when it includes a space.
    let (head, delim_text) = match opts.to_ascii_lowercase().find("delims=") {
        Some(i) => (&opts[..i], Some(&opts[i + 7..])),
        None => (opts, None),
    };
    if let Some(d) = delim_text {
        let (d, tail) = match d.find(' ') {
            Some(i) if i > 0 => (&d[..i], &d[i..]),
            _ => (d, ""),
        };
        delims = d.chars().collect();
        for w in tail.split_whitespace() {
            if let Some(t) = w.strip_prefix("tokens=") {
                tokens = t.to_string();
            }
        }
    }
    for w in head.split_whitespace() {
        let lw = w.to_ascii_lowercase();
        if let Some(t) = lw.strip_prefix("tokens=") {
            tokens = t.to_string();
        } else if let Some(e) = w.strip_prefix("eol=") {
            eol = e.chars().next().unwrap_or(';');
        }
    }
    if line.starts_with(eol) || line.trim().is_empty() {
        return None;
    }
    let parts: Vec<&str> = if delims.is_empty() {
        vec![line]
    } else {
        line.split(|c| delims.contains(&c))
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    let star = tokens.ends_with('*');
    let mut last = 0;
    for spec in tokens
        .trim_end_matches('*')
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (a, b) = match spec.split_once('-') {
            Some((a, b)) => (a.parse().unwrap_or(1), b.parse().unwrap_or(1)),
            None => {
                let n = spec.parse().unwrap_or(1);
                (n, n)
            }
        };
        for k in a..=b {
            out.push(
                parts
                    .get(k.max(1) - 1)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            );
            last = k;
        }
    }
    if star {
        let rest: Vec<&str> = parts.iter().skip(last).copied().collect();
        out.push(rest.join(&delims.first().map(|c| c.to_string()).unwrap_or_default()));
    }
    if out.iter().all(String::is_empty) {
        return None;
    }
    Some(out)
}

/// `set /a` expressions: integers, variables, `+ - * / %`, parentheses.
pub(super) fn eval(expr: &str, vars: &Vars) -> Result<i64, String> {
    let toks: Vec<char> = expr.chars().filter(|c| !c.is_whitespace()).collect();
    let mut i = 0;
    let v = sum(&toks, &mut i, vars)?;
    if i < toks.len() {
        return Err(format!("unexpected '{}'", toks[i]));
    }
    Ok(v)
}

fn sum(t: &[char], i: &mut usize, vars: &Vars) -> Result<i64, String> {
    let mut v = product(t, i, vars)?;
    while let Some(op) = t.get(*i).copied().filter(|c| *c == '+' || *c == '-') {
        *i += 1;
        let r = product(t, i, vars)?;
        v = if op == '+' {
            v.wrapping_add(r)
        } else {
            v.wrapping_sub(r)
        };
    }
    Ok(v)
}

fn product(t: &[char], i: &mut usize, vars: &Vars) -> Result<i64, String> {
    let mut v = atom(t, i, vars)?;
    while let Some(op) = t.get(*i).copied().filter(|c| matches!(c, '*' | '/' | '%')) {
        *i += 1;
        let r = atom(t, i, vars)?;
        v = match op {
            '*' => v.wrapping_mul(r),
            '/' => v.checked_div(r).ok_or("division by zero")?,
            _ => v.checked_rem(r).ok_or("division by zero")?,
        };
    }
    Ok(v)
}

fn atom(t: &[char], i: &mut usize, vars: &Vars) -> Result<i64, String> {
    match t.get(*i) {
        Some('(') => {
            *i += 1;
            let v = sum(t, i, vars)?;
            if t.get(*i) != Some(&')') {
                return Err("missing ')'".into());
            }
            *i += 1;
            Ok(v)
        }
        Some('-') => {
            *i += 1;
            Ok(atom(t, i, vars)?.wrapping_neg())
        }
        Some(c) if c.is_ascii_digit() => {
            let mut s = String::new();
            while let Some(d) = t.get(*i).filter(|d| d.is_ascii_alphanumeric()) {
                s.push(*d);
                *i += 1;
            }
            let parsed = if let Some(h) = s.strip_prefix("0x") {
                i64::from_str_radix(h, 16)
            } else {
                s.parse()
            };
            parsed.map_err(|_| format!("'{s}' is not a number"))
        }
        Some(c) if c.is_alphabetic() || *c == '_' => {
            let mut s = String::new();
            while let Some(d) = t.get(*i).filter(|d| d.is_alphanumeric() || **d == '_') {
                s.push(*d);
                *i += 1;
            }
            Ok(vars
                .get(&s)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0))
        }
        Some(c) => Err(format!("unexpected '{c}'")),
        None => Err("missing operand".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let mut v = Vars::default();
        v.set("n", "10");
        assert_eq!(eval("n-1", &v), Ok(9));
        assert_eq!(eval("(2+3)*4%7", &v), Ok(6));
        assert!(eval("1/0", &v).is_err());
    }

    #[test]
    fn for_f_tokens_and_delims() {
        assert_eq!(
            for_f_tokens("a,b,c", "tokens=1,3 delims=,"),
            Some(vec!["a".to_string(), "c".to_string()])
        );
        assert_eq!(for_f_tokens("; comment", ""), None);
        assert_eq!(
            for_f_tokens("203.0.113.9 bad", ""),
            Some(vec!["203.0.113.9".to_string()])
        );
    }

    #[test]
    fn words_and_items() {
        assert_eq!(split_word("  netsh ipsec x"), ("netsh", " ipsec x"));
        assert_eq!(
            split_items("a, \"b c\";d=e"),
            vec!["a", "\"b c\"", "d", "e"]
        );
        assert_eq!(echo_like("echo."), Some("."));
        assert_eq!(echo_like("echoes"), None);
    }
}
