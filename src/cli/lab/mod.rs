//! `ipsedit lab [--scenario kb811832] [--backend xfrm|nft] [--random N --seed S]`: run the
//! effective table on a real Linux kernel and check every verdict against `explain`.
//!
//! The command re-executes itself under `unshare -nm` (a private network and mount
//! namespace with its own /run), builds two network namespaces joined by a veth
//! (`net`), maps the policy's addresses into 198.51.100.0/24 (`core::enforce::map`),
//! loads the table into the host namespace with each backend in turn (`apply`), sends
//! probes (`plan`, `probe`) and prints one line per probe and `N passed, N failed`.
//! Needs root; never touches a namespace it did not create.

mod capture;
mod net;
mod packet;
mod plan;
mod probe;

use std::path::Path;

use super::apply::{self, Backend};
use super::context::ContextArgs;
use super::{CliError, Ctx};
use crate::core::enforce::map::AddressMap;
use crate::core::enforce::{self as enforce_core, nft, xfrm};
use crate::core::engine::{EffectiveTable, Outcome, Packet, Peer, explain};
use crate::core::model::Snapshot;
use probe::{Kind, Probe};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// KB 811832: the block-all-inbound policy on winxp-sp1; a TCP connection from source
    /// port 88 gets through with NoDefaultExempt 0, not with 1.
    Kb811832,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub context: ContextArgs,
    /// Run a built-in scenario instead of the store's policy.
    #[arg(long, value_enum)]
    pub scenario: Option<Scenario>,
    /// One backend only (default: both, xfrm then nft).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Also send N random packets (documentation addresses only).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub random: usize,
    /// Seed for --random.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
}

const INNER: &str = "IPSEDIT_LAB_INNER";
const KB811832: &str = include_str!("../../../samples/kb811832.netsh");

/// One policy run: a title, the table, its address map and its probes.
struct Run {
    title: String,
    table: EffectiveTable,
    map: AddressMap,
    probes: Vec<Probe>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let runs = plan_runs(ctx, &args)?;
    if !apply::is_root() {
        return Err(CliError::Failed(
            "the lab needs root: it builds network namespaces and loads kernel policies \
             (run it with sudo; nothing leaves the namespaces it creates)"
                .into(),
        ));
    }
    if std::env::var_os(INNER).is_none() {
        return reexec();
    }
    net::private_run()?;
    let mut peers: Vec<std::net::Ipv4Addr> =
        runs.iter().flat_map(|r| r.map.peer_addresses()).collect();
    peers.sort_unstable();
    peers.dedup();
    net::build(&peers)?;
    let all: Vec<Probe> = runs.iter().flat_map(|r| r.probes.clone()).collect();
    let sockets = probe::open(&plan::protocols(&all))?;
    let backends = match args.backend {
        Some(b) => vec![b],
        None => vec![Backend::Xfrm, Backend::Nft],
    };
    let dir = Path::new("/run/ipsedit");
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut tally = |ok: bool| {
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    };
    let mut story: Vec<(String, bool)> = Vec::new();
    let tcpdump = capture::available();
    if !tcpdump {
        outln!(
            "note: tcpdump is not installed (apt-get install tcpdump): the three-way check \
             (kernel, replay of a capture, explain) is skipped"
        );
    }
    for backend in &backends {
        for (n, run) in runs.iter().enumerate() {
            outln!("== {} on {}", run.title, backend.word());
            for l in run.map.lines() {
                outln!("   map {l}");
            }
            load(run, *backend, dir)?;
            let recording = if tcpdump {
                let file = dir.join(format!("probes-{}-{n}.pcap", backend.word()));
                Some(capture::Tcpdump::start(&file)?)
            } else {
                None
            };
            let mut seen: Vec<(Probe, probe::Observed)> = Vec::new();
            for p in &run.probes {
                let observed = probe::run(&sockets, *backend, p)?;
                let (delivered, row) = expected(&run.table, p);
                let row_ok = match observed.row {
                    Some(r) => r == row,
                    None => true,
                };
                let ok = observed.delivered == delivered && row_ok;
                tally(ok);
                if p.kind == Kind::Connect && p.packet.2 == 88 {
                    story.push((
                        format!("{} ({})", run.title, backend.word()),
                        observed.delivered,
                    ));
                }
                outln!(
                    "{} {:<4} {:<3} {}{}  [lab {}]: kernel {} ({}); explain {}{}",
                    if ok { "pass" } else { "FAIL" },
                    backend.word(),
                    if p.inbound { "in" } else { "out" },
                    if p.kind == Kind::Connect {
                        "connect "
                    } else {
                        ""
                    },
                    p.original(),
                    p.lab_packet(),
                    word(observed.delivered),
                    observed.how,
                    word(delivered),
                    if p.kind == Kind::Packet {
                        format!(
                            " at {}",
                            row.map_or("no match".to_string(), |r| format!("row {r}"))
                        )
                    } else {
                        String::new()
                    }
                );
                seen.push((p.clone(), observed));
            }
            if let Some(recording) = recording {
                let file = recording.stop()?;
                for (ok, line) in capture::compare(&run.table, &seen, &file)? {
                    tally(ok);
                    outln!(
                        "{} {:<4} {line}",
                        if ok { "pass" } else { "FAIL" },
                        backend.word()
                    );
                }
            }
        }
        apply::remove(*backend, Some(net::HOST_NS), dir, false)?;
        let left = leftover(*backend)?;
        tally(left.is_empty());
        outln!(
            "{} {:<4} unapply: {}",
            if left.is_empty() { "pass" } else { "FAIL" },
            backend.word(),
            if left.is_empty() {
                "nothing of ipsedit's is left".to_string()
            } else {
                format!("left behind: {left}")
            }
        );
    }
    if args.scenario == Some(Scenario::Kb811832) {
        for (title, through) in &story {
            let expect = title.contains("NoDefaultExempt 0");
            let ok = *through == expect;
            tally(ok);
            outln!(
                "{} {title}: the connection from source port 88 {}",
                if ok { "pass" } else { "FAIL" },
                if *through {
                    "got through the block-all-inbound policy"
                } else {
                    "was blocked"
                }
            );
        }
    }
    outln!("{passed} passed, {failed} failed");
    if failed > 0 {
        return Err(CliError::Silent);
    }
    Ok(())
}

fn word(delivered: bool) -> &'static str {
    if delivered { "delivered" } else { "dropped" }
}

/// Re-runs this command inside `unshare -nm`: its own network and mount namespaces.
fn reexec() -> Result<(), CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Failed(format!("lab: cannot find this program: {e}")))?;
    let status = std::process::Command::new("unshare")
        .args(["--net", "--mount", "--propagation", "private", "--"])
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(INNER, "1")
        .status()
        .map_err(|e| CliError::Failed(format!("lab: cannot run unshare (util-linux): {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::Silent)
    }
}

fn plan_runs(ctx: &Ctx, args: &Args) -> Result<Vec<Run>, CliError> {
    let (snapshot, variants): (Snapshot, Vec<(String, Option<String>)>) = match args.scenario {
        Some(Scenario::Kb811832) => (
            super::netsh::load_script("samples/kb811832.netsh", KB811832)?,
            vec![
                ("KB 811832, NoDefaultExempt 0".into(), Some("0".into())),
                ("KB 811832, NoDefaultExempt 1".into(), Some("1".into())),
            ],
        ),
        None => (ctx.snapshot()?, vec![("the policy".into(), None)]),
    };
    let mut runs = Vec::new();
    for (title, nde) in variants {
        let mut c = args.context.clone();
        if nde.is_some() {
            c.no_default_exempt = nde;
        }
        let (policy, host) = c.resolve(&snapshot)?;
        let table = EffectiveTable::build(&snapshot, policy, &host);
        let map = AddressMap::build(&table).map_err(|e| CliError::Invalid(format!("lab: {e}")))?;
        let mut probes = plan::probes(&table, &map, args.random, args.seed);
        if args.scenario.is_some() {
            probes.push(plan::connect(&map, 88));
            probes.push(plan::connect(&map, 1025));
        }
        runs.push(Run {
            title,
            table,
            map,
            probes,
        });
    }
    Ok(runs)
}

/// Loads the run's table into the host namespace (nft: with the lab's probe marker).
fn load(run: &Run, backend: Backend, dir: &Path) -> Result<(), CliError> {
    let rules = enforce_core::rules(&run.table, |n| run.map.net(n));
    match backend {
        Backend::Nft => {
            let text = nft::ruleset(&rules).replace(
                "policy accept;\n",
                "policy accept;\n\t\tip dscp != cs1 accept comment \"lab: not a probe\"\n",
            );
            apply::load_nft(&text, Some(net::HOST_NS), dir)
        }
        Backend::Xfrm => apply::load_xfrm(&xfrm::policies(&rules), Some(net::HOST_NS), dir),
    }
}

/// What `explain` says the kernel should do: delivered or not, and the deciding row.
fn expected(table: &EffectiveTable, p: &Probe) -> (bool, Option<usize>) {
    let leg = |pk: &Packet| {
        explain(table, pk, Some(Peer::Plain))
            .map(|e| (e.outcome == Some(Outcome::Clear), e.row))
            .unwrap_or((false, None))
    };
    let first = leg(&p.original());
    match p.kind {
        Kind::Packet => first,
        Kind::Connect => {
            let (proto, s, sp, d, dp) = p.packet;
            let back = leg(&Packet::v4(proto, d, dp, s, sp));
            (first.0 && back.0, first.1)
        }
    }
}

/// What of ipsedit's is still loaded in the host namespace.
fn leftover(backend: Backend) -> Result<String, CliError> {
    net::in_netns(net::HOST_NS, move || {
        let out = match backend {
            Backend::Nft => apply::tool(None, "nft", &["list", "tables"], "")?,
            Backend::Xfrm => apply::tool(None, "ip", &["xfrm", "policy", "list"], "")?,
        };
        Ok(out
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; "))
    })
}
