//! `ipsedit replay` on captures the tests write (pcap and pcapng; Ethernet, VLAN, Linux
//! cooked v1 and v2, raw IP; IPv6, ARP, fragments, a malformed frame), against the KB
//! 811832 sample store, with exact expected counts; `--against` a proposed policy; bad
//! input; and the KB 811832 attack capture in `samples/`, which this file generates.

mod replay_support;

use std::path::Path;
use std::process::Command;

use pcap_file::DataLink;
use replay_support::*;
use serde_json::{Value, json};

const CONTEXT: [&str; 4] = ["--os", "winxp-sp1", "--me", "10.10.1.2/24"];

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .display()
        .to_string()
}

fn ipsedit(args: &[&str]) -> (i32, String, String) {
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

/// `replay --json` of `capture` against the KB 811832 store.
fn replay(capture: &[u8], extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("capture");
    std::fs::write(&file, capture).expect("write capture");
    let store = sample("kb811832");
    let file = file.display().to_string();
    let mut args = vec!["--from", store.as_str(), "replay"];
    args.extend(CONTEXT);
    args.extend(extra);
    args.extend(["--json", file.as_str()]);
    let (code, out, err) = ipsedit(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("replay --json")
}

const ATTACK: (&str, u16, &str, u16) = ("203.0.113.5", 88, "10.10.1.2", 1434);

/// The IPv4 packets of the main test, in order, with what decides each.
fn packets() -> Vec<Vec<u8>> {
    let (s, sp, d, dp) = ATTACK;
    let mut v: Vec<Vec<u8>> = (0..5).map(|_| ipv4(17, s, sp, d, dp)).collect();
    v.push(ipv4_fragment(s, sp, d, dp, 0)); // first fragment: ports, row 1
    v.push(ipv4_fragment(s, sp, d, dp, 3)); // later fragment: no ports, row 19
    v.extend((0..3).map(|_| ipv4(6, "198.51.100.7", 1025, "10.10.1.2", 445)));
    v
}

fn expected(bytes: u64, frames: u64) -> Value {
    json!({
        "frames": frames,
        "bytes": bytes,
        "verdicts": {"permit": 9, "block": 5, "negotiate": 0},
        "decided_by": {"exemption": 8, "filter": 5, "no_match": 1},
        "ipv6": 2,
        "later_fragments": 1,
        "skipped": {"not_for_this_host": 1, "not_ip": 1, "malformed": 1},
        "rows": [1, 18, 19],
        "hits": [6, 2, 5],
        "exemption_only": [["udp 203.0.113.5:88 -> 10.10.1.2:1434", 6, 0, 1, 19]],
        "block": [
            ["tcp 198.51.100.7:1025 -> 10.10.1.2:445", 3],
            ["udp 198.51.100.7:53 -> 10.10.1.2:53", 1],
            ["udp 203.0.113.5 -> 10.10.1.2", 1],
        ],
        "permit": [
            ["udp 203.0.113.5:88 -> 10.10.1.2:1434", 6],
            ["tcp 10.10.1.2:1025 -> 203.0.113.9:80", 1],
        ],
    })
}

/// The report reduced to what `expected` lists.
fn summary(r: &Value) -> Value {
    let flows = |v: &Value| -> Vec<Value> {
        v.as_array()
            .expect("flow list")
            .iter()
            .map(|f| json!([f["flow"], f["packets"]]))
            .collect()
    };
    json!({
        "frames": r["frames"],
        "bytes": r["bytes"],
        "verdicts": r["verdicts"],
        "decided_by": r["decided_by"],
        "ipv6": r["ipv6"],
        "later_fragments": r["later_fragments"],
        "skipped": r["skipped"],
        "rows": r["rows"].as_array().expect("rows").iter().map(|x| x["row"].clone()).collect::<Vec<_>>(),
        "hits": r["rows"].as_array().expect("rows").iter().map(|x| x["packets"].clone()).collect::<Vec<_>>(),
        "exemption_only": r["exemption_only"].as_array().expect("list").iter()
            .map(|f| json!([f["flow"], f["packets"], f["error"], f["row"], f["other_row"]]))
            .collect::<Vec<_>>(),
        "block": flows(&r["top_talkers"]["block"]),
        "permit": flows(&r["top_talkers"]["permit"]),
    })
}

#[test]
fn ethernet_pcap_with_vlan_ipv6_arp_fragments_and_junk() {
    let mut frames: Vec<Vec<u8>> = packets().iter().map(|p| ethernet(p, None)).collect();
    frames.push(ethernet(
        &ipv4(17, "198.51.100.7", 53, "10.10.1.2", 53),
        Some(5),
    ));
    frames.push(ethernet(&ipv6_tcp(), None));
    frames.push(ethernet(&ipv6_tcp(), Some(7)));
    frames.push(arp());
    frames.push(ethernet(
        &ipv4(17, "198.51.100.1", 53, "198.51.100.2", 53),
        None,
    ));
    frames.push(ethernet(
        &ipv4(6, "10.10.1.2", 1025, "203.0.113.9", 80),
        None,
    ));
    frames.push(ethernet(&[0x45, 0, 0], None));
    let bytes: u64 = frames.iter().map(|f| f.len() as u64).sum();
    let r = replay(&pcap(DataLink::ETHERNET, &frames), &[]);
    assert_eq!(summary(&r), expected(bytes, frames.len() as u64));
    assert_eq!(r["policy"], "Block All Inbound");
    assert_eq!(
        r["rows"][0]["origin"], "the kerberos exemption",
        "{:#}",
        r["rows"]
    );
    assert_eq!(r["rows"][2]["action"], "block");
}

#[test]
fn pcapng_with_cooked_v1_v2_and_raw_ip_interfaces() {
    let links = [DataLink::LINUX_SLL, DataLink::LINUX_SLL2, DataLink::RAW];
    let mut frames: Vec<(u32, Vec<u8>)> = Vec::new();
    for (i, p) in packets().iter().enumerate() {
        let iface = (i % 3) as u32;
        let f = match iface {
            0 => sll(p),
            1 => sll2(p),
            _ => p.clone(),
        };
        frames.push((iface, f));
    }
    frames.push((2, ipv4(17, "198.51.100.7", 53, "10.10.1.2", 53)));
    frames.push((2, ipv6_tcp()));
    frames.push((2, ipv6_tcp()));
    frames.push((0, {
        // ARP in a cooked v1 frame.
        let mut v = vec![0, 0, 0, 1, 0, 6];
        v.extend(MAC_A);
        v.extend([0, 0, 0x08, 0x06]);
        v.extend(&arp()[14..]);
        v
    }));
    frames.push((1, sll2(&ipv4(17, "198.51.100.1", 53, "198.51.100.2", 53))));
    frames.push((2, ipv4(6, "10.10.1.2", 1025, "203.0.113.9", 80)));
    frames.push((2, vec![0x45, 0, 0]));
    let bytes: u64 = frames.iter().map(|(_, f)| f.len() as u64).sum();
    let r = replay(&pcapng(&links, &frames), &[]);
    assert_eq!(summary(&r), expected(bytes, frames.len() as u64));
}

#[test]
fn against_a_proposed_policy_lists_newly_blocked_and_newly_let_through_flows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let proposal = dir.path().join("proposal.netsh");
    std::fs::write(
        &proposal,
        "pushd ipsec static\n\
         add filteraction name=Block action=block\n\
         add filteraction name=Permit action=permit\n\
         add filterlist name=Inbound\n\
         add filter filterlist=Inbound srcaddr=any dstaddr=me mirrored=no\n\
         add filter filterlist=Inbound srcaddr=me dstaddr=any protocol=tcp dstport=80 mirrored=no\n\
         add filterlist name=SMB\n\
         add filter filterlist=SMB srcaddr=198.51.100.0 srcmask=255.255.255.0 dstaddr=me protocol=tcp dstport=445 mirrored=no\n\
         add policy name=Proposal activatedefaultrule=no\n\
         add rule name=Block policy=Proposal filterlist=Inbound filteraction=Block\n\
         add rule name=SMB policy=Proposal filterlist=SMB filteraction=Permit\n\
         set policy name=Proposal assign=yes\n\
         popd\n",
    )
    .expect("write proposal");
    let mut frames: Vec<Vec<u8>> = packets().iter().map(|p| ethernet(p, None)).collect();
    frames.push(ethernet(
        &ipv4(6, "10.10.1.2", 1025, "203.0.113.9", 80),
        None,
    ));
    let proposal = proposal.display().to_string();
    let r = replay(
        &pcap(DataLink::ETHERNET, &frames),
        &["--against", proposal.as_str()],
    );
    let a = &r["against"];
    assert_eq!(a["policy"], "Proposal");
    assert_eq!(a["newly_blocked_packets"], 1);
    assert_eq!(a["newly_let_through_packets"], 3);
    assert_eq!(a["other_changes"], 0);
    assert_eq!(
        a["newly_blocked"][0]["flow"],
        "tcp 10.10.1.2:1025 -> 203.0.113.9:80"
    );
    assert_eq!(
        a["newly_let_through"][0]["flow"],
        "tcp 198.51.100.7:1025 -> 10.10.1.2:445"
    );
    assert_eq!(a["newly_let_through"][0]["packets"], 3);
    // Under the proposal: the attack still passes (the exemption), the later fragment
    // is blocked, SMB is permitted, the outbound web request is blocked.
    assert_eq!(
        a["verdicts"],
        json!({"permit": 9, "block": 2, "negotiate": 0})
    );
}

#[test]
fn text_output_names_rows_and_flows() {
    let frames: Vec<Vec<u8>> = packets().iter().map(|p| ethernet(p, None)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("c.pcap");
    std::fs::write(&file, pcap(DataLink::ETHERNET, &frames)).expect("write");
    let store = sample("kb811832");
    let file = file.display().to_string();
    let mut args = vec!["--from", store.as_str(), "replay"];
    args.extend(CONTEXT);
    args.push(file.as_str());
    let (code, out, err) = ipsedit(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("verdicts: permit 6, block 4, negotiate 0"),
        "{out}"
    );
    assert!(
        out.contains("let through only by an exemption (F101 seen in traffic):\n  udp 203.0.113.5:88 -> 10.10.1.2:1434  6 packets"),
        "{out}"
    );
    assert!(out.contains("; row 19 would block"), "{out}");
}

#[test]
fn bad_captures_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a capture").expect("write");
    let text = text.display().to_string();
    let (code, _, err) = ipsedit(&["replay", "--me", "10.10.1.2/24", text.as_str()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("notes.txt: not a pcap or pcapng capture (the file starts with 6e 6f 74 20)"),
        "{err}"
    );
    let usb = dir.path().join("usb.pcap");
    std::fs::write(&usb, pcap(DataLink::USB_LINUX, &[vec![0; 48]])).expect("write");
    let usb = usb.display().to_string();
    let (code, _, err) = ipsedit(&["replay", "--me", "10.10.1.2/24", usb.as_str()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("frame 1: link type 189 is not supported"),
        "{err}"
    );
    let (code, _, err) = ipsedit(&["replay", "--me", "10.10.1.2/24", "/nonexistent/x.pcap"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot open capture /nonexistent/x.pcap"),
        "{err}"
    );
}

/// The KB 811832 attack for `samples/`: a Slammer-style UDP probe to 1434 from source
/// port 88 (let through by the kerberos exemption), the same probe from port 1025
/// (blocked), and a TCP connection attempt to 445 from port 88 (let through).
fn kb811832_attack() -> Vec<u8> {
    let mut frames = Vec::new();
    for i in 0..20u16 {
        let attacker = format!("203.0.113.{}", 5 + i % 4);
        frames.push(ethernet(&ipv4(17, &attacker, 88, "10.10.1.2", 1434), None));
        frames.push(ethernet(
            &ipv4(17, &attacker, 1025 + i, "10.10.1.2", 1434),
            None,
        ));
    }
    for _ in 0..5 {
        frames.push(ethernet(
            &ipv4(6, "203.0.113.9", 88, "10.10.1.2", 445),
            None,
        ));
    }
    pcap(DataLink::ETHERNET, &frames)
}

#[test]
fn the_kb811832_attack_sample_is_current_and_lights_up_the_kerberos_rows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/kb811832-attack.pcap");
    let bytes = kb811832_attack();
    match std::fs::read(&path) {
        Ok(on_disk) => assert!(
            on_disk == bytes,
            "samples/kb811832-attack.pcap is stale: delete it and run this test to regenerate"
        ),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("samples/kb811832-attack.pcap is missing: run this test locally and commit it")
        }
        Err(_) => std::fs::write(&path, &bytes).expect("write the sample"),
    }
    let r = replay(&bytes, &[]);
    assert_eq!(
        r["verdicts"],
        json!({"permit": 25, "block": 20, "negotiate": 0})
    );
    // Row 1: inbound UDP from port 88; row 5: inbound TCP from port 88; row 19: block.
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
    assert_eq!(rows, [(1, 20), (5, 5), (19, 20)]);
    assert_eq!(r["exemption_only"].as_array().expect("list").len(), 5);
}
