//! `explain --batch` through the binary: one JSON object per packet line, the same object
//! `explain --json` prints, error objects for bad lines, exit 1 at the end if any line was
//! bad, 0 otherwise.

use std::io::Write;
use std::process::{Command, Stdio};

const CONTEXT: [&str; 4] = ["--os", "winxp-sp1", "--me", "10.10.1.2/24"];

fn ipsedit(args: &[&str], stdin: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--store")
        .arg(dir.path().join("store"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ipsedit");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn explain_json(packet: &str) -> serde_json::Value {
    let mut args = vec!["explain"];
    args.extend(CONTEXT);
    args.extend(["--json", packet]);
    let (code, out, err) = ipsedit(&args, "");
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("explain --json")
}

#[test]
fn batch_lines_match_explain_json_and_bad_lines_do_not_stop_the_run() {
    let input = "udp 203.0.113.5:88 -> me:1434\n\
                 \n\
                 # a comment\n\
                 tpc me -> 1.2.3.4\n\
                 tcp 198.51.100.9:1025 -> me:445\n\
                 tcp 198.51.100.9 -> 198.51.100.10\n";
    let mut args = vec!["explain"];
    args.extend(CONTEXT);
    args.push("--batch");
    let (code, out, err) = ipsedit(&args, input);
    assert_eq!(code, 1, "a bad line makes the run exit 1: {err}");
    assert!(err.contains("2 bad line(s)"), "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], explain_json("udp 203.0.113.5:88 -> me:1434"));
    assert_eq!(lines[0]["verdict"], "permit");
    assert_eq!(lines[0]["exemption"], "kerberos");
    assert_eq!(lines[1]["line"], 4);
    assert_eq!(lines[1]["input"], "tpc me -> 1.2.3.4");
    assert!(
        lines[1]["error"]
            .as_str()
            .expect("error text")
            .starts_with("unknown protocol \"tpc\"")
    );
    assert_eq!(lines[2], explain_json("tcp 198.51.100.9:1025 -> me:445"));
    assert_eq!(lines[2]["decided_by"], "no-match");
    assert_eq!(lines[3]["line"], 6);
    assert!(
        lines[3]["error"]
            .as_str()
            .expect("error text")
            .contains("neither from nor to this host")
    );
}

#[test]
fn an_all_good_batch_exits_0() {
    let mut args = vec!["explain"];
    args.extend(CONTEXT);
    args.extend(["--batch", "--peer", "plain"]);
    let (code, out, err) = ipsedit(&args, "tcp me:1025 -> 203.0.113.9:80\n");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["packet"], "tcp 10.10.1.2:1025 -> 203.0.113.9:80");
    assert_eq!(v["outcome"], "clear");
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn batch_refuses_a_packet_argument() {
    let mut args = vec!["explain"];
    args.extend(CONTEXT);
    args.extend(["--batch", "tcp me -> 203.0.113.9:80"]);
    let (code, _, err) = ipsedit(&args, "");
    assert_eq!(code, 2, "{err}");
}
