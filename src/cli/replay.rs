//! `ipsedit replay FILE [--json] [--against OTHER] [--top N]`: a pcap or pcapng capture
//! against the policy: per-row hits, verdict totals, flows only an exemption lets
//! through, top talkers per verdict, and with `--against` what a proposed policy (a
//! store directory or a file `--from` reads, evaluated for the same host) would newly
//! block or let through. A progress line goes to stderr when stderr is a terminal.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::PathBuf;

use super::context::{ContextArgs, print_json};
use super::{CliError, Ctx};
use crate::core::engine::replay::{DEFAULT_TOP, FlowCount};
use crate::core::engine::{EffectiveTable, Replay, ReplayReport};
use crate::core::interchange::capture::{CaptureReader, replay_into};
use crate::core::text::terminal_safe;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub context: ContextArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// A proposed policy: a store directory, or a netsh or ipseccmd script. Its assigned
    /// policy is evaluated for the same host as the current one.
    #[arg(long, value_name = "OTHER")]
    pub against: Option<PathBuf>,
    /// How many flows each list shows.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TOP)]
    pub top: usize,
    /// The capture: pcap or pcapng (Ethernet, Linux cooked v1/v2, raw IP).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let snapshot = ctx.snapshot()?;
    let (policy, host) = args.context.resolve(&snapshot)?;
    let table = EffectiveTable::build(&snapshot, policy, &host);
    let other = match &args.against {
        Some(path) => {
            let s = super::netsh::load_from(path)?;
            Some(EffectiveTable::build(&s, None, &host))
        }
        None => None,
    };
    let shown = args.file.display().to_string();
    let file = File::open(&args.file)
        .map_err(|e| CliError::Invalid(format!("cannot open capture {shown}: {e}")))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = CaptureReader::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| CliError::Invalid(format!("{shown}: {e}")))?;
    let mut replay = Replay::new(&table, other.as_ref(), args.top.max(1));
    let progress = std::io::stderr().is_terminal();
    replay_into(&mut reader, &mut replay, |frames, bytes| {
        if progress {
            show_progress(frames, bytes, total);
        }
    })
    .map_err(|e| CliError::Invalid(format!("{shown}: {e}")))?;
    if progress {
        eprint!("\r\x1b[K");
    }
    if reader.truncated {
        errln!(
            "ipsedit: {shown}: the capture ends inside frame {}: counted the {} complete frames before it",
            reader.frames() + 1,
            reader.frames()
        );
    }
    let report = replay.report();
    if args.json {
        return print_json(&report);
    }
    print_text(&shown, reader.format, &table, &report);
    Ok(())
}

fn show_progress(frames: u64, bytes: u64, total: u64) {
    let mut e = std::io::stderr().lock();
    let pct = (bytes * 100)
        .checked_div(total)
        .map(|p| format!(" (about {}%)", p.min(100)))
        .unwrap_or_default();
    // Progress is best effort: a closed stderr must not stop the replay.
    let _ = write!(e, "\rreplay: {frames} frames{pct}");
    let _ = e.flush();
}

fn print_text(file: &str, format: &str, table: &EffectiveTable, r: &ReplayReport) {
    let policy = match &r.policy {
        Some(p) => format!("policy '{}'", terminal_safe(p)),
        None => "no assigned policy".into(),
    };
    outln!(
        "replay {} ({format}): {} frames, {} bytes, {policy} on {}",
        terminal_safe(file),
        r.frames,
        r.bytes,
        table.profile
    );
    let v = &r.verdicts;
    let d = &r.decided_by;
    outln!(
        "verdicts: permit {}, block {}, negotiate {} (decided by an exemption {}, a filter {}, no match {})",
        v.permit,
        v.block,
        v.negotiate,
        d.exemption,
        d.filter,
        d.no_match
    );
    outln!(
        "ipv6 {} (exempt), later fragments {} (classified without ports); skipped: not for this host {}, not IP {}, malformed {}",
        r.ipv6,
        r.later_fragments,
        r.skipped.not_for_this_host,
        r.skipped.not_ip,
        r.skipped.malformed
    );
    outln!("rows hit:");
    for h in &r.rows {
        outln!(
            "  row {:>5} {:<9} {:>10} packets {:>12} bytes  {}",
            h.row,
            h.action.word(),
            h.packets,
            h.bytes,
            terminal_safe(&h.origin)
        );
    }
    if !r.exemption_only.is_empty() {
        outln!("let through only by an exemption (F101 seen in traffic):");
        for f in &r.exemption_only {
            let blocked_by = f
                .other_row
                .map(|i| {
                    format!(
                        "; row {i} would {}",
                        table.rows.get(i).map_or("act", |r| r.action.word())
                    )
                })
                .unwrap_or_default();
            outln!("  {}{blocked_by}", flow_line(f));
        }
    }
    for (word, list) in [
        ("permit", &r.top_talkers.permit),
        ("block", &r.top_talkers.block),
        ("negotiate", &r.top_talkers.negotiate),
    ] {
        if !list.is_empty() {
            outln!("top talkers, {word}:");
            for f in list {
                outln!("  {}", flow_line(f));
            }
        }
    }
    if let Some(a) = &r.against {
        outln!(
            "against {}: newly blocked {} packets, newly let through {}, permit/negotiate changes {}",
            a.policy
                .as_deref()
                .map_or("no assigned policy".into(), |p| format!(
                    "'{}'",
                    terminal_safe(p)
                )),
            a.newly_blocked_packets,
            a.newly_let_through_packets,
            a.other_changes
        );
        for (word, list) in [
            ("newly blocked", &a.newly_blocked),
            ("newly let through", &a.newly_let_through),
        ] {
            for f in list {
                outln!("  {word}: {}", flow_line(f));
            }
        }
    }
}

fn flow_line(f: &FlowCount) -> String {
    let count = if f.error > 0 {
        format!("{}..{} packets", f.packets, f.packets + f.error)
    } else {
        format!("{} packets", f.packets)
    };
    let row = f.row.map_or("no match".into(), |r| format!("row {r}"));
    format!("{}  {count}, {} bytes ({row})", f.flow, f.bytes)
}
