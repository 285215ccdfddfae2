//! Probe packets byte by byte: an IPv4 header with DSCP CS1 (the lab's probe mark) and a
//! TCP SYN, a UDP datagram, an ICMP echo request or 8 bytes of payload, with correct
//! checksums; and the reverse check that a received packet is a given probe.

use std::net::Ipv4Addr;

/// DSCP CS1 in the TOS byte.
pub const PROBE_TOS: u8 = 0x20;

/// The received bytes (IPv4 header first) are the probe with this header.
pub fn matches_header(
    b: &[u8],
    proto: u8,
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
) -> bool {
    if b.len() < 20 || b[0] >> 4 != 4 {
        return false;
    }
    let ihl = usize::from(b[0] & 0x0f) * 4;
    let s = Ipv4Addr::new(b[12], b[13], b[14], b[15]);
    let d = Ipv4Addr::new(b[16], b[17], b[18], b[19]);
    if b[9] != proto || s != src || d != dst {
        return false;
    }
    if proto == 6 || proto == 17 {
        let Some(h) = b.get(ihl..ihl + 4) else {
            return false;
        };
        u16::from_be_bytes([h[0], h[1]]) == sport && u16::from_be_bytes([h[2], h[3]]) == dport
    } else {
        true
    }
}

/// A whole IPv4 packet (header with DSCP CS1; the kernel fills the header checksum).
pub fn ip_packet(proto: u8, src: Ipv4Addr, sport: u16, dst: Ipv4Addr, dport: u16) -> Vec<u8> {
    let body = payload(proto, src, sport, dst, dport);
    let total = u16::try_from(20 + body.len()).unwrap_or(u16::MAX);
    let mut h = vec![0x45, PROBE_TOS];
    h.extend(total.to_be_bytes());
    h.extend([0, 0, 0x40, 0, 64, proto, 0, 0]);
    h.extend(src.octets());
    h.extend(dst.octets());
    let c = checksum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend(body);
    h
}

/// The transport part: a TCP SYN, a UDP datagram, an ICMP echo request, or 8 bytes.
pub fn payload(proto: u8, src: Ipv4Addr, sport: u16, dst: Ipv4Addr, dport: u16) -> Vec<u8> {
    let mut b = match proto {
        6 => {
            let mut t = Vec::with_capacity(20);
            t.extend(sport.to_be_bytes());
            t.extend(dport.to_be_bytes());
            t.extend(1u32.to_be_bytes());
            t.extend(0u32.to_be_bytes());
            t.extend([0x50, 0x02]);
            t.extend(1024u16.to_be_bytes());
            t.extend([0, 0, 0, 0]);
            t
        }
        17 => {
            let data = b"ipsedit lab probe";
            let mut u = Vec::new();
            u.extend(sport.to_be_bytes());
            u.extend(dport.to_be_bytes());
            u.extend(u16::try_from(8 + data.len()).unwrap_or(0).to_be_bytes());
            u.extend([0, 0]);
            u.extend(data);
            u
        }
        1 => vec![8, 0, 0, 0, 0x12, 0x34, 0, 1],
        _ => vec![0; 8],
    };
    match proto {
        6 | 17 => {
            let mut pseudo = Vec::new();
            pseudo.extend(src.octets());
            pseudo.extend(dst.octets());
            pseudo.extend([0, proto]);
            pseudo.extend(u16::try_from(b.len()).unwrap_or(0).to_be_bytes());
            pseudo.extend(&b);
            let mut c = checksum(&pseudo);
            if proto == 17 && c == 0 {
                c = 0xffff;
            }
            let at = if proto == 6 { 16 } else { 6 };
            b[at..at + 2].copy_from_slice(&c.to_be_bytes());
        }
        1 => {
            let c = checksum(&b);
            b[2..4].copy_from_slice(&c.to_be_bytes());
        }
        _ => {}
    }
    b
}

/// The Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_packets_carry_the_chosen_header() {
        let src = Ipv4Addr::new(198, 51, 100, 2);
        let dst = Ipv4Addr::new(198, 51, 100, 1);
        let p = ip_packet(6, src, 88, dst, 445);
        assert_eq!(p.len(), 40);
        assert_eq!(&p[..2], &[0x45, 0x20]);
        assert_eq!(checksum(&p[..20]), 0, "header checksum");
        assert!(matches_header(&p, 6, src, 88, dst, 445));
        assert!(!matches_header(&p, 6, src, 89, dst, 445));
        assert_eq!(p[33], 0x02, "SYN");
        let u = ip_packet(17, src, 500, dst, 500);
        assert_eq!(u16::from_be_bytes([u[24], u[25]]), 25);
        let r = ip_packet(46, src, 0, dst, 0);
        assert_eq!((r.len(), r[9]), (28, 46));
    }
}
