//! The ipsecPolicy blob (25 bytes: polling interval) and the ipsecISAKMPPolicy blob (main
//! mode: `MS-GPIPSEC.md` §3, §4.1). Decoding keeps every field that means something,
//! including the key-length/round words Windows writes; fields the spec says to ignore
//! (Zero*, PFS-Identity-Required) are skipped, so junk there is tolerated, and written as 0.

use uuid::Uuid;

use super::guids::{ISAKMP_BLOB, POLICY_BLOB};
use super::wire::{BlobError, Reader, Writer, open, seal};

/// The ipsecPolicy blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyBlob {
    /// Seconds between polls of the directory; 0 means 10,800.
    pub polling_secs: u32,
}

impl PolicyBlob {
    pub fn decode(bytes: &[u8]) -> Result<Self, BlobError> {
        let (payload, _) = open(bytes, POLICY_BLOB, "ipsecPolicy")?;
        let mut r = Reader::payload(&payload);
        Ok(PolicyBlob {
            polling_secs: r.u32("Polling-Interval")?,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        seal(POLICY_BLOB, &self.polling_secs.to_le_bytes(), &[0])
    }
}

/// One main-mode security method (64 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsakmpMethod {
    /// Low half of Encryption-Algorithm-ID: 1 DES, 2 or 3 3DES.
    pub encryption: u32,
    /// High half of Encryption-Algorithm-ID: Windows writes 0x40 (a key length?).
    pub encryption_aux: u32,
    /// "Zero4": Windows writes 8 (a round count?).
    pub rounds: u32,
    /// Low half of Hash-Algorithm-ID: 1 MD5, 2 SHA-1.
    pub hash: u32,
    /// High half of Hash-Algorithm-ID: Windows writes 0x40.
    pub hash_aux: u32,
    /// 1-4 replace encryption, hash and group (all with group 14); 0 unused.
    pub random_function: u8,
    /// 1 group 1, 2 group 2, 0x10000001 group 14.
    pub group: u32,
    pub qm_limit: u32,
    pub lifetime_kb: u32,
    pub lifetime_secs: u32,
}

pub const GROUP_14: u32 = 0x1000_0001;

impl IsakmpMethod {
    /// A method as Windows writes it (0x40 and 8 in the auxiliary words).
    pub fn new(encryption: u32, hash: u32, group: u32, lifetime_secs: u32) -> Self {
        IsakmpMethod {
            encryption,
            encryption_aux: 0x40,
            rounds: 8,
            hash,
            hash_aux: 0x40,
            random_function: 0,
            group,
            qm_limit: 0,
            lifetime_kb: 0,
            lifetime_secs,
        }
    }
}

/// The ipsecISAKMPPolicy blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsakmpBlob {
    /// ISAKMP-Policy-Instance: not checked against the object GUID (Windows does not).
    pub instance: Uuid,
    pub master_pfs: bool,
    /// 1 map certificates to accounts; 2 omit the certificate-request payload.
    pub options: u32,
    /// New-DH-1..4 (DH 2048 offers placed first; Server 2003 era).
    pub new_dh: [u8; 4],
    pub qm_limit: u32,
    /// Seconds; 0 means 28,800.
    pub mm_lifetime: u32,
    pub methods: Vec<IsakmpMethod>,
}

impl IsakmpBlob {
    pub fn decode(bytes: &[u8]) -> Result<Self, BlobError> {
        let (payload, _) = open(bytes, ISAKMP_BLOB, "ipsecISAKMPPolicy")?;
        let mut r = Reader::payload(&payload);
        let instance = r.guid("ISAKMP-Policy-Instance")?;
        r.take(4, "Zero1")?;
        let master_pfs = r.u32("Master-PFS-Required")? != 0;
        let options = r.u32("ISAKMP-Options")?;
        let d = r.take(4, "New-DH")?;
        let new_dh = [d[0], d[1], d[2], d[3]];
        let qm_limit = r.u32("QM-Limit")?;
        let mm_lifetime = r.u32("MM-Lifetime")?;
        r.take(20, "Zero2")?;
        let n = r.count("Security-Method-Count", 64)?;
        let mut methods = Vec::with_capacity(n);
        for _ in 0..n {
            r.take(4, "version")?;
            let encryption = r.u32("Encryption-Algorithm-ID")?;
            let encryption_aux = r.u32("Encryption-Algorithm-ID")?;
            let rounds = r.u32("Zero4")?;
            let hash = r.u32("Hash-Algorithm-ID")?;
            let hash_aux = r.u32("Hash-Algorithm-ID")?;
            r.take(12, "Zero5, Zero6")?;
            let random_function = r.u8("Random-Function")?;
            r.take(7, "Zero7")?;
            let group = r.u32("Oakley-Group")?;
            let qm_limit = r.u32("QM-Limit")?;
            let lifetime_kb = r.u32("Oakley-Lifetime-KB")?;
            let lifetime_secs = r.u32("Oakley-Lifetime-Secs")?;
            r.take(4, "PFS-Identity-Required")?;
            methods.push(IsakmpMethod {
                encryption,
                encryption_aux,
                rounds,
                hash,
                hash_aux,
                random_function,
                group,
                qm_limit,
                lifetime_kb,
                lifetime_secs,
            });
        }
        Ok(IsakmpBlob {
            instance,
            master_pfs,
            options,
            new_dh,
            qm_limit,
            mm_lifetime,
            methods,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.guid(self.instance);
        w.u32(0);
        w.u32(u32::from(self.master_pfs));
        w.u32(self.options);
        w.raw(&self.new_dh);
        w.u32(self.qm_limit);
        w.u32(self.mm_lifetime);
        w.raw(&[0; 20]);
        w.u32(self.methods.len() as u32);
        for m in &self.methods {
            w.u32(0);
            w.u32(m.encryption);
            w.u32(m.encryption_aux);
            w.u32(m.rounds);
            w.u32(m.hash);
            w.u32(m.hash_aux);
            w.raw(&[0; 12]);
            w.u8(m.random_function);
            w.raw(&[0; 7]);
            w.u32(m.group);
            w.u32(m.qm_limit);
            w.u32(m.lifetime_kb);
            w.u32(m.lifetime_secs);
            w.u32(0);
        }
        seal(ISAKMP_BLOB, &w.bytes, &[0])
    }
}
