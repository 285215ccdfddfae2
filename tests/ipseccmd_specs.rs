//! Filter specs and rule settings in static mode: star notation, prefix and dotted masks,
//! `+` mirroring, `::` protocol, DNS names from the host table, several specs per rule,
//! `-n` methods, `-a`, `-t`, `-lan`/`-dialup`, `-soft`, main-mode switches, `DEFAULT`,
//! rule replacement and generated names.

use std::net::Ipv4Addr;

use ipsedit::core::interchange::ipseccmd::{Outcome, apply, split_command_line};
use ipsedit::core::model::{
    Address, AuthMethod, Behavior, Cipher, ConnectionType, DhGroup, Esp, Filter, FilterAction,
    HOST_MASK, HashAlg, MainModeMethod, Protocol, Rule, SecurityMethod, Snapshot,
};

fn run(s: &mut Snapshot, line: &str) -> Outcome {
    apply(s, &split_command_line(line)).unwrap_or_else(|e| panic!("{line}\n{e}"))
}

/// Applies `-w REG -p P -r R <rest>` to a fresh snapshot; returns it with the rule.
fn rule_with(rest: &str) -> (Snapshot, Rule, Outcome) {
    let mut s = Snapshot::default();
    let outcome = run(&mut s, &format!(r#"-w REG -p "P" -r "R" {rest}"#));
    let r = s.policies[0].rules[0].clone();
    (s, r, outcome)
}

fn filters(s: &Snapshot, r: &Rule) -> Vec<Filter> {
    s.filter_list(r.filter_list).expect("list").filters.clone()
}

fn action(s: &Snapshot, r: &Rule) -> FilterAction {
    s.filter_action(r.filter_action).expect("action").clone()
}

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

#[test]
fn star_notation_is_a_subnet() {
    let (s, r, _) = rule_with("-f 144.92.*.*=0:80:TCP -n BLOCK");
    let f = &filters(&s, &r)[0];
    assert_eq!(
        f.source,
        Address::subnet(ip(144, 92, 0, 0), ip(255, 255, 0, 0))
    );
    assert_eq!(f.destination, Address::Me);
    assert_eq!((f.protocol, f.src_port, f.dst_port), (Protocol::TCP, 0, 80));
}

#[test]
fn masks_dotted_and_prefix_and_hosts() {
    let (s, r, outcome) = rule_with("-f 10.0.0.0/255.0.0.0=0 192.168.1.0/24=10.1.2.3 -n PASS");
    let fs = filters(&s, &r);
    assert_eq!(fs.len(), 2);
    assert_eq!(
        fs[0].source,
        Address::subnet(ip(10, 0, 0, 0), ip(255, 0, 0, 0))
    );
    assert_eq!(
        fs[1].source,
        Address::subnet(ip(192, 168, 1, 0), ip(255, 255, 255, 0))
    );
    assert_eq!(
        fs[1].destination,
        Address::Ip {
            addr: ip(10, 1, 2, 3),
            mask: HOST_MASK
        }
    );
    assert_eq!(fs[1].protocol, Protocol::ANY);
    assert_eq!(action(&s, &r).behavior, Behavior::Permit);
    assert!(outcome.warnings.is_empty());
}

#[test]
fn host_bits_outside_the_mask_are_kept_with_a_warning() {
    let (s, r, outcome) = rule_with("-f 10.1.2.3/16=0 -n BLOCK");
    assert_eq!(
        filters(&s, &r)[0].source,
        Address::subnet(ip(10, 1, 2, 3), ip(255, 255, 0, 0))
    );
    assert_eq!(
        outcome.warnings,
        [
            "address 10.1.2.3 in filter spec '10.1.2.3/16=0' has bits outside its mask \
          255.255.0.0; kept as written (the subnet is 10.1.0.0); `ipsedit check` reports it"
        ]
    );
}

#[test]
fn plus_mirrors_and_source_ports() {
    let (s, r, _) = rule_with("-f 0:1433+*::TCP 0+10.0.0.5:53:UDP -n BLOCK");
    let fs = filters(&s, &r);
    assert!(fs.iter().all(|f| f.mirrored));
    assert_eq!(
        (fs[0].src_port, fs[0].dst_port, fs[0].protocol),
        (1433, 0, Protocol::TCP)
    );
    assert_eq!(
        (fs[1].src_port, fs[1].dst_port, fs[1].protocol),
        (0, 53, Protocol::UDP)
    );
    assert_eq!(fs[0].source, Address::Me);
    assert_eq!(fs[0].destination, Address::Any);
}

#[test]
fn double_colon_protocol_and_numbers() {
    let (s, r, _) = rule_with("-f *=0::ICMP *=0::47 *=0:ICMP 0=*::raw -n BLOCK");
    let fs = filters(&s, &r);
    let protocols: Vec<Protocol> = fs.iter().map(|f| f.protocol).collect();
    assert_eq!(
        protocols,
        [Protocol::ICMP, Protocol(47), Protocol::ICMP, Protocol::RAW]
    );
    assert!(fs.iter().all(|f| f.src_port == 0 && f.dst_port == 0));
}

#[test]
fn several_f_arguments_and_quoted_lists_all_join_the_rule() {
    let mut s = Snapshot::default();
    run(
        &mut s,
        r#"-w REG -p "Web" -r "Block web" -f "*=0:80:TCP *=0:443:TCP" *=0:8080:TCP -n BLOCK"#,
    );
    let r = &s.policies[0].rules[0];
    let ports: Vec<u16> = filters(&s, r).iter().map(|f| f.dst_port).collect();
    assert_eq!(ports, [80, 443, 8080]);
}

#[test]
fn dns_names_resolve_from_the_host_table() {
    let mut s = Snapshot::default();
    s.host.names.insert(
        "FileServer.corp.example".into(),
        vec![ip(10, 0, 0, 7), ip(10, 0, 0, 8)],
    );
    let outcome = run(
        &mut s,
        r#"-w REG -p "P" -r "R" -f fileserver.corp.example=0:445:TCP 0=unknown.example::ICMP -n BLOCK"#,
    );
    let r = s.policies[0].rules[0].clone();
    let fs = filters(&s, &r);
    assert_eq!(
        fs[0].source,
        Address::Dns {
            name: "fileserver.corp.example".into(),
            resolved: vec![ip(10, 0, 0, 7), ip(10, 0, 0, 8)],
        }
    );
    assert_eq!(
        fs[1].destination,
        Address::Dns {
            name: "unknown.example".into(),
            resolved: vec![]
        }
    );
    assert_eq!(
        outcome.warnings,
        [
            "DNS name 'unknown.example' is not in the host name table, so its filter matches no \
          address yet; ipsedit never queries DNS: add the name and its addresses to the store's \
          host names (`ipsedit config set name HOST ADDR[,ADDR]`) and run this command again"
        ]
    );
}

#[test]
fn negotiation_methods_rekey_and_pfs() {
    let (s, r, outcome) = rule_with(
        r#"-f 0+10.0.0.0/8 -n "ESP[3DES,SHA]3600S/50000K AH[MD5]" AH[SHA]+ESP[DES,MD5] ESP[NONE,SHA] 900S PFS -soft"#,
    );
    let a = action(&s, &r);
    assert_eq!(a.behavior, Behavior::Negotiate);
    assert!(a.soft && a.session_key_pfs && !a.inpass);
    let esp = |encryption, integrity| {
        Some(Esp {
            encryption,
            integrity,
        })
    };
    assert_eq!(
        a.methods,
        [
            SecurityMethod {
                ah: None,
                esp: esp(Some(Cipher::TripleDes), Some(HashAlg::Sha1)),
                lifetime_kb: 50000,
                lifetime_secs: 3600,
            },
            SecurityMethod {
                ah: Some(HashAlg::Md5),
                esp: None,
                lifetime_kb: 0,
                lifetime_secs: 0
            },
            SecurityMethod {
                ah: Some(HashAlg::Sha1),
                esp: esp(Some(Cipher::Des), Some(HashAlg::Md5)),
                lifetime_kb: 0,
                lifetime_secs: 0,
            },
            SecurityMethod {
                ah: None,
                esp: esp(None, Some(HashAlg::Sha1)),
                lifetime_kb: 0,
                lifetime_secs: 900,
            },
        ]
    );
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn inpass_negotiates_with_the_default_methods() {
    let (s, r, outcome) = rule_with("-f 0+* -n INPASS");
    let a = action(&s, &r);
    assert_eq!(a.behavior, Behavior::Negotiate);
    assert!(a.inpass);
    assert_eq!(a.methods.len(), 4);
    assert_eq!(outcome.warnings.len(), 1);
    assert!(outcome.warnings[0].starts_with("no security method given"));
    let (s, r, _) = rule_with("-f 0+* -n esp[3des,sha] inpass");
    assert!(action(&s, &r).inpass);
    assert_eq!(action(&s, &r).methods.len(), 1);
}

#[test]
fn authentication_tunnel_and_connection_type() {
    let (s, r, _) = rule_with(
        r#"-f 10.1.0.0/16=10.2.0.0/16 -t 192.0.2.1 -n ESP[3DES,SHA] -a KERBEROS PRESHARE:"our secret" CERT:“Corp Root CA” -dialup"#,
    );
    assert_eq!(
        r.authentication,
        [
            AuthMethod::Kerberos,
            AuthMethod::Preshared {
                key: "our secret".into()
            },
            AuthMethod::Certificate {
                root_ca: "Corp Root CA".into()
            },
        ]
    );
    assert_eq!(r.tunnel, Some(ip(192, 0, 2, 1)));
    assert_eq!(r.connection, ConnectionType::RemoteAccess);
    assert!(!filters(&s, &r)[0].mirrored);
    // The same smart quotes reaching us from a Unix shell, in pieces.
    let mut s = Snapshot::default();
    let args: Vec<String> = [
        "-w",
        "REG",
        "-p",
        "P",
        "-r",
        "R",
        "-f",
        "0+*",
        "-n",
        "ESP[DES,MD5]",
        "-a",
        "CERT:“Corp",
        "Root",
        "CA”",
    ]
    .map(String::from)
    .to_vec();
    let outcome = apply(&mut s, &args).expect("applies");
    assert_eq!(
        s.policies[0].rules[0].authentication,
        [AuthMethod::Certificate {
            root_ca: "Corp Root CA".into()
        }]
    );
    assert_eq!(
        outcome.warnings,
        [
            "rejoined CERT:“Corp Root CA” into one argument: smart quotes do not group words in a \
          shell; use straight quotes \"...\""
        ]
    );
    let (_, r, _) = rule_with("-f 0+* -n BLOCK -LAN");
    assert_eq!(r.connection, ConnectionType::Lan);
}

#[test]
fn main_mode_switches_and_polling_interval() {
    let mut s = Snapshot::default();
    let outcome = run(
        &mut s,
        r#"-w REG -p "Secure:30" -1s 3DES-SHA-2 DES-MD5-1 3DES-SHA-3 -1k 10Q/3601S -1p"#,
    );
    let p = &s.policies[0];
    assert_eq!(p.name, "Secure");
    assert_eq!(p.polling_interval_min, 30);
    assert!(p.rules.is_empty());
    let kx = &p.key_exchange;
    assert!(kx.master_key_pfs);
    assert_eq!(kx.lifetime_sessions, 10);
    assert_eq!(kx.lifetime_minutes, 61);
    assert_eq!(
        kx.methods,
        [
            MainModeMethod {
                encryption: Cipher::TripleDes,
                integrity: HashAlg::Sha1,
                dh_group: DhGroup::Medium
            },
            MainModeMethod {
                encryption: Cipher::Des,
                integrity: HashAlg::Md5,
                dh_group: DhGroup::Low
            },
            MainModeMethod {
                encryption: Cipher::TripleDes,
                integrity: HashAlg::Sha1,
                dh_group: DhGroup::High2048
            },
        ]
    );
    assert_eq!(
        outcome.warnings,
        ["main-mode lifetime 3601S rounded up to 61 minutes (policies store minutes)"]
    );
    // -1e and -1f are validated, then ignored with a warning.
    let outcome = run(&mut s, r#"-w REG -p "Secure" -1e 300 -1f *=0"#);
    assert_eq!(outcome.warnings.len(), 2, "{:?}", outcome.warnings);
    assert!(outcome.changes.is_empty());
}

#[test]
fn default_response_rule() {
    let mut s = Snapshot::default();
    run(
        &mut s,
        r#"-w REG -p "P" -f DEFAULT -n ESP[3DES,SHA] -a PRESHARE:k"#,
    );
    let d = &s.policies[0].default_response;
    assert!(d.active);
    assert_eq!(d.methods.len(), 1);
    assert_eq!(
        d.authentication,
        [AuthMethod::Preshared { key: "k".into() }]
    );
    assert!(s.policies[0].rules.is_empty());
    assert!(s.filter_lists.is_empty());
}

#[test]
fn replacing_a_rule_reuses_its_place_and_frees_its_objects() {
    let mut s = Snapshot::default();
    run(&mut s, r#"-w REG -p "P" -r "A" -f *=0:80:TCP -n BLOCK"#);
    run(&mut s, r#"-w REG -p "P" -r "B" -f *=0:81:TCP -n BLOCK"#);
    let outcome = run(&mut s, r#"-w REG -p "P" -r "a" -f *=0:8080:TCP -n PASS"#);
    let p = &s.policies[0];
    assert_eq!(p.rules.len(), 2);
    assert_eq!(p.rules[0].name, "a");
    assert_eq!(filters(&s, &p.rules[0])[0].dst_port, 8080);
    assert_eq!(action(&s, &p.rules[0]).behavior, Behavior::Permit);
    assert_eq!(s.filter_lists.len(), 2, "the old list is gone");
    assert_eq!(s.filter_actions.len(), 2, "the old action is gone");
    assert_eq!(
        outcome.changes,
        [
            "deleted filter list 'A filters' (no rule uses it)",
            "deleted filter action 'A action' (no rule uses it)",
            "replaced rule 'a' in policy 'P': filter list 'a filters', filter action 'a action' (permit)",
        ]
    );
}

#[test]
fn generated_names_stay_unique() {
    let mut s = Snapshot::default();
    run(&mut s, r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n BLOCK"#);
    run(&mut s, r#"-w REG -p "Q" -r "R" -f *=0:80:TCP -n BLOCK"#);
    run(&mut s, r#"-w REG -p "S" -r "R" -f *=0:80:TCP -n BLOCK"#);
    let names: Vec<&str> = s.filter_lists.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["R filters", "R filters (2)", "R filters (3)"]);
    let names: Vec<&str> = s.filter_actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["R action", "R action (2)", "R action (3)"]);
}

#[test]
fn rule_without_r_is_named_after_its_specs() {
    let mut s = Snapshot::default();
    run(&mut s, r#"-w REG -p "P" -f *=0:80:TCP -n BLOCK"#);
    run(&mut s, r#"-w REG -p "P" -f *=0:80:TCP -n BLOCK"#);
    let p = &s.policies[0];
    assert_eq!(
        p.rules.len(),
        1,
        "the same line twice replaces, not duplicates"
    );
    assert_eq!(p.rules[0].name, "*=0:80:TCP");
}

#[test]
fn switches_are_case_insensitive() {
    let mut s = Snapshot::default();
    run(&mut s, r#"-W reg -P "P" -R "R" -F *=0:80:tcp -N block -X"#);
    assert_eq!(s.assigned, Some(s.policies[0].id));
    assert_eq!(
        action(&s, &s.policies[0].rules[0]).behavior,
        Behavior::Block
    );
}
