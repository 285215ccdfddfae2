//! The fuzz harnesses, one function per target: `fuzz/fuzz_targets/*.rs` hand libFuzzer's
//! input to them, and `tests/store_fuzz_replay.rs` replays the kept corpora and crashes
//! through the same functions, so the two can never drift apart. Each includes this file
//! with `#[path]`; each uses only some of it.
#![allow(dead_code)]

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

pub fn ipseccmd_line(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let words = split_command_line(&text);
    let _ = apply_as(
        &mut Snapshot::default(),
        "ipseccmd",
        strip_program_name(&words),
    );
}

pub fn netsh_script(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = apply_script(&mut Snapshot::default(), &text, Mode::Transaction);
    let _ = apply_script(&mut Snapshot::default(), &text, Mode::ContinueOnError);
}

pub fn batch_script(data: &[u8]) {
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

pub fn reg_file(data: &[u8]) {
    let text = regfile::decode_text(data);
    if let Ok(file) = regfile::parse(&text) {
        let _ = regstore::apply(&Snapshot::default(), &regstore::changes(&file, LOCAL_STORE));
    }
}

pub fn packet_syntax(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Packet::parse(&text, &["192.0.2.1".parse().expect("address")]);
    let _ = HeaderSpace::parse(&text);
}

pub fn store_ron(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(snapshot) = decode_ron("store.ron", &text) {
        let changes = ChangeSet::between(&Snapshot::default(), &snapshot).expect("encodes");
        let back = changes.apply_to(&Snapshot::default()).expect("decodes");
        assert_eq!(back, snapshot);
    }
}

pub fn text_input(data: &[u8]) {
    if let Ok(text) = decode_text(data) {
        let _ = find_unsafe_in_script(&text);
        let safe = output_safe(&text);
        assert!(!safe.chars().any(|c| c != '\n' && is_unsafe_char(c)));
        for line in text.lines().take(4) {
            let _ = excerpt(line, line.len() / 2 + 1, 80);
        }
    }
}
