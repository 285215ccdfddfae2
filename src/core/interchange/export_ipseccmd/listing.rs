//! `ipseccmd show filters`-style listing of the filters in force: the engine's effective
//! table in evaluation order, the default exemptions first and marked `EXEMPT` with the
//! reason they are active (the filters ipseccmd itself never showed), then the policy and
//! dynamic filters with their weight, direction, action and origin. Pure text from a
//! table the caller built (with whatever host context it chose).

use std::fmt::Write;

use crate::core::engine::{EffectiveTable, OriginKind, Row};
use crate::core::model::Behavior;

fn net(n: &ipnet::IpNet) -> String {
    if n.prefix_len() == 0 {
        "Any".to_string()
    } else {
        match n {
            ipnet::IpNet::V4(v) => format!("{} ({})", v.addr(), v.netmask()),
            ipnet::IpNet::V6(v) => v.to_string(),
        }
    }
}

fn protocol(p: Option<u8>) -> String {
    match p {
        None => "ANY".into(),
        Some(1) => "ICMP".into(),
        Some(6) => "TCP".into(),
        Some(17) => "UDP".into(),
        Some(255) => "RAW".into(),
        Some(n) => n.to_string(),
    }
}

fn action(r: &Row) -> String {
    let base = match r.action {
        Behavior::Permit => "PERMIT",
        Behavior::Block => "BLOCK",
        Behavior::Negotiate => "NEGOTIATE",
    };
    let mut flags = Vec::new();
    if r.inpass {
        flags.push("INPASS");
    }
    if r.soft {
        flags.push("SOFT");
    }
    if flags.is_empty() {
        base.to_string()
    } else {
        format!("{base} ({})", flags.join(", "))
    }
}

/// The listing of `table`.
pub fn show_filters(table: &EffectiveTable) -> String {
    let mut s = String::new();
    let nde = &table.no_default_exempt;
    let _ = writeln!(
        s,
        "Quick Mode Filters (in evaluation order; profile {}, NoDefaultExempt {} ({}))",
        table.profile.id(),
        nde.value,
        match nde.configured {
            Some(v) if v != nde.value => format!("configured {v}, ignored by this OS"),
            Some(_) => "configured".to_string(),
            None => "default".to_string(),
        }
    );
    match &table.policy {
        Some(p) => {
            let _ = writeln!(s, "Policy: {}", p.name);
        }
        None => {
            let _ = writeln!(s, "Policy: none assigned");
        }
    }
    let _ = writeln!(s);
    if table.rows.is_empty() {
        let _ = writeln!(s, "No filters.");
    }
    for r in &table.rows {
        let o = &r.origin;
        let tag = match o.kind {
            OriginKind::Exemption => {
                format!("EXEMPT {}", o.exemption.map_or("default", |e| e.name()))
            }
            OriginKind::Filter => format!("weight {}", r.weight.unwrap_or(0)),
            OriginKind::Dynamic => format!("weight {} dynamic", r.weight.unwrap_or(0)),
        };
        let _ = writeln!(
            s,
            "[{:>3}] {tag}  {} {}",
            r.index,
            r.direction.word(),
            action(r)
        );
        let _ = writeln!(
            s,
            "      Src {} port {}  ->  Dst {} port {}  Protocol {}{}",
            net(&r.src),
            r.src_port,
            net(&r.dst),
            r.dst_port,
            protocol(r.protocol),
            r.tunnel.map_or(String::new(), |t| format!("  Tunnel {t}"))
        );
        let from = match o.kind {
            OriginKind::Exemption => o.why.clone().unwrap_or_default(),
            _ => o.describe(),
        };
        if !from.is_empty() {
            let _ = writeln!(s, "      {from}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{HostContext, Interface, Snapshot};

    #[test]
    fn exemptions_are_listed_first_and_marked() {
        let mut host = HostContext::default();
        host.interfaces.push(Interface {
            addr: std::net::Ipv4Addr::new(192, 168, 1, 1),
            prefix: 24,
        });
        let snap = Snapshot::default();
        let table = EffectiveTable::build(&snap, None, &host);
        let text = show_filters(&table);
        assert!(text.contains("EXEMPT ike"), "{text}");
        assert!(text.contains("Policy: none assigned"), "{text}");
    }
}
