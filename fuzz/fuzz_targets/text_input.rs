//! The bounded reader's decoding (UTF-8, BOMs, UTF-16) and the script character check.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::text_input(data));
