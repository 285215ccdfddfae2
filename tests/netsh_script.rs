//! netsh scripts applied to a snapshot: the syntax admins wrote (with and without the
//! leading `netsh`, pushd/popd, comments, CRLF, abbreviated and positional parameters,
//! any case, stray spaces), netsh's defaults, and the object semantics of docs/domain.md
//! "Command syntaxes".

use std::net::Ipv4Addr;

use ipsedit::core::interchange::netsh::{Mode, Report, apply_args, apply_script};
use ipsedit::core::model::{
    Address, AuthMethod, Behavior, BootMode, ConnectionType, Protocol, Snapshot,
};

fn run(text: &str) -> (Snapshot, Report) {
    let mut snap = Snapshot::default();
    let report = apply_script(&mut snap, text, Mode::Transaction);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    (snap, report)
}

const KB813878: &str = include_str!("../samples/kb813878.netsh");

#[test]
fn kb813878_sample_builds_the_articles_policy() {
    let (snap, _) = run(KB813878);
    let p = snap.assigned_policy().expect("a policy is assigned");
    assert_eq!(p.name, "Block UDP 1434 Filter");
    assert_eq!(p.rules.len(), 2);
    let inbound = &p.rules[0];
    assert_eq!(inbound.name, "Block Inbound UDP 1434 Rule");
    let list = snap.filter_list(inbound.filter_list).expect("list");
    let f = &list.filters[0];
    assert_eq!((&f.source, &f.destination), (&Address::Any, &Address::Me));
    assert_eq!(
        (f.protocol, f.src_port, f.dst_port, f.mirrored),
        (Protocol::UDP, 0, 1434, false)
    );
    let action = snap.filter_action(inbound.filter_action).expect("action");
    assert_eq!(action.behavior, Behavior::Block);
    let outbound = &p.rules[1];
    let f = &snap
        .filter_list(outbound.filter_list)
        .expect("list")
        .filters[0];
    assert_eq!((&f.source, &f.destination), (&Address::Me, &Address::Any));
    assert_ne!(inbound.filter_action, outbound.filter_action);
    assert_eq!(snap.host.interfaces[0].addr, Ipv4Addr::new(192, 168, 1, 1));
    assert!(snap.policy_named("Block TCP 80 Filter").is_some());
}

#[test]
fn every_way_of_writing_the_same_filter() {
    let variants = [
        "netsh ipsec static add filter filterlist=\"Web\" srcaddr=any dstaddr=me protocol=TCP dstport=80 mirrored=no",
        "ipsec static add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=80 mirrored=n",
        "NETSH IPSEC STATIC ADD FILTER FILTERLIST = Web SRCADDR = ANY DSTADDR= ME PROTOCOL =TCP DSTPORT=80 MIRRORED=NO",
        "netsh ipsec static add filter Web any me proto=TCP mir=no dstp=80",
        "netsh ipsec static add filter filterl=\u{201C}Web\u{201D} srca=any dsta=me pro=6 dstport=80 mirr=No",
    ];
    // Written out, not taken from one of the spellings: a wrong parse shared by all five
    // would still fail here.
    let expected = ipsedit::core::model::Filter {
        id: uuid::Uuid::nil(),
        description: String::new(),
        source: Address::Any,
        destination: Address::Me,
        protocol: Protocol::TCP,
        src_port: 0,
        dst_port: 80,
        mirrored: false,
    };
    for v in variants {
        let (snap, _) = run(v);
        let l = snap
            .filter_list_named("Web")
            .expect("add filter creates the list");
        assert_eq!(l.filters.len(), 1, "{v}");
        let mut f = l.filters[0].clone();
        f.id = uuid::Uuid::nil();
        assert_eq!(f, expected, "{v}");
    }
}

#[test]
fn script_forms_pushd_comments_crlf_and_context_lines() {
    let text = "rem made by hand\r\n\
                # a comment\r\n\
                : another\r\n\
                \r\n\
                pushd ipsec static\r\n\
                add policy \"P\" assign=y\r\n\
                add filterlist L\r\n\
                popd\r\n\
                ipsec static\r\n\
                add filteraction name=\"A\" action=permit\r\n\
                netsh ipsec static add rule name=R policy=P filterlist=L filteraction=A\r\n";
    let (snap, _) = run(text);
    let p = snap.policy_named("P").expect("policy");
    assert_eq!(snap.assigned, Some(p.id));
    assert_eq!(p.rules[0].name, "R");
}

#[test]
fn netsh_defaults() {
    let (snap, _) = run("pushd ipsec static\n\
         add filter filterlist=L srcaddr=10.1.2.3 dstaddr=192.168.0.0 dstmask=16\n\
         add filteraction name=A\n\
         add policy name=P\n\
         add rule name=R policy=P filterlist=L filteraction=A\n");
    let f = &snap.filter_list_named("L").expect("list").filters[0];
    assert!(f.mirrored, "mirrored defaults to yes");
    assert_eq!(
        f.source,
        Address::host(Ipv4Addr::new(10, 1, 2, 3)),
        "mask defaults to /32"
    );
    assert_eq!(
        f.destination,
        Address::subnet(Ipv4Addr::new(192, 168, 0, 0), Ipv4Addr::new(255, 255, 0, 0))
    );
    assert_eq!((f.protocol, f.src_port, f.dst_port), (Protocol::ANY, 0, 0));
    let a = snap.filter_action_named("A").expect("action");
    assert_eq!(a.behavior, Behavior::Negotiate);
    let p = snap.policy_named("P").expect("policy");
    assert_eq!(p.polling_interval_min, 180);
    assert!(p.default_response.active);
    assert_eq!(
        snap.assigned, None,
        "add policy does not assign unless told"
    );
    let r = &p.rules[0];
    assert!(r.active);
    assert_eq!(r.connection, ConnectionType::All);
    assert_eq!(r.authentication, vec![AuthMethod::Kerberos]);
    assert_eq!(f.source.to_string(), "10.1.2.3");
}

#[test]
fn every_policy_rule_and_action_parameter() {
    let (snap, _) = run("pushd ipsec static\n\
         add policy name=P description=\"d p\" mmpfs=yes qmpermm=5 mmlifetime=60 activatedefaultrule=no pollinginterval=30 mmsecmethods=\"3DES-SHA1-2 DES-MD5-1\"\n\
         add filteraction name=A description=da qmpfs=yes inpass=yes soft=yes action=negotiate qmsecmethods=\"ESP[3DES,SHA1]:100000k/900s AH[MD5]+ESP[DES,None]\"\n\
         add filterlist name=L description=dl\n\
         add filter filterlist=L srcaddr=DNS dstaddr=me description=df protocol=UDP srcport=53 mirrored=no\n\
         add rule name=R policy=P filterlist=L filteraction=A tunnel=10.0.0.9 conntype=lan activate=no description=dr psk=\"s3cret\" kerberos=yes rootca=\"CN=Root certmap:no excludecaname:no\"\n\
         set defaultrule policy=P activate=yes qmsecmethods=AH[SHA1] kerberos=no psk=k2\n");
    let p = snap.policy_named("P").expect("policy");
    assert_eq!(p.description, "d p");
    assert!(p.key_exchange.master_key_pfs);
    assert_eq!(p.key_exchange.lifetime_sessions, 5);
    assert_eq!(p.key_exchange.lifetime_minutes, 60);
    assert_eq!(p.key_exchange.methods.len(), 2);
    assert_eq!(p.polling_interval_min, 30);
    assert!(p.default_response.active);
    assert_eq!(
        p.default_response.authentication,
        vec![AuthMethod::Preshared { key: "k2".into() }]
    );
    assert_eq!(p.default_response.methods.len(), 1);
    let a = snap.filter_action_named("A").expect("action");
    assert!(a.inpass && a.soft && a.session_key_pfs);
    assert_eq!(a.methods.len(), 2);
    assert_eq!(a.methods[0].lifetime_secs, 900);
    let r = &p.rules[0];
    assert_eq!(r.tunnel, Some(Ipv4Addr::new(10, 0, 0, 9)));
    assert_eq!(r.connection, ConnectionType::Lan);
    assert!(!r.active);
    assert_eq!(
        r.authentication,
        vec![
            AuthMethod::Preshared {
                key: "s3cret".into()
            },
            AuthMethod::Kerberos,
            AuthMethod::Certificate {
                root_ca: "CN=Root certmap:no excludecaname:no".into()
            },
        ],
        "authentication keeps the order written"
    );
}

#[test]
fn delete_filter_removes_every_match_and_only_matches() {
    let (mut snap, _) = run("pushd ipsec static\n\
         add filter L any me protocol=UDP dstport=1434\n\
         add filter L any me protocol=UDP dstport=1434 mirrored=no\n\
         add filter L any me protocol=TCP dstport=80\n");
    let r = apply_args(
        &mut snap,
        &[
            "ipsec",
            "static",
            "delete",
            "filter",
            "filterlist=L",
            "srcaddr=any",
            "dstaddr=me",
            "protocol=UDP",
        ]
        .map(String::from),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let l = snap.filter_list_named("L").expect("list");
    assert_eq!(l.filters.len(), 1);
    assert_eq!(l.filters[0].protocol, Protocol::TCP);
    let r = apply_args(
        &mut snap,
        &[
            "ipsec",
            "static",
            "delete",
            "filter",
            "L",
            "any",
            "me",
            "protocol=UDP",
        ]
        .map(String::from),
    );
    assert!(r.errors[0].message.contains("no filter"), "{:?}", r.errors);
}

#[test]
fn assignment_switches_and_deleting_keeps_shared_objects() {
    let (mut snap, _) = run("pushd ipsec static\n\
         add policy P1 assign=yes\n\
         add policy P2\n\
         add filter L any me\n\
         add filteraction A action=block\n\
         add rule R1 P1 L A\n\
         add rule R2 P2 L A\n\
         set policy name=P2 assign=yes\n");
    let p2 = snap.policy_named("P2").expect("P2").id;
    assert_eq!(snap.assigned, Some(p2));
    let r = apply_script(
        &mut snap,
        "ipsec static delete filterlist L",
        Mode::Transaction,
    );
    assert!(r.errors[0].message.contains("used by"), "{:?}", r.errors);
    let r = apply_script(
        &mut snap,
        "ipsec static delete policy P2\nipsec static set policy P1 assign=no",
        Mode::Transaction,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(snap.assigned, None);
    assert!(
        snap.filter_list_named("L").is_some(),
        "P1 still uses the list"
    );
}

#[test]
fn dynamic_config_sets_the_host_context() {
    let (snap, report) = run("netsh ipsec dynamic set config ipsecexempt value=1\n\
         netsh ipsec dynamic set config property=bootmode value=stateful\n\
         netsh ipsec dynamic set config bootexemptions \"TCP:0:80:inbound\"\n\
         netsh ipsec dynamic set config ikelogging 1\n");
    assert_eq!(snap.host.no_default_exempt, Some(1));
    assert_eq!(snap.host.boot_mode, Some(BootMode::Stateful));
    assert_eq!(
        snap.host.boot_exemptions.as_deref(),
        Some("TCP:0:80:inbound")
    );
    assert_eq!(snap.host.spd.config.ike_logging, Some(1));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn a_failing_line_applies_nothing_or_only_what_it_can() {
    let text = "pushd ipsec static\nadd policy A\nadd policy B colour=red\nadd policy C\n";
    let mut snap = Snapshot::default();
    let r = apply_script(&mut snap, text, Mode::Transaction);
    assert_eq!(r.errors.len(), 1);
    assert_eq!((r.errors[0].line, r.errors[0].column), (3, 14));
    assert_eq!(snap, Snapshot::default());
    let r = apply_script(&mut snap, text, Mode::ContinueOnError);
    assert_eq!(r.errors.len(), 1);
    let names: Vec<&str> = snap.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["A", "C"]);
}

#[test]
fn show_prints_and_changes_nothing() {
    let (mut snap, _) = run(KB813878);
    let before = snap.clone();
    let r = apply_script(
        &mut snap,
        "ipsec static show all\nipsec static show policy name=all\nipsec dynamic show config",
        Mode::Transaction,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.output.iter().any(|l| l.contains("Block UDP 1434 Filter")));
    assert_eq!(snap, before);
}

#[test]
fn default_rule_qmpfs_is_kept_and_exported() {
    let (snap, report) = run("ipsec static add policy name=P activatedefaultrule=yes\n\
         ipsec static set defaultrule policy=P qmpfs=yes\n");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let p = snap.policy_named("P").expect("policy");
    assert!(p.default_response.session_key_pfs);
    let script = ipsedit::core::interchange::netsh::export_script(&snap, None)
        .expect("export")
        .script;
    assert!(
        script
            .lines()
            .any(|l| l == "set defaultrule policy=\"P\" qmpfs=yes"),
        "{script}"
    );
    let (again, _) = run(&script);
    assert!(
        again
            .policy_named("P")
            .expect("policy")
            .default_response
            .session_key_pfs
    );
}

#[test]
fn set_store_takes_local_and_refuses_persistent_and_domain_clearly() {
    let (_, r) = run("ipsec static set store location=local\nipsec static set store local\n");
    assert_eq!(r.applied, 2);
    let cases = [
        (
            "ipsec static set store location=persistent",
            "1:33: the persistent store (Server 2003's boot-time policy, merged with the active policy) is not modelled by ipsedit",
        ),
        (
            "ipsec static set store location=domain domain=example.test",
            "1:33: no domain (directory) store is configured for 'example.test'",
        ),
        (
            "ipsec static set store location=remote",
            "1:33: unknown store location 'remote'",
        ),
    ];
    for (text, want) in cases {
        let mut snap = Snapshot::default();
        let r = apply_script(&mut snap, text, Mode::Transaction);
        let e = &r.errors[0];
        assert_eq!(format!("{}:{}: {}", e.line, e.column, e.message), want);
    }
}

#[test]
fn show_options_level_format_wide_rule_and_default() {
    let (mut snap, _) = run(KB813878);
    let show = |snap: &mut Snapshot, text: &str| -> Vec<String> {
        let r = apply_script(snap, text, Mode::Transaction);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        r.output
    };
    assert_eq!(
        show(
            &mut snap,
            "ipsec static show policy all format=table wide=no"
        ),
        [
            "Policy Name           Assigned  Rules  Default Response",
            "--------------------  --------  -----  ----------------",
            "Block UDP 1434 Fi...  YES       2      Inactive",
            "Block TCP 80 Filter   NO        1      Inactive",
            "",
        ]
    );
    let wide = show(&mut snap, "ipsec static show policy all format=table");
    assert_eq!(wide[2], "Block UDP 1434 Filter  YES       2      Inactive");
    assert_eq!(
        show(
            &mut snap,
            "ipsec static show filterlist rule=\"Block Inbound UDP 1434 Rule\""
        )[0],
        "FilterList Name        : Block Inbound UDP 1434 Rule filters"
    );
    assert_eq!(
        show(
            &mut snap,
            "ipsec static show rule default policy=\"Block UDP 1434 Filter\""
        )[..2],
        [
            "Default Response Rule of policy Block UDP 1434 Filter",
            "Activated              : NO"
        ]
    );
    let normal = show(
        &mut snap,
        "ipsec static show policy name=\"Block TCP 80 Filter\"",
    );
    let verbose = show(
        &mut snap,
        "ipsec static show policy name=\"Block TCP 80 Filter\" level=verbose",
    );
    assert_eq!(verbose[..normal.len()], normal[..]);
    assert!(
        verbose[normal.len()..]
            .iter()
            .any(|l| l.starts_with("FilterList Name")),
        "{verbose:?}"
    );
    let rules = show(
        &mut snap,
        "ipsec static show rule all policy=\"Block UDP 1434 Filter\" format=table",
    );
    assert_eq!(
        rules[0],
        "Rule ID  Rule Name                     FilterList                            FilterAction                         Active"
    );
    let mut s2 = snap.clone();
    let r = apply_script(
        &mut s2,
        "ipsec static show all format=grid",
        Mode::Transaction,
    );
    assert_eq!(r.errors[0].message, "'grid' is not a valid format");
}
