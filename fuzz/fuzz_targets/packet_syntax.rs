//! The packet syntax of `explain` and the header-space syntax of `reach`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::packet_syntax(data));
