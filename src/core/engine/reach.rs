//! Reach: "what can reach TCP 445 on me, and through which row?" (Batfish's
//! searchFilters, for one host). Given a header space, lists the permit and negotiate rows
//! (exemptions included) that some packet of the space reaches first, each with a concrete
//! example packet, plus "no match" when part of the space passes by default.
//!
//! Examples come from a bounded search over boundary values (prefix edges, ports next to
//! the ports of earlier rows), checked against the earlier rows that overlap. The search
//! can miss a row reachable only through a gap it does not try; it never reports a row
//! with a wrong example.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::explain::packet_direction;
use super::header::{Header, Net, example_addr};
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
            let mut earlier: Vec<&Row> = Vec::new();
            for r in &table.rows {
                let Some(meet) = sub.meet(&r.header) else {
                    continue;
                };
                if r.action != Behavior::Block
                    && !items.iter().any(|i| i.row == Some(r.index))
                    && let Some(p) = find_example(table, &meet, &earlier)
                {
                    items.push(item(Some(r), p));
                }
                earlier.push(r);
            }
            if !items.iter().any(|i| i.row.is_none())
                && let Some(p) = find_example(table, &sub, &earlier)
            {
                items.push(item(None, p));
            }
        }
    }
    items.sort_by_key(|i| i.row.unwrap_or(usize::MAX));
    Ok(items)
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

/// Candidate values around the edges of what earlier rows take.
fn find_example(table: &EffectiveTable, s: &Sub, earlier: &[&Row]) -> Option<Packet> {
    let overl: Vec<&Header> = earlier
        .iter()
        .map(|r| &r.header)
        .filter(|h| s.meet(h).is_some())
        .collect();
    let addrs = |n: Net, pick: fn(&Header) -> Net| {
        let mut v = vec![u32::from(example_addr(n, 9)), n.first(), n.last()];
        for h in overl.iter().take(16) {
            let e = pick(h);
            v.extend([e.last().wrapping_add(1), e.first().wrapping_sub(1)]);
        }
        v.retain(|a| n.contains_addr(*a));
        v.dedup();
        v.truncate(8);
        v
    };
    let ports = |r: (u16, u16), pick: fn(&Header) -> u16| {
        let mut v = vec![1025, 1026, r.0, r.1];
        for h in overl.iter().take(16) {
            let p = pick(h);
            if p != 0 {
                v.extend([p.wrapping_add(1), p.wrapping_sub(1)]);
            }
        }
        v.retain(|p| r.0 <= *p && *p <= r.1 && *p != 0);
        v.dedup();
        v.truncate(6);
        v
    };
    let protos: Vec<u8> = match s.protocol {
        Some(p) => vec![p],
        None => vec![6, 17, 1, 47],
    };
    let srcs = addrs(s.src, |h| h.src);
    let dsts = addrs(s.dst, |h| h.dst);
    let sps = ports(s.sp, |h| h.src_port);
    let dps = ports(s.dp, |h| h.dst_port);
    for &proto in &protos {
        let with_ports = proto == 6 || proto == 17;
        // Protocols without ports fit only when the space allows "any" port.
        let (sps, dps) = if with_ports {
            (sps.clone(), dps.clone())
        } else if s.sp == (0, u16::MAX) && s.dp == (0, u16::MAX) {
            (vec![0], vec![0])
        } else {
            continue;
        };
        for &sa in &srcs {
            for &da in &dsts {
                for &spt in &sps {
                    for &dpt in &dps {
                        let p = Packet::v4(proto, Ipv4Addr::from(sa), spt, Ipv4Addr::from(da), dpt);
                        // A host talking to itself is no answer to "who can reach".
                        if sa != da
                            && packet_direction(table, &p).is_ok()
                            && !overl.iter().any(|h| h.matches(&p))
                        {
                            return Some(p);
                        }
                    }
                }
            }
        }
    }
    None
}
