//! The policy shape the engine benches share.
#![allow(dead_code)]

use std::net::Ipv4Addr;

use ipsedit::core::model::{
    Address, Behavior, Filter, FilterAction, FilterList, HostContext, Interface, OsProfile, Policy,
    Protocol, Rule, Snapshot,
};

/// A policy of `n` filters in 10 rules: host and subnet blocks and permits on assorted
/// ports, some mirrored, plus a final block-all, like a grown firewall policy.
pub fn policy(n: usize) -> Snapshot {
    let mut s = Snapshot::default();
    let mut p = Policy::new("Big");
    for r in 0..10 {
        let mut list = FilterList::new(format!("list {r}"));
        for i in 0..n / 10 {
            let k = (r * (n / 10) + i) as u32;
            let peer = Ipv4Addr::from(0xC000_0000 | (k * 7));
            let source = match k % 3 {
                0 => Address::host(peer),
                1 => Address::subnet(peer, Ipv4Addr::new(255, 255, 255, 0)),
                _ => Address::Any,
            };
            let proto = [Protocol::TCP, Protocol::UDP, Protocol::ANY][(k % 3) as usize];
            let port = if proto.has_ports() {
                1 + (k % 5000) as u16
            } else {
                0
            };
            list.filters.push(Filter {
                protocol: proto,
                dst_port: port,
                mirrored: k.is_multiple_of(4),
                ..Filter::new(source, Address::Me)
            });
        }
        let behavior = if r % 2 == 0 {
            Behavior::Block
        } else {
            Behavior::Permit
        };
        let action = FilterAction::new(format!("action {r}"), behavior);
        p.rules
            .push(Rule::new(format!("rule {r}"), list.id, action.id));
        s.filter_lists.push(list);
        s.filter_actions.push(action);
    }
    s.assigned = Some(p.id);
    s.policies.push(p);
    s.host = HostContext {
        profile: OsProfile::WinxpSp1,
        interfaces: vec![Interface {
            addr: Ipv4Addr::new(10, 10, 1, 2),
            prefix: 24,
        }],
        ..HostContext::default()
    };
    s
}
