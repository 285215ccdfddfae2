//! The interpreter: runs logical lines from a program counter, following `goto`,
//! `call :label` (with its own `%1`..`%9`), `call file.bat`, `if`, `for`, blocks,
//! `setlocal`/`endlocal`, `shift`, `exit [/b]`, `chcp` and interactive input (`set /p`,
//! `choice`), with bounds on steps and nesting. What a command does to the policy is in
//! `commands`. Pure: files come from [`Files`].

use super::decode::{Source, for_code_page};
use super::expand::{self, Vars};
use super::parse::{self, Cond, Node, Op, ParseError};
use super::words::{echo_like, eval, for_f_skip, for_f_tokens, split_items, split_word};
use super::{Entry, Files, Options, Outcome, Status};
use crate::core::model::Snapshot;

/// Lines run in one script before a loop is called endless.
const MAX_STEPS: usize = 200_000;
/// `call :label` nesting.
const MAX_CALL_DEPTH: usize = 64;
/// `call file.bat` / `netsh -f` / a script calling itself.
pub(super) const MAX_FILE_DEPTH: usize = 4;

/// What happens after a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Flow {
    Next,
    Goto(String),
    /// `goto :eof`, `exit /b`, the end of the file: back to the caller.
    Return,
    /// `exit`, a syntax error, a missing label: the whole run ends.
    Exit,
    /// The run was refused or hit a bound.
    Stop,
}

pub(super) struct Program {
    pub name: String,
    pub src: Source,
}

pub(super) struct Frame {
    /// `%0`, `%1`, …
    pub args: Vec<String>,
}

pub(super) struct Interp<'a> {
    pub snap: &'a mut Snapshot,
    pub opts: &'a Options,
    pub files: &'a dyn Files,
    pub out: &'a mut Outcome,
    pub vars: Vars,
    saved: Vec<(Vars, bool)>,
    delayed: bool,
    pub errorlevel: i32,
    /// Whether the last command succeeded (for `&&` and `||`).
    pub last_ok: bool,
    steps: usize,
    depth: usize,
    pub programs: Vec<Program>,
    /// Physical line of each `\n`-separated part of the logical line being run.
    line_map: Vec<usize>,
}

impl<'a> Interp<'a> {
    pub fn new(
        snap: &'a mut Snapshot,
        opts: &'a Options,
        files: &'a dyn Files,
        out: &'a mut Outcome,
    ) -> Self {
        let mut vars = Vars::default();
        for (k, v) in [
            ("SystemRoot", "C:\\WINDOWS"),
            ("windir", "C:\\WINDOWS"),
            ("SystemDrive", "C:"),
            ("ComSpec", "C:\\WINDOWS\\system32\\cmd.exe"),
            ("OS", "Windows_NT"),
            ("PROCESSOR_ARCHITECTURE", "x86"),
        ] {
            vars.set(k, v);
        }
        let name = snap.host.computer_name.as_deref().unwrap_or("LOCALHOST");
        vars.set("COMPUTERNAME", name);
        for (k, v) in &opts.sets {
            vars.set(k, v);
        }
        Interp {
            snap,
            opts,
            files,
            out,
            vars,
            saved: Vec::new(),
            delayed: false,
            errorlevel: 0,
            last_ok: true,
            steps: 0,
            depth: 0,
            programs: Vec::new(),
            line_map: Vec::new(),
        }
    }

    pub fn run_main(&mut self, name: &str, src: Source) {
        self.programs.push(Program {
            name: name.to_string(),
            src,
        });
        let mut args = vec![name.to_string()];
        args.extend(self.opts.args.iter().cloned());
        let mut frame = Frame { args };
        self.run_from(0, 0, &mut frame);
    }

    /// Runs program `prog` from physical line `start` until it returns.
    pub(super) fn run_from(&mut self, prog: usize, start: usize, frame: &mut Frame) -> Flow {
        let mut pc = start;
        loop {
            if self.out.refused.is_some() {
                return Flow::Stop;
            }
            let len = self.programs[prog].src.lines.len();
            if pc >= len {
                return Flow::Return;
            }
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.record(
                    Status::Failed,
                    prog,
                    pc,
                    "",
                    "",
                    format!("more than {MAX_STEPS} lines run: an endless goto loop?"),
                    "the run stopped here; check the goto targets and their conditions",
                );
                return Flow::Stop;
            }
            let (text, next, map) = self.logical(prog, pc);
            self.line_map = map;
            let flow = self.line(prog, pc, &text, frame);
            match flow {
                Flow::Next => pc = next,
                Flow::Goto(label) => match self.find_label(prog, &label, next) {
                    Some(i) => pc = i + 1,
                    None => {
                        self.record(
                            Status::Failed,
                            prog,
                            pc,
                            &format!("goto {label}"),
                            &label,
                            format!("the batch label '{label}' does not exist"),
                            "cmd.exe stops the batch file here; add the label (:NAME) or fix \
                             the goto",
                        );
                        return Flow::Exit;
                    }
                },
                other => return other,
            }
        }
    }

    /// The logical line starting at `pc`: `^` continuations and open blocks joined.
    fn logical(&self, prog: usize, pc: usize) -> (String, usize, Vec<usize>) {
        let lines = &self.programs[prog].src.lines;
        let mut text = lines[pc].clone();
        let mut map = vec![pc];
        let mut k = pc + 1;
        loop {
            let carets = text.chars().rev().take_while(|c| *c == '^').count();
            if carets % 2 == 1 && k < lines.len() {
                text.pop();
                text.push_str(&lines[k]);
                k += 1;
                continue;
            }
            if text.trim_start().starts_with(':') || k >= lines.len() {
                break;
            }
            // `%%` is `%` once expanded; the check must not read `%%p` as a for variable `%`.
            if parse::parse(&text.replace("%%", "%")) == Err(ParseError::Unclosed) {
                text.push('\n');
                text.push_str(&lines[k]);
                map.push(k);
                k += 1;
                continue;
            }
            break;
        }
        (text, k, map)
    }

    fn find_label(&self, prog: usize, label: &str, from: usize) -> Option<usize> {
        let lines = &self.programs[prog].src.lines;
        let wanted = label.trim_start_matches(':');
        let is_label = |i: &usize| {
            let t = lines[*i].trim_start().trim_start_matches('@');
            t.strip_prefix(':').is_some_and(|rest| {
                let name = rest
                    .split(|c: char| c.is_whitespace() || c == ':' || c == '+')
                    .next()
                    .unwrap_or("");
                !name.is_empty() && name.eq_ignore_ascii_case(wanted)
            })
        };
        (from.min(lines.len())..lines.len())
            .find(is_label)
            .or_else(|| (0..from.min(lines.len())).find(is_label))
    }

    fn cx<'b>(&'b self, frame: &'b Frame) -> expand::Ctx<'b> {
        expand::Ctx {
            vars: &self.vars,
            args: &frame.args,
            errorlevel: self.errorlevel,
        }
    }

    fn line(&mut self, prog: usize, pc: usize, text: &str, frame: &mut Frame) -> Flow {
        if text.trim_start().starts_with(':') {
            return Flow::Next;
        }
        let expanded = expand::percent(text, &self.cx(frame));
        match parse::parse(&expanded) {
            Ok(node) => self.node(&node, prog, frame),
            Err(e) => {
                let message = match e {
                    ParseError::Unclosed => "a '(' is never closed".to_string(),
                    ParseError::Syntax(m) => m,
                };
                let shown = expanded.lines().next().unwrap_or("").trim().to_string();
                self.record(
                    Status::Failed,
                    prog,
                    pc,
                    &shown,
                    "",
                    message,
                    "cmd.exe stops the batch file at a syntax error: fix this line",
                );
                Flow::Exit
            }
        }
    }

    fn phys(&self, part: usize) -> usize {
        self.line_map
            .get(part)
            .or(self.line_map.last())
            .copied()
            .unwrap_or(0)
    }

    fn node(&mut self, n: &Node, prog: usize, frame: &mut Frame) -> Flow {
        match n {
            Node::Nothing => Flow::Next,
            Node::Simple(s) => {
                let line = self.phys(s.line);
                self.simple(&s.text, prog, line, frame)
            }
            Node::Block(items) => {
                for i in items {
                    let f = self.node(i, prog, frame);
                    if f != Flow::Next {
                        return f;
                    }
                }
                Flow::Next
            }
            Node::Seq(a, op, b) => {
                let f = self.node(a, prog, frame);
                if f != Flow::Next {
                    return f;
                }
                let go = match op {
                    Op::Then => true,
                    Op::And => self.last_ok,
                    Op::Or => !self.last_ok,
                };
                if go {
                    self.node(b, prog, frame)
                } else {
                    Flow::Next
                }
            }
            Node::Pipe(left, _) => self.node(left, prog, frame),
            Node::If(i) => {
                let mut yes = self.cond(&i.cond, i.ignore_case, frame);
                if i.not {
                    yes = !yes;
                }
                if yes {
                    self.node(&i.then, prog, frame)
                } else if let Some(o) = &i.otherwise {
                    self.node(o, prog, frame)
                } else {
                    Flow::Next
                }
            }
            Node::For(f) => self.for_loop(f, prog, frame),
        }
    }

    fn late(&self, text: &str, frame: &Frame) -> String {
        if self.delayed {
            expand::delayed(text, &self.cx(frame))
        } else {
            text.to_string()
        }
    }

    fn cond(&self, c: &Cond, ignore_case: bool, frame: &Frame) -> bool {
        match c {
            Cond::Compare(a, op, b) => {
                let (a, b) = (self.late(a, frame), self.late(b, frame));
                let num = |s: &str| expand::unquote(s).trim().parse::<i64>().ok();
                let ord = match (num(&a), num(&b)) {
                    (Some(x), Some(y)) if op != "==" => x.cmp(&y),
                    _ if ignore_case => a.to_lowercase().cmp(&b.to_lowercase()),
                    _ => a.cmp(&b),
                };
                match op.as_str() {
                    "neq" => ord.is_ne(),
                    "lss" => ord.is_lt(),
                    "leq" => ord.is_le(),
                    "gtr" => ord.is_gt(),
                    "geq" => ord.is_ge(),
                    _ => ord.is_eq(),
                }
            }
            Cond::Defined(v) => self.vars.defined(&self.late(v, frame)),
            Cond::Exist(f) => {
                let f = self.late(f, frame);
                self.files.exists(expand::unquote(&f))
            }
            Cond::Errorlevel(n) => self
                .late(n, frame)
                .trim()
                .parse::<i32>()
                .is_ok_and(|n| self.errorlevel >= n),
        }
    }

    fn for_loop(&mut self, f: &parse::For, prog: usize, frame: &mut Frame) -> Flow {
        let line = self.phys(f.line);
        let set = self.late(&f.set, frame);
        let rows: Vec<Vec<String>> = match f.switch.as_str() {
            "/l" => {
                let n: Vec<i64> = set
                    .split([',', ' ', '\t'])
                    .filter(|s| !s.is_empty())
                    .map(|s| s.trim().parse().unwrap_or(0))
                    .collect();
                let (start, step, end) = (
                    n.first().copied().unwrap_or(0),
                    n.get(1).copied().unwrap_or(1),
                    n.get(2).copied().unwrap_or(0),
                );
                let mut v = Vec::new();
                let mut x = start;
                while step != 0 && ((step > 0 && x <= end) || (step < 0 && x >= end)) {
                    v.push(vec![x.to_string()]);
                    if v.len() > MAX_STEPS {
                        break;
                    }
                    x += step;
                }
                v
            }
            "/f" => match self.for_f_lines(&set, prog, line) {
                Some(lines) => lines
                    .iter()
                    .skip(for_f_skip(&f.options))
                    .filter_map(|l| for_f_tokens(l, &f.options))
                    .collect(),
                None => return Flow::Next,
            },
            _ => {
                let mut v = Vec::new();
                for item in split_items(&set) {
                    if item.contains(['*', '?']) {
                        self.record(
                            Status::Skipped,
                            prog,
                            line,
                            &format!("for … in ({item})"),
                            &item,
                            "a for over file names (wildcards) is not evaluated: ipsedit \
                             does not list folders"
                                .into(),
                            "",
                        );
                        continue;
                    }
                    v.push(vec![item]);
                }
                v
            }
        };
        for values in rows {
            let mut body = f.body.clone();
            for (k, v) in values.iter().enumerate() {
                let var = char::from_u32(f.var as u32 + k as u32).unwrap_or(f.var);
                body = expand::for_var(&body, var, v);
            }
            let node = match parse::parse(&body) {
                Ok(n) => n,
                Err(_) => {
                    self.record(
                        Status::Failed,
                        prog,
                        line,
                        body.trim(),
                        "",
                        "the body of the for loop cannot be parsed".into(),
                        "fix the command after `do`",
                    );
                    return Flow::Exit;
                }
            };
            let saved = std::mem::replace(&mut self.line_map, vec![line]);
            let flow = self.node(&node, prog, frame);
            self.line_map = saved;
            if flow != Flow::Next {
                return flow;
            }
        }
        Flow::Next
    }

    /// The lines a `for /f` reads: a literal string, or a file; command output is skipped.
    fn for_f_lines(&mut self, set: &str, prog: usize, line: usize) -> Option<Vec<String>> {
        let t = set.trim();
        if let Some(s) = t.strip_prefix('"') {
            return Some(vec![s.strip_suffix('"').unwrap_or(s).to_string()]);
        }
        if t.starts_with('\'') || t.starts_with('`') {
            self.record(
                Status::Skipped,
                prog,
                line,
                &format!("for /f … in ({t})"),
                t,
                "a for /f over a command's output is not evaluated: ipsedit runs nothing".into(),
                "",
            );
            return None;
        }
        match self.files.read(t) {
            Some(bytes) => Some(Source::new(&bytes, self.opts.encoding).lines),
            None => {
                self.record(
                    Status::Skipped,
                    prog,
                    line,
                    &format!("for /f … in ({t})"),
                    t,
                    format!("the file '{t}' cannot be read next to the script"),
                    "put the file beside the script (paths are relative to its folder)",
                );
                None
            }
        }
    }

    fn simple(&mut self, text: &str, prog: usize, line: usize, frame: &mut Frame) -> Flow {
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
            _ => self.command(word, rest, text, prog, line),
        }
    }

    fn chcp(&mut self, rest: &str, prog: usize, line: usize) {
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

    fn answer(&self, name: &str) -> Option<String> {
        self.opts
            .sets
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// Interactive input without a `--set` answer.
    fn needs_input(&mut self, prog: usize, line: usize, what: &str, name: &str) -> Flow {
        let file = self.programs[prog].name.clone();
        let message = format!(
            "'{what}' waits for input into {name}: give the answer with --set {name}=VALUE"
        );
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

    fn choice(&mut self, rest: &str, prog: usize, line: usize) -> Flow {
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
            (Some(d), Some(_)) => Some(d),
            _ => self.answer("CHOICE"),
        };
        let Some(pick) = pick else {
            return self.needs_input(prog, line, "choice", "CHOICE");
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

    fn set(&mut self, rest: &str, prog: usize, line: usize) -> Flow {
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
                Some(v) => {
                    self.vars.set(&name, &v);
                    Flow::Next
                }
                None => self.needs_input(prog, line, &format!("set /p {name}="), &name),
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
    fn arith(&mut self, part: &str) -> Result<(), String> {
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

    fn call(&mut self, rest: &str, prog: usize, line: usize, frame: &mut Frame) -> Flow {
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

    fn call_file(&mut self, target: &str, args_text: &str, prog: usize, line: usize) -> Flow {
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

    /// The 1-based column of `token` in a physical line (its first non-blank when absent).
    pub fn column(&self, prog: usize, line: usize, token: &str) -> usize {
        let text = self
            .programs
            .get(prog)
            .and_then(|p| p.src.lines.get(line))
            .map(String::as_str)
            .unwrap_or("");
        let hay = text.to_ascii_lowercase();
        let needle = token.to_ascii_lowercase();
        let at = if needle.is_empty() {
            None
        } else {
            hay.find(&needle)
        };
        let byte = at.unwrap_or_else(|| text.len() - text.trim_start().len());
        text[..byte].chars().count() + 1
    }

    /// Records one counted command; a failure in all-or-nothing mode refuses the run.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        status: Status,
        prog: usize,
        line: usize,
        command: &str,
        token: &str,
        message: String,
        hint: &str,
    ) -> Flow {
        let file = self
            .programs
            .get(prog)
            .map_or(String::new(), |p| p.name.clone());
        let column = self.column(prog, line, token);
        match status {
            Status::Applied => {
                self.errorlevel = 0;
                self.last_ok = true;
            }
            Status::Failed => {
                self.errorlevel = 1;
                self.last_ok = false;
            }
            Status::Skipped => self.last_ok = true,
        }
        if status == Status::Failed && !self.opts.continue_on_error {
            let mut m = format!("{file}:{}:{column}: {message}", line + 1);
            if !token.is_empty() {
                m.push_str(&format!(" (at '{token}')"));
            }
            if !hint.is_empty() {
                m.push_str(&format!("\n  fix: {hint}"));
            }
            m.push_str(
                "\n  nothing was applied: a run is all or nothing; add --continue-on-error to \
                 apply every command that can be applied and report the others",
            );
            self.out.refused = Some(m);
        }
        self.out.entries.push(Entry {
            status,
            file,
            line: line + 1,
            column,
            command: command.to_string(),
            message,
            hint: hint.to_string(),
        });
        if self.out.refused.is_some() {
            Flow::Stop
        } else {
            Flow::Next
        }
    }
}

fn goto(label: &str) -> Flow {
    let l = label.trim().trim_start_matches(':');
    if l.eq_ignore_ascii_case("eof") {
        Flow::Return
    } else {
        Flow::Goto(l.to_string())
    }
}
