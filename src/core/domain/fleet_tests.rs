//! The fleet view built from directory entries as AD returns them.

use super::*;
use std::path::Path;

const D: &str = "DC=example,DC=test";
const DDP: &str =
    "CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=example,DC=test";
const LAB: &str =
    "CN={11111111-2222-3333-4444-555555555555},CN=Policies,CN=System,DC=example,DC=test";

fn policy_dn(id: &str) -> String {
    format!("CN=ipsecPolicy{{{id}}},CN=IP Security,CN=System,{D}")
}

fn computer(name: &str, container: &str, os: &str, sp: Option<&str>) -> DirEntry {
    let e = DirEntry::new(format!("CN={name},{container}"))
        .with("name", name)
        .with("operatingSystem", os);
    match sp {
        Some(sp) => e.with("operatingSystemServicePack", sp),
        None => e,
    }
}

fn directory() -> FleetDirectory {
    let computers = [
        computer(
            "WS01",
            &format!("CN=Computers,{D}"),
            "Windows XP Professional",
            Some("Service Pack 2"),
        ),
        computer("LAB1", &format!("OU=Lab,{D}"), "Windows Server 2003", None),
        computer(
            "lab2",
            &format!("OU=Lab,{D}"),
            "Windows 2000 Server",
            Some("Service Pack 4"),
        ),
        computer("OLD", &format!("OU=Blocked,{D}"), "Windows NT", None),
    ];
    let soms = [
        DirEntry::new(D).with("gPLink", format!("[LDAP://{};0]", DDP.to_lowercase())),
        DirEntry::new(format!("OU=Lab,{D}")).with("gPLink", format!("[LDAP://{LAB};0]")),
        DirEntry::new(format!("OU=Blocked,{D}")).with("gPOptions", "1"),
        DirEntry::new(format!("OU=Broken,{D}")).with("gPLink", "[nonsense"),
    ];
    let gpos = [
        DirEntry::new(DDP)
            .with("displayName", "Default Domain Policy")
            .with("flags", "0"),
        DirEntry::new(LAB).with("displayName", "Lab IPsec"),
    ];
    let assignments = [
        DirEntry::new(gpo::assignment_dn(DDP)).with("ipsecOwnersReference", policy_dn("A")),
        DirEntry::new(gpo::assignment_dn(LAB)).with("ipsecOwnersReference", policy_dn("B")),
    ];
    let names = [
        DirEntry::new(policy_dn("A")).with("ipsecName", "Server (Request Security)"),
        DirEntry::new(policy_dn("B")).with("ipsecName", "Lab lockdown"),
    ];
    FleetDirectory::from_entries(D, &computers, &soms, &gpos, &assignments, &names)
}

fn summary(f: &Fleet) -> Vec<String> {
    f.hosts
        .iter()
        .map(|h| {
            let profile = match &h.profile {
                Ok(p) => p.id().to_string(),
                Err(_) => "?".into(),
            };
            let policy = match &h.assignment {
                Assignment::Domain { from, policy_name } => format!(
                    "{} via {}",
                    policy_name.as_deref().unwrap_or("(unnamed)"),
                    from.gpo_name
                ),
                Assignment::Local { file } => format!("local {}", file.display()),
                Assignment::None => "none".into(),
            };
            format!("{} {profile} {policy}", h.computer.name)
        })
        .collect()
}

#[test]
fn each_computer_gets_the_policy_of_its_closest_gpo() {
    let dir = directory();
    assert_eq!(
        dir.warnings,
        vec![format!(
            "OU=Broken,{D}: gPLink '[nonsense': a link is not closed by ']'; its links are \
             ignored"
        )]
    );
    let fleet = Fleet::resolve(&dir, None);
    assert_eq!(
        summary(&fleet),
        vec![
            "LAB1 ws2003 Lab lockdown via Lab IPsec",
            "lab2 win2000-sp4 Lab lockdown via Lab IPsec",
            "OLD ? none",
            "WS01 winxp-sp2 Server (Request Security) via Default Domain Policy",
        ]
    );
    assert_eq!(fleet.containers, 3, "LAB1 and lab2 share one resolution");
    assert_eq!(fleet.hosts[0].container, format!("OU=Lab,{D}"));
}

#[test]
fn the_sheet_overrides_the_os_and_supplies_local_policies() {
    let dir = directory();
    let sheet = HostSheet::parse(
        "name,os,no_default_exempt,addresses,local_policy\n\
         old,winxp-sp1,1,192.0.2.9/24,old.netsh\n\
         WS01,,,,ws01.netsh\n\
         GHOST,,,,\n",
        "hosts.csv",
        Path::new("/srv"),
    )
    .expect("valid");
    let fleet = Fleet::resolve(&dir, Some(&sheet));
    assert_eq!(
        summary(&fleet),
        vec![
            "LAB1 ws2003 Lab lockdown via Lab IPsec",
            "lab2 win2000-sp4 Lab lockdown via Lab IPsec",
            "OLD winxp-sp1 local /srv/old.netsh",
            "WS01 winxp-sp2 Server (Request Security) via Default Domain Policy",
        ],
        "a domain policy overrides WS01's local one"
    );
    assert_eq!(fleet.unknown_sheet_rows, vec!["GHOST".to_string()]);
}
