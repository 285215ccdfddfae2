//! A netsh script, as one transaction and line by line.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::netsh_script(data));
