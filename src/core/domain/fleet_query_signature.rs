//! Address signatures: which hosts' addresses a policy and a question cannot tell apart.
//!
//! For one policy content, the *relevant nets* are every prefix its evaluated rules and the
//! dynamic rules name (explicit addresses and subnets, DNS names' resolved addresses,
//! tunnel end points), the question's concrete addresses and prefixes, and the special
//! nets the engine tests addresses against (224.0.0.0/4, 255.255.255.255). A host's
//! signature is, per interface in configured order: which relevant nets contain its
//! address (a class id), its prefix length, the first earlier interface with the same
//! address (the engine drops duplicates), and which interfaces' subnet broadcasts equal it;
//! then every interface's subnet broadcast, literally.
//!
//! Why equal signatures give equal answers. Take hosts H (addresses a1..an) and K
//! (b1..bn) with one signature. Let π be the permutation of IPv4 addresses that maps each
//! ai to bi, closes every chain a → b → ... back to its start, and fixes every other
//! address (well defined: ai = aj exactly when bi = bj). Every address a chain visits lies
//! in the same relevant nets, so π maps each relevant net onto itself; it maps H's host
//! /32s onto K's; it fixes the broadcasts (equal literally, and an address equal to one is
//! equal to it in both hosts, so a fixed point). The effective table is built from exactly
//! those nets (`me` → host /32s, explicit prefixes, exemption rows on host, broadcast and
//! multicast nets; DNS/WINS/DHCP/GATEWAY servers are empty for fleet hosts: the sheet does
//! not model them), and a row's weight and order depend only on prefix lengths, ports and
//! protocols, so π maps H's table row for row onto K's, directions included (they test
//! host, broadcast and multicast membership). The question's concrete addresses are
//! relevant nets, so π fixes them, and `me` is each host's first address, which π maps
//! across. A packet therefore meets the same rows on both hosts after π: the same verdict,
//! the same deciding row and trail; reach lets in π of the same set through the same rows.
//! Only the addresses printed in an answer (the packet with `me` filled in, examples, the
//! host address list of a "not for this host" error) are the representative's, so groups
//! say which host they were evaluated at. One limit is the engine's, not the grouping's:
//! beyond its search budget `reach` picks example cells by address order, which π does not
//! keep, so a row found only through a dropped cell may show for one host and not another.
//!
//! Cost: per content, the relevant nets' edges are sorted once; a host address is placed by
//! binary search into an elementary interval (no two addresses of one interval differ on
//! any net), and each interval met is classified once against the nets. So a fleet costs
//! O(hosts · log nets + intervals met · nets), never hosts · nets.
//!
//! Must not: build tables or read anything; it only groups.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::core::engine::{HeaderSpace, Net, Packet, reach::SpaceAddr};
use crate::core::model::{Address, Filter, Id, Interface, Snapshot, mask_prefix};

/// The concrete addresses and prefixes a question names (never `me`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionNets(pub Vec<Net>);

impl QuestionNets {
    /// The concrete IPv4 ends of `PROTO SRC -> DST`: parsed at two different stand-ins for
    /// `me`, an end that moves is `me`. Unparsable text names none (every host then fails
    /// alike).
    pub fn of_packet(text: &str) -> QuestionNets {
        let one = [Ipv4Addr::new(192, 0, 2, 1)];
        let two = [Ipv4Addr::new(198, 51, 100, 1)];
        let (Ok(p), Ok(q)) = (Packet::parse(text, &one), Packet::parse(text, &two)) else {
            return QuestionNets::default();
        };
        let mut nets = Vec::new();
        for (a, b) in [(p.src, q.src), (p.dst, q.dst)] {
            if let (std::net::IpAddr::V4(a), std::net::IpAddr::V4(b)) = (a, b)
                && a == b
            {
                nets.push(Net::host(a));
            }
        }
        QuestionNets(nets)
    }

    /// The prefixes of a header space other than `me`.
    pub fn of_space(space: &HeaderSpace) -> QuestionNets {
        QuestionNets(
            [space.src, space.dst]
                .into_iter()
                .filter_map(|a| match a {
                    // Every address is in `any`: it tells none apart.
                    SpaceAddr::Net(n) if n.prefix > 0 => Some(n),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Both questions' nets: tables grouped for them answer either.
    pub fn and(mut self, other: &QuestionNets) -> QuestionNets {
        for n in &other.0 {
            if !self.0.contains(n) {
                self.0.push(*n);
            }
        }
        self
    }
}

/// Sorts addresses into classes by the relevant nets of one content and question.
pub struct Classifier {
    nets: Vec<Net>,
    /// Elementary interval starts, sorted: interval k is [edges[k], edges[k+1]).
    edges: Vec<u64>,
    /// Interval index → class id.
    interval_class: HashMap<usize, u32>,
    /// Membership bits → class id.
    classes: HashMap<Vec<u64>, u32>,
}

impl Classifier {
    /// The relevant nets of `policy` (or the assigned one) and the dynamic rules in `s`,
    /// plus the question's.
    pub fn new(s: &Snapshot, policy: Option<Id>, question: &QuestionNets) -> Classifier {
        let mut nets: Vec<Net> = question.0.clone();
        nets.push(Net::new(Ipv4Addr::new(224, 0, 0, 0), 4));
        nets.push(Net::host(Ipv4Addr::BROADCAST));
        let add_filter = |f: &Filter, nets: &mut Vec<Net>| {
            for a in [&f.source, &f.destination] {
                match a {
                    Address::Ip { addr, mask } => {
                        if let Some(p) = mask_prefix(*mask) {
                            nets.push(Net::new(*addr, p));
                        }
                    }
                    Address::Dns { resolved, .. } => {
                        nets.extend(resolved.iter().map(|r| Net::host(*r)))
                    }
                    Address::Me | Address::Any | Address::Server(_) => {}
                }
            }
        };
        if let Some(p) = policy.or(s.assigned).and_then(|id| s.policy(id)) {
            for r in &p.rules {
                nets.extend(r.tunnel.map(Net::host));
                for f in s.filter_list(r.filter_list).iter().flat_map(|l| &l.filters) {
                    add_filter(f, &mut nets);
                }
            }
        }
        for d in &s.dynamic {
            nets.extend(d.tunnel.map(Net::host));
            add_filter(&d.filter, &mut nets);
        }
        nets.sort_by_key(|n| (n.addr, n.prefix));
        nets.dedup();
        let mut edges: Vec<u64> = vec![0];
        for n in &nets {
            edges.push(u64::from(n.first()));
            edges.push(u64::from(n.last()) + 1);
        }
        edges.sort_unstable();
        edges.dedup();
        Classifier {
            nets,
            edges,
            interval_class: HashMap::new(),
            classes: HashMap::new(),
        }
    }

    /// The class of `a`: equal for two addresses exactly when the same relevant nets hold
    /// them.
    pub fn class(&mut self, a: Ipv4Addr) -> u32 {
        let a = u32::from(a);
        let k = self.edges.partition_point(|&e| e <= u64::from(a));
        if let Some(&c) = self.interval_class.get(&k) {
            return c;
        }
        let mut bits = vec![0u64; self.nets.len().div_ceil(64)];
        for (i, n) in self.nets.iter().enumerate() {
            if n.contains_addr(a) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        let next = self.classes.len() as u32;
        let c = *self.classes.entry(bits).or_insert(next);
        self.interval_class.insert(k, c);
        c
    }

    /// The signature of a host's interfaces (see the module doc).
    pub fn signature(&mut self, interfaces: &[Interface]) -> Vec<u32> {
        const NONE: u32 = u32::MAX;
        let broadcast = |i: &Interface| {
            (i.prefix <= 30)
                .then(|| u32::from(i.addr) | !crate::core::engine::header::mask_of(i.prefix))
        };
        let mut sig = Vec::with_capacity(1 + interfaces.len() * 5);
        sig.push(interfaces.len() as u32);
        for (n, i) in interfaces.iter().enumerate() {
            sig.push(self.class(i.addr));
            sig.push(u32::from(i.prefix));
            sig.push(
                interfaces[..n]
                    .iter()
                    .position(|e| e.addr == i.addr)
                    .map_or(NONE, |p| p as u32),
            );
            let equal: Vec<u32> = interfaces
                .iter()
                .enumerate()
                .filter(|(_, j)| broadcast(j) == Some(u32::from(i.addr)))
                .map(|(k, _)| k as u32)
                .collect();
            sig.push(equal.len() as u32);
            sig.extend(equal);
        }
        for i in interfaces {
            sig.push(broadcast(i).map_or(NONE, |b| b));
            sig.push(u32::from(broadcast(i).is_some()));
        }
        sig
    }
}

#[cfg(test)]
#[path = "fleet_query_signature_tests.rs"]
mod tests;
