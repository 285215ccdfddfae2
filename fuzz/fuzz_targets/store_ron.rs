//! The RON store loader (`--from DIR`, migration), and the object layout of the database
//! store: whatever decodes must survive a save as objects and come back equal.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::store_ron(data));
