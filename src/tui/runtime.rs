//! Performs effects: store saves and reloads, recovery copies, engine runs (on a worker
//! thread in the real loop, inline in tests). `dispatch` is the Elm loop without a
//! terminal: update, perform, feed answers back; tests drive the app through it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use super::action::{Action, AnalyzeRequest, Effect, SaveFailure};
use super::analysis::{Analysis, analyze};
use super::app::App;
use super::update::update;
use crate::core::model::Snapshot;
use crate::core::store::{Store, StoreError};

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
}

impl Runtime {
    /// Engine runs happen inline: for tests and measurements.
    pub fn inline(store: Box<dyn Store>) -> Runtime {
        Runtime {
            store,
            analyzer: Analyzer::Inline,
            recovered: Vec::new(),
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
            Effect::Quit => Vec::new(),
        }
    }

    fn write_recovery(&mut self, s: &Snapshot) -> Result<PathBuf, String> {
        let path = recovery_path(&self.store.describe());
        write_atomic(&path, s).map_err(|e| format!("{}: {e}", path.display()))?;
        self.recovered.push(path.clone());
        Ok(path)
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

/// A recovery file beside the store directory (`STORE.recovery-UNIXTIME.ron`), or in the
/// temp directory when the store is not a directory on disk.
pub fn recovery_path(store: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let p = Path::new(store);
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) if p.is_dir() => {
            let dir = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            dir.join(format!("{}.recovery-{secs}.ron", name.to_string_lossy()))
        }
        _ => std::env::temp_dir().join(format!(
            "ipsedit.recovery-{secs}-{}.ron",
            std::process::id()
        )),
    }
}

/// Temp file, fsync, rename: a crash leaves either no recovery file or a whole one.
fn write_atomic(path: &Path, s: &Snapshot) -> std::io::Result<()> {
    let text = ron::ser::to_string_pretty(s, ron::ser::PrettyConfig::default())
        .map_err(std::io::Error::other)?;
    let tmp = path.with_extension("ron.tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(b"// ipsedit recovery copy: unsaved edits of a TUI session (a Snapshot).\n")?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
