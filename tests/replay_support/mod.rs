//! Frames and captures for the replay tests, built with etherparse and written with
//! pcap-file: Ethernet (with and without a VLAN tag), Linux cooked v1 and v2, raw IP,
//! IPv6, ARP and IPv4 fragments. Timestamps are fixed so captures are byte-for-byte
//! reproducible.
#![allow(dead_code)]

use std::borrow::Cow;
use std::time::Duration;

use etherparse::{IpFragOffset, IpNumber, Ipv4Header, PacketBuilder, VlanId};
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;

pub const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
pub const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];

pub fn ip4(s: &str) -> [u8; 4] {
    s.parse::<std::net::Ipv4Addr>()
        .expect("test address")
        .octets()
}

/// An IPv4 packet (no link layer): UDP (17) or TCP (6) with ports, else a bare payload.
pub fn ipv4(proto: u8, src: &str, sport: u16, dst: &str, dport: u16) -> Vec<u8> {
    let mut v = Vec::new();
    let b = PacketBuilder::ipv4(ip4(src), ip4(dst), 64);
    match proto {
        17 => b.udp(sport, dport).write(&mut v, b"payload"),
        6 => b.tcp(sport, dport, 1, 1024).write(&mut v, b"payload"),
        p => b.write(&mut v, IpNumber(p), b"payload"),
    }
    .expect("build packet");
    v
}

/// An IPv4 fragment of a UDP datagram: `offset` in 8-byte units; the first fragment
/// carries the UDP header.
pub fn ipv4_fragment(src: &str, sport: u16, dst: &str, dport: u16, offset: u16) -> Vec<u8> {
    let mut payload = Vec::new();
    if offset == 0 {
        payload.extend(sport.to_be_bytes());
        payload.extend(dport.to_be_bytes());
        payload.extend([0, 16, 0, 0]);
    }
    payload.extend([0xAB; 8]);
    let mut h = Ipv4Header::new(payload.len() as u16, 64, IpNumber(17), ip4(src), ip4(dst))
        .expect("header");
    h.more_fragments = offset == 0;
    h.fragment_offset = IpFragOffset::try_new(offset).expect("offset");
    h.header_checksum = h.calc_header_checksum();
    let mut v = Vec::new();
    h.write(&mut v).expect("write header");
    v.extend(payload);
    v
}

pub fn ipv6_tcp() -> Vec<u8> {
    let a = "2001:db8::7"
        .parse::<std::net::Ipv6Addr>()
        .expect("v6")
        .octets();
    let b = "2001:db8::5"
        .parse::<std::net::Ipv6Addr>()
        .expect("v6")
        .octets();
    let mut v = Vec::new();
    PacketBuilder::ipv6(a, b, 64)
        .tcp(1025, 445, 1, 1024)
        .write(&mut v, b"x")
        .expect("v6 packet");
    v
}

/// Ethernet II around an IP packet (EtherType from the IP version), optionally VLAN-tagged.
pub fn ethernet(ip: &[u8], vlan: Option<u16>) -> Vec<u8> {
    let ty: u16 = if ip.first().is_some_and(|b| b >> 4 == 6) {
        0x86dd
    } else {
        0x0800
    };
    let mut v = Vec::new();
    v.extend(MAC_B);
    v.extend(MAC_A);
    if let Some(id) = vlan {
        let id = VlanId::try_new(id).expect("vlan id");
        v.extend(0x8100u16.to_be_bytes());
        v.extend(id.value().to_be_bytes());
    }
    v.extend(ty.to_be_bytes());
    v.extend(ip);
    v
}

/// An ARP request (who has 10.10.1.2) in Ethernet.
pub fn arp() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend([0xff; 6]);
    v.extend(MAC_A);
    v.extend(0x0806u16.to_be_bytes());
    v.extend([0, 1, 8, 0, 6, 4, 0, 1]);
    v.extend(MAC_A);
    v.extend(ip4("10.10.1.7"));
    v.extend([0; 6]);
    v.extend(ip4("10.10.1.2"));
    v
}

/// Linux cooked capture v1 (16-byte header) around an IPv4 packet.
pub fn sll(ip: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 1, 0, 6];
    v.extend(MAC_A);
    v.extend([0, 0]);
    v.extend(0x0800u16.to_be_bytes());
    v.extend(ip);
    v
}

/// Linux cooked capture v2 (20-byte header) around an IPv4 packet.
pub fn sll2(ip: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(0x0800u16.to_be_bytes());
    v.extend([0, 0]);
    v.extend(1u32.to_be_bytes());
    v.extend([0, 1, 0, 6]);
    v.extend(MAC_A);
    v.extend([0, 0]);
    v.extend(ip);
    v
}

fn stamp(i: usize) -> Duration {
    Duration::from_millis(1_700_000_000_000 + 10 * i as u64)
}

/// A pcap file of one link type.
pub fn pcap(link: DataLink, frames: &[Vec<u8>]) -> Vec<u8> {
    let header = PcapHeader {
        datalink: link,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).expect("pcap header");
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(stamp(i), f.len() as u32, f))
            .expect("write frame");
    }
    w.into_writer()
}

/// A pcapng file with one interface per link type; frames name their interface.
pub fn pcapng(links: &[DataLink], frames: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new()).expect("pcapng");
    for l in links {
        w.write_pcapng_block(InterfaceDescriptionBlock::new(*l, 65535))
            .expect("interface");
    }
    for (i, (iface, f)) in frames.iter().enumerate() {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: *iface,
            timestamp: stamp(i),
            original_len: f.len() as u32,
            data: Cow::Borrowed(f),
            options: Vec::new(),
        })
        .expect("packet");
    }
    w.into_inner()
}
