//! The fleet view against a real Samba AD DC: OUs, GPOs with IPsec assignment objects and
//! gPLink/gPOptions written offline with `ldbadd`/`ldbmodify` before the server starts,
//! then read over LDAPS by the core and by `ipsedit hosts`, with exact answers.
//! Needs root and the Samba packages (see `.ci/run`): otherwise SKIPPED, and a failure
//! under CI=true.

mod domain_support;

use std::process::Command;

use domain_support::{BASE, Dc, PASSWORD, Provisioned, USER};
use ipsedit::core::domain::fleet::{Assignment, Fleet, FleetDirectory};
use ipsedit::core::domain::{Credentials, Directory, DirectoryUrl, TlsPolicy};

const DDP: &str = "{31B2F340-016D-11D2-945F-00C04FB984F9}";
const S1: &str = "{5A1E5000-0000-4000-8000-000000000001}";
const S2: &str = "{5A1E5000-0000-4000-8000-000000000002}";
const E: &str = "{5A1E5000-0000-4000-8000-000000000003}";
const F: &str = "{5A1E5000-0000-4000-8000-000000000004}";
const SERVER: &str = "{72385230-70FA-11D1-864C-14A300000000}";
const CLIENT: &str = "{72385236-70FA-11D1-864C-14A300000000}";

fn gpo(guid: &str) -> String {
    format!("CN={guid},CN=Policies,CN=System,{BASE}")
}

fn policy(id: &str) -> String {
    format!("CN=ipsecPolicy{id},CN=IP Security,CN=System,{BASE}")
}

fn link(guid: &str, options: u32) -> String {
    format!("[LDAP://{};{options}]", gpo(guid))
}

/// The "Secure Server (Require Security)" policy's DN, found offline.
fn secure_server(p: &Provisioned) -> Result<String, String> {
    let out = Command::new("ldbsearch")
        .arg("-H")
        .arg(p.sam())
        .args(["-b", &format!("CN=IP Security,CN=System,{BASE}")])
        .args([
            "(&(objectClass=ipsecPolicy)(ipsecName=Secure Server*))",
            "dn",
        ])
        .output()
        .map_err(|e| format!("ldbsearch: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("dn: ").map(str::to_string))
        .ok_or_else(|| "no Secure Server policy in the provisioned domain".into())
}

/// Domain: DDP (Client). Sales: S1 (Server) then S2 (Secure Server: link order 1).
/// Sales/East: E (no IPsec). Sales/West: blocks inheritance, E. Lab: blocks, S1.
/// Corp: F enforced (Client). Corp/Dev: blocks, S1. Quiet: S1 with the link disabled.
fn seed(p: &Provisioned) -> Result<(), String> {
    let secure = secure_server(p)?;
    let mut ldif = String::new();
    for (ou, gplink, options) in [
        ("OU=Sales", format!("{}{}", link(S1, 0), link(S2, 0)), 0),
        ("OU=East,OU=Sales", link(E, 0), 0),
        ("OU=West,OU=Sales", link(E, 0), 1),
        ("OU=Lab", link(S1, 0), 1),
        ("OU=Corp", link(F, 2), 0),
        ("OU=Dev,OU=Corp", link(S1, 0), 1),
        ("OU=Quiet", link(S1, 1), 0),
    ] {
        ldif.push_str(&format!(
            "dn: {ou},{BASE}\nobjectClass: organizationalUnit\ngPLink: {gplink}\n\
             gPOptions: {options}\n\n"
        ));
    }
    for (guid, name, assigned) in [
        (S1, "Sales servers", Some(policy(SERVER))),
        (S2, "Sales lockdown", Some(secure.clone())),
        (E, "East desktop settings", None),
        (F, "Corp baseline", Some(policy(CLIENT))),
    ] {
        let g = gpo(guid);
        ldif.push_str(&format!(
            "dn: {g}\nobjectClass: groupPolicyContainer\ndisplayName: {name}\nflags: 0\n\
             versionNumber: 0\n\ndn: CN=Machine,{g}\nobjectClass: container\n\n"
        ));
        if let Some(policy) = assigned {
            ldif.push_str(&assignment(&g, &policy));
        }
    }
    ldif.push_str(&assignment(&gpo(DDP), &policy(CLIENT)));
    for (name, os, sp, container) in [
        (
            "WS-SALES",
            "Windows XP Professional",
            "Service Pack 2",
            "OU=Sales",
        ),
        (
            "WS-EAST",
            "Windows XP Professional",
            "Service Pack 1",
            "OU=East,OU=Sales",
        ),
        (
            "WS-WEST",
            "Windows 2000 Professional",
            "Service Pack 4",
            "OU=West,OU=Sales",
        ),
        ("SRV-LAB", "Windows Server 2003", "Service Pack 2", "OU=Lab"),
        ("DEV1", "Windows XP Professional", "", "OU=Dev,OU=Corp"),
        (
            "QUIET1",
            "Windows 2000 Server",
            "Service Pack 3",
            "OU=Quiet",
        ),
        (
            "PLAIN1",
            "Windows XP Professional",
            "Service Pack 3",
            "CN=Computers",
        ),
    ] {
        let sp_line = if sp.is_empty() {
            String::new()
        } else {
            format!("operatingSystemServicePack: {sp}\n")
        };
        ldif.push_str(&format!(
            "dn: CN={name},{container},{BASE}\nobjectClass: computer\n\
             sAMAccountName: {name}$\nuserAccountControl: 4096\noperatingSystem: {os}\n\
             {sp_line}\n"
        ));
    }
    p.ldbadd(&ldif)
}

/// The GPO's IPsec assignment object, with its Microsoft and Windows containers.
fn assignment(gpo_dn: &str, policy_dn: &str) -> String {
    let m = format!("CN=Microsoft,CN=Machine,{gpo_dn}");
    format!(
        "dn: {m}\nobjectClass: container\n\ndn: CN=Windows,{m}\nobjectClass: container\n\n\
         dn: CN=IPSEC,CN=Windows,{m}\nobjectClass: ipsecPolicy\nipsecName: assigned\n\
         ipsecOwnersReference: {policy_dn}\n\n"
    )
}

fn dc() -> Option<&'static Dc> {
    domain_support::shared(seed)
}

fn read_fleet(dc: &Dc) -> FleetDirectory {
    let url = DirectoryUrl::parse(&dc.ldaps_url()).expect("url");
    let tls = TlsPolicy::Verify {
        ca: Some(dc.ca.clone()),
    };
    let mut dir =
        Directory::connect(&url, &Credentials::new(USER, PASSWORD), &tls).expect("connect");
    let fleet = FleetDirectory::read(&mut dir).expect("read the fleet");
    dir.close();
    fleet
}

#[test]
fn each_computer_gets_the_policy_group_policy_gives_it() {
    let Some(dc) = dc() else { return };
    let fleet = Fleet::resolve(&read_fleet(dc), None);
    let got: Vec<String> = fleet
        .hosts
        .iter()
        .map(|h| {
            let profile = h.profile.as_ref().map(|p| p.id()).unwrap_or("?");
            let policy = match &h.assignment {
                Assignment::Domain { from, policy_name } => format!(
                    "{} <- {} @ {}{}",
                    policy_name.as_deref().unwrap_or("?"),
                    from.gpo_name,
                    from.som_dn,
                    if from.enforced { " enforced" } else { "" }
                ),
                Assignment::Local { .. } => "local".into(),
                Assignment::None => "none".into(),
            };
            format!("{} {profile}: {policy}", h.computer.name)
        })
        .collect();
    let d = BASE;
    assert_eq!(
        got,
        vec![
            format!("DC1 ?: Client (Respond Only) <- Default Domain Policy @ {d}"),
            format!("DEV1 winxp: Client (Respond Only) <- Corp baseline @ OU=Corp,{d} enforced"),
            format!("PLAIN1 ?: Client (Respond Only) <- Default Domain Policy @ {d}"),
            format!("QUIET1 win2000-sp3: Client (Respond Only) <- Default Domain Policy @ {d}"),
            format!("SRV-LAB ws2003: Server (Request Security) <- Sales servers @ OU=Lab,{d}"),
            format!(
                "WS-EAST winxp-sp1: Secure Server (Require Security) <- Sales lockdown @ \
                 OU=Sales,{d}"
            ),
            format!(
                "WS-SALES winxp-sp2: Secure Server (Require Security) <- Sales lockdown @ \
                 OU=Sales,{d}"
            ),
            "WS-WEST win2000-sp4: none".to_string(),
        ]
    );
    assert_eq!(fleet.warnings, Vec::<String>::new());
}

fn ipsedit_hosts(dc: &Dc, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--store")
        .arg(dc.ldaps_url())
        .arg("hosts")
        .args(args)
        .env("IPSEDIT_LDAP_USER", USER)
        .env("IPSEDIT_LDAP_PASSWORD", PASSWORD)
        .env("IPSEDIT_LDAP_CA", &dc.ca)
        .env_remove("IPSEDIT_STORE")
        .output()
        .expect("ipsedit runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ipsedit_hosts_lists_the_fleet_as_text_and_json() {
    let Some(dc) = dc() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let sheet = dir.path().join("hosts.csv");
    std::fs::write(
        &sheet,
        "name,os,no_default_exempt,addresses,local_policy\n\
         ws-west,,1,192.0.2.20/24,west.netsh\n\
         DC1,ws2003,,,\n",
    )
    .expect("write sheet");
    let (code, stdout, stderr) = ipsedit_hosts(dc, &["--hosts", sheet.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "8 computers in example.test at ldaps://127.0.0.1:636 (bound as \
         Administrator@EXAMPLE.TEST)"
    );
    assert!(lines[1].starts_with("note: site-linked GPOs, WMI filters and security filtering"));
    assert!(lines[2].starts_with("note: this lists which policy applies; `ipsedit hosts explain"));
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(
        row("DC1"),
        format!(
            "DC1 ws2003 OU=Domain Controllers,{BASE} 'Client (Respond Only)' GPO 'Default \
             Domain Policy' linked at {BASE}"
        )
    );
    let west = sheet.with_file_name("west.netsh");
    assert_eq!(
        row("WS-WEST"),
        format!(
            "WS-WEST win2000-sp4 OU=West,OU=Sales,{BASE} local policy --hosts: {}",
            west.display()
        )
    );
    assert!(
        stdout.contains("\nPLAIN1: no profile for 'Windows XP Professional Service Pack 3'"),
        "{stdout}"
    );

    let (code, json, stderr) = ipsedit_hosts(dc, &["--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let dev = v["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|h| h["name"] == "DEV1")
        .expect("DEV1");
    assert_eq!(
        dev["assignment"],
        serde_json::json!({
            "kind": "domain",
            "policy_dn": policy(CLIENT),
            "policy_name": "Client (Respond Only)",
            "gpo_dn": gpo(F),
            "gpo_name": "Corp baseline",
            "linked_at": format!("OU=Corp,{BASE}"),
            "enforced": true,
        })
    );
    assert_eq!(dev["profile"], "winxp");
    assert_eq!(dev["container"], format!("OU=Dev,OU=Corp,{BASE}"));
}

#[test]
fn ipsedit_hosts_refuses_bad_settings_with_exit_2() {
    let Some(dc) = dc() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .args(["--store", &dc.ldaps_url(), "hosts"])
        .env("IPSEDIT_LDAP_USER", USER)
        .env_remove("IPSEDIT_LDAP_PASSWORD")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ipsedit: no password for Administrator@EXAMPLE.TEST: set IPSEDIT_LDAP_PASSWORD (a \
         password is never taken as a command-line argument)\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .args(["--store", "ldaps://127.0.0.1", "hosts"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ipsedit: directory URL 'ldaps://127.0.0.1': no base DN after the host: add the \
         domain's DN, like ldaps://dc1.example.test/DC=example,DC=test\n"
    );
}

/// The sheet for the questions: DC1 and DEV1 get an OS, WS-WEST a local policy (overridden
/// nowhere: West blocks inheritance and its GPO assigns no IPsec policy).
fn question_sheet(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::write(
        dir.join("west.ipseccmd"),
        "ipseccmd -w REG -p West -r R -f *=0:1434:UDP -n BLOCK -x\n",
    )
    .expect("write local policy");
    let sheet = dir.join("hosts.csv");
    std::fs::write(
        &sheet,
        "name,os,no_default_exempt,addresses,local_policy\n\
         DC1,ws2003,,,\n\
         DEV1,winxp-sp2,,,\n\
         WS-WEST,,,,west.ipseccmd\n\
         SRV-LAB,,0,198.51.100.7/24,\n\
         PLAIN1,winxp-sp2,,,\n",
    )
    .expect("write sheet");
    sheet
}

/// `hosts explain` as (result, host count, hosts, inputs) per group, from --json.
fn groups(v: &serde_json::Value) -> Vec<String> {
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let hosts: Vec<&str> = g["hosts"]
                .as_array()
                .expect("hosts")
                .iter()
                .map(|h| h.as_str().unwrap_or("?"))
                .collect();
            let policy = match g["policy"]["kind"].as_str() {
                Some("domain") => g["policy"]["name"].as_str().unwrap_or("?").to_string(),
                Some("local") => "local".into(),
                _ => "none".into(),
            };
            let how = match g["answer"]["decided_by"].as_str() {
                Some(d) => d.to_string(),
                None => g["error"].as_str().unwrap_or("").to_string(),
            };
            format!(
                "{} {} {} | {policy} {} nde={} {} | {}",
                g["result"].as_str().unwrap_or("?"),
                g["host_count"],
                how,
                g["profile"].as_str().unwrap_or("?"),
                g["no_default_exempt"],
                g["addresses"][0].as_str().unwrap_or("-"),
                hosts.join(",")
            )
        })
        .collect()
}

#[test]
fn hosts_explain_answers_every_computer_grouped_by_table() {
    let Some(dc) = dc() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let sheet = question_sheet(dir.path());
    let sheet = sheet.to_str().expect("utf-8");
    let packet = "udp 203.0.113.9:88 -> me:1434";
    let assume = ["--assume-address", "192.0.2.50/24"];
    let run = |extra: &[&str]| {
        let mut args = vec!["--hosts", sheet];
        args.extend_from_slice(extra);
        ipsedit_hosts(dc, &args)
    };
    let (code, json, stderr) = run(&[assume[0], assume[1], "explain", packet, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        groups(&v),
        vec![
            "block 1 filter | local win2000-sp4 nde=null 192.0.2.50/24 | WS-WEST",
            "negotiate 1 filter | Secure Server (Require Security) winxp-sp2 nde=null \
             192.0.2.50/24 | WS-SALES",
            "permit 2 no-match | Client (Respond Only) winxp-sp2 nde=null 192.0.2.50/24 | \
             DEV1,PLAIN1",
            "permit 1 no-match | Client (Respond Only) ws2003 nde=null 192.0.2.50/24 | DC1",
            "permit 1 exemption | Client (Respond Only) win2000-sp3 nde=null 192.0.2.50/24 | \
             QUIET1",
            "permit 1 exemption | Server (Request Security) ws2003 nde=0 198.51.100.7/24 | \
             SRV-LAB",
            "permit 1 exemption | Secure Server (Require Security) winxp-sp1 nde=null \
             192.0.2.50/24 | WS-EAST",
        ]
    );
    assert_eq!(v["host_count"], 8);
    assert_eq!(v["distinct_tables"], 7);
    assert_eq!(
        v["policies_read"], 4,
        "Client, Server, Secure Server and west.ipseccmd"
    );
    assert_eq!(
        v["totals"],
        serde_json::json!({"block": 1, "negotiate": 1, "permit": 6})
    );
    assert_eq!(
        v["groups"][1]["answer"]["packet"], "udp 203.0.113.9:88 -> 192.0.2.50:1434",
        "`me` is the host's (here assumed) address"
    );

    // Text, and the fleet question as a one-liner.
    let (code, text, stderr) = run(&[assume[0], assume[1], "reach", "udp any:88 -> me:1434"]);
    assert_eq!(code, 0, "{stderr}");
    let text = text.replace(&dir.path().display().to_string(), "DIR");
    let assumed = "NoDefaultExempt absent; addresses 192.0.2.50/24 (assumed)";
    let none = "no exemption and no filter matches: passed unchanged";
    let kerberos = "the kerberos exemption permits it";
    let eg = "e.g. udp 203.0.113.9:88 -> 192.0.2.50:1434";
    assert_eq!(
        text,
        format!(
            "8 computers in example.test at ldaps://127.0.0.1:636 (bound as \
             Administrator@EXAMPLE.TEST)\n\
             note: site-linked GPOs, WMI filters and security filtering are not evaluated: \
             every GPO linked to a computer's domain or OUs is taken to apply to it\n\
             udp any:88 -> me:1434: 8 hosts, 7 distinct tables, 4 policies read\n\n\
             lets in: 2 hosts (domain policy 'Client (Respond Only)'; winxp-sp2; {assumed})\n\
             \x20 row    - permit    {none}  {eg}\n\
             \x20 hosts: DEV1, PLAIN1\n\n\
             lets in: 1 host (domain policy 'Client (Respond Only)'; ws2003; {assumed})\n\
             \x20 row    - permit    {none}  {eg}\n\
             \x20 hosts: DC1\n\n\
             lets in: 1 host (domain policy 'Client (Respond Only)'; win2000-sp3; {assumed})\n\
             \x20 row    1 permit    {kerberos}  {eg}\n\
             \x20 hosts: QUIET1\n\n\
             lets in: 1 host (domain policy 'Server (Request Security)'; ws2003; \
             NoDefaultExempt 0; addresses 198.51.100.7/24)\n\
             \x20 row    1 permit    {kerberos}  e.g. udp 203.0.113.9:88 -> 198.51.100.7:1434\n\
             \x20 hosts: SRV-LAB\n\n\
             lets in: 1 host (domain policy 'Secure Server (Require Security)'; winxp-sp1; \
             {assumed})\n\
             \x20 row    1 permit    {kerberos}  {eg}\n\
             \x20 hosts: WS-EAST\n\n\
             lets in: 1 host (domain policy 'Secure Server (Require Security)'; winxp-sp2; \
             {assumed})\n\
             \x20 row   12 negotiate rule 'Require Security' (filter 1 of 'All IP Traffic', \
             mirrored) decides it: negotiate (reaches this host secured, or in clear with \
             inpass/soft)  {eg}\n\
             \x20 hosts: WS-SALES\n\n\
             nothing gets in: 1 host (local policy DIR/west.ipseccmd; win2000-sp4; \
             {assumed})\n\
             \x20 hosts: WS-WEST\n\n\
             total: lets in 7, nothing gets in 1\n"
        )
    );

    // Without a stand-in address, `me` cannot be answered for hosts the sheet gives none.
    let (code, text, stderr) = run(&["explain", packet]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        text.contains(
            "\nerror: 2 hosts (domain policy 'Client (Respond Only)'; winxp-sp2; \
             NoDefaultExempt absent; addresses none)\n  `me` needs the host's address: give \
             it in --hosts (addresses) or pass --assume-address CIDR\n  hosts: DEV1, PLAIN1\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("\ntotal: error 7, permit 1\n"), "{text}");
    assert_eq!(
        stderr,
        "ipsedit: 7 host(s) could not be answered; each group says why\n"
    );
}

#[test]
fn hosts_whose_addresses_the_policy_cannot_tell_apart_share_a_table() {
    let Some(dc) = dc() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let sheet = dir.path().join("hosts.csv");
    std::fs::write(
        &sheet,
        "name,os,no_default_exempt,addresses,local_policy\n\
         DEV1,winxp-sp2,,192.0.2.21/24,\n\
         PLAIN1,winxp-sp2,,192.0.2.22/24,\n",
    )
    .expect("write sheet");
    let sheet = sheet.to_str().expect("utf-8");
    let packet = "udp 203.0.113.9:88 -> me:1434";
    let (code, json, stderr) = ipsedit_hosts(dc, &["--hosts", sheet, "explain", packet, "--json"]);
    assert_eq!(code, 1, "the other hosts have no address: {stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let both: Vec<&serde_json::Value> = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter(|g| g["evaluated_at"] == "DEV1")
        .collect();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["hosts"], serde_json::json!(["DEV1", "PLAIN1"]));
    assert_eq!(both[0]["addresses"], serde_json::json!(["192.0.2.21/24"]));
    assert_eq!(both[0]["addresses_vary"], true);
    assert_eq!(
        both[0]["answer"]["packet"],
        "udp 203.0.113.9:88 -> 192.0.2.21:1434"
    );
    let (_, text, _) = ipsedit_hosts(dc, &["--hosts", sheet, "explain", packet]);
    assert!(
        text.contains(
            "\npermit: 2 hosts (domain policy 'Client (Respond Only)'; winxp-sp2; \
             NoDefaultExempt absent; addresses 192.0.2.21/24 (DEV1's; the others' addresses \
             differ only where this policy and question cannot tell))\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n  hosts: DEV1, PLAIN1\n"), "{text}");
}
