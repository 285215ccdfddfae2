//! Offline hives: store -> `.reg` -> hive (written by an independent tool, `hivexregedit
//! --merge` from Debian's libwin-hivex-perl, into an empty hive from the documented
//! generator in registry_support/hive.rs) -> store keeps every field and GUID, and the
//! CLI opens the local store by default, another with --hive-store, and says which exist.

mod registry_support;

use std::path::Path;
use std::process::Command;

use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::interchange::registry::hive::{Hive, HiveStore};
use ipsedit::core::interchange::registry::regfile::decode_text;
use ipsedit::core::interchange::registry::regstore::export_reg;
use ipsedit::core::interchange::registry::{LOCAL_STORE, read_objects};
use ipsedit::core::model::Snapshot;
use registry_support::content;
use registry_support::hive::empty_hive;

const HIVEX: &str = "/usr/bin/hivexregedit";

fn sample() -> Snapshot {
    let path = format!("{}/samples/kb811832.netsh", env!("CARGO_MANIFEST_DIR"));
    let mut s = Snapshot::default();
    let r = apply_script(
        &mut s,
        &std::fs::read_to_string(path).expect("sample"),
        Mode::Transaction,
    );
    assert!(r.errors.is_empty());
    s
}

/// `.reg` text as hivexregedit takes it: UTF-8, with the parent keys it will not create,
/// the store moved to `location`.
fn for_hivex(reg: &str, location: &str) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\n\n");
    let mut path = String::from("HKEY_LOCAL_MACHINE\\SOFTWARE");
    for part in ["Policies", "Microsoft", "Windows", "IPSec", "Policy"] {
        path.push('\\');
        path.push_str(part);
        out.push_str(&format!("[{path}]\n\n"));
    }
    let body = reg
        .replace("\r\n", "\n")
        .replace(LOCAL_STORE, location)
        .replace(
            &LOCAL_STORE.replace('\\', "\\\\"),
            &location.replace('\\', "\\\\"),
        );
    out.push_str(body.split_once("\n\n").map_or("", |(_, b)| b));
    out
}

fn merge(hive: &Path, reg: &str) {
    merge_at(hive, reg, "SOFTWARE");
}

/// Merges `.reg` text into a hive mounted at `HKEY_LOCAL_MACHINE\MOUNT`.
fn merge_at(hive: &Path, reg: &str, mount: &str) {
    let file = hive.with_extension("reg");
    std::fs::write(&file, reg).expect("write .reg");
    let out = Command::new(HIVEX)
        .args(["--merge", &hive.display().to_string(), "--prefix"])
        .arg(format!("HKEY_LOCAL_MACHINE\\{mount}"))
        .arg(&file)
        .output()
        .expect("hivexregedit runs");
    assert!(
        out.status.success(),
        "hivexregedit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn store_reg_hive_store_keeps_everything() {
    if !registry_support::require(HIVEX, "libwin-hivex-perl", "registry_hive") {
        return;
    }
    // The local store, and the persistent one at its SOFTWARE candidate key.
    for (location, store) in [
        (LOCAL_STORE, HiveStore::Local),
        (PERSISTENT_SOFTWARE, HiveStore::Persistent),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let hive = dir.path().join("SOFTWARE");
        std::fs::write(&hive, empty_hive("ROOT")).expect("empty hive");
        let s = sample();
        let (reg, _) = export_reg(&s, None, location, 0x6000_0000);
        merge(&hive, &for_hivex(&reg, location));

        let mut h = Hive::open(std::fs::read(&hive).expect("hive")).expect("opens");
        let found: Vec<_> = h
            .present
            .iter()
            .map(|f| (f.store, f.location, f.objects))
            .collect();
        assert_eq!(found, vec![(store, location, 7)]);
        let (set, notes) = h.objects(store).expect("the store");
        assert!(notes.is_empty(), "{notes:?}");
        let back = read_objects(&set).expect("reads").snapshot;
        assert_eq!(content(&back), content(&s));
        assert_eq!(back.assigned, s.assigned);
        // Values came back byte for byte: the export is the same file.
        let (again, _) = export_reg(&back, None, location, 0x7000_0000);
        assert_eq!(decode_text(again.as_bytes()), reg);
    }
}

#[test]
fn cli_opens_the_store_asked_for() {
    if !registry_support::require(HIVEX, "libwin-hivex-perl", "registry_hive")
        || !registry_support::require(
            registry_support::PROVISION_LDIF,
            "samba-ad-provision",
            "registry_hive",
        )
    {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hive = dir.path().join("SOFTWARE");
    std::fs::write(&hive, empty_hive("ROOT")).expect("empty hive");
    let (reg, _) = export_reg(&sample(), None, LOCAL_STORE, 0x6000_0000);
    merge(&hive, &for_hivex(&reg, LOCAL_STORE));
    // Windows' defaults as the cached domain policy.
    let cache = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Cache";
    let defaults = decode_text(&registry_support::defaults_reg());
    let body = for_hivex(&defaults, cache);
    let body = body.split_once("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache]").map_or(String::new(), |(_, b)| format!("Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache]{b}"));
    merge(&hive, &body);

    let bin = env!("CARGO_BIN_EXE_ipsedit");
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .arg("--from")
            .arg(&hive)
            .args(args)
            .env_remove("IPSEDIT_STORE")
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["show", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let stores = "IPsec stores in this hive: local (7 objects), domain-cache (22 objects)";
    assert!(err.contains(&format!("{stores}; opened local")), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["assigned"], "Block All Inbound");

    let (code, out, err) = run(&["--hive-store", "domain-cache", "show", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(&format!("{stores}; opened domain-cache")),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let names: Vec<&str> = v["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names.contains(&"Client (Respond Only)"));

    let (code, _, err) = run(&["--hive-store", "persistent", "show"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("the hive has no persistent IPsec store; it has: local (7 objects), domain-cache (22 objects)"),
        "{err}"
    );
}

const PERSISTENT_SYSTEM: &str = r"SYSTEM\CurrentControlSet\Services\PolicyAgent\Policy\Persistent";
const PERSISTENT_SOFTWARE: &str = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Persistent";

/// A SYSTEM hive as a disk image holds it: `Select\Current` = 2, the persistent store of
/// the sample under `ControlSet002` (key paths; the references inside name
/// `CurrentControlSet`, as Windows writes them), and a decoy store under `ControlSet001`
/// that must not be read.
fn system_hive(dir: &Path, s: &Snapshot) -> std::path::PathBuf {
    let hive = dir.join("SYSTEM");
    std::fs::write(&hive, empty_hive("ROOT")).expect("empty hive");
    let mut head = String::from("Windows Registry Editor Version 5.00\n\n");
    head.push_str("[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n\"Current\"=dword:00000002\n\"Default\"=dword:00000002\n\n");
    for set in ["ControlSet001", "ControlSet002"] {
        let mut path = String::from("HKEY_LOCAL_MACHINE\\SYSTEM");
        for part in [set, "Services", "PolicyAgent", "Policy"] {
            path.push('\\');
            path.push_str(part);
            head.push_str(&format!("[{path}]\n\n"));
        }
    }
    merge_at(&hive, &head, "SYSTEM");
    let (reg, _) = export_reg(s, None, PERSISTENT_SYSTEM, 0x6000_0000);
    let body = |set: &str, reg: &str| {
        let mut out = String::new();
        for line in reg.replace("\r\n", "\n").lines() {
            if line.starts_with('[') {
                out.push_str(&line.replace("\\CurrentControlSet\\", &format!("\\{set}\\")));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        out
    };
    merge_at(&hive, &body("ControlSet002", &reg), "SYSTEM");
    // The decoy: one policy of another name in the control set not booted.
    let mut decoy = Snapshot::default();
    let r = apply_script(
        &mut decoy,
        "pushd ipsec static\nadd policy name=Decoy\nadd filterlist name=L\nadd filter filterlist=L srcaddr=any dstaddr=me\nadd filteraction name=A action=block\nadd rule name=R policy=Decoy filterlist=L filteraction=A\n",
        Mode::Transaction,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let (decoy_reg, _) = export_reg(&decoy, None, PERSISTENT_SYSTEM, 0x6000_0000);
    merge_at(&hive, &body("ControlSet001", &decoy_reg), "SYSTEM");
    hive
}

#[test]
fn persistent_store_in_a_system_hive_follows_select_current() {
    if !registry_support::require(HIVEX, "libwin-hivex-perl", "registry_hive") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let s = sample();
    let hive = system_hive(dir.path(), &s);

    let mut h = Hive::open(std::fs::read(&hive).expect("hive")).expect("opens");
    let found: Vec<_> = h
        .present
        .iter()
        .map(|f| (f.store, f.location, f.key.as_str(), f.objects))
        .collect();
    assert_eq!(
        found,
        vec![(
            HiveStore::Persistent,
            PERSISTENT_SYSTEM,
            r"ControlSet002\Services\PolicyAgent\Policy\Persistent",
            7
        )]
    );
    let (set, notes) = h.objects(HiveStore::Persistent).expect("persistent store");
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(set.location, PERSISTENT_SYSTEM);
    let back = read_objects(&set).expect("reads").snapshot;
    assert_eq!(content(&back), content(&s));
    assert_eq!(back.assigned, s.assigned);

    // The CLI opens it by default (the only store) and says where it was found.
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--from")
        .arg(&hive)
        .args(["show", "--json"])
        .env_remove("IPSEDIT_STORE")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "IPsec stores in this hive: persistent (7 objects, at {PERSISTENT_SYSTEM}); opened persistent ({PERSISTENT_SYSTEM})"
        )),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["assigned"], "Block All Inbound");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Decoy"));

    // --hive-store local on a SYSTEM hive names what it holds.
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--from")
        .arg(&hive)
        .args(["--hive-store", "local", "show"])
        .env_remove("IPSEDIT_STORE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "the hive has no local IPsec store; it has: persistent (7 objects, at {PERSISTENT_SYSTEM})"
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
