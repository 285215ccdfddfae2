//! One captured frame → the fields the IPsec driver filters on. Link layers: Ethernet
//! (with 802.1Q/802.1ad VLAN tags), Linux cooked capture v1 and v2 (what `tcpdump -i any`
//! writes), raw IP (DLT_RAW, LINKTYPE_IPV4/IPV6) and BSD loopback (DLT_NULL/DLT_LOOP).
//! `etherparse` reads the link extensions and the IP header; ports are read from the
//! first four bytes of the TCP or UDP header, so a first fragment keeps its ports even
//! though etherparse does not slice fragmented transport headers.

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket};

/// The link-layer header type of a capture (the LINKTYPE_ value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    Ethernet,
    LinuxSll,
    LinuxSll2,
    /// Raw IPv4 or IPv6 (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6).
    RawIp,
    /// BSD loopback: a 4-byte address family, then IP.
    Null,
    Other(u32),
}

impl LinkType {
    pub fn from_linktype(v: u32) -> LinkType {
        match v {
            1 => LinkType::Ethernet,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            12 | 14 | 101 | 228 | 229 => LinkType::RawIp,
            0 | 108 => LinkType::Null,
            v => LinkType::Other(v),
        }
    }
}

/// Which part of a datagram an IPv4 packet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment {
    /// Not fragmented.
    Whole,
    /// Offset 0 with more fragments: carries the transport header.
    First,
    /// Offset > 0: no transport header, ports unknown.
    Later,
}

/// An IPv4 packet's filter fields. Ports are 0 for protocols without ports, for later
/// fragments, and when the capture cut the transport header off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Fields {
    pub src: u32,
    pub dst: u32,
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub fragment: Fragment,
}

/// What a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    Ipv4(Ipv4Fields),
    Ipv6,
    /// ARP and other non-IP frames: the IPsec driver never sees them.
    NotIp,
    /// Too short or inconsistent to read an IP header from.
    Malformed,
}

/// Decodes one frame of the given link type. `None` for an unsupported link type.
pub fn decode(link: LinkType, data: &[u8]) -> Option<Decoded> {
    let sliced = match link {
        LinkType::Ethernet => LaxSlicedPacket::from_ethernet(data).ok(),
        LinkType::LinuxSll => ether_typed(data, 16, 14),
        LinkType::LinuxSll2 => ether_typed(data, 20, 0),
        LinkType::RawIp => LaxSlicedPacket::from_ip(data).ok(),
        LinkType::Null => {
            let Some((family, rest)) = data.split_first_chunk::<4>() else {
                return Some(Decoded::Malformed);
            };
            // The family is in the capturing host's byte order: accept both.
            let af = u32::from_le_bytes(*family).min(u32::from_be_bytes(*family));
            match af {
                2 => LaxSlicedPacket::from_ip(rest).ok(),
                24 | 28 | 30 => return Some(Decoded::Ipv6),
                _ => return Some(Decoded::NotIp),
            }
        }
        LinkType::Other(_) => return None,
    };
    Some(match sliced {
        None => Decoded::Malformed,
        Some(p) => classify(&p),
    })
}

/// Cooked captures: the EtherType at `type_at`, the network header at `header_len`.
fn ether_typed(data: &[u8], header_len: usize, type_at: usize) -> Option<LaxSlicedPacket<'_>> {
    let ty = data.get(type_at..type_at + 2)?;
    let rest = data.get(header_len..)?;
    Some(LaxSlicedPacket::from_ether_type(
        EtherType(u16::from_be_bytes([ty[0], ty[1]])),
        rest,
    ))
}

fn classify(p: &LaxSlicedPacket<'_>) -> Decoded {
    match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            let protocol = h.protocol().0;
            let offset = h.fragments_offset().value();
            let fragment = if offset > 0 {
                Fragment::Later
            } else if h.more_fragments() {
                Fragment::First
            } else {
                Fragment::Whole
            };
            let payload = v4.payload().payload;
            let (src_port, dst_port) = match (protocol, fragment, payload.get(..4)) {
                (6 | 17, Fragment::Whole | Fragment::First, Some(b)) => (
                    u16::from_be_bytes([b[0], b[1]]),
                    u16::from_be_bytes([b[2], b[3]]),
                ),
                _ => (0, 0),
            };
            Decoded::Ipv4(Ipv4Fields {
                src: u32::from_be_bytes(h.source()),
                dst: u32::from_be_bytes(h.destination()),
                protocol,
                src_port,
                dst_port,
                fragment,
            })
        }
        Some(LaxNetSlice::Ipv6(_)) => Decoded::Ipv6,
        Some(LaxNetSlice::Arp(_)) => Decoded::NotIp,
        None if p.stop_err.is_some() => Decoded::Malformed,
        None => Decoded::NotIp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal IPv4 header + UDP ports, built by hand (no builder: the bytes are the test).
    fn ipv4_udp(flags_offset: u16, sport: u16, dport: u16) -> Vec<u8> {
        let mut v = vec![
            0x45, 0, 0, 28, 0, 1, // version/IHL, TOS, total length 28, id
        ];
        v.extend(flags_offset.to_be_bytes());
        v.extend([64, 17, 0, 0, 203, 0, 113, 5, 10, 10, 1, 2]);
        v.extend(sport.to_be_bytes());
        v.extend(dport.to_be_bytes());
        v.extend([0, 8, 0, 0]);
        v
    }

    #[test]
    fn raw_ipv4_udp_and_its_fragments() {
        let whole = decode(LinkType::RawIp, &ipv4_udp(0, 88, 1434));
        let Some(Decoded::Ipv4(f)) = whole else {
            panic!("{whole:?}")
        };
        assert_eq!((f.protocol, f.src_port, f.dst_port), (17, 88, 1434));
        assert_eq!(f.src, u32::from_be_bytes([203, 0, 113, 5]));
        assert_eq!(f.fragment, Fragment::Whole);
        // More fragments, offset 0: the first fragment keeps its ports.
        let first = decode(LinkType::RawIp, &ipv4_udp(0x2000, 88, 1434));
        assert!(
            matches!(
                first,
                Some(Decoded::Ipv4(Ipv4Fields {
                    fragment: Fragment::First,
                    src_port: 88,
                    ..
                }))
            ),
            "{first:?}"
        );
        // Offset 1 (8 bytes): the bytes after the header are data, not ports.
        let later = decode(LinkType::RawIp, &ipv4_udp(0x0001, 88, 1434));
        assert!(
            matches!(
                later,
                Some(Decoded::Ipv4(Ipv4Fields {
                    fragment: Fragment::Later,
                    src_port: 0,
                    dst_port: 0,
                    ..
                }))
            ),
            "{later:?}"
        );
    }

    #[test]
    fn cooked_v1_and_v2_and_unknown_links() {
        let ip = ipv4_udp(0, 500, 500);
        let mut sll = vec![0u8; 14];
        sll.extend([0x08, 0x00]);
        sll.extend(&ip);
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend([0u8; 18]);
        sll2.extend(&ip);
        for (link, frame) in [(LinkType::LinuxSll, sll), (LinkType::LinuxSll2, sll2)] {
            let d = decode(link, &frame);
            assert!(
                matches!(
                    d,
                    Some(Decoded::Ipv4(Ipv4Fields {
                        src_port: 500,
                        dst_port: 500,
                        ..
                    }))
                ),
                "{link:?} {d:?}"
            );
        }
        assert_eq!(decode(LinkType::Other(147), &ip), None);
        assert_eq!(
            decode(LinkType::RawIp, &[0x45, 0]),
            Some(Decoded::Malformed)
        );
    }
}
