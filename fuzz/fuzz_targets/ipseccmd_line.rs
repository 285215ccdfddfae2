//! One ipseccmd command line (specs, switches, quoting), applied to an empty store.
#![no_main]
use ipsedit::core::interchange::ipseccmd::{apply_as, split_command_line, strip_program_name};
use ipsedit::core::model::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let words = split_command_line(&text);
    let _ = apply_as(
        &mut Snapshot::default(),
        "ipseccmd",
        strip_program_name(&words),
    );
});
