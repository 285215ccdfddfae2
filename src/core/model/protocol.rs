//! IP protocol of a filter. Stored as the number Windows stores (0 = any), written in RON
//! and JSON as the name an administrator would type ("UDP", "ANY", "46").

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Protocol(pub u8);

/// Names the old tools and the snap-in accepted, with their numbers.
const NAMES: &[(&str, u8)] = &[
    ("ANY", 0),
    ("ICMP", 1),
    ("EGP", 8),
    ("PUP", 12),
    ("HMP", 20),
    ("XNS-IDP", 22),
    ("RDP", 27),
    ("TCP", 6),
    ("UDP", 17),
    ("RSVP", 46),
    ("RVD", 66),
    ("RAW", 255),
];

impl Protocol {
    pub const ANY: Protocol = Protocol(0);
    pub const ICMP: Protocol = Protocol(1);
    pub const TCP: Protocol = Protocol(6);
    pub const UDP: Protocol = Protocol(17);
    pub const RSVP: Protocol = Protocol(46);
    pub const RAW: Protocol = Protocol(255);

    pub fn is_any(self) -> bool {
        self.0 == 0
    }

    /// Ports are only meaningful for TCP and UDP.
    pub fn has_ports(self) -> bool {
        self == Self::TCP || self == Self::UDP
    }

    /// The number, or `None` for any (the JSON contract's `null`).
    pub fn number(self) -> Option<u8> {
        (!self.is_any()).then_some(self.0)
    }

    /// Parses a protocol name (any case) or a number 0..=255.
    pub fn parse(s: &str) -> Option<Protocol> {
        let t = s.trim();
        if let Some((_, n)) = NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(t)) {
            return Some(Protocol(*n));
        }
        t.parse::<u8>().ok().map(Protocol)
    }

    /// The known names, for error messages.
    pub fn known_names() -> String {
        NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    }

    pub fn name(self) -> Option<&'static str> {
        NAMES
            .iter()
            .find(|(_, n)| *n == self.0)
            .map(|(name, _)| *name)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl From<Protocol> for String {
    fn from(p: Protocol) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for Protocol {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Protocol::parse(&s).ok_or_else(|| {
            format!(
                "unknown protocol {s:?}: use a number 0-255 or one of {}",
                Protocol::known_names()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(Protocol::parse("udp"), Some(Protocol::UDP));
        assert_eq!(Protocol::parse("46"), Some(Protocol::RSVP));
        assert_eq!(Protocol::parse("FOO"), None);
        assert_eq!(Protocol::parse("256"), None);
        assert_eq!(Protocol(50).to_string(), "50");
        assert_eq!(Protocol::ANY.number(), None);
        assert_eq!(Protocol::TCP.number(), Some(6));
    }
}
