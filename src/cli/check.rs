//! `ipsedit check` (issue 3). Stub until the engine lands.

use super::{CliError, Ctx};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments (not implemented yet).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

pub fn run(_ctx: &Ctx, _args: Args) -> Result<(), CliError> {
    Err(CliError::Failed("'check' is not implemented yet".into()))
}
