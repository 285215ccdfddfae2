//! Replays the fuzz corpus and every crash the fuzzers found (`fuzz/corpus/TARGET/`,
//! `fuzz/regressions/TARGET/`) through the same harnesses as `fuzz/fuzz_targets/`, so
//! `cargo test` keeps them fixed without cargo-fuzz.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[path = "../fuzz/harness.rs"]
mod harness;

use harness::{
    batch_script, ipseccmd_line, netsh_script, packet_syntax, reg_file, store_ron, text_input,
};

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
