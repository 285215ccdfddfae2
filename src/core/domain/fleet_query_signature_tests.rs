//! Address signatures: exact groups on a hand-built fleet, and an exhaustive check that
//! every host answers as its signature's first host does.

use std::net::Ipv4Addr;
use std::path::Path;

use super::super::{FleetTables, LoadError, PolicySource};
use super::*;
use crate::core::domain::DirEntry;
use crate::core::domain::fleet::{Fleet, FleetDirectory};
use crate::core::domain::gpo;
use crate::core::domain::hosts::HostSheet;
use crate::core::engine::{EffectiveTable, explain, reach};
use crate::core::model::{
    Behavior, FilterAction, FilterList, HostContext, OsProfile, Policy, Rule,
};

const D: &str = "DC=example,DC=test";
const DDP: &str =
    "CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,DC=example,DC=test";
const POLICY: &str = "CN=ipsecPolicy{aaaaaaaa-0000-0000-0000-000000000001},CN=IP Security,\
                      CN=System,DC=example,DC=test";

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

/// A policy of `(source, destination, protocol, dst port, mirrored, action)` filters, one
/// rule each, in order.
fn policy(filters: &[(Address, Address, u8, u16, bool, Behavior)]) -> Snapshot {
    let mut s = Snapshot::default();
    let mut p = Policy::new("P");
    p.id = Id::parse_str("aaaaaaaa-0000-0000-0000-000000000001").expect("uuid");
    for (n, (src, dst, proto, port, mirrored, b)) in filters.iter().enumerate() {
        let mut list = FilterList::new(format!("list {n}"));
        list.filters.push(Filter {
            protocol: crate::core::model::Protocol(*proto),
            dst_port: *port,
            mirrored: *mirrored,
            ..Filter::new(src.clone(), dst.clone())
        });
        let action = FilterAction::new(format!("action {n}"), *b);
        p.rules
            .push(Rule::new(format!("rule {n}"), list.id, action.id));
        s.filter_lists.push(list);
        s.filter_actions.push(action);
    }
    s.assigned = Some(p.id);
    s.policies.push(p);
    s
}

fn subnet(a: Ipv4Addr, prefix: u8) -> Address {
    Address::Ip {
        addr: a,
        mask: Ipv4Addr::from(crate::core::engine::header::mask_of(prefix)),
    }
}

/// Blocks UDP 1434 to 192.0.2.0/25.
fn block_lower_half() -> Snapshot {
    policy(&[(
        Address::Any,
        subnet(ip(192, 0, 2, 0), 25),
        17,
        1434,
        false,
        Behavior::Block,
    )])
}

struct One(Snapshot);

impl PolicySource for One {
    fn domain(&mut self, _: &str) -> Result<(Snapshot, Id), LoadError> {
        let id = self.0.assigned.expect("assigned");
        Ok((self.0.clone(), id))
    }
    fn local(&mut self, file: &Path) -> Result<Snapshot, LoadError> {
        Err(LoadError {
            message: file.display().to_string(),
            invalid_input: true,
        })
    }
}

/// Windows Server 2003 computers under a domain-linked GPO assigning POLICY, with the
/// sheet's rows (`NAME,ADDRESSES`, NoDefaultExempt 1: no Kerberos exemption).
fn fleet(rows: &[(&str, &str)]) -> Fleet {
    let cs = format!("CN=Computers,{D}");
    let computers: Vec<DirEntry> = rows
        .iter()
        .map(|(n, _)| {
            DirEntry::new(format!("CN={n},{cs}"))
                .with("name", *n)
                .with("operatingSystem", "Windows Server 2003")
        })
        .collect();
    let soms = [DirEntry::new(D).with("gPLink", format!("[LDAP://{DDP};0]"))];
    let gpos = [DirEntry::new(DDP).with("displayName", "Default Domain Policy")];
    let assignments = [DirEntry::new(gpo::assignment_dn(DDP)).with("ipsecOwnersReference", POLICY)];
    let dir = FleetDirectory::from_entries(D, &computers, &soms, &gpos, &assignments, &[]);
    let mut text = String::from("name,os,no_default_exempt,addresses,local_policy\n");
    for (n, a) in rows {
        text.push_str(&format!("{n},,1,{a},\n"));
    }
    let sheet = HostSheet::parse(&text, "hosts.csv", Path::new("/srv")).expect("valid sheet");
    Fleet::resolve(&dir, Some(&sheet))
}

#[test]
fn addresses_the_policy_and_question_cannot_tell_apart_share_a_table() {
    let f = fleet(&[
        ("IN-1", "192.0.2.10/24"),
        ("IN-2", "192.0.2.20/24"),
        ("OUT-1", "192.0.2.200/24"),
        ("OUT-2", "192.0.2.201/24"),
        ("OTHER-NET", "198.51.100.7/24"),
        ("ASKER", "203.0.113.9/24"),
        ("IN-HOST", "192.0.2.30/32"),
        ("IN-FIRST", "192.0.2.40/24;192.0.2.210/24"),
        ("OUT-FIRST", "192.0.2.210/24;192.0.2.40/24"),
        ("IN-3", "192.0.2.127/24"),
    ]);
    let packet = "udp 203.0.113.9:88 -> me:1434";
    let t = FleetTables::build(
        &f,
        &mut One(block_lower_half()),
        &[],
        &QuestionNets::of_packet(packet),
    );
    let got: Vec<String> = t
        .explain(packet, None)
        .iter()
        .map(|a| {
            let g = &t.groups[a.group];
            let names: Vec<&str> = g
                .hosts
                .iter()
                .map(|&i| f.hosts[i].computer.name.as_str())
                .collect();
            let answer = match &a.answer {
                Ok(e) => format!("{} row {:?} {}", e.verdict.word(), e.row, e.packet),
                Err(e) => format!("error: {e}"),
            };
            format!("{} | vary {} | {answer}", names.join(","), g.addresses_vary)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            // The question's own source address: the packet leaves this host, no row.
            "ASKER | vary false | permit row None udp 203.0.113.9:88 -> 203.0.113.9:1434",
            // Inside the blocked /25: one table for three distinct addresses, built at the
            // first host's.
            "IN-1,IN-2,IN-3 | vary true | block row Some(9) udp 203.0.113.9:88 -> 192.0.2.10:1434",
            // `me` is the first address, and two addresses make more exemption rows.
            "IN-FIRST | vary false | block row Some(14) udp 203.0.113.9:88 -> 192.0.2.40:1434",
            // A /32 has no subnet broadcast: two broadcast rows fewer.
            "IN-HOST | vary false | block row Some(7) udp 203.0.113.9:88 -> 192.0.2.30:1434",
            // Outside the /25 but another subnet broadcast (its own exemption rows).
            "OTHER-NET | vary false | permit row None udp 203.0.113.9:88 -> 198.51.100.7:1434",
            // Outside the /25, one subnet: one table.
            "OUT-1,OUT-2 | vary true | permit row None udp 203.0.113.9:88 -> 192.0.2.200:1434",
            "OUT-FIRST | vary false | permit row None udp 203.0.113.9:88 -> 192.0.2.210:1434",
        ]
    );
    // Grouped by literal address there would be 10 tables; by nothing, 1.
    assert_eq!(t.groups.len(), 7);
}

#[test]
fn the_question_splits_hosts_the_policy_alone_would_merge() {
    let f = fleet(&[
        ("A", "192.0.2.10/24"),
        ("B", "192.0.2.20/24"),
        ("C", "192.0.2.30/24"),
    ]);
    let sizes = |packet: &str| {
        let t = FleetTables::build(
            &f,
            &mut One(block_lower_half()),
            &[],
            &QuestionNets::of_packet(packet),
        );
        let words: Vec<String> = t
            .explain(packet, None)
            .iter()
            .map(|a| match &a.answer {
                Ok(e) => format!("{} {}", e.verdict.word(), e.packet),
                Err(e) => format!("error: {e}"),
            })
            .collect();
        (t.groups.len(), words)
    };
    // All three sit in the blocked /25, but the packet is only A's and B's to judge.
    assert_eq!(
        sizes("udp 192.0.2.20:88 -> 192.0.2.10:1434"),
        (
            3,
            vec![
                "block udp 192.0.2.20:88 -> 192.0.2.10:1434".to_string(),
                "block udp 192.0.2.20:88 -> 192.0.2.10:1434".to_string(),
                "error: packet udp 192.0.2.20:88 -> 192.0.2.10:1434 is neither from nor to \
                 this host (host addresses: 192.0.2.30); IPsec filters only what this host \
                 sends or receives: use `me` or a host address on one side"
                    .to_string(),
            ]
        )
    );
    assert_eq!(
        sizes("udp 198.51.100.1:88 -> me:1434"),
        (
            1,
            vec!["block udp 198.51.100.1:88 -> 192.0.2.10:1434".to_string()]
        )
    );
    let t = FleetTables::build(
        &f,
        &mut One(block_lower_half()),
        &[],
        &QuestionNets::of_packet("udp 198.51.100.1:88 -> me:1434"),
    );
    let other = t.explain("udp 192.0.2.20:88 -> 192.0.2.10:1434", None);
    assert_eq!(
        other[0].answer.as_ref().err().map(String::as_str),
        Some("the fleet was grouped for another question: build the tables with this one")
    );
}

/// What must not differ between two hosts of one signature: the verdict and how it was
/// reached (rows, not the addresses printed).
fn explain_shape(t: &EffectiveTable, packet: &str) -> String {
    let p = match Packet::parse(packet, &t.context.host_addresses) {
        Ok(p) => p,
        Err(e) => return format!("parse error {:?}", std::mem::discriminant(&e)),
    };
    match explain(t, &p, None) {
        Ok(e) => format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            e.verdict,
            e.decided_by,
            e.exemption,
            e.rule,
            e.direction,
            e.weight,
            e.row,
            e.outcome,
            e.trail
                .iter()
                .map(|i| (i.row, i.action, format!("{:?}", i.result)))
                .collect::<Vec<_>>()
        ),
        Err(e) => format!("error {:?}", std::mem::discriminant(&e)),
    }
}

fn reach_shape(t: &EffectiveTable, space: &HeaderSpace) -> String {
    match reach(t, space) {
        Ok(items) => {
            let mut rows: Vec<(Option<usize>, Behavior)> =
                items.iter().map(|i| (i.row, i.action)).collect();
            rows.sort_by_key(|(r, a)| (*r, a.word()));
            format!("{rows:?}")
        }
        Err(e) => format!("error {e:?}"),
    }
}

fn table_shape(t: &EffectiveTable) -> String {
    let rows: Vec<String> = t
        .rows
        .iter()
        .map(|r| {
            format!(
                "{:?} {:?} {:?} {:?} {} {} {:?} {:?} {} {}",
                r.weight,
                r.action,
                r.direction,
                r.protocol,
                r.src_port,
                r.dst_port,
                r.origin.exemption,
                r.origin.filter_index,
                r.origin.reversed,
                u32::from(r.src.prefix_len()) * 100 + u32::from(r.dst.prefix_len())
            )
        })
        .collect();
    rows.join("\n")
}

/// A question asked of one table, as the shape of its answer.
type Shape<'a> = Box<dyn Fn(&EffectiveTable) -> String + 'a>;

/// Every host of a small address grid, one and two interfaces, against policies naming
/// subnets and hosts (mirrored too) and questions naming addresses: a host's table and
/// answers have the shape of its signature's first host's.
#[test]
fn every_host_answers_as_its_signature_does() {
    let a = |d: u8| ip(192, 0, 2, d);
    let policies = [
        block_lower_half(),
        policy(&[
            (
                Address::Me,
                Address::host(a(129)),
                6,
                445,
                true,
                Behavior::Block,
            ),
            (
                subnet(a(128), 26),
                Address::Me,
                0,
                0,
                true,
                Behavior::Negotiate,
            ),
            (Address::Any, Address::Me, 17, 1434, false, Behavior::Block),
            (
                Address::Me,
                subnet(ip(198, 51, 100, 0), 24),
                0,
                0,
                false,
                Behavior::Permit,
            ),
        ]),
        policy(&[(Address::Me, Address::Me, 0, 0, true, Behavior::Block)]),
    ];
    let packets = [
        "udp 203.0.113.9:88 -> me:1434",
        "tcp me:1025 -> 192.0.2.129:445",
        "udp 192.0.2.129:500 -> me:500",
        "udp me:137 -> 192.0.2.255:137",
        "udp 192.0.2.1:88 -> 192.0.2.10:1434",
        "icmp 224.0.0.1 -> me",
    ];
    let spaces = [
        "udp any:88 -> me:1434",
        "tcp 192.0.2.128/26 -> me:445",
        "any me -> 192.0.2.0/24",
    ];
    let pool = [
        a(0),
        a(1),
        a(10),
        a(127),
        a(128),
        a(129),
        a(255),
        ip(198, 51, 100, 1),
        ip(203, 0, 113, 9),
    ];
    let mut hosts: Vec<Vec<Interface>> = Vec::new();
    for &x in &pool {
        for prefix in [24, 25, 32] {
            hosts.push(vec![Interface { addr: x, prefix }]);
        }
    }
    for &x in &pool {
        for &y in &pool {
            hosts.push(vec![
                Interface {
                    addr: x,
                    prefix: 24,
                },
                Interface {
                    addr: y,
                    prefix: 25,
                },
            ]);
        }
    }
    let (mut checked, mut merged, mut distinct) = (0, 0, 0);
    for s in &policies {
        let questions: Vec<(QuestionNets, Shape<'_>)> = packets
            .iter()
            .map(|p| {
                let f: Shape<'_> = Box::new(move |t| explain_shape(t, p));
                (QuestionNets::of_packet(p), f)
            })
            .chain(spaces.iter().map(|text| {
                let space = HeaderSpace::parse(text).expect("valid space");
                let f: Shape<'_> = Box::new(move |t| reach_shape(t, &space));
                (QuestionNets::of_space(&space), f)
            }))
            .collect();
        for (question, answer) in &questions {
            let mut classifier = Classifier::new(s, None, question);
            let mut first: HashMap<Vec<u32>, (usize, String)> = HashMap::new();
            let mut answers: HashMap<String, usize> = HashMap::new();
            for (n, interfaces) in hosts.iter().enumerate() {
                let host = HostContext {
                    profile: OsProfile::Ws2003,
                    no_default_exempt: Some(1),
                    interfaces: interfaces.clone(),
                    ..HostContext::default()
                };
                let t = EffectiveTable::build(s, None, &host);
                let shape = format!("{}\n{}", answer(&t), table_shape(&t));
                let sig = classifier.signature(interfaces);
                match first.get(&sig) {
                    Some((m, expected)) => {
                        assert_eq!(
                            &shape, expected,
                            "{interfaces:?} answers unlike {:?}, same signature",
                            hosts[*m]
                        );
                        merged += 1;
                    }
                    None => {
                        answers.insert(shape.clone(), n);
                        first.insert(sig, (n, shape));
                    }
                }
                checked += 1;
            }
            distinct += answers.len();
        }
    }
    assert_eq!(checked, 3 * 9 * (27 + 81));
    assert!(
        merged > checked / 3,
        "signatures merge: {merged} of {checked}"
    );
    assert!(
        distinct > 3 * 9 * 3,
        "hosts of different signatures answer differently: {distinct} distinct answers"
    );
}
