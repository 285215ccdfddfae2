//! The domain store against a real Samba AD DC on loopback: Windows' three default policies
//! read through the registry codec, KB 813878's ipseccmd lines written with `-w DS` and
//! read back with `ldapsearch` (an independent client), assignment to the Default Domain
//! Policy, the same effective table as a local store, and a concurrent `ldapmodify`
//! detected as a conflict with nothing half written.
//! Needs root and the Samba packages (see `.ci/run`): otherwise SKIPPED, and a failure
//! under CI=true. The tests share one DC and run one at a time (`SERIAL`).

mod domain_support;

use std::sync::Mutex;

use domain_support::{BASE, Dc, PASSWORD, USER};
use ipsedit::core::domain::read::{read_snapshot, snapshot_from_entries};
use ipsedit::core::domain::{Credentials, DirEntry, Directory, DirectoryUrl, TlsPolicy};

static SERIAL: Mutex<()> = Mutex::new(());

fn dc() -> Option<&'static Dc> {
    domain_support::shared(domain_support::unseeded)
}

fn directory(dc: &Dc) -> Directory {
    let url = DirectoryUrl::parse(&dc.ldaps_url()).expect("test URL");
    Directory::connect(
        &url,
        &Credentials::new(USER, PASSWORD),
        &TlsPolicy::Verify {
            ca: Some(dc.ca.clone()),
        },
    )
    .expect("bind")
}

#[test]
fn the_three_default_policies_read_as_a_snapshot() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(dc) = dc() else { return };
    let mut dir = directory(dc);
    let d = read_snapshot(&mut dir, BASE).expect("the defaults read");
    // (Other tests of this binary may have added policies: the defaults are the 598s.)
    let defaults: Vec<_> = d
        .objects
        .iter()
        .filter(|o| o.raw.data_type == Some(598))
        .collect();
    let policies: Vec<(String, usize)> = d
        .snapshot
        .policies
        .iter()
        .filter(|p| defaults.iter().any(|o| o.object.id == p.id))
        .map(|p| (p.name.clone(), p.rules.len()))
        .collect();
    assert_eq!(
        policies,
        vec![
            ("Client (Respond Only)".to_string(), 0),
            ("Secure Server (Require Security)".to_string(), 2),
            ("Server (Request Security)".to_string(), 2),
        ]
    );
    let lists: Vec<&str> = d
        .snapshot
        .filter_lists
        .iter()
        .filter(|l| defaults.iter().any(|o| o.object.id == l.id))
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(lists, vec!["All ICMP Traffic", "All IP Traffic"]);
    let actions: Vec<&str> = d
        .snapshot
        .filter_actions
        .iter()
        .filter(|a| defaults.iter().any(|o| o.object.id == a.id))
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["Permit", "Request Security (Optional)", "Require Security"]
    );
    assert_eq!(defaults.len(), 22, "Samba provisions 22 IPsec objects");
    assert_eq!(d.version.objects, d.objects.len());
    assert!(d.version.highest_usn > 0);
    assert!(
        d.objects.iter().all(|o| o.raw.object_guid.is_some()
            && o.raw
                .dn
                .ends_with(&format!("CN=IP Security,CN=System,{BASE}"))),
        "every object keeps its DN and GUID"
    );
}

const CONTAINER: &str = "CN=IP Security,CN=System,DC=example,DC=test";
const DDP: &str =
    "CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=example,DC=test";

/// `ipsedit` with the domain's credentials in the environment (never as arguments).
fn ipsedit(dc: &Dc, store: &str, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .env("IPSEDIT_LDAP_USER", USER)
        .env("IPSEDIT_LDAP_PASSWORD", PASSWORD)
        .env("IPSEDIT_LDAP_CA", &dc.ca)
        .env_remove("IPSEDIT_STORE")
        .arg("--store")
        .arg(store)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("ipsedit runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `ldapsearch` entries as `DirEntry`s (attribute values decoded from base64 where given).
fn ldif_entries(text: &str) -> Vec<DirEntry> {
    let mut out = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut e: Option<DirEntry> = None;
        for line in block.lines() {
            let (name, value) = if let Some((n, v)) = line.split_once(":: ") {
                (n, domain_support::base64(v))
            } else if let Some((n, v)) = line.split_once(": ") {
                (n, v.as_bytes().to_vec())
            } else {
                continue;
            };
            if name == "dn" {
                e = Some(DirEntry::new(String::from_utf8(value).expect("utf-8 DN")));
            } else if let Some(d) = e.take() {
                e = Some(d.with(name, value));
            }
        }
        out.extend(e);
    }
    out
}

fn gpo_attrs(dc: &Dc) -> (String, i64) {
    let e = ldif_entries(&dc.ldapsearch(
        DDP,
        "(objectClass=groupPolicyContainer)",
        &["gPCMachineExtensionNames", "versionNumber"],
    ));
    let e = e.first().expect("the Default Domain Policy");
    (
        e.text("gPCMachineExtensionNames").unwrap_or_default(),
        e.text("versionNumber")
            .and_then(|v| v.parse().ok())
            .expect("versionNumber"),
    )
}

fn kb813878_lines(store: &str) -> String {
    include_str!("../samples/kb813878.ipseccmd").replace("-w REG", &format!("-w {store}"))
}

#[test]
fn kb813878_with_w_ds_reads_back_with_ldapsearch_assigns_and_tables_like_a_local_store() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(dc) = dc() else { return };
    let url = dc.ldaps_url();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ds = tmp.path().join("kb813878-ds.ipseccmd");
    std::fs::write(&ds, kb813878_lines("DS")).expect("write");
    let (_, version_before) = gpo_attrs(dc);
    let (rc, out, err) = ipsedit(
        dc,
        &url,
        &["ipseccmd", "-file", ds.to_str().expect("utf-8")],
    );
    assert_eq!(rc, 0, "{out}{err}");

    // An independent client sees the objects: classes, DNs named after ipsecID, blobs.
    let entries = ldif_entries(&dc.ldapsearch(CONTAINER, "(objectClass=ipsecBase)", &["*"]));
    let mut dir = directory(dc);
    let ours = read_snapshot(&mut dir, BASE).expect("reads");
    assert_eq!(
        entries.len(),
        22 + 17,
        "the 22 defaults and KB 813878's 17 objects"
    );
    let mut classes = std::collections::BTreeMap::<String, usize>::new();
    for e in &entries {
        let classes_of = e.texts("objectClass");
        let class = classes_of.last().cloned().expect("a class");
        assert!(classes_of.iter().any(|c| c == "ipsecBase"), "{}", e.dn);
        let id = e.text("ipsecID").expect("ipsecID");
        assert_eq!(
            e.dn.to_ascii_lowercase(),
            format!("cn={class}{id},{CONTAINER}").to_ascii_lowercase()
        );
        let mine = ours
            .objects
            .iter()
            .find(|o| o.raw.dn.eq_ignore_ascii_case(&e.dn))
            .expect("ipsedit read it too");
        assert_eq!(
            e.bytes("ipsecData"),
            Some(mine.raw.data.as_slice()),
            "{}",
            e.dn
        );
        if e.text("ipsecDataType").is_none_or(|t| t != "598") {
            *classes.entry(class).or_default() += 1;
        }
    }
    assert_eq!(
        classes.into_iter().collect::<Vec<_>>(),
        vec![
            ("ipsecFilter".to_string(), 3),
            ("ipsecISAKMPPolicy".to_string(), 2),
            ("ipsecNFA".to_string(), 5),
            ("ipsecNegotiationPolicy".to_string(), 5),
            ("ipsecPolicy".to_string(), 2),
        ]
    );
    // The codec reads ldapsearch's entries as the same policies.
    let from_ldapsearch = snapshot_from_entries(CONTAINER.into(), &entries).expect("decodes");
    let shape = |s: &ipsedit::core::model::Snapshot| -> Vec<String> {
        s.policies
            .iter()
            .map(|p| format!("{}: {} rules", p.name, p.rules.len()))
            .collect()
    };
    assert_eq!(shape(&from_ldapsearch.snapshot), shape(&ours.snapshot));

    // -x assigned the UDP 1434 policy in the Default Domain Policy.
    let assignment = ldif_entries(&dc.ldapsearch(
        &format!("CN=IPSEC,CN=Windows,CN=Microsoft,CN=Machine,{DDP}"),
        "(objectClass=*)",
        &["objectClass", "ipsecOwnersReference"],
    ));
    let policy = ours
        .snapshot
        .policy_named("Block UDP 1434 Filter")
        .expect("policy");
    assert_eq!(
        assignment[0]
            .text("ipsecOwnersReference")
            .map(|d| d.to_ascii_lowercase()),
        Some(
            format!(
                "cn=ipsecpolicy{{{}}},{CONTAINER}",
                policy.id.to_string().to_ascii_uppercase()
            )
            .to_ascii_lowercase()
        )
    );
    assert!(
        assignment[0]
            .texts("objectClass")
            .iter()
            .any(|c| c == "ipsecPolicy")
    );
    let (names, version) = gpo_attrs(dc);
    assert!(
        names.contains(
            "[{E437BC1C-AA7D-11D2-A382-00C04F991E27}{DEA8AFA0-CC85-11D0-9CE2-0080C7221EBD}]"
        ),
        "{names}"
    );
    assert_eq!(
        version,
        version_before + 65536,
        "the computer version counts up"
    );
    let (rc, out, _) = ipsedit(dc, &url, &["show"]);
    assert_eq!(rc, 0);
    assert!(
        out.contains(
            "  GPO 'Default Domain Policy' {31B2F340-016D-11D2-945F-00C04FB984F9}: IPsec \
             policy 'Block UDP 1434 Filter'"
        ),
        "{out}"
    );

    // The same effective table as a local store fed the same lines.
    let local = tmp.path().join("local");
    let reg = tmp.path().join("kb813878-reg.ipseccmd");
    std::fs::write(&reg, kb813878_lines("REG")).expect("write");
    let (rc, out, err) = ipsedit(
        dc,
        local.to_str().expect("utf-8"),
        &["ipseccmd", "-file", reg.to_str().expect("utf-8")],
    );
    assert_eq!(rc, 0, "{out}{err}");
    let (rc, domain_table, err) = ipsedit(dc, &url, &["table"]);
    assert_eq!(rc, 0, "{err}");
    let (_, local_table, _) = ipsedit(dc, local.to_str().expect("utf-8"), &["table"]);
    assert_eq!(domain_table, local_table);
    assert!(domain_table.contains("1434"), "{domain_table}");

    // unassign undoes both.
    let (rc, out, err) = ipsedit(dc, &url, &["unassign"]);
    assert_eq!(rc, 0, "{out}{err}");
    assert_eq!(
        dc.ldapsearch(
            &format!("CN=Windows,CN=Microsoft,CN=Machine,{DDP}"),
            "(cn=IPSEC)",
            &["cn"]
        ),
        ""
    );
    let (names, after) = gpo_attrs(dc);
    assert!(!names.contains("E437BC1C"), "{names}");
    assert_eq!(after, version + 65536);
    // History is not a domain's: a typed refusal, exit 2.
    let (rc, _, err) = ipsedit(dc, &url, &["history"]);
    assert_eq!(rc, 2);
    assert!(
        err.contains("domain example.test on DC 127.0.0.1:636 does not keep history (Active Directory keeps its own backups"),
        "{err}"
    );
    // Put the assignment back for the tests that follow.
    let (rc, _, err) = ipsedit(dc, &url, &["assign", "Block UDP 1434 Filter"]);
    assert_eq!(rc, 0, "{err}");
}

fn action_dn(d: &ipsedit::core::domain::read::DomainSnapshot, name: &str) -> String {
    let id = d
        .snapshot
        .filter_actions
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("action {name}"))
        .id;
    d.objects
        .iter()
        .find(|o| o.object.id == id)
        .expect("its object")
        .raw
        .dn
        .clone()
}

fn rename_action(s: &mut ipsedit::core::model::Snapshot, from: &str, to: &str) {
    s.filter_actions
        .iter_mut()
        .find(|a| a.name == from)
        .unwrap_or_else(|| panic!("action {from}"))
        .name = to.into();
}

fn ipsec_name(dc: &Dc, dn: &str) -> String {
    ldif_entries(&dc.ldapsearch(dn, "(objectClass=*)", &["ipsecName"]))[0]
        .text("ipsecName")
        .unwrap_or_default()
}

#[test]
fn a_concurrent_ldapmodify_is_a_conflict_and_nothing_is_half_written() {
    use ipsedit::core::domain::store::LdapStore;
    use ipsedit::core::domain::write::{execute, plan};
    use ipsedit::core::store::{Store, StoreError};

    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(dc) = dc() else { return };
    let url = dc.ldaps_url();
    // The defaults are enough: rename Windows' own "Permit" action.
    let store = LdapStore::new(
        DirectoryUrl::parse(&url).expect("url"),
        Credentials::new(USER, PASSWORD),
        TlsPolicy::Verify {
            ca: Some(dc.ca.clone()),
        },
    );
    let loaded = store.load().expect("loads");
    let mut dir = directory(dc);
    let d = read_snapshot(&mut dir, BASE).expect("reads");
    let dn = action_dn(&d, "Permit");
    let mut edited = loaded.snapshot.clone();
    rename_action(&mut edited, "Permit", "Permit (ours)");
    // A new policy too: it must not be created when the save is refused.
    edited
        .policies
        .push(ipsedit::core::model::Policy::new("Not written"));
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: ipsecName\nipsecName: Permit (theirs)\n"
    ))
    .expect("another administrator writes");
    match store.save_edit(&loaded, &edited, "rename") {
        Err(StoreError::Stale { expected, found }) => {
            assert_eq!(expected, loaded.revision);
            assert!(found > expected, "{found} > {expected}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(ipsec_name(dc, &dn), "Permit (theirs)");
    let after = read_snapshot(&mut dir, BASE).expect("reads");
    assert!(after.snapshot.policy_named("Not written").is_none());

    // Between ipsedit's own check and its write, the server itself refuses: the modify
    // deletes the ipsecName value that was loaded, which is gone.
    let base = read_snapshot(&mut dir, BASE).expect("reads");
    let mut edited = base.snapshot.clone();
    rename_action(&mut edited, "Permit (theirs)", "Permit (ours)");
    let p = plan(&base, &edited, 1);
    assert_eq!(p.steps.len(), 1);
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: ipsecName\nipsecName: Permit (again)\n"
    ))
    .expect("another administrator writes again");
    let e = execute(&mut dir, &p).expect_err("refused");
    assert!(e.conflict, "{e}");
    assert_eq!(e.refusal.rc, Some(16), "noSuchAttribute: {e}");
    assert!(e.done.is_empty() && e.pending.is_empty(), "{e}");
    assert_eq!(ipsec_name(dc, &dn), "Permit (again)");
    // Put the name back.
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: ipsecName\nipsecName: Permit\n"
    ))
    .expect("restore");
}

#[test]
fn ipsedit_domain_store_takes_a_w_ds_command_line_while_store_stays_local() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(dc) = dc() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let local = tmp.path().join("local");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .env("IPSEDIT_LDAP_USER", USER)
        .env("IPSEDIT_LDAP_PASSWORD", PASSWORD)
        .env("IPSEDIT_LDAP_CA", &dc.ca)
        .env("IPSEDIT_DOMAIN_STORE", dc.ldaps_url())
        .env_remove("IPSEDIT_STORE")
        .arg("--store")
        .arg(&local)
        .args([
            "ipseccmd",
            "-w",
            "DS",
            "-p",
            "Env Policy",
            "-r",
            "Block 445",
        ])
        .args(["-f", "*=0:445:TCP", "-n", "BLOCK"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut dir = directory(dc);
    let d = read_snapshot(&mut dir, BASE).expect("reads");
    let p = d
        .snapshot
        .policy_named("Env Policy")
        .expect("written to the domain");
    assert_eq!(p.rules.len(), 1);
    let (_, shown, _) = ipsedit(dc, local.to_str().expect("utf-8"), &["show"]);
    assert!(!shown.contains("Env Policy"), "{shown}");
    // Deleting it deletes its objects on the server (sources first), and nothing dangles.
    let before = d.objects.len();
    let (rc, out, err) = ipsedit(
        dc,
        &dc.ldaps_url(),
        &["ipseccmd", "-w", "DS", "-p", "Env Policy", "-o"],
    );
    assert_eq!(rc, 0, "{out}{err}");
    let after = read_snapshot(&mut dir, BASE).expect("reads, with no dangling reference");
    assert!(after.snapshot.policy_named("Env Policy").is_none());
    assert!(
        after.objects.len() < before,
        "{} < {before}",
        after.objects.len()
    );
}
