//! The netsh importer never panics, whatever the text, and a failing transaction never
//! changes the snapshot.

use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::model::Snapshot;
use proptest::prelude::*;

/// Words netsh scripts are made of, so random lines reach deep into the parser.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "netsh",
            "ipsec",
            "static",
            "dynamic",
            "pushd",
            "popd",
            "add",
            "set",
            "delete",
            "show",
            "policy",
            "filterlist",
            "filter",
            "filteraction",
            "rule",
            "defaultrule",
            "all",
            "store",
            "config",
            "name=P",
            "name=\"A B\"",
            "filterlist=L",
            "srcaddr=me",
            "dstaddr=any",
            "srca=10.0.0.1",
            "srcmask=24",
            "dstmask=255.0.255.0",
            "protocol=udp",
            "dstport=1434",
            "mirrored=y",
            "policy=P",
            "filteraction=A",
            "action=block",
            "qmsec=ESP[3DES,SHA1]:1é/2s",
            "mmsec=3DES-SHA1-9",
            "assign=yes",
            "=",
            "\"",
            "#",
            "ipsecexempt",
            "value=2",
            "rootca=CN=x",
            "psk=",
            "tunnel=1.2.3.4",
            "id=1",
            "guid={00000000-0000-0000-0000-000000000000}",
            "\u{201C}",
            "é",
            ":",
            "rem",
        ])
        .prop_map(String::from),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ]
}

fn script() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec(word(), 0..9), 0..12).prop_map(|lines| {
        lines
            .into_iter()
            .map(|l| l.join(" "))
            .collect::<Vec<_>>()
            .join("\r\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_failures_change_nothing(text in script()) {
        let mut snap = Snapshot::default();
        let report = apply_script(&mut snap, &text, Mode::Transaction);
        if !report.errors.is_empty() {
            prop_assert_eq!(snap, Snapshot::default());
        }
        let mut snap = Snapshot::default();
        let _ = apply_script(&mut snap, &text, Mode::ContinueOnError);
    }
}
