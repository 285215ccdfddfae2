//! The terminal UI (issue 4). Thin front end over `core`.

use crate::cli::{CliError, Ctx};

/// Opens the TUI on the context's store.
pub fn run(_ctx: Ctx, _theme: Option<String>) -> Result<(), CliError> {
    Err(CliError::Failed("the TUI is not built yet".into()))
}
