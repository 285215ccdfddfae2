//! ipseccmd / ipsecpol command lines (docs/domain.md, "Command syntaxes"), applied to a
//! `Snapshot`.
//!
//! Owns reading one command line exactly as an admin would type or paste it (from KB 813878
//! and its web copies) and turning it into model changes. It does no I/O: the CLI loads the
//! store, calls [`apply`] and saves; `-file` and `--dry-run` are the CLI's.
//!
//! Layout: `lexer` (line splitting, program word, dashes and quotes), `args` (switches and
//! their values, filter-spec repair), `spec` (filter specs), `action` (`-n`, `-a`, `-1s`,
//! `-1k`), `apply` (switch combinations and shared rule settings), `policy` (static objects:
//! rules, lists, actions, assignment, `-o`), `dynamic` (dynamic rules, `-u`).
//!
//! # Decisions where docs/domain.md is silent
//!
//! - **Generated names.** Each rule gets its own filter list `"<rule> filters"` and filter
//!   action `"<rule> action"`; when a name is taken (by any list/action in the store), the
//!   first free of `" (2)"`, `" (3)"`, … is appended. Ids are new.
//! - **Rule without `-r`.** In static mode `-f` without `-r` names the rule after its specs
//!   as typed (`"*=0:1434:UDP"`), so running the same line twice replaces rather than
//!   duplicates.
//! - **Replacing a rule** (`-r` names an existing rule, case-insensitively) keeps its
//!   position; its old list and action are deleted unless another rule uses them.
//! - **No `-n`**, or `-n INPASS` alone, gives a negotiating action offering ESP[3DES,SHA1],
//!   ESP[3DES,MD5], ESP[DES,SHA1], ESP[DES,MD5], with a warning. `-soft` on a block or permit
//!   action is ignored with a warning. A PFS group number (`PFS2`) is accepted; the model
//!   keeps only session-key PFS on/off.
//! - **Rekey items** (`3600S/50000K`) apply to the method before them, whether attached
//!   (`ESP[3DES,SHA]3600S`) or separate.
//! - **`-1s`** groups: 1 = 768 bits, 2 = 1024, 3 or 14 = 2048. **`-1k`** `Q` = quick modes
//!   per main mode, `S` = seconds, stored as minutes rounded up (warning when rounded).
//!   **`-1p`** turns master-key PFS on. **`-1e`** (soft SA expiry) is validated and ignored
//!   with a warning: the model has no field for it. **`-1f`** (main-mode filters) is
//!   validated and ignored with a warning: ipsedit derives main-mode filters from the
//!   rule's filters. In dynamic mode `-1s`/`-1k`/`-1p` are ignored with a warning.
//! - **`-confirm`** is accepted with a warning (ipsedit never prompts). `\\computer` and
//!   `show` are refused with a pointer to `ipsedit show`.
//! - **Several `-r`** only make sense with `-o` (they list the rules being deleted; names
//!   not found give a warning). Creating a rule takes one `-r`.
//! - **`-o`**, and **`-y`** without anything that creates, on a policy that does not exist
//!   are errors (a typo must neither look like success nor create an empty policy). `-y` on
//!   a policy that exists but is not assigned is a warning. `-x` on a missing policy creates
//!   it (empty) and assigns it, as `-p` always creates.
//! - **Rule switches without `-f`** (`-r`, `-n`, `-a`, `-t`, `-soft`, `-lan`, `-dialup`) are
//!   errors in static mode: there is no rule to apply them to. `-w REG -p "Name"` alone
//!   creates an empty policy.
//! - **`DEFAULT`** (static mode only) activates the default response rule; `-n` methods and
//!   `-a` methods given with it become its methods and authentication. It must be the only
//!   spec, without `-r`.
//! - **`[spec]` / `(spec)`** are refused in static mode (the rule's one action comes from
//!   `-n`). In dynamic mode a spec identical to an existing dynamic rule's filter replaces
//!   that rule. Dynamic actions are named "Block", "Permit" or "Negotiate".
//! - **A port without TCP/UDP** (no protocol, or e.g. ICMP) is an error. With a single field
//!   after the destination, a number is a port and a name is a protocol (`*=0:ICMP`).
//! - **Address bits outside a mask** and **unresolved DNS names** are kept as written with a
//!   warning (the engine's check reports them); non-contiguous masks are errors.
//! - **Repairs** (typographic dashes, smart quotes, stray spaces in specs) always produce a
//!   warning quoting what was changed.

mod action;
mod apply;
mod args;
mod dynamic;
mod lexer;
mod policy;
mod spec;

use crate::core::model::Snapshot;

pub use lexer::{program_word, split_command_line, strip_program_name};

/// One static-mode filter spec (`*=0:1434:UDP`) as the importer reads it for `-f`, with
/// the importer's warnings; `DEFAULT` and the dynamic `[..]`/`(..)` wrappers are refused.
/// For front ends that take specs one at a time (the TUI's rule wizard).
pub fn parse_filter_spec(
    text: &str,
    host: &crate::core::model::HostContext,
) -> Result<(crate::core::model::Filter, Vec<String>), IpseccmdError> {
    let mut warnings = Vec::new();
    match spec::parse_spec(text.trim(), host, &mut warnings)? {
        spec::Spec::Filter {
            wrap: spec::Wrap::Plain,
            filter,
        } => Ok((filter, warnings)),
        _ => Err(IpseccmdError::new(
            text,
            format!("'{text}' is not a static filter spec"),
            "write SRC=DST[:PORT][:PROTO] (or + for mirrored), e.g. '*=0:1434:UDP'",
        )),
    }
}

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
/// Shown with at most ~40 characters of any long word (a 1 MiB spec is not echoed).
#[error(
    "{}{}{}",
    crate::core::text::shorten_words(.message, 40),
    token_suffix(.token),
    hint_suffix(.hint)
)]
pub struct IpseccmdError {
    pub token: String,
    pub message: String,
    pub hint: String,
}

impl IpseccmdError {
    pub(crate) fn new(token: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        IpseccmdError {
            token: token.to_string(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// An empty token (an empty command line) has nothing to point at.
fn token_suffix(token: &str) -> String {
    if token.is_empty() {
        String::new()
    } else {
        format!(" (at '{}')", crate::core::text::shorten_words(token, 40))
    }
}

fn hint_suffix(h: &str) -> String {
    if h.is_empty() {
        String::new()
    } else {
        format!("\n  fix: {h}")
    }
}

/// Applies one command line (arguments after the program name), as ipseccmd would. All or
/// nothing: on error the snapshot is unchanged.
pub fn apply(snapshot: &mut Snapshot, args: &[String]) -> Result<Outcome, IpseccmdError> {
    apply_as(snapshot, "ipseccmd", args)
}

/// [`apply`] for a named tool (`ipsecpol` or `ipseccmd`): the name only appears in the
/// `origin` of dynamic rules, since both tools share one syntax.
pub fn apply_as(
    snapshot: &mut Snapshot,
    program: &str,
    args: &[String],
) -> Result<Outcome, IpseccmdError> {
    let mut out = Outcome::default();
    let cmd = args::parse(
        args,
        snapshot.host.computer_name.as_deref(),
        &mut out.warnings,
    )?;
    // Work on a copy so an error found half-way cannot leave a partial change behind.
    let mut work = snapshot.clone();
    apply::run(&mut work, &cmd, program, args, &mut out)?;
    *snapshot = work;
    Ok(out)
}
