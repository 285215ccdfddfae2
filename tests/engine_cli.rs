//! The engine's subcommands through the binary, each on a fresh store that holds no
//! policy: what is left is the host context (profile, addresses, NoDefaultExempt) and its
//! exemption rows, enough to pin the JSON contract's keys, the words it uses and the exit
//! codes. Policies from the tracked samples go through the binary in `cli_spine.rs` and
//! `netsh_cli.rs`; the engine itself is tested at the library level (`engine_*.rs`).

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--store")
        .arg(dir.path().join("store"))
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
fn table_json_has_the_contract_keys() {
    let (code, out, _) = run(&[
        "table",
        "--os",
        "winxp-sp1",
        "--me",
        "10.10.1.2/24",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["profile"], "winxp-sp1");
    assert_eq!(v["no_default_exempt"]["value"], 0);
    assert_eq!(v["no_default_exempt"]["source"], "default");
    let row = &v["rows"][1];
    assert_eq!(row["index"], 1);
    assert_eq!(row["weight"], serde_json::Value::Null);
    assert_eq!(row["direction"], "inbound");
    assert_eq!(row["src"], "0.0.0.0/0");
    assert_eq!(row["dst"], "10.10.1.2/32");
    assert_eq!(row["protocol"], 17);
    assert_eq!(row["src_port"], 88);
    assert_eq!(row["dst_port"], 0);
    assert_eq!(row["action"], "permit");
    assert_eq!(row["origin"]["kind"], "exemption");
    assert_eq!(row["origin"]["exemption"], "kerberos");
    assert_eq!(row["origin"]["filter_index"], serde_json::Value::Null);
}

#[test]
fn ignored_value_says_ignored() {
    let (code, out, _) = run(&[
        "table",
        "--os",
        "winxp",
        "--no-default-exempt",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["no_default_exempt"]["source"], "ignored");
}

#[test]
fn explain_json_and_refusals() {
    let (code, out, _) = run(&[
        "explain",
        "--os",
        "winxp-sp1",
        "--me",
        "10.10.1.2/24",
        "--peer",
        "plain",
        "--json",
        "tcp 203.0.113.9:88 -> me:445",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["verdict"], "permit");
    assert_eq!(v["decided_by"], "exemption");
    assert_eq!(v["exemption"], "kerberos");
    assert_eq!(v["row"], 5);
    assert_eq!(v["outcome"], "clear");
    assert_eq!(v["trail"][0]["result"], "decided");

    let (code, _, err) = run(&[
        "explain",
        "--me",
        "10.10.1.2/24",
        "tcp 1.2.3.4 -> 5.6.7.8:80",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("neither from nor to this host"), "{err}");
    let (code, _, err) = run(&["explain", "--me", "10.10.1.2/24", "tpc me -> 5.6.7.8"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"tpc\""), "{err}");
    let (code, _, err) = run(&["explain", "--os", "winxp-sp9", "tcp me -> 5.6.7.8"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"winxp-sp9\""), "{err}");
    let (code, _, err) = run(&["table", "--me", "10.10.1/24"]);
    assert_eq!(code, 2);
    assert!(err.contains("'10.10.1/24'"), "{err}");
    let (code, _, err) = run(&["table", "--no-default-exempt", "yes"]);
    assert_eq!(code, 2);
    assert!(err.contains("'yes'"), "{err}");
    let (code, _, err) = run(&["table", "--policy", "Nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no policy named 'Nope'"), "{err}");
}

#[test]
fn check_json_counts() {
    let (code, out, _) = run(&[
        "check",
        "--os",
        "winxp-sp1",
        "--no-default-exempt",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 1);
    assert_eq!(v["items"][0]["code"], "W001");
    assert_eq!(v["items"][0]["severity"], "warning");
    assert_eq!(v["items"][0]["path"], "host/no-default-exempt");
}

#[test]
fn reach_text_and_bad_space() {
    let (code, out, _) = run(&[
        "reach",
        "--os",
        "winxp-sp1",
        "--me",
        "10.10.1.2/24",
        "tcp any -> me:445",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("e.g. tcp 203.0.113.9:88 -> 10.10.1.2:445"),
        "{out}"
    );
    let (code, _, err) = run(&["reach", "--me", "10.10.1.2/24", "tcp any => me"]);
    assert_eq!(code, 2);
    assert!(err.contains("tcp any => me"), "{err}");
}
