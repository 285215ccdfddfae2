//! The lab's address mapping: every address the effective table names is mapped into the
//! documentation range 198.51.100.0/24, so that lab traffic never carries a real address
//! (the samples' 10.10.1.2 and 192.168.1.1 never reach a wire, not even a virtual one).
//!
//! The host address (`me`) becomes 198.51.100.1 and its subnet broadcast 198.51.100.255;
//! "any", multicast prefixes and 255.255.255.255 stay as they are (they are the same
//! traffic in the lab). Every other prefix becomes a block of the lab range, so that
//! nesting is kept: an address lies in a prefix of the policy exactly when its mapped
//! address lies in the mapped prefix. Each prefix gets one address of its own (in it and
//! in none of the prefixes it contains) for probes, and one lab address stands for every
//! address no prefix names. 198.51.100.0, .1, .254 (the peer's own address) and .255 are
//! reserved.
//!
//! Pure arithmetic over the table; refuses (with the reason) what it cannot map: several
//! host addresses, a prefix wider than /4, one that holds the host, a broadcast address
//! or part of the multicast range, or more prefixes than the /24 holds.

use std::fmt;
use std::net::Ipv4Addr;

use crate::core::engine::{EffectiveTable, Net};

pub const LAB_HOST: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
pub const LAB_PEER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 254);
pub const LAB_BROADCAST: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 255);
/// The lab range's prefix length (198.51.100.0/24).
pub const LAB_PREFIX: u8 = 24;
const LAB_BASE: u32 = u32::from_be_bytes([198, 51, 100, 0]);
const RESERVED: [u32; 4] = [0, 1, 254, 255];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    orig: Net,
    parent: Option<usize>,
    children: Vec<usize>,
    size: u32,
    /// Offset of the block in the lab /24.
    base: u32,
    /// An original address in this prefix and in none of its children.
    rep_orig: Option<Ipv4Addr>,
    /// Offset of the lab address of its own.
    rep: u32,
}

/// Original addresses -> lab addresses, consistent for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressMap {
    host: Ipv4Addr,
    subnet_broadcast: Option<Ipv4Addr>,
    nodes: Vec<Node>,
    world_orig: Ipv4Addr,
    world: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError(pub String);

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_kept(n: Net) -> bool {
    let mc = Net::new(Ipv4Addr::new(224, 0, 0, 0), 4);
    n.prefix == 0 || mc.contains(n) || n == Net::host(Ipv4Addr::BROADCAST)
}

fn lab(offset: u32) -> Ipv4Addr {
    Ipv4Addr::from(LAB_BASE + offset)
}

impl AddressMap {
    pub fn build(table: &EffectiveTable) -> Result<AddressMap, MapError> {
        let ctx = &table.context;
        let host = match ctx.host_addresses.as_slice() {
            [h] => *h,
            [] => {
                return Err(MapError(
                    "the host has no address: the lab maps `me` to 198.51.100.1; configure one \
                     (ipsedit config set me ADDR/PREFIX) or pass --me"
                        .into(),
                ));
            }
            more => {
                return Err(MapError(format!(
                    "the host has {} addresses; the lab plays one host (198.51.100.1): pass \
                     --me with one of them",
                    more.len()
                )));
            }
        };
        let subnet_broadcast = ctx
            .broadcasts
            .iter()
            .copied()
            .find(|b| *b != Ipv4Addr::BROADCAST);
        let mut nets: Vec<Net> = Vec::new();
        for r in table.rows.iter().filter(|r| !r.header.v6) {
            for n in [r.header.src, r.header.dst] {
                if is_kept(n) || n == Net::host(host) || Some(n) == subnet_broadcast.map(Net::host)
                {
                    continue;
                }
                let mc = Net::new(Ipv4Addr::new(224, 0, 0, 0), 4);
                let special = [Some(host), subnet_broadcast, Some(Ipv4Addr::BROADCAST)];
                if n.prefix < 4
                    || n.overlaps(mc)
                    || special
                        .iter()
                        .flatten()
                        .any(|a| n.contains_addr(u32::from(*a)))
                {
                    return Err(MapError(format!(
                        "row {}: the lab cannot map {} into 198.51.100.0/24: it holds this host, \
                         a broadcast address or part of the multicast range; narrow the filter",
                        r.index,
                        super::net_text(n)
                    )));
                }
                nets.push(n);
            }
        }
        nets.sort_by_key(|n| (n.prefix, n.addr));
        nets.dedup();
        if nets.len() > 200 {
            return Err(MapError(format!(
                "the policy names {} distinct prefixes; the lab's /24 holds at most 200",
                nets.len()
            )));
        }
        let mut nodes: Vec<Node> = Vec::with_capacity(nets.len());
        for n in nets {
            // The deepest node already placed that contains n (nets come widest first).
            let parent = (0..nodes.len()).rev().find(|&i| nodes[i].orig.contains(n));
            let i = nodes.len();
            nodes.push(Node {
                orig: n,
                parent,
                children: Vec::new(),
                size: 1,
                base: 0,
                rep_orig: None,
                rep: 0,
            });
            if let Some(p) = parent {
                nodes[p].children.push(i);
            }
        }
        // Sizes bottom-up (children come after parents).
        for i in (0..nodes.len()).rev() {
            let sum: u32 = nodes[i].children.iter().map(|&c| nodes[c].size).sum();
            nodes[i].size = if nodes[i].orig.prefix == 32 {
                1
            } else {
                (sum + 1).next_power_of_two()
            };
        }
        // Top-level blocks: biggest first, first aligned place clear of the reserved ones.
        let mut tops: Vec<usize> = (0..nodes.len())
            .filter(|&i| nodes[i].parent.is_none())
            .collect();
        tops.sort_by_key(|&i| std::cmp::Reverse(nodes[i].size));
        let mut used = [false; 256];
        for r in RESERVED {
            used[r as usize] = true;
        }
        for &t in &tops {
            let size = nodes[t].size;
            let base = (0..256 / size)
                .map(|k| k * size)
                .find(|&b| (b..b + size).all(|o| !used[o as usize]))
                .ok_or_else(|| {
                    MapError(format!(
                        "the policy's prefixes do not fit in 198.51.100.0/24 (at {})",
                        super::net_text(nodes[t].orig)
                    ))
                })?;
            for o in base..base + size {
                used[o as usize] = true;
            }
            place(&mut nodes, t, base);
        }
        let world = (0..256u32)
            .find(|&o| !used[o as usize])
            .ok_or_else(|| MapError("no lab address is left for unnamed addresses".into()))?;
        for i in 0..nodes.len() {
            nodes[i].rep_orig = rep_orig(&nodes, i);
        }
        let world_orig = [
            [203, 0, 113, 200],
            [192, 0, 2, 200],
            [198, 51, 100, 200],
            [203, 0, 113, 1],
            [100, 64, 0, 1],
            [172, 16, 0, 1],
        ]
        .into_iter()
        .map(Ipv4Addr::from)
        .find(|a| {
            *a != host
                && Some(*a) != subnet_broadcast
                && !nodes.iter().any(|n| n.orig.contains_addr(u32::from(*a)))
        })
        .ok_or_else(|| MapError("the policy names every candidate outside address".into()))?;
        Ok(AddressMap {
            host,
            subnet_broadcast,
            nodes,
            world_orig,
            world,
        })
    }

    /// The lab prefix for a prefix of the table.
    pub fn net(&self, n: Net) -> Net {
        if n == Net::host(self.host) {
            return Net::host(LAB_HOST);
        }
        if Some(n) == self.subnet_broadcast.map(Net::host) {
            return Net::host(LAB_BROADCAST);
        }
        match self.nodes.iter().find(|x| x.orig == n) {
            Some(x) => Net::new(lab(x.base), 32 - x.size.trailing_zeros() as u8),
            None => n,
        }
    }

    /// The lab address for an original one.
    pub fn addr(&self, a: Ipv4Addr) -> Ipv4Addr {
        if a == self.host {
            return LAB_HOST;
        }
        if Some(a) == self.subnet_broadcast {
            return LAB_BROADCAST;
        }
        if a.is_multicast() || a == Ipv4Addr::BROADCAST {
            return a;
        }
        let v = u32::from(a);
        // Deepest containing node: the one with the longest prefix.
        match self
            .nodes
            .iter()
            .filter(|n| n.orig.contains_addr(v))
            .max_by_key(|n| n.orig.prefix)
        {
            Some(n) => lab(n.rep),
            None => lab(self.world),
        }
    }

    /// Original addresses for probes: one per mapped prefix (not in a narrower one) and one
    /// that no prefix names.
    pub fn outside_addresses(&self) -> Vec<Ipv4Addr> {
        let mut v: Vec<Ipv4Addr> = self.nodes.iter().filter_map(|n| n.rep_orig).collect();
        v.push(self.world_orig);
        v
    }

    /// An original address standing for every address no prefix names.
    pub fn world(&self) -> Ipv4Addr {
        self.world_orig
    }

    pub fn host(&self) -> Ipv4Addr {
        self.host
    }

    pub fn subnet_broadcast(&self) -> Option<Ipv4Addr> {
        self.subnet_broadcast
    }

    /// The lab addresses the peer namespace must own (besides LAB_PEER).
    pub fn peer_addresses(&self) -> Vec<Ipv4Addr> {
        let mut v: Vec<Ipv4Addr> = self.nodes.iter().map(|n| lab(n.rep)).collect();
        v.push(lab(self.world));
        v
    }

    /// The mapping, one line each, for people.
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![format!("me {} -> {LAB_HOST}", self.host)];
        if let Some(b) = self.subnet_broadcast {
            v.push(format!("subnet broadcast {b} -> {LAB_BROADCAST}"));
        }
        for n in &self.nodes {
            v.push(format!(
                "{} -> {}",
                super::net_text(n.orig),
                super::net_text(self.net(n.orig))
            ));
        }
        v.push(format!(
            "any other address (probes use {}) -> {}",
            self.world_orig,
            lab(self.world)
        ));
        v.push("any, multicast and 255.255.255.255 are kept".into());
        v
    }
}

fn place(nodes: &mut [Node], i: usize, base: u32) {
    nodes[i].base = base;
    let mut kids = nodes[i].children.clone();
    kids.sort_by_key(|&c| std::cmp::Reverse(nodes[c].size));
    let mut at = base;
    for c in kids {
        let s = nodes[c].size;
        place(nodes, c, at);
        at += s;
    }
    nodes[i].rep = at;
}

fn rep_orig(nodes: &[Node], i: usize) -> Option<Ipv4Addr> {
    let n = nodes[i].orig;
    let mut kids: Vec<Net> = nodes[i].children.iter().map(|&c| nodes[c].orig).collect();
    kids.sort_by_key(|k| k.first());
    let mut a = u64::from(n.first());
    for k in kids {
        if a < u64::from(k.first()) {
            break;
        }
        a = a.max(u64::from(k.last()) + 1);
    }
    (a <= u64::from(n.last())).then(|| Ipv4Addr::from(a as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::enforce::testing::kb811832_table;

    #[test]
    fn kb811832_maps_me_and_its_broadcast() {
        let m = AddressMap::build(&kb811832_table(Some(0))).expect("maps");
        assert_eq!(
            m.lines(),
            [
                "me 10.10.1.2 -> 198.51.100.1",
                "subnet broadcast 10.10.1.255 -> 198.51.100.255",
                "any other address (probes use 203.0.113.200) -> 198.51.100.2",
                "any, multicast and 255.255.255.255 are kept",
            ]
        );
        assert_eq!(m.addr("10.10.1.2".parse().expect("ip")), LAB_HOST);
        assert_eq!(
            m.addr("10.10.1.99".parse().expect("ip")).to_string(),
            "198.51.100.2"
        );
        assert_eq!(
            m.addr("224.0.0.251".parse().expect("ip")).to_string(),
            "224.0.0.251"
        );
    }

    fn n(s: &str) -> Net {
        let (a, p) = s.split_once('/').unwrap_or((s, "32"));
        Net::new(a.parse().expect("ip"), p.parse().expect("prefix"))
    }

    #[test]
    fn nested_prefixes_keep_their_nesting() {
        use crate::core::engine::{Header, Row};
        let mut t = kb811832_table(Some(1));
        let base = t.rows[t.rows.len() - 1].clone();
        let nets = [
            "203.0.113.0/24",
            "203.0.113.64/26",
            "203.0.113.70",
            "192.0.2.9",
        ];
        for s in nets {
            t.rows.push(Row {
                header: Header::new(n(s), n("10.10.1.2"), 0, 0, 0),
                ..base.clone()
            });
        }
        let m = AddressMap::build(&t).expect("maps");
        assert_eq!(
            m.lines()[2..6],
            [
                "203.0.113.0/24 -> 198.51.100.4/30",
                "203.0.113.64/26 -> 198.51.100.4/31",
                "192.0.2.9 -> 198.51.100.2",
                "203.0.113.70 -> 198.51.100.4",
            ]
        );
        // Membership is kept for every probe address and every prefix.
        let probes = m.outside_addresses();
        assert_eq!(probes.len(), 5);
        for a in probes {
            for s in nets {
                let (o, l) = (n(s), m.net(n(s)));
                assert_eq!(
                    o.contains_addr(u32::from(a)),
                    l.contains_addr(u32::from(m.addr(a))),
                    "{a} in {s}"
                );
            }
        }
    }

    #[test]
    fn refuses_a_prefix_holding_the_host() {
        use crate::core::engine::{Header, Row};
        let mut t = kb811832_table(Some(1));
        let base = t.rows[t.rows.len() - 1].clone();
        t.rows.push(Row {
            index: 99,
            header: Header::new(n("10.10.0.0/16"), Net::ANY, 0, 0, 0),
            ..base
        });
        let e = AddressMap::build(&t).expect_err("holds me");
        assert!(
            e.0.starts_with("row 99: the lab cannot map 10.10.0.0/16"),
            "{e}"
        );
    }
}
