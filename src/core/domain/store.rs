//! `LdapStore`: the `Store` trait on a domain's Active Directory. Policies, filter lists
//! and filter actions are the objects under `CN=IP Security,CN=System,<domain>`; the
//! assigned policy is the one a GPO (the Default Domain Policy unless `set_gpo` chose
//! another) carries. The revision is the highest `uSNChanged` among the IPsec objects.
//!
//! A save writes only what changed (`write::plan`), after checking that none of those
//! objects moved on since the load (a stale load is refused as `StoreError::Stale`, the
//! local store's conflict, with nothing written); the server's own refusal of a modify
//! whose loaded values are gone covers the moment between the check and the write. A save
//! that stops midway names what is written and what is not (`StoreError::Database`).
//! History, restore and pruning are not offered: Active Directory keeps its own backups.
//! Dynamic rules and the host context belong to one machine, not to a domain: a save that
//! changes them is refused.
//!
//! Must not: prompt or print (the front end gets credentials and says `--insecure-tls`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use super::DomainError;
use super::assign::{GpoInfo, assignment_steps, find_gpo};
use super::attrs::object_dn;
use super::connection::{Credentials, Directory, SearchScope, TlsPolicy};
use super::objects::IpsecContainer;
use super::read::{DomainSnapshot, read_snapshot};
use super::url::{DirectoryUrl, dn_key};
use super::write::{Op, execute, plan};
use crate::core::interchange::registry::{Class, ObjRef};
use crate::core::model::{Id, Snapshot};
use crate::core::store::{ChangeSet, Loaded, Revision, RevisionInfo, Store, StoreError, Version};

struct State {
    dir: Option<Directory>,
    /// What the last load read, the base of the next save.
    last: Option<(DomainSnapshot, Option<GpoInfo>)>,
    /// The GPO whose assignment is the snapshot's `assigned` (`None`: the default one).
    gpo: Option<String>,
}

/// A domain's policy store over LDAP. Cloning shares the connection and the last load.
#[derive(Clone)]
pub struct LdapStore {
    url: DirectoryUrl,
    creds: Credentials,
    tls: TlsPolicy,
    state: Rc<RefCell<State>>,
}

impl LdapStore {
    /// Nothing is contacted before the first load.
    pub fn new(url: DirectoryUrl, creds: Credentials, tls: TlsPolicy) -> Self {
        LdapStore {
            url,
            creds,
            tls,
            state: Rc::new(RefCell::new(State {
                dir: None,
                last: None,
                gpo: None,
            })),
        }
    }

    pub fn url(&self) -> &DirectoryUrl {
        &self.url
    }

    /// Makes `assigned` mean the assignment of this GPO (`{GUID}` or display name).
    pub fn set_gpo(&self, gpo: Option<String>) {
        let mut st = self.state.borrow_mut();
        st.gpo = gpo;
        st.last = None;
    }

    /// Every GPO with the policy it carries: `(gpo, policy name)`.
    pub fn assignments(&self) -> Result<Vec<(GpoInfo, Option<String>)>, StoreError> {
        let loaded = self.load()?;
        let mut st = self.state.borrow_mut();
        let dir = self.connect(&mut st)?;
        let gpos = super::assign::list_gpos(dir, &self.url.base_dn).map_err(|e| self.err(e))?;
        Ok(gpos
            .into_iter()
            .map(|g| {
                let name = g.assigned_dn.as_deref().map(|dn| {
                    policy_of(dn)
                        .and_then(|id| loaded.snapshot.policy(id))
                        .map_or_else(|| dn.to_string(), |p| p.name.clone())
                });
                (g, name)
            })
            .collect())
    }

    fn err(&self, e: DomainError) -> StoreError {
        StoreError::Database {
            path: PathBuf::from(self.url.to_string()),
            message: e.to_string(),
        }
    }

    fn connect<'a>(&self, st: &'a mut State) -> Result<&'a mut Directory, StoreError> {
        if st.dir.is_none() {
            st.dir = Some(
                Directory::connect(&self.url, &self.creds, &self.tls).map_err(|e| self.err(e))?,
            );
        }
        st.dir
            .as_mut()
            .ok_or_else(|| self.err(DomainError::Setup("no connection".into())))
    }

    fn read(&self, st: &mut State) -> Result<(DomainSnapshot, Option<GpoInfo>), StoreError> {
        let which = st.gpo.clone();
        let dir = self.connect(st)?;
        let mut d = read_snapshot(dir, &self.url.base_dn).map_err(|e| self.err(e))?;
        let gpo = match find_gpo(dir, &self.url.base_dn, which.as_deref()) {
            Ok(g) => Some(g),
            // A domain without the default GPO: nothing is assigned, nothing can be.
            Err(DomainError::Setup(_)) if which.is_none() => None,
            Err(e) => return Err(self.err(e)),
        };
        d.snapshot.assigned = gpo
            .as_ref()
            .and_then(|g| g.assigned_dn.as_deref())
            .and_then(policy_of)
            .filter(|id| d.snapshot.policy(*id).is_some());
        Ok((d, gpo))
    }

    /// The base of a save at `revision`: the last load when it is that one, else a fresh
    /// read that must still be at `revision`.
    fn base(
        &self,
        st: &mut State,
        revision: Revision,
    ) -> Result<(DomainSnapshot, Option<GpoInfo>), StoreError> {
        if let Some(last) = &st.last
            && last.0.version.highest_usn == revision
        {
            return Ok(last.clone());
        }
        let fresh = self.read(st)?;
        if fresh.0.version.highest_usn != revision {
            let found = fresh.0.version.highest_usn;
            st.last = Some(fresh);
            return Err(StoreError::Stale {
                expected: revision,
                found,
            });
        }
        Ok(fresh)
    }

    fn write(
        &self,
        st: &mut State,
        base: (DomainSnapshot, Option<GpoInfo>),
        edited: &Snapshot,
    ) -> Result<Revision, StoreError> {
        let (base, gpo) = base;
        if edited.dynamic != base.snapshot.dynamic || edited.host != base.snapshot.host {
            return Err(StoreError::Unsupported {
                what: "dynamic rules or host settings (they belong to one machine: keep them \
                       in a local store, --store DIR)",
                store: self.describe(),
            });
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32);
        let mut p = plan(&base, edited, now);
        if edited.assigned != base.snapshot.assigned {
            let Some(gpo) = &gpo else {
                return Err(self.err(DomainError::Setup(
                    "the domain has no Default Domain Policy GPO to assign in: name one \
                     with --gpo"
                        .into(),
                )));
            };
            let target = edited.assigned.and_then(|id| edited.policy(id));
            let dn = target
                .map(|pol| object_dn(&ObjRef::new(Class::Policy, pol.id), &base.container_dn));
            let policy = target
                .zip(dn.as_deref())
                .map(|(pol, dn)| (dn, pol.name.as_str()));
            p.insert_before_deletions(assignment_steps(gpo, policy));
        }
        if p.is_empty() {
            return Ok(base.version.highest_usn);
        }
        let dir = self.connect(st)?;
        self.check_unchanged(dir, &base, &p)?;
        if let Err(e) = execute(dir, &p) {
            st.last = None;
            if e.conflict && e.done.is_empty() {
                let found = self.read(st).map_or(0, |d| d.0.version.highest_usn);
                return Err(StoreError::Stale {
                    expected: base.version.highest_usn,
                    found,
                });
            }
            return Err(StoreError::Database {
                path: PathBuf::from(self.url.to_string()),
                message: e.to_string(),
            });
        }
        let fresh = self.read(st)?;
        let rev = fresh.0.version.highest_usn;
        st.last = Some(fresh);
        Ok(rev)
    }

    /// Refuses with `Stale`, before anything is written, when an object the plan changes
    /// or deletes is not at its loaded `uSNChanged`, or one it adds exists already.
    fn check_unchanged(
        &self,
        dir: &mut Directory,
        base: &DomainSnapshot,
        p: &super::write::Plan,
    ) -> Result<(), StoreError> {
        let now = dir
            .search(
                &base.container_dn,
                SearchScope::OneLevel,
                "(objectClass=ipsecBase)",
                &["uSNChanged"],
            )
            .map_err(|e| self.err(e))?;
        let current: HashMap<String, u64> = now
            .iter()
            .map(|e| {
                let usn = e.text("uSNChanged").and_then(|t| t.trim().parse().ok());
                (dn_key(&e.dn), usn.unwrap_or(0))
            })
            .collect();
        let loaded: HashMap<String, u64> = base
            .objects
            .iter()
            .map(|o| (dn_key(&o.raw.dn), o.raw.usn_changed.unwrap_or(0)))
            .collect();
        let container = dn_key(&base.container_dn);
        let moved = p.steps.iter().any(|s| {
            let key = dn_key(&s.dn);
            if !key.ends_with(&container)
                || key.matches(',').count() != container.matches(',').count() + 1
            {
                return false;
            }
            match &s.op {
                Op::Add(_) => current.contains_key(&key),
                _ => current.get(&key) != loaded.get(&key),
            }
        });
        if moved {
            return Err(StoreError::Stale {
                expected: base.version.highest_usn,
                found: current.values().copied().max().unwrap_or(0),
            });
        }
        Ok(())
    }
}

/// The policy GUID of `CN=ipsecPolicy{GUID},...`.
fn policy_of(dn: &str) -> Option<Id> {
    ObjRef::parse(dn)
        .filter(|r| r.class == Class::Policy)
        .map(|r| r.id)
}

impl Store for LdapStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        let mut st = self.state.borrow_mut();
        let fresh = self.read(&mut st)?;
        let loaded = Loaded {
            snapshot: fresh.0.snapshot.clone(),
            revision: fresh.0.version.highest_usn,
        };
        st.last = Some(fresh);
        Ok(loaded)
    }

    fn apply(
        &self,
        base: &Version,
        changes: &ChangeSet,
        _summary: &str,
    ) -> Result<Revision, StoreError> {
        let mut st = self.state.borrow_mut();
        let revision = base.revision().unwrap_or(0);
        let b = self.base(&mut st, revision)?;
        let edited = changes.apply_to(&b.0.snapshot)?;
        self.write(&mut st, b, &edited)
    }

    fn save(
        &self,
        expected: Revision,
        snapshot: &Snapshot,
        _summary: &str,
    ) -> Result<Revision, StoreError> {
        let mut st = self.state.borrow_mut();
        let b = self.base(&mut st, expected)?;
        self.write(&mut st, b, snapshot)
    }

    fn save_edit(
        &self,
        base: &Loaded,
        edited: &Snapshot,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        self.save(base.revision, edited, summary)
    }

    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        Err(self.unsupported("history"))
    }

    fn load_revision(&self, _revision: Revision) -> Result<Snapshot, StoreError> {
        Err(self.unsupported("earlier revisions"))
    }

    fn restore(&self, _revision: Revision) -> Result<Revision, StoreError> {
        Err(self.unsupported("earlier revisions"))
    }

    fn prune(&self, _keep: usize) -> Result<usize, StoreError> {
        Err(self.unsupported("history"))
    }

    /// `domain example.test on DC 127.0.0.1:636` (no `/`: front ends show it whole).
    fn describe(&self) -> String {
        let domain = self
            .url
            .domain_name()
            .unwrap_or_else(|| self.url.base_dn.clone());
        format!("domain {domain} on DC {}:{}", self.url.host, self.url.port)
    }
}

impl LdapStore {
    fn unsupported(&self, what: &'static str) -> StoreError {
        StoreError::Unsupported {
            what: match what {
                "history" => "history (Active Directory keeps its own backups: restore from them)",
                _ => {
                    "earlier revisions (Active Directory keeps its own backups: restore from them)"
                }
            },
            store: self.describe(),
        }
    }
}

/// The IPsec container of a domain, for messages.
pub fn container_of(url: &DirectoryUrl) -> String {
    IpsecContainer::dn_for(&url.base_dn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> LdapStore {
        LdapStore::new(
            DirectoryUrl::parse("ldaps://dc1.example.test/DC=example,DC=test").expect("url"),
            Credentials::new("Administrator@EXAMPLE.TEST", "x"),
            TlsPolicy::Insecure,
        )
    }

    #[test]
    fn it_names_domain_and_dc_without_a_slash_so_titles_show_it_whole() {
        let s = store();
        assert_eq!(
            s.describe(),
            "domain example.test on DC dc1.example.test:636"
        );
        assert!(!s.describe().contains('/'));
    }

    #[test]
    fn history_and_restore_are_typed_refusals_without_contacting_the_server() {
        let s = store();
        let text = |e: StoreError| e.to_string();
        assert_eq!(
            text(s.history().expect_err("no history")),
            "domain example.test on DC dc1.example.test:636 does not keep history (Active \
             Directory keeps its own backups: restore from them)"
        );
        assert!(matches!(
            s.restore(3),
            Err(StoreError::Unsupported {
                what: "earlier revisions (Active Directory keeps its own backups: restore \
                       from them)",
                ..
            })
        ));
        assert!(matches!(s.prune(1), Err(StoreError::Unsupported { .. })));
    }
}
