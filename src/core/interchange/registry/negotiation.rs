//! The ipsecNegotiationPolicy blob (filter action / quick mode: `MS-GPIPSEC.md` §4.2):
//! security offers of up to three algorithm entries each. Unused entry slots hold junk in
//! real data and are skipped; they are written as zeros.

use super::guids::NEGPOL_BLOB;
use super::wire::{BlobError, Reader, Writer, open, seal};

pub const OFFER_AH: u32 = 1;
pub const OFFER_ESP: u32 = 2;

/// One algorithm entry (20 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Algorithm {
    /// AH: 1 MD5, 2 SHA-1. ESP encryption: 0 none?, 1 DES, 3 3DES (§4.2 warning).
    pub id: u32,
    /// ESP integrity: 0 none, 1 MD5, 2 SHA-1.
    pub integrity: u32,
    /// 1 AH, 2 ESP.
    pub kind: u32,
    /// "Zero1": Windows writes 0x40 and 8 in used entries.
    pub aux: [u32; 2],
}

impl Algorithm {
    pub fn new(kind: u32, id: u32, integrity: u32) -> Self {
        Algorithm {
            id,
            integrity,
            kind,
            aux: [0x40, 8],
        }
    }
}

/// One security offer (80 bytes). An offer of no algorithms is the fall-back to clear
/// ("soft"), as Windows' own "Request Security (Optional)" ends with one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub lifetime_secs: u32,
    pub lifetime_kb: u32,
    pub options: u32,
    /// PFS-QM-Required, as stored (1 = PFS on, the [IK] reading; §9.5).
    pub pfs: u32,
    pub algorithms: Vec<Algorithm>,
}

/// The ipsecNegotiationPolicy blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiationBlob {
    pub offers: Vec<Offer>,
}

impl NegotiationBlob {
    pub fn decode(bytes: &[u8]) -> Result<Self, BlobError> {
        let (payload, _) = open(bytes, NEGPOL_BLOB, "ipsecNegotiationPolicy")?;
        let mut r = Reader::payload(&payload);
        let n = r.count("Security-Offer-Count", 80)?;
        let mut offers = Vec::with_capacity(n);
        for _ in 0..n {
            let lifetime_secs = r.u32("Lifetime-Seconds")?;
            let lifetime_kb = r.u32("Lifetime-KBytes")?;
            let options = r.u32("Negotiation-Options")?;
            let pfs = r.u32("PFS-QM-Required")?;
            let at = r.pos();
            let count = r.u32("Algorithm-Offer-Count")? as usize;
            if count > 3 {
                return Err(BlobError {
                    offset: at,
                    message: format!("Algorithm-Offer-Count is {count}; at most 3 fit an offer"),
                });
            }
            let mut algorithms = Vec::with_capacity(count);
            for i in 0..3 {
                let id = r.u32("Algorithm-Identifier")?;
                let integrity = r.u32("ESP-Integrity-Identifier")?;
                let kind = r.u32("Offer-Type")?;
                let a0 = r.u32("Zero1")?;
                let a1 = r.u32("Zero1")?;
                if i < count {
                    algorithms.push(Algorithm {
                        id,
                        integrity,
                        kind,
                        aux: [a0, a1],
                    });
                }
            }
            offers.push(Offer {
                lifetime_secs,
                lifetime_kb,
                options,
                pfs,
                algorithms,
            });
        }
        Ok(NegotiationBlob { offers })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.offers.len() as u32);
        for o in &self.offers {
            w.u32(o.lifetime_secs);
            w.u32(o.lifetime_kb);
            w.u32(o.options);
            w.u32(o.pfs);
            w.u32(o.algorithms.len().min(3) as u32);
            for i in 0..3 {
                match o.algorithms.get(i) {
                    Some(a) => {
                        w.u32(a.id);
                        w.u32(a.integrity);
                        w.u32(a.kind);
                        w.u32(a.aux[0]);
                        w.u32(a.aux[1]);
                    }
                    None => w.raw(&[0; 20]),
                }
            }
        }
        seal(NEGPOL_BLOB, &w.bytes, &[0])
    }
}
