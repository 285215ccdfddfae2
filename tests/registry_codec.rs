//! The blob codecs against real Windows bytes: every test vector of `MS-GPIPSEC.md` §6.2
//! decodes to the documented fields and re-encodes to the same bytes, except the fields the
//! spec says to ignore (where Windows 2000 left junk; ipsedit writes zeros there).

mod registry_support;

use ipsedit::core::interchange::registry::filter::FilterBlob;
use ipsedit::core::interchange::registry::negotiation::{Algorithm, NegotiationBlob};
use ipsedit::core::interchange::registry::nfa::{AuthEntry, NfaBlob};
use ipsedit::core::interchange::registry::policy_blob::{IsakmpBlob, IsakmpMethod, PolicyBlob};
use ipsedit::core::interchange::registry::wire::parse_braced;
use registry_support::{isakmp_ignored, negotiation_ignored};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// `bytes` with the given ranges zeroed: what ipsedit writes for ignored fields.
fn zeroed(bytes: &[u8], ranges: &[std::ops::Range<usize>]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for r in ranges {
        b[r.clone()].fill(0);
    }
    b
}

const VE_FILTER: &str = "b520dc80c82ed111a89e00a0248d30214a000000010000000200000000000200
00000000020000000000483ca92ae11c3f46aaa160d818ab6878010000000000
000000000000c0a8010affffffff0000000011000000a50600000000000000";

#[test]
fn ve_filter_list() {
    let bytes = hex(VE_FILTER);
    assert_eq!(bytes.len(), 95);
    let b = FilterBlob::decode(&bytes).expect("decodes");
    assert_eq!(b.filters.len(), 1);
    let f = &b.filters[0];
    assert_eq!(
        (
            f.src_dns.as_str(),
            f.dst_dns.as_str(),
            f.description.as_str()
        ),
        ("", "", "")
    );
    assert_eq!(
        Some(f.id),
        parse_braced("{2AA93C48-1CE1-463F-AAA1-60D818AB6878}")
    );
    assert!(f.mirrored);
    assert_eq!((f.src_addr, f.src_mask), ([0; 4], [0; 4]));
    assert_eq!((f.dst_addr, f.dst_mask), ([192, 168, 1, 10], [255; 4]));
    assert_eq!(f.tunnel_addr, [0; 4]);
    assert_eq!((f.protocol, f.src_port, f.dst_port), (17, 1701, 0));
    assert_eq!((f.is_tunnel, f.special, f.options), (0, 0, 0));
    assert_eq!(b.tail, [0]);
    assert_eq!(b.encode(), bytes);
}

const VE_ISAKMP: &str = "b820dc80c82ed111a89e00a0248d302140010000ffe6f9f97c181c459af51803
8429049200000000000000000000000000000000000000000000000000000000
0000000000000000000000000000000004000000000000000300000040000000
0800000002000000400000000000000000000000000000000000000000000000
0200000000000000000000008070000001003400000000000300000040000000
0800000001000000400000000000000000000000000000000000000000000000
0200000000000000000000008070000000000000000000000100000040000000
0800000002000000400000000000000000000000000000000000000000000000
0100000000000000000000008070000000004600000000000100000040000000
0800000001000000400000000000000000000000000000000000000000030000
01000000000000000000000080700000a80a1c0400";

#[test]
fn ve_isakmp() {
    let bytes = hex(VE_ISAKMP);
    assert_eq!(bytes.len(), 341);
    let b = IsakmpBlob::decode(&bytes).expect("decodes");
    assert_eq!(
        Some(b.instance),
        parse_braced("{F9F9E6FF-187C-451C-9AF5-180384290492}")
    );
    assert_eq!(
        (b.master_pfs, b.options, b.new_dh, b.qm_limit, b.mm_lifetime),
        (false, 0, [0; 4], 0, 0)
    );
    let expected: Vec<IsakmpMethod> = [(3, 2, 2), (3, 1, 2), (1, 2, 1), (1, 1, 1)]
        .into_iter()
        .map(|(e, h, g)| IsakmpMethod::new(e, h, g, 28_800))
        .collect();
    assert_eq!(b.methods, expected);
    assert_eq!(b.encode(), zeroed(&bytes, &isakmp_ignored(4)));
    // The junk really is only in the ignored fields.
    assert_ne!(b.encode(), bytes);
}

const VE_ACTION: &str = "b920dc80c82ed111a89e00a0248d302154000000010000002c01000000000000
0000000000000000010000000300000001000000020000004000000008000000
000000000000000070007300650063000400090001007b00a0f6c800285ac800
380031003500360000";

#[test]
fn ve_filter_action() {
    let bytes = hex(VE_ACTION);
    assert_eq!(bytes.len(), 105);
    let b = NegotiationBlob::decode(&bytes).expect("decodes");
    assert_eq!(b.offers.len(), 1);
    let o = &b.offers[0];
    assert_eq!(
        (o.lifetime_secs, o.lifetime_kb, o.options, o.pfs),
        (300, 0, 0, 0)
    );
    assert_eq!(o.algorithms, vec![Algorithm::new(2, 3, 1)]);
    assert_eq!(b.encode(), zeroed(&bytes, &negotiation_ignored(&b)));
}

const VE_DEFAULT_RESPONSE: &str = "b920dc80c82ed111a89e00a0248d3021e4010000060000000000000000000000
0000000000000000010000000300000002000000020000004000000008000000
290000002700000001000000000000002a0000001f000000d9ac59009c010900
0400000000000000000000000000000000000000000000000100000003000000
0100000002000000400000000800000000000000000000000000000000000000
040009000100000098012300f0efc80080700000010000000000000000000000
0000000000000000010000000100000002000000020000004000000008000000
00000000000000005c004c006f006300040009000100690098012300285ac800
4e00460041007b00000000000000000000000000000000000100000001000000
0100000002000000400000000800000000000000000000007000730065006300
0400090001007b00a0f6c800285ac80038003100350036000000000000000000
0000000000000000010000000200000000000000010000004000000008000000
1c164b760000000000010000c8460877c8460877c8460877999df6c4a4b7b945
b1edcd13644af517000000000000000000000000000000000100000001000000
0000000001000000400000000800000002000000020000004000000008000000
0000000040000000080000002c010000090011000100090000";

#[test]
fn ve_default_response_action_survives_junk() {
    let bytes = hex(VE_DEFAULT_RESPONSE);
    assert_eq!(bytes.len(), 505);
    let b = NegotiationBlob::decode(&bytes).expect("decodes");
    let algs: Vec<Vec<Algorithm>> = b.offers.iter().map(|o| o.algorithms.clone()).collect();
    assert_eq!(
        algs,
        vec![
            vec![Algorithm::new(2, 3, 2)],
            vec![Algorithm::new(2, 3, 1)],
            vec![Algorithm::new(2, 1, 2)],
            vec![Algorithm::new(2, 1, 1)],
            vec![Algorithm::new(1, 2, 0)],
            vec![Algorithm::new(1, 1, 0)],
        ]
    );
    assert!(
        b.offers
            .iter()
            .all(|o| (o.lifetime_secs, o.lifetime_kb, o.pfs) == (0, 0, 0))
    );
    assert_eq!(b.encode(), zeroed(&bytes, &negotiation_ignored(&b)));
}

#[test]
fn ve_policy() {
    let bytes = hex("632120224c4fd111863b00a0248d302104000000302a000000");
    let b = PolicyBlob::decode(&bytes).expect("decodes");
    assert_eq!(b.polling_secs, 10_800);
    assert_eq!(b.encode(), bytes);
}

#[test]
fn ve_nfa_kerberos_default_response() {
    let bytes = hex(
        "00acbb118d49d111863900a0248d30212a000000010000000500000002000000
         0000fdffffff02000000000000000000000000000000000002000000000000",
    );
    assert_eq!(bytes.len(), 63);
    let b = NfaBlob::decode(&bytes).expect("decodes");
    assert_eq!(b.auth, vec![AuthEntry::kerberos()]);
    assert_eq!(b.interface_type, 0xFFFF_FFFD);
    assert_eq!(
        (b.interface_name.as_str(), b.endpoint_name.as_str()),
        ("", "")
    );
    assert_eq!(
        (b.tunnel_addr, b.is_tunnel, b.is_active),
        ([0; 4], false, false)
    );
    assert_eq!(b.tail, [0]);
    assert_eq!(b.encode(), bytes);
}

#[test]
fn ve_nfa_preshared_key() {
    let bytes = hex(
        "00acbb118d49d111863900a0248d30213600000001000000010000000e000000
         7300650063007200650074000000fdffffff0200000000000000000000000000
         0100000002000000000000",
    );
    assert_eq!(bytes.len(), 75);
    let b = NfaBlob::decode(&bytes).expect("decodes");
    assert_eq!(b.auth.len(), 1);
    assert_eq!(
        (b.auth[0].kind, b.auth[0].data_text()),
        (1, "secret".to_string())
    );
    assert_eq!((b.is_tunnel, b.is_active), (false, true));
    assert_eq!(b.encode(), bytes);
}

#[test]
fn bad_blobs_are_errors_with_offsets() {
    // The "Version Information Object" NFA starts with its own GUID, not the NFA type.
    let v = hex("6f5c1f6ab772d211acf00060b0ecca175000000000000100");
    let e = NfaBlob::decode(&v).expect_err("not an NFA blob");
    assert_eq!(e.offset, 0);
    assert_eq!(
        e.message,
        "a ipsecNFA blob starts with {11BBAC00-498D-11D1-8639-00A0248D3021}, but this starts \
         with {6A1F5C6F-72B7-11D2-ACF0-0060B0ECCA17}"
    );
    // Truncated: Data-Length says more than there is.
    let mut t = hex(VE_FILTER);
    t.truncate(60);
    let e = FilterBlob::decode(&t).expect_err("truncated");
    assert_eq!(
        (e.offset, e.message.as_str()),
        (16, "Data-Length is 74 but only 40 bytes follow")
    );
    // A filter count that cannot fit.
    let mut c = hex(VE_FILTER);
    c[20] = 0xff;
    let e = FilterBlob::decode(&c).expect_err("count");
    assert_eq!(e.offset, 20);
}
