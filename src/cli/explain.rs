//! `ipsedit explain "PROTO SRC -> DST"`: the verdict on one packet, and why.
//! `ipsedit explain --batch`: one packet per line on stdin, one JSON object per line out
//! (the `explain --json` fields); a bad line gives `{"line", "input", "error"}` and the
//! run goes on; exit 1 at the end when any line was bad. Blank lines and `#` comments
//! are skipped (they still count for line numbers).

use std::io::{BufRead, Write};

use super::context::{ContextArgs, print_json};
use super::{CliError, Ctx};
use crate::core::engine::{EffectiveTable, Outcome, Packet, Peer, TrailResult, explain};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeerArg {
    /// The peer answers IKE.
    Ipsec,
    /// The peer does not speak IPsec.
    Plain,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub context: ContextArgs,
    /// The kind of peer, for negotiate rows (gives `outcome`).
    #[arg(long, value_enum)]
    pub peer: Option<PeerArg>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Read packets from stdin, one per line; write one JSON object per line.
    #[arg(long, conflicts_with_all = ["packet", "json"])]
    pub batch: bool,
    /// The packet: `PROTO SRC -> DST`, e.g. "tcp 203.0.113.9:88 -> me:445".
    #[arg(value_name = "PACKET", required_unless_present = "batch")]
    pub packet: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let snapshot = ctx.snapshot()?;
    let (policy, host) = args.context.resolve(&snapshot)?;
    let table = EffectiveTable::build(&snapshot, policy, &host);
    let peer = args.peer.map(|p| match p {
        PeerArg::Ipsec => Peer::Ipsec,
        PeerArg::Plain => Peer::Plain,
    });
    if args.batch {
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        return batch(&table, peer, stdin.lock(), &mut stdout.lock());
    }
    let text = args.packet.unwrap_or_default();
    let packet = Packet::parse(&text, &table.context.host_addresses)
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let e = explain(&table, &packet, peer).map_err(|e| CliError::Invalid(e.to_string()))?;
    if args.json {
        return print_json(&e);
    }
    outln!("{}", e.summary);
    if let Some(w) = e.weight {
        outln!("  weight {w}, direction {}", e.direction.word());
    }
    if let (Some(o), Some(why)) = (e.outcome, &e.outcome_why) {
        let word = match o {
            Outcome::Clear => "clear",
            Outcome::Secured => "secured",
            Outcome::Dropped => "dropped",
        };
        outln!("  outcome: {word} ({why})");
    }
    for t in &e.trail {
        let tag = match t.result {
            TrailResult::Decided => "decided",
            TrailResult::Lost => "lost",
            TrailResult::NotReached => "not reached",
        };
        outln!("  row {:>4} {:<9} {tag}: {}", t.row, t.action.word(), t.why);
    }
    if let Some(f) = &e.fix {
        outln!("fix: {f}");
    }
    Ok(())
}

/// The error object of a bad line.
#[derive(serde::Serialize)]
struct LineError<'a> {
    line: usize,
    input: &'a str,
    error: String,
}

/// Explains every line of `input` onto `out`, one JSON object per line. Exit 1 (Silent:
/// the error objects already said it) when any line was bad; 1 with a message when
/// reading or writing fails.
pub fn batch(
    table: &EffectiveTable,
    peer: Option<Peer>,
    input: impl BufRead,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Failed(format!("explain --batch: {e}"));
    let mut bad = 0usize;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(io)?;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let result = Packet::parse(text, &table.context.host_addresses)
            .and_then(|p| explain(table, &p, peer));
        let json = match result {
            Ok(e) => serde_json::to_string(&e),
            Err(e) => {
                bad += 1;
                serde_json::to_string(&LineError {
                    line: i + 1,
                    input: text,
                    error: e.to_string(),
                })
            }
        }
        .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
        writeln!(out, "{json}").map_err(io)?;
        out.flush().map_err(io)?;
    }
    if bad > 0 {
        errln!("ipsedit: explain --batch: {bad} bad line(s), each reported as an error object");
        return Err(CliError::Silent);
    }
    Ok(())
}
