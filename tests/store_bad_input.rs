//! Issue 10, item 8: every file in `tests/bad_input/` is refused with exit 2 and exactly
//! the message in its `.expected` file (`{FILE}` / `{DIR}` stand for the paths), and the
//! store it was aimed at stays byte-identical. `.netsh` files run as `netsh -f`,
//! `.ipseccmd` as `ipseccmd -file`, `.ron` as the `store.ron` of a `--from DIR`.
//! Regenerate the expectations (after checking them) with
//! `IPSEDIT_BLESS=1 cargo test --test store_bad_input`.

mod common;

use std::path::{Path, PathBuf};

use common::{ipsedit, tree};

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad_input")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "expected"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_bad_input_exits_2_with_its_message_and_changes_nothing() {
    let bless = std::env::var_os("IPSEDIT_BLESS").is_some();
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    ipsedit(
        &store,
        &["netsh", "ipsec", "static", "add", "policy", "name=Existing"],
    )
    .ok();
    let before = tree(&store);
    let files = inputs();
    assert!(files.len() >= 40, "only {} bad inputs", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        let path = file.to_str().expect("utf8 path");
        let ron_dir = tmp.path().join("ron");
        let r = match ext {
            "netsh" => ipsedit(&store, &["netsh", "-f", path]),
            "ipseccmd" => ipsedit(&store, &["ipseccmd", "-file", path]),
            "ron" => {
                std::fs::create_dir_all(&ron_dir).expect("mkdir");
                std::fs::copy(file, ron_dir.join("store.ron")).expect("copy");
                ipsedit(&store, &["--from", ron_dir.to_str().expect("utf8"), "show"])
            }
            "reg" => ipsedit(&store, &["import", "reg", path]),
            "bat" => ipsedit(&store, &["script", path]),
            other => panic!("{path}: unknown kind {other}"),
        };
        let message = r
            .stderr
            .replace(path, "{FILE}")
            .replace(ron_dir.to_str().expect("utf8"), "{DIR}");
        // Errors quote a long line around the fault, never the whole line (issue 10).
        if let Some(l) = message.lines().find(|l| l.chars().count() > 300) {
            failures.push(format!(
                "{path}: a message line of {} characters: {}...",
                l.chars().count(),
                l.chars().take(120).collect::<String>()
            ));
        }
        let expected_path = file.with_extension(format!("{ext}.expected"));
        if bless && r.code == 2 {
            std::fs::write(&expected_path, &message).expect("bless");
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if r.code != 2 || message != expected {
            failures.push(format!(
                "{}: exit {}\n  got:      {message:?}\n  expected: {expected:?}",
                file.display(),
                r.code
            ));
        }
        if tree(&store) != before {
            failures.push(format!("{}: changed the store", file.display()));
            break;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_ten_megabyte_line_is_refused_by_number_without_echoing_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    ipsedit(
        &store,
        &["netsh", "ipsec", "static", "add", "policy", "name=Existing"],
    )
    .ok();
    let before = tree(&store);
    for (name, args) in [
        ("long.netsh", ["netsh", "-f"]),
        ("long.ipseccmd", ["ipseccmd", "-file"]),
    ] {
        let file = tmp.path().join(name);
        let line = format!("ipsec static add policy name={}\n", "x".repeat(10 << 20));
        std::fs::write(&file, format!("# first\n{line}")).expect("write");
        let path = file.to_str().expect("utf8");
        let r = ipsedit(&store, &[args[0], args[1], path]);
        assert_eq!(r.code, 2);
        assert_eq!(
            r.stderr,
            format!(
                "ipsedit: {path}:2: the line is longer than 1048576 bytes (1 MiB): no script or \
                 registry line is that long; split it\n"
            )
        );
    }
    assert!(tree(&store) == before, "the store changed");
}
