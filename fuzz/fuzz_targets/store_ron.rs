//! The RON store loader (`--from DIR`, migration), and the object layout of the database
//! store: whatever decodes must survive a save as objects and come back equal.
#![no_main]
use ipsedit::core::model::Snapshot;
use ipsedit::core::store::ChangeSet;
use ipsedit::core::store::decode_ron;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(snapshot) = decode_ron("store.ron", &text) {
        let changes = ChangeSet::between(&Snapshot::default(), &snapshot).expect("encodes");
        let back = changes.apply_to(&Snapshot::default()).expect("decodes");
        assert_eq!(back, snapshot);
    }
});
