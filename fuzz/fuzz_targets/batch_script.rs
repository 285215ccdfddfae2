//! A `.bat`/`.cmd` file read by `ipsedit script` (decoding, parsing, expansion, the
//! interpreter and the netsh/ipseccmd lines it applies), all-or-nothing and line by line.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::batch_script(data));
