//! Which IPsec policy Group Policy gives a computer: the GPO links from the domain down
//! the OUs (`gPLink`, `gPOptions`), and the IPsec assignment object each GPO may carry.
//!
//! ipsedit's reading of Group Policy's rules (GPMC's documented behaviour):
//! - A container's `gPLink` is `[LDAP://<GPO DN>;<options>]...`; option bit 1 disables the
//!   link, bit 2 enforces it ("No Override"). Link order 1, the highest precedence, is the
//!   *last* entry of the attribute, so within one container the entries are processed in
//!   stored order and the last one wins.
//! - Containers are processed from the domain down to the computer's own OU; the closest
//!   one is processed last and wins. `gPOptions` 1 on an OU blocks the non-enforced links of
//!   every container above it.
//! - Enforced links cannot be blocked and are processed after all non-enforced ones, the
//!   closest first, so the enforced link nearest the domain wins over everything.
//! - A GPO whose `flags` disable its computer settings (bit 2) gives nothing to computers.
//! - IPsec is a single setting: the last processed GPO that carries an IPsec assignment
//!   decides, and a domain policy overrides the computer's local one.
//! - Out of scope (reported to the user by the callers): site links, WMI filters and
//!   security filtering (GPO permissions), loopback processing.
//!
//! Must not: talk to the directory (`fleet` reads; this module only decides).

use std::collections::HashMap;

use super::url::{dn_key, parent_dn};

/// One entry of a `gPLink` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpLink {
    pub gpo_dn: String,
    pub disabled: bool,
    pub enforced: bool,
}

/// Parses `[LDAP://cn={GUID},cn=policies,cn=system,DC=x;0][...]`, in stored order.
pub fn parse_gplink(text: &str) -> Result<Vec<GpLink>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(body) = rest.strip_prefix('[') else {
            return Err(format!("gPLink '{text}': expected '[' at '{rest}'"));
        };
        let Some(end) = body.find(']') else {
            return Err(format!("gPLink '{text}': a link is not closed by ']'"));
        };
        let link = &body[..end];
        rest = body[end + 1..].trim_start();
        let Some((url, options)) = link.rsplit_once(';') else {
            return Err(format!(
                "gPLink '{text}': link '{link}' has no ';OPTIONS' after the GPO"
            ));
        };
        let lower = url.to_ascii_lowercase();
        let Some(dn) = lower
            .starts_with("ldap://")
            .then(|| &url["ldap://".len()..])
        else {
            return Err(format!(
                "gPLink '{text}': link '{link}' does not start with LDAP://"
            ));
        };
        let options: u32 = options.trim().parse().map_err(|_| {
            format!("gPLink '{text}': options '{options}' of link '{link}' are not a number")
        })?;
        out.push(GpLink {
            gpo_dn: dn.to_string(),
            disabled: options & 1 != 0,
            enforced: options & 2 != 0,
        });
    }
    Ok(out)
}

/// A scope of management: the domain or an OU, with its links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Som {
    pub dn: String,
    pub links: Vec<GpLink>,
    /// `gPOptions` 1: non-enforced links from above do not reach below.
    pub block_inheritance: bool,
}

/// A Group Policy object as far as IPsec cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpo {
    pub dn: String,
    pub display_name: String,
    /// `flags` bit 2: the computer half of the GPO is disabled.
    pub computer_disabled: bool,
    /// The DN of the `ipsecPolicy` its IPsec assignment object points to, if any.
    pub ipsec_policy: Option<String>,
}

/// Why one GPO applies, in processing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedGpo {
    pub gpo_dn: String,
    pub display_name: String,
    pub som_dn: String,
    pub enforced: bool,
}

/// The IPsec policy a computer gets from the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpsecFromGpo {
    pub policy_dn: String,
    pub gpo_dn: String,
    pub gpo_name: String,
    pub som_dn: String,
    pub enforced: bool,
}

/// Group Policy's answer for one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The GPOs processed, first processed first (the last one has the highest precedence).
    pub applied: Vec<AppliedGpo>,
    /// The winning IPsec assignment, if any GPO carries one.
    pub ipsec: Option<IpsecFromGpo>,
    /// Links ignored because their GPO does not exist.
    pub missing_gpos: Vec<String>,
}

/// The domain's Group Policy tree.
#[derive(Debug, Clone, Default)]
pub struct GroupPolicy {
    domain_key: String,
    soms: HashMap<String, Som>,
    gpos: HashMap<String, Gpo>,
}

impl GroupPolicy {
    pub fn new(domain_dn: &str) -> Self {
        GroupPolicy {
            domain_key: dn_key(domain_dn),
            ..Default::default()
        }
    }

    pub fn add_som(&mut self, som: Som) {
        self.soms.insert(dn_key(&som.dn), som);
    }

    pub fn add_gpo(&mut self, gpo: Gpo) {
        self.gpos.insert(dn_key(&gpo.dn), gpo);
    }

    pub fn gpo(&self, dn: &str) -> Option<&Gpo> {
        self.gpos.get(&dn_key(dn))
    }

    pub fn gpos(&self) -> impl Iterator<Item = &Gpo> {
        self.gpos.values()
    }

    /// The SOMs from the domain down to `container_dn` (an OU or a plain container such as
    /// `CN=Computers`, which cannot carry links and is passed through).
    fn chain(&self, container_dn: &str) -> Vec<&Som> {
        let mut out = Vec::new();
        let mut at = Some(container_dn);
        while let Some(dn) = at {
            let key = dn_key(dn);
            if let Some(som) = self.soms.get(&key) {
                out.push(som);
            }
            if key == self.domain_key {
                break;
            }
            at = parent_dn(dn);
        }
        out.reverse();
        out
    }

    /// What Group Policy applies to a computer whose object sits in `container_dn`.
    pub fn resolve(&self, container_dn: &str) -> Resolution {
        let chain = self.chain(container_dn);
        // blocked_below[i]: some SOM below i (closer to the computer) blocks inheritance.
        let mut blocked_below = vec![false; chain.len()];
        for i in (0..chain.len().saturating_sub(1)).rev() {
            blocked_below[i] = blocked_below[i + 1] || chain[i + 1].block_inheritance;
        }
        let mut order: Vec<(&Som, &GpLink)> = Vec::new();
        for (i, som) in chain.iter().enumerate() {
            if blocked_below[i] {
                continue;
            }
            order.extend(
                som.links
                    .iter()
                    .filter(|l| !l.disabled && !l.enforced)
                    .map(|l| (*som, l)),
            );
        }
        for som in chain.iter().rev() {
            order.extend(
                som.links
                    .iter()
                    .filter(|l| !l.disabled && l.enforced)
                    .map(|l| (*som, l)),
            );
        }
        let mut out = Resolution::default();
        for (som, link) in order {
            let Some(gpo) = self.gpos.get(&dn_key(&link.gpo_dn)) else {
                if !out.missing_gpos.contains(&link.gpo_dn) {
                    out.missing_gpos.push(link.gpo_dn.clone());
                }
                continue;
            };
            if gpo.computer_disabled {
                continue;
            }
            out.applied.push(AppliedGpo {
                gpo_dn: gpo.dn.clone(),
                display_name: gpo.display_name.clone(),
                som_dn: som.dn.clone(),
                enforced: link.enforced,
            });
            if let Some(policy) = &gpo.ipsec_policy {
                out.ipsec = Some(IpsecFromGpo {
                    policy_dn: policy.clone(),
                    gpo_dn: gpo.dn.clone(),
                    gpo_name: gpo.display_name.clone(),
                    som_dn: som.dn.clone(),
                    enforced: link.enforced,
                });
            }
        }
        out
    }
}

/// `CN=IPSEC,CN=Windows,CN=Microsoft,CN=Machine,<GPO DN>` -> the GPO's DN.
pub fn gpo_of_assignment(dn: &str) -> Option<&str> {
    let mut at = dn;
    for expected in ["cn=ipsec", "cn=windows", "cn=microsoft", "cn=machine"] {
        let rdn = at.split(',').next()?.trim();
        if !dn_key(rdn).eq(expected) {
            return None;
        }
        at = parent_dn(at)?;
    }
    Some(at)
}

/// The assignment object's DN for a GPO.
pub fn assignment_dn(gpo_dn: &str) -> String {
    format!("CN=IPSEC,CN=Windows,CN=Microsoft,CN=Machine,{gpo_dn}")
}

#[cfg(test)]
#[path = "gpo_tests.rs"]
mod tests;
