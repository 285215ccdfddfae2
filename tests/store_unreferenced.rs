//! Registry objects no policy uses (issue 11): Windows' "Version Information Object" NFA
//! is kept as read, persisted by the SQLite store and written back, so a regedit file with
//! it comes back byte for byte through `import reg` and `export reg`; an edit elsewhere
//! keeps it; `import reg` of a file that deletes it (`[-KEY]`) drops it.

mod common;
mod registry_support;

use common::ipsedit;
use registry_support::{PROVISION_LDIF, VERSION_OBJECT, defaults_reg, require};

fn setup(test: &str) -> Option<(tempfile::TempDir, Vec<u8>)> {
    if !require(PROVISION_LDIF, "samba-ad-provision", test) {
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let original = defaults_reg();
    std::fs::write(dir.path().join("defaults.reg"), &original).expect("write");
    Some((dir, original))
}

fn p(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().expect("utf-8").to_string()
}

#[test]
fn a_regedit_file_with_the_version_object_comes_back_byte_for_byte() {
    let Some((dir, original)) = setup("a_regedit_file_with_the_version_object_comes_back") else {
        return;
    };
    let store = dir.path().join("store");
    let r = ipsedit(&store, &["import", "reg", &p(&dir, "defaults.reg")]);
    r.ok();
    ipsedit(&store, &["export", "reg", &p(&dir, "out.reg")]).ok();
    let out = std::fs::read(dir.path().join("out.reg")).expect("export");
    assert!(
        String::from_utf16_lossy(
            &out.chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>()
        )
        .contains(VERSION_OBJECT)
    );
    assert!(out == original, "the export differs from the imported file");

    // A RON export of the store holds it too (the store persisted it).
    let ron = ipsedit(&store, &["export", "ron"]);
    ron.ok();
    assert!(
        ron.stdout.contains("unreferenced:"),
        "{}",
        &ron.stdout[..200]
    );
    assert!(ron.stdout.contains(VERSION_OBJECT));
}

#[test]
fn an_edit_elsewhere_keeps_it_and_a_deletion_drops_it() {
    let Some((dir, _)) = setup("an_edit_elsewhere_keeps_it_and_a_deletion_drops_it") else {
        return;
    };
    let store = dir.path().join("store");
    ipsedit(&store, &["import", "reg", &p(&dir, "defaults.reg")]).ok();
    ipsedit(
        &store,
        &["netsh", "ipsec", "static", "add", "policy", "name=Another"],
    )
    .ok();
    let again = ipsedit(&store, &["export", "ron"]);
    assert!(
        again.stdout.contains(VERSION_OBJECT),
        "kept through an edit"
    );

    let delete = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\\
         Microsoft\\Windows\\IPSec\\Policy\\Local\\{VERSION_OBJECT}]\r\n"
    );
    std::fs::write(dir.path().join("delete.reg"), delete).expect("write");
    ipsedit(&store, &["import", "reg", &p(&dir, "delete.reg")]).ok();
    let after = ipsedit(&store, &["export", "ron"]);
    after.ok();
    assert!(!after.stdout.contains(VERSION_OBJECT), "deleted by [-KEY]");
    assert!(!after.stdout.contains("unreferenced:"));
}
