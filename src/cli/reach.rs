//! `ipsedit reach "PROTO SRC -> DST"`: which rows let some of a header space in.

use super::context::{ContextArgs, print_json};
use super::{CliError, Ctx};
use crate::core::engine::{EffectiveTable, HeaderSpace, reach};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub context: ContextArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// The header space, e.g. "tcp any -> me:445" or "udp 203.0.113.0/24 -> me:1000-2000".
    #[arg(value_name = "SPACE")]
    pub space: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let snapshot = ctx.snapshot()?;
    let (policy, host) = args.context.resolve(&snapshot)?;
    let table = EffectiveTable::build(&snapshot, policy, &host);
    let space = HeaderSpace::parse(&args.space).map_err(|e| CliError::Invalid(e.to_string()))?;
    let items = reach(&table, &space).map_err(|e| CliError::Invalid(e.to_string()))?;
    if args.json {
        return print_json(&serde_json::json!({ "space": args.space, "items": items }));
    }
    if items.is_empty() {
        outln!("nothing in {} gets through", args.space);
    }
    for i in &items {
        let row = i.row.map_or("-".to_string(), |r| r.to_string());
        outln!(
            "row {row:>4} {:<9} {}  e.g. {}",
            i.action.word(),
            i.why,
            i.example
        );
    }
    Ok(())
}
