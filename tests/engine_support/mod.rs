//! Builders for engine tests: snapshots written in code, and a one-line rendering of rows
//! so expected tables read like the table the CLI prints.
#![allow(dead_code)]

pub mod arb;

use std::net::Ipv4Addr;

use ipsedit::core::engine::{EffectiveTable, Packet, Row};
use ipsedit::core::model::{
    Address, Behavior, DynamicRule, Filter, FilterAction, FilterList, HostContext, Interface,
    OsProfile, Policy, Protocol, Rule, Snapshot,
};

pub fn ip(s: &str) -> Ipv4Addr {
    s.parse().expect("test address")
}

pub fn host(profile: OsProfile, nde: Option<u32>, addrs: &[(&str, u8)]) -> HostContext {
    HostContext {
        profile,
        no_default_exempt: nde,
        interfaces: addrs
            .iter()
            .map(|(a, p)| Interface {
                addr: ip(a),
                prefix: *p,
            })
            .collect(),
        ..HostContext::default()
    }
}

/// `any`, `me`, `A.B.C.D`, `A.B.C.D/P`.
pub fn addr(s: &str) -> Address {
    match s {
        "any" => Address::Any,
        "me" => Address::Me,
        _ => match s.split_once('/') {
            Some((a, p)) => Address::subnet(
                ip(a),
                ipsedit::core::model::prefix_mask(p.parse().expect("prefix")),
            ),
            None => Address::host(ip(s)),
        },
    }
}

pub fn filter(src: &str, dst: &str, proto: u8, sport: u16, dport: u16, mirrored: bool) -> Filter {
    Filter {
        protocol: Protocol(proto),
        src_port: sport,
        dst_port: dport,
        mirrored,
        ..Filter::new(addr(src), addr(dst))
    }
}

/// Adds a rule with its own filter list and action (as ipseccmd does) to the policy
/// named `policy`, creating and assigning the policy if needed.
pub fn add_rule(
    s: &mut Snapshot,
    policy: &str,
    rule: &str,
    filters: Vec<Filter>,
    behavior: Behavior,
) {
    let list = FilterList {
        filters,
        ..FilterList::new(format!("{rule} list"))
    };
    let action = FilterAction::new(format!("{rule} action"), behavior);
    let r = Rule::new(rule, list.id, action.id);
    s.filter_lists.push(list);
    s.filter_actions.push(action);
    let pid = match s.policy_named(policy) {
        Some(p) => p.id,
        None => {
            let p = Policy::new(policy);
            let id = p.id;
            s.policies.push(p);
            s.assigned = Some(id);
            id
        }
    };
    if let Some(p) = s.policy_mut(pid) {
        p.rules.push(r);
    }
}

pub fn dynamic_block(f: Filter, command: &str) -> DynamicRule {
    DynamicRule {
        id: uuid::Uuid::new_v4(),
        filter: f,
        action: FilterAction::new("BLOCK", Behavior::Block),
        authentication: Vec::new(),
        tunnel: None,
        connection: Default::default(),
        origin: command.to_string(),
        outbound: None,
        netsh: None,
    }
}

pub fn table(s: &Snapshot, h: &HostContext) -> EffectiveTable {
    EffectiveTable::build(s, None, h)
}

pub fn pkt(t: &EffectiveTable, text: &str) -> Packet {
    Packet::parse(text, &t.context.host_addresses).expect("test packet")
}

/// `inbound 0.0.0.0/0 -> 10.10.1.2/32 udp 88:0 permit kerberos` or
/// `inbound 0.0.0.0/0 -> 10.10.1.2/32 any 0:0 block w256 'Rule'`.
pub fn render(r: &Row) -> String {
    let proto = match r.protocol {
        None => "any".to_string(),
        Some(6) => "tcp".into(),
        Some(17) => "udp".into(),
        Some(p) => p.to_string(),
    };
    let origin = match (r.origin.exemption, r.weight) {
        (Some(e), _) => e.name().to_string(),
        (None, Some(w)) => format!(
            "w{w} {}",
            r.origin
                .rule
                .as_deref()
                .map(str::to_string)
                .or(r.origin.command.clone())
                .unwrap_or_default()
        ),
        (None, None) => "?".into(),
    };
    format!(
        "{} {} -> {} {proto} {}:{} {} {origin}",
        r.direction.word(),
        r.src,
        r.dst,
        r.src_port,
        r.dst_port,
        r.action.word()
    )
}

pub fn rendered(t: &EffectiveTable) -> Vec<String> {
    t.rows.iter().map(render).collect()
}
