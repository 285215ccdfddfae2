//! Performs effects: store saves and reloads, recovery copies, engine runs (on a worker
//! thread in the real loop, inline in tests). `dispatch` is the Elm loop without a
//! terminal: update, perform, feed answers back; tests drive the app through it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use super::action::{Action, AnalyzeRequest, Effect, ExportFormat, SaveFailure};
use super::analysis::{Analysis, analyze};
use super::app::App;
use super::files;
use super::update::update;
use crate::core::interchange::{export_ipseccmd, netsh};
use crate::core::model::Snapshot;
use crate::core::store::{FileStore, Revision, Store, StoreError};

/// Where engine runs happen.
enum Analyzer {
    /// In the caller's thread, answered at once (tests, measurements).
    Inline,
    /// On a worker thread, so no frame ever waits for the engine.
    Worker {
        requests: Sender<AnalyzeRequest>,
        answers: Receiver<Analysis>,
    },
}

pub struct Runtime {
    store: Box<dyn Store>,
    analyzer: Analyzer,
    /// Recovery copies written this session, reported after the terminal is restored.
    pub recovered: Vec<PathBuf>,
    /// Where recovery copies go instead of the state directory (tests).
    pub recovery_dir: Option<PathBuf>,
}

impl Runtime {
    /// Engine runs happen inline: for tests and measurements.
    pub fn inline(store: Box<dyn Store>) -> Runtime {
        Runtime {
            store,
            analyzer: Analyzer::Inline,
            recovered: Vec::new(),
            recovery_dir: None,
        }
    }

    /// Engine runs happen on a worker thread that always takes the newest request, so a
    /// burst of edits costs one run, not a queue of them.
    pub fn with_worker(store: Box<dyn Store>) -> Runtime {
        let (req_tx, req_rx) = mpsc::channel::<AnalyzeRequest>();
        let (ans_tx, ans_rx) = mpsc::channel();
        thread::spawn(move || {
            while let Ok(mut req) = req_rx.recv() {
                while let Ok(newer) = req_rx.try_recv() {
                    req = newer;
                }
                if ans_tx.send(analyze(&req)).is_err() {
                    break;
                }
            }
        });
        Runtime {
            store,
            analyzer: Analyzer::Worker {
                requests: req_tx,
                answers: ans_rx,
            },
            recovered: Vec::new(),
            recovery_dir: None,
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Engine answers that arrived since the last call (worker mode).
    pub fn answers(&self) -> Vec<Action> {
        match &self.analyzer {
            Analyzer::Inline => Vec::new(),
            Analyzer::Worker { answers, .. } => answers
                .try_iter()
                .map(|a| Action::Analyzed(Box::new(a)))
                .collect(),
        }
    }

    pub fn perform(&mut self, effect: Effect) -> Vec<Action> {
        match effect {
            Effect::Save {
                expected,
                snapshot,
                summary,
            } => {
                let result = match self.store.save(expected, &snapshot, &summary) {
                    Ok(rev) => Ok(rev),
                    Err(StoreError::Stale { found, .. }) => {
                        let recovery = self.write_recovery(&snapshot);
                        Err(SaveFailure::Stale { found, recovery })
                    }
                    Err(e) => Err(SaveFailure::Other(e.to_string())),
                };
                vec![Action::Saved(result)]
            }
            Effect::Analyze(req) => match &self.analyzer {
                Analyzer::Inline => vec![Action::Analyzed(Box::new(analyze(&req)))],
                Analyzer::Worker { requests, .. } => {
                    // A dead worker would leave diagnostics stale; fall back to inline.
                    if let Err(mpsc::SendError(req)) = requests.send(*req) {
                        vec![Action::Analyzed(Box::new(analyze(&req)))]
                    } else {
                        Vec::new()
                    }
                }
            },
            Effect::Reload => vec![Action::Loaded(
                self.store
                    .load()
                    .map(|l| Box::new((l.snapshot, l.revision)))
                    .map_err(|e| e.to_string()),
            )],
            Effect::WriteRecovery(snapshot) => {
                // Nothing to report back: the session is ending; the path is printed
                // after the terminal is restored.
                let _ = self.write_recovery(&snapshot);
                Vec::new()
            }
            Effect::SaveInto {
                dir,
                snapshot,
                summary,
            } => {
                let r = self.save_into(&dir, &snapshot, &summary);
                vec![Action::SavedInto(r.map(|rev| (rev, self.store.describe())))]
            }
            Effect::Export {
                format,
                path,
                snapshot,
            } => vec![Action::Exported(export(format, &path, &snapshot))],
            Effect::Replay { path, request } => vec![Action::Replayed(
                super::replay::run(&path, &request).map(Box::new),
            )],
            Effect::Diff { against, request } => {
                let store = &self.store;
                vec![Action::Diffed(super::diff::run(against, &request, |n| {
                    store.load_revision(n).map_err(|e| e.to_string())
                }))]
            }
            Effect::Quit => Vec::new(),
        }
    }

    fn write_recovery(&mut self, s: &Snapshot) -> Result<PathBuf, String> {
        let text = ron::ser::to_string_pretty(s, ron::ser::PrettyConfig::default())
            .map_err(|e| e.to_string())?;
        let text = format!(
            "// ipsedit recovery copy: unsaved edits of a TUI session on {} (a Snapshot).\n{text}",
            self.store.describe().replace(['\n', '\r'], " ")
        );
        let name = super::store_name(&self.store.describe());
        let path = files::write_recovery(self.recovery_dir.as_deref(), &name, &text)?;
        self.recovered.push(path.clone());
        Ok(path)
    }

    /// `:w DIR` in a scratch session: saves into the file store at DIR (created by the
    /// first save), which then becomes the session's store.
    fn save_into(&mut self, dir: &Path, s: &Snapshot, summary: &str) -> Result<Revision, String> {
        let store = FileStore::open(dir);
        let current = store.load().map_err(|e| e.to_string())?.revision;
        let rev = store.save(current, s, summary).map_err(|e| e.to_string())?;
        self.store = Box::new(store);
        Ok(rev)
    }
}

/// Runs one action through `update`, performs its effects and feeds their answers back,
/// until nothing is left to do.
pub fn dispatch(app: &mut App, rt: &mut Runtime, action: Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in update(app, a) {
            let mut answers = rt.perform(effect);
            answers.reverse();
            queue.extend(answers);
        }
    }
}

/// Writes the snapshot as a script; returns what to tell the user (warnings included).
fn export(format: ExportFormat, path: &Path, s: &Snapshot) -> Result<String, String> {
    let (script, warnings) = match format {
        ExportFormat::Netsh => {
            let e = netsh::export_script(s, None).map_err(|e| match e {
                netsh::ExportError::NoSuchPolicy(n) => format!("no policy named {n:?}"),
                netsh::ExportError::Inexpressible(m) => m,
            })?;
            (e.script, e.warnings)
        }
        ExportFormat::Ipseccmd => {
            let e =
                export_ipseccmd::export(s, None).map_err(|n| format!("no policy named {n:?}"))?;
            (e.script, e.lost)
        }
    };
    files::write_atomic(path, &script)?;
    let n = warnings.len();
    Ok(match n {
        0 => format!("exported to {}", path.display()),
        _ => format!(
            "exported to {} with {n} {}: {}",
            path.display(),
            if n == 1 { "warning" } else { "warnings" },
            warnings.join("; ")
        ),
    })
}
