//! The constant GUIDs of [MS-GPIPSEC] (`MS-GPIPSEC.md` §2, §5): blob type GUIDs and the
//! negotiation-policy action and type GUIDs.

use uuid::Uuid;

const fn g(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Uuid {
    Uuid::from_fields(d1, d2, d3, &d4)
}

pub const POLICY_BLOB: Uuid = g(
    0x2220_2163,
    0x4F4C,
    0x11D1,
    [0x86, 0x3B, 0x00, 0xA0, 0x24, 0x8D, 0x30, 0x21],
);
pub const ISAKMP_BLOB: Uuid = g(
    0x80DC_20B8,
    0x2EC8,
    0x11D1,
    [0xA8, 0x9E, 0x00, 0xA0, 0x24, 0x8D, 0x30, 0x21],
);
pub const NFA_BLOB: Uuid = g(
    0x11BB_AC00,
    0x498D,
    0x11D1,
    [0x86, 0x39, 0x00, 0xA0, 0x24, 0x8D, 0x30, 0x21],
);
pub const NEGPOL_BLOB: Uuid = g(
    0x80DC_20B9,
    0x2EC8,
    0x11D1,
    [0xA8, 0x9E, 0x00, 0xA0, 0x24, 0x8D, 0x30, 0x21],
);
pub const FILTER_BLOB: Uuid = g(
    0x80DC_20B5,
    0x2EC8,
    0x11D1,
    [0xA8, 0x9E, 0x00, 0xA0, 0x24, 0x8D, 0x30, 0x21],
);

/// Negotiation-policy action: block.
pub const ACTION_BLOCK: Uuid = g(
    0x3F91_A819,
    0x7647,
    0x11D1,
    [0x86, 0x4D, 0xD4, 0x6A, 0x00, 0x00, 0x00, 0x00],
);
/// Negotiation-policy action: permit (no IPsec).
pub const ACTION_PERMIT: Uuid = g(
    0x8A17_1DD2,
    0x77E3,
    0x11D1,
    [0x86, 0x59, 0xA0, 0x4F, 0x00, 0x00, 0x00, 0x00],
);
/// Negotiation-policy action: negotiate security.
pub const ACTION_SECURE: Uuid = g(
    0x8A17_1DD3,
    0x77E3,
    0x11D1,
    [0x86, 0x59, 0xA0, 0x4F, 0x00, 0x00, 0x00, 0x00],
);
/// Negotiation-policy action: negotiate, accepting unsecured inbound (netsh `inpass=yes`).
pub const ACTION_INBOUND_PASSTHRU: Uuid = g(
    0x3F91_A81A,
    0x7647,
    0x11D1,
    [0x86, 0x4D, 0xD4, 0x6A, 0x00, 0x00, 0x00, 0x00],
);
/// Negotiation-policy type: a standard filter action.
pub const TYPE_STANDARD: Uuid = g(
    0x62F4_9E10,
    0x6C37,
    0x11D1,
    [0x86, 0x4C, 0x14, 0xA3, 0x00, 0x00, 0x00, 0x00],
);
/// Negotiation-policy type: the default response rule's action.
pub const TYPE_DEFAULT_RESPONSE: Uuid = g(
    0x62F4_9E13,
    0x6C37,
    0x11D1,
    [0x86, 0x4C, 0x14, 0xA3, 0x00, 0x00, 0x00, 0x00],
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::interchange::registry::wire::braced;

    #[test]
    fn constants_print_as_the_spec_writes_them() {
        assert_eq!(
            braced(POLICY_BLOB),
            "{22202163-4F4C-11D1-863B-00A0248D3021}"
        );
        assert_eq!(
            braced(FILTER_BLOB),
            "{80DC20B5-2EC8-11D1-A89E-00A0248D3021}"
        );
        assert_eq!(
            braced(ACTION_INBOUND_PASSTHRU),
            "{3F91A81A-7647-11D1-864D-D46A00000000}"
        );
        assert_eq!(
            braced(TYPE_DEFAULT_RESPONSE),
            "{62F49E13-6C37-11D1-864C-14A300000000}"
        );
    }
}
