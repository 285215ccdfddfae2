//! Object-level edits the UI offers: what an object is (`Target`), who uses it, and
//! duplicate/delete with their impact. Pure functions over `Snapshot`; `update` wraps them
//! in undo steps.

use crate::core::model::{Id, Snapshot};

/// One object of the snapshot, as the UI points at it (selection, jumps, deletes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Policy(Id),
    Rule { policy: Id, rule: Id },
    FilterList(Id),
    Filter { list: Id, index: usize },
    FilterAction(Id),
    Host,
}

impl Target {
    /// "filter list 'Inbound UDP 1434'", for messages.
    pub fn describe(&self, s: &Snapshot) -> String {
        match *self {
            Target::Policy(id) => {
                format!("policy {:?}", name_or_id(s.policy(id).map(|p| &p.name), id))
            }
            Target::Rule { policy, rule } => {
                let name = s
                    .policy(policy)
                    .and_then(|p| p.rules.iter().find(|r| r.id == rule))
                    .map(|r| &r.name);
                format!("rule {:?}", name_or_id(name, rule))
            }
            Target::FilterList(id) => {
                format!(
                    "filter list {:?}",
                    name_or_id(s.filter_list(id).map(|l| &l.name), id)
                )
            }
            Target::Filter { list, index } => {
                let name = s
                    .filter_list(list)
                    .map(|l| l.name.clone())
                    .unwrap_or_default();
                format!("filter {} of {name:?}", index + 1)
            }
            Target::FilterAction(id) => format!(
                "filter action {:?}",
                name_or_id(s.filter_action(id).map(|a| &a.name), id)
            ),
            Target::Host => "host context".to_string(),
        }
    }
}

fn name_or_id(name: Option<&String>, id: Id) -> String {
    name.cloned().unwrap_or_else(|| id.to_string())
}

/// "used by 2 rules in 1 policy", or `None` when nothing uses the object.
pub fn usage_line(s: &Snapshot, t: Target) -> Option<String> {
    let usage = match t {
        Target::FilterList(id) => s.filter_list_usage(id),
        Target::FilterAction(id) => s.filter_action_usage(id),
        Target::Filter { list, .. } => s.filter_list_usage(list),
        _ => return None,
    };
    let (r, p) = (usage.rule_count(), usage.policy_count());
    (r > 0).then(|| {
        format!(
            "used by {r} rule{} in {p} polic{}",
            plural(r),
            if p == 1 { "y" } else { "ies" }
        )
    })
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What deleting the object takes with it; `None` when nothing else goes.
pub fn delete_impact(s: &Snapshot, t: Target) -> Option<String> {
    match t {
        Target::Policy(id) => {
            let p = s.policy(id)?;
            let assigned = if s.assigned == Some(id) {
                "; it is the assigned policy"
            } else {
                ""
            };
            (!p.rules.is_empty() || !assigned.is_empty()).then(|| {
                format!(
                    "its {} rule{} go with it{assigned}",
                    p.rules.len(),
                    plural(p.rules.len())
                )
            })
        }
        Target::FilterList(_) | Target::FilterAction(_) => {
            usage_line(s, t).map(|u| format!("{u}; those rules are deleted with it"))
        }
        Target::Filter { .. } => {
            usage_line(s, t).map(|u| format!("the list is {u}: their traffic changes"))
        }
        Target::Rule { .. } | Target::Host => None,
    }
}

/// Deletes the object (and, for a shared list or action, the rules that use it, so no
/// reference dangles). Returns false when the target no longer exists.
pub fn delete(s: &mut Snapshot, t: Target) -> bool {
    match t {
        Target::Policy(id) => {
            let before = s.policies.len();
            s.policies.retain(|p| p.id != id);
            if s.assigned == Some(id) {
                s.assigned = None;
            }
            s.policies.len() != before
        }
        Target::Rule { policy, rule } => match s.policy_mut(policy) {
            Some(p) => {
                let before = p.rules.len();
                p.rules.retain(|r| r.id != rule);
                p.rules.len() != before
            }
            None => false,
        },
        Target::FilterList(id) => {
            for p in &mut s.policies {
                p.rules.retain(|r| r.filter_list != id);
            }
            let before = s.filter_lists.len();
            s.filter_lists.retain(|l| l.id != id);
            s.filter_lists.len() != before
        }
        Target::Filter { list, index } => match s.filter_list_mut(list) {
            Some(l) if index < l.filters.len() => {
                l.filters.remove(index);
                true
            }
            _ => false,
        },
        Target::FilterAction(id) => {
            for p in &mut s.policies {
                p.rules.retain(|r| r.filter_action != id);
            }
            let before = s.filter_actions.len();
            s.filter_actions.retain(|a| a.id != id);
            s.filter_actions.len() != before
        }
        Target::Host => false,
    }
}

/// A name not yet taken: "X (copy)", "X (copy 2)", ...
pub fn copy_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            format!("{name} (copy)")
        } else {
            format!("{name} (copy {n})")
        };
        if !taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// Duplicates the object next to the original with fresh ids; returns the copy.
pub fn duplicate(s: &mut Snapshot, t: Target) -> Option<Target> {
    match t {
        Target::Policy(id) => {
            let mut p = s.policy(id)?.clone();
            p.id = Id::new_v4();
            p.name = copy_name(&p.name, |n| s.policy_named(n).is_some());
            for r in &mut p.rules {
                r.id = Id::new_v4();
            }
            let new = p.id;
            let at = s
                .policies
                .iter()
                .position(|x| x.id == id)
                .map_or(0, |i| i + 1);
            s.policies.insert(at, p);
            Some(Target::Policy(new))
        }
        Target::Rule { policy, rule } => {
            let p = s.policy_mut(policy)?;
            let at = p.rules.iter().position(|r| r.id == rule)?;
            let mut r = p.rules[at].clone();
            r.id = Id::new_v4();
            let names: Vec<String> = p.rules.iter().map(|r| r.name.clone()).collect();
            r.name = copy_name(&r.name, |n| names.iter().any(|x| x == n));
            let new = r.id;
            p.rules.insert(at + 1, r);
            Some(Target::Rule { policy, rule: new })
        }
        Target::FilterList(id) => {
            let mut l = s.filter_list(id)?.clone();
            l.id = Id::new_v4();
            l.name = copy_name(&l.name, |n| s.filter_list_named(n).is_some());
            for f in &mut l.filters {
                f.id = Id::new_v4();
            }
            let new = l.id;
            let at = s
                .filter_lists
                .iter()
                .position(|x| x.id == id)
                .map_or(0, |i| i + 1);
            s.filter_lists.insert(at, l);
            Some(Target::FilterList(new))
        }
        Target::Filter { list, index } => {
            let l = s.filter_list_mut(list)?;
            let mut f = l.filters.get(index)?.clone();
            f.id = Id::new_v4();
            l.filters.insert(index + 1, f);
            Some(Target::Filter {
                list,
                index: index + 1,
            })
        }
        Target::FilterAction(id) => {
            let mut a = s.filter_action(id)?.clone();
            a.id = Id::new_v4();
            a.name = copy_name(&a.name, |n| s.filter_action_named(n).is_some());
            let new = a.id;
            let at = s
                .filter_actions
                .iter()
                .position(|x| x.id == id)
                .map_or(0, |i| i + 1);
            s.filter_actions.insert(at, a);
            Some(Target::FilterAction(new))
        }
        Target::Host => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sample::kb813878;

    #[test]
    fn deleting_a_used_list_takes_its_rules_and_says_so() {
        let mut s = kb813878();
        let list = s.filter_lists[0].id;
        let impact = delete_impact(&s, Target::FilterList(list)).expect("impact");
        assert_eq!(
            impact,
            "used by 1 rule in 1 policy; those rules are deleted with it"
        );
        assert!(delete(&mut s, Target::FilterList(list)));
        assert_eq!(s.policies[0].rules.len(), 1);
        assert!(s.policies[0].rules.iter().all(|r| r.filter_list != list));
    }

    #[test]
    fn duplicates_get_fresh_ids_and_free_names() {
        let mut s = kb813878();
        let id = s.policies[0].id;
        let Some(Target::Policy(a)) = duplicate(&mut s, Target::Policy(id)) else {
            panic!("no copy")
        };
        let Some(Target::Policy(b)) = duplicate(&mut s, Target::Policy(id)) else {
            panic!("no copy")
        };
        let names: Vec<_> = s.policies.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains(&"Block UDP 1434 Filter (copy)"));
        assert!(names.contains(&"Block UDP 1434 Filter (copy 2)"));
        assert_ne!(a, b);
    }
}
