//! The lab's namespaces: a private network and mount namespace (the process re-executes
//! itself under `unshare -nm`, mounts its own /run), inside it two network namespaces,
//! `host` and `peer`, joined by one veth (`vh` in host, `vp` in peer) carrying only
//! 198.51.100.0/24, multicast and broadcast. Nothing leaves: the veth is the only link,
//! there is no default route, and everything vanishes with the process, even after a crash.
//!
//! Also the kernel's counters: nft rule counters (JSON from `nft -j`) and xfrm statistics
//! (`/proc/thread-self/net/xfrm_stat`), read from a thread that entered the namespace.

use std::fs::File;
use std::net::Ipv4Addr;
use std::process::Command;

use nix::sched::{CloneFlags, setns};

use crate::cli::CliError;
use crate::core::enforce::map::{LAB_HOST, LAB_PEER, LAB_PREFIX};

pub const HOST_NS: &str = "host";
pub const PEER_NS: &str = "peer";
pub const HOST_DEV: &str = "vh";
pub const PEER_DEV: &str = "vp";

fn failed(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Failed(format!("lab: {what}: {e}"))
}

/// Runs `f` on a thread that entered network namespace `name`; sockets it opens stay in
/// that namespace, processes it spawns start there.
pub fn in_netns<T: Send>(
    name: &str,
    f: impl FnOnce() -> Result<T, CliError> + Send,
) -> Result<T, CliError> {
    let path = format!("/run/netns/{name}");
    std::thread::scope(|s| {
        s.spawn(|| {
            let fd = File::open(&path).map_err(|e| failed(&path, e))?;
            setns(&fd, CloneFlags::CLONE_NEWNET).map_err(|e| failed("setns", e))?;
            f()
        })
        .join()
        .map_err(|_| CliError::Failed("lab: a namespace thread panicked".into()))?
    })
}

fn ip(args: &[&str]) -> Result<(), CliError> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| failed("cannot run ip (apt-get install iproute2)", e))?;
    if !out.status.success() {
        return Err(failed(
            &format!("ip {}", args.join(" ")),
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(())
}

fn write_sysctl(path: &str, value: &str) -> Result<(), CliError> {
    std::fs::write(path, value).map_err(|e| failed(path, e))
}

/// Mounts a private /run (we are inside `unshare -nm`, so nothing shows on the host).
pub fn private_run() -> Result<(), CliError> {
    use nix::mount::{MsFlags, mount};
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| failed("make mounts private", e))?;
    mount(
        Some("tmpfs"),
        "/run",
        Some("tmpfs"),
        MsFlags::empty(),
        Some("mode=0755"),
    )
    .map_err(|e| failed("mount a private /run", e))?;
    std::fs::create_dir_all("/run/netns").map_err(|e| failed("/run/netns", e))
}

/// Builds host and peer; `peer_addrs` are the extra lab addresses the peer plays.
pub fn build(peer_addrs: &[Ipv4Addr]) -> Result<(), CliError> {
    ip(&["netns", "add", HOST_NS])?;
    ip(&["netns", "add", PEER_NS])?;
    for ns in [HOST_NS, PEER_NS] {
        in_netns(ns, || {
            // No IPv6 chatter (router solicitations, MLD) in the lab.
            write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1")?;
            write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1")
        })?;
    }
    ip(&[
        "link", "add", HOST_DEV, "netns", HOST_NS, "type", "veth", "peer", "name", PEER_DEV,
        "netns", PEER_NS,
    ])?;
    let host = format!("{LAB_HOST}/{LAB_PREFIX}");
    let peer = format!("{LAB_PEER}/{LAB_PREFIX}");
    ip(&["-n", HOST_NS, "addr", "add", &host, "dev", HOST_DEV])?;
    ip(&["-n", PEER_NS, "addr", "add", &peer, "dev", PEER_DEV])?;
    for a in peer_addrs {
        ip(&[
            "-n",
            PEER_NS,
            "addr",
            "add",
            &format!("{a}/32"),
            "dev",
            PEER_DEV,
        ])?;
    }
    for (ns, dev) in [(HOST_NS, HOST_DEV), (PEER_NS, PEER_DEV)] {
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
        ip(&["-n", ns, "link", "set", dev, "up"])?;
        ip(&["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev])?;
    }
    // The peer never answers on its own (no RST, no ICMP errors): only probes count.
    in_netns(PEER_NS, || {
        crate::cli::apply::tool(
            None,
            "nft",
            &["-f", "-"],
            "table inet labpeer {\n\tchain out {\n\t\ttype filter hook output priority filter; policy accept;\n\t\ticmp type != echo-request drop\n\t\ttcp flags & rst == rst drop\n\t}\n}\n",
        )
        .map(|_| ())
    })
}

/// One nft rule's counter: its comment, packets and verdict word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub comment: String,
    pub packets: u64,
    /// "accept", "drop" or "goto".
    pub verdict: String,
}

/// The counters of `chain` in table inet ipsedit (run inside the namespace).
pub fn nft_counters(chain: &str) -> Result<Vec<Counter>, CliError> {
    let out = crate::cli::apply::tool(
        None,
        "nft",
        &["-j", "list", "chain", "inet", "ipsedit", chain],
        "",
    )?;
    let v: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| failed("nft -j output", e))?;
    let mut counters = Vec::new();
    for item in v["nftables"].as_array().into_iter().flatten() {
        let Some(rule) = item.get("rule") else {
            continue;
        };
        let comment = rule["comment"].as_str().unwrap_or("").to_string();
        let mut packets = None;
        let mut verdict = String::new();
        for e in rule["expr"].as_array().into_iter().flatten() {
            if let Some(c) = e.get("counter") {
                packets = c["packets"].as_u64();
            }
            for w in ["accept", "drop", "goto"] {
                if e.get(w).is_some() {
                    verdict = w.to_string();
                }
            }
        }
        if let Some(packets) = packets {
            counters.push(Counter {
                comment,
                packets,
                verdict,
            });
        }
    }
    Ok(counters)
}

/// The sum of the inbound xfrm error counters (policy block, template mismatch, no
/// state...) of the current thread's namespace.
pub fn xfrm_in_errors() -> Result<u64, CliError> {
    xfrm_errors("XfrmIn")
}

/// The same for outbound (policy block, no state: a negotiate row with no SA sends into
/// a blackhole, and only this counter tells).
pub fn xfrm_out_errors() -> Result<u64, CliError> {
    xfrm_errors("XfrmOut")
}

fn xfrm_errors(prefix: &str) -> Result<u64, CliError> {
    let text = std::fs::read_to_string("/proc/thread-self/net/xfrm_stat")
        .map_err(|e| failed("xfrm_stat", e))?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum())
}
