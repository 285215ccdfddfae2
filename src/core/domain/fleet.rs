//! A whole fleet: the domain's computers, each with its OS profile, its OU and the one
//! IPsec policy Group Policy gives it (or its local policy when no GPO carries one).
//!
//! `FleetDirectory::read` fetches everything in five searches (computers, OUs and the
//! domain, GPOs, IPsec assignment objects, policy names); `Fleet::resolve` is pure and
//! answers each distinct OU once, so 10,000 computers in a few OUs cost a few resolutions.
//!
//! Must not: decode policies (the registry codec will), print, or write to the directory.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::DomainError;
use super::connection::{DirEntry, Directory, SearchScope};
use super::gpo::{self, Gpo, GroupPolicy, IpsecFromGpo, Som};
use super::hosts::{self, HostFacts, HostSheet};
use super::objects::IpsecContainer;
use super::url::{dn_key, parent_dn};
use crate::core::model::OsProfile;

/// A computer object as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computer {
    pub name: String,
    pub dn: String,
    pub dns_host_name: Option<String>,
    pub operating_system: Option<String>,
    pub service_pack: Option<String>,
}

/// What the directory holds for fleet questions: computers and the Group Policy tree.
#[derive(Debug, Clone)]
pub struct FleetDirectory {
    pub base_dn: String,
    pub computers: Vec<Computer>,
    pub group_policy: GroupPolicy,
    /// `ipsecPolicy` DN key -> its `ipsecName`.
    pub policy_names: HashMap<String, String>,
    /// Things read that could not be used (malformed `gPLink`, ...), each naming its object.
    pub warnings: Vec<String>,
}

impl FleetDirectory {
    pub fn read(dir: &mut Directory) -> Result<Self, DomainError> {
        let base = dir.url.base_dn.clone();
        let computers = dir.search(
            &base,
            SearchScope::Subtree,
            "(objectClass=computer)",
            &[
                "cn",
                "name",
                "dNSHostName",
                "operatingSystem",
                "operatingSystemServicePack",
            ],
        )?;
        let mut soms = dir.search(
            &base,
            SearchScope::Base,
            "(objectClass=*)",
            &["gPLink", "gPOptions"],
        )?;
        soms.extend(dir.search(
            &base,
            SearchScope::Subtree,
            "(objectClass=organizationalUnit)",
            &["gPLink", "gPOptions"],
        )?);
        let policies = format!("CN=Policies,CN=System,{base}");
        let gpos = dir.search(
            &policies,
            SearchScope::OneLevel,
            "(objectClass=groupPolicyContainer)",
            &["displayName", "flags"],
        )?;
        let assignments = dir.search(
            &policies,
            SearchScope::Subtree,
            "(objectClass=ipsecPolicy)",
            &["ipsecOwnersReference"],
        )?;
        let names = dir.search(
            &IpsecContainer::dn_for(&base),
            SearchScope::OneLevel,
            "(objectClass=ipsecPolicy)",
            &["ipsecName"],
        )?;
        Ok(Self::from_entries(
            &base,
            &computers,
            &soms,
            &gpos,
            &assignments,
            &names,
        ))
    }

    /// Builds the fleet view from search results (the pure half of `read`).
    pub fn from_entries(
        base_dn: &str,
        computers: &[DirEntry],
        soms: &[DirEntry],
        gpos: &[DirEntry],
        assignments: &[DirEntry],
        policy_names: &[DirEntry],
    ) -> Self {
        let mut warnings = Vec::new();
        let mut gp = GroupPolicy::new(base_dn);
        for e in soms {
            let links = match e.text("gPLink") {
                None => Vec::new(),
                Some(text) => gpo::parse_gplink(&text).unwrap_or_else(|why| {
                    warnings.push(format!("{}: {why}; its links are ignored", e.dn));
                    Vec::new()
                }),
            };
            let options: u32 = e
                .text("gPOptions")
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            gp.add_som(Som {
                dn: e.dn.clone(),
                links,
                block_inheritance: options & 1 != 0,
            });
        }
        let mut assigned: HashMap<String, String> = HashMap::new();
        for a in assignments {
            let Some(gpo_dn) = gpo::gpo_of_assignment(&a.dn) else {
                continue;
            };
            match a.texts("ipsecOwnersReference").as_slice() {
                [policy] => {
                    assigned.insert(dn_key(gpo_dn), policy.clone());
                }
                [] => warnings.push(format!(
                    "{}: the IPsec assignment has no ipsecOwnersReference; the GPO assigns \
                     nothing",
                    a.dn
                )),
                many => warnings.push(format!(
                    "{}: the IPsec assignment names {} policies; the GPO is taken to assign \
                     nothing",
                    a.dn,
                    many.len()
                )),
            }
        }
        for e in gpos {
            let flags: u32 = e
                .text("flags")
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            gp.add_gpo(Gpo {
                dn: e.dn.clone(),
                display_name: e.text("displayName").unwrap_or_else(|| e.dn.clone()),
                computer_disabled: flags & 2 != 0,
                ipsec_policy: assigned.get(&dn_key(&e.dn)).cloned(),
            });
        }
        let mut out: Vec<Computer> = computers
            .iter()
            .map(|e| Computer {
                name: e
                    .text("name")
                    .or_else(|| e.text("cn"))
                    .unwrap_or_else(|| e.dn.clone()),
                dn: e.dn.clone(),
                dns_host_name: e.text("dNSHostName"),
                operating_system: e.text("operatingSystem"),
                service_pack: e.text("operatingSystemServicePack"),
            })
            .collect();
        out.sort_by_cached_key(|c| (c.name.to_ascii_lowercase(), dn_key(&c.dn)));
        FleetDirectory {
            base_dn: base_dn.to_string(),
            computers: out,
            group_policy: gp,
            policy_names: policy_names
                .iter()
                .filter_map(|e| Some((dn_key(&e.dn), e.text("ipsecName")?)))
                .collect(),
            warnings,
        }
    }
}

/// Where a host's policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// A GPO assigns a domain policy (it overrides any local one).
    Domain {
        from: IpsecFromGpo,
        /// The policy's `ipsecName`; `None` when the DN names no policy in CN=IP Security.
        policy_name: Option<String>,
    },
    /// No GPO assigns one: the local policy file from the hosts sheet applies.
    Local { file: PathBuf },
    /// Neither: no IPsec policy, only the default exemptions' world (everything permitted).
    None,
}

/// One computer with everything ipsedit knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetHost {
    pub computer: Computer,
    /// The container it sits in (its OU, or e.g. `CN=Computers`).
    pub container: String,
    /// The sheet's os if given, else from AD; `Err` says why there is none.
    pub profile: Result<OsProfile, String>,
    pub facts: Option<HostFacts>,
    pub assignment: Assignment,
    /// Links on the way whose GPO does not exist.
    pub missing_gpos: Vec<String>,
}

/// The fleet's answer.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub hosts: Vec<FleetHost>,
    /// Sheet rows that name no computer of the domain.
    pub unknown_sheet_rows: Vec<String>,
    pub warnings: Vec<String>,
    /// How many distinct containers were resolved.
    pub containers: usize,
}

/// What Group Policy resolution leaves out, said wherever the fleet is shown.
pub const OUT_OF_SCOPE: &str = "site-linked GPOs, WMI filters and security filtering are not \
                                evaluated: every GPO linked to a computer's domain or OUs is \
                                taken to apply to it";

impl Fleet {
    pub fn resolve(dir: &FleetDirectory, sheet: Option<&HostSheet>) -> Fleet {
        let mut by_container: HashMap<String, gpo::Resolution> = HashMap::new();
        let mut hosts = Vec::with_capacity(dir.computers.len());
        for c in &dir.computers {
            let container = parent_dn(&c.dn).unwrap_or(&dir.base_dn).to_string();
            let resolution = by_container
                .entry(dn_key(&container))
                .or_insert_with(|| dir.group_policy.resolve(&container));
            let facts = sheet.and_then(|s| s.get(&c.name)).cloned();
            let profile = match facts.as_ref().and_then(|f| f.os) {
                Some(p) => Ok(p),
                None => hosts::os_profile(c.operating_system.as_deref(), c.service_pack.as_deref()),
            };
            let assignment = match (
                &resolution.ipsec,
                facts.as_ref().and_then(|f| f.local_policy.clone()),
            ) {
                (Some(from), _) => Assignment::Domain {
                    policy_name: dir.policy_names.get(&dn_key(&from.policy_dn)).cloned(),
                    from: from.clone(),
                },
                (None, Some(file)) => Assignment::Local { file },
                (None, None) => Assignment::None,
            };
            hosts.push(FleetHost {
                computer: c.clone(),
                container,
                profile,
                facts,
                assignment,
                missing_gpos: resolution.missing_gpos.clone(),
            });
        }
        let known: HashSet<String> = dir
            .computers
            .iter()
            .map(|c| c.name.to_ascii_lowercase())
            .collect();
        let unknown_sheet_rows = sheet
            .map(|s| {
                s.rows
                    .iter()
                    .filter(|r| !known.contains(&r.name.to_ascii_lowercase()))
                    .map(|r| r.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        Fleet {
            hosts,
            unknown_sheet_rows,
            warnings: dir.warnings.clone(),
            containers: by_container.len(),
        }
    }
}

#[cfg(test)]
#[path = "fleet_tests.rs"]
mod tests;
