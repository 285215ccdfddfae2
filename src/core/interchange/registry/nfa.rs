//! The ipsecNFA blob (a rule: authentication, interface, tunnel, active: `MS-GPIPSEC.md`
//! §4.3). Whatever follows the counted part (the trailing zero, the Vista+ alternate
//! authentication and IPv6 tunnel extension) is kept as raw bytes and written back.

use super::guids::NFA_BLOB;
use super::wire::{BlobError, Reader, Writer, open, seal, utf16_bytes, utf16_text};

pub const AUTH_PRESHARED: u32 = 1;
pub const AUTH_CERTIFICATE: u32 = 3;
pub const AUTH_KERBEROS: u32 = 5;

pub const INTERFACE_ALL: u32 = 0xFFFF_FFFD;
pub const INTERFACE_LAN: u32 = 0xFFFF_FFFE;
pub const INTERFACE_DIALUP: u32 = 0xFFFF_FFFF;

/// One authentication method: type and its data as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEntry {
    pub kind: u32,
    pub data: Vec<u8>,
}

impl AuthEntry {
    pub fn kerberos() -> Self {
        AuthEntry {
            kind: AUTH_KERBEROS,
            data: vec![0, 0],
        }
    }

    /// A pre-shared key or a CA name: UTF-16LE with NUL.
    pub fn text(kind: u32, text: &str) -> Self {
        AuthEntry {
            kind,
            data: utf16_bytes(text),
        }
    }

    pub fn data_text(&self) -> String {
        utf16_text(&self.data)
    }
}

/// The ipsecNFA blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfaBlob {
    pub auth: Vec<AuthEntry>,
    pub interface_type: u32,
    pub interface_name: String,
    /// Tunnel endpoint, network order; 0 in transport mode.
    pub tunnel_addr: [u8; 4],
    pub is_tunnel: bool,
    pub is_active: bool,
    pub endpoint_name: String,
    /// The bytes after the counted part: `[0]` when there is no extension.
    pub tail: Vec<u8>,
}

impl NfaBlob {
    pub fn decode(bytes: &[u8]) -> Result<Self, BlobError> {
        let (payload, tail) = open(bytes, NFA_BLOB, "ipsecNFA")?;
        let mut r = Reader::payload(&payload);
        let n = r.count("Auth-Method-Count", 8)?;
        let mut auth = Vec::with_capacity(n);
        for _ in 0..n {
            let kind = r.u32("Auth-Type")?;
            let len = r.u32("Auth-Length")? as usize;
            let data = r.take(len, "Auth-Method-Data")?.to_vec();
            auth.push(AuthEntry { kind, data });
        }
        let interface_type = r.u32("Interface-Type")?;
        let interface_name = r.string("Interface-Name")?;
        let tunnel_addr = r.ip("Tunnel-Address")?;
        let is_tunnel = r.u32("Is-Tunnel-Specifier")? != 0;
        let is_active = r.u32("Is-Active-Specifier")? != 0;
        let endpoint_name = r.string("Tunnel-End-Point-Name")?;
        Ok(NfaBlob {
            auth,
            interface_type,
            interface_name,
            tunnel_addr,
            is_tunnel,
            is_active,
            endpoint_name,
            tail,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.auth.len() as u32);
        for a in &self.auth {
            w.u32(a.kind);
            w.u32(a.data.len() as u32);
            w.raw(&a.data);
        }
        w.u32(self.interface_type);
        w.string(&self.interface_name);
        w.raw(&self.tunnel_addr);
        w.u32(u32::from(self.is_tunnel));
        w.u32(u32::from(self.is_active));
        w.string(&self.endpoint_name);
        let tail: &[u8] = if self.tail.is_empty() {
            &[0]
        } else {
            &self.tail
        };
        seal(NFA_BLOB, &w.bytes, tail)
    }
}
