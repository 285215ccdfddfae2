//! `ipsedit table`: the effective table in evaluation order, exemption rows labelled.

use super::context::{ContextArgs, print_json};
use super::{CliError, Ctx};
use crate::core::engine::{EffectiveTable, Row, ValueSource};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub context: ContextArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let snapshot = ctx.snapshot()?;
    let (policy, host) = args.context.resolve(&snapshot)?;
    let table = EffectiveTable::build(&snapshot, policy, &host);
    if args.json {
        return print_json(&table);
    }
    out!("{}", render(&table));
    Ok(())
}

/// The text form: a header about the context, then one line per row.
pub fn render(t: &EffectiveTable) -> String {
    let nde = t.no_default_exempt;
    let source = match nde.source {
        ValueSource::Configured => "configured".to_string(),
        ValueSource::Default => "default".to_string(),
        ValueSource::Ignored => format!(
            "configured {} is ignored",
            nde.configured.map(|v| v.to_string()).unwrap_or_default()
        ),
    };
    let mut out = format!(
        "profile {}, NoDefaultExempt {} ({source}), policy {}\n",
        t.profile,
        nde.value,
        t.policy
            .as_ref()
            .map_or("none assigned".to_string(), |p| format!("'{}'", p.name))
    );
    for w in &t.context.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&format!(
        "{:>4} {:>6} {:<8} {:<20} {:<20} {:<5} {:>5} {:>5} {:<9} origin\n",
        "row", "weight", "dir", "source", "destination", "proto", "sport", "dport", "action"
    ));
    for r in &t.rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

fn line(r: &Row) -> String {
    let proto = r.protocol.map_or("any".to_string(), |p| {
        crate::core::model::Protocol(p).to_string()
    });
    let port = |p: u16| {
        if p == 0 {
            "any".to_string()
        } else {
            p.to_string()
        }
    };
    format!(
        "{:>4} {:>6} {:<8} {:<20} {:<20} {:<5} {:>5} {:>5} {:<9} {}",
        r.index,
        r.weight.map_or("exempt".to_string(), |w| w.to_string()),
        r.direction.word(),
        r.src.to_string(),
        r.dst.to_string(),
        proto,
        port(r.src_port),
        port(r.dst_port),
        r.action.word(),
        r.origin.describe()
    )
}
