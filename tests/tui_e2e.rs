//! End to end: the real binary in a real terminal (tmux `send-keys` / `capture-pane`) on a
//! copy of the KB 813878 sample store. View 4 shows the kerberos exemption on winxp-sp1;
//! NoDefaultExempt 1 removes it; a rule added through the form is saved and `ipsedit show
//! --json` has it. Skips, saying why, when tmux is not installed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "e2e", k]);
            // One key at a time, as a person types: each is its own event.
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Waits until the screen satisfies `ok`; panics with the screen otherwise.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Only this test's own server (its private socket), never anyone else's.
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("sample store") {
        let e = e.expect("entry");
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

/// False (after saying so) when tmux is missing outside CI; CI installs it (.ci/run), so
/// there a missing tmux is a failure, not a skip.
fn tmux_available() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "tui_e2e needs tmux in CI: .ci/run should have installed it"
    );
    eprintln!("SKIPPED tui_e2e: tmux is not installed (apt-get install tmux to run it)");
    false
}

/// Processes whose command line mentions `needle` (from /proc, no extra tools).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in dir.flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(needle) && !cmd.contains("tmux") {
                found.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
            }
        }
    }
    found
}

/// A copy of the KB 813878 sample store and the real binary opened on it in a private
/// tmux server at 80x24; `then` is appended to the command (e.g. `; sleep 5` to keep the
/// pane after exit, or nothing so the TUI itself owns the terminal).
fn open_sample(socket: &str, then: &str) -> (tempfile::TempDir, std::path::PathBuf, Tmux) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("kb813878");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/kb813878"),
        &store,
    );
    let bin = env!("CARGO_BIN_EXE_ipsedit");
    let tmux = Tmux {
        socket: format!("{socket}-{}", std::process::id()),
    };
    // Recovery copies go to the state directory, never beside the store.
    let cmd = format!(
        "env LANG=C.UTF-8 TERM=xterm-256color XDG_STATE_HOME={} {bin} --store {}{then}",
        tmp.path().join("state").display(),
        store.display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "80",
        "-y",
        "24",
        &cmd,
    ]);
    tmux.wait("the policies view", |s| s.contains("Block UDP 1434 Filter"));
    (tmp, store, tmux)
}

/// A dropped SSH session is a terminal that vanishes: the TUI must write its unsaved
/// edits to a recovery file and exit, not spin on the dead terminal (crossterm's default
/// event source loops on a read error; ipsedit uses its /dev/tty source, which reports it).
#[test]
fn a_dropped_terminal_ends_the_session_and_keeps_the_edits() {
    if !tmux_available() {
        return;
    }
    // No shell around it: the TUI itself owns the terminal that disappears.
    let (tmp, store, tmux) = open_sample("ipsedit-hup", "");
    tmux.keys(&["A"]);
    tmux.wait("the unsaved marker", |s| s.contains("[+]"));
    tmux.run(&["kill-server"]);

    let needle = store.display().to_string();
    let start = Instant::now();
    let state = tmp.path().join("state").join("ipsedit");
    let recovery = loop {
        let found = std::fs::read_dir(&state)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("kb813878.recovery-"));
        if let Some(name) = found
            && processes_mentioning(&needle).is_empty()
        {
            break state.join(name);
        }
        if start.elapsed() >= Duration::from_secs(10) {
            // Do not leave a spinning process behind a failed run.
            for p in processes_mentioning(&needle) {
                if let Some((pid, _)) = p.split_once(':') {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "after the terminal vanished: recovery file {:?}, still running {:?}",
            std::fs::read_dir(&state)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name())
                .collect::<Vec<_>>(),
            processes_mentioning(&needle)
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = std::fs::read_to_string(&recovery).expect("recovery file");
    assert!(text.contains("Block UDP 1434 Filter"), "{text}");
    assert_private(&state, &recovery);
    assert_eq!(
        std::fs::read_dir(tmp.path())
            .expect("tempdir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("recovery"))
            .count(),
        0,
        "nothing beside the store"
    );
    // The store itself was never touched: the edit (unassign) lives only in the copy.
    let store_text = std::fs::read_to_string(store.join("store.ron")).expect("store");
    assert!(store_text.contains("assigned: Some("), "{store_text}");
}

/// The state directory is 0700 and the recovery copy 0600.
fn assert_private(dir: &Path, file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    assert_eq!(mode(file), 0o600, "{}", file.display());
}

/// SIGTERM: the edits go to a recovery copy and the exit status is 128 + 15.
#[test]
fn sigterm_keeps_the_edits_and_exits_143() {
    if !tmux_available() {
        return;
    }
    let (tmp, store, tmux) = open_sample("ipsedit-term", "; echo EXIT=$?; sleep 5");
    tmux.keys(&["A"]);
    tmux.wait("the unsaved marker", |s| s.contains("[+]"));
    let needle = format!("--store {}", store.display());
    let procs = processes_mentioning(&needle);
    let pid = procs
        .iter()
        .find(|p| p.contains("ipsedit") && !p.contains("sh -c") && !p.contains("env "))
        .and_then(|p| p.split_once(':'))
        .map(|(pid, _)| pid.to_string())
        .unwrap_or_else(|| panic!("the TUI process among {procs:?}"));
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let screen = tmux.wait("the exit status", |s| s.contains("EXIT="));
    assert!(screen.contains("EXIT=143"), "{screen}");
    assert!(screen.contains("unsaved edits were written to"), "{screen}");
    let state = tmp.path().join("state").join("ipsedit");
    let files: Vec<_> = std::fs::read_dir(&state)
        .expect("state dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_private(&state, &files[0]);
}

#[test]
fn kerberos_row_goes_with_no_default_exempt_1_and_a_form_rule_is_saved() {
    if !tmux_available() {
        return;
    }
    let (_tmp, store, tmux) = open_sample("ipsedit-e2e", " ; sleep 5");
    let bin = env!("CARGO_BIN_EXE_ipsedit");

    tmux.keys(&["4"]);
    let s = tmux.wait("the effective table", |s| s.contains("weight"));
    assert!(s.contains("winxp-sp1"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.contains("exempt") && l.contains("88") && l.contains("kerberos")),
        "a kerberos exemption row for source port 88:\n{s}"
    );

    // View 6 stores NoDefaultExempt: absent -> 0 -> 1.
    tmux.keys(&["6", "]", "]", "4"]);
    let s = tmux.wait("the table with NoDefaultExempt 1", |s| {
        s.contains("NoDefaultExempt 1 (configured)") && s.contains("weight")
    });
    assert!(!s.contains("kerberos"), "kerberos rows are gone:\n{s}");

    // `a` on the rules pane opens the rule wizard.
    tmux.keys(&["1", "Tab", "a"]);
    tmux.wait("the rule wizard", |s| s.contains("Rule wizard"));
    for (text, step) in [
        ("Allow web from e2e", "Filter list"),
        ("Web", "Filter (Enter"),
        ("tcp any -> me:80", "tcp any -> me:80"),
    ] {
        tmux.text(text);
        tmux.keys(&["Enter"]);
        tmux.wait(step, |s| s.contains(step));
    }
    tmux.keys(&["Enter"]);
    tmux.wait("the action step", |s| s.contains("Filter action"));
    tmux.text("permit");
    tmux.keys(&["Enter"]);
    tmux.wait("the review", |s| s.contains("Effective rows this adds"));
    tmux.keys(&["Enter"]);
    tmux.wait("the new rule", |s| {
        s.contains("Allow web from e2e") && !s.contains("Rule wizard")
    });
    tmux.keys(&["C-s"]);
    tmux.wait("the save message", |s| s.contains("saved revision"));
    tmux.keys(&["q"]);
    tmux.wait("the program to exit", |s| !s.contains("ipsedit  store"));

    let out = Command::new(bin)
        .args(["--store", &store.display().to_string(), "show", "--json"])
        .output()
        .expect("show runs");
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("Allow web from e2e"), "{json}");
    let config = Command::new(bin)
        .args(["--store", &store.display().to_string(), "config", "show"])
        .output()
        .expect("config runs");
    let config = String::from_utf8_lossy(&config.stdout);
    assert!(
        config
            .lines()
            .any(|l| l.starts_with("NoDefaultExempt") && l.trim_end().ends_with('1')),
        "{config}"
    );
}

/// The effective rows of a store as `table --json` gives them, without the names and ids
/// that differ between two ways of building the same policy.
fn effective_rows(store: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .args(["--store", &store.display().to_string(), "table", "--json"])
        .output()
        .expect("table runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            serde_json::json!({
                "weight": r["weight"], "direction": r["direction"], "src": r["src"],
                "dst": r["dst"], "protocol": r["protocol"], "src_port": r["src_port"],
                "dst_port": r["dst_port"], "action": r["action"],
                "kind": r["origin"]["kind"], "exemption": r["origin"]["exemption"],
            })
        })
        .collect()
}

/// Issue 8 item 4: the KB 813878 policy from an empty store with the rule wizard, in at
/// most 25 keys besides the names and specs typed; the store then has the same effective
/// table as the article's two ipseccmd lines (plus the host address both are given).
#[test]
fn the_wizard_builds_kb813878_in_at_most_25_keys() {
    if !tmux_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("fresh");
    let bin = env!("CARGO_BIN_EXE_ipsedit");
    let tmux = Tmux {
        socket: format!("ipsedit-wizard-{}", std::process::id()),
    };
    let cmd = format!(
        "env LANG=C.UTF-8 TERM=xterm-256color XDG_STATE_HOME={} {bin} --store {}; sleep 5",
        tmp.path().join("state").display(),
        store.display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "80",
        "-y",
        "24",
        &cmd,
    ]);
    tmux.wait("the empty policies view", |s| s.contains("1 Policies"));
    let mut counted = 0;
    let mut key = |k: &str| {
        counted += 1;
        tmux.keys(&[k]);
    };
    let type_text = |t: &str| {
        tmux.text(t);
        std::thread::sleep(Duration::from_millis(60));
    };
    key("a");
    type_text("Block UDP 1434 Filter");
    key("Enter");
    type_text("Block Inbound UDP 1434 Rule");
    key("Enter");
    type_text("Inbound UDP 1434");
    key("Enter");
    type_text("*=0:1434:UDP");
    key("Enter");
    key("Enter");
    type_text("block");
    key("Enter");
    type_text("192.0.2.10/24");
    key("Enter");
    key("Enter");
    key("a");
    type_text("Block Outbound UDP 1434 Rule");
    key("Enter");
    type_text("Outbound UDP 1434");
    key("Enter");
    type_text("0=*:1434:UDP");
    key("Enter");
    key("Enter");
    type_text("block");
    key("Enter");
    key("Enter");
    key("C-s");
    tmux.wait("the save", |s| s.contains("saved revision 1"));
    key("q");
    assert!(counted <= 25, "{counted} keys");
    eprintln!("wizard: KB 813878 from an empty store in {counted} keys");

    let article = tmp.path().join("article");
    let a = article.display().to_string();
    for args in [
        vec![
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "Block UDP 1434 Filter",
            "-r",
            "Block Inbound UDP 1434 Rule",
            "-f",
            "*=0:1434:UDP",
            "-n",
            "BLOCK",
            "-x",
        ],
        vec![
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "Block UDP 1434 Filter",
            "-r",
            "Block Outbound UDP 1434 Rule",
            "-f",
            "0=*:1434:UDP",
            "-n",
            "BLOCK",
        ],
        vec!["config", "set", "me", "192.0.2.10/24"],
    ] {
        let st = Command::new(bin)
            .args(["--store", &a])
            .args(&args)
            .output()
            .expect("ipsedit runs");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    let wizard = effective_rows(&store);
    assert!(
        wizard
            .iter()
            .any(|r| r["dst_port"] == 1434 && r["action"] == "block"),
        "{wizard:#?}"
    );
    assert_eq!(wizard, effective_rows(&article));
}
