//! The match fields of one row (addresses as prefixes, protocol, ports) and the three
//! questions every other module asks of them: does a packet match, do two rows overlap,
//! does one row contain another. Plain integers so that a 10,000-row table stays cheap.
//!
//! Owns no policy knowledge (no exemptions, no actions): that lives in `table`.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::packet::Packet;

/// An IPv4 prefix with its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Net {
    pub addr: u32,
    pub prefix: u8,
}

impl Net {
    pub const ANY: Net = Net { addr: 0, prefix: 0 };

    /// A prefix; bits of `addr` outside it are dropped (the driver compares `addr & mask`).
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Net {
        let prefix = prefix.min(32);
        Net {
            addr: u32::from(addr) & mask_of(prefix),
            prefix,
        }
    }

    pub fn host(addr: Ipv4Addr) -> Net {
        Net::new(addr, 32)
    }

    #[inline]
    pub fn mask(self) -> u32 {
        mask_of(self.prefix)
    }

    #[inline]
    pub fn contains_addr(self, a: u32) -> bool {
        a & self.mask() == self.addr
    }

    #[inline]
    pub fn contains(self, other: Net) -> bool {
        self.prefix <= other.prefix && other.addr & self.mask() == self.addr
    }

    /// Two prefixes overlap exactly when one contains the other.
    #[inline]
    pub fn overlaps(self, other: Net) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// The more specific of two overlapping prefixes (their intersection).
    #[inline]
    pub fn intersect(self, other: Net) -> Option<Net> {
        if self.contains(other) {
            Some(other)
        } else if other.contains(self) {
            Some(self)
        } else {
            None
        }
    }

    #[inline]
    pub fn truncate(self, prefix: u8) -> Net {
        Net::new(Ipv4Addr::from(self.addr), prefix.min(self.prefix))
    }

    pub fn first(self) -> u32 {
        self.addr
    }

    pub fn last(self) -> u32 {
        self.addr | !self.mask()
    }

    pub fn to_ipnet(self) -> IpNet {
        // prefix is clamped to 32 in `new`, so construction cannot fail; fall back to any.
        Ipv4Net::new(Ipv4Addr::from(self.addr), self.prefix)
            .map(IpNet::V4)
            .unwrap_or_default()
    }
}

#[inline]
pub(crate) fn mask_of(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p if p >= 32 => u32::MAX,
        p => u32::MAX << (32 - u32::from(p)),
    }
}

/// What a row matches. `v6` marks the single IPv6 exemption row: it matches every IPv6
/// packet and no IPv4 packet, and its IPv4 fields are unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    pub v6: bool,
    pub src: Net,
    pub dst: Net,
    /// 0 = any protocol.
    pub protocol: u8,
    /// 0 = any port.
    pub src_port: u16,
    pub dst_port: u16,
}

impl Header {
    pub fn new(src: Net, dst: Net, protocol: u8, src_port: u16, dst_port: u16) -> Header {
        Header {
            v6: false,
            src,
            dst,
            protocol,
            src_port,
            dst_port,
        }
    }

    pub const IPV6_ALL: Header = Header {
        v6: true,
        src: Net::ANY,
        dst: Net::ANY,
        protocol: 0,
        src_port: 0,
        dst_port: 0,
    };

    /// docs/domain.md, "Weights and ties": 8 × (prefix sum) + 4 × protocol given + 2 × source
    /// port given + 1 × destination port given, so 0..=519.
    pub fn weight(&self) -> u16 {
        8 * (u16::from(self.src.prefix) + u16::from(self.dst.prefix))
            + 4 * u16::from(self.protocol != 0)
            + 2 * u16::from(self.src_port != 0)
            + u16::from(self.dst_port != 0)
    }

    /// The mirror: addresses and ports swapped.
    pub fn reversed(&self) -> Header {
        Header {
            v6: self.v6,
            src: self.dst,
            dst: self.src,
            protocol: self.protocol,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }

    pub fn matches(&self, p: &Packet) -> bool {
        match (p.src, p.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                !self.v6
                    && self.src.contains_addr(u32::from(s))
                    && self.dst.contains_addr(u32::from(d))
                    && field_matches(self.protocol.into(), p.protocol.into())
                    && field_matches(self.src_port, p.src_port)
                    && field_matches(self.dst_port, p.dst_port)
            }
            _ => self.v6,
        }
    }

    /// Some packet matches both rows.
    #[inline]
    pub fn overlaps(&self, o: &Header) -> bool {
        if self.v6 || o.v6 {
            return self.v6 && o.v6;
        }
        self.src.overlaps(o.src)
            && self.dst.overlaps(o.dst)
            && field_overlaps(self.protocol.into(), o.protocol.into())
            && field_overlaps(self.src_port, o.src_port)
            && field_overlaps(self.dst_port, o.dst_port)
    }

    /// Every packet `o` matches, `self` matches too.
    #[inline]
    pub fn contains(&self, o: &Header) -> bool {
        if self.v6 || o.v6 {
            return self.v6 && o.v6;
        }
        self.src.contains(o.src)
            && self.dst.contains(o.dst)
            && field_contains(self.protocol.into(), o.protocol.into())
            && field_contains(self.src_port, o.src_port)
            && field_contains(self.dst_port, o.dst_port)
    }

    /// The packets both rows match, as one header (fields meet exactly because every
    /// field is either "any" or one value, and prefixes nest).
    #[inline]
    pub fn intersect(&self, o: &Header) -> Option<Header> {
        if self.v6 || o.v6 {
            return (self.v6 && o.v6).then_some(Header::IPV6_ALL);
        }
        Some(Header {
            v6: false,
            src: self.src.intersect(o.src)?,
            dst: self.dst.intersect(o.dst)?,
            protocol: field_meet(self.protocol.into(), o.protocol.into())? as u8,
            src_port: field_meet(self.src_port, o.src_port)?,
            dst_port: field_meet(self.dst_port, o.dst_port)?,
        })
    }

    pub fn src_net(&self) -> IpNet {
        if self.v6 {
            IpNet::V6(Ipv6Net::default())
        } else {
            self.src.to_ipnet()
        }
    }

    pub fn dst_net(&self) -> IpNet {
        if self.v6 {
            IpNet::V6(Ipv6Net::default())
        } else {
            self.dst.to_ipnet()
        }
    }
}

impl Header {
    /// A concrete packet this header matches, chosen to read well: a documentation
    /// address (203.0.113.7) inside wide prefixes, port 1025 for "any port", TCP for "any
    /// protocol" when ports are given, else UDP... IPv6 rows give an IPv6 example.
    pub fn example(&self) -> Packet {
        if self.v6 {
            let a: std::net::Ipv6Addr = "2001:db8::7"
                .parse()
                .unwrap_or(std::net::Ipv6Addr::LOCALHOST);
            let b: std::net::Ipv6Addr = "2001:db8::5"
                .parse()
                .unwrap_or(std::net::Ipv6Addr::LOCALHOST);
            return Packet {
                protocol: 6,
                src: IpAddr::V6(a),
                src_port: 1025,
                dst: IpAddr::V6(b),
                dst_port: 80,
            };
        }
        let protocol = match self.protocol {
            0 if self.src_port != 0 || self.dst_port != 0 => 6,
            0 => 17,
            p => p,
        };
        let ports = protocol == 6 || protocol == 17;
        let port = |p: u16, dflt: u16| {
            if !ports {
                0
            } else if p == 0 {
                dflt
            } else {
                p
            }
        };
        Packet::v4(
            protocol,
            example_addr(self.src, 7),
            port(self.src_port, 1025),
            example_addr(self.dst, 5),
            port(self.dst_port, 1026),
        )
    }
}

/// An address inside `n`: 203.0.113.x when it fits, else the first usable address.
pub fn example_addr(n: Net, host: u8) -> Ipv4Addr {
    let doc = u32::from(Ipv4Addr::new(203, 0, 113, host));
    if n.contains_addr(doc) {
        Ipv4Addr::from(doc)
    } else if n.prefix >= 31 {
        Ipv4Addr::from(n.addr)
    } else {
        Ipv4Addr::from(n.addr + 1)
    }
}

fn field_matches(rule: u16, value: u16) -> bool {
    rule == 0 || rule == value
}

#[inline]
fn field_overlaps(a: u16, b: u16) -> bool {
    a == 0 || b == 0 || a == b
}

#[inline]
fn field_contains(outer: u16, inner: u16) -> bool {
    outer == 0 || outer == inner
}

#[inline]
fn field_meet(a: u16, b: u16) -> Option<u16> {
    match (a, b) {
        (0, x) | (x, 0) => Some(x),
        (x, y) if x == y => Some(x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("test address")
    }

    #[test]
    fn weight_of_the_kb813878_inbound_filter() {
        let h = Header::new(Net::ANY, Net::host(ip("192.168.1.1")), 17, 0, 1434);
        assert_eq!(h.weight(), 261);
        let all = Header::new(Net::ANY, Net::ANY, 0, 0, 0);
        assert_eq!(all.weight(), 0);
        let max = Header::new(Net::host(ip("1.1.1.1")), Net::host(ip("2.2.2.2")), 6, 1, 2);
        assert_eq!(max.weight(), 519);
    }

    #[test]
    fn nets_nest() {
        let a = Net::new(ip("10.0.0.0"), 8);
        let b = Net::new(ip("10.1.2.3"), 24);
        assert_eq!(b.addr, u32::from(ip("10.1.2.0")));
        assert!(a.contains(b) && !b.contains(a) && a.overlaps(b));
        assert_eq!(a.intersect(b), Some(b));
        assert!(!b.overlaps(Net::new(ip("10.1.3.0"), 24)));
        assert_eq!(b.last(), u32::from(ip("10.1.2.255")));
    }

    #[test]
    fn reversed_swaps_ports_too() {
        let h = Header::new(Net::ANY, Net::host(ip("1.2.3.4")), 6, 0, 80);
        let r = h.reversed();
        assert_eq!((r.src_port, r.dst_port), (80, 0));
        assert_eq!(r.src, Net::host(ip("1.2.3.4")));
    }
}

/// Which fields a row constrains (prefix lengths, and whether protocol and ports are
/// given). Rows of one shape overlap only when equal, so findings and reach group rows by
/// shape and look candidates up by hash instead of testing every pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    pub(crate) sp: u8,
    pub(crate) dp: u8,
    pub(crate) proto: bool,
    pub(crate) sport: bool,
    pub(crate) dport: bool,
}

impl Shape {
    pub(crate) fn of(h: &Header) -> Shape {
        Shape {
            sp: h.src.prefix,
            dp: h.dst.prefix,
            proto: h.protocol != 0,
            sport: h.src_port != 0,
            dport: h.dst_port != 0,
        }
    }

    /// `h` widened to this shape (which must be no more specific in any field).
    pub(crate) fn widen(self, h: &Header) -> Header {
        Header {
            v6: false,
            src: h.src.truncate(self.sp),
            dst: h.dst.truncate(self.dp),
            protocol: if self.proto { h.protocol } else { 0 },
            src_port: if self.sport { h.src_port } else { 0 },
            dst_port: if self.dport { h.dst_port } else { 0 },
        }
    }

    /// True when every field of `inner` is at least as specific as this shape's.
    pub(crate) fn wider_or_equal(self, inner: Shape) -> bool {
        self.sp <= inner.sp
            && self.dp <= inner.dp
            && (!self.proto || inner.proto)
            && (!self.sport || inner.sport)
            && (!self.dport || inner.dport)
    }
}
