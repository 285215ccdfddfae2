//! `ipsedit diff A B [--json]`: the header space whose verdict changes from A to B, as
//! canonical regions (engine::diff). A and B are store directories, files `--from`
//! reads (netsh or ipseccmd scripts), or `rev:N` of the current store. Per side:
//! `--a-policy/--b-policy`, `--a-os/--b-os`, `--a-no-default-exempt/--b-...`,
//! `--a-me/--b-me`. Exit 0 when equal, 1 when different, 2 on invalid input (diff(1)).

use std::path::Path;

use serde::Serialize;

use super::context::{ContextArgs, print_json};
use super::{CliError, Ctx};
use crate::core::engine::EffectiveTable;
use crate::core::engine::diff::{Region, diff};
use crate::core::model::Snapshot;
use crate::core::store::StoreError;
use crate::core::text::terminal_safe;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first side: a store directory, a netsh/ipseccmd script, or rev:N.
    #[arg(value_name = "A")]
    pub a: String,
    /// The second side (the same forms as A).
    #[arg(value_name = "B")]
    pub b: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_name = "NAME")]
    pub a_policy: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub b_policy: Option<String>,
    #[arg(long, value_name = "PROFILE")]
    pub a_os: Option<String>,
    #[arg(long, value_name = "PROFILE")]
    pub b_os: Option<String>,
    #[arg(long, value_name = "0|1|2|3|default")]
    pub a_no_default_exempt: Option<String>,
    #[arg(long, value_name = "0|1|2|3|default")]
    pub b_no_default_exempt: Option<String>,
    #[arg(long, value_name = "CIDR[,CIDR…]")]
    pub a_me: Option<String>,
    #[arg(long, value_name = "CIDR[,CIDR…]")]
    pub b_me: Option<String>,
}

/// What one side evaluated.
#[derive(Debug, Serialize)]
struct SideInfo {
    source: String,
    policy: Option<String>,
    profile: String,
    no_default_exempt: u32,
    host_addresses: Vec<std::net::Ipv4Addr>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    a: SideInfo,
    b: SideInfo,
    equal: bool,
    regions: &'a [Region],
}

pub fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let side = |text: &str, context: ContextArgs, label: &str| {
        let snapshot = load_side(ctx, text).map_err(|e| match e {
            CliError::Invalid(m) => CliError::Invalid(format!("{label} ({text}): {m}")),
            other => other,
        })?;
        let (policy, host) = context.resolve(&snapshot)?;
        let table = EffectiveTable::build(&snapshot, policy, &host);
        Ok::<_, CliError>(table)
    };
    let a = side(
        &args.a,
        ContextArgs {
            policy: args.a_policy,
            os: args.a_os,
            no_default_exempt: args.a_no_default_exempt,
            me: args.a_me,
        },
        "A",
    )?;
    let b = side(
        &args.b,
        ContextArgs {
            policy: args.b_policy,
            os: args.b_os,
            no_default_exempt: args.b_no_default_exempt,
            me: args.b_me,
        },
        "B",
    )?;
    let regions = diff(&a, &b);
    let info = |t: &EffectiveTable, source: &str| SideInfo {
        source: source.to_string(),
        policy: t.policy.as_ref().map(|p| p.name.clone()),
        profile: t.profile.to_string(),
        no_default_exempt: t.no_default_exempt.value,
        host_addresses: t.context.host_addresses.clone(),
    };
    let report = Report {
        a: info(&a, &args.a),
        b: info(&b, &args.b),
        equal: regions.is_empty(),
        regions: &regions,
    };
    if args.json {
        print_json(&report)?;
    } else {
        print_text(&report);
    }
    if regions.is_empty() {
        Ok(())
    } else {
        Err(CliError::Silent)
    }
}

/// A side's snapshot. `rev:N` goes through the store's history API here and only here.
fn load_side(ctx: &Ctx, text: &str) -> Result<Snapshot, CliError> {
    if let Some(n) = text.strip_prefix("rev:") {
        let rev = n.trim().parse().map_err(|_| {
            CliError::Invalid(format!(
                "{n:?} is not a revision number: write rev:N (`ipsedit history` lists them)"
            ))
        })?;
        return ctx.store.load_revision(rev).map_err(|e| match e {
            StoreError::NoSuchRevision(r) => CliError::Invalid(format!(
                "revision {r} is not in the history; `ipsedit history` lists the ones kept"
            )),
            other => other.into(),
        });
    }
    let path = Path::new(text);
    if !path.exists() {
        return Err(CliError::Invalid(
            "no such file or directory: give a store directory, a netsh or ipseccmd script, or rev:N".into(),
        ));
    }
    super::netsh::load_from(path)
}

fn print_text(r: &Report) {
    for (label, s) in [("A", &r.a), ("B", &r.b)] {
        outln!(
            "{label}: {} (policy {}, {}, NoDefaultExempt {})",
            terminal_safe(&s.source),
            s.policy
                .as_deref()
                .map_or("none".into(), |p| format!("'{}'", terminal_safe(p))),
            s.profile,
            s.no_default_exempt
        );
    }
    if r.equal {
        outln!("no difference: every IPv4 packet gets the same verdict");
        return;
    }
    outln!("{} region(s) change verdict:", r.regions.len());
    for g in r.regions {
        outln!(
            "  {} {}:{} -> {}:{}",
            g.protocol,
            g.src,
            g.src_ports,
            g.dst,
            g.dst_ports
        );
        outln!(
            "    {} -> {}   A: {}{}; B: {}{}",
            g.a.verdict.word(),
            g.b.verdict.word(),
            g.a.row.map_or(String::new(), |i| format!("row {i}, ")),
            terminal_safe(&g.a.origin),
            g.b.row.map_or(String::new(), |i| format!("row {i}, ")),
            terminal_safe(&g.b.origin),
        );
        outln!("    e.g. {}", g.example);
    }
}
