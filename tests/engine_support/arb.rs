//! Random policies, hosts and packets for the engine's property tests. Pools are small
//! so that random filters and packets meet often, with every special address class
//! (host, subnet broadcast, limited broadcast, multicast, servers, DNS names) and
//! arbitrary values mixed in so that nothing is tested only at hand-picked points.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipsedit::core::engine::Packet;
use ipsedit::core::model::{
    Address, Behavior, DynamicRule, Filter, FilterAction, HostContext, Interface, OsProfile,
    Protocol, ServerKind, Snapshot, prefix_mask,
};
use proptest::prelude::*;

use super::{add_rule, ip};

/// Interfaces a host may have: a /24 (subnet broadcast 10.10.1.255), a /30 (broadcast
/// 192.168.5.3), a /31 and a /32 (no subnet broadcast).
pub const INTERFACES: [(&str, u8); 4] = [
    ("10.10.1.2", 24),
    ("192.168.5.1", 30),
    ("172.16.0.8", 31),
    ("198.51.100.4", 32),
];
pub const DNS_SERVER: &str = "10.10.1.53";
pub const GATEWAY: &str = "10.10.1.1";

/// Addresses packets use besides the host's own.
pub const PEERS: [&str; 10] = [
    "10.10.1.7",
    "10.10.1.53",
    "10.10.1.255",
    "192.168.5.3",
    "203.0.113.9",
    "224.0.0.251",
    "239.255.255.255",
    "255.255.255.255",
    "10.10.1.1",
    "198.51.100.4",
];

pub fn arb_host() -> impl Strategy<Value = HostContext> {
    (
        0..OsProfile::ALL.len(),
        prop::option::of(0u32..5),
        prop::sample::subsequence(INTERFACES.to_vec(), 1..=3),
        any::<bool>(),
    )
        .prop_map(|(profile, nde, ifs, servers)| HostContext {
            profile: OsProfile::ALL[profile],
            no_default_exempt: nde,
            interfaces: ifs
                .iter()
                .map(|(a, p)| Interface {
                    addr: ip(a),
                    prefix: *p,
                })
                .collect(),
            dns_servers: if servers {
                vec![ip(DNS_SERVER)]
            } else {
                vec![]
            },
            gateways: if servers {
                vec![ip(GATEWAY), ip("10.10.1.7")]
            } else {
                vec![]
            },
            ..HostContext::default()
        })
}

pub fn arb_port() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => Just(0u16),
        1 => Just(88u16),
        1 => Just(500u16),
        1 => Just(1434u16),
        2 => any::<u16>(),
    ]
}

/// One side of a filter: every address kind, including a subnet written with host bits
/// (E003, still evaluated as `addr & mask`) and a mask with holes (E002, no rows).
pub fn arb_side() -> impl Strategy<Value = Address> {
    let subnet = |a: &str, p: u8| Address::subnet(ip(a), prefix_mask(p));
    prop_oneof![
        3 => Just(Address::Any),
        3 => Just(Address::Me),
        1 => Just(Address::host(ip("10.10.1.7"))),
        1 => Just(Address::host(ip("203.0.113.9"))),
        2 => Just(subnet("10.10.1.0", 24)),
        1 => Just(subnet("10.10.1.7", 24)),
        1 => Just(subnet("10.0.0.0", 8)),
        1 => Just(subnet("224.0.0.0", 4)),
        1 => Just(subnet("192.168.5.0", 30)),
        1 => Just(Address::subnet(ip("10.0.0.0"), ip("255.0.255.0"))),
        1 => (any::<u32>(), 0u8..=32).prop_map(|(a, p)| Address::subnet(Ipv4Addr::from(a), prefix_mask(p))),
        1 => prop::sample::subsequence(vec![ip("10.10.1.7"), ip("203.0.113.9"), ip("10.10.1.7")], 0..=3)
            .prop_map(|resolved| Address::Dns { name: "files.example".into(), resolved }),
        1 => prop::sample::select(ServerKind::ALL.to_vec()).prop_map(Address::Server),
    ]
}

pub fn arb_filter() -> impl Strategy<Value = Filter> {
    (
        arb_side(),
        arb_side(),
        prop_oneof![
            2 => Just(0u8),
            2 => Just(6u8),
            2 => Just(17u8),
            1 => Just(1u8),
            1 => Just(46u8),
            1 => any::<u8>(),
        ],
        arb_port(),
        arb_port(),
        any::<bool>(),
        // Mostly ports only with TCP/UDP (as the editors allow); sometimes not, to see
        // that such rows (E004) evaluate the same everywhere.
        prop::bool::weighted(0.1),
    )
        .prop_map(|(s, d, proto, sp, dp, mirrored, stray_ports)| {
            let ports = Protocol(proto).has_ports() || stray_ports;
            Filter {
                protocol: Protocol(proto),
                src_port: if ports { sp } else { 0 },
                dst_port: if ports { dp } else { 0 },
                mirrored,
                ..Filter::new(s, d)
            }
        })
}

/// An action: its behaviour and, for negotiate, inpass and soft.
pub fn arb_action() -> impl Strategy<Value = (Behavior, bool, bool)> {
    (
        prop_oneof![
            Just(Behavior::Permit),
            Just(Behavior::Block),
            Just(Behavior::Negotiate)
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(b, inpass, soft)| {
            let neg = b == Behavior::Negotiate;
            (b, neg && inpass, neg && soft)
        })
}

/// Rules of policy "P" (filters, action, active) and dynamic rules.
pub type Rules = Vec<(Vec<Filter>, (Behavior, bool, bool), bool)>;
pub type Dynamic = Vec<(Filter, (Behavior, bool, bool))>;

pub fn arb_rules(max_rules: usize, max_filters: usize) -> impl Strategy<Value = Rules> {
    prop::collection::vec(
        (
            prop::collection::vec(arb_filter(), 0..=max_filters),
            arb_action(),
            prop::bool::weighted(0.85),
        ),
        0..=max_rules,
    )
}

pub fn arb_dynamic() -> impl Strategy<Value = Dynamic> {
    prop::collection::vec((arb_filter(), arb_action()), 0..=2)
}

pub fn snapshot(rules: Rules, dynamic: Dynamic, host: &HostContext) -> Snapshot {
    let mut s = Snapshot {
        host: host.clone(),
        ..Snapshot::default()
    };
    for (i, (filters, (b, inpass, soft), active)) in rules.into_iter().enumerate() {
        add_rule(&mut s, "P", &format!("R{i}"), filters, b);
        if let Some(a) = s.filter_actions.last_mut() {
            a.inpass = inpass;
            a.soft = soft;
        }
        if let Some(p) = s.policies.first_mut()
            && let Some(r) = p.rules.last_mut()
        {
            r.active = active;
        }
    }
    for (i, (f, (b, inpass, soft))) in dynamic.into_iter().enumerate() {
        s.dynamic.push(DynamicRule {
            id: uuid::Uuid::new_v4(),
            filter: f,
            action: FilterAction {
                inpass,
                soft,
                ..FilterAction::new(format!("dyn {i}"), b)
            },
            authentication: Vec::new(),
            tunnel: None,
            connection: Default::default(),
            origin: format!("ipseccmd -f dyn{i}"),
            outbound: None,
            netsh: None,
        });
    }
    s
}

pub fn arb_protocol() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => Just(6u8),
        3 => Just(17u8),
        1 => Just(1u8),
        1 => Just(46u8),
        1 => Just(41u8),
        1 => 1u8..=255,
    ]
}

/// Packets: from one of the host's interfaces or from a peer, to a peer, a host address,
/// a broadcast or multicast address; sometimes IPv6. Ports (0 allowed) only with TCP/UDP.
pub fn arb_packet() -> impl Strategy<Value = Packet> {
    let addr = prop_oneof![
        6 => prop::sample::select(PEERS.to_vec()).prop_map(ip),
        4 => prop::sample::select(INTERFACES.to_vec()).prop_map(|(a, _)| ip(a)),
        1 => any::<u32>().prop_map(Ipv4Addr::from),
    ];
    (
        arb_protocol(),
        addr.clone(),
        addr,
        arb_port(),
        arb_port(),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(proto, s, d, sp, dp, v6)| {
            let ports = Protocol(proto).has_ports();
            let (sp, dp) = if ports { (sp, dp) } else { (0, 0) };
            if v6 {
                Packet {
                    protocol: proto,
                    src: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)),
                    src_port: sp,
                    dst: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5)),
                    dst_port: dp,
                }
            } else {
                Packet::v4(proto, s, sp, d, dp)
            }
        })
}

/// A filter from a narrow pool (few prefixes, ports and protocols), so that random
/// filters nest, repeat and collide often: what findings are about.
pub fn arb_dense_filter() -> impl Strategy<Value = Filter> {
    let side = prop_oneof![
        3 => Just(Address::Any),
        2 => Just(Address::Me),
        2 => Just(Address::subnet(ip("10.10.1.0"), prefix_mask(24))),
        1 => Just(Address::subnet(ip("10.0.0.0"), prefix_mask(8))),
        2 => Just(Address::host(ip("10.10.1.7"))),
        1 => Just(Address::Server(ServerKind::Gateway)),
    ];
    (
        side.clone(),
        side,
        prop::sample::select(vec![0u8, 6, 17]),
        prop::sample::select(vec![0u16, 0, 80, 88]),
        prop::sample::select(vec![0u16, 0, 80, 88]),
        any::<bool>(),
    )
        .prop_map(|(s, d, proto, sp, dp, mirrored)| {
            let ports = Protocol(proto).has_ports();
            Filter {
                protocol: Protocol(proto),
                src_port: if ports { sp } else { 0 },
                dst_port: if ports { dp } else { 0 },
                mirrored,
                ..Filter::new(s, d)
            }
        })
}

pub fn arb_dense_rules(max_rules: usize, max_filters: usize) -> impl Strategy<Value = Rules> {
    prop::collection::vec(
        (
            prop::collection::vec(arb_dense_filter(), 1..=max_filters),
            arb_action(),
            prop::bool::weighted(0.9),
        ),
        0..=max_rules,
    )
}

/// Adds a rule that reuses the first rule's filter list with the last rule's action:
/// the same filters reach the table from two rules.
pub fn share_first_list(s: &mut Snapshot) {
    let Some(p) = s.policies.first_mut() else {
        return;
    };
    if let (Some(first), Some(last)) = (p.rules.first(), p.rules.last()) {
        let r = ipsedit::core::model::Rule::new("Shared", first.filter_list, last.filter_action);
        p.rules.push(r);
    }
}
