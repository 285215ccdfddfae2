//! Variable expansion as cmd.exe does it in a batch file: `%NAME%` (with `:~start,len`
//! and `:old=new`), `%0`..`%9`, `%~1`, `%~dp0`, `%*`, `%%` at read time; `!NAME!` at run
//! time under `setlocal enabledelayedexpansion`; `%x`/`%~x` for a `for` variable. Names
//! are case-insensitive. Pure.

use std::collections::HashMap;

/// Variables: names are stored lower-cased.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    map: HashMap<String, String>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        let key = name.to_ascii_lowercase();
        if value.is_empty() {
            self.map.remove(&key);
        } else {
            self.map.insert(key, value.to_string());
        }
    }

    pub fn defined(&self, name: &str) -> bool {
        self.map.contains_key(&name.to_ascii_lowercase())
    }
}

/// What `%` expansion reads besides the variables.
pub struct Ctx<'a> {
    pub vars: &'a Vars,
    /// `%0`, `%1`, … after `shift`.
    pub args: &'a [String],
    pub errorlevel: i32,
}

impl Ctx<'_> {
    fn var(&self, name: &str) -> Option<String> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.to_string());
        }
        match name.to_ascii_lowercase().as_str() {
            "errorlevel" => Some(self.errorlevel.to_string()),
            "cd" => Some(".".into()),
            "random" => Some("0".into()),
            _ => None,
        }
    }

    fn arg(&self, n: usize) -> String {
        self.args.get(n).cloned().unwrap_or_default()
    }
}

/// Removes one pair of surrounding quotes.
pub fn unquote(s: &str) -> &str {
    let s = s.strip_prefix('"').unwrap_or(s);
    s.strip_suffix('"').unwrap_or(s)
}

/// `%~mods` applied to a value: `~` removes quotes; `d`/`p` give the folder (empty: the
/// script's own folder is where relative paths resolve); `n`/`x` name and extension; `f`/`s`
/// the path as is.
fn modified(value: &str, mods: &str) -> String {
    let v = unquote(value);
    if mods.is_empty() {
        return v.to_string();
    }
    let (dir, file) = match v.rfind(['\\', '/']) {
        Some(i) => (&v[..=i], &v[i + 1..]),
        None => ("", v),
    };
    let (stem, ext) = match file.rfind('.') {
        Some(i) => (&file[..i], &file[i..]),
        None => (file, ""),
    };
    let mut out = String::new();
    if mods.contains('f') || mods.contains('s') {
        return v.to_string();
    }
    if mods.contains('d') || mods.contains('p') {
        out.push_str(dir);
    }
    if mods.contains('n') {
        out.push_str(stem);
    }
    if mods.contains('x') {
        out.push_str(ext);
    }
    out
}

/// `%NAME:~start,len%` and `%NAME:old=new%`.
fn edit(value: &str, op: &str) -> String {
    if let Some(range) = op.strip_prefix('~') {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len() as i64;
        let mut parts = range.splitn(2, ',');
        let start: i64 = parts
            .next()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let start = if start < 0 {
            (n + start).max(0)
        } else {
            start.min(n)
        };
        let end = match parts.next().and_then(|s| s.trim().parse::<i64>().ok()) {
            None => n,
            Some(l) if l < 0 => (n + l).max(start),
            Some(l) => (start + l).min(n),
        };
        return chars[start as usize..end as usize].iter().collect();
    }
    match op.split_once('=') {
        Some((old, new)) if !old.is_empty() => {
            let lower = value.to_ascii_lowercase();
            let old_l = old.to_ascii_lowercase();
            let mut out = String::new();
            let mut i = 0;
            while let Some(p) = lower[i..].find(&old_l) {
                out.push_str(&value[i..i + p]);
                out.push_str(new);
                i += p + old.len();
            }
            out.push_str(&value[i..]);
            out
        }
        _ => value.to_string(),
    }
}

/// Read-time `%` expansion of a batch line.
pub fn percent(text: &str, cx: &Ctx) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] != '%' {
            out.push(c[i]);
            i += 1;
            continue;
        }
        match c.get(i + 1) {
            None => i += 1,
            Some('%') => {
                out.push('%');
                i += 2;
            }
            Some(d) if d.is_ascii_digit() => {
                out.push_str(&cx.arg(d.to_digit(10).unwrap_or(0) as usize));
                i += 2;
            }
            Some('*') => {
                out.push_str(&cx.args.get(1..).unwrap_or(&[]).join(" "));
                i += 2;
            }
            Some('~') => {
                let mut k = i + 2;
                let mut mods = String::new();
                while let Some(m) = c.get(k).filter(|m| m.is_ascii_alphabetic()) {
                    mods.push(m.to_ascii_lowercase());
                    k += 1;
                }
                match c.get(k).filter(|d| d.is_ascii_digit()) {
                    Some(d) => {
                        let v = cx.arg(d.to_digit(10).unwrap_or(0) as usize);
                        out.push_str(&modified(&v, &mods));
                        i = k + 1;
                    }
                    None => {
                        // Not an argument reference: `%~` is dropped as cmd does.
                        i += 2;
                    }
                }
            }
            Some(_) => {
                let rest: String = c[i + 1..].iter().collect();
                match rest.find('%') {
                    Some(end) if !rest[..end].contains('\n') => {
                        let inner = &rest[..end];
                        let (name, op) = match inner.split_once(':') {
                            Some((n, o)) => (n, Some(o)),
                            None => (inner, None),
                        };
                        if let Some(v) = cx.var(name) {
                            match op {
                                Some(o) => out.push_str(&edit(&v, o)),
                                None => out.push_str(&v),
                            }
                        }
                        i += 1 + inner.chars().count() + 1;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    out
}

/// Run-time `!NAME!` expansion (only under `enabledelayedexpansion`).
pub fn delayed(text: &str, cx: &Ctx) -> String {
    if !text.contains('!') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find('!') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        match after.find('!') {
            Some(end) => {
                let inner = &after[..end];
                let (name, op) = match inner.split_once(':') {
                    Some((n, o)) => (n, Some(o)),
                    None => (inner, None),
                };
                if let Some(v) = cx.var(name) {
                    match op {
                        Some(o) => out.push_str(&edit(&v, o)),
                        None => out.push_str(&v),
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Substitutes a `for` variable (`%x`, `%~x`, case-sensitive) in a body.
pub fn for_var(body: &str, var: char, value: &str) -> String {
    let c: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '%' {
            if c.get(i + 1) == Some(&var) {
                out.push_str(value);
                i += 2;
                continue;
            }
            if c.get(i + 1) == Some(&'~') {
                let mut k = i + 2;
                while c.get(k).is_some_and(|m| m.is_ascii_alphabetic()) {
                    k += 1;
                }
                if let Some(j) = (i + 2..k).rev().find(|&j| c[j] == var) {
                    let mods: String = c[i + 2..j].iter().collect::<String>().to_ascii_lowercase();
                    out.push_str(&modified(value, &mods));
                    i = j + 1;
                    continue;
                }
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx<'a>(vars: &'a Vars, args: &'a [String]) -> Ctx<'a> {
        Ctx {
            vars,
            args,
            errorlevel: 1,
        }
    }

    #[test]
    fn percent_expansion() {
        let mut v = Vars::default();
        v.set("Policy", "Block ports");
        let args = vec!["run.bat".to_string(), "\"a b\"".to_string()];
        let c = cx(&v, &args);
        assert_eq!(percent("name=\"%POLICY%\"", &c), "name=\"Block ports\"");
        assert_eq!(percent("%undefined%x", &c), "x");
        assert_eq!(percent("%1 %~1 %2", &c), "\"a b\" a b ");
        assert_eq!(percent("100%%", &c), "100%");
        assert_eq!(percent("for %%i in", &c), "for %i in");
        assert_eq!(percent("%~dp0rules.txt", &c), "rules.txt");
        assert_eq!(percent("%errorlevel%", &c), "1");
        assert_eq!(
            percent("%policy:~0,5%|%policy:ports=hosts%", &c),
            "Block|Block hosts"
        );
    }

    #[test]
    fn delayed_and_for() {
        let mut v = Vars::default();
        v.set("n", "3");
        let args = Vec::new();
        let c = cx(&v, &args);
        assert_eq!(delayed("if !n!==3 x!", &c), "if 3==3 x");
        assert_eq!(
            for_var("dstport=%p %~p", 'p', "\"445\""),
            "dstport=\"445\" 445"
        );
    }
}
