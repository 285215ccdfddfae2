//! The `ipsedit` binary: parse arguments, hand over to the CLI or the TUI.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ipsedit::cli::Cli::parse();
    ipsedit::cli::run(cli, ipsedit::tui::run)
}
