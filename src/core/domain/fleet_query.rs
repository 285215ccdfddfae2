//! Fleet questions: `hosts explain PACKET` and `hosts reach SPACE` answered for every host
//! of a `Fleet`, one effective table per distinct (policy content, OS profile,
//! NoDefaultExempt, address signature), so 10,000 hosts cost little more than their
//! distinct tables.
//!
//! The address signature (`fleet_query_signature.rs`, which argues why it is exact) sorts
//! a host's addresses by what the policy and the question can tell apart: which of the
//! subnets and addresses they name hold each address, and how the host's own addresses and
//! broadcasts relate. Hosts with distinct addresses inside one policy subnet share a table;
//! a host inside and one outside it do not. The tables are built for one question
//! (`build` takes it); each group's table is evaluated at its first host's addresses
//! (`Group::addresses`), and the answers' printed addresses are that host's.
//!
//! Each host's policy: the domain policy a GPO assigns (it overrides any local one), else
//! its local policy file from `--hosts` (the file's assigned policy), else none (the
//! default exemptions only). Policies come through a `PolicySource` (the directory read and
//! the file readers live elsewhere), each source loaded once; two sources with equal
//! content share their tables. The host context is the sheet's and AD's: OS profile,
//! NoDefaultExempt, addresses (which `me` means); DNS/WINS/DHCP servers and gateways are not
//! known per host and stay empty.
//!
//! Must not: read files or the directory itself, print, or decide what is shown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::fleet::{Assignment, Fleet, FleetHost};
use crate::core::engine::{
    EffectiveTable, Explanation, HeaderSpace, Packet, PacketError, Peer, ReachItem, SpaceError,
};
use crate::core::engine::{explain, reach};
use crate::core::model::{HostContext, Id, Interface, OsProfile, Snapshot};
use signature::Classifier;
pub use signature::QuestionNets;

/// Why `me` cannot be answered for a host.
pub const NO_ADDRESS: &str = "`me` needs the host's address: give it in --hosts (addresses) \
                              or pass --assume-address CIDR";

/// Where one host's policy comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PolicyOrigin {
    /// The directory's policy object at this DN.
    Domain { dn: String, name: Option<String> },
    /// A local policy file from the hosts sheet.
    Local { file: PathBuf },
    /// No policy at all: the default exemptions only.
    None,
}

impl PolicyOrigin {
    fn of(h: &FleetHost) -> PolicyOrigin {
        match &h.assignment {
            Assignment::Domain { from, policy_name } => PolicyOrigin::Domain {
                dn: from.policy_dn.clone(),
                name: policy_name.clone(),
            },
            Assignment::Local { file } => PolicyOrigin::Local { file: file.clone() },
            Assignment::None => PolicyOrigin::None,
        }
    }

    /// Short words for people: `'Name'`, `local policy FILE`, `none`.
    pub fn describe(&self) -> String {
        match self {
            PolicyOrigin::Domain { name: Some(n), .. } => format!("domain policy '{n}'"),
            PolicyOrigin::Domain { dn, name: None } => format!("domain policy {dn}"),
            PolicyOrigin::Local { file } => format!("local policy {}", file.display()),
            PolicyOrigin::None => "no policy (default exemptions only)".into(),
        }
    }
}

/// Why a source could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    /// True when the user's input (a `--hosts` file, a local policy file) is at fault.
    pub invalid_input: bool,
}

/// Loads the policies hosts point at. Each distinct origin is asked for once.
pub trait PolicySource {
    /// The directory's policy at `dn`: a snapshot holding it and the id to evaluate.
    fn domain(&mut self, dn: &str) -> Result<(Snapshot, Id), LoadError>;
    /// A local policy file; its assigned policy is evaluated (none assigned: exemptions only).
    fn local(&mut self, file: &Path) -> Result<Snapshot, LoadError>;
}

/// The id of the policy a `CN=ipsecPolicy{GUID},...` DN names.
pub fn policy_id_of_dn(dn: &str) -> Option<Id> {
    let first = dn.split(',').next()?.trim();
    let (attr, value) = first.split_once('=')?;
    if !attr.trim().eq_ignore_ascii_case("cn") {
        return None;
    }
    let value = value.trim();
    let prefix = "ipsecpolicy";
    if value.len() <= prefix.len() || !value[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return None;
    }
    let guid = value[prefix.len()..]
        .trim_start_matches('{')
        .trim_end_matches('}');
    Id::parse_str(guid).ok()
}

/// Hosts sharing one effective table.
#[derive(Debug, Clone)]
pub struct Group {
    pub origin: PolicyOrigin,
    /// Other origins with the same content (their hosts are in this group too).
    pub same_content: Vec<PolicyOrigin>,
    /// `None` when the host's OS is unknown (no table can be built).
    pub profile: Option<OsProfile>,
    pub no_default_exempt: Option<u32>,
    /// The addresses the table was built at: the group's first host's (or the stand-in).
    pub addresses: Vec<Interface>,
    /// True when some host of the group has other addresses than `addresses` (ones the
    /// policy and the question cannot tell apart from them).
    pub addresses_vary: bool,
    /// True when `addresses` are the caller's stand-in (the sheet gives the host none).
    pub assumed_addresses: bool,
    /// Indices into `Fleet::hosts`, in fleet order.
    pub hosts: Vec<usize>,
    pub table: Result<EffectiveTable, LoadError>,
}

/// The distinct tables of a fleet.
#[derive(Debug, Clone)]
pub struct FleetTables {
    pub groups: Vec<Group>,
    /// How many distinct policy origins were loaded.
    pub sources: usize,
    /// The question the groups were made for.
    question: QuestionNets,
}

/// One group's answer.
#[derive(Debug, Clone)]
pub struct GroupAnswer<T> {
    pub group: usize,
    pub answer: Result<T, String>,
}

type Key = (usize, Option<OsProfile>, Option<u32>, Vec<u32>);

impl FleetTables {
    /// Groups `fleet`'s hosts for `question` (`QuestionNets::of_packet`/`of_space`: the
    /// later `explain`/`reach` must ask the same); a host the sheet gives no address gets
    /// `assumed` (empty: none, and `me` cannot be answered for it).
    pub fn build(
        fleet: &Fleet,
        source: &mut dyn PolicySource,
        assumed: &[Interface],
        question: &QuestionNets,
    ) -> FleetTables {
        // Origin -> content id; content id -> (snapshot, policy, first origin, others).
        let mut origin_content: HashMap<PolicyOrigin, usize> = HashMap::new();
        let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
        let mut contents: Vec<Content> = Vec::new();
        let mut index: HashMap<Key, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut classifiers: HashMap<usize, Classifier> = HashMap::new();
        for (i, h) in fleet.hosts.iter().enumerate() {
            let origin = PolicyOrigin::of(h);
            let content = match origin_content.get(&origin) {
                Some(&c) => c,
                None => {
                    let c = load(&origin, source, &mut by_fingerprint, &mut contents);
                    origin_content.insert(origin.clone(), c);
                    c
                }
            };
            let profile = h.profile.as_ref().ok().copied();
            let facts = h.facts.as_ref();
            let nde = facts.and_then(|f| f.no_default_exempt);
            let mut addresses: Vec<Interface> =
                facts.map(|f| f.addresses.clone()).unwrap_or_default();
            let assumed_addresses = addresses.is_empty() && !assumed.is_empty();
            if assumed_addresses {
                addresses = assumed.to_vec();
            }
            let classifier =
                classifiers
                    .entry(content)
                    .or_insert_with(|| match &contents[content].loaded {
                        Ok((snap, policy)) => Classifier::new(snap, *policy, question),
                        Err(_) => Classifier::new(&Snapshot::default(), None, question),
                    });
            let mut signature = classifier.signature(&addresses);
            // A stand-in address is labelled as such: never mixed with a sheet's.
            signature.push(u32::from(assumed_addresses));
            let key: Key = (content, profile, nde, signature);
            if let Some(&g) = index.get(&key) {
                let g = &mut groups[g];
                g.hosts.push(i);
                g.addresses_vary |= g.addresses != addresses;
                continue;
            }
            let c = &contents[content];
            let table = match (&c.loaded, profile) {
                (Err(e), _) => Err(e.clone()),
                (Ok(_), None) => Err(LoadError {
                    message: "the OS is unknown (no profile from operatingSystem): give the \
                              os in --hosts"
                        .into(),
                    invalid_input: false,
                }),
                (Ok((snap, policy)), Some(p)) => {
                    let host = HostContext {
                        profile: p,
                        no_default_exempt: nde,
                        interfaces: addresses.clone(),
                        ..HostContext::default()
                    };
                    Ok(EffectiveTable::build(snap, *policy, &host))
                }
            };
            index.insert(key, groups.len());
            groups.push(Group {
                origin: c.origin.clone(),
                same_content: Vec::new(),
                profile,
                no_default_exempt: nde,
                addresses,
                addresses_vary: false,
                assumed_addresses,
                hosts: vec![i],
                table,
            });
        }
        // Name every origin that shares a group's content.
        let mut others: Vec<Vec<PolicyOrigin>> = vec![Vec::new(); contents.len()];
        for (o, &c) in &origin_content {
            if *o != contents[c].origin {
                others[c].push(o.clone());
            }
        }
        for g in &mut groups {
            if let Some(c) = origin_content.get(&g.origin) {
                let mut same = others[*c].clone();
                same.sort_by_key(PolicyOrigin::describe);
                g.same_content = same;
            }
        }
        FleetTables {
            groups,
            sources: origin_content.len(),
            question: question.clone(),
        }
    }

    /// The verdict on `packet` (`PROTO SRC -> DST`, `me` = each host's first address) per
    /// group.
    pub fn explain(&self, packet: &str, peer: Option<Peer>) -> Vec<GroupAnswer<Explanation>> {
        let words = |e: PacketError| match e {
            PacketError::NoHostAddress => NO_ADDRESS.to_string(),
            e => e.to_string(),
        };
        let asked = QuestionNets::of_packet(packet);
        self.each(&asked, |t| {
            let p = Packet::parse(packet, &t.context.host_addresses).map_err(words)?;
            explain(t, &p, peer).map_err(words)
        })
    }

    /// What of `space` each group lets in (empty: nothing gets through).
    pub fn reach(&self, space: &HeaderSpace) -> Vec<GroupAnswer<Vec<ReachItem>>> {
        self.each(&QuestionNets::of_space(space), |t| {
            reach(t, space).map_err(|e| match e {
                SpaceError::NoHostAddress => NO_ADDRESS.to_string(),
                e => e.to_string(),
            })
        })
    }

    fn each<T>(
        &self,
        asked: &QuestionNets,
        mut f: impl FnMut(&EffectiveTable) -> Result<T, String>,
    ) -> Vec<GroupAnswer<T>> {
        // Groups made for another question may merge hosts this one tells apart.
        let other = asked.0.iter().any(|n| !self.question.0.contains(n));
        self.groups
            .iter()
            .enumerate()
            .map(|(i, g)| GroupAnswer {
                group: i,
                answer: match &g.table {
                    Ok(_) if other => Err("the fleet was grouped for another question: \
                                           build the tables with this one"
                        .into()),
                    Ok(t) => f(t),
                    Err(e) => Err(e.message.clone()),
                },
            })
            .collect()
    }
}

struct Content {
    origin: PolicyOrigin,
    loaded: Result<(Snapshot, Option<Id>), LoadError>,
}

/// Loads `origin` and returns its content id, sharing one with an equal earlier content.
fn load(
    origin: &PolicyOrigin,
    source: &mut dyn PolicySource,
    by_fingerprint: &mut HashMap<String, usize>,
    contents: &mut Vec<Content>,
) -> usize {
    let loaded = match origin {
        PolicyOrigin::Domain { dn, .. } => source.domain(dn).map(|(s, id)| (s, Some(id))),
        PolicyOrigin::Local { file } => source.local(file).map(|s| (s, None)),
        PolicyOrigin::None => Ok((Snapshot::default(), None)),
    };
    let fingerprint = loaded.as_ref().ok().and_then(|(s, id)| fingerprint(s, *id));
    if let Some(f) = &fingerprint
        && let Some(&c) = by_fingerprint.get(f)
    {
        return c;
    }
    let c = contents.len();
    if let Some(f) = fingerprint {
        by_fingerprint.insert(f, c);
    }
    contents.push(Content {
        origin: origin.clone(),
        loaded,
    });
    c
}

/// What decides a table besides the host: the policy evaluated with its lists and actions,
/// and the dynamic rules. `None` when it cannot be serialised (the origin then stands alone).
fn fingerprint(s: &Snapshot, policy: Option<Id>) -> Option<String> {
    let id = policy.or(s.assigned);
    let p = id.and_then(|id| s.policy(id));
    let mut lists: Vec<&crate::core::model::FilterList> = Vec::new();
    let mut actions: Vec<&crate::core::model::FilterAction> = Vec::new();
    if let Some(p) = p {
        for r in &p.rules {
            lists.extend(s.filter_list(r.filter_list));
            actions.extend(s.filter_action(r.filter_action));
        }
    }
    serde_json::to_string(&(p, lists, actions, &s.dynamic)).ok()
}

#[path = "fleet_query_signature.rs"]
mod signature;

#[cfg(test)]
#[path = "fleet_query_tests.rs"]
mod tests;
