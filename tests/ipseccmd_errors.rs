//! Bad ipseccmd input: each error names the offending token, says how to fix it, and
//! leaves the snapshot exactly as it was (compared with a clone taken before).

use ipsedit::core::interchange::ipseccmd::{IpseccmdError, apply, split_command_line};
use ipsedit::core::model::Snapshot;

/// A store that already holds the article's policy, so "unchanged" means something.
fn populated() -> Snapshot {
    let mut s = Snapshot::default();
    for line in [
        r#"-w REG -p "Block UDP 1434 Filter" -r "Block Inbound UDP 1434 Rule" -f *=0:1434:UDP -n BLOCK -x"#,
        "-f [*=0:445:TCP]",
    ] {
        apply(&mut s, &split_command_line(line)).expect("setup line applies");
    }
    s
}

/// Applies a bad line and returns the error, asserting the snapshot did not change.
fn refused(line: &str) -> IpseccmdError {
    refused_args(&split_command_line(line))
}

fn refused_args(args: &[String]) -> IpseccmdError {
    let mut s = populated();
    let before = s.clone();
    let err = match apply(&mut s, args) {
        Ok(outcome) => panic!("{args:?} was accepted: {outcome:?}"),
        Err(e) => e,
    };
    assert_eq!(s, before, "snapshot changed by {args:?}");
    err
}

fn static_line(spec: &str) -> String {
    format!(r#"-w REG -p "Block UDP 1434 Filter" -r "Bad Rule" -f {spec} -n BLOCK"#)
}

#[test]
fn the_articles_misprinted_template() {
    let e = refused(&static_line("*0=:1434:UDP"));
    assert_eq!(e.token, "*0=:1434:UDP");
    assert_eq!(
        e.message,
        "filter spec '*0=:1434:UDP' has no destination address"
    );
    assert_eq!(
        e.hint,
        "this is the article's misprinted template '*0=:PortNumber:Protocol': the address goes \
         before each port; write '0=*:1434:UDP' for me to any (outbound) or '*=0:1434:UDP' for \
         any to me (inbound)"
    );
    assert_eq!(
        e.to_string(),
        format!("{} (at '*0=:1434:UDP')\n  fix: {}", e.message, e.hint)
    );
}

#[test]
fn the_template_with_its_placeholders_and_stray_spaces() {
    // `-f *=0: PortNumber: Protocol` pasted verbatim: repaired, then refused.
    let e = refused(&static_line("*=0: PortNumber: Protocol"));
    assert_eq!(e.token, "*=0:PortNumber:Protocol");
    assert_eq!(
        e.message,
        "port 'PortNumber' in filter spec '*=0:PortNumber:Protocol' is not a number"
    );
}

#[test]
fn port_out_of_range() {
    let e = refused(&static_line("*=0:99999:UDP"));
    assert_eq!(e.token, "*=0:99999:UDP");
    assert_eq!(
        e.message,
        "port 99999 in filter spec '*=0:99999:UDP' is out of range 0-65535"
    );
    assert_eq!(
        e.hint,
        "write a port 0-65535 (0 = any), e.g. '*=0:1434:UDP'"
    );
}

#[test]
fn unknown_protocol_lists_the_known_names() {
    let e = refused(&static_line("*=0:1434:FOO"));
    assert_eq!(e.token, "*=0:1434:FOO");
    assert_eq!(
        e.message,
        "unknown protocol 'FOO' in filter spec '*=0:1434:FOO'"
    );
    assert_eq!(
        e.hint,
        "use a number 0-255 or one of ANY, ICMP, EGP, PUP, HMP, XNS-IDP, RDP, TCP, UDP, RSVP, RVD, RAW"
    );
    let e = refused(&static_line("*=0::300"));
    assert_eq!(
        e.message,
        "protocol number 300 in filter spec '*=0::300' is out of range 0-255"
    );
}

#[test]
fn non_contiguous_mask() {
    let e = refused(&static_line("1.2.3.4/255.0.255.0=0"));
    assert_eq!(e.token, "1.2.3.4/255.0.255.0=0");
    assert_eq!(
        e.message,
        "mask 255.0.255.0 in filter spec '1.2.3.4/255.0.255.0=0' is not contiguous"
    );
    assert_eq!(
        e.hint,
        "a mask is ones followed by zeros, e.g. 255.255.0.0 (/16) or 255.255.255.0 (/24)"
    );
    let e = refused(&static_line("144.*.92.*=0"));
    assert_eq!(
        e.message,
        "star notation '144.*.92.*' in filter spec '144.*.92.*=0' gives a mask that is not \
         contiguous (255.0.255.0)"
    );
}

#[test]
fn unknown_switch() {
    let e = refused(r#"-w REG -p "Block UDP 1434 Filter" -z"#);
    assert_eq!(e.token, "-z");
    assert_eq!(e.message, "unknown switch '-z'");
    assert_eq!(
        e.hint,
        "ipseccmd switches are -w -p -r -f -n -a -t -x -y -o -u -soft -lan -dialup -confirm -1s \
         -1k -1p -1e -1f"
    );
    // A typographic dash does not make an unknown switch known.
    assert_eq!(refused("\u{2013}q").message, "unknown switch '\u{2013}q'");
}

#[test]
fn w_reg_without_p() {
    let e = refused(r#"-w REG -r "Block Inbound UDP 1434 Rule" -f *=0:1434:UDP -n BLOCK"#);
    assert_eq!(e.token, "-w");
    assert_eq!(e.message, "-w REG needs a policy name: -p is missing");
    assert_eq!(
        e.hint,
        "add -p \"Policy name\", e.g. -w REG -p \"Block UDP 1434 Filter\""
    );
}

#[test]
fn directory_store_is_not_supported_yet() {
    let e = refused(r#"-w DS -p "Block UDP 1434 Filter" -x"#);
    assert_eq!(e.token, "DS");
    assert_eq!(
        e.message,
        "-w DS: no domain (directory) store is configured; ipsedit has only the local store"
    );
    let e = refused(r#"-w ds:corp.example.com -p "Block UDP 1434 Filter" -x"#);
    assert_eq!(
        e.message,
        "-w ds:corp.example.com: no domain (directory) store is configured; ipsedit has \
         only the local store"
    );
    assert_eq!(
        e.hint,
        "use -w REG to edit the local policy store, or open the domain with --store \
         ldaps://DC/DC=example,DC=test"
    );
}

#[test]
fn missing_f_value() {
    let e = refused(r#"-w REG -p "Block UDP 1434 Filter" -r "Bad Rule" -f -n BLOCK"#);
    assert_eq!(e.token, "-f");
    assert_eq!(e.message, "-f needs a value");
    assert_eq!(
        e.hint,
        "for example -f *=0:1434:UDP (any address to me, UDP port 1434)"
    );
    let e = refused("-f");
    assert_eq!(e.message, "-f needs a value");
}

#[test]
fn ports_need_tcp_or_udp() {
    let e = refused(&static_line("*=0:80:ICMP"));
    assert_eq!(
        e.message,
        "filter spec '*=0:80:ICMP' gives a port with protocol ICMP; ports apply only to TCP and UDP"
    );
    assert_eq!(e.hint, "drop the port ('*=0::ICMP') or use TCP or UDP");
    let e = refused(&static_line("*=0:1434"));
    assert_eq!(
        e.message,
        "filter spec '*=0:1434' gives a port but no protocol"
    );
}

#[test]
fn unbalanced_brackets() {
    let e = refused("-f [*=0:1434:UDP");
    assert_eq!(e.token, "[*=0:1434:UDP");
    assert_eq!(
        e.message,
        "unbalanced brackets in filter spec '[*=0:1434:UDP'"
    );
    assert_eq!(
        e.hint,
        "write [SPEC] for a block filter, e.g. '[*=0:1434:UDP]' (quote it in a Unix shell)"
    );
    let e = refused("-f (*=0:1434:UDP");
    assert_eq!(
        e.message,
        "unbalanced brackets in filter spec '(*=0:1434:UDP'"
    );
    let e = refused("-f *=0:1434:UDP]");
    assert_eq!(
        e.message,
        "unbalanced brackets in filter spec '*=0:1434:UDP]'"
    );
}

#[test]
fn unquoted_policy_name_is_explained() {
    let args: Vec<String> = ["-w", "REG", "-p", "Block", "UDP", "1434", "Filter", "-y"]
        .map(String::from)
        .to_vec();
    let e = refused_args(&args);
    assert_eq!(e.token, "UDP");
    assert_eq!(e.message, "unexpected argument 'UDP' after -p Block");
    assert_eq!(
        e.hint,
        "quote names that contain spaces: -p \"Block UDP 1434 Filter\""
    );
}

#[test]
fn combinations_that_make_no_sense() {
    let e = refused(r#"-w REG -p "Block UDP 1434 Filter" -x -y"#);
    assert_eq!(e.message, "-x and -y contradict each other");
    // Issue 9: -o, -x and -y are independent (Resource Kit syntax): `-o -x` deletes the
    // policy and assigns a fresh one of the same name (tests/script_constructs.rs).
    let e = refused(r#"-w REG -p "No Such Policy" -o"#);
    assert_eq!(e.message, "no policy named 'No Such Policy' to delete");
    assert_eq!(e.hint, "existing policies: 'Block UDP 1434 Filter'");
    let e = refused(r#"-w REG -p "Block UDP 1434 Filtre" -y"#);
    assert_eq!(e.token, "Block UDP 1434 Filtre");
    assert_eq!(
        e.message,
        "no policy named 'Block UDP 1434 Filtre' to unassign"
    );
    let e = refused(r#"-w REG -p "Block UDP 1434 Filter" -r "Rule" -n BLOCK"#);
    assert_eq!(e.token, "-r");
    assert_eq!(
        e.message,
        "-r applies to a rule, but no -f gives the rule's filters"
    );
    let e = refused(r#"-p "Block UDP 1434 Filter" -x"#);
    assert_eq!(e.token, "-p");
    assert_eq!(e.message, "-p works on a static policy, but -w is missing");
    let e = refused("-u -f [*=0:1434:UDP]");
    assert_eq!(e.message, "-u deletes all dynamic rules and takes no -f");
    let e = refused(&static_line("[*=0:1434:UDP]"));
    assert_eq!(
        e.message,
        "'[*=0:1434:UDP]': [spec] and (spec) mark dynamic filters, not static rules"
    );
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n BLOCK -p "Q""#);
    assert_eq!(e.message, "-p is given twice");
    let e = refused("");
    assert_eq!(e.message, "nothing to do: no -f, -u or -w");
    assert!(
        e.to_string()
            .starts_with("nothing to do: no -f, -u or -w\n  fix: ")
    );
}

#[test]
fn bad_actions_and_methods() {
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n BLOCK ESP[3DES,SHA]"#);
    assert_eq!(
        e.message,
        "-n BLOCK cannot be combined with security methods"
    );
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n ESP[AES,SHA]"#);
    assert_eq!(e.message, "unknown cipher 'AES' in 'ESP[AES,SHA]'");
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n ESP[NONE,NONE]"#);
    assert_eq!(
        e.message,
        "'ESP[NONE,NONE]' protects nothing: ESP[NONE,NONE] is not allowed"
    );
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n ALLOW"#);
    assert_eq!(e.message, "unknown action or security method 'ALLOW'");
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -a PRESHARE:"#);
    assert_eq!(e.message, "PRESHARE in 'PRESHARE:' needs a value after ':'");
    let e = refused(r#"-w REG -p "P" -r "R" -f *=0:80:TCP -t 10.0.0"#);
    assert_eq!(e.message, "tunnel endpoint '10.0.0' is not an IPv4 address");
    let e = refused(r#"-w REG -p "P" -r "R" -f *+0:80:TCP -t 10.0.0.1"#);
    assert_eq!(
        e.message,
        "filter spec '*+0:80:TCP' is mirrored, but a tunnel rule's filters must not be"
    );
    let e = refused(r#"-w REG -p "P" -1s 3DES-SHA-5"#);
    assert_eq!(e.message, "'3DES-SHA-5' is not a main-mode method");
}

#[test]
fn unsupported_forms_of_the_tool() {
    let e = refused(r"\\server -f [*=0:1434:UDP]");
    assert_eq!(
        e.message,
        r"remote computer '\\server' is not supported: only this computer is"
    );
    let e = refused("show all");
    assert_eq!(e.message, "'ipseccmd show' is not supported");
}
