//! The commands the interpreter runs itself: simple commands (dispatching IPsec ones to
//! `commands`), `chcp`, `set` and `set /a`, interactive input (`set /p`, `choice`, answered
//! from `--set`, one prompt per answer), `start /wait CMD` (as CMD), `call :label` and
//! `call other.bat`. Part of the interpreter (`exec`).

use super::super::decode::{Source, for_code_page};
use super::super::expand;
use super::super::words::{echo_like, eval, split_items, split_word};
use super::super::{Entry, Status};
use super::*;

impl Interp<'_> {
    pub(super) fn simple(
        &mut self,
        text: &str,
        prog: usize,
        line: usize,
        frame: &mut Frame,
    ) -> Flow {
        let text = self.late(text, frame);
        let text = text.trim();
        if text.is_empty() {
            return Flow::Next;
        }
        let (word, rest) = split_word(text);
        let lower = word.to_ascii_lowercase();
        let bare = lower.trim_matches('"');
        if echo_like(bare).is_some() {
            return Flow::Next;
        }
        if lower.starts_with("call:") {
            let r = format!(":{} {rest}", &word[5..]);
            return self.call(&r, prog, line, frame);
        }
        if lower.starts_with("goto:") {
            return goto(&word[5..]);
        }
        match bare {
            "rem" | "pause" | "cls" | "title" | "color" | "::" => Flow::Next,
            "set" => self.set(rest, prog, line),
            "setlocal" => {
                self.saved.push((self.vars.clone(), self.delayed));
                let r = rest.to_ascii_lowercase();
                if r.contains("enabledelayedexpansion") {
                    self.delayed = true;
                } else if r.contains("disabledelayedexpansion") {
                    self.delayed = false;
                }
                Flow::Next
            }
            "endlocal" => {
                if let Some((v, d)) = self.saved.pop() {
                    self.vars = v;
                    self.delayed = d;
                }
                Flow::Next
            }
            "shift" => {
                let from = rest
                    .trim()
                    .strip_prefix('/')
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                if from < frame.args.len() {
                    frame.args.remove(from);
                }
                Flow::Next
            }
            "goto" => goto(rest.split_whitespace().next().unwrap_or("")),
            "exit" => {
                let r = rest.trim();
                if r.to_ascii_lowercase().starts_with("/b") {
                    if let Some(code) = r[2..].split_whitespace().next()
                        && let Ok(c) = code.parse::<i32>()
                    {
                        self.errorlevel = c;
                        self.last_ok = c == 0;
                    }
                    Flow::Return
                } else {
                    Flow::Exit
                }
            }
            "call" => self.call(rest, prog, line, frame),
            "chcp" => {
                self.chcp(rest, prog, line);
                Flow::Next
            }
            "choice" => self.choice(rest, prog, line),
            "start" => match start_wait(rest) {
                // `start /wait [/b] CMD`: cmd.exe runs CMD and waits, so it acts in order.
                Some(inner) => {
                    let (w, r) = split_word(inner);
                    self.command(w, r, inner, prog, line)
                }
                None => self.command(word, rest, text, prog, line),
            },
            _ => self.command(word, rest, text, prog, line),
        }
    }

    pub(super) fn chcp(&mut self, rest: &str, prog: usize, line: usize) {
        let Some(n) = rest.split_whitespace().next() else {
            return;
        };
        let name = self.programs[prog].name.clone();
        match n.parse::<u16>().ok().and_then(for_code_page) {
            Some(enc) => {
                if self.opts.encoding.is_some() {
                    self.out.warnings.push(format!(
                        "{name}:{}: chcp {n} ignored: --encoding was given",
                        line + 1
                    ));
                } else if self.programs[prog].src.switch_from(line, enc) {
                    self.out.encoding = enc.name().to_string();
                    self.out.encoding_how = format!("chcp {n} at line {}", line + 1);
                }
            }
            None => self.out.warnings.push(format!(
                "{name}:{}: chcp {n}: code page not available; the following lines stay \
                 decoded as {} (give --encoding LABEL to choose)",
                line + 1,
                self.programs[prog].src.encoding.name()
            )),
        }
    }

    /// The answer to the next prompt into `name`: each `--set NAME=VALUE` answers one
    /// prompt, in the order given (a menu that loops back to its `set /p` reads the next
    /// one). `Err(n)` when none is left: `n` prompts were already answered.
    pub(super) fn answer(&mut self, name: &str) -> Result<String, usize> {
        let key = name.to_ascii_lowercase();
        let given: Vec<&String> = self
            .opts
            .sets
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect();
        let slot = match self.answered.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.answered.push((key, 0));
                self.answered.len() - 1
            }
        };
        let used = self.answered[slot].1;
        match given.get(used) {
            Some(v) => {
                self.answered[slot].1 += 1;
                Ok((*v).clone())
            }
            None => Err(used),
        }
    }

    /// Interactive input without a `--set` answer.
    /// `used`: the prompts into `name` already answered (their answers are used up).
    pub(super) fn needs_input(
        &mut self,
        prog: usize,
        line: usize,
        what: &str,
        name: &str,
        used: usize,
    ) -> Flow {
        let file = self.programs[prog].name.clone();
        let message = if used == 0 {
            format!("'{what}' waits for input into {name}: give the answer with --set {name}=VALUE")
        } else {
            format!(
                "'{what}' asks again ({} time): the {used} answer{} given with --set {name}= \
                 {} used up; each --set {name}=VALUE answers one prompt, so repeat it for \
                 the next",
                ordinal(used + 1),
                if used == 1 { "" } else { "s" },
                if used == 1 { "is" } else { "are" },
            )
        };
        if self.opts.continue_on_error {
            self.out.entries.push(Entry {
                status: Status::Skipped,
                file,
                line: line + 1,
                column: self.column(prog, line, what),
                command: what.to_string(),
                message: format!("{message}; the rest of the script was not run"),
                hint: String::new(),
            });
            Flow::Exit
        } else {
            self.out.refused = Some(format!(
                "{file}:{}: {message}\n  nothing was applied",
                line + 1
            ));
            Flow::Stop
        }
    }

    pub(super) fn choice(&mut self, rest: &str, prog: usize, line: usize) -> Flow {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let opt = |flag: &str| {
            words
                .iter()
                .position(|w| w.eq_ignore_ascii_case(flag))
                .and_then(|i| words.get(i + 1))
                .map(|s| s.to_string())
        };
        let choices = opt("/c")
            .unwrap_or_else(|| "YN".into())
            .to_ascii_uppercase();
        let pick = match (opt("/d"), opt("/t")) {
            (Some(d), Some(_)) => d,
            _ => match self.answer("CHOICE") {
                Ok(v) => v,
                Err(used) => return self.needs_input(prog, line, "choice", "CHOICE", used),
            },
        };
        let up = pick.to_ascii_uppercase();
        let level = choices
            .chars()
            .position(|c| up.starts_with(c))
            .map_or(255, |i| i as i32 + 1);
        self.errorlevel = level;
        self.last_ok = true;
        Flow::Next
    }

    pub(super) fn set(&mut self, rest: &str, prog: usize, line: usize) -> Flow {
        let r = rest.trim_start();
        let lower = r.to_ascii_lowercase();
        if let Some(expr) = lower.strip_prefix("/a").map(|_| r[2..].trim()) {
            let expr = expand::unquote(expr);
            for part in expr.split(',') {
                if let Err(m) = self.arith(part) {
                    let file = self.programs[prog].name.clone();
                    self.out
                        .warnings
                        .push(format!("{file}:{}: set /a {part}: {m}", line + 1));
                }
            }
            return Flow::Next;
        }
        if lower.starts_with("/p") {
            let body = expand::unquote(r[2..].trim());
            let name = body.split('=').next().unwrap_or("").trim().to_string();
            return match self.answer(&name) {
                Ok(v) => {
                    self.vars.set(&name, &v);
                    Flow::Next
                }
                Err(used) => self.needs_input(prog, line, &format!("set /p {name}="), &name, used),
            };
        }
        let body = if let Some(q) = r.strip_prefix('"') {
            match q.rfind('"') {
                Some(end) => &q[..end],
                None => q,
            }
        } else {
            r
        };
        if let Some((name, value)) = body.split_once('=')
            && !name.is_empty()
        {
            self.vars.set(name, value);
        }
        Flow::Next
    }

    /// One `set /a` assignment: `name=expr`, `name+=expr`, … or a bare expression.
    pub(super) fn arith(&mut self, part: &str) -> Result<(), String> {
        let p = part.trim();
        for op in ["+=", "-=", "*=", "/=", "%=", "="] {
            if let Some((name, expr)) = p.split_once(op) {
                let name = name.trim();
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let value = eval(expr, &self.vars)?;
                let old = || {
                    self.vars
                        .get(name)
                        .and_then(|v| v.trim().parse::<i64>().ok())
                        .unwrap_or(0)
                };
                let new = match op {
                    "+=" => old().wrapping_add(value),
                    "-=" => old().wrapping_sub(value),
                    "*=" => old().wrapping_mul(value),
                    "/=" => old().checked_div(value).ok_or("division by zero")?,
                    "%=" => old().checked_rem(value).ok_or("division by zero")?,
                    _ => value,
                };
                self.vars.set(name, &new.to_string());
                return Ok(());
            }
        }
        eval(p, &self.vars).map(|_| ())
    }

    pub(super) fn call(&mut self, rest: &str, prog: usize, line: usize, frame: &mut Frame) -> Flow {
        let r = rest.trim();
        if let Some(after) = r.strip_prefix(':') {
            let mut args = split_items(after);
            if args.is_empty() {
                return Flow::Next;
            }
            let label = args.remove(0);
            let Some(at) = self.find_label(prog, &label, 0) else {
                self.record(
                    Status::Failed,
                    prog,
                    line,
                    &format!("call :{label}"),
                    &label,
                    format!("the batch label '{label}' does not exist"),
                    "add the label (:NAME) or fix the call",
                );
                return Flow::Next;
            };
            if self.depth >= MAX_CALL_DEPTH {
                self.record(
                    Status::Failed,
                    prog,
                    line,
                    &format!("call :{label}"),
                    &label,
                    format!("calls nested more than {MAX_CALL_DEPTH} deep: endless recursion?"),
                    "the run stopped here",
                );
                return Flow::Stop;
            }
            let mut inner = Frame {
                args: std::iter::once(format!(":{label}")).chain(args).collect(),
            };
            self.depth += 1;
            let saved = self.line_map.clone();
            let f = self.run_from(prog, at + 1, &mut inner);
            self.line_map = saved;
            self.depth -= 1;
            return match f {
                Flow::Exit => Flow::Exit,
                Flow::Stop => Flow::Stop,
                _ => Flow::Next,
            };
        }
        // `call` expands `%` a second time, then runs the command.
        let again = expand::percent(r, &self.cx(frame));
        let (word, args_text) = split_word(&again);
        let target = expand::unquote(word).to_string();
        let lower = target.to_ascii_lowercase();
        let me = &self.programs[prog].name;
        if lower.ends_with(".bat") || lower.ends_with(".cmd") || target == *me {
            return self.call_file(&target, args_text, prog, line);
        }
        self.simple(&again, prog, line, frame)
    }

    pub(super) fn call_file(
        &mut self,
        target: &str,
        args_text: &str,
        prog: usize,
        line: usize,
    ) -> Flow {
        if self.programs.len() > MAX_FILE_DEPTH {
            self.record(
                Status::Skipped,
                prog,
                line,
                &format!("call {target}"),
                target,
                format!(
                    "batch files nested more than {MAX_FILE_DEPTH} deep (a script calling \
                     itself?): not followed further"
                ),
                "",
            );
            return Flow::Next;
        }
        let src = if target == self.programs[prog].name {
            Some(self.programs[prog].src.clone())
        } else {
            self.files
                .read(target)
                .map(|b| Source::new(&b, self.opts.encoding))
        };
        let Some(src) = src else {
            self.record(
                Status::Failed,
                prog,
                line,
                &format!("call {target}"),
                target,
                format!("cannot read '{target}' next to the script"),
                "put the called file beside the script (paths are relative to its folder)",
            );
            return Flow::Next;
        };
        self.programs.push(Program {
            name: target.to_string(),
            src,
        });
        let idx = self.programs.len() - 1;
        let mut frame = Frame {
            args: std::iter::once(target.to_string())
                .chain(split_items(args_text))
                .collect(),
        };
        let saved = self.line_map.clone();
        let saved_delayed = self.delayed;
        let f = self.run_from(idx, 0, &mut frame);
        self.line_map = saved;
        self.delayed = saved_delayed;
        self.programs.pop();
        match f {
            Flow::Stop => Flow::Stop,
            Flow::Exit => Flow::Exit,
            _ => Flow::Next,
        }
    }
}

/// `2nd`, `3rd`, `4th`, … for messages.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The command `start /wait` runs (`start ["title"] [/b] [/min] [/d DIR] … /wait CMD
/// ARGS`), or `None` when `/wait` is missing (the command would run alongside the script,
/// so it is skipped like any other `start`) or no command follows.
fn start_wait(rest: &str) -> Option<&str> {
    let mut r = rest.trim_start();
    // A first quoted word is the window title.
    if let Some(q) = r.strip_prefix('"') {
        r = q.split_once('"').map(|(_, after)| after)?.trim_start();
    }
    let mut wait = false;
    while let Some(opt) = r.strip_prefix('/') {
        let (flag, after) = split_word(opt);
        let f = flag.to_ascii_lowercase();
        r = after.trim_start();
        match f.as_str() {
            "wait" => wait = true,
            // Options that take a value in the next word.
            "d" | "node" | "affinity" => r = split_word(r).1.trim_start(),
            _ => {}
        }
    }
    (wait && !r.is_empty()).then_some(r)
}
