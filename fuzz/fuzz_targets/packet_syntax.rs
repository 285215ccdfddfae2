//! The packet syntax of `explain` and the header-space syntax of `reach`.
#![no_main]
use ipsedit::core::engine::{HeaderSpace, Packet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Packet::parse(&text, &["192.0.2.1".parse().expect("address")]);
    let _ = HeaderSpace::parse(&text);
});
