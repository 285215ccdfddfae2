//! A concrete packet (`PROTO SRC -> DST`) and its parser. The parser only reads text: it
//! never resolves names and never touches the network. `me` needs the host's addresses,
//! so parsing takes them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::core::model::Protocol;

/// One packet as the IPsec driver sees it: protocol, addresses and ports (0 when the
/// protocol has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Packet {
    pub protocol: u8,
    pub src: IpAddr,
    pub src_port: u16,
    pub dst: IpAddr,
    pub dst_port: u16,
}

impl Packet {
    pub fn v4(protocol: u8, src: Ipv4Addr, src_port: u16, dst: Ipv4Addr, dst_port: u16) -> Self {
        Packet {
            protocol,
            src: IpAddr::V4(src),
            src_port,
            dst: IpAddr::V4(dst),
            dst_port,
        }
    }

    pub fn is_v6(&self) -> bool {
        self.src.is_ipv6() || self.dst.is_ipv6()
    }

    /// Parses `PROTO SRC -> DST`: PROTO is `tcp`, `udp`, `icmp`, `rsvp`, another protocol
    /// name or a number; SRC and DST are `ADDR[:PORT]`, IPv6 in brackets; `me` is the first
    /// host address.
    pub fn parse(text: &str, host_addresses: &[Ipv4Addr]) -> Result<Packet, PacketError> {
        let (proto_text, rest) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| PacketError::Shape(text.to_string()))?;
        let protocol = Protocol::parse(proto_text)
            .ok_or_else(|| PacketError::Protocol(proto_text.to_string()))?;
        if protocol.is_any() {
            return Err(PacketError::Protocol(proto_text.to_string()));
        }
        let (src_text, dst_text) = rest
            .split_once("->")
            .ok_or_else(|| PacketError::Shape(text.to_string()))?;
        let (src, src_port) = parse_endpoint(src_text.trim(), host_addresses)?;
        let (dst, dst_port) = parse_endpoint(dst_text.trim(), host_addresses)?;
        if !protocol.has_ports() && (src_port != 0 || dst_port != 0) {
            return Err(PacketError::PortsWithoutPorts(protocol.to_string()));
        }
        if src.is_ipv4() != dst.is_ipv4() {
            return Err(PacketError::MixedFamilies(text.trim().to_string()));
        }
        Ok(Packet {
            protocol: protocol.0,
            src,
            src_port,
            dst,
            dst_port,
        })
    }
}

/// Parses `ADDR[:PORT]`, `[V6]:PORT` or `me[:PORT]`.
fn parse_endpoint(text: &str, host: &[Ipv4Addr]) -> Result<(IpAddr, u16), PacketError> {
    if text.is_empty() {
        return Err(PacketError::Address(text.to_string()));
    }
    if let Some(inner) = text.strip_prefix('[') {
        let (addr, after) = inner
            .split_once(']')
            .ok_or_else(|| PacketError::Address(text.to_string()))?;
        let addr: Ipv6Addr = addr
            .parse()
            .map_err(|_| PacketError::Address(text.to_string()))?;
        let port = match after {
            "" => 0,
            p => parse_port(p.strip_prefix(':').unwrap_or(p), text)?,
        };
        return Ok((IpAddr::V6(addr), port));
    }
    let (addr_text, port) = match text.split_once(':') {
        Some((a, p)) => (a, parse_port(p, text)?),
        None => (text, 0),
    };
    let addr = if addr_text.eq_ignore_ascii_case("me") {
        *host.first().ok_or(PacketError::NoHostAddress)?
    } else {
        addr_text
            .parse::<Ipv4Addr>()
            .map_err(|_| PacketError::Address(text.to_string()))?
    };
    Ok((IpAddr::V4(addr), port))
}

fn parse_port(p: &str, whole: &str) -> Result<u16, PacketError> {
    p.trim()
        .parse::<u16>()
        .map_err(|_| PacketError::Port(p.to_string(), whole.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("cannot read packet {0:?}: write PROTO SRC -> DST, e.g. \"udp 10.0.0.9:88 -> me:445\"")]
    Shape(String),
    #[error(
        "unknown protocol {0:?}: use tcp, udp, icmp, rsvp, another name ({names}) or a number 1-255",
        names = Protocol::known_names()
    )]
    Protocol(String),
    #[error(
        "cannot read address {0:?}: write an IPv4 address, `me`, or an IPv6 address in brackets ([2001:db8::5]:443), optionally with :PORT"
    )]
    Address(String),
    #[error("port {0:?} in {1:?} is not a number 0-65535")]
    Port(String, String),
    #[error("{0} has no ports: drop the :PORT parts, or use tcp or udp")]
    PortsWithoutPorts(String),
    #[error("packet {0:?} mixes IPv4 and IPv6 addresses: use one family")]
    MixedFamilies(String),
    #[error("`me` needs a host address: configure one (ipsedit config) or pass --me CIDR")]
    NoHostAddress,
    #[error(
        "packet {0} is neither from nor to this host (host addresses: {1}); IPsec filters only what this host sends or receives: use `me` or a host address on one side"
    )]
    NotForThisHost(String, String),
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = Protocol(self.protocol);
        let name = proto.name().map(str::to_ascii_lowercase);
        match name {
            Some(n) => f.write_str(&n)?,
            None => write!(f, "{}", self.protocol)?,
        }
        write!(f, " ")?;
        write_endpoint(f, self.src, self.src_port)?;
        write!(f, " -> ")?;
        write_endpoint(f, self.dst, self.dst_port)
    }
}

fn write_endpoint(f: &mut fmt::Formatter<'_>, a: IpAddr, port: u16) -> fmt::Result {
    match (a, port) {
        (IpAddr::V4(a), 0) => write!(f, "{a}"),
        (IpAddr::V4(a), p) => write!(f, "{a}:{p}"),
        (IpAddr::V6(a), 0) => write!(f, "[{a}]"),
        (IpAddr::V6(a), p) => write!(f, "[{a}]:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: [Ipv4Addr; 1] = [Ipv4Addr::new(10, 10, 1, 2)];

    #[test]
    fn parses_the_contract_forms() {
        let p = Packet::parse("udp 203.0.113.9:88 -> me:1434", &HOST).expect("valid");
        assert_eq!(
            p,
            Packet::v4(17, "203.0.113.9".parse().expect("ip"), 88, HOST[0], 1434)
        );
        let p = Packet::parse("46 me -> 10.0.0.1", &HOST).expect("valid");
        assert_eq!(p.protocol, 46);
        let p = Packet::parse("tcp [2001:db8::1]:5 -> [2001:db8::5]:443", &HOST).expect("v6");
        assert!(p.is_v6());
        assert_eq!(p.dst_port, 443);
        assert_eq!(p.to_string(), "tcp [2001:db8::1]:5 -> [2001:db8::5]:443");
    }

    #[test]
    fn errors_quote_the_token() {
        let e = Packet::parse("tpc me -> 1.2.3.4", &HOST).expect_err("bad proto");
        assert!(e.to_string().contains("\"tpc\""));
        let e = Packet::parse("tcp me -> 1.2.3:80", &HOST).expect_err("bad addr");
        assert!(e.to_string().contains("\"1.2.3:80\""));
        let e = Packet::parse("icmp me:5 -> 1.2.3.4", &HOST).expect_err("ports");
        assert!(e.to_string().contains("ICMP has no ports"));
        assert_eq!(
            Packet::parse("tcp me -> 1.2.3.4", &[]),
            Err(PacketError::NoHostAddress)
        );
    }
}
