//! One ipseccmd command line (specs, switches, quoting), applied to an empty store.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::ipseccmd_line(data));
