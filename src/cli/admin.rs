//! `assign`, `unassign`, `history`, `restore`, `restart-agent`.
use super::{CliError, Ctx};

#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    /// The policy name.
    pub name: String,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The revision to bring back (see `ipsedit history`).
    pub revision: u64,
}

pub fn assign(_ctx: &Ctx, _a: AssignArgs) -> Result<(), CliError> {
    Ok(())
}
pub fn unassign(_ctx: &Ctx) -> Result<(), CliError> {
    Ok(())
}
pub fn history(_ctx: &Ctx) -> Result<(), CliError> {
    Ok(())
}
pub fn restore(_ctx: &Ctx, _a: RestoreArgs) -> Result<(), CliError> {
    Ok(())
}
pub fn restart_agent(_ctx: &Ctx) -> Result<(), CliError> {
    Ok(())
}
