//! `ipsedit export netsh|ipseccmd|reg|ron [--policy NAME] [FILE | -o FILE]`: a script that
//! recreates the store (or one policy with the filter lists and actions it uses). The
//! export goes to stdout, or to FILE: written to a temporary file in FILE's directory
//! (created exclusively, never through a link, 0600) and renamed over FILE, so exporting
//! to the same path again works and a reader never sees half a file; a symbolic link at
//! FILE is refused, naming it. What the format cannot say goes to stderr.

use clap::ValueEnum;

use super::{CliError, Ctx};
use crate::core::interchange::{export_ipseccmd, netsh};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A `netsh -f` script (Windows Server 2003); recreates the store exactly (dynamic
    /// rules ipseccmd made: `export ipseccmd`).
    Netsh,
    /// ipseccmd command lines (XP SP2 Support Tools), where ipseccmd can express it.
    Ipseccmd,
    /// A regedit file of Windows' local store (`reg import` takes it): UTF-16LE, CRLF.
    Reg,
    /// The store's RON format (what `--from DIR` and older ipsedit read): the whole
    /// store, exactly, pre-shared keys included.
    Ron,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// netsh or ipseccmd.
    #[arg(value_enum)]
    pub format: Format,
    /// Export only this policy, with the filter lists and filter actions its rules use.
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
    /// Write to this file (atomically, owner-only) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// The same as `-o FILE`.
    #[arg(value_name = "FILE", conflicts_with = "output")]
    pub file: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<(), CliError> {
    let target = a.file.clone().or_else(|| a.output.clone());
    let loaded = ctx.load()?;
    let snap = loaded.snapshot;
    if a.format == Format::Reg {
        let policy = match &a.policy {
            None => None,
            Some(n) => Some(
                snap.policy_named(n)
                    .ok_or_else(|| {
                        CliError::Invalid(format!(
                            "no policy named '{n}'; the store has: {}",
                            super::admin::name_list(snap.policies.iter().map(|p| p.name.as_str()))
                        ))
                    })?
                    .id,
            ),
        };
        for w in super::reg::export(&snap, policy, target.as_deref())? {
            errln!("ipsedit: export: warning: {w}");
        }
        secrets_note(&snap, target.as_deref());
        return Ok(());
    }
    let (script, warnings) = match a.format {
        Format::Ron => {
            if a.policy.is_some() {
                return Err(CliError::Invalid(
                    "export ron writes the whole store: drop --policy".into(),
                ));
            }
            let text = crate::core::store::export_ron(&snap, loaded.revision)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            (text, Vec::new())
        }
        Format::Netsh => {
            let e = netsh::export_script(&snap, a.policy.as_deref()).map_err(|e| match e {
                netsh::ExportError::NoSuchPolicy(n) => CliError::Invalid(format!(
                    "no policy named '{n}'; the store has: {}",
                    super::admin::name_list(snap.policies.iter().map(|p| p.name.as_str()))
                )),
                netsh::ExportError::Inexpressible(m) => CliError::Failed(m),
            })?;
            (e.script, e.warnings)
        }
        // Handled above.
        Format::Reg => (String::new(), Vec::new()),
        Format::Ipseccmd => {
            let e = export_ipseccmd::export(&snap, a.policy.as_deref()).map_err(|n| {
                CliError::Invalid(format!(
                    "no policy named '{n}'; the store has: {}",
                    super::admin::name_list(snap.policies.iter().map(|p| p.name.as_str()))
                ))
            })?;
            (e.script, e.lost)
        }
    };
    match &target {
        Some(path) => super::reg::write_private(path, script.as_bytes())?,
        None => super::output::stdout_script(&script),
    }
    secrets_note(&snap, target.as_deref());
    for w in warnings {
        errln!("ipsedit: export: {w}");
    }
    Ok(())
}

/// Says on stderr that the export holds pre-shared keys, when it does.
fn secrets_note(snap: &crate::core::model::Snapshot, target: Option<&std::path::Path>) {
    if !holds_secrets(snap) {
        return;
    }
    match target {
        Some(path) => errln!(
            "ipsedit: export: {} holds pre-shared keys in clear text (it must recreate the \
             store exactly); it was written readable by you only (0600): keep it private",
            path.display()
        ),
        None => errln!(
            "ipsedit: export: this output holds pre-shared keys in clear text (it must recreate \
             the store exactly): keep the file private, e.g. `umask 077` before redirecting"
        ),
    }
}

/// True when any rule or dynamic rule authenticates with a pre-shared key.
fn holds_secrets(snap: &crate::core::model::Snapshot) -> bool {
    use crate::core::model::AuthMethod;
    let psk = |a: &[AuthMethod]| a.iter().any(|m| matches!(m, AuthMethod::Preshared { .. }));
    snap.policies
        .iter()
        .flat_map(|p| &p.rules)
        .any(|r| psk(&r.authentication))
        || snap.dynamic.iter().any(|d| psk(&d.authentication))
}
