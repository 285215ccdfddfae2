//! KB 813878's worked examples: the "Block UDP 1434 Filter" policy (static, via
//! ipseccmd -w REG), its netdiag listing, the dynamic `[*=0:1434:UDP]` block and `-u`,
//! and the check findings on Windows XP SP1 against Server 2003.

mod engine_support;

use engine_support::*;
use ipsedit::core::engine::{DecidedBy, OriginKind, check, explain};
use ipsedit::core::model::{Behavior, OsProfile, Snapshot};

const HOST: &[(&str, u8)] = &[("192.168.1.1", 24)];

/// `ipseccmd -w REG -p "Block UDP 1434 Filter" -r "Block Inbound UDP 1434 Rule" -f *=0:1434:UDP -n BLOCK -x`
/// then `... -r "Block Outbound UDP 1434 Rule" -f 0=*:1434:UDP -n BLOCK`.
fn kb813878() -> Snapshot {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "Block UDP 1434 Filter",
        "Block Inbound UDP 1434 Rule",
        vec![filter("any", "me", 17, 0, 1434, false)],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "Block UDP 1434 Filter",
        "Block Outbound UDP 1434 Rule",
        vec![filter("me", "any", 17, 0, 1434, false)],
        Behavior::Block,
    );
    s
}

#[test]
fn static_policy_table_on_server_2003() {
    let s = kb813878();
    let t = table(&s, &host(OsProfile::Ws2003, None, HOST));
    assert_eq!(
        rendered(&t),
        [
            "outbound 192.168.1.1/32 -> 0.0.0.0/0 udp 500:500 permit ike",
            "inbound 0.0.0.0/0 -> 192.168.1.1/32 udp 500:500 permit ike",
            "both ::/0 -> ::/0 any 0:0 permit ipv6",
            "inbound 0.0.0.0/0 -> 192.168.1.1/32 udp 0:1434 block w261 Block Inbound UDP 1434 Rule",
            "outbound 192.168.1.1/32 -> 0.0.0.0/0 udp 0:1434 block w261 Block Outbound UDP 1434 Rule",
        ]
    );
    // What netdiag prints per filter: the filter id and the action id ("Policy Id").
    let list = &s.filter_lists[0];
    let inbound = &t.rows[3];
    assert_eq!(inbound.origin.filter_id, Some(list.filters[0].id));
    assert_eq!(inbound.origin.action_id, Some(s.filter_actions[0].id));
    assert_eq!(
        inbound.origin.policy.as_deref(),
        Some("Block UDP 1434 Filter")
    );

    let e = explain(&t, &pkt(&t, "udp 203.0.113.9:1025 -> me:1434"), None).expect("ok");
    assert_eq!(
        (e.verdict, e.row, e.weight),
        (Behavior::Block, Some(3), Some(261))
    );
    assert_eq!(e.rule.as_deref(), Some("Block Inbound UDP 1434 Rule"));
    assert_eq!(
        e.filter_list.as_deref(),
        Some("Block Inbound UDP 1434 Rule list")
    );
    // Server 2003 keeps no Kerberos exemption by default: source port 88 is blocked too.
    let e = explain(&t, &pkt(&t, "udp 203.0.113.9:88 -> me:1434"), None).expect("ok");
    assert_eq!(e.verdict, Behavior::Block);
    let e = explain(&t, &pkt(&t, "udp me:1025 -> 203.0.113.9:1434"), None).expect("ok");
    assert_eq!((e.verdict, e.row), (Behavior::Block, Some(4)));
}

#[test]
fn on_xp_sp1_source_port_88_walks_through() {
    let t = table(&kb813878(), &host(OsProfile::WinxpSp1, None, HOST));
    let e = explain(&t, &pkt(&t, "udp 203.0.113.9:88 -> me:1434"), None).expect("ok");
    assert_eq!(e.verdict, Behavior::Permit);
    assert_eq!(e.decided_by, DecidedBy::Exemption);
    assert!(e.fix.as_deref().is_some_and(|f| f.contains("/d 1")));
}

#[test]
fn check_reports_the_kerberos_bypass_on_xp_sp1_only() {
    let s = kb813878();
    let r = check(&s, None, &host(OsProfile::WinxpSp1, None, HOST));
    let bypass: Vec<_> = r.with_code("F101").collect();
    let kerberos: Vec<_> = bypass
        .iter()
        .filter(|i| i.message.contains("kerberos exemption"))
        .collect();
    assert_eq!(kerberos.len(), 2, "{bypass:#?}");
    assert_eq!(
        kerberos[0].path,
        "policies/Block UDP 1434 Filter/rules/Block Inbound UDP 1434 Rule/\
         filter-lists/Block Inbound UDP 1434 Rule list/filters/1"
    );
    assert!(
        kerberos[0]
            .message
            .contains("e.g. udp 203.0.113.7:88 -> 192.168.1.1:1434")
    );
    assert!(kerberos[0].hint.contains(
        "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d 1"
    ));
    assert!(kerberos[0].hint.contains("takes effect after a restart"));
    assert_eq!(r.errors, 0);

    let r = check(&s, None, &host(OsProfile::Ws2003, None, HOST));
    assert_eq!(r.with_code("F101").count(), 0, "{r:#?}");
    assert_eq!(r.errors, 0);
    // Server 2003 with 0: the bypass is back and the fix names netsh.
    let r = check(&s, None, &host(OsProfile::Ws2003, Some(0), HOST));
    let k = r
        .with_code("F101")
        .find(|i| i.message.contains("kerberos"))
        .expect("bypass");
    assert!(
        k.hint
            .contains("netsh ipsec dynamic set config ipsecexempt value=1")
    );
}

#[test]
fn dynamic_block_and_its_removal() {
    // `ipseccmd -f [*=0:1434:UDP]`: a dynamic block filter, no static policy.
    let mut s = Snapshot::default();
    s.dynamic.push(dynamic_block(
        filter("any", "me", 17, 0, 1434, false),
        "ipseccmd -f [*=0:1434:UDP]",
    ));
    let h = host(OsProfile::Ws2003, None, HOST);
    let t = table(&s, &h);
    assert_eq!(
        rendered(&t)[3..],
        ["inbound 0.0.0.0/0 -> 192.168.1.1/32 udp 0:1434 block w261 ipseccmd -f [*=0:1434:UDP]"]
    );
    assert_eq!(t.rows[3].origin.kind, OriginKind::Dynamic);
    let e = explain(&t, &pkt(&t, "udp 203.0.113.9:1025 -> me:1434"), None).expect("ok");
    assert_eq!(
        (e.verdict, e.decided_by),
        (Behavior::Block, DecidedBy::Filter)
    );
    assert_eq!(
        (e.policy.clone(), e.rule.clone(), e.filter_list.clone()),
        (None, None, None)
    );
    assert!(
        e.trail[0]
            .why
            .contains("dynamic rule `ipseccmd -f [*=0:1434:UDP]`")
    );

    // Dynamic rules join the assigned policy's weighted table.
    let mut both = kb813878();
    both.dynamic = s.dynamic.clone();
    let t = table(&both, &h);
    assert_eq!(t.filters().len(), 3);

    // `ipseccmd -u` deletes every dynamic rule: the packet passes again.
    s.dynamic.clear();
    let t = table(&s, &h);
    let e = explain(&t, &pkt(&t, "udp 203.0.113.9:1025 -> me:1434"), None).expect("ok");
    assert_eq!(
        (e.verdict, e.decided_by),
        (Behavior::Permit, DecidedBy::NoMatch)
    );
}
