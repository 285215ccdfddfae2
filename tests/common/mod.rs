//! Helpers shared by the CLI integration tests: run the real binary on a temporary store
//! and compare store directories byte for byte.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ipsedit")
}

/// Runs `ipsedit --store DIR ARGS…` with a clean environment for the store variable.
pub fn ipsedit(store: &Path, args: &[&str]) -> Run {
    ipsedit_in(Path::new(env!("CARGO_MANIFEST_DIR")), store, args)
}

/// `ipsedit` run from the folder `cwd` (relative paths in its arguments resolve there).
pub fn ipsedit_in(cwd: &Path, store: &Path, args: &[&str]) -> Run {
    Command::new(bin())
        .current_dir(cwd)
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("IPSEDIT_STORE")
        .env("NO_COLOR", "1")
        .output()
        .expect("the ipsedit binary runs")
        .into()
}

/// Every file under `dir` with its bytes, for byte-identical comparisons.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// `show --json` parsed.
pub fn show_json(store: &Path) -> serde_json::Value {
    let r = ipsedit(store, &["show", "--json"]);
    r.ok();
    serde_json::from_str(&r.stdout).expect("show --json prints JSON")
}

/// The repository's samples folder.
pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The tracked `samples/` folder byte for byte, taken before a test opens it. `check`
/// fails, naming each file added, removed or changed since: opening a sample (`--from`,
/// `--store samples/...`, a script read by `netsh -f`) must never write to it.
pub struct SamplesUnchanged(BTreeMap<PathBuf, Vec<u8>>);

impl SamplesUnchanged {
    pub fn take() -> Self {
        let before = tree(&samples());
        assert!(!before.is_empty(), "the samples folder is missing");
        SamplesUnchanged(before)
    }

    pub fn check(&self) {
        let now = tree(&samples());
        let changed: std::collections::BTreeSet<String> = self
            .0
            .keys()
            .chain(now.keys())
            .filter(|k| self.0.get(*k) != now.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        assert!(
            changed.is_empty(),
            "the tracked samples changed: {changed:?} (restore them with `git checkout samples/`)"
        );
    }
}
