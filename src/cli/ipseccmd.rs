//! `ipsedit ipseccmd` / `ipsecpol`.
use super::{CliError, Ctx};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command line, exactly as ipseccmd would take it.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(_ctx: &Ctx, _tool: &str, _a: Args) -> Result<(), CliError> {
    Ok(())
}
