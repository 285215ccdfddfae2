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
use ipsedit::core::domain::read::read_snapshot;
use ipsedit::core::domain::{Credentials, Directory, DirectoryUrl, TlsPolicy};

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
    let policies: Vec<(String, usize)> = d
        .snapshot
        .policies
        .iter()
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
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(lists, vec!["All ICMP Traffic", "All IP Traffic"]);
    let actions: Vec<&str> = d
        .snapshot
        .filter_actions
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["Permit", "Request Security (Optional)", "Require Security"]
    );
    assert_eq!(d.objects.len(), 22, "Samba provisions 22 IPsec objects");
    assert_eq!(d.version.objects, 22);
    assert!(d.version.highest_usn > 0);
    assert!(
        d.objects.iter().all(|o| o.raw.object_guid.is_some()
            && o.raw
                .dn
                .ends_with(&format!("CN=IP Security,CN=System,{BASE}"))),
        "every object keeps its DN and GUID"
    );
}
