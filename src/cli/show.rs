//! `ipsedit show`.
use super::{CliError, Ctx};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show only this policy.
    pub policy: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_ctx: &Ctx, _args: Args) -> Result<(), CliError> {
    Ok(())
}
