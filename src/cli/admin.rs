//! `assign`, `unassign`, `history`, `restore`, `restart-agent`: the store-level actions.

use super::{CliError, Ctx};
use crate::core::store::StoreError;

#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    /// The policy name.
    pub name: String,
    /// On a domain store: the GPO (display name or {GUID}) to assign in; default: the
    /// Default Domain Policy.
    #[arg(long, value_name = "NAME|GUID")]
    pub gpo: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UnassignArgs {
    /// On a domain store: the GPO (display name or {GUID}); default: the Default Domain
    /// Policy.
    #[arg(long, value_name = "NAME|GUID")]
    pub gpo: Option<String>,
}

/// Points a domain store's assignment at `gpo`; refused on a local store.
fn target_gpo(ctx: &Ctx, gpo: &Option<String>) -> Result<(), CliError> {
    match (gpo, &ctx.domain) {
        (None, _) => Ok(()),
        (Some(g), Some(d)) => {
            d.set_gpo(Some(g.clone()));
            Ok(())
        }
        (Some(_), None) => Err(CliError::Invalid(
            "--gpo names a Group Policy object, which only a domain store has: add --store \
             ldaps://DC/DC=example,DC=test"
                .into(),
        )),
    }
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
}

#[derive(Debug, clap::Subcommand)]
pub enum HistoryAction {
    /// Drop all but the newest N revisions (the current one counts); every revision is
    /// kept until you prune.
    Prune {
        /// How many revisions to keep (at least 1).
        #[arg(long, value_name = "N")]
        keep: usize,
    },
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The revision to bring back (see `ipsedit history`).
    pub revision: u64,
}

pub fn assign(ctx: &Ctx, a: AssignArgs) -> Result<(), CliError> {
    target_gpo(ctx, &a.gpo)?;
    ctx.modify(&format!("assign {}", a.name), |snap| {
        let Some(policy) = snap.policy_named(&a.name) else {
            return Err(CliError::Invalid(format!(
                "no policy named '{}'; the store has: {}",
                a.name,
                name_list(snap.policies.iter().map(|p| p.name.as_str()))
            )));
        };
        let (id, name) = (policy.id, policy.name.clone());
        let mut out = Vec::new();
        if let Some(prev) = snap.assigned_policy().filter(|p| p.id != id) {
            out.push(format!("unassigned policy '{}'", prev.name));
        }
        if snap.assigned == Some(id) {
            out.push(format!("policy '{name}' is already assigned"));
        } else {
            out.push(format!("assigned policy '{name}'"));
        }
        snap.assigned = Some(id);
        Ok(out)
    })
}

pub fn unassign(ctx: &Ctx, a: UnassignArgs) -> Result<(), CliError> {
    target_gpo(ctx, &a.gpo)?;
    ctx.modify("unassign", |snap| {
        let msg = match snap.assigned_policy() {
            Some(p) => format!("unassigned policy '{}'", p.name),
            None => "no policy is assigned".to_string(),
        };
        snap.assigned = None;
        Ok(vec![msg])
    })
}

pub fn restart_agent(ctx: &Ctx) -> Result<(), CliError> {
    ctx.modify("restart-agent", |snap| {
        let n = snap.dynamic.len();
        snap.dynamic.clear();
        Ok(vec![format!(
            "policy agent restarted: {n} dynamic rule{} lost; the static policy is unchanged",
            if n == 1 { "" } else { "s" }
        )])
    })
}

pub fn history(ctx: &Ctx, a: HistoryArgs) -> Result<(), CliError> {
    if let Some(HistoryAction::Prune { keep }) = a.action {
        if keep == 0 {
            return Err(CliError::Invalid(
                "history prune --keep 0: the current revision is always kept; give 1 or more"
                    .into(),
            ));
        }
        if ctx.dry_run {
            outln!("dry run: would keep the newest {keep} revisions; nothing was written");
            return Ok(());
        }
        let n = ctx.store.prune(keep)?;
        outln!(
            "dropped {n} revision{} from the history; the newest {keep} are kept",
            if n == 1 { "" } else { "s" }
        );
        return Ok(());
    }
    let revs = ctx.store.history()?;
    if revs.is_empty() {
        outln!(
            "no revisions yet: the store {} has never been saved",
            ctx.store.describe()
        );
        return Ok(());
    }
    outln!("{:>5}  {:<20}  summary", "rev", "saved (UTC)");
    for r in revs {
        let mark = if r.current { "*" } else { " " };
        outln!(
            "{:>4}{mark}  {:<20}  {}",
            r.revision,
            format_utc(r.saved_at),
            r.summary
        );
    }
    Ok(())
}

pub fn restore(ctx: &Ctx, a: RestoreArgs) -> Result<(), CliError> {
    let old = ctx.store.load_revision(a.revision).map_err(|e| match e {
        StoreError::NoSuchRevision(r) => CliError::Invalid(format!(
            "revision {r} is not in the history; `ipsedit history` lists the ones kept"
        )),
        other => other.into(),
    })?;
    if ctx.dry_run {
        outln!(
            "dry run: would restore revision {} ({}) as a new revision",
            a.revision,
            old.counts()
        );
        outln!("dry run: nothing was written");
        return Ok(());
    }
    // The store's own restore also works when the current file is unreadable (it keeps
    // the broken file aside), which is exactly when an admin needs it.
    let rev = ctx.store.restore(a.revision)?;
    outln!("restored revision {}: {}", a.revision, old.counts());
    outln!("saved revision {rev}");
    Ok(())
}

pub(crate) fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.map(|n| format!("'{n}'")).collect();
    if v.is_empty() {
        "no policies".into()
    } else {
        v.join(", ")
    }
}

/// `YYYY-MM-DD HH:MM:SS` from Unix seconds (UTC), without a date crate.
pub fn format_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::format_utc;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_795_377_600), "2026-11-22 20:00:00");
    }
}
