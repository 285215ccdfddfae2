//! A deliberately naive evaluator, straight from docs/domain.md ("Default exemptions" to
//! "Evaluation"), that shares no code with `table` or `explain` beyond the model: tests
//! compare the two on random policies.
//! Linear in everything; never use it on the hot path. `rows` and `matching` give the
//! naive table itself, with each row's identity, so tests can compare deciding rows and
//! trails, not only verdicts.
//! It restates the exemption tables of KB 811832 itself (`support`, `value_keeps`) and
//! must not import them from `exemptions`: the property tests compare the two.

use std::net::{IpAddr, Ipv4Addr};

// Only the names of the exemptions (a vocabulary module, like the model): which ones are in
// force is restated below from KB 811832, not taken from the engine's tables.
use super::exemption::Exemption;
use super::packet::Packet;
use crate::core::model::{
    Address, Behavior, Filter, FilterAction, HostContext, Id, OsProfile, Snapshot, mask_prefix,
};

/// KB 811832, "Operating System Support for NoDefaultExempt", one row per profile: the
/// values the profile honours, and the value in force when none is configured (or the
/// configured one is not honoured). Service Pack 4 of Windows 2000 and Service Pack 2 of
/// XP "change the default" to the one that removes the Kerberos and RSVP exemptions;
/// Server 2003 accepts 0-3 and behaves as 3 when the value is absent.
fn support(profile: OsProfile) -> (&'static [u32], u32) {
    use OsProfile::*;
    match profile {
        Win2000 => (&[], 0),
        Win2000Sp1 => (&[0, 1], 0),
        Win2000Sp2 => (&[0, 1], 0),
        Win2000Sp3 => (&[0, 1], 0),
        Win2000Sp4 => (&[0, 1], 1),
        Winxp => (&[0, 1], 0),
        WinxpSp1 => (&[0, 1], 0),
        WinxpSp2 => (&[0, 1], 1),
        Ws2003 => (&[0, 1, 2, 3], 3),
    }
}

/// KB 811832, "description of possible values": whether the value in force keeps `e`.
/// 0: multicast, broadcast, RSVP, Kerberos and IKE; 1: multicast, broadcast and IKE;
/// 2: RSVP, Kerberos and IKE; 3: IKE only. IPv6 is never filtered (footnote 4).
fn value_keeps(value: u32, e: Exemption) -> bool {
    use Exemption::*;
    matches!(
        (value, e),
        (_, Ipv6 | Ike) | (0, _) | (1, Multicast | Broadcast) | (2, Kerberos | Rsvp)
    )
}

/// Whether exemption `e` is in force on `host`: the value the profile acts on keeps it,
/// or it is multicast or broadcast on Windows 2000 or XP, which "does not support filtering
/// of broadcast or multicast traffic" (KB 811832's note) whatever the value.
pub fn exemption_in_force(host: &HostContext, e: Exemption) -> bool {
    let (honoured, default) = support(host.profile);
    let value = match host.no_default_exempt {
        Some(v) if honoured.contains(&v) => v,
        _ => default,
    };
    let filters_multicast = host.profile == OsProfile::Ws2003;
    value_keeps(value, e)
        || (!filters_multicast && matches!(e, Exemption::Multicast | Exemption::Broadcast))
}

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
    let active = |e: Exemption| exemption_in_force(host, e);
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

/// One concrete row as the reference sees it: what it matches and where it comes from.
/// Identity fields (`exemption`, `filter`, `reversed` and the match fields) let a test find
/// the same row in an `EffectiveTable` without trusting the table's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefRow {
    pub exemption: Option<Exemption>,
    /// (rule id, filter id) for policy filters, (None, dynamic rule id) for dynamic rules:
    /// the same key as `Origin::filter_key`.
    pub filter: Option<(Option<Id>, Id)>,
    /// The reverse row of a mirrored filter.
    pub reversed: bool,
    /// The IPv6 exemption row (its IPv4 fields are unused).
    pub v6: bool,
    /// Prefixes as (network address, prefix length).
    pub src: (Ipv4Addr, u8),
    pub dst: (Ipv4Addr, u8),
    /// 0 = any.
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub action: Behavior,
    pub inpass: bool,
    pub soft: bool,
    /// `None` for exemption rows.
    pub weight: Option<u16>,
}

impl RefRow {
    fn matches(&self, p: &Packet) -> bool {
        let (IpAddr::V4(s), IpAddr::V4(d)) = (p.src, p.dst) else {
            return self.v6;
        };
        let inside = |(net, len): (Ipv4Addr, u8), a: Ipv4Addr| {
            len == 0
                || u32::from(a) >> (32 - u32::from(len)) == u32::from(net) >> (32 - u32::from(len))
        };
        !self.v6
            && inside(self.src, s)
            && inside(self.dst, d)
            && (self.protocol == 0 || self.protocol == p.protocol)
            && (self.src_port == 0 || self.src_port == p.src_port)
            && (self.dst_port == 0 || self.dst_port == p.dst_port)
    }
}

/// Host addresses: every interface address once, in configured order.
fn host_addresses(host: &HostContext) -> Vec<Ipv4Addr> {
    let mut v: Vec<Ipv4Addr> = Vec::new();
    for i in &host.interfaces {
        if !v.contains(&i.addr) {
            v.push(i.addr);
        }
    }
    v
}

/// 255.255.255.255, then the subnet broadcast of each interface of prefix /30 or shorter.
fn broadcast_addresses(host: &HostContext) -> Vec<Ipv4Addr> {
    let mut v = vec![Ipv4Addr::BROADCAST];
    for i in host.interfaces.iter().filter(|i| i.prefix <= 30) {
        let b = Ipv4Addr::from(u32::from(i.addr) | (u32::MAX >> i.prefix));
        if !v.contains(&b) {
            v.push(b);
        }
    }
    v
}

/// Whether the driver sees the packet at all (docs/domain.md, "Traffic for this host").
pub fn for_this_host(host: &HostContext, p: &Packet) -> bool {
    let (IpAddr::V4(s), IpAddr::V4(d)) = (p.src, p.dst) else {
        return true;
    };
    let me = host_addresses(host);
    me.contains(&s) || me.contains(&d) || d.is_multicast() || broadcast_addresses(host).contains(&d)
}

/// The exemption rows in force, in KB 811832's order: per exemption, per host address,
/// source-port rows before destination-port rows, this host as source before as
/// destination; multicast and broadcast rows from this host before those from anyone.
pub fn exemption_rows(host: &HostContext) -> Vec<RefRow> {
    let active = |e: Exemption| exemption_in_force(host, e);
    let me = host_addresses(host);
    let any = (Ipv4Addr::UNSPECIFIED, 0);
    let row = |e, src, dst, protocol, src_port, dst_port| RefRow {
        exemption: Some(e),
        filter: None,
        reversed: false,
        v6: false,
        src,
        dst,
        protocol,
        src_port,
        dst_port,
        action: Behavior::Permit,
        inpass: false,
        soft: false,
        weight: None,
    };
    let mut v = Vec::new();
    if active(Exemption::Kerberos) {
        for proto in [17, 6] {
            for m in &me {
                for (sp, dp) in [(88, 0), (0, 88)] {
                    v.push(row(Exemption::Kerberos, (*m, 32), any, proto, sp, dp));
                    v.push(row(Exemption::Kerberos, any, (*m, 32), proto, sp, dp));
                }
            }
        }
    }
    if active(Exemption::Ike) {
        for m in &me {
            v.push(row(Exemption::Ike, (*m, 32), any, 17, 500, 500));
            v.push(row(Exemption::Ike, any, (*m, 32), 17, 500, 500));
        }
    }
    if active(Exemption::Rsvp) {
        for m in &me {
            v.push(row(Exemption::Rsvp, (*m, 32), any, 46, 0, 0));
            v.push(row(Exemption::Rsvp, any, (*m, 32), 46, 0, 0));
        }
    }
    if active(Exemption::Multicast) {
        let mc = (Ipv4Addr::new(224, 0, 0, 0), 4);
        for m in &me {
            v.push(row(Exemption::Multicast, (*m, 32), mc, 0, 0, 0));
        }
        v.push(row(Exemption::Multicast, any, mc, 0, 0, 0));
    }
    if active(Exemption::Broadcast) {
        for b in broadcast_addresses(host) {
            for m in &me {
                v.push(row(Exemption::Broadcast, (*m, 32), (b, 32), 0, 0, 0));
            }
            v.push(row(Exemption::Broadcast, any, (b, 32), 0, 0, 0));
        }
    }
    v.push(RefRow {
        v6: true,
        ..row(Exemption::Ipv6, any, any, 0, 0, 0)
    });
    v
}

/// The concrete prefixes one side of a filter stands for (none for a mask with holes).
fn concrete(side: &Address, host: &HostContext) -> Vec<(Ipv4Addr, u8)> {
    let hosts = |v: &[Ipv4Addr]| v.iter().map(|a| (*a, 32)).collect();
    match side {
        Address::Any => vec![(Ipv4Addr::UNSPECIFIED, 0)],
        Address::Me => hosts(&host_addresses(host)),
        Address::Dns { resolved, .. } => hosts(resolved),
        Address::Server(k) => hosts(host.servers(*k)),
        Address::Ip { addr, mask } => match mask_prefix(*mask) {
            Some(p) => vec![(Ipv4Addr::from(u32::from(*addr) & u32::from(*mask)), p)],
            None => Vec::new(),
        },
    }
}

/// The filter rows of the evaluated policy and the dynamic rules, in the order they were
/// written (policy rules, filters of each list, then dynamic rules), before sorting.
fn filter_rows(snapshot: &Snapshot, policy: Option<Id>, host: &HostContext) -> Vec<RefRow> {
    let mut out = Vec::new();
    let mut add = |f: &Filter, a: &FilterAction, key: (Option<Id>, Id)| {
        for s in concrete(&f.source, host) {
            for d in concrete(&f.destination, host) {
                let mut sides = vec![(s, f.src_port, d, f.dst_port, false)];
                // The mirror swaps addresses and ports; when that is the same row, it is
                // one row.
                if f.mirrored && !(s == d && f.src_port == f.dst_port) {
                    sides.push((d, f.dst_port, s, f.src_port, true));
                }
                for (src, src_port, dst, dst_port, reversed) in sides {
                    let weight = 8 * (u16::from(src.1) + u16::from(dst.1))
                        + if f.protocol.0 != 0 { 4 } else { 0 }
                        + if src_port != 0 { 2 } else { 0 }
                        + if dst_port != 0 { 1 } else { 0 };
                    out.push(RefRow {
                        exemption: None,
                        filter: Some(key),
                        reversed,
                        v6: false,
                        src,
                        dst,
                        protocol: f.protocol.0,
                        src_port,
                        dst_port,
                        action: a.behavior,
                        inpass: a.inpass,
                        soft: a.soft,
                        weight: Some(weight),
                    });
                }
            }
        }
    };
    if let Some(p) = policy
        .or(snapshot.assigned)
        .and_then(|id| snapshot.policy(id))
    {
        for r in p.rules.iter().filter(|r| r.active) {
            if let (Some(l), Some(a)) = (
                snapshot.filter_list(r.filter_list),
                snapshot.filter_action(r.filter_action),
            ) {
                for f in &l.filters {
                    add(f, a, (Some(r.id), f.id));
                }
            }
        }
    }
    for d in &snapshot.dynamic {
        add(&d.filter, &d.action, (None, d.id));
    }
    out
}

/// Every row of the naive table, in evaluation order: exemptions, then filter rows by
/// weight (heaviest first), block before negotiate before permit at equal weight, and
/// the written order after that.
pub fn rows(snapshot: &Snapshot, policy: Option<Id>, host: &HostContext) -> Vec<RefRow> {
    let mut filters = filter_rows(snapshot, policy, host);
    let rank = |b: Behavior| match b {
        Behavior::Block => 0,
        Behavior::Negotiate => 1,
        Behavior::Permit => 2,
    };
    // A stable sort keeps the written order among equals.
    filters.sort_by_key(|r| (std::cmp::Reverse(r.weight), rank(r.action)));
    let mut all = exemption_rows(host);
    all.extend(filters);
    all
}

/// Every row that matches the packet, in evaluation order: the first decides.
pub fn matching(
    snapshot: &Snapshot,
    policy: Option<Id>,
    host: &HostContext,
    packet: &Packet,
) -> Vec<RefRow> {
    rows(snapshot, policy, host)
        .into_iter()
        .filter(|r| r.matches(packet))
        .collect()
}

/// What happens with a peer of the given kind (docs/domain.md, "Negotiate outcomes"). `decider`
/// is the first matching row, `None` when nothing matches.
pub fn outcome(
    host: &HostContext,
    packet: &Packet,
    decider: Option<&RefRow>,
    peer_speaks_ipsec: bool,
) -> super::explain::Outcome {
    use super::explain::Outcome;
    let Some(r) = decider else {
        return Outcome::Clear;
    };
    let outbound = match packet.src {
        IpAddr::V4(s) => host_addresses(host).contains(&s),
        IpAddr::V6(_) => false,
    };
    match r.action {
        Behavior::Permit => Outcome::Clear,
        Behavior::Block => Outcome::Dropped,
        Behavior::Negotiate if peer_speaks_ipsec => Outcome::Secured,
        // A plain peer: outbound falls back to clear only with soft; inbound clear
        // traffic is accepted only with inpass (soft alone needs an earlier soft SA,
        // which a single packet cannot show).
        Behavior::Negotiate if outbound && r.soft => Outcome::Clear,
        Behavior::Negotiate if !outbound && r.inpass => Outcome::Clear,
        Behavior::Negotiate => Outcome::Dropped,
    }
}
