//! Reach: "what can reach TCP 445 on me, and through which row?" (Batfish's
//! searchFilters, for one host). Given a header space, lists the permit and negotiate rows
//! (exemptions included) that some packet of the space reaches first, each with a concrete
//! example packet, plus "no match" when part of the space passes by default.
//!
//! Examples come from a search over one value per cell of each field (prefix edges and
//! their neighbours, the ports and protocols rows name and one they do not), each
//! candidate decided through a first-match index, not a scan. The search is exhaustive
//! when the grid fits `BUDGET` (a host and a few dozen ports); beyond that it may miss a
//! row reachable only through a cell it dropped. It never reports a row with a wrong
//! example. Cost: one pass over the rows per part of the space, then per row meeting the
//! space a containment test and a few lookups per shape: no pass over all pairs. The
//! grid values inside a row's part of the space come from a sorted index, capped at the
//! budget, never from a copy of the whole grid per row.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::explain::packet_direction;
use super::findings::FastMap;
use super::header::{Header, Net, Shape, example_addr};
use super::packet::Packet;
use super::table::{EffectiveTable, Origin, Row, behavior_word};
use crate::core::model::{Behavior, Protocol};

/// One side of a header space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceAddr {
    Me,
    Net(Net),
}

/// A set of packets: a protocol (or any), prefixes and port ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSpace {
    pub protocol: Option<u8>,
    pub src: SpaceAddr,
    pub src_ports: (u16, u16),
    pub dst: SpaceAddr,
    pub dst_ports: (u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpaceError {
    #[error(
        "cannot read header space {0:?}: write PROTO SRC -> DST, e.g. \"tcp any -> me:445\" or \"udp 203.0.113.0/24 -> me:1000-2000\""
    )]
    Shape(String),
    #[error("unknown protocol {0:?}: use any, tcp, udp, icmp, rsvp or a number 1-255")]
    Protocol(String),
    #[error(
        "cannot read {0:?}: write any, me, an address or ADDR/PREFIX, optionally with :PORT or :LO-HI"
    )]
    Address(String),
    #[error("cannot read port {0:?}: write a port 1-65535 or a range LO-HI")]
    Port(String),
    #[error("`me` needs a host address: configure one (ipsedit config) or pass --me CIDR")]
    NoHostAddress,
}

impl HeaderSpace {
    pub fn parse(text: &str) -> Result<HeaderSpace, SpaceError> {
        let shape = || SpaceError::Shape(text.to_string());
        let (p, rest) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(shape)?;
        let protocol = if p.eq_ignore_ascii_case("any") || p.eq_ignore_ascii_case("ip") {
            None
        } else {
            match Protocol::parse(p) {
                Some(x) if !x.is_any() => Some(x.0),
                _ => return Err(SpaceError::Protocol(p.to_string())),
            }
        };
        let (s, d) = rest.split_once("->").ok_or_else(shape)?;
        let (src, src_ports) = side(s.trim())?;
        let (dst, dst_ports) = side(d.trim())?;
        Ok(HeaderSpace {
            protocol,
            src,
            src_ports,
            dst,
            dst_ports,
        })
    }
}

fn side(t: &str) -> Result<(SpaceAddr, (u16, u16)), SpaceError> {
    let (a, ports) = match t.split_once(':') {
        Some((a, p)) => (a, port_range(p)?),
        None => (t, (0, u16::MAX)),
    };
    let addr = if a.eq_ignore_ascii_case("me") {
        SpaceAddr::Me
    } else if a.eq_ignore_ascii_case("any") || a == "*" {
        SpaceAddr::Net(Net::ANY)
    } else {
        let bad = || SpaceError::Address(t.to_string());
        let (ip, prefix) = match a.split_once('/') {
            Some((ip, p)) => (
                ip,
                p.parse::<u8>().ok().filter(|p| *p <= 32).ok_or_else(bad)?,
            ),
            None => (a, 32),
        };
        SpaceAddr::Net(Net::new(ip.parse::<Ipv4Addr>().map_err(|_| bad())?, prefix))
    };
    Ok((addr, ports))
}

fn port_range(p: &str) -> Result<(u16, u16), SpaceError> {
    let bad = || SpaceError::Port(p.to_string());
    let num = |s: &str| s.trim().parse::<u16>().map_err(|_| bad());
    let (lo, hi) = match p.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let n = num(p)?;
            (n, n)
        }
    };
    if lo > hi || (lo == 0 && hi != u16::MAX && hi != 0) {
        return Err(bad());
    }
    Ok(if lo == 0 { (0, u16::MAX) } else { (lo, hi) })
}

/// One way into the space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachItem {
    /// The row some packet of the space reaches first; `None` for "no match".
    pub row: Option<usize>,
    #[serde(serialize_with = "behavior_word")]
    pub action: Behavior,
    pub origin: Option<Origin>,
    /// A packet of the space that this row decides.
    pub example: String,
    #[serde(skip)]
    pub example_packet: Packet,
    pub why: String,
}

/// Rows (and "no match") through which some packet of `space` is let in.
pub fn reach(table: &EffectiveTable, space: &HeaderSpace) -> Result<Vec<ReachItem>, SpaceError> {
    let me: Vec<Net> = table
        .context
        .host_addresses
        .iter()
        .map(|a| Net::host(*a))
        .collect();
    let expand = |a: SpaceAddr| -> Result<Vec<Net>, SpaceError> {
        match a {
            SpaceAddr::Me if me.is_empty() => Err(SpaceError::NoHostAddress),
            SpaceAddr::Me => Ok(me.clone()),
            SpaceAddr::Net(n) => Ok(vec![n]),
        }
    };
    let srcs = expand(space.src)?;
    let dsts = expand(space.dst)?;
    let headers = table.headers();
    let mut reported = vec![false; table.rows.len()];
    let mut no_match_reported = false;
    let mut items: Vec<ReachItem> = Vec::new();
    for s in &srcs {
        for d in &dsts {
            let sub = Sub {
                protocol: space.protocol,
                src: *s,
                dst: *d,
                sp: space.src_ports,
                dp: space.dst_ports,
            };
            // One pass: the rows this part of the space meets. Only they can decide a
            // packet of it, and only their edges split it into cells.
            // What the rest needs of each is copied into one vector: the rows are spread
            // over a table that outgrows the caches, and are not read again.
            let meets: Vec<Met> = headers
                .iter()
                .zip(&table.rows)
                .filter_map(|(h, r)| {
                    let meet = sub.meet(h)?;
                    Some(Met {
                        meet,
                        header: *h,
                        index: r.index,
                        action: r.action,
                        row: r,
                    })
                })
                .collect();
            // Only those rows can match a packet of this part, so only they are indexed.
            let (index, repeated) = FirstMatch::new(meets.iter().map(|m| (m.index, &m.header)));
            // A row repeating an earlier header meets the space the same way: its edges
            // are already in the grid.
            let distinct: Vec<&Sub> = meets
                .iter()
                .zip(&repeated)
                .filter(|(_, r)| !**r)
                .map(|(m, _)| &m.meet)
                .collect();
            let grid = Grid::new(&sub, distinct.iter().copied());
            for (m, repeated) in meets.iter().zip(repeated) {
                // A row with the header of an earlier one decides nothing: known from the
                // index's build, without a lookup per shape.
                if repeated
                    || m.action == Behavior::Block
                    || reported[m.index]
                    || index.shadowed(&m.meet, m.index)
                {
                    continue;
                }
                if let Some(p) = grid.find(table, &m.meet, |p| index.first(p) == Some(m.index)) {
                    reported[m.index] = true;
                    items.push(item(Some(m.row), p));
                }
            }
            if !no_match_reported
                && let Some(p) = grid.find(table, &sub, |p| index.first(p).is_none())
            {
                no_match_reported = true;
                items.push(item(None, p));
            }
        }
    }
    items.sort_by_key(|i| i.row.unwrap_or(usize::MAX));
    Ok(items)
}

/// A row that meets a part of the space: its position, action and header, and the meet
/// (the row itself is read again only if it is reported).
struct Met<'a> {
    index: usize,
    action: Behavior,
    header: Header,
    meet: Sub,
    row: &'a Row,
}

/// The explain question ("which row decides this packet first?") without a scan: rows
/// grouped by shape (prefix lengths, which of protocol and ports are given), each group a
/// map from the row's fields to its first index. A packet widened to each shape finds
/// every row that matches it, so the answer costs one lookup per shape in the table
/// (a few dozen), not one test per row.
struct FirstMatch {
    shapes: Vec<(Shape, FastMap<Header, usize>)>,
}

impl FirstMatch {
    /// The index of `rows` (in table order), and for each row whether an earlier one has
    /// the same header.
    fn new<'a>(rows: impl Iterator<Item = (usize, &'a Header)>) -> (FirstMatch, Vec<bool>) {
        let mut by_shape: FastMap<Shape, FastMap<Header, usize>> = FastMap::default();
        let mut repeated = Vec::new();
        for (i, h) in rows {
            if h.v6 {
                repeated.push(false);
                continue;
            }
            let first = *by_shape
                .entry(Shape::of(h))
                .or_default()
                .entry(*h)
                .or_insert(i);
            repeated.push(first != i);
        }
        let index = FirstMatch {
            shapes: by_shape.into_iter().collect(),
        };
        (index, repeated)
    }

    /// The first row matching an IPv4 packet (what `explain` decides with).
    fn first(&self, p: &Packet) -> Option<usize> {
        let (std::net::IpAddr::V4(s), std::net::IpAddr::V4(d)) = (p.src, p.dst) else {
            return None;
        };
        let h = Header::new(
            Net::host(s),
            Net::host(d),
            p.protocol,
            p.src_port,
            p.dst_port,
        );
        self.shapes
            .iter()
            .filter_map(|(shape, rows)| rows.get(&shape.widen(&h)).copied())
            .min()
    }

    /// Some row before `index` takes every packet of `meet`: the row decides nothing
    /// here, whatever the search would try.
    fn shadowed(&self, meet: &Sub, index: usize) -> bool {
        let single = |r: (u16, u16)| (r.0 == r.1).then_some(r.0);
        let (sp, dp) = (single(meet.sp), single(meet.dp));
        let h = Header::new(
            meet.src,
            meet.dst,
            meet.protocol.unwrap_or(0),
            sp.unwrap_or(0),
            dp.unwrap_or(0),
        );
        self.shapes.iter().any(|(shape, rows)| {
            // A row contains the meet when each of its fields is wider or equal: a
            // prefix no longer, a given field only where the meet has a single value.
            shape.sp <= meet.src.prefix
                && shape.dp <= meet.dst.prefix
                && (!shape.proto || meet.protocol.is_some())
                && (!shape.sport || sp.is_some())
                && (!shape.dport || dp.is_some())
                && rows.get(&shape.widen(&h)).is_some_and(|&j| j < index)
        })
    }
}

/// Candidate values per field: one in each cell that the edges of the rows meeting a
/// sub-space cut it into, so that a packet decided by a row exists exactly when one
/// built from these values is. Preferred values (a documentation address, ports 1025
/// and 1026, the range ends) come first, so examples read well.
struct Grid {
    src: Values<u32>,
    dst: Values<u32>,
    sp: Values<u16>,
    dp: Values<u16>,
    protos: Vec<u8>,
}

/// One field's grid values in preference order, plus a sorted index, so that the values
/// inside a sub-range come out in preference order without a pass over all of them
/// (that pass, once per row meeting the space, made `reach` quadratic).
struct Values<T> {
    ordered: Vec<T>,
    /// (value, position in `ordered`), by value.
    sorted: Vec<(T, usize)>,
}

impl<T: Copy + Ord> Values<T> {
    fn new(ordered: Vec<T>) -> Values<T> {
        let mut sorted: Vec<(T, usize)> = ordered.iter().copied().zip(0..).collect();
        sorted.sort_unstable();
        Values { ordered, sorted }
    }

    /// At most `cap` values within `lo..=hi`, in preference order.
    fn within(&self, lo: T, hi: T, cap: usize) -> Vec<T> {
        match (self.sorted.first(), self.sorted.last()) {
            (Some(first), Some(last)) if lo <= first.0 && last.0 <= hi => {
                self.ordered[..cap.min(self.ordered.len())].to_vec()
            }
            _ => {
                let start = self.sorted.partition_point(|(v, _)| *v < lo);
                let end = self.sorted.partition_point(|(v, _)| *v <= hi);
                let mut positions: Vec<usize> = self.sorted[start..end.max(start)]
                    .iter()
                    .map(|(_, i)| *i)
                    .collect();
                positions.sort_unstable();
                positions.truncate(cap);
                positions.into_iter().map(|i| self.ordered[i]).collect()
            }
        }
    }
}

/// How many packets one search tries at most. Small spaces (a host, a few dozen ports)
/// stay under it and are searched exhaustively; larger ones keep the preferred values
/// and as many edges as fit.
const BUDGET: usize = 4096;

impl Grid {
    /// The grid of `sub` cut by the parts of it that rows meet. The meets, not the rows'
    /// headers, are read: they sit together in one vector (the rows are spread over the
    /// table, and reading them again was most of `reach` on a large table), and inside
    /// `sub` they have the same edges (a prefix meets a prefix as the narrower of the two;
    /// a port a row names is the meet's single port).
    fn new<'a>(sub: &Sub, meets: impl Iterator<Item = &'a Sub> + Clone) -> Grid {
        let addrs = |n: Net, pick: fn(&Sub) -> Net| {
            let mut v = vec![u32::from(example_addr(n, 9)), n.first(), n.last()];
            for m in meets.clone() {
                let e = pick(m);
                v.extend([
                    e.first(),
                    e.last(),
                    e.last().wrapping_add(1),
                    e.first().wrapping_sub(1),
                ]);
            }
            ordered(v, |a| n.contains_addr(*a))
        };
        let single = |r: (u16, u16)| if r.0 == r.1 { r.0 } else { 0 };
        let ports = |r: (u16, u16), pick: &dyn Fn(&Sub) -> u16| {
            let mut v = vec![1025, 1026, r.0, r.1];
            let given: std::collections::BTreeSet<u16> =
                meets.clone().map(pick).filter(|p| *p != 0).collect();
            // One port no row names: the cell of "any other port".
            v.extend((r.0.max(1)..=r.1).find(|p| !given.contains(p)));
            for p in &given {
                v.extend([*p, p.wrapping_add(1), p.wrapping_sub(1)]);
            }
            ordered(v, |p| r.0 <= *p && *p <= r.1 && *p != 0)
        };
        let protos = match sub.protocol {
            Some(p) => vec![p],
            None => {
                let mut v = vec![6, 17, 1, 47];
                let given: std::collections::BTreeSet<u8> =
                    meets.clone().map(|m| m.protocol.unwrap_or(0)).collect();
                v.extend((1..=u8::MAX).find(|p| !given.contains(p)));
                v.extend(given);
                ordered(v, |p| *p != 0)
            }
        };
        Grid {
            src: Values::new(addrs(sub.src, |m| m.src)),
            dst: Values::new(addrs(sub.dst, |m| m.dst)),
            sp: Values::new(ports(sub.sp, &|m| single(m.sp))),
            dp: Values::new(ports(sub.dp, &|m| single(m.dp))),
            protos,
        }
    }

    /// The first packet of `within` built from grid values that `wanted` accepts.
    fn find(
        &self,
        table: &EffectiveTable,
        within: &Sub,
        wanted: impl Fn(&Packet) -> bool,
    ) -> Option<Packet> {
        // The preferred values of `within` itself first (as `Header::example` would
        // pick them), then the grid's cells inside it.
        // No list outlives the budget below, so none takes more than it from the grid.
        let addrs = |n: Net, grid: &Values<u32>| {
            let mut v = vec![u32::from(example_addr(n, 9)), n.first(), n.last()];
            v.extend(grid.within(n.first(), n.last(), BUDGET));
            ordered(v, |a| n.contains_addr(*a))
        };
        let ports = |r: (u16, u16), grid: &Values<u16>| {
            let mut v = vec![1025, 1026, r.0, r.1];
            v.extend(grid.within(r.0, r.1, BUDGET));
            ordered(v, |p| r.0 <= *p && *p <= r.1 && *p != 0)
        };
        let mut srcs = addrs(within.src, &self.src);
        let mut dsts = addrs(within.dst, &self.dst);
        let mut sps = ports(within.sp, &self.sp);
        let mut dps = ports(within.dp, &self.dp);
        let protos: Vec<u8> = match within.protocol {
            Some(p) => vec![p],
            None => self.protos.clone(),
        };
        // Over budget: halve the longest list (its preferred values stay in front).
        loop {
            let size = srcs.len() * dsts.len() * sps.len().max(1) * dps.len().max(1) * protos.len();
            if size <= BUDGET {
                break;
            }
            let longest = [srcs.len(), dsts.len(), sps.len(), dps.len()];
            match longest
                .iter()
                .enumerate()
                .max_by_key(|(_, n)| **n)
                .map(|(i, _)| i)
            {
                Some(0) => srcs.truncate(srcs.len().div_ceil(2)),
                Some(1) => dsts.truncate(dsts.len().div_ceil(2)),
                Some(2) => sps.truncate(sps.len().div_ceil(2)),
                _ => dps.truncate(dps.len().div_ceil(2)),
            }
        }
        for &proto in &protos {
            let with_ports = proto == 6 || proto == 17;
            // Protocols without ports fit only when the space allows "any" port.
            let (sps, dps) = if with_ports {
                (sps.clone(), dps.clone())
            } else if within.sp == (0, u16::MAX) && within.dp == (0, u16::MAX) {
                (vec![0], vec![0])
            } else {
                continue;
            };
            for &sa in &srcs {
                for &da in &dsts {
                    for &spt in &sps {
                        for &dpt in &dps {
                            let p =
                                Packet::v4(proto, Ipv4Addr::from(sa), spt, Ipv4Addr::from(da), dpt);
                            // A host talking to itself is no answer to "who can reach".
                            if sa != da && packet_direction(table, &p).is_ok() && wanted(&p) {
                                return Some(p);
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

/// Keeps the values `keep` accepts, each once, in first-seen order.
/// The set uses the engine's small integer hasher, as its other indexes do: the grid
/// holds tens of thousands of candidate values on a big table.
fn ordered<T: Copy + Eq + std::hash::Hash>(v: Vec<T>, keep: impl Fn(&T) -> bool) -> Vec<T> {
    let mut seen: FastMap<T, ()> = FastMap::default();
    seen.reserve(v.len());
    v.into_iter()
        .filter(|x| keep(x) && seen.insert(*x, ()).is_none())
        .collect()
}

fn item(r: Option<&Row>, p: Packet) -> ReachItem {
    match r {
        Some(r) => ReachItem {
            row: Some(r.index),
            action: r.action,
            origin: Some(r.origin.clone()),
            example: p.to_string(),
            example_packet: p,
            why: match r.action {
                Behavior::Negotiate => format!(
                    "{} decides it: negotiate (reaches this host secured, or in clear \
                     with inpass/soft)",
                    r.origin.describe()
                ),
                _ => format!("{} permits it", r.origin.describe()),
            },
        },
        None => ReachItem {
            row: None,
            action: Behavior::Permit,
            origin: None,
            example: p.to_string(),
            example_packet: p,
            why: "no exemption and no filter matches: passed unchanged".into(),
        },
    }
}

/// A sub-space with single prefixes: a header with port ranges.
#[derive(Debug, Clone, Copy)]
struct Sub {
    protocol: Option<u8>,
    src: Net,
    dst: Net,
    sp: (u16, u16),
    dp: (u16, u16),
}

impl Sub {
    fn meet(&self, h: &Header) -> Option<Sub> {
        if h.v6 {
            return None;
        }
        let protocol = match (self.protocol, h.protocol) {
            (p, 0) => p,
            (None, q) => Some(q),
            (Some(p), q) if p == q => Some(p),
            _ => return None,
        };
        let port = |range: (u16, u16), p: u16| match p {
            0 => Some(range),
            p if range.0 <= p && p <= range.1 => Some((p, p)),
            _ => None,
        };
        Some(Sub {
            protocol,
            src: self.src.intersect(h.src)?,
            dst: self.dst.intersect(h.dst)?,
            sp: port(self.sp, h.src_port)?,
            dp: port(self.dp, h.dst_port)?,
        })
    }
}
