//! KB 811832's worked examples: the default exemptions per profile and NoDefaultExempt
//! value, and the one-way inbound block that a source-port-88 scan walks through.

mod engine_support;

use engine_support::*;
use ipsedit::core::engine::{
    DecidedBy, Direction, EffectiveTable, Exemption, TrailResult, ValueSource, explain,
};
use ipsedit::core::model::{Behavior, HostContext, OsProfile, Snapshot};

const HOST: &[(&str, u8)] = &[("10.10.1.2", 24)];

/// KB 811832's example policy: Any → My IP Address, any protocol, block, not mirrored;
/// plus the reverse one-way block so that outbound traffic is covered too.
fn block_all() -> Snapshot {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "Block all",
        "Block all inbound",
        vec![filter("any", "me", 0, 0, 0, false)],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "Block all",
        "Block all outbound",
        vec![filter("me", "any", 0, 0, 0, false)],
        Behavior::Block,
    );
    s
}

/// Whether the Kerberos exemption is in force, written out by hand from docs/domain.md,
/// "Exemptions per OS" (not computed by the engine's own tables).
fn kerberos_expected(profile: OsProfile, nde: Option<u32>) -> bool {
    use OsProfile::*;
    match (profile, nde) {
        (Win2000, _) => true, // the value is ignored; default 0
        (Win2000Sp1 | Win2000Sp2 | Win2000Sp3 | Winxp | WinxpSp1, Some(1)) => false,
        (Win2000Sp1 | Win2000Sp2 | Win2000Sp3 | Winxp | WinxpSp1, _) => true, // 0, absent, ignored 2/3
        (Win2000Sp4 | WinxpSp2, Some(0)) => true,
        (Win2000Sp4 | WinxpSp2, _) => false, // default 1; 2/3 ignored
        (Ws2003, Some(0) | Some(2)) => true,
        (Ws2003, _) => false, // default 3, or 1, or 3
    }
}

const VALUES: [Option<u32>; 5] = [None, Some(0), Some(1), Some(2), Some(3)];

#[test]
fn kerberos_port_88_bypass_for_every_profile_and_value() {
    let s = block_all();
    let packets = [
        ("tcp 203.0.113.9:88 -> me:445", Direction::Inbound),
        ("udp 203.0.113.9:88 -> me:137", Direction::Inbound),
        ("tcp me:88 -> 203.0.113.9:445", Direction::Outbound),
        ("udp me:88 -> 203.0.113.9:53", Direction::Outbound),
        ("tcp 203.0.113.9:1025 -> me:88", Direction::Inbound),
        ("udp me:1025 -> 203.0.113.9:88", Direction::Outbound),
    ];
    for profile in OsProfile::ALL {
        for nde in VALUES {
            let t = table(&s, &host(profile, nde, HOST));
            let want = kerberos_expected(profile, nde);
            for (text, dir) in packets {
                let e = explain(&t, &pkt(&t, text), None).expect("for this host");
                let ctx = format!("{profile} NoDefaultExempt={nde:?} {text}");
                if want {
                    assert_eq!(e.verdict, Behavior::Permit, "{ctx}");
                    assert_eq!(e.decided_by, DecidedBy::Exemption, "{ctx}");
                    assert_eq!(e.exemption, Some(Exemption::Kerberos), "{ctx}");
                    assert_eq!(e.direction, dir, "{ctx}");
                    // The block filter lost, and the trail says how to close the hole.
                    let lost = e
                        .trail
                        .iter()
                        .find(|i| i.result == TrailResult::Lost)
                        .expect("the block row is in the trail");
                    assert_eq!(lost.action, Behavior::Block, "{ctx}");
                    assert!(
                        lost.why.contains("kerberos exemption matched first"),
                        "{ctx}"
                    );
                    assert!(lost.why.contains("takes effect after a restart"), "{ctx}");
                } else {
                    assert_eq!(e.verdict, Behavior::Block, "{ctx}");
                    assert_eq!(e.decided_by, DecidedBy::Filter, "{ctx}");
                    assert_eq!(e.weight, Some(256), "{ctx}");
                }
            }
        }
    }
}

#[test]
fn ignored_values_are_reported_with_their_source() {
    let t = table(&block_all(), &host(OsProfile::WinxpSp1, Some(3), HOST));
    assert_eq!(t.no_default_exempt.source, ValueSource::Ignored);
    assert_eq!(t.no_default_exempt.value, 0);
    assert_eq!(t.context.warnings.len(), 1);
    let t = table(&block_all(), &host(OsProfile::Win2000, Some(1), HOST));
    assert_eq!(t.no_default_exempt.source, ValueSource::Ignored);
    let t = table(&block_all(), &host(OsProfile::Ws2003, Some(2), HOST));
    assert_eq!(t.no_default_exempt.source, ValueSource::Configured);
    let t = table(&block_all(), &host(OsProfile::WinxpSp2, None, HOST));
    assert_eq!(
        (t.no_default_exempt.value, t.no_default_exempt.source),
        (1, ValueSource::Default)
    );
}

#[test]
fn ike_is_exempt_only_for_udp_500_to_500() {
    let s = block_all();
    for profile in OsProfile::ALL {
        for nde in VALUES {
            let t = table(&s, &host(profile, nde, HOST));
            let e = explain(&t, &pkt(&t, "udp 203.0.113.9:500 -> me:500"), None).expect("ok");
            assert_eq!(e.exemption, Some(Exemption::Ike), "{profile} {nde:?}");
            let e = explain(&t, &pkt(&t, "udp me:500 -> 203.0.113.9:500"), None).expect("ok");
            assert_eq!(e.exemption, Some(Exemption::Ike), "{profile} {nde:?}");
        }
    }
    let t = table(&s, &host(OsProfile::Ws2003, None, HOST));
    for text in [
        "udp 203.0.113.9:500 -> me:501",
        "udp 203.0.113.9:4500 -> me:500",
        "tcp 203.0.113.9:500 -> me:500",
    ] {
        let e = explain(&t, &pkt(&t, text), None).expect("ok");
        assert_eq!(e.verdict, Behavior::Block, "{text}");
        assert_eq!(e.exemption, None, "{text}");
    }
}

#[test]
fn rsvp_protocol_46() {
    let s = block_all();
    let t = table(&s, &host(OsProfile::WinxpSp1, None, HOST));
    let e = explain(&t, &pkt(&t, "rsvp 203.0.113.9 -> me"), None).expect("ok");
    assert_eq!(e.exemption, Some(Exemption::Rsvp));
    let e = explain(&t, &pkt(&t, "46 me -> 203.0.113.9"), None).expect("ok");
    assert_eq!(e.exemption, Some(Exemption::Rsvp));
    for (profile, nde) in [
        (OsProfile::WinxpSp1, Some(1)),
        (OsProfile::Ws2003, None),
        (OsProfile::Win2000Sp4, None),
    ] {
        let t = table(&s, &host(profile, nde, HOST));
        let e = explain(&t, &pkt(&t, "rsvp 203.0.113.9 -> me"), None).expect("ok");
        assert_eq!(e.verdict, Behavior::Block, "{profile}");
    }
}

/// Block any ↔ any, so that multicast and broadcast destinations meet a filter.
fn block_everything() -> Snapshot {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "Block",
        "Block everything",
        vec![filter("any", "any", 0, 0, 0, true)],
        Behavior::Block,
    );
    s
}

#[test]
fn multicast_and_broadcast() {
    let s = block_everything();
    let cases = [
        (
            "udp 10.10.1.7:5353 -> 224.0.0.251:5353",
            Exemption::Multicast,
        ),
        ("udp me:5353 -> 239.1.2.3:5353", Exemption::Multicast),
        (
            "udp 10.10.1.7:68 -> 255.255.255.255:67",
            Exemption::Broadcast,
        ),
        ("udp 10.10.1.7:137 -> 10.10.1.255:137", Exemption::Broadcast),
        ("udp me:138 -> 10.10.1.255:138", Exemption::Broadcast),
    ];
    for profile in OsProfile::ALL {
        for nde in VALUES {
            let t = table(&s, &host(profile, nde, HOST));
            let exempt = !profile.is_server_2003() || matches!(nde, Some(0) | Some(1));
            for (text, ex) in cases {
                let e = explain(&t, &pkt(&t, text), None).expect("for this host");
                let ctx = format!("{profile} {nde:?} {text}");
                if exempt {
                    assert_eq!(e.exemption, Some(ex), "{ctx}");
                    assert_eq!(e.direction, Direction::Inbound.max_for(text), "{ctx}");
                } else {
                    assert_eq!(e.verdict, Behavior::Block, "{ctx}");
                    assert_eq!(e.decided_by, DecidedBy::Filter, "{ctx}");
                }
            }
        }
    }
}

trait DirFor {
    fn max_for(self, text: &str) -> Direction;
}
impl DirFor for Direction {
    /// Rows from `me` are outbound, the others inbound (they go to a multicast or
    /// broadcast address).
    fn max_for(self, text: &str) -> Direction {
        if text.contains(" me:") {
            Direction::Outbound
        } else {
            self
        }
    }
}

#[test]
fn subnet_broadcast_needs_a_prefix_of_30_or_shorter() {
    let s = block_everything();
    let t = table(&s, &host(OsProfile::WinxpSp1, None, &[("10.10.1.2", 31)]));
    // 10.10.1.3 is not a broadcast on a /31 and not this host: not for this host.
    assert!(explain(&t, &pkt(&t, "udp 10.10.1.3 -> 10.10.1.3"), None).is_err());
    assert_eq!(t.context.broadcasts, vec![ip("255.255.255.255")]);
    let t = table(&s, &host(OsProfile::WinxpSp1, None, &[("10.10.1.2", 30)]));
    assert_eq!(
        t.context.broadcasts,
        vec![ip("255.255.255.255"), ip("10.10.1.3")]
    );
    let e = explain(&t, &pkt(&t, "udp 10.10.1.1 -> 10.10.1.3"), None).expect("broadcast");
    assert_eq!(e.exemption, Some(Exemption::Broadcast));
}

#[test]
fn ipv6_is_never_filtered() {
    let s = block_everything();
    for profile in OsProfile::ALL {
        for nde in VALUES {
            let t = table(&s, &host(profile, nde, HOST));
            let e = explain(
                &t,
                &pkt(&t, "tcp [2001:db8::1]:1025 -> [2001:db8::5]:445"),
                None,
            )
            .expect("v6");
            assert_eq!(e.exemption, Some(Exemption::Ipv6), "{profile} {nde:?}");
            assert_eq!(e.verdict, Behavior::Permit);
        }
    }
    // IPv6 inside IPv4 (protocol 41) is an IPv4 packet: filtered.
    let t = table(&s, &host(OsProfile::WinxpSp1, None, HOST));
    let e = explain(&t, &pkt(&t, "41 203.0.113.9 -> me"), None).expect("ok");
    assert_eq!(e.verdict, Behavior::Block);
}

#[test]
fn the_one_way_inbound_block_table() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "Block inbound",
        "Block all inbound",
        vec![filter("any", "me", 0, 0, 0, false)],
        Behavior::Block,
    );
    let t = table(&s, &host(OsProfile::WinxpSp1, None, HOST));
    let expected = [
        "outbound 10.10.1.2/32 -> 0.0.0.0/0 udp 88:0 permit kerberos",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 udp 88:0 permit kerberos",
        "outbound 10.10.1.2/32 -> 0.0.0.0/0 udp 0:88 permit kerberos",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 udp 0:88 permit kerberos",
        "outbound 10.10.1.2/32 -> 0.0.0.0/0 tcp 88:0 permit kerberos",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 tcp 88:0 permit kerberos",
        "outbound 10.10.1.2/32 -> 0.0.0.0/0 tcp 0:88 permit kerberos",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 tcp 0:88 permit kerberos",
        "outbound 10.10.1.2/32 -> 0.0.0.0/0 udp 500:500 permit ike",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 udp 500:500 permit ike",
        "outbound 10.10.1.2/32 -> 0.0.0.0/0 46 0:0 permit rsvp",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 46 0:0 permit rsvp",
        "outbound 10.10.1.2/32 -> 224.0.0.0/4 any 0:0 permit multicast",
        "inbound 0.0.0.0/0 -> 224.0.0.0/4 any 0:0 permit multicast",
        "outbound 10.10.1.2/32 -> 255.255.255.255/32 any 0:0 permit broadcast",
        "inbound 0.0.0.0/0 -> 255.255.255.255/32 any 0:0 permit broadcast",
        "outbound 10.10.1.2/32 -> 10.10.1.255/32 any 0:0 permit broadcast",
        "inbound 0.0.0.0/0 -> 10.10.1.255/32 any 0:0 permit broadcast",
        "both ::/0 -> ::/0 any 0:0 permit ipv6",
        "inbound 0.0.0.0/0 -> 10.10.1.2/32 any 0:0 block w256 Block all inbound",
    ];
    assert_eq!(rendered(&t), expected);
    assert_eq!(t.exemption_rows, 19);

    // The attack of the KB: a scan from source port 88 reaches any open port.
    let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:88 -> 10.10.1.2:445"), None).expect("ok");
    assert_eq!(e.verdict, Behavior::Permit);
    assert_eq!(e.row, Some(5));
    assert_eq!(e.trail.len(), 2);
    assert_eq!(e.trail[1].row, 19);
    assert_eq!(e.trail[1].result, TrailResult::Lost);
    assert_eq!(
        e.trail[1].why,
        "rule 'Block all inbound' (filter 1 of 'Block all inbound list') would block this, \
         but the kerberos exemption matched first: source port 88, NoDefaultExempt is 0 on \
         winxp-sp1 (the default when the value is absent); set NoDefaultExempt to 1: `reg add \
         HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d 1`; \
         takes effect after a restart"
    );
    // Any other source port is blocked.
    let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:1025 -> 10.10.1.2:445"), None).expect("ok");
    assert_eq!(
        (e.verdict, e.row, e.weight),
        (Behavior::Block, Some(19), Some(256))
    );
    // Outbound is not blocked by a one-way inbound filter: no match.
    let e = explain(&t, &pkt(&t, "tcp me:1025 -> 203.0.113.9:445"), None).expect("ok");
    assert_eq!(e.decided_by, DecidedBy::NoMatch);
    // With NoDefaultExempt=1 (the KB's fix) the scan is blocked.
    let t = table(&s, &host(OsProfile::WinxpSp1, Some(1), HOST));
    let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:88 -> 10.10.1.2:445"), None).expect("ok");
    assert_eq!(e.verdict, Behavior::Block);
    // On Server 2003 the fix names netsh.
    let t = table(&s, &host(OsProfile::Ws2003, Some(0), HOST));
    let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:88 -> 10.10.1.2:445"), None).expect("ok");
    assert!(
        e.fix
            .as_deref()
            .is_some_and(|f| f.contains("netsh ipsec dynamic set config ipsecexempt value=1"))
    );
}

#[test]
fn not_for_this_host_is_refused() {
    let t = table(&block_all(), &host(OsProfile::WinxpSp1, None, HOST));
    let err = explain(&t, &pkt(&t, "tcp 203.0.113.9 -> 198.51.100.1:80"), None)
        .expect_err("foreign packet");
    assert!(err.to_string().contains("neither from nor to this host"));
}

#[test]
fn default_host_context_has_no_me() {
    let t = EffectiveTable::build(&block_all(), None, &HostContext::default());
    // No host address: `me` expands to nothing, exemptions keep only what needs no `me`.
    assert!(t.filters().is_empty());
    assert_eq!(
        rendered(&t),
        ["both ::/0 -> ::/0 any 0:0 permit ipv6"] // ws2003 default: only IKE (needs me) and IPv6
    );
}

/// Every OS profile × NoDefaultExempt (absent, 0-3 and the out-of-range 4) × exemption
/// kind, written out by hand from KB 811832 (docs/domain.md, "Exemptions per OS"): the
/// letters are the exemptions in force, K Kerberos, I IKE, R RSVP, M multicast,
/// B broadcast, 6 IPv6. Not computed: each line is what the article's two tables and its
/// note on multicast say for that pair.
const IN_FORCE: &[(OsProfile, [&str; 6])] = {
    use OsProfile::*;
    //              absent    0         1        2         3         4
    &[
        // Retail Windows 2000 ignores the value: default 0 always.
        (
            Win2000,
            ["KIRMB6", "KIRMB6", "KIRMB6", "KIRMB6", "KIRMB6", "KIRMB6"],
        ),
        // SP1-SP3 and XP retail/SP1: 0 or 1 honoured, default 0; 1 removes K and R;
        // multicast and broadcast can never be filtered.
        (
            Win2000Sp1,
            ["KIRMB6", "KIRMB6", "IMB6", "KIRMB6", "KIRMB6", "KIRMB6"],
        ),
        (
            Win2000Sp2,
            ["KIRMB6", "KIRMB6", "IMB6", "KIRMB6", "KIRMB6", "KIRMB6"],
        ),
        (
            Win2000Sp3,
            ["KIRMB6", "KIRMB6", "IMB6", "KIRMB6", "KIRMB6", "KIRMB6"],
        ),
        (
            Winxp,
            ["KIRMB6", "KIRMB6", "IMB6", "KIRMB6", "KIRMB6", "KIRMB6"],
        ),
        (
            WinxpSp1,
            ["KIRMB6", "KIRMB6", "IMB6", "KIRMB6", "KIRMB6", "KIRMB6"],
        ),
        // SP4 and XP SP2 change the default to 1.
        (
            Win2000Sp4,
            ["IMB6", "KIRMB6", "IMB6", "IMB6", "IMB6", "IMB6"],
        ),
        (WinxpSp2, ["IMB6", "KIRMB6", "IMB6", "IMB6", "IMB6", "IMB6"]),
        // Server 2003: 0-3 honoured, default 3; 2 removes multicast and broadcast.
        (Ws2003, ["I6", "KIRMB6", "IMB6", "KIR6", "I6", "I6"]),
    ]
};

/// One packet per exemption kind (two for Kerberos, two for broadcast), each of which
/// the block-everything policy blocks unless the exemption lets it through.
const PROBES: &[(char, Exemption, &str)] = &[
    ('K', Exemption::Kerberos, "udp 203.0.113.9:88 -> me:1434"),
    ('K', Exemption::Kerberos, "tcp me:1025 -> 203.0.113.9:88"),
    ('I', Exemption::Ike, "udp 203.0.113.9:500 -> me:500"),
    ('R', Exemption::Rsvp, "rsvp 203.0.113.9 -> me"),
    ('R', Exemption::Rsvp, "46 me -> 203.0.113.9"),
    (
        'M',
        Exemption::Multicast,
        "udp 10.10.1.7:5353 -> 224.0.0.251:5353",
    ),
    (
        'B',
        Exemption::Broadcast,
        "udp 10.10.1.7:68 -> 255.255.255.255:67",
    ),
    ('B', Exemption::Broadcast, "udp me:138 -> 10.10.1.255:138"),
    (
        '6',
        Exemption::Ipv6,
        "tcp [2001:db8::1]:1025 -> [2001:db8::5]:445",
    ),
];

#[test]
fn every_profile_value_and_exemption_in_engine_and_reference() {
    use ipsedit::core::engine::reference;
    let s = block_everything();
    let values = [None, Some(0), Some(1), Some(2), Some(3), Some(4)];
    let mut listed: Vec<&str> = IN_FORCE.iter().map(|(p, _)| p.id()).collect();
    let mut all: Vec<&str> = OsProfile::ALL.iter().map(|p| p.id()).collect();
    listed.sort_unstable();
    all.sort_unstable();
    assert_eq!(listed, all, "one line per profile");
    let mut checked = 0;
    for (profile, line) in IN_FORCE {
        for (nde, letters) in values.iter().zip(line) {
            let h = host(*profile, *nde, HOST);
            let t = table(&s, &h);
            for (letter, kind, text) in PROBES {
                let ctx = format!("{profile} {nde:?} {text}");
                let p = pkt(&t, text);
                let exempt = letters.contains(*letter);
                assert_eq!(
                    reference::exemption_in_force(&h, *kind),
                    exempt,
                    "reference table: {ctx}"
                );
                let e = explain(&t, &p, None).expect("for this host");
                let r = reference::evaluate(&s, None, &h, &p);
                let first = reference::matching(&s, None, &h, &p)
                    .first()
                    .map(|m| (m.exemption, m.action));
                if exempt {
                    assert_eq!(
                        (e.exemption, e.verdict),
                        (Some(*kind), Behavior::Permit),
                        "engine: {ctx}"
                    );
                    assert_eq!(
                        (r.exemption, r.action),
                        (Some(*kind), Behavior::Permit),
                        "reference: {ctx}"
                    );
                    assert_eq!(
                        first,
                        Some((Some(*kind), Behavior::Permit)),
                        "reference rows: {ctx}"
                    );
                } else {
                    assert_eq!(
                        (e.exemption, e.verdict),
                        (None, Behavior::Block),
                        "engine: {ctx}"
                    );
                    assert_eq!(
                        (r.exemption, r.action),
                        (None, Behavior::Block),
                        "reference: {ctx}"
                    );
                    assert_eq!(
                        first,
                        Some((None, Behavior::Block)),
                        "reference rows: {ctx}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 9 * 6 * PROBES.len());
}

/// The `use` statements of a Rust source, each joined onto one line (from `use` to `;`).
fn use_statements(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for line in src.lines() {
        let t = line.trim();
        let stmt = match open.take() {
            Some(acc) => acc + " " + t,
            None if t.starts_with("use ") || t.starts_with("pub use ") => t.to_string(),
            None => continue,
        };
        if stmt.ends_with(';') {
            out.push(stmt);
        } else {
            open = Some(stmt);
        }
    }
    out
}

/// The reference evaluator is an oracle only while it restates the exemption tables
/// itself: it must not import anything from `exemptions` (only the `Exemption` names, from
/// the vocabulary module `exemption`), and that module must not hold the tables either.
#[test]
fn the_reference_does_not_borrow_the_engines_exemption_tables() {
    let src = include_str!("../src/core/engine/reference.rs");
    let uses = use_statements(src);
    assert!(
        uses.iter().any(|u| u == "use super::exemption::Exemption;"),
        "reference.rs should name the exemptions from `exemption`: {uses:?}"
    );
    for u in &uses {
        assert!(!u.contains("exemptions"), "reference.rs: `{u}`");
    }
    let tables = [
        "honoured_values",
        "default_value",
        "kept_by_value",
        "cannot_filter_multicast",
        "ResolvedContext",
    ];
    for name in tables.iter().chain(&["exemptions::"]) {
        assert!(!src.contains(name), "reference.rs uses `{name}`");
    }
    let vocabulary = include_str!("../src/core/engine/exemption.rs");
    assert_eq!(
        use_statements(vocabulary),
        ["use serde::Serialize;"],
        "exemption.rs should import only serde"
    );
    for name in tables.iter().chain(&["NoDefaultExempt", "OsProfile"]) {
        assert!(!vocabulary.contains(name), "exemption.rs holds `{name}`");
    }
}

#[test]
fn use_statements_are_joined_across_lines() {
    let src = "//! use nothing\nuse a::b;\npub use c::{\n    d,\n    e,\n};\nfn f() {}\n";
    assert_eq!(use_statements(src), ["use a::b;", "pub use c::{ d, e, };"]);
}
