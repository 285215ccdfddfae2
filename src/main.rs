//! The `ipsedit` binary: parse arguments, hand over to the CLI or the TUI.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ipsedit::cli::Cli::parse();
    ipsedit::cli::run(cli, |ctx, theme| {
        ipsedit::tui::run(ctx.store, theme).map_err(|e| match e {
            ipsedit::tui::TuiError::Invalid(m) => ipsedit::cli::CliError::Invalid(m),
            ipsedit::tui::TuiError::Failed(m) => ipsedit::cli::CliError::Failed(m),
        })
    })
}
