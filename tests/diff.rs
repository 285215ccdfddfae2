//! `diff`: exact regions against the reference evaluator on random policy pairs (every
//! packet lies in a region exactly when the two sides' verdicts differ, and the region
//! names both deciding rows), canonical merging, examples that the sides decide as
//! stated, and the CLI's sides (store, script, rev:N), options and exit codes.

mod engine_support;

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use engine_support::arb::{arb_dynamic, arb_host, arb_packet, arb_rules, snapshot};
use ipsedit::core::engine::diff::{Region, diff};
use ipsedit::core::engine::{Classifier, EffectiveTable, Packet, reference};
use proptest::prelude::*;

fn inside(r: &Region, p: &Packet) -> bool {
    let (std::net::IpAddr::V4(s), std::net::IpAddr::V4(d)) = (p.src, p.dst) else {
        return false;
    };
    let v = [
        u32::from(p.protocol),
        u32::from(s),
        u32::from(d),
        u32::from(p.src_port),
        u32::from(p.dst_port),
    ];
    r.ranges
        .iter()
        .zip(v)
        .all(|((lo, hi), x)| *lo <= x && x <= *hi)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn regions_are_exactly_where_the_verdicts_differ(
        rules_a in arb_rules(3, 3),
        rules_b in arb_rules(3, 3),
        dynamic in arb_dynamic(),
        host_a in arb_host(),
        nde_b in prop::option::of(0u32..4),
        same_policy in any::<bool>(),
        packets in prop::collection::vec(arb_packet(), 1..40),
    ) {
        let sa = snapshot(rules_a.clone(), dynamic.clone(), &host_a);
        let mut host_b = host_a.clone();
        host_b.no_default_exempt = nde_b;
        let sb = snapshot(if same_policy { rules_a } else { rules_b }, dynamic, &host_b);
        let (ta, tb) = (EffectiveTable::build(&sa, None, &host_a), EffectiveTable::build(&sb, None, &host_b));
        let regions = diff(&ta, &tb);
        let (ca, cb) = (Classifier::new(&ta), Classifier::new(&tb));
        // Regions are disjoint and canonical: no two with the same rows are adjacent in
        // one field and equal in the others.
        for (i, r) in regions.iter().enumerate() {
            for q in &regions[i + 1..] {
                let overlap = r.ranges.iter().zip(&q.ranges).all(|(x, y)| x.0 <= y.1 && y.0 <= x.1);
                prop_assert!(!overlap, "{:?} {:?}", r.ranges, q.ranges);
                if (r.a.row, r.b.row) == (q.a.row, q.b.row) {
                    let differing: Vec<usize> = (0..5).filter(|f| r.ranges[*f] != q.ranges[*f]).collect();
                    if let [f] = differing[..] {
                        let (x, y) = (r.ranges[f], q.ranges[f]);
                        prop_assert!(u64::from(x.1) + 1 != u64::from(y.0) && u64::from(y.1) + 1 != u64::from(x.0),
                            "adjacent regions left unjoined: {:?} {:?}", r.ranges, q.ranges);
                    }
                }
            }
            // The example is in the region and decided as stated.
            let p = r.example_packet;
            prop_assert!(inside(r, &p), "{} not in {:?}", p, r.ranges);
            prop_assert_eq!(ca.first(&p), r.a.row);
            prop_assert_eq!(cb.first(&p), r.b.row);
            prop_assert_eq!(reference::evaluate(&sa, None, &host_a, &p).action, r.a.verdict);
            prop_assert_eq!(reference::evaluate(&sb, None, &host_b, &p).action, r.b.verdict);
        }
        // Exactness: random packets and the edges of the regions themselves.
        let mut probes = packets;
        for r in &regions {
            for corner in [0u32, 1] {
                let pick = |(lo, hi): (u32, u32)| if corner == 0 { lo } else { hi };
                probes.push(Packet::v4(
                    pick(r.ranges[0]) as u8,
                    Ipv4Addr::from(pick(r.ranges[1])),
                    pick(r.ranges[3]) as u16,
                    Ipv4Addr::from(pick(r.ranges[2])),
                    pick(r.ranges[4]) as u16,
                ));
            }
        }
        for p in probes.iter().filter(|p| !p.is_v6()) {
            let va = reference::evaluate(&sa, None, &host_a, p).action;
            let vb = reference::evaluate(&sb, None, &host_b, p).action;
            let hit: Vec<&Region> = regions.iter().filter(|r| inside(r, p)).collect();
            prop_assert_eq!(hit.len(), usize::from(va != vb), "{}: {} vs {}", p, va.word(), vb.word());
            if let Some(r) = hit.first() {
                prop_assert_eq!((r.a.verdict, r.b.verdict), (va, vb), "{}", p);
                prop_assert_eq!((r.a.row, r.b.row), (ca.first(p), cb.first(p)), "{}", p);
            }
        }
    }
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .display()
        .to_string()
}

fn ipsedit(store: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run ipsedit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn no_default_exempt_0_against_1_on_kb811832_is_exactly_the_kerberos_and_rsvp_holes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = sample("kb811832");
    let (code, out, err) = ipsedit(
        &dir.path().join("store"),
        &["diff", &s, &s, "--b-no-default-exempt", "1", "--json"],
    );
    assert_eq!(code, 1, "different: exit 1 ({err})");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["equal"], false);
    assert_eq!(v["a"]["no_default_exempt"], 0);
    assert_eq!(v["b"]["no_default_exempt"], 1);
    let regions = v["regions"].as_array().expect("regions");
    let line = |r: &serde_json::Value| {
        format!(
            "{} {}:{} -> {}:{} {}({}) -> {}({}) e.g. {}",
            r["protocol"].as_str().unwrap_or("?"),
            r["src"].as_str().unwrap_or("?"),
            r["src_ports"].as_str().unwrap_or("?"),
            r["dst"].as_str().unwrap_or("?"),
            r["dst_ports"].as_str().unwrap_or("?"),
            r["a"]["verdict"].as_str().unwrap_or("?"),
            r["a"]["row"],
            r["b"]["verdict"].as_str().unwrap_or("?"),
            r["b"]["row"],
            r["example"].as_str().unwrap_or("?"),
        )
    };
    let got: Vec<String> = regions.iter().map(line).collect();
    // Per protocol: from port 88 (three source ranges around the host itself, whose own
    // rows come first), to port 88 from any other source port; RSVP.
    let mut expected = Vec::new();
    for (proto, from88_out, from88_in, to88_out, to88_in) in
        [("tcp", 4, 5, 6, 7), ("udp", 0, 1, 2, 3)]
    {
        for (src, ex, from88, to88) in [
            ("0.0.0.0-10.10.1.1", "0.0.0.1", from88_in, to88_in),
            ("10.10.1.2", "10.10.1.2", from88_out, to88_out),
            (
                "10.10.1.3-255.255.255.255",
                "203.0.113.7",
                from88_in,
                to88_in,
            ),
        ] {
            expected.push(format!(
                "{proto} {src}:0-87 -> 10.10.1.2:88 permit({to88}) -> block(9) e.g. {proto} {ex}:1 -> 10.10.1.2:88"
            ));
            expected.push(format!(
                "{proto} {src}:88 -> 10.10.1.2:any permit({from88}) -> block(9) e.g. {proto} {ex}:88 -> 10.10.1.2:1026"
            ));
            expected.push(format!(
                "{proto} {src}:89-65535 -> 10.10.1.2:88 permit({to88}) -> block(9) e.g. {proto} {ex}:1025 -> 10.10.1.2:88"
            ));
        }
    }
    for (src, ex, row) in [
        ("0.0.0.0-10.10.1.1", "0.0.0.1", 11),
        ("10.10.1.2", "10.10.1.2", 10),
        ("10.10.1.3-255.255.255.255", "203.0.113.7", 11),
    ] {
        expected.push(format!(
            "rsvp {src}:any -> 10.10.1.2:any permit({row}) -> block(9) e.g. rsvp {ex} -> 10.10.1.2"
        ));
    }
    assert_eq!(got, expected);
    assert_eq!(
        regions[0]["a"]["origin"], "the kerberos exemption",
        "{:#}",
        regions[0]
    );
}

#[test]
fn equal_sides_exit_0_and_bad_sides_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let s = sample("kb811832");
    let script = sample("kb811832.netsh");
    // The store and the netsh script that wrote it: the same policy.
    let (code, out, err) = ipsedit(&store, &["diff", &s, &script]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no difference"), "{out}");
    let (code, _, err) = ipsedit(&store, &["diff", &s, "/nonexistent/policy"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("B (/nonexistent/policy): no such file"),
        "{err}"
    );
    let (code, _, err) = ipsedit(&store, &["diff", "rev:x", &s]);
    assert_eq!(code, 2);
    assert!(err.contains("\"x\" is not a revision number"), "{err}");
    let (code, _, err) = ipsedit(&store, &["diff", &s, &s, "--b-os", "winxp-sp9"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown OS profile"), "{err}");
}

#[test]
fn revisions_of_the_current_store_are_sides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let script = sample("kb811832.netsh");
    let (code, _, err) = ipsedit(&store, &["netsh", "-f", &script]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = ipsedit(
        &store,
        &[
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "Block All Inbound",
            "-r",
            "SMB",
            "-f",
            "203.0.113.0/255.255.255.0=0:445:TCP",
            "-n",
            "PASS",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (_, history, _) = ipsedit(&store, &["history"]);
    let (code, out, err) = ipsedit(&store, &["diff", "rev:1", "rev:2", "--json"]);
    assert_eq!(code, 1, "{history}\n{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let regions = v["regions"].as_array().expect("regions");
    let lines: Vec<String> = regions
        .iter()
        .map(|r| {
            format!(
                "{} {}:{} -> {}:{} {} -> {}",
                r["protocol"],
                r["src"],
                r["src_ports"],
                r["dst"],
                r["dst_ports"],
                r["a"]["verdict"],
                r["b"]["verdict"]
            )
        })
        .collect();
    // TCP 445 from 203.0.113.0/24 is let through now, except from port 88 (already
    // exempt); the host's own 88 rows do not lie in 203.0.113.0/24.
    assert_eq!(
        lines,
        [
            "\"tcp\" \"203.0.113.0/24\":\"0-87\" -> \"10.10.1.2\":\"445\" \"block\" -> \"permit\"",
            "\"tcp\" \"203.0.113.0/24\":\"89-65535\" -> \"10.10.1.2\":\"445\" \"block\" -> \"permit\"",
        ],
        "{history}"
    );
    let (code, _, err) = ipsedit(&store, &["diff", "rev:99", "rev:1"]);
    assert_eq!(code, 2);
    assert!(err.contains("revision 99 is not in the history"), "{err}");
}
