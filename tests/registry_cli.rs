//! `import reg` / `export reg` / `--from FILE.reg` on the real binary: one transaction,
//! `[-KEY]` deletes, bad input exits 2 naming line and column with the store unchanged,
//! the export is regedit's UTF-16LE form, and `show --json` gives every GUID.

mod common;

use common::ipsedit;

fn utf16(text: &str) -> String {
    let b = std::fs::read(text).expect("export written");
    assert_eq!(&b[..2], &[0xFF, 0xFE], "a byte-order mark");
    let units: Vec<u16> = b[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).expect("UTF-16")
}

#[test]
fn import_export_and_delete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let out = tmp.path().join("a.reg");
    let out_s = out.display().to_string();
    ipsedit(
        &store,
        &[
            "--from",
            "samples/kb811832.netsh",
            "export",
            "reg",
            "-o",
            &out_s,
        ],
    )
    .ok();
    let text = utf16(&out_s);
    assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local]\r\n\"ActivePolicy\"=\"SOFTWARE\\\\Policies"));
    assert_eq!(text.matches("\r\n[HKEY_LOCAL_MACHINE").count(), 7 + 1);

    let r = ipsedit(&store, &["import", "reg", &out_s]);
    r.ok();
    assert!(r.stdout.contains("imported"), "{}", r.stdout);
    let v = common::show_json(&store);
    assert_eq!(v["assigned"], "Block All Inbound");
    let p = &v["policies"][0];
    for id in [
        &p["id"],
        &p["key_exchange"]["id"],
        &p["default_response"]["rule_id"],
        &p["default_response"]["action_id"],
        &p["rules"][0]["id"],
        &v["filter_lists"][0]["id"],
        &v["filter_lists"][0]["filters"][0]["id"],
        &v["filter_actions"][0]["id"],
    ] {
        assert!(
            id.as_str()
                .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
            "{id}"
        );
    }
    // Deleting the rule's NFA key removes the rule (and its place in the policy).
    let rule = p["rules"][0]["id"]
        .as_str()
        .expect("id")
        .to_ascii_uppercase();
    let del = tmp.path().join("del.reg");
    std::fs::write(
        &del,
        format!(
            "Windows Registry Editor Version 5.00\n\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecNFA{{{rule}}}]\n"
        ),
    )
    .expect("write");
    let r = ipsedit(&store, &["import", "reg", &del.display().to_string()]);
    r.ok();
    let v = common::show_json(&store);
    assert_eq!(v["policies"][0]["rules"].as_array().map(Vec::len), Some(0));
}

#[test]
fn bad_files_exit_2_and_change_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    ipsedit(&store, &["netsh", "-f", "samples/kb811832.netsh"]).ok();
    let before = common::tree(&store);
    let bad = tmp.path().join("bad.reg");
    std::fs::write(
        &bad,
        "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecFilter{2AA93C48-1CE1-463F-AAA1-60D818AB6878}]\n\"ipsecData\"=hex:b5,2g\n",
    )
    .expect("write");
    let r = ipsedit(&store, &["import", "reg", &bad.display().to_string()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.reg:4:20: \"2g\" is not a byte"),
        "{}",
        r.stderr
    );
    // A blob that does not decode names the key and the byte offset.
    std::fs::write(
        &bad,
        "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecFilter{2AA93C48-1CE1-463F-AAA1-60D818AB6878}]\n\"ipsecData\"=hex:b5,20,dc,80,c8,2e,d1,11,a8,9e,00,a0,24,8d,30,21,ff,00,00,00,00\n",
    )
    .expect("write");
    let r = ipsedit(&store, &["import", "reg", &bad.display().to_string()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "ipsecFilter{2AA93C48-1CE1-463F-AAA1-60D818AB6878}: ipsecData does not decode at byte 16: Data-Length is 255 but only 1 bytes follow"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(common::tree(&store), before);
}
