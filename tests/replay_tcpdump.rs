//! `replay` on captures written by an independent tool: `tcpdump` records UDP traffic
//! inside a network namespace this test creates (loopback only, 198.51.100.2), once on
//! `lo` (Ethernet link type) and once on `any` (Linux cooked capture). The traffic is
//! sent by this test binary itself, run inside the namespace. Needs root, `ip` and
//! `tcpdump`: under CI=true a missing piece fails the test; elsewhere it prints SKIPPED.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ME: &str = "198.51.100.2";
const SENDER_ENV: &str = "IPSEDIT_NETNS_SENDER";

/// Runs only inside the namespace (the outer test starts it with SENDER_ENV set): 10
/// datagrams from port 88 and 3 from port 1025, to port 1434.
#[test]
fn sender_inside_the_namespace() {
    if std::env::var_os(SENDER_ENV).is_none() {
        return;
    }
    println!("sending from {ME}");
    for (port, count) in [(88u16, 10), (1025, 3)] {
        let s = UdpSocket::bind((ME, port)).expect("bind inside the namespace");
        for _ in 0..count {
            s.send_to(b"ipsedit replay probe", (ME, 1434))
                .expect("send");
        }
    }
}

fn skip_or_fail(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("replay_tcpdump cannot run under CI: {why}");
    }
    eprintln!("\n*** SKIPPED replay_tcpdump: {why} ***\n");
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Netns(String);

impl Netns {
    fn exec(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).args(args);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}

fn run_ok(mut c: Command) {
    let out = c.output().expect("run");
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts tcpdump and waits until it listens.
fn tcpdump(ns: &Netns, iface: &str, file: &Path) -> Child {
    let file = file.display().to_string();
    let mut child = ns
        .exec(&[
            "tcpdump",
            "--immediate-mode",
            "-Z",
            "root",
            "-n",
            "-U",
            "-i",
            iface,
            "-w",
            &file,
            "udp",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start tcpdump");
    let stderr = child.stderr.take().expect("tcpdump stderr");
    // `-i any` first names its link type, then says it listens.
    let mut said = String::new();
    let mut lines = BufReader::new(stderr).lines();
    while !said.contains("listening on") {
        match lines.next() {
            Some(Ok(l)) => said.push_str(&l),
            _ => panic!("tcpdump stopped before listening: {said}"),
        }
    }
    child
}

/// Frames in a capture so far, as `replay` counts them.
fn frames(file: &Path) -> u64 {
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .args(["replay", "--me", &format!("{ME}/24"), "--json"])
        .arg(file)
        .env("IPSEDIT_STORE", file.with_extension("store"))
        .output();
    out.ok()
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|v| v["frames"].as_u64())
        .unwrap_or(0)
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn replay_reads_what_tcpdump_wrote_in_a_namespace() {
    if std::env::var_os(SENDER_ENV).is_some() {
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        return skip_or_fail("needs root to create a network namespace");
    }
    for tool in ["ip", "tcpdump"] {
        if !have(tool) {
            return skip_or_fail(&format!("{tool} is not installed (.ci/run installs it)"));
        }
    }
    let ns = Netns(format!("ipsedit-replay-{}", std::process::id()));
    run_ok({
        let mut c = Command::new("ip");
        c.args(["netns", "add", &ns.0]);
        c
    });
    run_ok(ns.exec(&["ip", "link", "set", "lo", "up"]));
    run_ok(ns.exec(&["ip", "addr", "add", &format!("{ME}/24"), "dev", "lo"]));
    let dir = tempfile::tempdir().expect("tempdir");
    let lo_file = dir.path().join("lo.pcap");
    let any_file = dir.path().join("any.pcap");
    let mut lo = tcpdump(&ns, "lo", &lo_file);
    let mut any = tcpdump(&ns, "any", &any_file);
    // "listening" comes a moment before the socket sees every packet on `any`.
    std::thread::sleep(Duration::from_millis(500));
    let exe = std::env::current_exe().expect("test binary");
    let exe = exe.display().to_string();
    let mut sender = ns.exec(&[
        &exe,
        "--exact",
        "sender_inside_the_namespace",
        "--nocapture",
    ]);
    sender.env(SENDER_ENV, "1");
    let out = sender.output().expect("run the sender");
    assert!(
        out.status.success(),
        "sender: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("sender: {}", String::from_utf8_lossy(&out.stdout));
    // tcpdump writes each packet as it sees it; `any` can lag behind `lo`. Stop each
    // once its file holds the 13 datagrams (or after 3 s).
    for (child, file) in [(&mut lo, &lo_file), (&mut any, &any_file)] {
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while frames(file) < 13 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        stop(child);
    }
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/kb811832");
    let store = store.display().to_string();
    for file in [&lo_file, &any_file] {
        let file = file.display().to_string();
        let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
            .args(["--from", &store, "replay", "--os", "winxp-sp1"])
            .args(["--me", &format!("{ME}/24"), "--json", &file])
            .output()
            .expect("run ipsedit");
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        // Loopback traffic may be seen once per direction on `any`: count in units.
        let rows: Vec<(u64, u64)> = r["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|x| {
                (
                    x["row"].as_u64().expect("row"),
                    x["packets"].as_u64().expect("n"),
                )
            })
            .collect();
        // Row 0: the kerberos exemption for this host as source port 88; row 19: the
        // block-all-inbound filter. `lo` sees each datagram once; the `any` socket may
        // lose some to kernel drops under load, so there only the classification of
        // what it caught is exact.
        if file.ends_with("lo.pcap") {
            assert_eq!(rows, [(0, 10), (19, 3)], "{file}: {r:#}");
        } else {
            let total: u64 = rows.iter().map(|(_, n)| n).sum();
            assert_eq!(r["frames"].as_u64(), Some(total), "{file}: {r:#}");
            assert!(
                rows.iter().all(|(row, _)| [0, 19].contains(row)),
                "{file}: {rows:?}"
            );
            assert_eq!(rows.first().map(|x| x.0), Some(0), "{file}: {rows:?}");
        }
        assert_eq!(
            r["exemption_only"][0]["flow"],
            format!("udp {ME}:88 -> {ME}:1434"),
            "{file}"
        );
        assert_eq!(r["exemption_only"][0]["other_row"], 19, "{file}");
        eprintln!("{file}: {} frames replayed", r["frames"]);
    }
}
