//! `ipsedit check`: diagnostics and findings; exit 1 when there are errors.

use super::context::{ContextArgs, print_json};
use super::{CliError, Ctx};
use crate::core::engine::{EffectiveTable, Severity, check_with_table};

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
    let report = check_with_table(&snapshot, &table);
    if args.json {
        print_json(&report)?;
    } else {
        for (sev, title) in [
            (Severity::Error, "errors"),
            (Severity::Warning, "warnings"),
            (Severity::Finding, "findings"),
        ] {
            let items: Vec<_> = report.items.iter().filter(|i| i.severity == sev).collect();
            if items.is_empty() {
                continue;
            }
            outln!("{title}:");
            for i in items {
                outln!("  {} {}: {}", i.code, i.path, i.message);
                outln!("       hint: {}", i.hint);
            }
        }
        for o in &report.omitted {
            outln!("  ... and {} more {}", o.count, o.code);
        }
        outln!(
            "{} errors, {} warnings, {} findings",
            report.errors,
            report.warnings,
            report.findings
        );
    }
    if report.has_errors() {
        Err(CliError::Silent)
    } else {
        Ok(())
    }
}
