//! Exports to a file (issue 10, item 2): `export netsh|ipseccmd|reg|ron FILE` (and
//! `-o FILE`) write a temporary file beside FILE, created exclusively and without following
//! links, mode 0600, renamed over FILE: the file holds exactly what stdout would, exporting
//! again to the same path works, nothing is left beside it, and a symbolic link at FILE is
//! refused with a message naming it, its target untouched.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::{bin, ipsedit};

const FORMATS: [&str; 4] = ["netsh", "ipseccmd", "reg", "ron"];

fn seeded() -> tempfile::TempDir {
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
            "*=0:1434:UDP",
            "-n",
            "BLOCK",
        ],
    )
    .ok();
    dir
}

/// What `export FORMAT` writes to a pipe (stdout is not a terminal in tests).
fn to_stdout(store: &std::path::Path, format: &str) -> Vec<u8> {
    let o = Command::new(bin())
        .arg("--store")
        .arg(store)
        .args(["export", format])
        .env_remove("IPSEDIT_STORE")
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Exports are the same apart from a time stamp in ron and reg files.
fn without_times(format: &str, bytes: &[u8]) -> String {
    let text = if format == "reg" {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).expect("utf-16")
    } else {
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    };
    text.lines()
        .filter(|l| !l.contains("saved_at") && !l.contains("whenChanged"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_format_exports_to_a_private_file_and_again_to_the_same_path() {
    let store = seeded();
    let out = tempfile::tempdir().expect("tempdir");
    for format in FORMATS {
        let stdout = to_stdout(store.path(), format);
        let file = out.path().join(format!("policy.{format}"));
        let f = file.to_str().expect("utf-8 path");
        // Positional FILE, then -o FILE over the same path.
        for args in [vec!["export", format, f], vec!["export", format, "-o", f]] {
            ipsedit(store.path(), &args).ok();
            let meta = std::fs::symlink_metadata(&file).expect("written");
            assert!(meta.file_type().is_file(), "{format}");
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{format}");
            let written = std::fs::read(&file).expect("read");
            assert_eq!(
                without_times(format, &written),
                without_times(format, &stdout),
                "{format}: the file holds what stdout gets"
            );
        }
    }
    // Only the exports: no temporary file left beside them.
    assert_eq!(
        names(out.path()),
        [
            "policy.ipseccmd",
            "policy.netsh",
            "policy.reg",
            "policy.ron"
        ]
    );
}

#[test]
fn a_symbolic_link_at_the_target_is_refused_naming_it() {
    let store = seeded();
    let out = tempfile::tempdir().expect("tempdir");
    let victim = out.path().join("victim");
    std::fs::write(&victim, b"precious\n").expect("write");
    for format in FORMATS {
        let link = out.path().join(format!("link.{format}"));
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        let r = ipsedit(
            store.path(),
            &["export", format, link.to_str().expect("utf-8")],
        );
        assert_eq!(r.code, 2, "{format}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "ipsedit: {}: is a symbolic link; ipsedit does not write through links: name \
                 the real file\n",
                link.display()
            ),
            "{format}"
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
    }
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious\n");
    let mut expected: Vec<String> = FORMATS.iter().map(|f| format!("link.{f}")).collect();
    expected.push("victim".into());
    expected.sort();
    assert_eq!(names(out.path()), expected);
}

#[test]
fn file_and_dash_o_together_are_refused() {
    let store = seeded();
    let r = ipsedit(store.path(), &["export", "ron", "a.ron", "-o", "b.ron"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}
