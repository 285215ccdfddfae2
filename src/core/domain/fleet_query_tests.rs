//! Fleet answers on hand-built snapshots: exact groups and verdicts.

use super::*;
use crate::core::domain::DirEntry;
use crate::core::domain::fleet::FleetDirectory;
use crate::core::domain::gpo;
use crate::core::domain::hosts::HostSheet;
use crate::core::interchange::ipseccmd;

const D: &str = "DC=example,DC=test";
const DDP: &str =
    "CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=example,DC=test";
const LAB: &str =
    "CN={11111111-2222-3333-4444-555555555555},CN=Policies,CN=System,DC=example,DC=test";
const OPEN: &str =
    "CN={22222222-2222-3333-4444-555555555555},CN=Policies,CN=System,DC=example,DC=test";
const A: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const B: &str = "aaaaaaaa-0000-0000-0000-000000000002";

fn policy_dn(id: &str) -> String {
    format!("CN=ipsecPolicy{{{id}}},CN=IP Security,CN=System,{D}")
}

/// `ipseccmd` lines applied to an empty snapshot.
fn snapshot(lines: &[&[&str]]) -> Snapshot {
    let mut s = Snapshot::default();
    for l in lines {
        let args: Vec<String> = l.iter().map(|a| a.to_string()).collect();
        ipseccmd::apply(&mut s, &args).expect("valid ipseccmd line");
    }
    s
}

fn block_1434(name: &str) -> Snapshot {
    snapshot(&[&[
        "-w",
        "REG",
        "-p",
        name,
        "-r",
        "in",
        "-f",
        "*=0:1434:UDP",
        "-n",
        "BLOCK",
        "-x",
    ]])
}

/// Policies by DN or file; counts the loads.
#[derive(Default)]
struct Source {
    domain: HashMap<String, Snapshot>,
    local: HashMap<PathBuf, Snapshot>,
    loads: Vec<String>,
}

impl PolicySource for Source {
    fn domain(&mut self, dn: &str) -> Result<(Snapshot, Id), LoadError> {
        self.loads.push(dn.to_string());
        let s = self.domain.get(dn).cloned().ok_or_else(|| LoadError {
            message: format!("{dn}: no such policy"),
            invalid_input: false,
        })?;
        let id = s.assigned.expect("test policies are assigned");
        Ok((s, id))
    }
    fn local(&mut self, file: &Path) -> Result<Snapshot, LoadError> {
        self.loads.push(file.display().to_string());
        self.local.get(file).cloned().ok_or_else(|| LoadError {
            message: format!("{}: cannot read", file.display()),
            invalid_input: true,
        })
    }
}

fn computer(name: &str, ou: &str, os: &str, sp: Option<&str>) -> DirEntry {
    let e = DirEntry::new(format!("CN={name},{ou}"))
        .with("name", name)
        .with("operatingSystem", os);
    match sp {
        Some(sp) => e.with("operatingSystemServicePack", sp),
        None => e,
    }
}

/// Domain links DDP (policy A); OU=Lab links LAB (policy A too, via another GPO name);
/// OU=Open links OPEN (policy B); CN=Computers gets DDP; OU=Free has inheritance blocked.
fn fleet(sheet: &str) -> Fleet {
    let cs = format!("CN=Computers,{D}");
    let lab = format!("OU=Lab,{D}");
    let open = format!("OU=Open,{D}");
    let free = format!("OU=Free,{D}");
    let computers = [
        computer("W2K-1", &cs, "Windows 2000 Server", Some("Service Pack 4")),
        computer("W2K-2", &lab, "Windows 2000 Server", Some("Service Pack 4")),
        computer(
            "XP-1",
            &cs,
            "Windows XP Professional",
            Some("Service Pack 1"),
        ),
        computer(
            "XP-2",
            &lab,
            "Windows XP Professional",
            Some("Service Pack 1"),
        ),
        computer("SRV-1", &open, "Windows Server 2003", None),
        computer("SRV-2", &cs, "Windows Server 2003", None),
        computer("FREE-1", &free, "Windows Server 2003", None),
        computer("FREE-2", &free, "Windows Server 2003", None),
        computer("NOADDR", &cs, "Windows Server 2003", None),
        computer("NT4", &cs, "Windows NT", None),
    ];
    let soms = [
        DirEntry::new(D).with("gPLink", format!("[LDAP://{DDP};0]")),
        DirEntry::new(lab.clone()).with("gPLink", format!("[LDAP://{LAB};0]")),
        DirEntry::new(open.clone()).with("gPLink", format!("[LDAP://{OPEN};0]")),
        DirEntry::new(free.clone()).with("gPOptions", "1"),
    ];
    let gpos = [
        DirEntry::new(DDP).with("displayName", "Default Domain Policy"),
        DirEntry::new(LAB).with("displayName", "Lab"),
        DirEntry::new(OPEN).with("displayName", "Open"),
    ];
    let assignments = [
        DirEntry::new(gpo::assignment_dn(DDP)).with("ipsecOwnersReference", policy_dn(A)),
        DirEntry::new(gpo::assignment_dn(LAB)).with("ipsecOwnersReference", policy_dn(A)),
        DirEntry::new(gpo::assignment_dn(OPEN)).with("ipsecOwnersReference", policy_dn(B)),
    ];
    let names = [
        DirEntry::new(policy_dn(A)).with("ipsecName", "Block 1434"),
        DirEntry::new(policy_dn(B)).with("ipsecName", "Open"),
    ];
    let dir = FleetDirectory::from_entries(D, &computers, &soms, &gpos, &assignments, &names);
    let sheet = HostSheet::parse(sheet, "hosts.csv", Path::new("/srv")).expect("valid sheet");
    Fleet::resolve(&dir, Some(&sheet))
}

const SHEET: &str = "name,os,no_default_exempt,addresses,local_policy\n\
                     W2K-1,,,192.0.2.11/24,\n\
                     W2K-2,,,192.0.2.11/24,local.netsh\n\
                     XP-1,,,192.0.2.21/24,\n\
                     XP-2,,,192.0.2.21/24,\n\
                     SRV-1,,,198.51.100.1/24,\n\
                     SRV-2,,0,198.51.100.2/24,\n\
                     FREE-1,,,203.0.113.1/24,local.netsh\n\
                     FREE-2,,,203.0.113.2/24,\n\
                     NT4,,,192.0.2.99/24,\n";

fn source() -> Source {
    let mut s = Source::default();
    let mut a = block_1434("Block 1434");
    // The directory's ids are the DN's GUIDs.
    let old = a.assigned.expect("assigned");
    let new = Id::parse_str(A).expect("uuid");
    if let Some(p) = a.policy_mut(old) {
        p.id = new;
    }
    a.assigned = Some(new);
    s.domain.insert(policy_dn(A), a);
    s.domain.insert(
        policy_dn(B),
        snapshot(&[&[
            "-w", "REG", "-p", "Open", "-r", "r", "-f", "0+*", "-n", "PASS", "-x",
        ]]),
    );
    s.local
        .insert(PathBuf::from("/srv/local.netsh"), block_1434("Local"));
    s
}

/// The nets of the questions these tests ask (the tables answer both).
fn q() -> QuestionNets {
    let space = HeaderSpace::parse("udp any:88 -> me:1434").expect("valid space");
    QuestionNets::of_packet("udp 203.0.113.9:88 -> me:1434").and(&QuestionNets::of_space(&space))
}

/// One line per group: origin, profile, NoDefaultExempt, addresses, hosts, answer.
fn lines<T>(
    f: &Fleet,
    t: &FleetTables,
    answers: &[GroupAnswer<T>],
    word: impl Fn(&T) -> String,
) -> Vec<String> {
    answers
        .iter()
        .map(|a| {
            let g = &t.groups[a.group];
            let names: Vec<&str> = g
                .hosts
                .iter()
                .map(|&i| f.hosts[i].computer.name.as_str())
                .collect();
            format!(
                "{} | {} | {} | {} | {} | {}",
                g.origin.describe(),
                g.profile.map_or("?", |p| p.id()),
                g.no_default_exempt.map_or("-".into(), |n| n.to_string()),
                g.addresses
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(";"),
                names.join(","),
                match &a.answer {
                    Ok(x) => word(x),
                    Err(e) => format!("error: {e}"),
                }
            )
        })
        .collect()
}

#[test]
fn explain_answers_each_distinct_table_once() {
    let f = fleet(SHEET);
    let mut src = source();
    let t = FleetTables::build(&f, &mut src, &[], &q());
    let answers = t.explain("udp 203.0.113.9:88 -> me:1434", None);
    let got = lines(&f, &t, &answers, |e| {
        format!("{} {:?}", e.verdict.word(), e.decided_by)
    });
    assert_eq!(
        got,
        vec![
            "local policy /srv/local.netsh | ws2003 | - | 203.0.113.1/24 | FREE-1 | block Filter",
            "no policy (default exemptions only) | ws2003 | - | 203.0.113.2/24 | FREE-2 | permit NoMatch",
            "domain policy 'Block 1434' | ws2003 | - |  | NOADDR | error: `me` needs the \
             host's address: give it in --hosts (addresses) or pass --assume-address CIDR",
            "domain policy 'Block 1434' | ? | - | 192.0.2.99/24 | NT4 | error: the OS is unknown \
             (no profile from operatingSystem): give the os in --hosts",
            "domain policy 'Open' | ws2003 | - | 198.51.100.1/24 | SRV-1 | permit Filter",
            "domain policy 'Block 1434' | ws2003 | 0 | 198.51.100.2/24 | SRV-2 | permit Exemption",
            "domain policy 'Block 1434' | win2000-sp4 | - | 192.0.2.11/24 | W2K-1,W2K-2 | block Filter",
            "domain policy 'Block 1434' | winxp-sp1 | - | 192.0.2.21/24 | XP-1,XP-2 | permit Exemption",
        ]
    );
    assert_eq!(t.groups.len(), 8, "10 hosts, 8 distinct tables");
    let mut loads = src.loads.clone();
    loads.sort();
    assert_eq!(
        loads,
        vec!["/srv/local.netsh".to_string(), policy_dn(A), policy_dn(B)],
        "each origin is loaded once; W2K-2's local policy is overridden, never read"
    );
}

#[test]
fn reach_lists_the_groups_that_let_some_of_the_space_in() {
    let f = fleet(SHEET);
    let t = FleetTables::build(&f, &mut source(), &[], &q());
    let space = HeaderSpace::parse("udp any:88 -> me:1434").expect("valid space");
    let answers = t.reach(&space);
    let got = lines(&f, &t, &answers, |items| {
        if items.is_empty() {
            return "nothing".into();
        }
        items
            .iter()
            .map(|i| format!("{}:{}", i.action.word(), i.row.map_or(-1, |r| r as i64)))
            .collect::<Vec<_>>()
            .join(" ")
    });
    assert_eq!(
        got,
        vec![
            "local policy /srv/local.netsh | ws2003 | - | 203.0.113.1/24 | FREE-1 | nothing",
            "no policy (default exemptions only) | ws2003 | - | 203.0.113.2/24 | FREE-2 | permit:-1",
            "domain policy 'Block 1434' | ws2003 | - |  | NOADDR | error: `me` needs the \
             host's address: give it in --hosts (addresses) or pass --assume-address CIDR",
            "domain policy 'Block 1434' | ? | - | 192.0.2.99/24 | NT4 | error: the OS is unknown \
             (no profile from operatingSystem): give the os in --hosts",
            "domain policy 'Open' | ws2003 | - | 198.51.100.1/24 | SRV-1 | permit:4",
            "domain policy 'Block 1434' | ws2003 | 0 | 198.51.100.2/24 | SRV-2 | permit:1",
            "domain policy 'Block 1434' | win2000-sp4 | - | 192.0.2.11/24 | W2K-1,W2K-2 | nothing",
            "domain policy 'Block 1434' | winxp-sp1 | - | 192.0.2.21/24 | XP-1,XP-2 | permit:1",
        ]
    );
}

#[test]
fn equal_content_from_two_origins_shares_one_table() {
    let f = fleet(SHEET);
    let mut src = source();
    // FREE-1's local file holds exactly the directory's 'Open' policy.
    let open = src.domain[&policy_dn(B)].clone();
    src.local.insert(PathBuf::from("/srv/local.netsh"), open);
    let sheet = SHEET.replace("SRV-1,,,198.51.100.1/24,", "SRV-1,,,203.0.113.1/24,");
    let f2 = fleet(&sheet);
    let t = FleetTables::build(&f2, &mut src, &[], &q());
    let g: Vec<&Group> = t
        .groups
        .iter()
        .filter(|g| {
            g.hosts
                .iter()
                .any(|&i| f2.hosts[i].computer.name == "SRV-1")
        })
        .collect();
    let names: Vec<&str> = g[0]
        .hosts
        .iter()
        .map(|&i| f2.hosts[i].computer.name.as_str())
        .collect();
    assert_eq!(names, vec!["FREE-1", "SRV-1"]);
    assert_eq!(g[0].origin.describe(), "local policy /srv/local.netsh");
    assert_eq!(g[0].same_content.len(), 1);
    assert_eq!(g[0].same_content[0].describe(), "domain policy 'Open'");
    assert_eq!(t.groups.len(), 7, "FREE-1 and SRV-1 now share a table");
    assert_eq!(
        FleetTables::build(&f, &mut source(), &[], &q())
            .groups
            .len(),
        8
    );
}

#[test]
fn policy_ids_come_from_the_dn() {
    assert_eq!(
        policy_id_of_dn(&policy_dn(A)),
        Some(Id::parse_str(A).expect("uuid"))
    );
    assert_eq!(
        policy_id_of_dn("cn=IPSECPOLICY{AAAAAAAA-0000-0000-0000-000000000002},CN=IP Security"),
        Some(Id::parse_str(B).expect("uuid"))
    );
    assert_eq!(policy_id_of_dn("CN=ipsecNFA{x},CN=IP Security"), None);
    assert_eq!(policy_id_of_dn("CN=ipsecPolicy{nonsense}"), None);
}

#[test]
fn hosts_without_addresses_can_be_answered_at_a_stand_in_address() {
    let f = fleet(SHEET);
    let stand_in = [Interface {
        addr: std::net::Ipv4Addr::new(192, 0, 2, 200),
        prefix: 24,
    }];
    let t = FleetTables::build(&f, &mut source(), &stand_in, &q());
    let answers = t.explain("udp 203.0.113.9:88 -> me:1434", None);
    let noaddr = answers
        .iter()
        .find(|a| {
            t.groups[a.group]
                .hosts
                .iter()
                .any(|&i| f.hosts[i].computer.name == "NOADDR")
        })
        .expect("NOADDR's group");
    let g = &t.groups[noaddr.group];
    assert!(g.assumed_addresses);
    assert_eq!(g.addresses, stand_in.to_vec());
    let e = noaddr.answer.as_ref().expect("answered");
    assert_eq!(e.packet, "udp 203.0.113.9:88 -> 192.0.2.200:1434");
    assert_eq!(
        e.verdict.word(),
        "block",
        "ws2003 defaults to NoDefaultExempt 3"
    );
    let sheet_given = t.groups.iter().filter(|g| !g.assumed_addresses).count();
    assert_eq!(sheet_given, 7, "hosts with addresses keep their own");
}
