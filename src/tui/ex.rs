//! The `:` command line: `:assign NAME`, `:unassign`, `:os PROFILE`, `:exempt 0..3|default`,
//! `:w [DIR]`, `:export netsh|ipseccmd FILE`, `:q`, `:q!`, `:wq`, `:e!`, `:theme NAME`, `:help`. Unlike view 4's preview keys,
//! `:os` and `:exempt` change the stored host context (as undoable edits).

use super::action::{Command, Effect, ExportFormat};
use super::app::{App, Mode};
use super::cursor;
use super::edit::Target;
use super::theme::Theme;
use super::update::{edit, run as run_command, save};
use crate::core::model::OsProfile;

/// The commands, for `:help` and error messages.
pub const COMMANDS: &str = ":assign NAME  :unassign  :os PROFILE  :exempt 0-3|default  :w [DIR]  :export netsh|ipseccmd FILE  :q  :q!  :wq  :e!  :theme NAME  :replay FILE|off  :diff REV|preview";

pub fn run(app: &mut App, line: &str) -> Vec<Effect> {
    let line = line.trim().trim_start_matches(':').trim();
    let (cmd, arg) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    match cmd {
        "" => Vec::new(),
        // Same rule as Ctrl-s: an unchanged document is not saved again, so repeated `:w`
        // cannot push real revisions out of the 20 the store keeps.
        "w" | "write" if arg.is_empty() => run_command(app, Command::Save),
        "w" | "write" => save_into(app, arg, false),
        "wq" | "x" if app.scratch && !arg.is_empty() => save_into(app, arg, true),
        "wq" | "x" if app.scratch => fail(app, super::update::SCRATCH_SAVE.to_string()),
        "export" => export(app, arg),
        "q" | "quit" => run_command(app, Command::Quit),
        "q!" | "quit!" => {
            app.quit = true;
            let mut fx = Vec::new();
            if app.doc.dirty() {
                // Even a forced quit keeps the edits somewhere: cheap insurance.
                fx.push(Effect::WriteRecovery(Box::new(app.doc.snapshot.clone())));
            }
            fx.push(Effect::Quit);
            fx
        }
        "wq" | "x" => {
            if app.doc.dirty() || app.doc.revision == 0 {
                app.quit_after_save = true;
                vec![save(app)]
            } else {
                app.quit = true;
                vec![Effect::Quit]
            }
        }
        "e!" | "reload" => vec![Effect::Reload],
        "assign" => assign(app, arg),
        "unassign" => {
            let fx = edit(app, "unassign", |s| s.assigned = None);
            app.info("no policy is assigned now");
            fx
        }
        "os" => match OsProfile::from_id(arg) {
            Some(p) => {
                let fx = edit(app, &format!("set OS profile {p}"), |s| s.host.profile = p);
                app.info(format!("OS profile is now {p} (stored; Ctrl-s saves)"));
                fx
            }
            None => fail(
                app,
                format!(
                    "unknown OS profile {arg:?}: use one of {}",
                    OsProfile::ids()
                ),
            ),
        },
        "exempt" => {
            let value = match arg {
                "default" | "absent" => Ok(None),
                v => v
                    .parse::<u32>()
                    .ok()
                    .filter(|v| *v <= 3)
                    .map(Some)
                    .ok_or(()),
            };
            match value {
                Ok(v) => {
                    let fx = edit(app, "set NoDefaultExempt", |s| s.host.no_default_exempt = v);
                    let shown = v.map_or("absent (profile default)".to_string(), |v| v.to_string());
                    app.info(format!(
                        "NoDefaultExempt is now {shown} (stored; Ctrl-s saves)"
                    ));
                    fx
                }
                Err(()) => fail(
                    app,
                    format!("NoDefaultExempt {arg:?}: use 0, 1, 2, 3 or default"),
                ),
            }
        }
        "theme" => match Theme::select(Some(arg), false) {
            Ok(t) => {
                app.info(format!("theme {}", t.name));
                app.theme = t;
                Vec::new()
            }
            Err(e) => fail(app, e),
        },
        "replay" => replay(app, arg),
        "diff" => match crate::tui::diff::parse(arg) {
            Ok(against) => vec![Effect::Diff {
                against,
                request: Box::new(crate::tui::action::AnalyzeRequest {
                    generation: app.generation,
                    snapshot: app.doc.snapshot.clone(),
                    preview: app.preview,
                }),
            }],
            Err(e) => fail(app, e),
        },
        "help" | "h" => {
            app.mode = Mode::Help(0);
            Vec::new()
        }
        other => fail(
            app,
            format!("unknown command :{other}; commands: {COMMANDS}"),
        ),
    }
}

fn assign(app: &mut App, name: &str) -> Vec<Effect> {
    let name = name.trim_matches('"');
    let Some(p) = app.doc.snapshot.policy_named(name) else {
        let known: Vec<String> = app
            .doc
            .snapshot
            .policies
            .iter()
            .map(|p| format!("{:?}", p.name))
            .collect();
        return fail(
            app,
            format!("no policy named {name:?}; policies: {}", known.join(", ")),
        );
    };
    let (id, pname) = (p.id, p.name.clone());
    let fx = edit(app, &format!("assign {pname}"), |s| s.assigned = Some(id));
    cursor::select(app, Target::Policy(id));
    app.info(format!("assigned {pname:?} (Ctrl-s saves)"));
    fx
}

fn save_into(app: &mut App, dir: &str, then_quit: bool) -> Vec<Effect> {
    let dir = dir.trim_matches('"');
    app.quit_after_save = then_quit;
    vec![Effect::SaveInto {
        dir: dir.into(),
        snapshot: Box::new(app.doc.snapshot.clone()),
        summary: app.doc.summary(),
    }]
}

fn export(app: &mut App, arg: &str) -> Vec<Effect> {
    let (fmt, file) = match arg.split_once(char::is_whitespace) {
        Some((f, p)) => (f, p.trim().trim_matches('"')),
        None => (arg, ""),
    };
    let format = match fmt {
        "netsh" => ExportFormat::Netsh,
        "ipseccmd" => ExportFormat::Ipseccmd,
        _ => {
            return fail(
                app,
                format!("export {fmt:?}: use :export netsh FILE or :export ipseccmd FILE"),
            );
        }
    };
    if file.is_empty() {
        return fail(app, format!(":export {fmt} needs a FILE to write"));
    }
    vec![Effect::Export {
        format,
        path: file.into(),
        snapshot: Box::new(app.doc.snapshot.clone()),
    }]
}

/// `:replay FILE` (pcap or pcapng) counts hits per row of the table on screen, preview
/// included; `:replay off` hides the hits.
fn replay(app: &mut App, arg: &str) -> Vec<Effect> {
    let file = arg.trim().trim_matches('"');
    if file.is_empty() {
        return fail(app, ":replay needs a capture FILE (pcap or pcapng)".into());
    }
    if file == "off" {
        app.replay = None;
        app.info("replay hits hidden");
        return Vec::new();
    }
    vec![Effect::Replay {
        path: file.into(),
        request: Box::new(crate::tui::action::AnalyzeRequest {
            generation: app.generation,
            snapshot: app.doc.snapshot.clone(),
            preview: app.preview,
        }),
    }]
}

fn fail(app: &mut App, msg: String) -> Vec<Effect> {
    app.error(msg);
    Vec::new()
}
