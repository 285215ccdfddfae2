//! `ipsedit hosts [--json] [--hosts FILE]`: the domain's computers and the one IPsec policy
//! Group Policy gives each (or its local policy), read from a domain controller.
//!
//! The directory comes from `--store ldap[s]://HOST/DC=...` (or `IPSEDIT_STORE`), the bind
//! identity from `IPSEDIT_LDAP_USER`/`IPSEDIT_LDAP_PASSWORD`, the CA from `IPSEDIT_LDAP_CA`.
//! `hosts explain PACKET` and `hosts reach SPACE` (`hosts_query.rs`) answer one question for
//! every host with its effective table. Everything read from the directory is printed
//! through `terminal_safe`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::CliError;
use super::context::print_json;
use crate::core::domain::fleet::{Assignment, Fleet, FleetDirectory, FleetHost, OUT_OF_SCOPE};
use crate::core::domain::hosts::HostSheet;
use crate::core::domain::url::is_directory_url;
use crate::core::domain::{Credentials, Directory, DirectoryUrl, DomainError, TlsPolicy};
use crate::core::text::terminal_safe;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Per-host facts AD does not hold: CSV with the header
    /// name,os,no_default_exempt,addresses,local_policy.
    #[arg(long, value_name = "FILE", global = true)]
    pub hosts: Option<PathBuf>,
    /// Do not verify the domain controller's certificate (a lab only; said on every run).
    #[arg(long, global = true)]
    pub insecure_tls: bool,
    /// With explain/reach: the address(es) a host is evaluated at when --hosts gives it none
    /// (what `me` means there); without it such hosts cannot answer a question about `me`.
    #[arg(long, value_name = "CIDR[,CIDR…]", global = true)]
    pub assume_address: Option<String>,
    /// A question for every host: `explain PACKET` or `reach SPACE`.
    #[command(subcommand)]
    pub query: Option<query::Query>,
}

#[path = "hosts_query.rs"]
pub mod query;

/// What the listing says about policy contents.
pub const CONTENT_NOT_DECODED: &str = "this lists which policy applies; `ipsedit hosts \
                                       explain PACKET` and `ipsedit hosts reach SPACE` answer \
                                       with each host's effective table";

impl From<DomainError> for CliError {
    fn from(e: DomainError) -> Self {
        if e.is_invalid_input() {
            CliError::Invalid(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

pub fn run(store: Option<&Path>, args: Args) -> Result<(), CliError> {
    let url = directory_url(store)?;
    let sheet = match &args.hosts {
        Some(p) => Some(HostSheet::read(p).map_err(CliError::Invalid)?),
        None => None,
    };
    let creds = Credentials::from_env()?;
    let tls = TlsPolicy::from_env(args.insecure_tls);
    if tls == TlsPolicy::Insecure {
        eprintln!(
            "ipsedit: warning: --insecure-tls: the certificate of {} is not verified; anyone \
             in the path can pose as the domain controller",
            terminal_safe(&url.host)
        );
    }
    let mut dir = Directory::connect(&url, &creds, &tls)?;
    let read = FleetDirectory::read(&mut dir);
    let read = match (read, &args.query) {
        (Ok(r), Some(q)) => {
            let policies = query::DomainPolicies::read(&mut dir, &url);
            Ok((r, Some((q, policies))))
        }
        (r, _) => r.map(|r| (r, None)),
    };
    dir.close();
    let (read, question) = read?;
    let fleet = Fleet::resolve(&read, sheet.as_ref());
    if let Some((q, policies)) = question {
        let header = Header {
            url: &url,
            user: &creds.user,
            fleet: &fleet,
        };
        let assumed = match &args.assume_address {
            Some(text) => super::config::parse_interfaces(text)?,
            None => Vec::new(),
        };
        return query::run(&header, q, policies, &assumed, args.json);
    }
    if args.json {
        return print_json(&to_json(&url, &creds.user, &fleet));
    }
    print!("{}", render(&url, &creds.user, &fleet));
    Ok(())
}

/// What every fleet report starts with.
pub struct Header<'a> {
    pub url: &'a DirectoryUrl,
    pub user: &'a str,
    pub fleet: &'a Fleet,
}

impl Header<'_> {
    /// `N computers in DOMAIN at SERVER (bound as USER)` and the scope note.
    pub fn text(&self) -> String {
        format!(
            "{} computers in {} at {} (bound as {})\nnote: {OUT_OF_SCOPE}\n",
            self.fleet.hosts.len(),
            safe(
                &self
                    .url
                    .domain_name()
                    .unwrap_or_else(|| self.url.base_dn.clone())
            ),
            safe(&self.url.server()),
            safe(self.user)
        )
    }
}

fn directory_url(store: Option<&Path>) -> Result<DirectoryUrl, CliError> {
    let text = store.and_then(Path::to_str).filter(|s| is_directory_url(s));
    let Some(text) = text else {
        return Err(CliError::Invalid(
            "ipsedit hosts reads a domain: give --store ldaps://DC/DC=example,DC=test (or set \
             IPSEDIT_STORE to such a URL)"
                .into(),
        ));
    };
    Ok(DirectoryUrl::parse(text)?)
}

fn safe(s: &str) -> String {
    terminal_safe(s).into_owned()
}

fn profile_text(h: &FleetHost) -> String {
    match &h.profile {
        Ok(p) => p.id().to_string(),
        Err(_) => "unknown".into(),
    }
}

fn source_text(h: &FleetHost) -> (String, String) {
    match &h.assignment {
        Assignment::Domain { from, policy_name } => (
            match policy_name {
                Some(n) => format!("'{}'", safe(n)),
                None => format!("(no such policy: {})", safe(&from.policy_dn)),
            },
            format!(
                "GPO '{}' linked at {}{}",
                safe(&from.gpo_name),
                safe(&from.som_dn),
                if from.enforced { " (enforced)" } else { "" }
            ),
        ),
        Assignment::Local { file } => (
            "local policy".into(),
            format!("--hosts: {}", safe(&file.display().to_string())),
        ),
        Assignment::None => (
            "none".into(),
            "no GPO assigns one, no local policy given".into(),
        ),
    }
}

/// The text listing.
pub fn render(url: &DirectoryUrl, user: &str, fleet: &Fleet) -> String {
    let mut out = format!(
        "{} computers in {} at {} (bound as {})\n",
        fleet.hosts.len(),
        safe(&url.domain_name().unwrap_or_else(|| url.base_dn.clone())),
        safe(&url.server()),
        safe(user)
    );
    out.push_str(&format!("note: {OUT_OF_SCOPE}\n"));
    out.push_str(&format!("note: {CONTENT_NOT_DECODED}\n"));
    for w in &fleet.warnings {
        out.push_str(&format!("warning: {}\n", safe(w)));
    }
    let rows: Vec<[String; 5]> = fleet
        .hosts
        .iter()
        .map(|h| {
            let (policy, from) = source_text(h);
            [
                safe(&h.computer.name),
                profile_text(h),
                safe(&h.container),
                policy,
                from,
            ]
        })
        .collect();
    let head = ["host", "os", "container", "policy", "from"];
    let width = |k: usize| {
        rows.iter()
            .map(|r| r[k].chars().count())
            .chain([head[k].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    let mut push = |r: [&str; 5]| {
        out.push_str(&format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}\n",
            r[0], r[1], r[2], r[3], r[4]
        ));
    };
    push(head);
    for r in &rows {
        push([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    for h in &fleet.hosts {
        if let Err(why) = &h.profile {
            out.push_str(&format!("{}: {}\n", safe(&h.computer.name), safe(why)));
        }
        for g in &h.missing_gpos {
            out.push_str(&format!(
                "{}: a link names GPO {} which does not exist; ignored\n",
                safe(&h.computer.name),
                safe(g)
            ));
        }
    }
    for n in &fleet.unknown_sheet_rows {
        out.push_str(&format!(
            "warning: --hosts names '{}' but the domain has no such computer\n",
            safe(n)
        ));
    }
    out
}

/// The `--json` document.
pub fn to_json(url: &DirectoryUrl, user: &str, fleet: &Fleet) -> Value {
    let hosts: Vec<Value> = fleet.hosts.iter().map(host_json).collect();
    json!({
        "domain": url.domain_name(),
        "base_dn": url.base_dn,
        "server": url.server(),
        "user": user,
        "not_evaluated": OUT_OF_SCOPE,
        "policy_content": CONTENT_NOT_DECODED,
        "containers_resolved": fleet.containers,
        "hosts": hosts,
        "unknown_sheet_rows": fleet.unknown_sheet_rows,
        "warnings": fleet.warnings,
    })
}

fn host_json(h: &FleetHost) -> Value {
    let assignment = match &h.assignment {
        Assignment::Domain { from, policy_name } => json!({
            "kind": "domain",
            "policy_dn": from.policy_dn,
            "policy_name": policy_name,
            "gpo_dn": from.gpo_dn,
            "gpo_name": from.gpo_name,
            "linked_at": from.som_dn,
            "enforced": from.enforced,
        }),
        Assignment::Local { file } => json!({ "kind": "local", "file": file }),
        Assignment::None => json!({ "kind": "none" }),
    };
    let facts = h.facts.as_ref();
    json!({
        "name": h.computer.name,
        "dn": h.computer.dn,
        "dns_host_name": h.computer.dns_host_name,
        "operating_system": h.computer.operating_system,
        "service_pack": h.computer.service_pack,
        "profile": h.profile.as_ref().ok().map(|p| p.id()),
        "profile_error": h.profile.as_ref().err(),
        "container": h.container,
        "no_default_exempt": facts.and_then(|f| f.no_default_exempt),
        "addresses": facts.map(|f| f.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
        "assignment": assignment,
        "missing_gpos": h.missing_gpos,
    })
}
