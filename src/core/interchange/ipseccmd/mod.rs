//! ipseccmd / ipsecpol command lines (DOMAIN.md §4), applied to a `Snapshot`.
//! (Stub: the implementation lands with issue 2.)

use crate::core::model::Snapshot;

/// What applying one command line did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Repairs made to the input ("stray space in filter spec '*=0: 1434: UDP' removed").
    pub warnings: Vec<String>,
    /// One line per change, in the admin's words ("created policy 'Block UDP 1434 Filter'").
    pub changes: Vec<String>,
}

/// An invalid command line: names the offending token and how to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at '{token}'){}", hint_suffix(.hint))]
pub struct IpseccmdError {
    pub token: String,
    pub message: String,
    pub hint: String,
}

fn hint_suffix(h: &str) -> String {
    if h.is_empty() {
        String::new()
    } else {
        format!("\n  fix: {h}")
    }
}

/// Applies one command line (arguments after the program name). All or nothing: on error
/// the snapshot is unchanged.
pub fn apply(snapshot: &mut Snapshot, args: &[String]) -> Result<Outcome, IpseccmdError> {
    let _ = (snapshot, args);
    Err(IpseccmdError {
        token: String::new(),
        message: "not implemented yet".into(),
        hint: String::new(),
    })
}

/// Splits one line of a script into arguments as the Windows command line would (double
/// quotes group, smart quotes count as quotes).
pub fn split_command_line(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}
