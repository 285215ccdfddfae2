//! Command-line front end: one file per subcommand, each printing text or `--json` from
//! core results. Exit codes: 0 success; 1 the operation failed (I/O, a conflicting writer,
//! or `check` found errors); 2 the input was invalid.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::core::model::Snapshot;
use crate::core::store::{Loaded, MemoryStore, Migration, SqliteStore, Store, StoreError};

/// `outln!` for the CLI: escaped, quiet on a closed pipe (see `output`).
macro_rules! outln {
    () => { $crate::cli::output::stdout("\n") };
    ($($arg:tt)*) => { $crate::cli::output::stdout(&format!("{}\n", format_args!($($arg)*))) };
}

/// `out!` for the CLI: escaped, quiet on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::stdout(&format!($($arg)*)) };
}

/// `errln!` for the CLI: escaped.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::output::stderr(&format!("{}\n", format_args!($($arg)*))) };
}

/// `err!` for the CLI: escaped.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::output::stderr(&format!($($arg)*)) };
}

pub mod admin;
#[cfg(target_os = "linux")]
pub mod apply;
pub mod check;
pub mod config;
pub mod context;
pub mod diff;
pub mod domain;
pub mod explain;
pub mod export;
pub mod hive;
pub mod hosts;
pub mod ipseccmd;
#[cfg(target_os = "linux")]
pub mod lab;
pub mod netdiag;
pub mod netsh;
pub mod output;
pub mod reach;
pub mod reg;
pub mod replay;
pub mod script;
pub mod show;
pub mod table;

#[derive(Debug, Parser)]
#[command(
    name = "ipsedit",
    version,
    about = "Edit and understand Windows-style IPsec filtering policies",
    long_about = "Edit and understand Windows 2000/XP/Server 2003 IPsec filtering policies: \
                  the effective filter table with the hidden default exemptions, packet \
                  verdicts, and the ipseccmd/netsh commands admins used.\n\n\
                  Without a subcommand, opens the terminal UI."
)]
pub struct Cli {
    /// The store directory (default: the platform data dir, e.g. ~/.local/share/ipsedit/store),
    /// or a domain: ldap://DC/DC=example,DC=test or ldaps://... (user from IPSEDIT_LDAP_USER,
    /// password from IPSEDIT_LDAP_PASSWORD or a prompt, CA from IPSEDIT_LDAP_CA).
    #[arg(long, global = true, env = "IPSEDIT_STORE", value_name = "DIR|URL")]
    pub store: Option<PathBuf>,
    /// With a domain store: do not verify the domain controller's certificate (a lab only;
    /// said on every run).
    #[arg(long = "insecure-tls", global = true)]
    pub insecure_tls: bool,
    /// Print what would change, change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Inspect a file: a netsh script, an ipseccmd script, a `.reg` file, a registry hive
    /// (SOFTWARE) or a store directory, loaded
    /// into a scratch in-memory store (nothing is saved). With an explicit --store DIR the
    /// loaded policy is saved there first, and the command then works on DIR.
    #[arg(long, global = true, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// With --from SOFTWARE (a registry hive): which IPsec store to open: local (the
    /// default), domain-cache (the cached Group Policy one) or persistent (searched in the
    /// SOFTWARE hive and in the SYSTEM hive under the policy agent's key).
    #[arg(long, global = true, value_name = "local|domain-cache|persistent")]
    pub hive_store: Option<String>,
    /// The largest input (script, registry file, RON, stdin) read, in bytes; default 64 MiB.
    #[arg(long, global = true, value_name = "BYTES")]
    pub max_input_size: Option<u64>,
    /// TUI colour theme (default, light, high-contrast, monochrome or a themes/*.ron file).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal UI (the default).
    Tui,
    /// Policies, rules, filter lists and filter actions; dynamic rules apart.
    Show(show::Args),
    /// Apply one ipseccmd command line (or `-file FILE`, one command per line).
    #[command(disable_help_flag = true)]
    Ipseccmd(ipseccmd::Args),
    /// Apply one ipsecpol command line (same syntax as ipseccmd).
    #[command(disable_help_flag = true)]
    Ipsecpol(ipseccmd::Args),
    /// Assign a policy (unassigns the previous one).
    Assign(admin::AssignArgs),
    /// Unassign the assigned policy.
    Unassign(admin::UnassignArgs),
    /// List the stored revisions (`history prune --keep N` drops older ones).
    History(admin::HistoryArgs),
    /// Bring back an old revision as a new one.
    Restore(admin::RestoreArgs),
    /// Play a policy agent restart: dynamic rules are lost.
    RestartAgent,
    /// Show or change the host context (OS profile, NoDefaultExempt, addresses).
    Config(config::Args),
    /// The effective filter table in evaluation order, exemptions included.
    Table(table::Args),
    /// What happens to one packet, and why.
    Explain(explain::Args),
    /// Diagnostics and findings (exit 1 when there are errors).
    Check(check::Args),
    /// What can reach a header space, and through which row.
    Reach(reach::Args),
    /// Replay a pcap/pcapng capture: per-row hits, verdicts, exemption-only flows.
    Replay(replay::Args),
    /// The packets whose verdict differs between two policies, revisions or host
    /// contexts (exit 0 equal, 1 different, 2 invalid input).
    Diff(diff::Args),
    /// Run netsh ipsec commands: `-f FILE [--continue-on-error]`, or one command
    /// (`ipsec static add policy name=X`).
    #[command(disable_help_flag = true)]
    Netsh(netsh::Args),
    /// Read a .bat/.cmd file as cmd.exe would (statically: nothing runs) and apply its
    /// netsh ipsec / ipseccmd / ipsecpol commands.
    Script(script::Args),
    /// Write a script that recreates the store (or one policy): netsh or ipseccmd; or
    /// Windows' own registry form: `export reg [--policy NAME] [-o FILE]`.
    Export(export::Args),
    /// Import a file into the store as one transaction: `import reg FILE` (a regedit /
    /// `reg export` file; objects merge by GUID, `[-KEY]` deletes).
    Import(reg::ImportArgs),
    /// The `netdiag /test:ipsec /debug` report of the assigned policy.
    Netdiag(netdiag::Args),
    /// Load the effective table into the Linux kernel: xfrm policies or nftables.
    #[cfg(target_os = "linux")]
    Apply(apply::Args),
    /// Remove exactly what `apply` loaded.
    #[cfg(target_os = "linux")]
    Unapply(apply::UnapplyArgs),
    /// Run the policy on a real kernel in private network namespaces; check each verdict.
    #[cfg(target_os = "linux")]
    Lab(lab::Args),
    /// A domain's computers and the IPsec policy Group Policy gives each
    /// (`--store ldaps://DC/DC=example,DC=test`).
    Hosts(hosts::Args),
}

/// A CLI failure, mapped to the exit code.
#[derive(Debug)]
pub enum CliError {
    /// Exit 2: the input (arguments, files) was invalid.
    Invalid(String),
    /// Exit 1: the operation failed.
    Failed(String),
    /// Exit 1 with nothing more to print (the report already said it, as `check` does).
    Silent,
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Failed(_) | CliError::Silent => 1,
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Malformed { .. }
            | StoreError::TooLarge { .. }
            | StoreError::Decode { .. }
            | StoreError::Unsupported { .. }
            | StoreError::Corrupt { .. } => {
                CliError::Invalid(format!("{e}\n  the store was not changed"))
            }
            StoreError::Stale { expected, found } => CliError::Failed(format!(
                "the store changed while this command ran (expected revision {expected}, \
                 found {found}); nothing was written: run the command again"
            )),
            other => CliError::Failed(other.to_string()),
        }
    }
}

/// What every subcommand gets: the store and the global flags.
pub struct Ctx {
    pub store: Box<dyn Store>,
    pub dry_run: bool,
    /// The same store when it is a domain (for what only a domain has: GPOs).
    pub domain: Option<crate::core::domain::store::LdapStore>,
}

impl Ctx {
    pub fn load(&self) -> Result<Loaded, CliError> {
        Ok(self.store.load()?)
    }

    pub fn snapshot(&self) -> Result<Snapshot, CliError> {
        Ok(self.load()?.snapshot)
    }

    /// Loads, lets `edit` change a copy, and saves it as a new revision (or, with
    /// `--dry-run`, prints what would change). `edit` returns one line per change.
    pub fn modify<F>(&self, summary: &str, edit: F) -> Result<(), CliError>
    where
        F: FnOnce(&mut Snapshot) -> Result<Vec<String>, CliError>,
    {
        self.modify_as(summary, self.dry_run, edit)
    }

    /// `modify` with an explicit dry-run choice (for subcommands that also take the flag
    /// among their raw arguments).
    pub fn modify_as<F>(&self, summary: &str, dry_run: bool, edit: F) -> Result<(), CliError>
    where
        F: FnOnce(&mut Snapshot) -> Result<Vec<String>, CliError>,
    {
        let loaded = self.load()?;
        let mut next = loaded.snapshot.clone();
        let changes = edit(&mut next)?;
        if next == loaded.snapshot {
            for c in &changes {
                outln!("{c}");
            }
            outln!("nothing changed");
            return Ok(());
        }
        if dry_run {
            outln!("dry run: would change ({})", self.store.describe());
            for c in &changes {
                outln!("  {c}");
            }
            outln!("dry run: nothing was written");
            return Ok(());
        }
        let rev = self.store.save_edit(&loaded, &next, summary)?;
        for c in &changes {
            outln!("{c}");
        }
        if self.store.is_scratch() {
            outln!(
                "changed the scratch copy of {} only (revision {rev}); nothing was written: \
                 add --store DIR to keep it",
                self.store.describe()
            );
        } else {
            outln!("saved revision {rev}");
        }
        Ok(())
    }
}

/// The default store directory: `$XDG_DATA_HOME/ipsedit/store`, else
/// `~/.local/share/ipsedit/store`, else `./ipsedit-store`.
pub fn default_store_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("ipsedit").join("store");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h)
            .join(".local")
            .join("share")
            .join("ipsedit")
            .join("store");
    }
    PathBuf::from("ipsedit-store")
}

/// Runs the parsed command line; `tui` opens the terminal UI.
pub fn run(cli: Cli, tui: impl FnOnce(Ctx, Option<String>) -> Result<(), CliError>) -> ExitCode {
    if let Some(limit) = cli.max_input_size {
        crate::core::input::set_max_input_size(limit);
    }
    // The fleet view reads a directory, not a store folder (until the Store trait has an
    // LDAP backend).
    let cli = match cli.command {
        Some(Command::Hosts(mut args)) => {
            // `--insecure-tls` before the subcommand is the global flag: honour it too.
            args.insecure_tls |= cli.insecure_tls;
            return match hosts::run(cli.store.as_deref(), args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            };
        }
        command => Cli { command, ..cli },
    };
    let ctx = match open_domain(&cli) {
        Ok(Some(domain)) => {
            crate::core::domain::set_domain_store_open(true);
            Ctx {
                store: Box::new(domain.clone()),
                dry_run: cli.dry_run,
                domain: Some(domain),
            }
        }
        Ok(None) => match open_store(&cli) {
            Ok(store) => Ctx {
                store,
                dry_run: cli.dry_run,
                domain: None,
            },
            Err(e) => return fail(e),
        },
        Err(e) => return fail(e),
    };
    let result = match cli.command {
        None | Some(Command::Tui) => tui(ctx, cli.theme),
        Some(Command::Show(a)) => show::run(&ctx, a),
        Some(Command::Ipseccmd(a)) => ipseccmd::run(&ctx, "ipseccmd", a),
        Some(Command::Ipsecpol(a)) => ipseccmd::run(&ctx, "ipsecpol", a),
        Some(Command::Assign(a)) => admin::assign(&ctx, a),
        Some(Command::Unassign(a)) => admin::unassign(&ctx, a),
        Some(Command::History(a)) => admin::history(&ctx, a),
        Some(Command::Restore(a)) => admin::restore(&ctx, a),
        Some(Command::RestartAgent) => admin::restart_agent(&ctx),
        Some(Command::Config(a)) => config::run(&ctx, a),
        Some(Command::Table(a)) => table::run(&ctx, a),
        Some(Command::Explain(a)) => explain::run(&ctx, a),
        Some(Command::Check(a)) => check::run(&ctx, a),
        Some(Command::Reach(a)) => reach::run(&ctx, a),
        Some(Command::Replay(a)) => replay::run(&ctx, a),
        Some(Command::Diff(a)) => diff::run(&ctx, a),
        Some(Command::Netsh(a)) => netsh::run(&ctx, a),
        Some(Command::Script(a)) => script::run(&ctx, a),
        Some(Command::Export(a)) => export::run(&ctx, a),
        Some(Command::Import(a)) => reg::import(&ctx, a),
        Some(Command::Netdiag(a)) => netdiag::run(&ctx, a),
        #[cfg(target_os = "linux")]
        Some(Command::Apply(a)) => apply::run(&ctx, a),
        #[cfg(target_os = "linux")]
        Some(Command::Unapply(a)) => apply::unapply(&ctx, a),
        #[cfg(target_os = "linux")]
        Some(Command::Lab(a)) => lab::run(&ctx, a),
        Some(Command::Hosts(_)) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// Refuses a script whose text holds a control character or a bidi override (outside
/// tabs and line ends): exit 2 with `file:line:column`.
pub fn refuse_unsafe_script(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    use crate::core::text::{describe_unsafe, find_unsafe_in_script};
    match find_unsafe_in_script(text) {
        None => Ok(()),
        Some((line, column, c)) => Err(CliError::Invalid(format!(
            "{}:{line}:{column}: {} is not allowed in a script (names and descriptions are \
             text): remove it",
            crate::core::text::terminal_safe(&path.display().to_string()),
            describe_unsafe(c)
        ))),
    }
}

/// Refuses a command-line argument holding a control character or a bidi override: exit 2
/// naming the argument (1-based, after the subcommand) and the column.
pub fn refuse_unsafe_args(tool: &str, args: &[String]) -> Result<(), CliError> {
    for (i, a) in args.iter().enumerate() {
        if let Err(m) = crate::core::text::check_name(a) {
            return Err(CliError::Invalid(format!(
                "{tool}: argument {}, {m}",
                i + 1
            )));
        }
    }
    Ok(())
}

fn fail(e: CliError) -> ExitCode {
    match &e {
        CliError::Invalid(m) | CliError::Failed(m) => errln!("ipsedit: {m}"),
        CliError::Silent => {}
    }
    ExitCode::from(e.exit_code())
}

/// The store a command works on: the file store, or for `--from FILE` a scratch memory
/// store holding the file's policy (saved into `--store DIR` first when one is given on
/// the command line; IPSEDIT_STORE alone does not count, so a scratch look never writes
/// to the everyday store).
/// The domain store when `--store` (or `IPSEDIT_STORE` without `--from`) is a directory
/// URL. `--from FILE` with an explicit `--store ldap://...` is refused: a file goes into a
/// directory only through the explicit `import`.
fn open_domain(cli: &Cli) -> Result<Option<crate::core::domain::store::LdapStore>, CliError> {
    let Some(url) = cli
        .store
        .as_deref()
        .and_then(|s| s.to_str())
        .filter(|s| crate::core::domain::url::is_directory_url(s))
    else {
        // `ipseccmd -w DS ...` given on the command line, with IPSEDIT_DOMAIN_STORE naming
        // the domain: that one command goes to the domain.
        let domain_env = std::env::var("IPSEDIT_DOMAIN_STORE").ok();
        let wants_ds = match &cli.command {
            Some(Command::Ipseccmd(a) | Command::Ipsecpol(a)) => names_ds(&a.args),
            _ => false,
        };
        return match domain_env.filter(|u| wants_ds && cli.from.is_none() && !u.is_empty()) {
            Some(url) => domain::open(&url, cli.insecure_tls).map(Some),
            None => Ok(None),
        };
    };
    if let Some(from) = &cli.from {
        let from_env = std::env::var_os("IPSEDIT_STORE").map(PathBuf::from);
        if from_env.as_ref() == cli.store.as_ref() {
            // IPSEDIT_STORE names the domain: --from is a scratch session, as with a folder.
            return Ok(None);
        }
        return Err(CliError::Invalid(format!(
            "--from {} --store {url}: ipsedit never writes a file into a domain as a side \
             effect: run `ipsedit --store {url} import reg FILE` to import it, or drop \
             --store to inspect the file alone",
            from.display()
        )));
    }
    domain::open(url, cli.insecure_tls).map(Some)
}

/// True when an ipseccmd command line writes to the directory store (`-w DS[:domain]`).
fn names_ds(args: &[String]) -> bool {
    args.windows(2).any(|w| {
        let value = w[1].trim_matches('"').to_ascii_uppercase();
        w[0].eq_ignore_ascii_case("-w") && (value == "DS" || value.starts_with("DS:"))
    })
}

fn open_store(cli: &Cli) -> Result<Box<dyn Store>, CliError> {
    let Some(from) = &cli.from else {
        let dir = cli.store.clone().unwrap_or_else(default_store_dir);
        let repairing = matches!(cli.command, Some(Command::History(_) | Command::Restore(_)));
        return match open_local(dir.clone(), cli.dry_run) {
            Ok(store) => Ok(Box::new(store)),
            // A damaged RON store cannot be migrated: `history` and `restore`, which its
            // error recommends, work on it as it is; the next command migrates it.
            Err(CliError::Invalid(_))
                if repairing && SqliteStore::open(&dir).revision().is_ok_and(|r| r == 0) =>
            {
                Ok(Box::new(crate::core::store::FileStore::open(dir)))
            }
            Err(e) => Err(e),
        };
    };
    let snapshot = load_file(from, cli.hive_store.as_deref())?;
    let from_env = std::env::var_os("IPSEDIT_STORE").map(PathBuf::from);
    match cli.store.clone().filter(|s| Some(s) != from_env.as_ref()) {
        None => Ok(Box::new(MemoryStore::named(
            from.display().to_string(),
            snapshot,
        ))),
        Some(dir) => {
            let store = open_local(dir, cli.dry_run)?;
            let loaded = store.load()?;
            if cli.dry_run {
                errln!(
                    "dry run: would save {} into {}",
                    from.display(),
                    store.describe()
                );
                return Ok(Box::new(MemoryStore::named(
                    from.display().to_string(),
                    snapshot,
                )));
            }
            if loaded.snapshot != snapshot {
                let rev = store.save(
                    loaded.revision,
                    &snapshot,
                    &format!("loaded from {}", from.display()),
                )?;
                errln!(
                    "saved {} into {} as revision {rev}",
                    from.display(),
                    store.describe()
                );
            }
            Ok(Box::new(store))
        }
    }
}

/// The one detector of `--from FILE` (and of `hosts --hosts` local policies): a registry
/// hive or `.reg` file, else a store directory, netsh/ipseccmd script or batch file.
pub fn load_file(from: &std::path::Path, hive_store: Option<&str>) -> Result<Snapshot, CliError> {
    match reg::load_from(from, hive_store)? {
        Some(s) => Ok(s),
        None => netsh::load_from(from),
    }
}

/// The local store at `dir`: a RON store found there is migrated into the database once
/// (not on a dry run, which reads the RON store as it is), saying so on stderr; a
/// `store.ron` changed after the migration is reported.
fn open_local(dir: PathBuf, dry_run: bool) -> Result<SqliteStore, CliError> {
    let store = SqliteStore::open(&dir);
    if !dry_run && let Migration::FromRon { revision } = store.migrate_if_needed()? {
        errln!(
            "ipsedit: migrated the RON store in {} (revision {revision}) into {}; store.ron \
             and history/ are left untouched and no longer read",
            dir.display(),
            store.db_path().display()
        );
    }
    if let Some(w) = store.stale_ron_warning() {
        errln!("ipsedit: warning: {w}");
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
