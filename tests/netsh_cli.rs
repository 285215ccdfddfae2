//! `ipsedit netsh` end to end: bad input names file:line:column and the token, exits 2 and
//! leaves the store byte-identical; --continue-on-error applies the rest and exits 1;
//! Notepad's UTF-16LE files; `--from`; exports.

mod common;

use std::path::Path;

use common::{ipsedit, tree};

fn store_with_sample(dir: &Path) {
    let untouched = common::SamplesUnchanged::take();
    ipsedit(dir, &["netsh", "-f", "samples/kb813878.netsh"]).ok();
    untouched.check();
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write script");
    p.display().to_string()
}

/// (script, line, column, token) for each kind of bad input the issue names.
const BAD: &[(&str, &str, usize, usize, &str)] = &[
    (
        "unknown command",
        "pushd ipsec static\nadd policy X\nadd polcy name=Y\n",
        3,
        5,
        "polcy",
    ),
    (
        "unknown parameter",
        "netsh ipsec static add policy X\nnetsh ipsec static add filterlist name=L colour=red\n",
        2,
        42,
        "colour",
    ),
    (
        "missing required parameter",
        "netsh ipsec static add filter filterlist=L srcaddr=any\n",
        1,
        55,
        "add filter",
    ),
    (
        "reference to a missing object",
        "netsh ipsec static add filterlist L\nnetsh ipsec static add filteraction A\nnetsh ipsec static add rule name=R policy=Nope filterlist=L filteraction=A\n",
        3,
        43,
        "Nope",
    ),
    (
        "bad mask",
        "netsh ipsec static add filter filterlist=L srcaddr=10.0.0.0 srcmask=255.0.255.0 dstaddr=me\n",
        1,
        69,
        "255.0.255.0",
    ),
];

#[test]
fn bad_input_names_the_place_and_changes_nothing() {
    for (what, script, line, col, token) in BAD {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = tmp.path().join("store");
        store_with_sample(&store);
        let before = tree(&store);
        let file = write(tmp.path(), "bad.netsh", script);
        let r = ipsedit(&store, &["netsh", "-f", &file]);
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        let place = format!("{file}:{line}:{col}:");
        assert!(
            r.stderr.contains(&place),
            "{what}: expected {place} in\n{}",
            r.stderr
        );
        assert!(
            r.stderr.contains(&format!("'{token}'")),
            "{what}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("fix:"), "{what}: a hint: {}", r.stderr);
        assert!(
            r.stderr.contains("nothing was applied"),
            "{what}: {}",
            r.stderr
        );
        assert_eq!(tree(&store), before, "{what}: the store changed");
    }
}

#[test]
fn continue_on_error_applies_the_rest_and_exits_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let file = write(
        tmp.path(),
        "mixed.netsh",
        "pushd ipsec static\nadd policy A\nadd polcy B\nadd policy C\nadd policy A\n",
    );
    let r = ipsedit(&store, &["netsh", "--continue-on-error", "-f", &file]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{file}:3:5:")), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{file}:5:")), "{}", r.stderr);
    assert!(r.stderr.contains("2 lines failed"), "{}", r.stderr);
    let shown = ipsedit(&store, &["show"]);
    assert!(shown.stdout.contains("policy 'A'") && shown.stdout.contains("policy 'C'"));
}

#[test]
fn notepad_unicode_files_apply() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let mut bytes = vec![0xFF, 0xFE];
    for u in "netsh ipsec static add policy name=\"Unicode\" assign=yes\r\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = tmp.path().join("u.netsh");
    std::fs::write(&p, bytes).expect("write");
    ipsedit(&store, &["netsh", "-f", &p.display().to_string()]).ok();
    let r = ipsedit(&store, &["show"]);
    assert!(
        r.stdout.contains("policy 'Unicode'  [assigned]"),
        "{}",
        r.stdout
    );
}

#[test]
fn one_command_from_the_shell() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    ipsedit(
        &store,
        &[
            "netsh",
            "ipsec",
            "static",
            "add",
            "policy",
            "name=Block all",
            "assign=yes",
        ],
    )
    .ok();
    let r = ipsedit(
        &store,
        &["netsh", "ipsec", "static", "show", "policy", "Block all"],
    );
    r.ok();
    assert!(
        r.stdout.contains("Assigned               : YES"),
        "{}",
        r.stdout
    );
    let r = ipsedit(
        &store,
        &[
            "netsh",
            "ipsec",
            "static",
            "add",
            "policy",
            "name=Block all",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("netsh:1:"), "{}", r.stderr);
}

/// The whole command quoted as one argument reads as the line it is, quotes included: the
/// same policy as the words of `one_command_from_the_shell` give.
#[test]
fn one_command_in_one_argument() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let line = "ipsec static add policy name=\"Block all\" assign=yes";
    ipsedit(&store, &["netsh", line]).ok();
    let words = tmp.path().join("words");
    ipsedit(
        &words,
        &[
            "netsh",
            "ipsec",
            "static",
            "add",
            "policy",
            "name=Block all",
            "assign=yes",
        ],
    )
    .ok();
    let show = ["netsh", "ipsec static show policy name=\"Block all\""];
    let (a, b) = (ipsedit(&store, &show), ipsedit(&words, &show));
    a.ok();
    assert!(
        a.stdout.contains("Assigned               : YES"),
        "{}",
        a.stdout
    );
    let no_guid = |t: &str| -> String {
        t.lines()
            .filter(|l| !l.starts_with("GUID"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(no_guid(&a.stdout), no_guid(&b.stdout));
    // A line break inside is not a second command.
    let r = ipsedit(
        &store,
        &["netsh", "ipsec static add policy name=A\nadd policy name=B"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    store_with_sample(&store);
    let before = tree(&store);
    let r = ipsedit(
        &store,
        &["--dry-run", "netsh", "ipsec", "static", "delete", "all"],
    );
    r.ok();
    assert!(r.stdout.contains("dry run"), "{}", r.stdout);
    assert_eq!(tree(&store), before);
}

#[test]
fn from_a_file_works_with_every_command_and_saves_nothing() {
    let untouched = common::SamplesUnchanged::take();
    let tmp = tempfile::tempdir().expect("tempdir");
    let unused = tmp.path().join("never-created");
    let root = env!("CARGO_MANIFEST_DIR");
    for file in [
        "samples/kb813878.netsh",
        "samples/kb813878.ipseccmd",
        "samples/kb813878",
    ] {
        let out = std::process::Command::new(common::bin())
            .current_dir(root)
            .args(["--from", file, "show", "Block UDP 1434 Filter"])
            .env("IPSEDIT_STORE", &unused)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("[assigned]"), "{file}: {stdout}");
        let out = std::process::Command::new(common::bin())
            .current_dir(root)
            .args(["--from", file, "unassign"])
            .env("IPSEDIT_STORE", &unused)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{file}");
        assert!(!unused.exists(), "--from must not write the everyday store");
    }
    // `unassign` changed the loaded copy only.
    untouched.check();
}

#[test]
fn from_with_an_explicit_store_saves_there() {
    let untouched = common::SamplesUnchanged::take();
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("copy");
    let r = ipsedit(&store, &["--from", "samples/kb811832.netsh", "show"]);
    r.ok();
    untouched.check();
    assert!(r.stderr.contains("saved"), "{}", r.stderr);
    let again = ipsedit(&store, &["show"]);
    assert!(
        again.stdout.contains("Block All Inbound"),
        "{}",
        again.stdout
    );
}

#[test]
fn export_of_a_missing_policy_is_invalid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    store_with_sample(&store);
    let r = ipsedit(&store, &["export", "netsh", "--policy", "Nope"]);
    assert_eq!(r.code, 2);
    let r = ipsedit(
        &store,
        &["export", "netsh", "--policy", "Block TCP 80 Filter"],
    );
    r.ok();
    assert!(r.stdout.contains("Block Inbound TCP 80 Rule"));
    assert!(
        !r.stdout.contains("1434"),
        "only that policy's objects: {}",
        r.stdout
    );
}
