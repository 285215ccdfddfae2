//! The ipsecFilter blob (a filter list with its filters: `MS-GPIPSEC.md` §4.4). Legacy
//! (v1) filter specs are decoded; a Vista+ v2 section after them is kept as raw bytes.

use uuid::Uuid;

use super::guids::FILTER_BLOB;
use super::wire::{BlobError, Reader, Writer, open, seal};

/// One legacy filter spec: three strings and a 52-byte block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSpec {
    pub src_dns: String,
    pub dst_dns: String,
    pub description: String,
    pub id: Uuid,
    pub mirrored: bool,
    /// Addresses and masks in network order (dotted order).
    pub src_addr: [u8; 4],
    pub src_mask: [u8; 4],
    pub dst_addr: [u8; 4],
    pub dst_mask: [u8; 4],
    pub tunnel_addr: [u8; 4],
    pub protocol: u32,
    pub src_port: u16,
    pub dst_port: u16,
    pub is_tunnel: u8,
    /// 0x01-0x04 source is DNS/WINS/DHCP/gateway; 0x81-0x84 the destination.
    pub special: u8,
    pub options: u16,
}

/// The ipsecFilter blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterBlob {
    pub filters: Vec<FilterSpec>,
    /// After the counted part: `[0]`, or the trailing zero and a v2 section.
    pub tail: Vec<u8>,
}

impl FilterBlob {
    pub fn decode(bytes: &[u8]) -> Result<Self, BlobError> {
        let (payload, tail) = open(bytes, FILTER_BLOB, "ipsecFilter")?;
        let mut r = Reader::payload(&payload);
        let n = r.count("Number-Of-Filters", 18 + 52)?;
        let mut filters = Vec::with_capacity(n);
        for _ in 0..n {
            filters.push(FilterSpec {
                src_dns: r.string("Source DNS name")?,
                dst_dns: r.string("Destination DNS name")?,
                description: r.string("Filter description")?,
                id: r.guid("Filter-Specification-ID")?,
                mirrored: r.u32("Legacy-Mirror-Options")? != 0,
                src_addr: r.ip("Legacy-Source-Address")?,
                src_mask: r.ip("Legacy-Source-Mask")?,
                dst_addr: r.ip("Legacy-Destination-Address")?,
                dst_mask: r.ip("Legacy-Destination-Mask")?,
                tunnel_addr: r.ip("Legacy-Tunnel-Address")?,
                protocol: r.u32("Legacy-Protocol")?,
                src_port: r.u16("Legacy-Source-Port")?,
                dst_port: r.u16("Legacy-Destination-Port")?,
                is_tunnel: r.u8("Legacy-Is-Tunnel")?,
                special: r.u8("Legacy-Special-Filter")?,
                options: r.u16("Legacy-Filter-Options")?,
            });
        }
        Ok(FilterBlob { filters, tail })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.filters.len() as u32);
        for f in &self.filters {
            w.string(&f.src_dns);
            w.string(&f.dst_dns);
            w.string(&f.description);
            w.guid(f.id);
            w.u32(u32::from(f.mirrored));
            w.raw(&f.src_addr);
            w.raw(&f.src_mask);
            w.raw(&f.dst_addr);
            w.raw(&f.dst_mask);
            w.raw(&f.tunnel_addr);
            w.u32(f.protocol);
            w.u16(f.src_port);
            w.u16(f.dst_port);
            w.u8(f.is_tunnel);
            w.u8(f.special);
            w.u16(f.options);
        }
        let tail: &[u8] = if self.tail.is_empty() {
            &[0]
        } else {
            &self.tail
        };
        seal(FILTER_BLOB, &w.bytes, tail)
    }
}
