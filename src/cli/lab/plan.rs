//! Which probes a lab run sends: the seed scenarios' packets (Kerberos source and
//! destination port 88, IKE 500, RSVP, ICMP, broadcast, multicast) from and to a few
//! outside addresses, one packet per filter row that the row matches, and optionally
//! random packets (a fixed seed, so a failure can be replayed). All in the policy's own
//! addresses; `AddressMap` gives their lab form. Packets from the host to itself are
//! left out: Linux sends them over loopback, where xfrm never looks.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use super::probe::{Kind, MULTICAST_GROUP, Probe};
use crate::core::enforce::map::AddressMap;
use crate::core::engine::{EffectiveTable, Net};

/// Protocols the lab can send and watch.
const PROTOCOLS: [u8; 5] = [1, 6, 17, 46, 47];

fn probe(map: &AddressMap, kind: Kind, p: (u8, Ipv4Addr, u16, Ipv4Addr, u16)) -> Probe {
    let (proto, s, sp, d, dp) = p;
    Probe {
        kind,
        inbound: s != map.host(),
        packet: p,
        lab: (proto, map.addr(s), sp, map.addr(d), dp),
    }
}

/// The seed packets, a packet per filter row, and `random` random packets.
pub fn probes(table: &EffectiveTable, map: &AddressMap, random: usize, seed: u64) -> Vec<Probe> {
    let me = map.host();
    let outs: Vec<Ipv4Addr> = {
        let all = map.outside_addresses();
        let mut v: Vec<Ipv4Addr> = all.iter().copied().take(3).collect();
        if !v.contains(&map.world()) {
            v.push(map.world());
        }
        v
    };
    let mut list: Vec<(u8, Ipv4Addr, u16, Ipv4Addr, u16)> = Vec::new();
    for &o in &outs {
        list.extend([
            (6, o, 88, me, 445),
            (6, o, 1025, me, 445),
            (17, o, 88, me, 1434),
            (17, o, 1025, me, 1434),
            (17, o, 1025, me, 88),
            (17, o, 500, me, 500),
            (46, o, 0, me, 0),
            (1, o, 0, me, 0),
            (6, me, 1025, o, 445),
            (6, me, 88, o, 445),
            (17, me, 1025, o, 53),
            (17, me, 500, o, 500),
            (46, me, 0, o, 0),
        ]);
    }
    let w = map.world();
    list.push((17, w, 1025, Ipv4Addr::BROADCAST, 1434));
    list.push((17, w, 1025, MULTICAST_GROUP, 5353));
    list.push((17, me, 1025, Ipv4Addr::BROADCAST, 1434));
    list.push((17, me, 1025, MULTICAST_GROUP, 5353));
    if let Some(b) = map.subnet_broadcast() {
        list.push((17, w, 1025, b, 1434));
        list.push((17, me, 1025, b, 1434));
    }
    for r in table.filters() {
        if let Some(p) = row_packet(
            map,
            r.header.src,
            r.header.dst,
            r.header.protocol,
            r.header.src_port,
            r.header.dst_port,
        ) {
            list.push(p);
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut peers = map.outside_addresses();
    peers.push(w);
    for _ in 0..random {
        list.push(random_packet(&mut rng, me, &peers, map.subnet_broadcast()));
    }
    let mut seen = HashSet::new();
    // Traffic from the host to itself goes over loopback, which Linux never passes through
    // xfrm: the lab does not probe it.
    list.into_iter()
        .filter(|p| p.1 != p.3)
        .filter(|p| seen.insert(*p))
        .map(|p| probe(map, Kind::Packet, p))
        .collect()
}

/// A TCP connection from `port` on an outside address to the host's listener.
pub fn connect(map: &AddressMap, port: u16) -> Probe {
    probe(
        map,
        Kind::Connect,
        (6, map.world(), port, map.host(), super::probe::LISTEN_PORT),
    )
}

/// An address of `n` the lab can use, or `None` for "any".
fn pick(map: &AddressMap, n: Net) -> Option<Option<Ipv4Addr>> {
    if n.prefix == 0 {
        return Some(None);
    }
    let a = Ipv4Addr::from(n.addr);
    if n == Net::host(map.host()) || n == Net::host(Ipv4Addr::BROADCAST) {
        return Some(Some(a));
    }
    if Some(n) == map.subnet_broadcast().map(Net::host) {
        return Some(Some(a));
    }
    if a.is_multicast() {
        return n
            .contains_addr(u32::from(MULTICAST_GROUP))
            .then_some(Some(MULTICAST_GROUP));
    }
    // Any probe address inside n matches the row.
    map.outside_addresses()
        .into_iter()
        .find(|o| n.contains_addr(u32::from(*o)))
        .map(Some)
}

fn row_packet(
    map: &AddressMap,
    src: Net,
    dst: Net,
    protocol: u8,
    sport: u16,
    dport: u16,
) -> Option<(u8, Ipv4Addr, u16, Ipv4Addr, u16)> {
    let me = map.host();
    let (s, d) = (pick(map, src)?, pick(map, dst)?);
    let host_side = |a: Option<Ipv4Addr>| {
        a.is_some_and(|a| {
            a == me
                || a.is_multicast()
                || a == Ipv4Addr::BROADCAST
                || Some(a) == map.subnet_broadcast()
        })
    };
    let (s, d) = match (s, d) {
        (Some(s), d) if s == me => (s, d.unwrap_or(map.world())),
        (s, d) if host_side(d) => (s.unwrap_or(map.world()), d.unwrap_or(me)),
        (s, None) => (s.unwrap_or(map.world()), me),
        (None, Some(d)) => (me, d),
        _ => return None,
    };
    let ports = sport != 0 || dport != 0;
    let proto = match protocol {
        0 if ports => 6,
        0 => 6,
        p => p,
    };
    if !PROTOCOLS.contains(&proto) {
        return None;
    }
    let (sp, dp) = if proto == 6 || proto == 17 {
        (
            if sport == 0 { 1025 } else { sport },
            if dport == 0 { 445 } else { dport },
        )
    } else {
        (0, 0)
    };
    Some((proto, s, sp, d, dp))
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn random_packet(
    rng: &mut Rng,
    me: Ipv4Addr,
    peers: &[Ipv4Addr],
    subnet_broadcast: Option<Ipv4Addr>,
) -> (u8, Ipv4Addr, u16, Ipv4Addr, u16) {
    const PORTS: [u16; 9] = [88, 500, 53, 80, 445, 1434, 1025, 3389, 0];
    let peer = peers[rng.below(peers.len())];
    let port = |rng: &mut Rng| match PORTS[rng.below(PORTS.len())] {
        0 => 1024 + (rng.next() % 60000) as u16,
        p => p,
    };
    if rng.below(8) == 0 {
        let mut groups = vec![Ipv4Addr::BROADCAST, MULTICAST_GROUP];
        groups.extend(subnet_broadcast);
        let g = groups[rng.below(groups.len())];
        let from = if rng.below(2) == 0 { me } else { peer };
        return (17, from, port(rng), g, port(rng));
    }
    let proto = [6, 6, 17, 17, 46, 1][rng.below(6)];
    let (sp, dp) = if proto == 6 || proto == 17 {
        (port(rng), port(rng))
    } else {
        (0, 0)
    };
    if rng.below(2) == 0 {
        (proto, peer, sp, me, dp)
    } else {
        (proto, me, sp, peer, dp)
    }
}

/// The protocols a probe list needs host sockets for.
pub fn protocols(probes: &[Probe]) -> Vec<u8> {
    let mut v: Vec<u8> = probes.iter().map(|p| p.lab.0).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::enforce::testing::kb811832_table;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("ip")
    }

    #[test]
    fn kb811832_probes_are_the_seed_packets_in_lab_addresses() {
        let t = kb811832_table(Some(0));
        let m = AddressMap::build(&t).expect("maps");
        let p = probes(&t, &m, 0, 1);
        // No prefix but me: one outside address; the two filter rows' packets repeat
        // seed packets and are sent once.
        assert_eq!(p.len(), 19);
        let (w, me, lw, lme) = (
            ip("203.0.113.200"),
            ip("10.10.1.2"),
            ip("198.51.100.2"),
            ip("198.51.100.1"),
        );
        assert_eq!(p[0].packet, (6, w, 88, me, 445));
        assert_eq!(p[0].lab, (6, lw, 88, lme, 445));
        assert!(p[0].inbound);
        assert_eq!(p[9].packet, (6, me, 88, w, 445));
        assert!(!p[9].inbound);
        assert_eq!(p[18].lab, (17, lme, 1025, ip("198.51.100.255"), 1434));
        let lab = Net::new(ip("198.51.100.0"), 24);
        for q in &p {
            for a in [q.lab.1, q.lab.3] {
                assert!(
                    lab.contains_addr(u32::from(a)) || a.is_multicast() || a.is_broadcast(),
                    "{a}"
                );
            }
        }
        let c = connect(&m, 88);
        assert_eq!((c.kind, c.lab), (Kind::Connect, (6, lw, 88, lme, 139)));
    }

    #[test]
    fn random_probes_are_reproducible_and_for_this_host() {
        let t = kb811832_table(Some(1));
        let m = AddressMap::build(&t).expect("maps");
        let a = probes(&t, &m, 60, 7);
        assert_eq!(a, probes(&t, &m, 60, 7));
        assert_ne!(a, probes(&t, &m, 60, 8));
        assert!(a.len() > 40, "{}", a.len());
        let me = ip("10.10.1.2");
        for q in &a {
            let (_, s, _, d, _) = q.packet;
            assert!(s != d);
            assert!(
                s == me
                    || d == me
                    || d.is_multicast()
                    || d.is_broadcast()
                    || d == ip("10.10.1.255"),
                "{:?}",
                q.packet
            );
        }
    }
}
