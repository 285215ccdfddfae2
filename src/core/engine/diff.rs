//! Semantic diff: the IPv4 header space whose verdict differs between two effective
//! tables, exactly (no sampling), as canonical regions.
//!
//! # Method
//!
//! The space is cut field by field in the fixed order protocol, source address,
//! destination address, source port, destination port. At each step only the rows (of
//! both tables) that meet the current box are kept, and the field is cut at their edges
//! into elementary ranges: every kept row either covers a range whole or misses it
//! (prefixes nest; protocols and ports are "any" or one value). A box stops being cut as
//! soon as, on each side, the first row still in play covers every remaining field: that
//! row decides the whole box. Leaves where the verdicts differ become regions.
//!
//! # Canonical regions
//!
//! Each region is a product of per-field ranges with the verdict and deciding row on
//! each side. Regions with the same verdicts and deciding rows that are adjacent in one
//! field and equal in all others are joined, trying the fields in the order destination
//! port, source port, protocol, destination address, source address, and repeating until
//! nothing joins; the result is sorted by (protocol, source, destination, source port,
//! destination port). Each region carries one example packet, which the two tables
//! decide as the region says.
//!
//! IPv6 is exempt on every profile, so it never differs and is not listed. The regions
//! cover the whole IPv4 space, including traffic that is neither from nor to the host
//! (which the driver never sees): read `me` in the regions to tell.
//!
//! Cost: proportional to the number of elementary boxes the two tables' rows carve out
//! of the space they cover, times the rows in play at each cut; fine for policies of a
//! few thousand filters, not a hot path.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use serde::Serialize;

use super::header::{Header, Net, example_addr};
use super::packet::Packet;
use super::table::{EffectiveTable, behavior_word};
use crate::core::model::{Behavior, Protocol};

/// An inclusive range of one field.
pub type Range = (u32, u32);

/// One side of a region: what decides it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    #[serde(serialize_with = "behavior_word")]
    pub verdict: Behavior,
    /// `None`: no row matches (permitted by default).
    pub row: Option<usize>,
    pub origin: String,
}

/// A product of ranges whose verdict changes from A to B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub protocol: String,
    pub src: String,
    pub src_ports: String,
    pub dst: String,
    pub dst_ports: String,
    pub a: Side,
    pub b: Side,
    pub example: String,
    #[serde(skip)]
    pub ranges: [Range; 5],
    #[serde(skip)]
    pub example_packet: Packet,
}

/// Field order of the cuts: protocol, src, dst, src port, dst port.
const PROTO: usize = 0;
const SRC: usize = 1;
const DST: usize = 2;
const SPORT: usize = 3;
const DPORT: usize = 4;
const FULL: [Range; 5] = [
    (0, 255),
    (0, u32::MAX),
    (0, u32::MAX),
    (0, 65535),
    (0, 65535),
];

/// The range a row constrains a field to.
fn row_range(h: &Header, f: usize) -> Range {
    let one = |v: u32, max: u32| if v == 0 { (0, max) } else { (v, v) };
    let net = |n: Net| (n.first(), n.last());
    match f {
        PROTO => one(u32::from(h.protocol), 255),
        SRC => net(h.src),
        DST => net(h.dst),
        SPORT => one(u32::from(h.src_port), 65535),
        _ => one(u32::from(h.dst_port), 65535),
    }
}

fn covers(outer: Range, inner: Range) -> bool {
    outer.0 <= inner.0 && inner.1 <= outer.1
}

/// A row in play: which table, its index, its header.
#[derive(Clone, Copy)]
struct Cand<'a> {
    b: bool,
    index: usize,
    h: &'a Header,
}

struct Leaf {
    ranges: [Range; 5],
    a: Option<usize>,
    b: Option<usize>,
}

/// The regions where `a` and `b` decide differently, canonical (see the module doc).
pub fn diff(a: &EffectiveTable, b: &EffectiveTable) -> Vec<Region> {
    let mut cands: Vec<Cand> = Vec::new();
    for (is_b, t) in [(false, a), (true, b)] {
        cands.extend(t.rows.iter().filter(|r| !r.header.v6).map(|r| Cand {
            b: is_b,
            index: r.index,
            h: &r.header,
        }));
    }
    let mut leaves = Vec::new();
    cut(&cands, FULL, 0, &mut leaves);
    let action = |t: &EffectiveTable, r: Option<usize>| {
        r.and_then(|i| t.rows.get(i))
            .map_or(Behavior::Permit, |r| r.action)
    };
    let leaves: Vec<Leaf> = leaves
        .into_iter()
        .filter(|l| action(a, l.a) != action(b, l.b))
        .collect();
    let merged = merge(leaves);
    let side = |t: &EffectiveTable, r: Option<usize>| Side {
        verdict: action(t, r),
        row: r,
        origin: r
            .and_then(|i| t.rows.get(i))
            .map_or("no row matches: permitted by default".into(), |r| {
                r.origin.describe()
            }),
    };
    let mut out: Vec<Region> = merged
        .into_iter()
        .map(|l| {
            let p = example(&l.ranges);
            Region {
                protocol: show_protocol(l.ranges[PROTO]),
                src: show_addrs(l.ranges[SRC]),
                src_ports: show_ports(l.ranges[SPORT]),
                dst: show_addrs(l.ranges[DST]),
                dst_ports: show_ports(l.ranges[DPORT]),
                a: side(a, l.a),
                b: side(b, l.b),
                example: p.to_string(),
                ranges: l.ranges,
                example_packet: p,
            }
        })
        .collect();
    out.sort_by_key(|r| r.ranges);
    out
}

/// The first candidate of one side (lowest index) and whether it covers every field from
/// `field` on.
fn first_of(cands: &[Cand], is_b: bool, bx: &[Range; 5], field: usize) -> Option<(usize, bool)> {
    cands
        .iter()
        .filter(|c| c.b == is_b)
        .min_by_key(|c| c.index)
        .map(|c| {
            let whole = (field..5).all(|f| covers(row_range(c.h, f), bx[f]));
            (c.index, whole)
        })
}

fn cut(cands: &[Cand], bx: [Range; 5], field: usize, out: &mut Vec<Leaf>) {
    let fa = first_of(cands, false, &bx, field);
    let fb = first_of(cands, true, &bx, field);
    let decided = |f: Option<(usize, bool)>| match f {
        None => Some(None),
        Some((i, true)) => Some(Some(i)),
        Some((_, false)) => None,
    };
    if let (Some(a), Some(b)) = (decided(fa), decided(fb)) {
        out.push(Leaf { ranges: bx, a, b });
        return;
    }
    if field == 5 {
        // Every field is cut: the first row in play on each side matches the whole box.
        out.push(Leaf {
            ranges: bx,
            a: fa.map(|x| x.0),
            b: fb.map(|x| x.0),
        });
        return;
    }
    // Rows after a side's first whole-cover row never decide here: drop them.
    let stop = |f: Option<(usize, bool)>| match f {
        Some((i, true)) => i,
        _ => usize::MAX,
    };
    let (stop_a, stop_b) = (stop(fa), stop(fb));
    let kept: Vec<Cand> = cands
        .iter()
        .copied()
        .filter(|c| c.index <= if c.b { stop_b } else { stop_a })
        .collect();
    let (lo, hi) = bx[field];
    let mut edges: Vec<u64> = vec![u64::from(lo), u64::from(hi) + 1];
    for c in &kept {
        let (s, e) = row_range(c.h, field);
        for x in [u64::from(s), u64::from(e) + 1] {
            if u64::from(lo) < x && x <= u64::from(hi) {
                edges.push(x);
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    for w in edges.windows(2) {
        let piece = (w[0] as u32, (w[1] - 1) as u32);
        let inside: Vec<Cand> = kept
            .iter()
            .copied()
            .filter(|c| covers(row_range(c.h, field), piece))
            .collect();
        let mut next = bx;
        next[field] = piece;
        cut(&inside, next, field + 1, out);
    }
}

/// Deciding rows on each side, and the ranges with the merged field blanked.
type GroupKey = (Option<usize>, Option<usize>, [Range; 5]);

/// Joins adjacent leaves with the same deciding rows until nothing joins.
fn merge(mut leaves: Vec<Leaf>) -> Vec<Leaf> {
    const ORDER: [usize; 5] = [DPORT, SPORT, PROTO, DST, SRC];
    loop {
        let before = leaves.len();
        for f in ORDER {
            let mut groups: HashMap<GroupKey, Vec<Range>> = HashMap::new();
            for l in leaves.drain(..) {
                let mut key = l.ranges;
                key[f] = (0, 0);
                groups.entry((l.a, l.b, key)).or_default().push(l.ranges[f]);
            }
            for ((a, b, key), mut ranges) in groups {
                ranges.sort_unstable();
                let mut cur: Option<Range> = None;
                for r in ranges {
                    cur = match cur {
                        Some(c) if u64::from(c.1) + 1 == u64::from(r.0) => Some((c.0, r.1)),
                        Some(c) => {
                            let mut ranges = key;
                            ranges[f] = c;
                            leaves.push(Leaf { ranges, a, b });
                            Some(r)
                        }
                        None => Some(r),
                    };
                }
                if let Some(c) = cur {
                    let mut ranges = key;
                    ranges[f] = c;
                    leaves.push(Leaf { ranges, a, b });
                }
            }
        }
        if leaves.len() == before {
            return leaves;
        }
    }
}

/// A packet inside the ranges, chosen to read well (203.0.113.x, port 1025, TCP).
fn example(r: &[Range; 5]) -> Packet {
    let pick = |(lo, hi): Range, want: &[u32]| {
        want.iter()
            .copied()
            .find(|w| lo <= *w && *w <= hi)
            .unwrap_or(lo)
    };
    let addr = |(lo, hi): Range, host: u8| {
        let n = prefix_of((lo, hi));
        match n {
            Some(n) => u32::from(example_addr(n, host)),
            // Not 0.0.0.0 when the range starts there.
            None => pick(
                (lo, hi),
                &[
                    u32::from(Ipv4Addr::new(203, 0, 113, host)),
                    lo.max(1).min(hi),
                ],
            ),
        }
    };
    let protocol = pick(r[PROTO], &[6, 17, 1]) as u8;
    // Ports: none for protocols without them when the region allows it, else a
    // registered-range port, else the range's first non-zero value.
    let port = |(lo, hi): Range, want: &[u32]| {
        if !Protocol(protocol).has_ports() && lo == 0 {
            0
        } else {
            pick((lo, hi), want).max(lo.max(1).min(hi)) as u16
        }
    };
    Packet::v4(
        protocol,
        Ipv4Addr::from(addr(r[SRC], 7)),
        port(r[SPORT], &[1025, 1026]),
        Ipv4Addr::from(addr(r[DST], 5)),
        port(r[DPORT], &[1026, 1025]),
    )
}

/// The prefix that is exactly this range, if any.
fn prefix_of((lo, hi): Range) -> Option<Net> {
    let size = u64::from(hi) - u64::from(lo) + 1;
    if !size.is_power_of_two() {
        return None;
    }
    let bits = size.trailing_zeros();
    let prefix = 32 - bits as u8;
    let n = Net::new(Ipv4Addr::from(lo), prefix);
    (n.first() == lo).then_some(n)
}

fn show_addrs(r: Range) -> String {
    match (r, prefix_of(r)) {
        ((0, u32::MAX), _) => "any".into(),
        (_, Some(n)) if n.prefix == 32 => Ipv4Addr::from(n.addr).to_string(),
        (_, Some(n)) => format!("{}/{}", Ipv4Addr::from(n.addr), n.prefix),
        ((lo, hi), None) => format!("{}-{}", Ipv4Addr::from(lo), Ipv4Addr::from(hi)),
    }
}

fn show_ports(r: Range) -> String {
    match r {
        (0, 65535) => "any".into(),
        (a, b) if a == b => a.to_string(),
        (a, b) => format!("{a}-{b}"),
    }
}

fn show_protocol(r: Range) -> String {
    match r {
        (0, 255) => "any".into(),
        (a, b) if a == b => {
            let p = Protocol(a as u8);
            p.name().map_or(a.to_string(), str::to_ascii_lowercase)
        }
        (a, b) => format!("{a}-{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_prefixes_when_they_are() {
        assert_eq!(show_addrs((0, u32::MAX)), "any");
        let a = u32::from(Ipv4Addr::new(10, 10, 1, 0));
        assert_eq!(show_addrs((a, a + 255)), "10.10.1.0/24");
        assert_eq!(show_addrs((a + 2, a + 2)), "10.10.1.2");
        assert_eq!(show_addrs((a, a + 2)), "10.10.1.0-10.10.1.2");
        assert_eq!(show_ports((0, 87)), "0-87");
        assert_eq!(show_protocol((17, 17)), "udp");
        assert_eq!(show_protocol((7, 16)), "7-16");
    }
}
