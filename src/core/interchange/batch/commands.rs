//! What the interpreter does with a command that is not batch control flow: the IPsec
//! commands are applied (`netsh[.exe] [-c ctx] ipsec …`, `netsh -f FILE`, `netsh exec FILE`,
//! `ipseccmd[.exe]`, `ipsecpol[.exe]`, `reg add|delete …\Services\IPSEC /v NoDefaultExempt`,
//! `net|sc stop|start policyagent`); everything else is skipped with the reason.

use super::Status;
use super::decode::Source;
use super::exec::{Flow, Interp, MAX_FILE_DEPTH};
use super::expand::unquote;
use crate::core::interchange::{ipseccmd, netsh};

const IPSEC_KEY: &str = "hklm\\system\\currentcontrolset\\services\\ipsec";

/// The program a command word names: its file name, lower-cased, without `.exe` or quotes.
fn program(word: &str) -> String {
    let w = unquote(word);
    let last = w
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(w)
        .to_ascii_lowercase();
    last.strip_suffix(".exe").unwrap_or(&last).to_string()
}

/// Words of a command line; quotes kept on the words.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if !quoted && c.is_whitespace() {
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

impl Interp<'_> {
    pub(super) fn command(
        &mut self,
        word: &str,
        rest: &str,
        text: &str,
        prog: usize,
        line: usize,
    ) -> Flow {
        match program(word).as_str() {
            "netsh" => self.netsh(rest, text, prog, line),
            "ipseccmd" | "ipsecpol" => self.ipseccmd(&program(word), text, prog, line),
            "reg" => self.reg(rest, text, prog, line),
            "net" | "sc" => self.service(&program(word), rest, text, prog, line),
            other => self.skip(prog, line, text, format!("not an IPsec command ({other})")),
        }
    }

    fn skip(&mut self, prog: usize, line: usize, text: &str, why: String) -> Flow {
        let first = text.split_whitespace().next().unwrap_or("").to_string();
        self.record(Status::Skipped, prog, line, text, &first, why, "")
    }

    fn netsh(&mut self, rest: &str, text: &str, prog: usize, line: usize) -> Flow {
        let w = words(rest);
        let mut i = 0;
        let mut context: Option<String> = None;
        while let Some(opt) = w.get(i) {
            let o = opt.to_ascii_lowercase();
            match o.as_str() {
                "-c" | "/c" => {
                    context = w.get(i + 1).cloned();
                    i += 2;
                }
                "-f" | "/f" => {
                    let file = w.get(i + 1).cloned().unwrap_or_default();
                    return self.netsh_file(&file, text, prog, line);
                }
                "-a" | "/a" => i += 2,
                "-r" | "/r" | "-u" | "/u" | "-p" | "/p" => {
                    return self.skip(
                        prog,
                        line,
                        text,
                        "netsh on a remote computer (-r/-u/-p) is not modelled: ipsedit \
                         edits this computer's store"
                            .into(),
                    );
                }
                _ => break,
            }
        }
        if w.get(i).is_some_and(|x| x.eq_ignore_ascii_case("exec")) {
            let file = w.get(i + 1).cloned().unwrap_or_default();
            return self.netsh_file(&file, text, prog, line);
        }
        let cmd: Vec<String> = context
            .into_iter()
            .chain(w[i.min(w.len())..].iter().cloned())
            .collect();
        let Some(first) = cmd.first() else {
            return self.skip(
                prog,
                line,
                text,
                "netsh without a command opens its interactive shell".into(),
            );
        };
        if !netsh::is_ipsec_context(first) {
            return self.skip(
                prog,
                line,
                text,
                format!(
                    "not an IPsec command (netsh {})",
                    first.to_ascii_lowercase()
                ),
            );
        }
        let joined = format!("netsh {}", cmd.join(" "));
        match netsh::apply_command(self.snap, &joined, line + 1) {
            Ok(Some(a)) => {
                let message = if a.changes.is_empty() {
                    if a.output.is_empty() {
                        "nothing changed".to_string()
                    } else {
                        "shown".to_string()
                    }
                } else {
                    a.changes.join("; ")
                };
                self.out.changes.extend(a.changes);
                self.out.output.extend(a.output);
                let file = self.programs[prog].name.clone();
                self.out.warnings.extend(
                    a.warnings
                        .into_iter()
                        .map(|m| format!("{file}:{}: {m}", line + 1)),
                );
                self.record(Status::Applied, prog, line, text, "", message, "")
            }
            Ok(None) => self.skip(
                prog,
                line,
                text,
                "only a netsh context: netsh would wait for commands".into(),
            ),
            Err(e) => self.record(
                Status::Failed,
                prog,
                line,
                text,
                &e.token,
                e.message,
                &e.hint,
            ),
        }
    }

    /// `netsh -f FILE` / `netsh exec FILE`: a netsh script (netsh's rules, not batch),
    /// each command line counted.
    fn netsh_file(&mut self, file: &str, text: &str, prog: usize, line: usize) -> Flow {
        let path = unquote(file).to_string();
        if self.programs.len() > MAX_FILE_DEPTH {
            return self.skip(
                prog,
                line,
                text,
                format!("files nested more than {MAX_FILE_DEPTH} deep: '{path}' not followed"),
            );
        }
        let Some(bytes) = self.files.read(&path) else {
            return self.record(
                Status::Failed,
                prog,
                line,
                text,
                file,
                format!("cannot read the netsh script '{path}' next to the batch file"),
                "put it beside the batch file (paths are relative to its folder)",
            );
        };
        let src = Source::new(&bytes, self.opts.encoding);
        let body = src.lines.join("\n");
        let results = netsh::apply_each(self.snap, &body);
        self.programs.push(super::exec::Program {
            name: path.clone(),
            src,
        });
        let idx = self.programs.len() - 1;
        let mut flow = Flow::Next;
        for (n, r) in results {
            let shown = self.programs[idx]
                .src
                .lines
                .get(n - 1)
                .map(|l| l.trim().to_string())
                .unwrap_or_default();
            let f = match r {
                Ok(a) => {
                    let message = if a.changes.is_empty() {
                        "nothing changed".to_string()
                    } else {
                        a.changes.join("; ")
                    };
                    self.out.changes.extend(a.changes);
                    self.out.output.extend(a.output);
                    self.out
                        .warnings
                        .extend(a.warnings.into_iter().map(|m| format!("{path}:{n}: {m}")));
                    self.record(Status::Applied, idx, n - 1, &shown, "", message, "")
                }
                Err(e) => self.record(
                    Status::Failed,
                    idx,
                    n - 1,
                    &shown,
                    &e.token,
                    e.message,
                    &e.hint,
                ),
            };
            if f == Flow::Stop {
                flow = Flow::Stop;
                break;
            }
        }
        self.programs.pop();
        flow
    }

    fn ipseccmd(&mut self, tool: &str, text: &str, prog: usize, line: usize) -> Flow {
        let all = ipseccmd::split_command_line(text);
        let args = ipseccmd::strip_program_name(&all).to_vec();
        if args.is_empty() {
            return self.skip(
                prog,
                line,
                text,
                format!("{tool} without arguments prints its help"),
            );
        }
        if args[0].eq_ignore_ascii_case("show") {
            return self.skip(
                prog,
                line,
                text,
                format!("{tool} show only prints (use ipsedit show or ipsedit table)"),
            );
        }
        let result = ipseccmd::apply_as(self.snap, tool, &args);
        // ipseccmd may delete or replace lists and actions: netsh's name index must not
        // trust what it saw before.
        netsh::forget_names();
        match result {
            Ok(o) => {
                let message = if o.changes.is_empty() {
                    "nothing changed".to_string()
                } else {
                    o.changes.join("; ")
                };
                let file = self.programs[prog].name.clone();
                self.out.changes.extend(o.changes);
                self.out.warnings.extend(
                    o.warnings
                        .into_iter()
                        .map(|m| format!("{file}:{}: {m}", line + 1)),
                );
                self.record(Status::Applied, prog, line, text, "", message, "")
            }
            Err(e) => self.record(
                Status::Failed,
                prog,
                line,
                text,
                &e.token,
                e.message,
                &e.hint,
            ),
        }
    }

    fn reg(&mut self, rest: &str, text: &str, prog: usize, line: usize) -> Flow {
        let w: Vec<String> = words(rest).iter().map(|x| unquote(x).to_string()).collect();
        let verb = w
            .first()
            .map(|v| v.to_ascii_lowercase())
            .unwrap_or_default();
        let key = w.get(1).map(|k| {
            let k = k.trim_end_matches('\\').to_ascii_lowercase();
            match k.strip_prefix("hkey_local_machine") {
                Some(r) => format!("hklm{r}"),
                None => k,
            }
        });
        let opt = |flag: &str| {
            w.iter()
                .position(|x| {
                    x.eq_ignore_ascii_case(&format!("/{flag}"))
                        || x.eq_ignore_ascii_case(&format!("-{flag}"))
                })
                .and_then(|i| w.get(i + 1))
                .cloned()
        };
        let value = opt("v");
        let ours = key.as_deref() == Some(IPSEC_KEY)
            && value
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case("NoDefaultExempt"));
        if !ours || !(verb == "add" || verb == "delete") {
            return self.skip(
                prog,
                line,
                text,
                "not an IPsec setting (only reg add|delete …\\Services\\IPSEC /v \
                 NoDefaultExempt is modelled)"
                    .into(),
            );
        }
        if verb == "delete" {
            self.snap.host.no_default_exempt = None;
            return self.record(
                Status::Applied,
                prog,
                line,
                text,
                "",
                "NoDefaultExempt removed: the OS default applies".into(),
                "",
            );
        }
        let data = opt("d").unwrap_or_default();
        let parsed = match data.strip_prefix("0x").or_else(|| data.strip_prefix("0X")) {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => data.parse::<u32>().ok(),
        };
        match parsed.filter(|n| *n <= 3) {
            Some(n) => {
                self.snap.host.no_default_exempt = Some(n);
                self.out.changes.push(format!("NoDefaultExempt set to {n}"));
                self.record(
                    Status::Applied,
                    prog,
                    line,
                    text,
                    "",
                    format!("NoDefaultExempt set to {n} (takes effect after a restart)"),
                    "",
                )
            }
            None => self.record(
                Status::Failed,
                prog,
                line,
                text,
                if data.is_empty() { "/v" } else { &data },
                format!("NoDefaultExempt takes 0, 1, 2 or 3, not '{data}'"),
                "write /t REG_DWORD /d 1 (see KB 811832)",
            ),
        }
    }

    fn service(&mut self, tool: &str, rest: &str, text: &str, prog: usize, line: usize) -> Flow {
        let w: Vec<String> = words(rest)
            .iter()
            .map(|x| unquote(x).to_ascii_lowercase())
            .filter(|x| !x.starts_with("\\\\"))
            .collect();
        let verb = w.first().map(String::as_str).unwrap_or("");
        let service = w.get(1..).unwrap_or(&[]).join(" ");
        let agent = service == "policyagent" || service == "ipsec services";
        if !agent || !(verb == "stop" || verb == "start") {
            return self.skip(
                prog,
                line,
                text,
                format!("not an IPsec command ({tool} {verb})"),
            );
        }
        if verb == "start" {
            return self.record(
                Status::Applied,
                prog,
                line,
                text,
                "",
                "policy agent started".into(),
                "",
            );
        }
        let n = self.snap.dynamic.len();
        self.snap.dynamic.clear();
        let m = format!(
            "policy agent stopped: {n} dynamic rule{} lost; the static policy is unchanged",
            if n == 1 { "" } else { "s" }
        );
        self.out.changes.push(m.clone());
        self.record(Status::Applied, prog, line, text, "", m, "")
    }
}
