//! The spine end to end: the real binary applies KB 813878's ipseccmd lines to a store,
//! and `show --json` proves the resulting objects field by field. Bad input leaves the
//! store byte-identical and exits 2 naming the token.

mod common;

use common::{ipsedit, show_json, tree};
use serde_json::Value;

const INBOUND: &[&str] = &[
    "ipseccmd",
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
];
const OUTBOUND: &[&str] = &[
    "ipseccmd",
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
];

/// The article's line that deletes the Slammer policy and both its rules.
const DELETE_BOTH: &[&str] = &[
    "ipseccmd",
    "-w",
    "REG",
    "-p",
    "Block UDP 1434 Filter",
    "-r",
    "Block Inbound UDP 1434 Rule",
    "-r",
    "Block Outbound UDP 1434 Rule",
    "-o",
];

fn policy<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["policies"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("policy {name} in {v:#}"))
}

fn rule<'a>(p: &'a Value, name: &str) -> &'a Value {
    p["rules"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("rule {name} in {p:#}"))
}

/// Asserts the KB 813878 Slammer policy exactly as the article describes it.
fn assert_slammer_policy(v: &Value) {
    assert_eq!(v["assigned"], "Block UDP 1434 Filter");
    let p = policy(v, "Block UDP 1434 Filter");
    assert_eq!(p["assigned"], true);
    assert_eq!(p["rules"].as_array().map(Vec::len), Some(2));
    let inbound = rule(p, "Block Inbound UDP 1434 Rule");
    let outbound = rule(p, "Block Outbound UDP 1434 Rule");
    for (r, src, dst) in [(inbound, "any", "me"), (outbound, "me", "any")] {
        let filters = r["filter_list"]["filters"].as_array().expect("filters");
        assert_eq!(filters.len(), 1, "{r:#}");
        let f = &filters[0];
        assert_eq!(f["source"]["kind"], src);
        assert_eq!(f["destination"]["kind"], dst);
        assert_eq!(f["protocol"], 17);
        assert_eq!(f["src_port"], 0);
        assert_eq!(f["dst_port"], 1434);
        assert_eq!(f["mirrored"], false);
        assert_eq!(r["filter_action"]["action"], "block");
        assert_eq!(r["active"], true);
    }
    // Each ipseccmd rule has its own list and action (the seed's netdiag shows two
    // different Policy Ids).
    assert_ne!(inbound["filter_list"]["id"], outbound["filter_list"]["id"]);
    assert_ne!(
        inbound["filter_action"]["id"],
        outbound["filter_action"]["id"]
    );
}

#[test]
fn the_articles_lines_as_arguments() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), INBOUND).ok();
    ipsedit(dir.path(), OUTBOUND).ok();
    assert_slammer_policy(&show_json(dir.path()));
}

#[test]
fn the_articles_lines_as_printed_in_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kb813878.txt");
    std::fs::write(
        &script,
        "IPSeccmd.exe -w REG -p \"Block UDP 1434 Filter\" -r \"Block Inbound UDP 1434 Rule\" -f *=0:1434:UDP -n BLOCK -x\r\n\
         IPSeccmd.exe -w REG -p \"Block UDP 1434 Filter\" -r \"Block Outbound UDP 1434 Rule\" -f 0=*:1434:UDP -n BLOCK\r\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    ipsedit(&store, &["ipseccmd", "-file", script.to_str().unwrap()]).ok();
    assert_slammer_policy(&show_json(&store));
}

#[test]
fn typographic_dashes_as_web_pages_print_them() {
    let dir = tempfile::tempdir().unwrap();
    let retyped = |args: &[&str]| -> Vec<String> {
        args.iter()
            .map(|a| a.replacen('-', "\u{2013}", 1))
            .collect()
    };
    let a = retyped(INBOUND);
    let b = retyped(OUTBOUND);
    // The program word is ours, not a dash switch.
    let a: Vec<&str> = std::iter::once("ipseccmd")
        .chain(a[1..].iter().map(String::as_str))
        .collect();
    let b: Vec<&str> = std::iter::once("ipsecpol")
        .chain(b[1..].iter().map(String::as_str))
        .collect();
    assert!(a.contains(&"\u{2013}x"));
    ipsedit(dir.path(), &a).ok();
    ipsedit(dir.path(), &b).ok();
    assert_slammer_policy(&show_json(dir.path()));
}

#[test]
fn x_switches_the_assignment_and_y_unassigns() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), INBOUND).ok();
    ipsedit(
        dir.path(),
        &[
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "Block TCP 80 Filter",
            "-r",
            "Block Inbound TCP 80 Rule",
            "-f",
            "*=0:80:TCP",
            "-n",
            "BLOCK",
            "-x",
        ],
    )
    .ok();
    let v = show_json(dir.path());
    assert_eq!(v["assigned"], "Block TCP 80 Filter");
    assert_eq!(policy(&v, "Block UDP 1434 Filter")["assigned"], false);
    ipsedit(
        dir.path(),
        &["ipseccmd", "-w", "REG", "-p", "Block TCP 80 Filter", "-y"],
    )
    .ok();
    let v = show_json(dir.path());
    assert_eq!(v["assigned"], Value::Null);
    assert_eq!(v["policies"].as_array().map(Vec::len), Some(2));
}

#[test]
fn o_deletes_the_policy_and_its_unshared_objects() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), INBOUND).ok();
    ipsedit(dir.path(), OUTBOUND).ok();
    ipsedit(
        dir.path(),
        &[
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "Keep Me",
            "-r",
            "Other",
            "-f",
            "*=0:445:TCP",
            "-n",
            "BLOCK",
        ],
    )
    .ok();
    ipsedit(dir.path(), DELETE_BOTH).ok();
    let v = show_json(dir.path());
    assert_eq!(v["assigned"], Value::Null);
    let names: Vec<&str> = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Keep Me"]);
    assert_eq!(v["filter_lists"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["filter_actions"].as_array().map(Vec::len), Some(1));
}

#[test]
fn dynamic_rules_block_pass_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(
        dir.path(),
        &["ipseccmd", "-f", "[*=0:1434:UDP]", "(0=192.0.2.7:53:UDP)"],
    )
    .ok();
    let v = show_json(dir.path());
    let dynamic = v["dynamic"].as_array().unwrap();
    assert_eq!(dynamic.len(), 2);
    assert_eq!(dynamic[0]["action"]["action"], "block");
    assert_eq!(dynamic[0]["filter"]["dst_port"], 1434);
    assert_eq!(dynamic[1]["action"]["action"], "permit");
    assert_eq!(dynamic[1]["filter"]["destination"]["text"], "192.0.2.7");
    // Dynamic rules are not static objects.
    assert_eq!(v["policies"].as_array().map(Vec::len), Some(0));
    ipsedit(dir.path(), &["ipseccmd", "-u"]).ok();
    assert_eq!(
        show_json(dir.path())["dynamic"].as_array().map(Vec::len),
        Some(0)
    );
    ipsedit(dir.path(), &["ipseccmd", "-f", "[*=0:1434:UDP]"]).ok();
    let r = ipsedit(dir.path(), &["restart-agent"]);
    r.ok();
    assert!(r.stdout.contains("1 dynamic rule lost"), "{}", r.stdout);
    assert_eq!(
        show_json(dir.path())["dynamic"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn mirrored_and_star_notation() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(
        dir.path(),
        &[
            "ipseccmd",
            "-w",
            "REG",
            "-p",
            "P",
            "-r",
            "R",
            "-f",
            "144.92.*.*+0:23:TCP",
            "-n",
            "BLOCK",
        ],
    )
    .ok();
    let v = show_json(dir.path());
    let f = &rule(policy(&v, "P"), "R")["filter_list"]["filters"][0];
    assert_eq!(f["mirrored"], true);
    assert_eq!(f["source"]["addr"], "144.92.0.0");
    assert_eq!(f["source"]["mask"], "255.255.0.0");
    assert_eq!(f["destination"]["kind"], "me");
    assert_eq!(f["dst_port"], 23);
    assert_eq!(f["protocol"], 6);
}

#[test]
fn dry_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), INBOUND).ok();
    let before = tree(dir.path());
    let r = ipsedit(
        dir.path(),
        &["--dry-run", "ipseccmd", "-w", "REG", "-p", "Other", "-x"],
    );
    r.ok();
    assert!(r.stdout.contains("dry run"), "{}", r.stdout);
    let mut after_flag: Vec<&str> = OUTBOUND.to_vec();
    after_flag.push("--dry-run");
    ipsedit(dir.path(), &after_flag).ok();
    ipsedit(dir.path(), &["--dry-run", "unassign"]).ok();
    ipsedit(dir.path(), &["--dry-run", "restart-agent"]).ok();
    ipsedit(dir.path(), &["--dry-run", "config", "set", "os", "win2000"]).ok();
    assert_eq!(tree(dir.path()), before, "a dry run wrote to the store");
}

/// Each bad line: exit 2, a message quoting the token, the store byte-identical.
#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), INBOUND).ok();
    let before = tree(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "-w",
                "REG",
                "-p",
                "P",
                "-r",
                "R",
                "-f",
                "*0=:1434:UDP",
                "-n",
                "BLOCK",
            ],
            "*0=:1434:UDP",
        ),
        (
            &[
                "-w",
                "REG",
                "-p",
                "P",
                "-r",
                "R",
                "-f",
                "*=0:99999:UDP",
                "-n",
                "BLOCK",
            ],
            "99999",
        ),
        (
            &[
                "-w",
                "REG",
                "-p",
                "P",
                "-r",
                "R",
                "-f",
                "*=0:1434:FOO",
                "-n",
                "BLOCK",
            ],
            "FOO",
        ),
        (
            &[
                "-w",
                "REG",
                "-p",
                "P",
                "-r",
                "R",
                "-f",
                "1.2.3.4/255.0.255.0=0",
                "-n",
                "BLOCK",
            ],
            "255.0.255.0",
        ),
        (&["-w", "REG", "-p", "P", "-q"], "-q"),
        (
            &["-w", "REG", "-r", "R", "-f", "*=0:80:TCP", "-n", "BLOCK"],
            "-w",
        ),
        (&["-w", "REG", "-p", "P", "-r", "R", "-f"], "-f"),
    ];
    for (args, token) in cases {
        let mut full = vec!["ipseccmd"];
        full.extend_from_slice(args);
        let r = ipsedit(dir.path(), &full);
        assert_eq!(r.code, 2, "{args:?} should exit 2; stderr: {}", r.stderr);
        assert!(
            r.stderr.contains(token),
            "{args:?}: message should quote {token:?}: {}",
            r.stderr
        );
        assert_eq!(tree(dir.path()), before, "{args:?} changed the store");
    }
}

#[test]
fn a_bad_line_in_a_script_applies_nothing_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.txt");
    std::fs::write(
        &script,
        "# two good lines, then a bad one\n\
         ipseccmd -w REG -p \"A\" -r \"R1\" -f *=0:80:TCP -n BLOCK -x\n\
         ipseccmd -w REG -p \"A\" -r \"R2\" -f *=0:81:TCP -n BLOCK\n\
         ipseccmd -w REG -p \"A\" -r \"R3\" -f *=0:82:TCB -n BLOCK\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let r = ipsedit(&store, &["ipseccmd", "-file", script.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("script.txt:4"), "{}", r.stderr);
    assert!(r.stderr.contains("TCB"), "{}", r.stderr);
    assert!(
        !store.exists() || tree(&store).is_empty(),
        "nothing may be written"
    );
}

#[test]
fn history_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), INBOUND).ok();
    ipsedit(dir.path(), OUTBOUND).ok();
    let two = show_json(dir.path());
    ipsedit(dir.path(), DELETE_BOTH).ok();
    assert_eq!(
        show_json(dir.path())["policies"].as_array().map(Vec::len),
        Some(0)
    );
    let h = ipsedit(dir.path(), &["history"]);
    h.ok();
    assert!(
        h.stdout.contains("Block Outbound UDP 1434 Rule"),
        "{}",
        h.stdout
    );
    assert!(h.stdout.contains("-o"), "{}", h.stdout);
    ipsedit(dir.path(), &["restore", "2"]).ok();
    assert_eq!(show_json(dir.path()), two);
    let r = ipsedit(dir.path(), &["restore", "99"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("99"), "{}", r.stderr);
}

#[test]
fn config_round_trip_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), &["config", "set", "os", "winxp-sp1"]).ok();
    ipsedit(dir.path(), &["config", "set", "no-default-exempt", "1"]).ok();
    ipsedit(
        dir.path(),
        &["config", "set", "me", "192.168.1.1/24,10.10.1.2/24"],
    )
    .ok();
    let r = ipsedit(dir.path(), &["config", "show", "--json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["profile"], "winxp-sp1");
    assert_eq!(v["no_default_exempt"], 1);
    assert_eq!(
        v["interfaces"],
        serde_json::json!(["192.168.1.1/24", "10.10.1.2/24"])
    );
    let before = tree(dir.path());
    for bad in [
        ["os", "win95"],
        ["no-default-exempt", "7"],
        ["me", "192.168.1.300/24"],
    ] {
        let r = ipsedit(dir.path(), &["config", "set", bad[0], bad[1]]);
        assert_eq!(r.code, 2, "{bad:?}");
        assert!(r.stderr.contains(bad[1]), "{}", r.stderr);
    }
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn assign_and_unassign_by_name() {
    let dir = tempfile::tempdir().unwrap();
    ipsedit(dir.path(), &["ipseccmd", "-w", "REG", "-p", "A"]).ok();
    ipsedit(dir.path(), &["ipseccmd", "-w", "REG", "-p", "B"]).ok();
    ipsedit(dir.path(), &["assign", "A"]).ok();
    assert_eq!(show_json(dir.path())["assigned"], "A");
    let r = ipsedit(dir.path(), &["assign", "B"]);
    r.ok();
    assert!(r.stdout.contains("unassigned policy 'A'"), "{}", r.stdout);
    assert_eq!(show_json(dir.path())["assigned"], "B");
    let r = ipsedit(dir.path(), &["assign", "Nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("'Nope'"), "{}", r.stderr);
    ipsedit(dir.path(), &["unassign"]).ok();
    assert_eq!(show_json(dir.path())["assigned"], Value::Null);
}

/// A RON store (as ipsedit wrote before the database) with one revision per command.
fn ron_store(dir: &std::path::Path, commands: &[&[&str]]) {
    use ipsedit::core::store::{FileStore, SqliteStore, Store};
    let scratch = tempfile::tempdir().expect("tempdir");
    let ron = FileStore::open(dir);
    for (i, c) in commands.iter().enumerate() {
        ipsedit(scratch.path(), c).ok();
        let snap = SqliteStore::open(scratch.path())
            .load()
            .expect("load")
            .snapshot;
        ron.save(i as u64, &snap, &c.join(" ")).expect("save");
    }
}

#[test]
fn a_damaged_store_is_named_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    ron_store(
        dir.path(),
        &[INBOUND, &["config", "set", "os", "winxp-sp1"]],
    );
    let file = dir.path().join("store.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, &text[..text.len() / 2]).unwrap();
    let before = tree(dir.path());
    let r = ipsedit(dir.path(), &["show"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("store.ron:"),
        "names the file: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("ipsedit restore"),
        "says how to recover: {}",
        r.stderr
    );
    let r = ipsedit(dir.path(), OUTBOUND);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(tree(dir.path()), before, "a damaged store was written to");
    // The way out the message gives works.
    let h = ipsedit(dir.path(), &["history"]);
    assert!(
        h.stdout.contains("Block Inbound UDP 1434 Rule"),
        "{}{}",
        h.stdout,
        h.stderr
    );
    ipsedit(dir.path(), &["restore", "1"]).ok();
    assert_eq!(show_json(dir.path())["assigned"], "Block UDP 1434 Filter");
}

#[test]
fn show_format_ipseccmd_lists_exemptions_then_filters_in_table_order() {
    let untouched = common::SamplesUnchanged::take();
    let sample = common::samples().join("kb813878");
    // The store is an empty scratch dir: opening the sample itself as a store would
    // migrate it in place.
    let scratch = tempfile::tempdir().unwrap();
    let r = common::ipsedit_in(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        scratch.path(),
        &[
            "--from",
            sample.to_str().unwrap(),
            "show",
            "--format",
            "ipseccmd",
        ],
    );
    r.ok();
    let heads: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(heads.len(), 21, "{}", r.stdout);
    assert_eq!(heads[0], "[  0] EXEMPT kerberos  outbound PERMIT");
    assert_eq!(heads[18], "[ 18] EXEMPT ipv6  both PERMIT");
    assert_eq!(heads[19], "[ 19] weight 261  inbound BLOCK");
    assert_eq!(heads[20], "[ 20] weight 261  outbound BLOCK");
    let r = ipsedit(scratch.path(), &["show", "--format", "xml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("'xml'"), "{}", r.stderr);
    untouched.check();
}

#[test]
fn an_out_of_range_prefix_in_a_hand_edited_store_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    ron_store(dir.path(), &[&["config", "set", "me", "10.10.1.2/24"]]);
    let file = dir.path().join("store.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().position(|l| l.contains("prefix: 24")).unwrap() + 1;
    std::fs::write(&file, text.replace("prefix: 24", "prefix: 200")).unwrap();
    let r = ipsedit(dir.path(), &["config", "show"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("store.ron:{line}:")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("prefix length 200 is out of range: use 0-32"),
        "{}",
        r.stderr
    );
}
