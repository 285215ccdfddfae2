//! Whatever an admin pastes, `apply` and `split_command_line` must not panic, and a refused
//! command must leave the snapshot as it was.

use ipsedit::core::interchange::ipseccmd::{apply, split_command_line, strip_program_name};
use ipsedit::core::model::Snapshot;
use proptest::prelude::*;

/// Tokens near the grammar, so the parser's deeper paths are reached, mixed with noise.
fn token() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec![
        "-w",
        "REG",
        "DS:corp",
        "-p",
        "-r",
        "-f",
        "-n",
        "-a",
        "-t",
        "-x",
        "-y",
        "-o",
        "-u",
        "-soft",
        "-lan",
        "-dialup",
        "-1s",
        "-1k",
        "-1p",
        "-1e",
        "-1f",
        "-confirm",
        "\u{2013}x",
        "BLOCK",
        "PASS",
        "INPASS",
        "PFS",
        "3600S/50000K",
        "ESP[3DES,SHA]",
        "AH[MD5]+ESP[DES,MD5]",
        "KERBEROS",
        "PRESHARE:\u{201C}k\u{201D}",
        "CERT:x",
        "*=0:1434:UDP",
        "[*=0:80:TCP]",
        "(0+*)",
        "*0=:1434:UDP",
        "*=0:",
        "1434:",
        "UDP",
        ":",
        "[",
        "]",
        "(",
        ")",
        "DEFAULT",
        "144.92.*.*=0",
        "1.2.3.4/24+0::ICMP",
        "name.example=0",
        "\u{201C}Block",
        "Filter\u{201D}",
        "3DES-SHA-2",
        "100Q/3600S",
        "é",
        "",
        "=",
        "+",
        "/",
        "*",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        3 => known,
        1 => "[-=+:/*\\[\\]()0-9A-Za-z.\u{2013}\u{201C}\u{201D}é ]{0,12}",
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn apply_never_panics(args in prop::collection::vec(token(), 0..12)) {
        let mut s = Snapshot::default();
        s.host.names.insert("name.example".into(), vec!["10.0.0.1".parse().expect("ip")]);
        let before = s.clone();
        if apply(&mut s, &args).is_err() {
            prop_assert_eq!(s, before);
        }
    }

    #[test]
    fn applying_twice_never_panics(
        first in prop::collection::vec(token(), 0..10),
        second in prop::collection::vec(token(), 0..10),
    ) {
        let mut s = Snapshot::default();
        let _ = apply(&mut s, &first);
        let _ = apply(&mut s, &second);
    }

    #[test]
    fn split_never_panics(line in any::<String>()) {
        let words = split_command_line(&line);
        let _ = strip_program_name(&words);
    }

    #[test]
    fn split_keeps_plain_words(words in prop::collection::vec("[A-Za-z0-9=:*.-]{1,8}", 0..8)) {
        prop_assert_eq!(split_command_line(&words.join(" ")), words);
    }
}
