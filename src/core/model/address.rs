//! Filter addresses: the endpoints a filter can name (docs/domain.md, "Addresses, protocols,
//! ports").
//!
//! An address keeps what the administrator wrote (a DNS name keeps its name *and* the
//! addresses it resolved to), so exports lose nothing. Masks are stored as written, even
//! when invalid: the engine's `check` reports a non-contiguous mask or address bits outside
//! the mask rather than the model silently fixing them.

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// A server type that Windows resolves from the host's own configuration at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ServerKind {
    Dns,
    Wins,
    Dhcp,
    Gateway,
}

impl ServerKind {
    pub const ALL: [ServerKind; 4] = [Self::Dns, Self::Wins, Self::Dhcp, Self::Gateway];

    /// The keyword netsh and the snap-in use.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Dns => "DNS",
            Self::Wins => "WINS",
            Self::Dhcp => "DHCP",
            Self::Gateway => "GATEWAY",
        }
    }

    pub fn from_keyword(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.keyword().eq_ignore_ascii_case(s))
    }
}

/// One side of a filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Address {
    /// "My IP Address": every address of this host, each as a /32.
    Me,
    /// "Any IP Address": 0.0.0.0 with mask 0.0.0.0.
    Any,
    /// A host (mask 255.255.255.255) or a subnet. The mask is kept as written.
    Ip { addr: Ipv4Addr, mask: Ipv4Addr },
    /// A DNS name, resolved once when the filter was created; one row per address.
    Dns {
        name: String,
        resolved: Vec<Ipv4Addr>,
    },
    /// A dynamic server type, resolved from the host context.
    Server(ServerKind),
}

pub const HOST_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 255);

impl Address {
    pub fn host(addr: Ipv4Addr) -> Self {
        Address::Ip {
            addr,
            mask: HOST_MASK,
        }
    }

    pub fn subnet(addr: Ipv4Addr, mask: Ipv4Addr) -> Self {
        Address::Ip { addr, mask }
    }

    pub fn is_me(&self) -> bool {
        matches!(self, Address::Me)
    }
}

/// The prefix length of a contiguous mask, or `None` when the mask has holes.
pub fn mask_prefix(mask: Ipv4Addr) -> Option<u8> {
    let bits = u32::from(mask);
    let ones = bits.leading_ones();
    if ones == 32 || bits << ones == 0 {
        Some(ones as u8)
    } else {
        None
    }
}

/// The mask of a prefix length (0..=32; larger values are clamped to 32).
pub fn prefix_mask(prefix: u8) -> Ipv4Addr {
    let p = u32::from(prefix.min(32));
    if p == 0 {
        Ipv4Addr::UNSPECIFIED
    } else {
        Ipv4Addr::from(u32::MAX << (32 - p))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Me => f.write_str("me"),
            Address::Any => f.write_str("any"),
            Address::Ip { addr, mask } if *mask == HOST_MASK => write!(f, "{addr}"),
            Address::Ip { addr, mask } => match mask_prefix(*mask) {
                Some(p) => write!(f, "{addr}/{p}"),
                None => write!(f, "{addr}/{mask}"),
            },
            Address::Dns { name, .. } => f.write_str(name),
            Address::Server(k) => f.write_str(k.keyword()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_masks() {
        assert_eq!(mask_prefix(Ipv4Addr::new(255, 255, 255, 0)), Some(24));
        assert_eq!(mask_prefix(Ipv4Addr::new(0, 0, 0, 0)), Some(0));
        assert_eq!(mask_prefix(HOST_MASK), Some(32));
        assert_eq!(mask_prefix(Ipv4Addr::new(255, 0, 255, 0)), None);
        assert_eq!(prefix_mask(24), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(prefix_mask(0), Ipv4Addr::UNSPECIFIED);
        assert_eq!(prefix_mask(32), HOST_MASK);
    }

    #[test]
    fn display_is_compact() {
        assert_eq!(
            Address::host(Ipv4Addr::new(10, 10, 1, 2)).to_string(),
            "10.10.1.2"
        );
        assert_eq!(
            Address::subnet(Ipv4Addr::new(144, 92, 0, 0), Ipv4Addr::new(255, 255, 0, 0))
                .to_string(),
            "144.92.0.0/16"
        );
        assert_eq!(Address::Server(ServerKind::Wins).to_string(), "WINS");
    }
}
