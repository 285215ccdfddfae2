//! The third witness: while a run's probes go out, `tcpdump` (an independent program)
//! records the host's veth inside the lab; afterwards the capture is read back through
//! the capture reader and the replay engine behind `ipsedit replay`, so the kernel,
//! `replay` and `explain` are compared three ways:
//!
//! - every captured probe frame (DSCP CS1; the SYN-ACKs of connection probes included)
//!   is a packet the lab sent (or the kernel's answer to one), and `replay` decides it at the row `explain` names;
//! - every inbound probe is on the wire (tcpdump sees it before the kernel's policy), and
//!   an outbound probe is on the wire exactly when the kernel let it out.
//!
//! Frames carry lab addresses; the probe list maps them back to the policy's own, so the
//! replay runs on the same effective table `explain` reads. Needs `tcpdump`; without it
//! the lab says so and skips only this check.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

use super::net::{HOST_DEV, HOST_NS};
use super::packet::PROBE_TOS;
use super::probe::{Kind, Observed, Probe};
use crate::cli::CliError;
use crate::core::engine::{Classifier, EffectiveTable, Packet, Replay, explain};
use crate::core::interchange::capture::{CaptureReader, Decoded};

type Tuple = (u8, std::net::Ipv4Addr, u16, std::net::Ipv4Addr, u16);

/// Whether `tcpdump` can be run here.
pub fn available() -> bool {
    Command::new("tcpdump")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A running tcpdump on the host's veth, writing probe frames to `path`.
pub struct Tcpdump {
    child: Child,
    _stderr: BufReader<ChildStderr>,
    path: PathBuf,
}

fn failed(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Failed(format!("lab: tcpdump: {what}: {e}"))
}

impl Tcpdump {
    /// Starts tcpdump in the host namespace and waits until it listens.
    pub fn start(path: &Path) -> Result<Tcpdump, CliError> {
        // DSCP CS1 in the TOS byte: only probes (the lab's nft table uses the same mark).
        let filter = format!("ip and ip[1] & 0xfc == {PROBE_TOS:#x}");
        let mut child = Command::new("ip")
            .args(["netns", "exec", HOST_NS, "tcpdump", "-i", HOST_DEV])
            // Each packet handed over and written at once (libpcap otherwise holds a ring
            // block up to a second), numeric, no privilege drop (the file is in root's /run).
            .args([
                "--immediate-mode",
                "-U",
                "-n",
                "-Z",
                "root",
                "-s",
                "256",
                "-w",
            ])
            .arg(path)
            .arg(&filter)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed("cannot start it (apt-get install tcpdump)", e))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| failed("no stderr", "pipe missing"))?;
        let mut stderr = BufReader::new(stderr);
        let mut said = String::new();
        loop {
            let mut line = String::new();
            let n = stderr
                .read_line(&mut line)
                .map_err(|e| failed("reading its messages", e))?;
            if n == 0 {
                let _ = child.wait();
                return Err(failed("it stopped before listening", said.trim()));
            }
            if line.contains("listening on") {
                break;
            }
            said.push_str(&line);
        }
        Ok(Tcpdump {
            child,
            _stderr: stderr,
            path: path.to_path_buf(),
        })
    }

    /// Waits until the capture file stops growing, stops tcpdump, returns the file.
    pub fn stop(mut self) -> Result<PathBuf, CliError> {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        let mut last = size(&self.path);
        let mut still = 0;
        while still < 5 && start.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(40));
            let now = size(&self.path);
            still = if now == last { still + 1 } else { 0 };
            last = now;
        }
        // SIGTERM (tcpdump closes its file); the child is ours, named by its pid.
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .map_err(|e| failed("stop", e))?;
        self.child.wait().map_err(|e| failed("wait", e))?;
        Ok(self.path)
    }
}

/// The outcome of one run's three-way comparison: (passed, line) per check.
pub fn compare(
    table: &EffectiveTable,
    probes: &[(Probe, Observed)],
    capture: &Path,
) -> Result<Vec<(bool, String)>, CliError> {
    // Lab tuple -> the packet as the policy names it. The kernel's own answers to a probe
    // (a SYN-ACK, a RST) reflect its DSCP mark: they are replayed too, as real traffic.
    let rev = |(pr, s, sp, d, dp): Tuple| (pr, d, dp, s, sp);
    let mut names: HashMap<Tuple, Tuple> = HashMap::new();
    for (p, _) in probes {
        names.entry(rev(p.lab)).or_insert(rev(p.packet));
    }
    for (p, _) in probes {
        names.insert(p.lab, p.packet);
    }
    let file = File::open(capture).map_err(|e| failed(&capture.display().to_string(), e))?;
    let mut reader =
        CaptureReader::new(BufReader::new(file)).map_err(|e| failed("reading the capture", e))?;
    let classifier = Classifier::new(table);
    let mut replay = Replay::new(table, None, 10);
    let (mut frames, mut agree, mut unknown) = (0usize, 0usize, 0usize);
    let mut disagreements: Vec<String> = Vec::new();
    let mut on_wire: HashSet<Tuple> = HashSet::new();
    while let Some(frame) = reader.next_frame() {
        let frame = frame.map_err(|e| failed("reading the capture", e))?;
        let Decoded::Ipv4(f) = frame.decoded else {
            continue;
        };
        frames += 1;
        let lab: Tuple = (
            f.protocol,
            f.src.into(),
            f.src_port,
            f.dst.into(),
            f.dst_port,
        );
        on_wire.insert(lab);
        let Some(&(proto, s, sp, d, dp)) = names.get(&lab) else {
            unknown += 1;
            continue;
        };
        let (s32, d32) = (u32::from(s), u32::from(d));
        replay.ipv4(s32, d32, proto, sp, dp, false, frame.wire_len);
        let row = classifier.first_v4(s32, d32, proto, sp, dp);
        let verdict = classifier.action(row);
        let packet = Packet::v4(proto, s, sp, d, dp);
        let said = explain(table, &packet, None)
            .ok()
            .map(|e| (e.row, e.verdict));
        if said == Some((row, verdict)) {
            agree += 1;
        } else if disagreements.len() < 5 {
            disagreements.push(format!(
                "{packet}: replay {} at {row:?}, explain {said:?}",
                verdict.word()
            ));
        }
    }
    let report = replay.report();
    let v = report.verdicts;
    let replay_ok = agree == frames - unknown && unknown == 0 && frames > 0;
    let mut out = vec![(
        replay_ok,
        format!(
            "replay: {frames} probe frames captured by tcpdump, {agree} decided by replay at \
             explain's row with explain's verdict, {unknown} not from a probe (verdicts: \
             permit {}, block {}, negotiate {}){}",
            v.permit,
            v.block,
            v.negotiate,
            if disagreements.is_empty() {
                String::new()
            } else {
                format!("; differ: {}", disagreements.join("; "))
            }
        ),
    )];
    let (mut inbound, mut inbound_seen, mut outbound, mut outbound_ok) = (0, 0, 0, 0);
    let mut wrong: Vec<String> = Vec::new();
    for (p, o) in probes.iter().filter(|(p, _)| p.kind == Kind::Packet) {
        let seen = on_wire.contains(&p.lab);
        if p.inbound {
            inbound += 1;
            inbound_seen += usize::from(seen);
            if !seen && wrong.len() < 5 {
                wrong.push(format!("{} not captured", p.lab_packet()));
            }
        } else {
            outbound += 1;
            if seen == o.delivered {
                outbound_ok += 1;
            } else if wrong.len() < 5 {
                wrong.push(format!(
                    "{}: kernel {}, {}on the wire",
                    p.lab_packet(),
                    if o.delivered { "delivered" } else { "dropped" },
                    if seen { "" } else { "not " }
                ));
            }
        }
    }
    out.push((
        inbound_seen == inbound && outbound_ok == outbound,
        format!(
            "capture: {inbound_seen} of {inbound} inbound probes on the wire; {outbound_ok} of \
             {outbound} outbound probes on the wire exactly when the kernel let them out{}",
            if wrong.is_empty() {
                String::new()
            } else {
                format!("; wrong: {}", wrong.join("; "))
            }
        ),
    ));
    Ok(out)
}
