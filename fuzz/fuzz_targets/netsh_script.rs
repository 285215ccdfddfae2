//! A netsh script, as one transaction and line by line.
#![no_main]
use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::model::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = apply_script(&mut Snapshot::default(), &text, Mode::Transaction);
    let _ = apply_script(&mut Snapshot::default(), &text, Mode::ContinueOnError);
});
