//! `netsh ipsec dynamic`: main-mode/quick-mode policies, rules with separate inbound and
//! outbound actions, `delete all`, every `set config` property (validated, stored,
//! exported, shown), the `show` listings, and dynamic rules in the effective table.

use std::net::Ipv4Addr;

use ipsedit::core::engine::{Direction, EffectiveTable, Packet, explain};
use ipsedit::core::interchange::netsh::{Mode, Report, apply_script, export_script};
use ipsedit::core::model::{
    Address, AuthMethod, Behavior, BootMode, ConnectionType, Interface, PfsGroup, Protocol,
    Snapshot,
};

fn host() -> Snapshot {
    let mut s = Snapshot::default();
    s.host.interfaces.push(Interface {
        addr: Ipv4Addr::new(192, 0, 2, 5),
        prefix: 24,
    });
    s
}

fn run_on(snap: &mut Snapshot, text: &str) -> Report {
    let r = apply_script(snap, text, Mode::Transaction);
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    r
}

fn fails(snap: &mut Snapshot, text: &str) -> String {
    let before = snap.clone();
    let r = apply_script(snap, text, Mode::Transaction);
    assert_eq!(*snap, before, "a failing script changes nothing");
    assert_eq!(r.errors.len(), 1, "{text}");
    let e = &r.errors[0];
    format!("{}:{}: {}", e.line, e.column, e.message)
}

const SEC505_DEMO: &str = "\
netsh ipsec dynamic delete all
netsh ipsec dynamic add mmpolicy name=TempMMpolicy
netsh ipsec dynamic add rule srcaddr=any dstaddr=any mmpolicy=TempMMpolicy actioninbound=block actionoutbound=block
netsh ipsec dynamic add rule srcaddr=any dstaddr=any mmpolicy=TempMMpolicy protocol=ICMP actioninbound=permit actionoutbound=permit
netsh ipsec dynamic add rule srcaddr=any dstaddr=any mmpolicy=TempMMpolicy protocol=TCP srcport=0 dstport=80 mirrored=yes actioninbound=permit actionoutbound=permit
";

#[test]
fn the_sec505_demo_builds_three_rules_that_decide_packets() {
    let mut s = host();
    let r = run_on(&mut s, SEC505_DEMO);
    assert_eq!(r.applied, 5);
    assert_eq!(s.host.spd.mm_policies.len(), 1);
    assert_eq!(s.host.spd.mm_policies[0].lifetime_minutes, 480);
    assert_eq!(s.dynamic.len(), 3);
    let d = &s.dynamic[2];
    assert_eq!(
        (
            &d.filter.source,
            &d.filter.destination,
            d.filter.protocol,
            d.filter.dst_port,
            d.filter.mirrored
        ),
        (&Address::Any, &Address::Any, Protocol::TCP, 80, true)
    );
    assert_eq!(d.action.behavior, Behavior::Permit);
    assert_eq!(d.outbound, None, "equal actions are stored once");
    assert_eq!(d.authentication, vec![AuthMethod::Kerberos]);
    assert_eq!(d.connection, ConnectionType::All);
    assert_eq!(
        d.netsh.as_ref().map(|n| n.mm_policy.as_str()),
        Some("TempMMpolicy")
    );
    let t = EffectiveTable::build(&s, None, &s.host);
    let hosts = [Ipv4Addr::new(192, 0, 2, 5)];
    let verdict = |p: &str| {
        let p = Packet::parse(p, &hosts).expect("packet");
        explain(&t, &p, None).expect("explain").verdict
    };
    assert_eq!(verdict("tcp 203.0.113.9:4000 -> me:80"), Behavior::Permit);
    assert_eq!(verdict("icmp 203.0.113.9 -> me"), Behavior::Permit);
    assert_eq!(verdict("tcp 203.0.113.9:4000 -> me:445"), Behavior::Block);
    // The script's last line.
    run_on(&mut s, "netsh ipsec dynamic delete all");
    assert!(s.dynamic.is_empty() && s.host.spd.mm_policies.is_empty());
    let t = EffectiveTable::build(&s, None, &s.host);
    assert_eq!(t.rows.len(), t.exemption_rows);
}

#[test]
fn separate_inbound_and_outbound_actions_stay_separate() {
    let mut s = host();
    let r = run_on(
        &mut s,
        "ipsec dynamic add mmp name=MM\n\
         ipsec dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM protocol=TCP dstport=3389 \
         actioninbound=block actionoutbound=permit\n",
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let d = &s.dynamic[0];
    assert_eq!(d.action.behavior, Behavior::Block);
    assert_eq!(
        d.outbound.as_ref().map(|o| o.behavior),
        Some(Behavior::Permit)
    );
    let t = EffectiveTable::build(&s, None, &s.host);
    let rows: Vec<(Direction, Behavior, u16, u16)> = t
        .filters()
        .iter()
        .map(|r| (r.direction, r.action, r.src_port, r.dst_port))
        .collect();
    assert_eq!(
        rows,
        [
            (Direction::Outbound, Behavior::Permit, 3389, 0),
            (Direction::Inbound, Behavior::Block, 0, 3389),
        ]
    );
    // A filter matching both directions becomes a pair, one row per direction.
    run_on(
        &mut s,
        "ipsec dynamic add rule any any MM protocol=UDP actioninbound=permit actionoutbound=block",
    );
    let t = EffectiveTable::build(&s, None, &s.host);
    let udp: Vec<(Direction, Behavior)> = t
        .filters()
        .iter()
        .filter(|r| r.protocol == Some(17))
        .map(|r| (r.direction, r.action))
        .collect();
    assert_eq!(
        udp,
        [
            (Direction::Outbound, Behavior::Block),
            (Direction::Inbound, Behavior::Permit),
        ]
    );
}

#[test]
fn negotiate_rules_take_their_quick_mode_policy() {
    let mut s = host();
    run_on(
        &mut s,
        "ipsec dynamic add mmpolicy MM qmpermm=2 mmlifetime=60 softsaexpirationtime=300 mmsecmethods=\"3DES-SHA1-2\"\n\
         ipsec dynamic add qmpolicy name=QM soft=yes pfsgroup=grp2 qmsecmethods=\"ESP[3DES,SHA1]:100000k/900s\"\n\
         ipsec dynamic add rule srcaddr=192.0.2.0 srcmask=24 dstaddr=me mmpolicy=MM qmpolicy=QM psk=\"secret\"\n",
    );
    let mm = &s.host.spd.mm_policies[0];
    assert_eq!(
        (
            mm.qm_per_mm,
            mm.lifetime_minutes,
            mm.soft_sa_expiration_secs,
            mm.methods.len()
        ),
        (2, 60, 300, 1)
    );
    let qm = &s.host.spd.qm_policies[0];
    assert_eq!((qm.soft, qm.pfs_group), (true, PfsGroup::Grp2));
    let d = &s.dynamic[0];
    assert_eq!(d.action.behavior, Behavior::Negotiate);
    assert_eq!(d.action.name, "QM");
    assert!(d.action.soft && d.action.session_key_pfs);
    assert_eq!(
        d.action.methods[0].to_string(),
        "ESP[3DES,SHA1]:100000k/900s"
    );
    assert_eq!(
        d.authentication,
        vec![AuthMethod::Preshared {
            key: "secret".into()
        }]
    );
    // set qmpolicy re-derives the rule's action.
    run_on(
        &mut s,
        "ipsec dynamic set qmpolicy name=QM soft=no pfsgroup=nopfs",
    );
    assert!(!s.dynamic[0].action.soft && !s.dynamic[0].action.session_key_pfs);
    // set rule changes one direction.
    run_on(
        &mut s,
        "ipsec dynamic set rule srcaddr=192.0.2.0 srcmask=24 dstaddr=me actionoutbound=permit",
    );
    let d = &s.dynamic[0];
    assert_eq!(
        (d.action.behavior, d.outbound.as_ref().map(|o| o.behavior)),
        (Behavior::Negotiate, Some(Behavior::Permit))
    );
    // delete rule by its filter, then the policies.
    run_on(
        &mut s,
        "ipsec dynamic delete rule 192.0.2.0 me srcmask=24\n\
         ipsec dynamic delete qmpolicy name=QM\nipsec dynamic delete mmpolicy all",
    );
    assert!(s.dynamic.is_empty());
    assert!(s.host.spd.mm_policies.is_empty() && s.host.spd.qm_policies.is_empty());
}

#[test]
fn dynamic_errors_name_the_place_and_change_nothing() {
    let mut s = host();
    run_on(
        &mut s,
        "ipsec dynamic add mmpolicy name=MM\nipsec dynamic add qmpolicy QM",
    );
    let cases = [
        (
            "ipsec dynamic add rule srcaddr=any dstaddr=me",
            "1:46: missing mmpolicy",
        ),
        (
            "ipsec dynamic add rule srcaddr=any dstaddr=me mmpolicy=Nope actioninbound=block actionoutbound=block",
            "1:56: no mmpolicy named 'Nope'",
        ),
        (
            "ipsec dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM",
            "1:58: a negotiate action needs a quick-mode policy",
        ),
        (
            "ipsec dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM actioninbound=drop",
            "1:73: unknown action 'drop'",
        ),
        (
            "ipsec dynamic add mmpolicy name=MM",
            "1:33: a mmpolicy named 'MM' already exists",
        ),
        (
            "ipsec dynamic add qmpolicy name=Q2 pfsgroup=grp9",
            "1:45: unknown pfsgroup 'grp9'",
        ),
        (
            "ipsec dynamic delete rule srcaddr=any dstaddr=me",
            "1:15: no dynamic rule with filter any -> me  ANY  src *  dst *  mirrored",
        ),
        (
            "ipsec dynamic set config property=ipsecloginterval value=59",
            "1:58: '59' is not a valid value for ipsecloginterval",
        ),
        (
            "ipsec dynamic set config property=strongcrlcheck value=3",
            "1:56: '3' is not a valid value for strongcrlcheck",
        ),
        (
            "ipsec dynamic set config property=bootexemptions value=TCP:0:80",
            "1:56: 'TCP:0:80' is not a valid value for bootexemptions",
        ),
        (
            "ipsec dynamic set config property=colour value=1",
            "1:35: unknown config property 'colour'",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(fails(&mut s, text), want, "{text}");
    }
    run_on(
        &mut s,
        "ipsec dynamic add rule any me MM actioninbound=block actionoutbound=block",
    );
    assert_eq!(
        fails(&mut s, "ipsec dynamic delete mmpolicy MM"),
        "1:31: mmpolicy 'MM' is used by 1 dynamic rule(s)"
    );
    assert_eq!(
        fails(
            &mut s,
            "ipsec dynamic add rule any me MM actioninbound=block actionoutbound=block"
        ),
        "1:15: a dynamic rule with this filter already exists"
    );
}

#[test]
fn every_config_property_is_stored_exported_and_shown() {
    let mut s = Snapshot::default();
    let text = "\
ipsec dynamic set config property=ipsecexempt value=1
ipsec dynamic set config property=ipsecdiagnostics value=7
ipsec dynamic set config property=ikelogging value=1
ipsec dynamic set config property=strongcrlcheck value=2
ipsec dynamic set config property=ipsecloginterval value=600
ipsec dynamic set config property=bootmode value=block
ipsec dynamic set config property=bootexemptions value=\"TCP:0:3389:inbound UDP:500:500:inbound\"
";
    run_on(&mut s, text);
    let c = &s.host.spd.config;
    assert_eq!(
        (
            s.host.no_default_exempt,
            c.ipsec_diagnostics,
            c.ike_logging,
            c.strong_crl_check,
            c.ipsec_log_interval,
            s.host.boot_mode
        ),
        (
            Some(1),
            Some(7),
            Some(1),
            Some(2),
            Some(600),
            Some(BootMode::Block)
        )
    );
    let script = export_script(&s, None).expect("export").script;
    let config: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("ipsec dynamic set config"))
        .collect();
    assert_eq!(config, text.lines().collect::<Vec<_>>());
    let mut again = Snapshot::default();
    run_on(&mut again, &script);
    assert_eq!(again.host, s.host);
    let shown = run_on(&mut s, "ipsec dynamic show config").output;
    assert_eq!(
        shown,
        [
            "IPSecExempt            : 1",
            "IPSecDiagnostics       : 7",
            "IKELogging             : 1",
            "StrongCRLCheck         : 2",
            "IPSecLogInterval       : 600",
            "BootMode               : block",
            "BootExemptions         : TCP:0:3389:inbound UDP:500:500:inbound",
        ]
    );
}

#[test]
fn show_lists_policies_rules_and_filters_and_changes_nothing() {
    let mut s = host();
    run_on(&mut s, SEC505_DEMO);
    let before = s.clone();
    let out = run_on(&mut s, "ipsec dynamic show qmfilter").output;
    assert_eq!(
        out,
        [
            "Quick mode filter 1: Any -> Any ANY src 0 dst 0 mirrored=yes, inbound block, outbound block",
            "Quick mode filter 2: Any -> Any ICMP src 0 dst 0 mirrored=yes, inbound permit, outbound permit",
            "Quick mode filter 3: Any -> Any TCP src 0 dst 80 mirrored=yes, inbound permit, outbound permit",
        ]
    );
    let out = run_on(&mut s, "ipsec dynamic show mmfilter").output;
    assert_eq!(
        out[0],
        "Main mode filter 1: any -> any (mirrored), policy TempMMpolicy, authentication Kerberos"
    );
    let out = run_on(&mut s, "ipsec dynamic show mmpolicy name=TempMMpolicy").output;
    assert_eq!(out[0], "Main Mode Policy Name   : TempMMpolicy");
    let out = run_on(&mut s, "ipsec dynamic show qmpolicy").output;
    assert_eq!(out, ["No dynamic qmpolicy is defined."]);
    let out = run_on(&mut s, "ipsec dynamic show rule").output;
    assert_eq!(out.iter().filter(|l| l.starts_with("Rule ")).count(), 3);
    assert!(out.contains(&"Inbound Action          : block".to_string()));
    let out = run_on(&mut s, "ipsec dynamic show all").output;
    assert_eq!(
        out.last().map(String::as_str),
        Some("1 main-mode policies, 0 quick-mode policies, 3 dynamic rules")
    );
    assert_eq!(s, before);
}
