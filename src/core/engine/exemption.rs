//! The names of the IPsec driver's default exemptions (docs/domain.md, "Default
//! exemptions"): a vocabulary type shared by the engine and its naive reference, like the
//! model. Owns only the names, the table order and the traffic each one lets through in
//! words; which exemptions are in force for a host (the tables of "Exemptions per OS")
//! belongs to `exemptions` and must not move here, so that `reference` can restate them.

use serde::Serialize;

/// A default exemption of the IPsec driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Exemption {
    Kerberos,
    Ike,
    Rsvp,
    Multicast,
    Broadcast,
    Ipv6,
}

impl Exemption {
    /// Table order: the order of KB 811832's list, which is also the row order.
    pub const ALL: [Exemption; 6] = [
        Self::Kerberos,
        Self::Ike,
        Self::Rsvp,
        Self::Multicast,
        Self::Broadcast,
        Self::Ipv6,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Kerberos => "kerberos",
            Self::Ike => "ike",
            Self::Rsvp => "rsvp",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Ipv6 => "ipv6",
        }
    }

    /// The traffic it lets through, in words.
    pub fn traffic(self) -> &'static str {
        match self {
            Self::Kerberos => "TCP and UDP with source or destination port 88",
            Self::Ike => "UDP from port 500 to port 500",
            Self::Rsvp => "IP protocol 46 (RSVP)",
            Self::Multicast => "traffic to 224.0.0.0/4",
            Self::Broadcast => "traffic to 255.255.255.255 or a subnet broadcast address",
            Self::Ipv6 => "all IPv6 traffic",
        }
    }
}
