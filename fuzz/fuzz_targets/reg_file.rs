//! A `.reg` file (regedit's text, UTF-16LE or UTF-8): the key and value syntax, then the
//! IPsec objects its values hold (the binary `ipsecData` blobs) read into a store.
#![no_main]
use ipsedit::core::interchange::registry::LOCAL_STORE;
use ipsedit::core::interchange::registry::regfile::{decode_text, parse};
use ipsedit::core::interchange::registry::regstore::{apply, changes};
use ipsedit::core::model::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = decode_text(data);
    if let Ok(file) = parse(&text) {
        let _ = apply(&Snapshot::default(), &changes(&file, LOCAL_STORE));
    }
});
