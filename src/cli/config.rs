//! `ipsedit config`.
use super::{CliError, Ctx};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(trailing_var_arg = true)]
    pub rest: Vec<String>,
}

pub fn run(_ctx: &Ctx, _a: Args) -> Result<(), CliError> {
    Ok(())
}
