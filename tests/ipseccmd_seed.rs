//! KB 813878's ipseccmd lines, exactly as the article prints them (seed `004_*.txt`), as
//! argument vectors, through `split_command_line`, and retyped with the typographic dashes
//! of the web copy (seed `002_*.txt`). Objects are checked field by field.

use ipsedit::core::interchange::ipseccmd::{
    Outcome, apply, apply_as, split_command_line, strip_program_name,
};
use ipsedit::core::model::{
    Address, AuthMethod, Behavior, ConnectionType, Filter, Policy, Protocol, Rule, Snapshot,
};

const INBOUND_UDP: &str = r#"IPSeccmd.exe -w REG -p "Block UDP 1434 Filter" -r "Block Inbound UDP 1434 Rule" -f *=0:1434:UDP -n BLOCK -x"#;
const OUTBOUND_UDP: &str = r#"IPSeccmd.exe -w REG -p "Block UDP 1434 Filter" -r "Block Outbound UDP 1434 Rule" -f 0=*:1434:UDP -n BLOCK"#;
const INBOUND_TCP_80: &str = r#"IPSeccmd.exe -w REG -p "Block TCP 80 Filter" -r "Block Inbound TCP 80 Rule" -f *=0:80:TCP -n BLOCK -x"#;
const ADD_TCP_80: &str = r#"IPSeccmd.exe -p "Block UDP 1434 Filter" -w REG -r "Block Inbound TCP 80 Rule" -f *=0:80:TCP -n BLOCK"#;
const UNASSIGN: &str = r#"IPSeccmd.exe -w REG -p "Block UDP 1434 Filter" -y"#;
const DELETE: &str = r#"IPSeccmd.exe -w REG -p "Block UDP 1434 Filter" -r "Block Inbound UDP 1434 Rule" -r "Block Outbound UDP 1434 Rule" -o"#;
const DYNAMIC: &str = "IPSeccmd.exe -f [*=0: 1434: UDP]";
const CLEAR_DYNAMIC: &str = "IPSeccmd.exe -u";

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn run_line(s: &mut Snapshot, line: &str) -> Outcome {
    let words = split_command_line(line);
    match apply(s, strip_program_name(&words)) {
        Ok(outcome) => outcome,
        Err(e) => panic!("{line}\n{e}"),
    }
}

fn policy<'a>(s: &'a Snapshot, name: &str) -> &'a Policy {
    s.policies
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no policy {name}"))
}

fn rule<'a>(p: &'a Policy, name: &str) -> &'a Rule {
    p.rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

/// The rule's only filter and its action's behaviour.
fn only_filter(s: &Snapshot, r: &Rule) -> (Filter, Behavior) {
    let list = s
        .filter_list(r.filter_list)
        .expect("rule's filter list exists");
    assert_eq!(list.filters.len(), 1, "{list:?}");
    let action = s
        .filter_action(r.filter_action)
        .expect("rule's action exists");
    (list.filters[0].clone(), action.behavior)
}

fn assert_one_way(f: &Filter, src: Address, dst: Address, proto: Protocol, port: u16) {
    assert_eq!(f.source, src);
    assert_eq!(f.destination, dst);
    assert_eq!(f.protocol, proto);
    assert_eq!(f.src_port, 0);
    assert_eq!(f.dst_port, port);
    assert!(!f.mirrored);
}

/// The state the article builds: inbound and outbound UDP 1434 blocked, policy assigned.
fn assert_slammer_policy(s: &Snapshot) {
    let p = policy(s, "Block UDP 1434 Filter");
    assert_eq!(s.assigned, Some(p.id));
    assert_eq!(p.rules.len(), 2);
    assert_eq!(p.polling_interval_min, 180);
    assert!(!p.default_response.active);

    let inbound = rule(p, "Block Inbound UDP 1434 Rule");
    let outbound = rule(p, "Block Outbound UDP 1434 Rule");
    for r in [inbound, outbound] {
        assert_eq!(r.authentication, vec![AuthMethod::Kerberos]);
        assert_eq!(r.tunnel, None);
        assert_eq!(r.connection, ConnectionType::All);
        assert!(r.active);
    }
    let (f, behavior) = only_filter(s, inbound);
    assert_one_way(&f, Address::Any, Address::Me, Protocol::UDP, 1434);
    assert_eq!(behavior, Behavior::Block);
    let (f, behavior) = only_filter(s, outbound);
    assert_one_way(&f, Address::Me, Address::Any, Protocol::UDP, 1434);
    assert_eq!(behavior, Behavior::Block);

    // The netdiag listing shows two different Policy Ids: one list and one action per rule.
    assert_ne!(inbound.filter_list, outbound.filter_list);
    assert_ne!(inbound.filter_action, outbound.filter_action);
    assert_eq!(s.filter_lists.len(), 2);
    assert_eq!(s.filter_actions.len(), 2);
    let action = s.filter_action(inbound.filter_action).expect("action");
    assert!(action.methods.is_empty());
    assert!(!action.inpass && !action.soft && !action.session_key_pfs);
    assert_eq!(
        s.filter_list(inbound.filter_list).map(|l| l.name.as_str()),
        Some("Block Inbound UDP 1434 Rule filters")
    );
    assert_eq!(action.name, "Block Inbound UDP 1434 Rule action");
}

#[test]
fn article_lines_as_argument_vectors() {
    let mut s = Snapshot::default();
    let first = apply(
        &mut s,
        &argv(&[
            "-w",
            "REG",
            "-p",
            "Block UDP 1434 Filter",
            "-r",
            "Block Inbound UDP 1434 Rule",
            "-f",
            "*=0:1434:UDP",
            "-n",
            "BLOCK",
            "-x",
        ]),
    )
    .expect("inbound line applies");
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert_eq!(
        first.changes,
        [
            "created policy 'Block UDP 1434 Filter'",
            "added rule 'Block Inbound UDP 1434 Rule' in policy 'Block UDP 1434 Filter': filter \
             list 'Block Inbound UDP 1434 Rule filters', filter action 'Block Inbound UDP 1434 \
             Rule action' (block)",
            "assigned policy 'Block UDP 1434 Filter'",
        ]
    );
    apply(
        &mut s,
        &argv(&[
            "-w",
            "REG",
            "-p",
            "Block UDP 1434 Filter",
            "-r",
            "Block Outbound UDP 1434 Rule",
            "-f",
            "0=*:1434:UDP",
            "-n",
            "BLOCK",
        ]),
    )
    .expect("outbound line applies");
    assert_slammer_policy(&s);
}

#[test]
fn article_lines_through_split_command_line() {
    assert_eq!(
        split_command_line(INBOUND_UDP),
        [
            "IPSeccmd.exe",
            "-w",
            "REG",
            "-p",
            "Block UDP 1434 Filter",
            "-r",
            "Block Inbound UDP 1434 Rule",
            "-f",
            "*=0:1434:UDP",
            "-n",
            "BLOCK",
            "-x"
        ]
    );
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    run_line(&mut s, OUTBOUND_UDP);
    assert_slammer_policy(&s);
}

#[test]
fn article_lines_with_typographic_dashes() {
    // Seed 002 prints `–x`, `–y`, `–o`, `–u` with an en dash; an admin may retype more.
    let mut s = Snapshot::default();
    let inbound = INBOUND_UDP
        .replace("-x", "\u{2013}x")
        .replace("-w", "\u{2014}w");
    let outcome = run_line(&mut s, &inbound);
    assert_eq!(
        outcome.warnings,
        [
            "read typographic dash in '\u{2014}w' as '-w'",
            "read typographic dash in '\u{2013}x' as '-x'",
        ]
    );
    let outbound = OUTBOUND_UDP
        .replace("-n", "\u{2212}n")
        .replace("-r", "\u{2010}r");
    run_line(&mut s, &outbound);
    assert_slammer_policy(&s);
}

#[test]
fn smart_quotes_around_names_are_accepted() {
    let mut s = Snapshot::default();
    let smart = INBOUND_UDP
        .replace("\"Block UDP", "\u{201C}Block UDP")
        .replace("Filter\"", "Filter\u{201D}");
    run_line(&mut s, &smart);
    // A Unix shell does not treat smart quotes as quotes: the name arrives in pieces.
    let pieces = argv(&[
        "-w",
        "REG",
        "-p",
        "\u{201C}Block",
        "UDP",
        "1434",
        "Filter\u{201D}",
        "-r",
        "\u{2018}Block Outbound UDP 1434 Rule\u{2019}",
        "-f",
        "0=*:1434:UDP",
        "-n",
        "BLOCK",
    ]);
    let outcome = apply(&mut s, &pieces).expect("applies");
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    assert_slammer_policy(&s);
}

#[test]
fn tcp_80_line_switches_the_assignment() {
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    run_line(&mut s, OUTBOUND_UDP);
    let outcome = run_line(&mut s, INBOUND_TCP_80);
    let tcp = policy(&s, "Block TCP 80 Filter");
    assert_eq!(s.assigned, Some(tcp.id));
    assert_eq!(
        outcome.changes.last().map(String::as_str),
        Some("assigned policy 'Block TCP 80 Filter' (unassigned 'Block UDP 1434 Filter')")
    );
    let (f, behavior) = only_filter(&s, rule(tcp, "Block Inbound TCP 80 Rule"));
    assert_one_way(&f, Address::Any, Address::Me, Protocol::TCP, 80);
    assert_eq!(behavior, Behavior::Block);
    assert_eq!(policy(&s, "Block UDP 1434 Filter").rules.len(), 2);
}

#[test]
fn adding_a_rule_to_the_existing_policy_with_p_first() {
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    run_line(&mut s, OUTBOUND_UDP);
    run_line(&mut s, ADD_TCP_80);
    let p = policy(&s, "Block UDP 1434 Filter");
    assert_eq!(
        p.rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        [
            "Block Inbound UDP 1434 Rule",
            "Block Outbound UDP 1434 Rule",
            "Block Inbound TCP 80 Rule"
        ]
    );
    assert_eq!(
        s.assigned,
        Some(p.id),
        "adding without -x keeps the assignment"
    );
    assert_eq!(s.policies.len(), 1);
}

#[test]
fn y_unassigns() {
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    let outcome = run_line(&mut s, UNASSIGN);
    assert_eq!(s.assigned, None);
    assert_eq!(
        outcome.changes,
        ["unassigned policy 'Block UDP 1434 Filter'"]
    );
    assert_eq!(s.policies.len(), 1, "-y keeps the policy");
    // Again: nothing to do, said as a warning.
    let again = run_line(&mut s, &UNASSIGN.replace("-y", "\u{2013}y"));
    assert!(again.changes.is_empty());
    assert_eq!(
        again.warnings.last().map(String::as_str),
        Some("policy 'Block UDP 1434 Filter' is not assigned: nothing to unassign")
    );
}

#[test]
fn o_deletes_the_policy_but_keeps_what_another_policy_uses() {
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    run_line(&mut s, OUTBOUND_UDP);
    // By hand, as the snap-in allows: another policy's rule shares the inbound rule's list
    // and action.
    let inbound = rule(
        policy(&s, "Block UDP 1434 Filter"),
        "Block Inbound UDP 1434 Rule",
    )
    .clone();
    let outbound = rule(
        policy(&s, "Block UDP 1434 Filter"),
        "Block Outbound UDP 1434 Rule",
    )
    .clone();
    let mut other = Policy::new("Server baseline");
    other.rules.push(Rule::new(
        "Shared block",
        inbound.filter_list,
        inbound.filter_action,
    ));
    s.policies.push(other);

    let outcome = run_line(&mut s, DELETE);
    assert!(s.policies.iter().all(|p| p.name != "Block UDP 1434 Filter"));
    assert_eq!(
        s.assigned, None,
        "deleting the assigned policy unassigns it"
    );
    assert!(s.filter_list(inbound.filter_list).is_some());
    assert!(s.filter_action(inbound.filter_action).is_some());
    assert!(s.filter_list(outbound.filter_list).is_none());
    assert!(s.filter_action(outbound.filter_action).is_none());
    assert_eq!(s.filter_lists.len(), 1);
    assert_eq!(s.filter_actions.len(), 1);
    assert_eq!(
        outcome.changes,
        [
            "deleted policy 'Block UDP 1434 Filter' with 2 rules",
            "unassigned policy 'Block UDP 1434 Filter' (it was assigned)",
            "kept filter list 'Block Inbound UDP 1434 Rule filters': still used by rule 'Shared \
             block' of policy 'Server baseline'",
            "kept filter action 'Block Inbound UDP 1434 Rule action': still used by rule 'Shared \
             block' of policy 'Server baseline'",
            "deleted filter list 'Block Outbound UDP 1434 Rule filters' (no rule uses it)",
            "deleted filter action 'Block Outbound UDP 1434 Rule action' (no rule uses it)",
        ]
    );
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn o_line_with_typographic_dash_deletes_everything() {
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    run_line(&mut s, OUTBOUND_UDP);
    run_line(&mut s, &DELETE.replace("-o", "\u{2013}o"));
    assert_eq!(s, Snapshot::default());
}

#[test]
fn dynamic_line_with_stray_spaces_and_u() {
    let mut s = Snapshot::default();
    run_line(&mut s, INBOUND_UDP);
    let before_static = s.without_dynamic();
    let outcome = run_line(&mut s, DYNAMIC);
    assert_eq!(
        outcome.warnings,
        ["repaired filter spec '[*=0: 1434: UDP]' to '[*=0:1434:UDP]' (stray spaces removed)"]
    );
    assert_eq!(s.dynamic.len(), 1);
    let d = &s.dynamic[0];
    assert_one_way(&d.filter, Address::Any, Address::Me, Protocol::UDP, 1434);
    assert_eq!(d.action.behavior, Behavior::Block);
    assert_eq!(d.origin, "ipseccmd -f [*=0: 1434: UDP]");
    assert_eq!(
        s.without_dynamic(),
        before_static,
        "dynamic rules leave the static policy alone"
    );

    let cleared = run_line(&mut s, &CLEAR_DYNAMIC.replace("-u", "\u{2013}u"));
    assert!(s.dynamic.is_empty());
    assert_eq!(cleared.changes, ["deleted all 1 dynamic rules"]);
    assert_eq!(s, before_static);
}

#[test]
fn ipsecpol_lines_name_their_tool_in_the_origin() {
    let mut s = Snapshot::default();
    let words = split_command_line("ipsecpol -f [*=0:1434:UDP]");
    apply_as(&mut s, "ipsecpol", strip_program_name(&words)).expect("applies");
    assert_eq!(s.dynamic[0].origin, "ipsecpol -f [*=0:1434:UDP]");
}
