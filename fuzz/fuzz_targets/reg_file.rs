//! A `.reg` file (regedit's text, UTF-16LE or UTF-8): the key and value syntax, then the
//! IPsec objects its values hold (the binary `ipsecData` blobs) read into a store.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::reg_file(data));
