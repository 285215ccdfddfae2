//! `for` loops: `for %%x in (list)`, `for /L`, and `for /f` over a string or a file beside
//! the script, each body run once per item (so each run counts). Part of the interpreter
//! (`exec`); never touches the policy itself.

use super::super::Status;
use super::super::decode::Source;
use super::super::expand;
use super::super::parse;
use super::super::words::{for_f_skip, for_f_tokens, split_items};
use super::*;

impl Interp<'_> {
    pub(super) fn for_loop(&mut self, f: &parse::For, prog: usize, frame: &mut Frame) -> Flow {
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
    pub(super) fn for_f_lines(
        &mut self,
        set: &str,
        prog: usize,
        line: usize,
    ) -> Option<Vec<String>> {
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
}
