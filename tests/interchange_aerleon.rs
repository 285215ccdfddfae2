//! Scripts from Aerleon's `windows_ipsec` generator (tests/fixtures/aerleon, see its
//! README) import with --continue-on-error: every valid line applies, and each known
//! defect (lists and actions defined twice, rules naming a policy that does not exist)
//! is reported with its line.

mod common;

use std::collections::HashSet;

use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::model::Snapshot;

const FIXTURES: &[(&str, &str)] = &[
    ("slammer.bat", include_str!("fixtures/aerleon/slammer.bat")),
    (
        "web-server.bat",
        include_str!("fixtures/aerleon/web-server.bat"),
    ),
];

/// The defects, found by reading the script independently of the importer: line numbers
/// of re-added lists/actions and of rules whose policy was never added.
fn expected_defects(text: &str) -> (Vec<usize>, Vec<usize>) {
    let (mut seen, mut policies) = (HashSet::new(), HashSet::new());
    let (mut twice, mut no_policy) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let value = |key: &str| {
            words
                .iter()
                .find_map(|w| w.strip_prefix(key))
                .map(str::to_lowercase)
        };
        match words.get(4).copied() {
            Some(kind @ ("filterlist" | "filteraction")) => {
                if let Some(n) = value("name=")
                    && !seen.insert((kind, n))
                {
                    twice.push(i + 1);
                }
            }
            Some("policy") => {
                policies.extend(value("name="));
            }
            Some("rule") if !value("policy=").is_some_and(|p| policies.contains(&p)) => {
                no_policy.push(i + 1);
            }
            _ => {}
        }
    }
    (twice, no_policy)
}

#[test]
fn aerleon_scripts_import_what_is_valid_and_name_each_defect() {
    for (name, text) in FIXTURES {
        let (twice, no_policy) = expected_defects(text);
        assert!(
            !twice.is_empty() && !no_policy.is_empty(),
            "{name}: the fixture shows its defects"
        );
        let mut snap = Snapshot::default();
        let report = apply_script(&mut snap, text, Mode::ContinueOnError);
        let mut failed: Vec<usize> = report.errors.iter().map(|e| e.line).collect();
        failed.sort();
        let mut expected: Vec<usize> = twice.iter().chain(&no_policy).copied().collect();
        expected.sort();
        assert_eq!(failed, expected, "{name}: {:#?}", report.errors);
        for e in &report.errors {
            if twice.contains(&e.line) {
                assert!(e.message.contains("already exists"), "{name}: {e}");
            } else {
                assert!(e.message.starts_with("no policy named"), "{name}: {e}");
                assert!(e.hint.starts_with("did you mean '"), "{name}: {e}");
            }
        }
        // Everything valid was applied: each policy, each list and action once, every
        // filter line, and the last assignment.
        let count = |what: &str| text.lines().filter(|l| l.contains(what)).count();
        assert_eq!(snap.policies.len(), count("static add policy "), "{name}");
        let filters: usize = snap.filter_lists.iter().map(|l| l.filters.len()).sum();
        assert_eq!(filters, count("static add filter "), "{name}");
        let distinct = |kind: &str| {
            text.lines()
                .filter(|l| l.contains(&format!("static add {kind} name=")))
                .filter_map(|l| l.split_whitespace().nth(5))
                .collect::<HashSet<_>>()
                .len()
        };
        assert_eq!(snap.filter_lists.len(), distinct("filterlist"), "{name}");
        assert_eq!(
            snap.filter_actions.len(),
            distinct("filteraction"),
            "{name}"
        );
        assert!(snap.assigned.is_some(), "{name}");
    }
}

#[test]
fn the_cli_reports_file_line_and_exits_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("store");
    let r = common::ipsedit(
        &store,
        &[
            "netsh",
            "--continue-on-error",
            "-f",
            "tests/fixtures/aerleon/web-server.bat",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("tests/fixtures/aerleon/web-server.bat:15:58: no policy named 'web-inbound'"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean 'web-inbound-policy'?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(":13:40: a filter list named 'w_allow-web-list' already exists")
    );
    let shown = common::ipsedit(&store, &["show"]);
    assert!(
        shown
            .stdout
            .contains("policy 'web-outbound-policy'  [assigned]"),
        "{}",
        shown.stdout
    );
}
