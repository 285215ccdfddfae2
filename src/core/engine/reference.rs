//! A deliberately naive evaluator, straight from DOMAIN.md §2-§3, that shares no code with
//! `table` or `explain` beyond the model: tests compare the two on random policies.
//! Linear in everything; never use it on the hot path.

use std::net::{IpAddr, Ipv4Addr};

use super::exemptions::{
    Exemption, cannot_filter_multicast, default_value, honoured_values, kept_by_value,
};
use super::packet::Packet;
use crate::core::model::{Address, Behavior, Filter, HostContext, Id, Snapshot, mask_prefix};

/// What the reference evaluator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceVerdict {
    pub action: Behavior,
    /// `Some` when an exemption decided.
    pub exemption: Option<Exemption>,
    /// Weight of the deciding filter; `None` for exemptions and no match.
    pub weight: Option<u16>,
    pub matched_filter: bool,
}

/// Evaluates one packet. The packet is assumed to be for this host.
pub fn evaluate(
    snapshot: &Snapshot,
    policy: Option<Id>,
    host: &HostContext,
    packet: &Packet,
) -> ReferenceVerdict {
    let Packet {
        protocol,
        src,
        src_port,
        dst,
        dst_port,
    } = *packet;
    let exempt = |e| ReferenceVerdict {
        action: Behavior::Permit,
        exemption: Some(e),
        weight: None,
        matched_filter: false,
    };
    let (src, dst) = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (s, d),
        _ => return exempt(Exemption::Ipv6),
    };
    let value = match host.no_default_exempt {
        Some(v) if honoured_values(host.profile).contains(&v) => v,
        _ => default_value(host.profile),
    };
    let kept = kept_by_value(value);
    let active = |e: Exemption| {
        kept.contains(&e)
            || (cannot_filter_multicast(host.profile)
                && matches!(e, Exemption::Multicast | Exemption::Broadcast))
    };
    let mine = |a: Ipv4Addr| host.interfaces.iter().any(|i| i.addr == a);
    let touches_me = mine(src) || mine(dst);
    let broadcast = dst == Ipv4Addr::BROADCAST
        || host.interfaces.iter().any(|i| {
            i.prefix <= 30 && {
                let host_bits = u32::MAX.checked_shr(u32::from(i.prefix)).unwrap_or(0);
                u32::from(dst) == u32::from(i.addr) | host_bits
            }
        });
    if active(Exemption::Kerberos)
        && touches_me
        && (protocol == 6 || protocol == 17)
        && (src_port == 88 || dst_port == 88)
    {
        return exempt(Exemption::Kerberos);
    }
    if active(Exemption::Ike) && touches_me && protocol == 17 && src_port == 500 && dst_port == 500
    {
        return exempt(Exemption::Ike);
    }
    if active(Exemption::Rsvp) && touches_me && protocol == 46 {
        return exempt(Exemption::Rsvp);
    }
    if active(Exemption::Multicast) && dst.octets()[0] >> 4 == 14 {
        return exempt(Exemption::Multicast);
    }
    if active(Exemption::Broadcast) && broadcast {
        return exempt(Exemption::Broadcast);
    }

    // Filters: keep the best (weight, restrictiveness) match.
    let mut best: Option<(u16, u8, Behavior)> = None;
    let mut consider = |f: &Filter, b: Behavior| {
        for (s, sp, d, dp, ss, ds) in [
            (&f.source, f.src_port, &f.destination, f.dst_port, src, dst),
            (&f.destination, f.dst_port, &f.source, f.src_port, src, dst),
        ]
        .into_iter()
        .take(if f.mirrored { 2 } else { 1 })
        {
            let (Some(sl), Some(dl)) = (addr_match(s, ss, host), addr_match(d, ds, host)) else {
                continue;
            };
            let proto_ok = f.protocol.0 == 0 || f.protocol.0 == protocol;
            let ports_ok = (sp == 0 || sp == src_port) && (dp == 0 || dp == dst_port);
            if !(proto_ok && ports_ok) {
                continue;
            }
            let w = 8 * (u16::from(sl) + u16::from(dl))
                + if f.protocol.0 != 0 { 4 } else { 0 }
                + if sp != 0 { 2 } else { 0 }
                + if dp != 0 { 1 } else { 0 };
            let rank = match b {
                Behavior::Block => 2,
                Behavior::Negotiate => 1,
                Behavior::Permit => 0,
            };
            if best.is_none_or(|(bw, br, _)| (w, rank) > (bw, br)) {
                best = Some((w, rank, b));
            }
        }
    };
    if let Some(p) = policy
        .or(snapshot.assigned)
        .and_then(|id| snapshot.policy(id))
    {
        for r in p.rules.iter().filter(|r| r.active) {
            let (Some(l), Some(a)) = (
                snapshot.filter_list(r.filter_list),
                snapshot.filter_action(r.filter_action),
            ) else {
                continue;
            };
            for f in &l.filters {
                consider(f, a.behavior);
            }
        }
    }
    for d in &snapshot.dynamic {
        consider(&d.filter, d.action.behavior);
    }
    match best {
        Some((w, _, b)) => ReferenceVerdict {
            action: b,
            exemption: None,
            weight: Some(w),
            matched_filter: true,
        },
        None => ReferenceVerdict {
            action: Behavior::Permit,
            exemption: None,
            weight: None,
            matched_filter: false,
        },
    }
}

/// The prefix length an address side matches `a` with, if it does.
fn addr_match(side: &Address, a: Ipv4Addr, host: &HostContext) -> Option<u8> {
    let equal = |x: &Ipv4Addr| *x == a;
    match side {
        Address::Any => Some(0),
        Address::Me => host.interfaces.iter().any(|i| i.addr == a).then_some(32),
        Address::Dns { resolved, .. } => resolved.iter().any(equal).then_some(32),
        Address::Server(k) => host.servers(*k).iter().any(equal).then_some(32),
        Address::Ip { addr, mask } => {
            let p = mask_prefix(*mask)?;
            let m = u32::from(*mask);
            (u32::from(a) & m == u32::from(*addr) & m).then_some(p)
        }
    }
}
