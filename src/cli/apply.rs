//! `ipsedit apply --backend xfrm|nft [--netns NAME]` and `ipsedit unapply`: load the
//! effective table into the Linux kernel (the text comes from `core::enforce`), and take
//! out exactly what ipsedit put in.
//!
//! nft: one `nft -f` transaction replaces table `inet ipsedit` (atomic). xfrm: one
//! `ip -batch` run of the guarded install plan (a block-all guard first, so no state in
//! between is more permissive than the old or the new policy). An ownership record per
//! backend and network namespace (`/run/ipsedit/<backend>-<netns>.json`, private, written
//! atomically, never through a symlink) says what ipsedit installed; `unapply` removes only
//! that. Without root the command only prints what it would load (as `--dry-run` does).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use super::context::ContextArgs;
use super::{CliError, Ctx};
use crate::core::enforce::{self, nft, xfrm};
use crate::core::engine::{EffectiveTable, Net};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Linux xfrm policies (`ip xfrm policy`), the kernel's IPsec policy database.
    Xfrm,
    /// One nftables table, `inet ipsedit`.
    Nft,
}

impl Backend {
    pub fn word(self) -> &'static str {
        match self {
            Backend::Xfrm => "xfrm",
            Backend::Nft => "nft",
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub context: ContextArgs,
    #[arg(long, value_enum)]
    pub backend: Backend,
    /// Load into this network namespace (`ip netns` name) instead of the current one.
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UnapplyArgs {
    #[arg(long, value_enum)]
    pub backend: Backend,
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
}

/// What ipsedit installed, per backend and namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub backend: Backend,
    /// For xfrm: every policy added. For nft: empty (the whole table is ipsedit's).
    pub xfrm: Vec<xfrm::Policy>,
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let snapshot = ctx.snapshot()?;
    let (policy, host) = args.context.resolve(&snapshot)?;
    let table = EffectiveTable::build(&snapshot, policy, &host);
    let ns = checked_netns(args.netns.as_deref())?;
    let dry = ctx.dry_run || !is_root();
    if dry && !ctx.dry_run {
        outln!("dry run (not root): this is what `apply` would load; run as root to load it");
    }
    apply_table(&table, |n| n, args.backend, ns, &record_dir(), dry)
}

pub fn unapply(ctx: &Ctx, args: UnapplyArgs) -> Result<(), CliError> {
    let ns = checked_netns(args.netns.as_deref())?;
    let dry = ctx.dry_run || !is_root();
    remove(args.backend, ns, &record_dir(), dry)
}

/// Where ownership records live (`IPSEDIT_RUN_DIR` overrides `/run/ipsedit`).
pub fn record_dir() -> PathBuf {
    std::env::var_os("IPSEDIT_RUN_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run/ipsedit"))
}

fn checked_netns(ns: Option<&str>) -> Result<Option<&str>, CliError> {
    match ns {
        Some(n)
            if n.is_empty()
                || n.len() > 64
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                || n.starts_with('.') =>
        {
            Err(CliError::Invalid(format!(
                "--netns {n:?}: a namespace name is letters, digits, '-', '_' and '.' (as `ip netns list` shows them)"
            )))
        }
        other => Ok(other),
    }
}

fn record_path(dir: &Path, backend: Backend, ns: Option<&str>) -> PathBuf {
    dir.join(format!("{}-{}.json", backend.word(), ns.unwrap_or("host")))
}

/// Compiles `table` (addresses through `map`) for `backend` and loads it into `ns` (the
/// current namespace when `None`), or prints it when `dry`.
pub fn apply_table(
    table: &EffectiveTable,
    map: impl Fn(Net) -> Net,
    backend: Backend,
    ns: Option<&str>,
    dir: &Path,
    dry: bool,
) -> Result<(), CliError> {
    let rules = enforce::rules(table, map);
    match backend {
        Backend::Nft => {
            let text = nft::ruleset(&rules);
            if dry {
                crate::cli::output::stdout_script(&text);
                return Ok(());
            }
            load_nft(&text, ns, dir)
        }
        Backend::Xfrm => {
            let new = xfrm::policies(&rules);
            if dry {
                let old = read_record(&record_path(dir, backend, ns))?
                    .map(|r| r.xfrm)
                    .unwrap_or_default();
                for l in xfrm::install_plan(&old, &new) {
                    outln!("ip {l}");
                }
                return Ok(());
            }
            load_xfrm(&new, ns, dir)
        }
    }
}

/// Loads an nft file (one transaction) and records the install.
pub fn load_nft(text: &str, ns: Option<&str>, dir: &Path) -> Result<(), CliError> {
    tool(ns, "nft", &["-f", "-"], text)?;
    write_record(
        &record_path(dir, Backend::Nft, ns),
        &Record {
            backend: Backend::Nft,
            xfrm: Vec::new(),
        },
    )
}

/// Replaces what ipsedit installed with `new`, through the guarded plan.
pub fn load_xfrm(new: &[xfrm::Policy], ns: Option<&str>, dir: &Path) -> Result<(), CliError> {
    let backend = Backend::Xfrm;
    let path = record_path(dir, backend, ns);
    let old = read_record(&path)?.map(|r| r.xfrm).unwrap_or_default();
    let plan = xfrm::install_plan(&old, new);
    // Record first what may be there, so that a crash half-way leaves a record covering
    // it (unapply tolerates a missing policy thanks to `ip -force`).
    let mut both = old.clone();
    both.extend(new.iter().copied());
    write_record(
        &path,
        &Record {
            backend,
            xfrm: both,
        },
    )?;
    tool(ns, "ip", &["-force", "-batch", "-"], &lines(&plan))?;
    write_record(
        &path,
        &Record {
            backend,
            xfrm: new.to_vec(),
        },
    )
}

/// Removes what the record for `backend` in `ns` says ipsedit installed.
pub fn remove(backend: Backend, ns: Option<&str>, dir: &Path, dry: bool) -> Result<(), CliError> {
    let path = record_path(dir, backend, ns);
    let Some(record) = read_record(&path)? else {
        outln!(
            "nothing to remove: no record of an ipsedit {} install ({})",
            backend.word(),
            path.display()
        );
        return Ok(());
    };
    let (program, args, input) = match backend {
        Backend::Nft => ("nft", vec!["-f", "-"], nft::delete()),
        Backend::Xfrm => (
            "ip",
            vec!["-force", "-batch", "-"],
            lines(&xfrm::remove_plan(&record.xfrm)),
        ),
    };
    if dry {
        outln!("dry run: would run `{program} {}` with:", args.join(" "));
        crate::cli::output::stdout_script(&input);
        return Ok(());
    }
    tool(ns, program, &args, &input)?;
    fs::remove_file(&path)
        .map_err(|e| CliError::Failed(format!("{}: cannot remove: {e}", path.display())))?;
    outln!("removed the ipsedit {} install", backend.word());
    Ok(())
}

fn lines(v: &[String]) -> String {
    let mut s = v.join("\n");
    s.push('\n');
    s
}

/// Runs `program args` (in `ns` through `ip netns exec` when given) with `input` on stdin.
pub fn tool(
    ns: Option<&str>,
    program: &str,
    args: &[&str],
    input: &str,
) -> Result<String, CliError> {
    let mut cmd = match ns {
        Some(n) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", n, program]);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        CliError::Failed(format!(
            "cannot run {program}: {e}; install it (apt-get install nftables iproute2)"
        ))
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| CliError::Failed(format!("{program}: cannot write its input: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| CliError::Failed(format!("{program}: {e}")))?;
    if !out.status.success() {
        return Err(CliError::Failed(format!(
            "{program} {} failed: {}",
            args.join(" "),
            crate::core::text::terminal_safe(String::from_utf8_lossy(&out.stderr).trim())
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn read_record(path: &Path) -> Result<Option<Record>, CliError> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            CliError::Invalid(format!(
                "{}:{}:{}: not an ipsedit ownership record ({e}); remove it by hand after \
                 checking `ip xfrm policy` / `nft list table inet ipsedit`",
                path.display(),
                e.line(),
                e.column()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::Failed(format!("{}: {e}", path.display()))),
    }
}

/// Writes the record privately and atomically; never follows a symlink.
fn write_record(path: &Path, record: &Record) -> Result<(), CliError> {
    let fail = |p: &Path, e: std::io::Error| CliError::Failed(format!("{}: {e}", p.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| fail(dir, e))?;
    let text = serde_json::to_string_pretty(record)
        .map_err(|e| CliError::Failed(format!("cannot write the record: {e}")))?;
    let tmp = path.with_extension("json.tmp");
    let _ = fs::remove_file(&tmp);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(&tmp)
        .map_err(|e| fail(&tmp, e))?;
    f.write_all(text.as_bytes()).map_err(|e| fail(&tmp, e))?;
    f.sync_all().map_err(|e| fail(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| fail(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_checked() {
        assert!(checked_netns(Some("lab-host_1")).is_ok());
        let e = checked_netns(Some("../x")).expect_err("bad");
        assert_eq!(e.exit_code(), 2);
        assert!(checked_netns(Some("a b")).is_err());
    }

    #[test]
    fn records_round_trip_privately() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().expect("tmp");
        let p = record_path(d.path(), Backend::Xfrm, Some("lab"));
        assert!(p.ends_with("xfrm-lab.json"));
        let t = crate::core::enforce::testing::kb811832_table(Some(1));
        let r = Record {
            backend: Backend::Xfrm,
            xfrm: xfrm::policies(&enforce::rules(&t, |n| n)),
        };
        write_record(&p, &r).expect("written");
        assert_eq!(read_record(&p).expect("read"), Some(r));
        let mode = fs::metadata(&p).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
