//! Issue 10, items 3-5: names are text (refused on input, escaped on output), bounded
//! input (devices, FIFOs, size and line limits), revisions that cannot wrap, and a closed
//! output pipe that ends quietly.

mod common;

use std::process::{Command, Stdio};

use common::{bin, ipsedit, tree};

const BLOCK: [&str; 10] = [
    "ipseccmd",
    "-w",
    "REG",
    "-p",
    "P",
    "-r",
    "R",
    "-f",
    "*=0:1434:UDP",
    "-n",
];

fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = BLOCK.to_vec();
    args.push("BLOCK");
    ipsedit(dir.path(), &args).ok();
    dir
}

/// The same state as a RON store (what ipsedit wrote before the database), to hand-edit.
fn seeded_ron() -> tempfile::TempDir {
    use ipsedit::core::store::{FileStore, SqliteStore, Store};
    let db = seeded();
    let snap = SqliteStore::open(db.path()).load().expect("load").snapshot;
    let dir = tempfile::tempdir().expect("tempdir");
    FileStore::open(dir.path())
        .save(0, &snap, "seed")
        .expect("save");
    dir
}

#[test]
fn a_control_character_in_an_argument_is_refused_with_its_column() {
    let dir = seeded();
    let before = tree(dir.path());
    let r = ipsedit(
        dir.path(),
        &[
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "x\u{1b}]0;pwned\u{7}",
            "-r",
            "R2",
            "-f",
            "*=0:53:UDP",
            "-n",
            "BLOCK",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "ipsedit: ipseccmd: argument 4, column 2: \\x1b (a control character) is not allowed \
         in names and descriptions: remove it\n"
    );
    let r = ipsedit(
        dir.path(),
        &[
            "netsh",
            "ipsec",
            "static",
            "add",
            "policy",
            "name=evil\u{202e}txt",
        ],
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "ipsedit: netsh: argument 5, column 10: \\u{202e} (a bidirectional-text override) is \
         not allowed in names and descriptions: remove it\n"
    );
    assert_eq!(tree(dir.path()), before, "the store is byte-identical");
}

#[test]
fn a_control_character_in_a_script_is_refused_with_line_and_column() {
    let dir = seeded();
    let before = tree(dir.path());
    let script = dir.path().join("evil.netsh");
    std::fs::write(
        &script,
        "# ok\r\nipsec static add policy name=\"a\tb\"\r\nipsec static add policy name=\"x\x1b[2J\"\r\n",
    )
    .expect("write");
    let r = ipsedit(dir.path(), &["netsh", "-f", script.to_str().expect("utf8")]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "ipsedit: {}:3:32: \\x1b (a control character) is not allowed in a script \
             (names and descriptions are text): remove it\n",
            script.display()
        )
    );
    std::fs::remove_file(&script).expect("rm");
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn stored_names_are_escaped_on_output() {
    let dir = seeded_ron();
    // An old store (or malware) holds a name with escape sequences: it loads, and is
    // printed escaped by every command.
    let path = dir.path().join("store.ron");
    let text = std::fs::read_to_string(&path).expect("read");
    let text = text.replace(
        "name: \"P\"",
        "name: \"P\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}\"",
    );
    std::fs::write(&path, text).expect("write");
    for args in [
        &["show"][..],
        &["show", "--json"],
        &["history"],
        &["check"],
        &["table", "--policy", "P\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}"],
        &["netdiag"],
        &["export", "netsh"],
        &["export", "ipseccmd"],
        &["assign", "nope"],
    ] {
        let r = ipsedit(dir.path(), args);
        if args[0] == "export" {
            // Scripts recreate the store exactly: into a pipe or file they are written as
            // they are (escaped only on a terminal), and the names stay quoted.
            assert!(
                r.stdout.contains("P\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}"),
                "{args:?}: {}",
                r.stdout
            );
            continue;
        }
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
                "{args:?} printed a raw control:\n{out}"
            );
        }
        if args == ["show"] {
            assert!(
                r.stdout.contains("P\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}"),
                "{}",
                r.stdout
            );
        }
        if args == ["show", "--json"] {
            let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
            assert_eq!(
                v["policies"][0]["name"], "P\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}",
                "JSON keeps the exact name"
            );
        }
    }
}

#[test]
fn devices_fifos_and_oversized_inputs_are_refused() {
    let dir = seeded();
    let before = tree(dir.path());
    let r = ipsedit(dir.path(), &["netsh", "-f", "/dev/zero"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "ipsedit: /dev/zero: not a regular file (a device): give a file, or `-` to read \
         standard input\n"
    );
    let r = ipsedit(dir.path(), &["ipseccmd", "-file", "/dev/urandom"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("ipsedit: /dev/urandom: not a regular file")
    );
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let r = ipsedit(
        dir.path(),
        &["--from", fifo.to_str().expect("utf8"), "show"],
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "ipsedit: {}: not a regular file (a FIFO): give a file, or `-` to read standard \
             input\n",
            fifo.display()
        )
    );
    std::fs::remove_file(&fifo).expect("rm");

    let big = dir.path().join("big.netsh");
    std::fs::write(&big, "# comment\n".repeat(200)).expect("write");
    let r = ipsedit(
        dir.path(),
        &[
            "--max-input-size",
            "1000",
            "netsh",
            "-f",
            big.to_str().expect("utf8"),
        ],
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "ipsedit: {}: more than 1000 bytes, the input size limit: split the input, or \
             raise the limit with --max-input-size BYTES\n",
            big.display()
        )
    );
    std::fs::write(&big, format!("# a\n# {}\n", "x".repeat(1024 * 1024))).expect("write");
    let r = ipsedit(dir.path(), &["netsh", "-f", big.to_str().expect("utf8")]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "ipsedit: {}:2: the line is longer than 1048576 bytes (1 MiB): no script or \
             registry line is that long; split it\n",
            big.display()
        )
    );
    std::fs::remove_file(&big).expect("rm");
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_revision_at_the_largest_number_is_corruption_not_a_wrap() {
    let dir = seeded_ron();
    let path = dir.path().join("store.ron");
    let text = std::fs::read_to_string(&path).expect("read");
    let text = text.replace("revision: 1,", "revision: 18446744073709551615,");
    std::fs::write(&path, &text).expect("write");
    let before = tree(dir.path());
    let r = ipsedit(dir.path(), &["assign", "P"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "ipsedit: {}: the store is damaged: revision 18446744073709551615 is at or past \
             the largest a revision can be (9223372036854775807), so no save can follow it (a \
             number edited by hand or a stray file): move that file away, or bring back a \
             revision with `ipsedit restore REV`\n  the store was not changed\n",
            path.display()
        )
    );
    assert_eq!(tree(dir.path()), before);

    // In a RON store, a stray history file at the largest number: the same, naming
    // that file.
    use ipsedit::core::store::{FileStore, Store, StoreError};
    let dir = seeded_ron();
    let stray = dir
        .path()
        .join("history")
        .join("rev-18446744073709551615.ron");
    std::fs::create_dir_all(stray.parent().expect("parent")).expect("mkdir");
    std::fs::write(&stray, "()").expect("write");
    let ron = FileStore::open(dir.path());
    let snap = ron.load().expect("load").snapshot;
    match ron.save(1, &snap, "x") {
        Err(StoreError::Corrupt { path, .. }) => assert_eq!(path, stray),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let mut child = Command::new(bin())
        .args(["--from", "samples/kb811832", "reach", "tcp any -> me:445"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(out.status.code(), Some(141));
}

#[test]
fn pre_shared_keys_are_masked_unless_asked_and_exports_say_they_hold_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    ipsedit(
        dir.path(),
        &[
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "P",
            "-r",
            "R",
            "-f",
            "0+*",
            "-n",
            "ESP[3DES,SHA]",
            "-a",
            "PRESHARE:s3cr3tKey",
        ],
    )
    .ok();
    let r = ipsedit(dir.path(), &["show"]);
    r.ok();
    assert!(!r.stdout.contains("s3cr3tKey"), "{}", r.stdout);
    assert!(
        r.stdout.contains("preshared key (hidden: --show-secrets)"),
        "{}",
        r.stdout
    );
    let r = ipsedit(dir.path(), &["show", "--json"]);
    assert!(!r.stdout.contains("s3cr3tKey"), "{}", r.stdout);
    let r = ipsedit(dir.path(), &["show", "--show-secrets"]);
    assert!(
        r.stdout.contains("preshared key: s3cr3tKey"),
        "{}",
        r.stdout
    );
    for format in ["netsh", "ipseccmd", "ron"] {
        let r = ipsedit(dir.path(), &["export", format]);
        r.ok();
        assert!(r.stdout.contains("s3cr3tKey"), "{format} keeps the key");
        assert!(
            r.stderr.contains("holds pre-shared keys in clear text"),
            "{format}: {}",
            r.stderr
        );
    }
}
