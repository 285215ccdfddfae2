//! Dynamic mode (no `-w`): `[spec]` block, `(spec)` pass-through, plain specs with `-n`,
//! `-u`; dynamic rules never touch the static policy.

use ipsedit::core::interchange::ipseccmd::{apply, split_command_line};
use ipsedit::core::model::{Address, AuthMethod, Behavior, ConnectionType, Protocol, Snapshot};

fn run(s: &mut Snapshot, line: &str) -> ipsedit::core::interchange::ipseccmd::Outcome {
    apply(s, &split_command_line(line)).unwrap_or_else(|e| panic!("{line}\n{e}"))
}

#[test]
fn brackets_choose_block_or_pass_through() {
    let mut s = Snapshot::default();
    let outcome = run(&mut s, "-f [*=0:1434:UDP] (10.0.0.0/8+0:1434:UDP)");
    assert_eq!(s.dynamic.len(), 2);
    let (block, pass) = (&s.dynamic[0], &s.dynamic[1]);
    assert_eq!(block.action.behavior, Behavior::Block);
    assert_eq!(block.action.name, "Block");
    assert_eq!(block.filter.source, Address::Any);
    assert_eq!(block.filter.destination, Address::Me);
    assert_eq!(
        (block.filter.protocol, block.filter.dst_port),
        (Protocol::UDP, 1434)
    );
    assert!(!block.filter.mirrored);
    assert_eq!(pass.action.behavior, Behavior::Permit);
    assert_eq!(pass.action.name, "Permit");
    assert!(pass.filter.mirrored);
    for d in &s.dynamic {
        assert_eq!(
            d.origin,
            "ipseccmd -f [*=0:1434:UDP] (10.0.0.0/8+0:1434:UDP)"
        );
        assert_eq!(d.tunnel, None);
        assert_eq!(d.connection, ConnectionType::All);
    }
    assert!(s.policies.is_empty() && s.filter_lists.is_empty() && s.filter_actions.is_empty());
    assert_eq!(
        outcome.changes,
        [
            "added dynamic rule: any → me port 1434, UDP (block)",
            "added dynamic rule: 10.0.0.0/8 ↔ me port 1434, UDP (permit)",
        ]
    );
}

#[test]
fn plain_specs_take_n_and_a() {
    let mut s = Snapshot::default();
    run(
        &mut s,
        r#"-f 0+10.1.1.1 -n ESP[3DES,SHA] -a PRESHARE:"k" -soft -lan"#,
    );
    let d = &s.dynamic[0];
    assert_eq!(d.action.behavior, Behavior::Negotiate);
    assert_eq!(d.action.methods.len(), 1);
    assert!(d.action.soft);
    assert_eq!(
        d.authentication,
        [AuthMethod::Preshared { key: "k".into() }]
    );
    assert_eq!(d.connection, ConnectionType::Lan);
    assert_eq!(
        d.origin,
        "ipseccmd -f 0+10.1.1.1 -n ESP[3DES,SHA] -a PRESHARE:k -soft -lan"
    );
}

#[test]
fn the_same_filter_again_replaces_its_rule() {
    let mut s = Snapshot::default();
    run(&mut s, "-f [*=0:1434:UDP]");
    let outcome = run(&mut s, "-f (*=0:1434:UDP)");
    assert_eq!(s.dynamic.len(), 1);
    assert_eq!(s.dynamic[0].action.behavior, Behavior::Permit);
    assert_eq!(
        outcome.changes,
        ["replaced dynamic rule: any → me port 1434, UDP (permit)"]
    );
}

#[test]
fn u_deletes_only_dynamic_rules() {
    let mut s = Snapshot::default();
    run(&mut s, r#"-w REG -p "P" -r "R" -f *=0:80:TCP -n BLOCK -x"#);
    let static_only = s.clone();
    run(&mut s, "-f [*=0:1434:UDP] [*=0:1433:TCP]");
    assert_eq!(s.dynamic.len(), 2);
    let outcome = run(&mut s, "-U");
    assert_eq!(s, static_only);
    assert_eq!(outcome.changes, ["deleted all 2 dynamic rules"]);
}

#[test]
fn main_mode_switches_are_ignored_with_a_warning() {
    let mut s = Snapshot::default();
    let outcome = run(&mut s, "-f [*=0:1434:UDP] -1s 3DES-SHA-2");
    assert_eq!(s.dynamic.len(), 1);
    assert_eq!(
        outcome.warnings,
        [
            "-1s ignored: ipsedit keeps main-mode settings on static policies only (-1s needs -w REG -p)"
        ]
    );
}

#[test]
fn default_is_refused_in_dynamic_mode() {
    let mut s = Snapshot::default();
    let e = apply(&mut s, &split_command_line("-f DEFAULT")).expect_err("refused");
    assert_eq!(
        e.message,
        "DEFAULT is a static policy's default response rule"
    );
    assert_eq!(s, Snapshot::default());
}
