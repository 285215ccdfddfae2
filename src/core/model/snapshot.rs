//! `Snapshot`: everything one revision of a store holds. Static objects, the assignment,
//! the dynamic rules (kept apart: never exported with the static policy) and the host.

use serde::{Deserialize, Serialize};

use super::lookup::{Kind, LookupCache};
use super::{
    AuthMethod, ConnectionType, Filter, FilterAction, FilterList, HostContext, Id, Policy,
};

/// A dynamic rule (ipseccmd without `-w`, netsh ipsec dynamic): one filter with its own
/// action. It joins the assigned policy's weighted table and is lost when the policy agent
/// restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicRule {
    pub id: Id,
    pub filter: Filter,
    pub action: FilterAction,
    #[serde(default)]
    pub authentication: Vec<AuthMethod>,
    #[serde(default)]
    pub tunnel: Option<std::net::Ipv4Addr>,
    #[serde(default)]
    pub connection: ConnectionType,
    /// The command that created it, for display ("ipseccmd -f [*=0:1434:UDP]").
    #[serde(default)]
    pub origin: String,
    /// The action for outbound packets when it differs from `action` (netsh dynamic
    /// `actionoutbound`); `action` is then the inbound one (`actioninbound`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound: Option<FilterAction>,
    /// The main-mode and quick-mode policies a `netsh ipsec dynamic add rule` named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netsh: Option<super::NetshRuleRefs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    pub policies: Vec<Policy>,
    #[serde(default)]
    pub filter_lists: Vec<FilterList>,
    #[serde(default)]
    pub filter_actions: Vec<FilterAction>,
    /// The assigned (active) policy; at most one.
    #[serde(default)]
    pub assigned: Option<Id>,
    #[serde(default)]
    pub dynamic: Vec<DynamicRule>,
    #[serde(default)]
    pub host: HostContext,
    /// Registry objects no policy uses, kept as read so an export gives them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreferenced: Vec<super::UnreferencedObject>,
    /// Positions by id for `filter_list`, `filter_action` and `policy` (never part of the
    /// value: see `LookupCache`). Build a snapshot with `..Default::default()`.
    #[serde(skip)]
    pub lookup: LookupCache,
}

/// Who uses a shared object: (policy, rule) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    pub rules: Vec<(Id, Id)>,
}

/// Rules per filter list and per filter action (`Snapshot::usage_counts`).
#[derive(Debug, Clone, Default)]
pub struct UsageCounts {
    lists: std::collections::HashMap<Id, usize>,
    actions: std::collections::HashMap<Id, usize>,
}

impl UsageCounts {
    /// Rules that use this filter list.
    pub fn list(&self, id: Id) -> usize {
        self.lists.get(&id).copied().unwrap_or(0)
    }

    /// Rules that use this filter action.
    pub fn action(&self, id: Id) -> usize {
        self.actions.get(&id).copied().unwrap_or(0)
    }
}

impl Usage {
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub fn policy_count(&self) -> usize {
        let mut p: Vec<Id> = self.rules.iter().map(|(p, _)| *p).collect();
        p.sort();
        p.dedup();
        p.len()
    }
}

impl Snapshot {
    pub fn policy(&self, id: Id) -> Option<&Policy> {
        let i = self.policy_position(id)?;
        self.policies.get(i)
    }

    pub fn policy_mut(&mut self, id: Id) -> Option<&mut Policy> {
        let i = self.policy_position(id)?;
        self.policies.get_mut(i)
    }

    fn policy_position(&self, id: Id) -> Option<usize> {
        self.lookup
            .position(Kind::Policies, &self.policies, id, |p| p.id)
    }

    fn list_position(&self, id: Id) -> Option<usize> {
        self.lookup
            .position(Kind::Lists, &self.filter_lists, id, |l| l.id)
    }

    fn action_position(&self, id: Id) -> Option<usize> {
        self.lookup
            .position(Kind::Actions, &self.filter_actions, id, |a| a.id)
    }

    /// Policy by name: exact match first, then case-insensitive (Windows names are not
    /// case-sensitive).
    pub fn policy_named(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.name == name).or_else(|| {
            self.policies
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
        })
    }

    pub fn filter_list(&self, id: Id) -> Option<&FilterList> {
        let i = self.list_position(id)?;
        self.filter_lists.get(i)
    }

    pub fn filter_list_mut(&mut self, id: Id) -> Option<&mut FilterList> {
        let i = self.list_position(id)?;
        self.filter_lists.get_mut(i)
    }

    pub fn filter_list_named(&self, name: &str) -> Option<&FilterList> {
        self.filter_lists
            .iter()
            .find(|l| l.name == name)
            .or_else(|| {
                self.filter_lists
                    .iter()
                    .find(|l| l.name.eq_ignore_ascii_case(name))
            })
    }

    pub fn filter_action(&self, id: Id) -> Option<&FilterAction> {
        let i = self.action_position(id)?;
        self.filter_actions.get(i)
    }

    pub fn filter_action_mut(&mut self, id: Id) -> Option<&mut FilterAction> {
        let i = self.action_position(id)?;
        self.filter_actions.get_mut(i)
    }

    pub fn filter_action_named(&self, name: &str) -> Option<&FilterAction> {
        self.filter_actions
            .iter()
            .find(|a| a.name == name)
            .or_else(|| {
                self.filter_actions
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
            })
    }

    pub fn assigned_policy(&self) -> Option<&Policy> {
        self.assigned.and_then(|id| self.policy(id))
    }

    /// Rules (with their policy) that use a filter list.
    pub fn filter_list_usage(&self, list: Id) -> Usage {
        self.usage(|r| r.filter_list == list)
    }

    /// Rules (with their policy) that use a filter action.
    pub fn filter_action_usage(&self, action: Id) -> Usage {
        self.usage(|r| r.filter_action == action)
    }

    /// How many rules use each filter list and each filter action, counted in one pass:
    /// for reports that give the count of every object (asking `filter_list_usage` per
    /// object would scan every rule for each).
    pub fn usage_counts(&self) -> UsageCounts {
        let mut u = UsageCounts::default();
        for r in self.policies.iter().flat_map(|p| &p.rules) {
            *u.lists.entry(r.filter_list).or_default() += 1;
            *u.actions.entry(r.filter_action).or_default() += 1;
        }
        u
    }

    fn usage(&self, pred: impl Fn(&super::Rule) -> bool) -> Usage {
        Usage {
            rules: self
                .policies
                .iter()
                .flat_map(|p| p.rules.iter().filter(|r| pred(r)).map(|r| (p.id, r.id)))
                .collect(),
        }
    }

    /// The static part only (what static exports carry): no dynamic rules.
    pub fn without_dynamic(&self) -> Snapshot {
        Snapshot {
            dynamic: Vec::new(),
            ..self.clone()
        }
    }

    /// A one-line count for summaries and history.
    pub fn counts(&self) -> String {
        let rules: usize = self.policies.iter().map(|p| p.rules.len()).sum();
        format!(
            "{} policies, {} rules, {} filter lists, {} filter actions, {} dynamic rules",
            self.policies.len(),
            rules,
            self.filter_lists.len(),
            self.filter_actions.len(),
            self.dynamic.len()
        )
    }
}
