//! The `netdiag /test:ipsec /debug` report (KB 813878, `seeds/004_*.txt`) of the assigned
//! policy: its name and registry path, then one entry per filter the driver holds, i.e.
//! per expanded row of the engine's effective table (`me` becomes each host address, a
//! mirrored filter adds its reverse). "Policy Id" is the filter action's id, as in the
//! article's listing, where the two rules' filters show two different Policy Ids.
//!
//! Decisions where the article is silent: entries follow the policy's order (rule, then
//! filter, then its mirror), not the weight order; a row that is neither inbound nor
//! outbound (any ↔ any) is listed twice, once per direction, since the driver's flags
//! carry one direction; rows of inactive rules and dynamic rules are not listed.

use std::net::Ipv4Addr;

use crate::core::engine::{Direction, EffectiveTable, OriginKind, Row};
use crate::core::model::{Behavior, HostContext, Id, Snapshot};

/// The exact line netdiag prints when no policy is assigned.
pub const NO_POLICY: &str = "IP Security test . . . . . . . . . : Passed IPSec policy service is active, but no policy is assigned.";

fn guid(id: Id) -> String {
    format!("{{{}}}", id.to_string().to_uppercase())
}

fn v4(net: &ipnet::IpNet) -> Option<(Ipv4Addr, Ipv4Addr)> {
    match net {
        ipnet::IpNet::V4(n) => Some((n.addr(), n.netmask())),
        ipnet::IpNet::V6(_) => None,
    }
}

fn action_word(b: Behavior) -> &'static str {
    match b {
        Behavior::Permit => "Permit",
        Behavior::Block => "Block",
        Behavior::Negotiate => "Negotiate",
    }
}

fn entry(row: &Row, direction: &str, out: &mut Vec<String>) {
    let (Some((sa, sm)), Some((da, dm))) = (v4(&row.src), v4(&row.dst)) else {
        return;
    };
    let o = &row.origin;
    out.push("    No Name".into());
    out.push(format!(
        "        Filter Id: {}",
        o.filter_id.map_or("{}".to_string(), guid)
    ));
    out.push(format!(
        "        Policy Id: {}",
        o.action_id.map_or("{}".to_string(), guid)
    ));
    out.push(format!(
        "        Src Addr : {:<15} Src Mask : {sm}",
        sa.to_string()
    ));
    out.push(format!(
        "        Dest Addr : {:<15} Dest Mask : {dm}",
        da.to_string()
    ));
    out.push(format!(
        "        Tunnel Addr : {:<15} Src Port : {:<5} Dest Port : {}",
        row.tunnel.unwrap_or(Ipv4Addr::UNSPECIFIED).to_string(),
        row.src_port,
        row.dst_port
    ));
    out.push(format!(
        "        Protocol : {:<3} TunnelFilter: {}",
        row.protocol.unwrap_or(0),
        if row.tunnel.is_some() { "Yes" } else { "No" }
    ));
    out.push(format!(
        "        Flags : {direction} {}",
        action_word(row.action)
    ));
}

/// The report for the assigned policy with the host context `host`.
pub fn report(snap: &Snapshot, host: &HostContext) -> String {
    let Some(policy) = snap.assigned_policy() else {
        return format!("{NO_POLICY}\n");
    };
    let table = EffectiveTable::build(snap, None, host);
    let rule_pos = |id: Option<Id>| {
        policy
            .rules
            .iter()
            .position(|r| Some(r.id) == id)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<&Row> = table
        .rows
        .iter()
        .filter(|r| r.origin.kind == OriginKind::Filter)
        .collect();
    rows.sort_by_key(|r| {
        (
            rule_pos(r.origin.rule_id),
            r.origin.filter_index,
            r.origin.reversed,
            r.index,
        )
    });
    let mut entries = Vec::new();
    let mut count = 0;
    for r in rows {
        let dirs: &[&str] = match r.direction {
            Direction::Inbound => &["Inbound"],
            Direction::Outbound => &["Outbound"],
            Direction::Both => &["Inbound", "Outbound"],
        };
        for d in dirs {
            entry(r, d, &mut entries);
            count += 1;
        }
    }
    let mut out = vec![
        "IP Security test . . . . . . . . . : Passed".to_string(),
        format!("    Local IPSec Policy Active: '{}'", policy.name),
        format!(
            "    IP Security Policy Path: SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{}",
            guid(policy.id)
        ),
        String::new(),
        format!("    There are {count} filters"),
    ];
    out.extend(entries);
    let mut s = out.join("\n");
    s.push('\n');
    s
}
