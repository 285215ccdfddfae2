//! The interpreter: runs logical lines from a program counter, following `goto`,
//! `call :label` (with its own `%1`..`%9`), `call file.bat`, `if`, `for`, blocks,
//! `setlocal`/`endlocal`, `shift`, `exit [/b]`, `chcp` and interactive input (`set /p`,
//! `choice`), with bounds on steps and nesting. What a command does to the policy is in
//! `commands`. Pure: files come from [`Files`].

mod builtins;
mod loops;

use super::decode::Source;
use super::expand::{self, Vars};
use super::parse::{self, Cond, Node, Op, ParseError};
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
    /// Prompts answered so far per variable (lower case): the next `--set` answer to use.
    answered: Vec<(String, usize)>,
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
            answered: Vec::new(),
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
