//! Replays the fuzz corpus and every crash the fuzzers found (`fuzz/corpus/TARGET/`,
//! `fuzz/regressions/TARGET/`) through the same harnesses as `fuzz/fuzz_targets/`, so
//! `cargo test` keeps them fixed without cargo-fuzz.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use ipsedit::core::engine::{HeaderSpace, Packet};
use ipsedit::core::input::decode_text;
use ipsedit::core::interchange::batch::{self, NoFiles, Options};
use ipsedit::core::interchange::ipseccmd::{apply_as, split_command_line, strip_program_name};
use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::interchange::registry::LOCAL_STORE;
use ipsedit::core::interchange::registry::{regfile, regstore};
use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{ChangeSet, decode_ron};
use ipsedit::core::text::{excerpt, find_unsafe_in_script, is_unsafe_char, output_safe};

fn ipseccmd_line(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let words = split_command_line(&text);
    let _ = apply_as(
        &mut Snapshot::default(),
        "ipseccmd",
        strip_program_name(&words),
    );
}

fn netsh_script(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = apply_script(&mut Snapshot::default(), &text, Mode::Transaction);
    let _ = apply_script(&mut Snapshot::default(), &text, Mode::ContinueOnError);
}

fn batch_script(data: &[u8]) {
    let _ = batch::run(
        &mut Snapshot::default(),
        "fuzz.bat",
        data,
        &Options::default(),
        &NoFiles,
    );
    let keep_going = Options {
        continue_on_error: true,
        ..Options::default()
    };
    let _ = batch::run(
        &mut Snapshot::default(),
        "fuzz.bat",
        data,
        &keep_going,
        &NoFiles,
    );
}

fn reg_file(data: &[u8]) {
    let text = regfile::decode_text(data);
    if let Ok(file) = regfile::parse(&text) {
        let _ = regstore::apply(&Snapshot::default(), &regstore::changes(&file, LOCAL_STORE));
    }
}

fn packet_syntax(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Packet::parse(&text, &["192.0.2.1".parse().expect("address")]);
    let _ = HeaderSpace::parse(&text);
}

fn store_ron(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(snapshot) = decode_ron("store.ron", &text) {
        let changes = ChangeSet::between(&Snapshot::default(), &snapshot).expect("encodes");
        let back = changes.apply_to(&Snapshot::default()).expect("decodes");
        assert_eq!(back, snapshot);
    }
}

fn text_input(data: &[u8]) {
    if let Ok(text) = decode_text(data) {
        let _ = find_unsafe_in_script(&text);
        let safe = output_safe(&text);
        assert!(!safe.chars().any(|c| c != '\n' && is_unsafe_char(c)));
        for line in text.lines().take(4) {
            let _ = excerpt(line, line.len() / 2 + 1, 80);
        }
    }
}

/// One fuzz target's harness.
type Harness = fn(&[u8]);

#[test]
fn corpus_and_regressions_replay_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let targets: [(&str, Harness); 7] = [
        ("ipseccmd_line", ipseccmd_line),
        ("netsh_script", netsh_script),
        ("batch_script", batch_script),
        ("reg_file", reg_file),
        ("packet_syntax", packet_syntax),
        ("store_ron", store_ron),
        ("text_input", text_input),
    ];
    let mut replayed = 0;
    let mut failures = Vec::new();
    let mut empty = Vec::new();
    for (name, harness) in targets {
        let before = replayed;
        for kind in ["corpus", "regressions"] {
            let Ok(dir) = std::fs::read_dir(root.join(kind).join(name)) else {
                continue;
            };
            for entry in dir.flatten() {
                let data = std::fs::read(entry.path()).expect("read");
                if catch_unwind(AssertUnwindSafe(|| harness(&data))).is_err() {
                    failures.push(entry.path().display().to_string());
                }
                replayed += 1;
            }
        }
        if replayed == before {
            empty.push(name);
        }
    }
    assert!(empty.is_empty(), "no corpus for {empty:?}");
    assert!(replayed >= 90, "only {replayed} inputs replayed");
    assert!(failures.is_empty(), "panicked on: {failures:?}");
}
