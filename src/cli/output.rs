//! Everything the CLI prints goes through here: stored text is escaped for the terminal
//! (`core::text::output_safe`, `json_safe` for JSON), and a closed output (`ipsedit reach
//! ... | head`) ends the process quietly instead of panicking. Owns no formatting.

use std::io::{IsTerminal, Write};

use crate::core::text::{json_safe, output_safe};

/// Exit status when stdout was closed early: 128 + SIGPIPE, what a shell shows for a
/// program a pipe stopped; nothing is printed.
const CLOSED_PIPE_EXIT: i32 = 141;

fn write_or_exit(mut out: impl Write, text: &str) {
    let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(CLOSED_PIPE_EXIT);
        }
        // Another write error (a full disk behind a redirect): say so once, on stderr.
        let _ = writeln!(std::io::stderr(), "ipsedit: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// Prints a report (or a line) on stdout, escaped.
pub fn stdout(text: &str) {
    write_or_exit(std::io::stdout().lock(), &output_safe(text));
}

/// Prints JSON on stdout, escaped so it stays valid JSON.
pub fn stdout_json(text: &str) {
    write_or_exit(std::io::stdout().lock(), &json_safe(text));
}

/// Prints a script that must recreate the store exactly: written as it is into a file or
/// a pipe, escaped only when stdout is a terminal (where raw controls would act).
pub fn stdout_script(text: &str) {
    let out = std::io::stdout();
    if out.is_terminal() {
        write_or_exit(out.lock(), &output_safe(text));
    } else {
        write_or_exit(out.lock(), text);
    }
}

/// Prints a message on stderr, escaped; a closed stderr is ignored.
pub fn stderr(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(output_safe(text).as_bytes());
}
