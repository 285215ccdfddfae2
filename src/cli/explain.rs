//! `ipsedit explain "PROTO SRC -> DST"`: the verdict on one packet, and why.

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
    /// The packet: `PROTO SRC -> DST`, e.g. "tcp 203.0.113.9:88 -> me:445".
    #[arg(value_name = "PACKET")]
    pub packet: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let snapshot = ctx.snapshot()?;
    let (policy, host) = args.context.resolve(&snapshot)?;
    let table = EffectiveTable::build(&snapshot, policy, &host);
    let packet = Packet::parse(&args.packet, &table.context.host_addresses)
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let peer = args.peer.map(|p| match p {
        PeerArg::Ipsec => Peer::Ipsec,
        PeerArg::Plain => Peer::Plain,
    });
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
