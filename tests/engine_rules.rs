//! Evaluation rules of docs/domain.md "Evaluation" (mirrors, weight order, negotiate outcomes),
//! check codes, and reach.

mod engine_support;

use engine_support::*;
use ipsedit::core::engine::{DecidedBy, HeaderSpace, Outcome, Peer, check, explain, reach};
use ipsedit::core::model::{Address, Behavior, OsProfile, ServerKind, Snapshot};

const HOST: &[(&str, u8)] = &[("10.10.1.2", 24)];

fn ws2003() -> ipsedit::core::model::HostContext {
    host(OsProfile::Ws2003, None, HOST)
}

#[test]
fn mirrored_filters_swap_addresses_and_ports() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Web out",
        vec![
            filter("me", "any", 6, 0, 80, true),
            filter("any", "any", 0, 0, 0, true),
        ],
        Behavior::Permit,
    );
    let t = table(&s, &ws2003());
    // Order is by weight: 262 (src port given) before 261.
    assert_eq!(
        rendered(&t)[3..],
        [
            "inbound 0.0.0.0/0 -> 10.10.1.2/32 tcp 80:0 permit w262 Web out",
            "outbound 10.10.1.2/32 -> 0.0.0.0/0 tcp 0:80 permit w261 Web out",
            "both 0.0.0.0/0 -> 0.0.0.0/0 any 0:0 permit w0 Web out",
        ]
    );
    assert!(t.rows[3].origin.reversed);
}

#[test]
fn a_specific_permit_beats_a_general_block_whatever_the_rule_order() {
    for permit_first in [true, false] {
        let mut s = Snapshot::default();
        let block = vec![filter("any", "me", 0, 0, 0, false)];
        let permit = vec![filter("any", "me", 6, 0, 80, false)];
        if permit_first {
            add_rule(&mut s, "P", "Web", permit, Behavior::Permit);
            add_rule(&mut s, "P", "Block", block, Behavior::Block);
        } else {
            add_rule(&mut s, "P", "Block", block, Behavior::Block);
            add_rule(&mut s, "P", "Web", permit, Behavior::Permit);
        }
        let t = table(&s, &ws2003());
        let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:1025 -> me:80"), None).expect("ok");
        assert_eq!(
            (e.verdict, e.weight),
            (Behavior::Permit, Some(261)),
            "{permit_first}"
        );
        assert_eq!(e.rule.as_deref(), Some("Web"));
        assert!(
            e.trail[1]
                .why
                .contains("is more specific (weight 261 > 256)")
        );
        let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:1025 -> me:81"), None).expect("ok");
        assert_eq!(e.verdict, Behavior::Block);
    }
}

#[test]
fn equal_weight_the_more_restrictive_wins_and_check_says_conflict() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Allow",
        vec![filter("any", "me", 6, 0, 445, false)],
        Behavior::Permit,
    );
    add_rule(
        &mut s,
        "P",
        "Deny",
        vec![filter("any", "me", 6, 0, 445, false)],
        Behavior::Block,
    );
    let t = table(&s, &ws2003());
    let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:1025 -> me:445"), None).expect("ok");
    assert_eq!(
        (e.verdict, e.rule.as_deref()),
        (Behavior::Block, Some("Deny"))
    );
    assert!(e.trail[1].why.contains("wins at equal weight 261"));
    let r = check(&s, None, &ws2003());
    assert_eq!(r.with_code("F103").count(), 1, "{r:#?}");
    assert_eq!(r.with_code("F105").count(), 0);
}

#[test]
fn negotiate_outcomes_follow_step_6() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Secure",
        vec![filter("me", "any", 0, 0, 0, true)],
        Behavior::Negotiate,
    );
    let set = |s: &mut Snapshot, inpass: bool, soft: bool| {
        let a = &mut s.filter_actions[0];
        a.inpass = inpass;
        a.soft = soft;
    };
    let out = |s: &Snapshot, text: &str, peer| {
        let t = table(s, &ws2003());
        explain(&t, &pkt(&t, text), Some(peer)).expect("ok").outcome
    };
    let outp = "tcp me:1025 -> 203.0.113.9:80";
    let inp = "tcp 203.0.113.9:1025 -> me:80";
    assert_eq!(out(&s, outp, Peer::Ipsec), Some(Outcome::Secured));
    assert_eq!(out(&s, outp, Peer::Plain), Some(Outcome::Dropped));
    assert_eq!(out(&s, inp, Peer::Plain), Some(Outcome::Dropped));
    set(&mut s, false, true);
    assert_eq!(out(&s, outp, Peer::Plain), Some(Outcome::Clear));
    assert_eq!(out(&s, inp, Peer::Plain), Some(Outcome::Dropped));
    set(&mut s, true, false);
    assert_eq!(out(&s, inp, Peer::Plain), Some(Outcome::Clear));
    assert_eq!(out(&s, outp, Peer::Plain), Some(Outcome::Dropped));
}

#[test]
fn check_structural_codes() {
    let mut s = Snapshot::default();
    let mut bad_mask = filter("any", "me", 0, 0, 0, false);
    bad_mask.source = Address::subnet(ip("10.0.0.0"), ip("255.0.255.0"));
    let mut outside = filter("any", "me", 0, 0, 0, false);
    outside.source = Address::subnet(ip("10.1.2.3"), ip("255.255.0.0"));
    let icmp_port = filter("any", "me", 1, 0, 80, false);
    let mut server = filter("any", "me", 0, 0, 0, false);
    server.source = Address::Server(ServerKind::Dns);
    server.destination = Address::Any;
    add_rule(
        &mut s,
        "P",
        "R",
        vec![bad_mask, outside, icmp_port, server],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "P",
        "Tunnel",
        vec![filter("me", "10.9.0.0/16", 0, 0, 0, true)],
        Behavior::Negotiate,
    );
    s.policies[0].rules[1].tunnel = Some(ip("192.0.2.1"));
    add_rule(&mut s, "P", "Empty", vec![], Behavior::Permit);
    add_rule(
        &mut s,
        "P",
        "R",
        vec![filter("any", "me", 6, 0, 1, false)],
        Behavior::Block,
    );
    let dangling = s.policies[0].rules[0].clone();
    let mut d = dangling;
    d.name = "Dangling".into();
    d.filter_list = uuid::Uuid::new_v4();
    s.policies[0].rules.push(d);
    s.filter_actions
        .push(ipsedit::core::model::FilterAction::new(
            "unused",
            Behavior::Permit,
        ));
    s.policies
        .push(ipsedit::core::model::Policy::new("Empty policy"));
    let h = host(OsProfile::WinxpSp1, Some(2), HOST);
    let r = check(&s, None, &h);
    // Each code raised by the object that carries the fault, and nothing else structural.
    let structural: Vec<(&str, &str)> = r
        .items
        .iter()
        .filter(|i| !i.code.starts_with('F'))
        .map(|i| (i.code, i.path.as_str()))
        .collect();
    assert_eq!(
        structural,
        [
            ("E001", "policies/P/rules/Dangling"),
            ("E002", "filter-lists/R list/filters/1"),
            ("E003", "filter-lists/R list/filters/2"),
            ("E004", "filter-lists/R list/filters/3"),
            ("E005", "policies/P/rules/Tunnel"),
            ("E006", "filter-lists/R list/filters/4"),
            ("E007", "filter-lists/R list"),
            ("E007", "filter-actions/R action"),
            ("E007", "policies/P/rules/R"),
            ("W001", "host/no-default-exempt"),
            ("W002", "filter-lists/Empty list"),
            ("W003", "policies/P/rules/Empty"),
            ("W004", "filter-actions/unused"),
            ("W005", "policies/Empty policy"),
            ("W006", "filter-lists/R list/filters/4"),
        ]
    );
    let e3 = r.with_code("E003").next().expect("E003");
    assert!(
        e3.hint.contains("write 10.1.0.0 with mask 255.255.0.0"),
        "{}",
        e3.hint
    );
    assert!(r.has_errors());
    // Errors come first.
    assert_eq!(r.items[0].severity, ipsedit::core::engine::Severity::Error);
}

#[test]
fn pre_empted_redundant_and_duplicate_filters() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Block IKE",
        vec![filter("me", "any", 17, 500, 500, true)],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "P",
        "Block SMB",
        vec![filter("any", "me", 6, 0, 445, false)],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "P",
        "Block all",
        vec![filter("any", "me", 0, 0, 0, false)],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "P",
        "Block SMB again",
        vec![filter("any", "me", 6, 0, 445, false)],
        Behavior::Block,
    );
    let r = check(&s, None, &ws2003());
    let f102: Vec<_> = r.with_code("F102").collect();
    assert_eq!(f102.len(), 1, "{r:#?}");
    assert!(f102[0].message.contains("ike exemption"));
    let f104: Vec<_> = r.with_code("F104").map(|i| i.path.clone()).collect();
    // The SMB blocks fall to "Block all" anyway; the second one is also a duplicate.
    assert!(
        f104.iter().any(|p| p.contains("rules/Block SMB/")),
        "{f104:?}"
    );
    assert_eq!(r.with_code("F105").count(), 1);
    // A permit in between makes the SMB block matter again.
    add_rule(
        &mut s,
        "P",
        "Allow TCP",
        vec![filter("any", "me", 6, 0, 0, false)],
        Behavior::Permit,
    );
    let r = check(&s, None, &ws2003());
    assert!(
        !r.with_code("F104")
            .any(|i| i.path.contains("rules/Block SMB/")),
        "{r:#?}"
    );
}

/// Found by `engine_prop_findings`: F104 compared actions only, so a negotiate filter
/// with inpass was called redundant above a lighter negotiate filter without it, though
/// deleting it drops the clear inbound traffic it accepted.
#[test]
fn a_negotiate_filter_is_redundant_only_with_the_same_inpass_and_soft() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Secure ICMP",
        vec![filter("any", "any", 1, 0, 0, false)],
        Behavior::Negotiate,
    );
    s.filter_actions[0].inpass = true;
    add_rule(
        &mut s,
        "P",
        "Secure all",
        vec![filter("any", "any", 0, 0, 0, false)],
        Behavior::Negotiate,
    );
    let r = check(&s, None, &ws2003());
    assert_eq!(r.with_code("F104").count(), 0, "{r:#?}");
    // With the same settings it is redundant.
    s.filter_actions[1].inpass = true;
    let r = check(&s, None, &ws2003());
    let f104: Vec<_> = r.with_code("F104").map(|i| i.path.as_str()).collect();
    assert_eq!(
        f104,
        ["policies/P/rules/Secure ICMP/filter-lists/Secure ICMP list/filters/1"]
    );
}

/// Found by `engine_prop_findings`: identical rows were compared with the first of their
/// group only, so in [block, permit, permit] the second permit's duplicate went unseen.
#[test]
fn a_duplicate_behind_a_conflict_is_still_a_duplicate() {
    let mut s = Snapshot::default();
    for (rule, b) in [
        ("Block", Behavior::Block),
        ("Allow", Behavior::Permit),
        ("Allow again", Behavior::Permit),
    ] {
        add_rule(
            &mut s,
            "P",
            rule,
            vec![filter("any", "me", 6, 0, 445, false)],
            b,
        );
    }
    let r = check(&s, None, &ws2003());
    let paths = |code| {
        r.with_code(code)
            .map(|i| i.path.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        paths("F105"),
        ["policies/P/rules/Allow again/filter-lists/Allow again list/filters/1"]
    );
    assert_eq!(
        paths("F103"),
        [
            "policies/P/rules/Allow/filter-lists/Allow list/filters/1",
            "policies/P/rules/Allow again/filter-lists/Allow again list/filters/1"
        ]
    );
}

#[test]
fn cross_shape_conflict_at_equal_weight() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Lan in",
        vec![filter("10.1.1.0/24", "me", 0, 0, 0, false)],
        Behavior::Permit,
    );
    add_rule(
        &mut s,
        "P",
        "Host to lan",
        vec![filter("10.1.1.5", "10.10.1.0/24", 0, 0, 0, false)],
        Behavior::Block,
    );
    let r = check(&s, None, &ws2003());
    assert_eq!(r.with_code("F103").count(), 1, "{r:#?}");
}

/// Found by `engine_prop_findings`: across shapes each row kept one partner per key and
/// action, so a second negotiate row meeting the mirrored block (any -> 10.10.1.7 against
/// me -> any) was never named.
#[test]
fn every_row_in_a_cross_shape_conflict_is_named() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Secure",
        vec![
            filter("10.10.1.7", "any", 0, 0, 0, false),
            filter("me", "any", 0, 0, 0, false),
        ],
        Behavior::Negotiate,
    );
    add_rule(
        &mut s,
        "P",
        "Block",
        vec![filter("10.10.1.7", "any", 0, 0, 0, true)],
        Behavior::Block,
    );
    let r = check(&s, None, &ws2003());
    let paths: Vec<_> = r.with_code("F103").map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            // Filter 1 twice: the identical block row, and the mirror (they meet in
            // 10.10.1.7 -> 10.10.1.7).
            "policies/P/rules/Secure/filter-lists/Secure list/filters/1",
            "policies/P/rules/Secure/filter-lists/Secure list/filters/1",
            "policies/P/rules/Secure/filter-lists/Secure list/filters/2"
        ],
        "{r:#?}"
    );
}

#[test]
fn output_is_bounded_per_code() {
    let mut s = Snapshot::default();
    let filters: Vec<_> = (0..300u16)
        .map(|i| filter("any", "me", 6, 0, 1000 + i, false))
        .collect();
    add_rule(&mut s, "P", "A", filters.clone(), Behavior::Block);
    add_rule(&mut s, "P", "B", filters, Behavior::Block);
    let r = check(&s, None, &ws2003());
    assert_eq!(r.with_code("F105").count(), 200);
    let o = r
        .omitted
        .iter()
        .find(|o| o.code == "F105")
        .expect("omitted");
    assert_eq!(o.count, 100);
    assert!(r.findings >= 300);
}

#[test]
fn reach_lists_rows_with_examples() {
    let mut s = Snapshot::default();
    add_rule(
        &mut s,
        "P",
        "Block all",
        vec![filter("any", "me", 0, 0, 0, false)],
        Behavior::Block,
    );
    add_rule(
        &mut s,
        "P",
        "Lan SMB",
        vec![filter("10.10.1.0/24", "me", 6, 0, 445, false)],
        Behavior::Permit,
    );
    let t = table(&s, &host(OsProfile::WinxpSp1, None, HOST));
    let items = reach(&t, &HeaderSpace::parse("tcp any -> me:445").expect("space")).expect("ok");
    let summary: Vec<String> = items
        .iter()
        .map(|i| format!("{:?} {}", i.row, i.example))
        .collect();
    assert_eq!(
        summary,
        [
            "Some(5) tcp 203.0.113.9:88 -> 10.10.1.2:445",
            "Some(19) tcp 10.10.1.1:1025 -> 10.10.1.2:445",
        ],
        "{items:#?}"
    );
    // Every example really is decided by its row.
    for i in &items {
        let e = explain(&t, &i.example_packet, None).expect("ok");
        assert_eq!(e.row, i.row);
    }
    // On Server 2003 (no Kerberos exemption) only the LAN permit is left.
    let t = table(&s, &ws2003());
    let items = reach(&t, &HeaderSpace::parse("tcp any -> me:445").expect("space")).expect("ok");
    assert_eq!(items.len(), 1);
    let items = reach(
        &t,
        &HeaderSpace::parse("udp 203.0.113.0/24 -> me:1000-2000").expect("s"),
    )
    .expect("ok");
    assert!(items.is_empty(), "{items:#?}");
    assert!(HeaderSpace::parse("tcp any -> me:70000").is_err());
}

/// The old search tried six ports per row: behind a fence of blocked ports it missed
/// the one open port (85) through which the permit is reached.
#[test]
fn reach_finds_the_one_open_port_behind_a_fence_of_blocks() {
    let mut s = Snapshot::default();
    let fence: Vec<_> = (80..=90u16)
        .filter(|p| *p != 85)
        .map(|p| filter("any", "me", 6, 0, p, false))
        .collect();
    add_rule(&mut s, "P", "Fence", fence, Behavior::Block);
    add_rule(
        &mut s,
        "P",
        "Allow TCP",
        vec![filter("any", "me", 6, 0, 0, false)],
        Behavior::Permit,
    );
    let t = table(&s, &ws2003());
    let space = HeaderSpace::parse("tcp 203.0.113.9:1025 -> me:80-90").expect("space");
    let items = reach(&t, &space).expect("ok");
    let summary: Vec<String> = items
        .iter()
        .map(|i| format!("{:?} {}", i.row, i.example))
        .collect();
    assert_eq!(
        summary,
        ["Some(13) tcp 203.0.113.9:1025 -> 10.10.1.2:85"],
        "{items:#?}"
    );
}

#[test]
fn no_match_passes() {
    let t = table(&Snapshot::default(), &ws2003());
    let e = explain(&t, &pkt(&t, "tcp 203.0.113.9:1025 -> me:80"), None).expect("ok");
    assert_eq!(
        (e.verdict, e.decided_by, e.row),
        (Behavior::Permit, DecidedBy::NoMatch, None)
    );
}
