//! The rule wizard (issue 8 item 4): one flow like the MMC's Security Rule Wizard, policy
//! -> rule name -> filter list (pick one, or name a new one and type its filters as
//! one-line specs) -> filter action (pick one, or block/permit/negotiate) -> review, with
//! the effective rows the rule adds shown before anything is stored.
//!
//! Owns the wizard's state, its keys and the snapshot it builds; it does not draw
//! (`panes::wizard`) and commits through `update::edit` like every other edit (one undo
//! step). Specs are read by the importers' own parsers, so the wizard refuses what they
//! refuse, in their words: ipseccmd specs (`*=0:1434:UDP`) by `interchange::ipseccmd`,
//! the `reach` syntax (`udp any -> me:1434`) by the engine's `HeaderSpace`.

use crossterm::event::{KeyCode, KeyEvent};

use super::input::LineBuf;
use crate::core::engine::HeaderSpace;
use crate::core::engine::reach::SpaceAddr;
use crate::core::interchange::ipseccmd;
use crate::core::model::{
    Address, Behavior, Filter, FilterAction, FilterList, HostContext, Policy, Protocol, Rule,
    Snapshot, prefix_mask,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Policy,
    Rule,
    List,
    Filters,
    Action,
    /// Only when the host has no address and a filter says `me`: without one the rule
    /// adds no rows (issue 8 item 5).
    Address,
    Review,
}

impl Step {
    pub fn number(self) -> usize {
        match self {
            Step::Policy => 1,
            Step::Rule => 2,
            Step::List | Step::Filters => 3,
            Step::Action | Step::Address => 4,
            Step::Review => 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Wizard {
    pub step: Step,
    pub input: LineBuf,
    pub policy: String,
    pub rule: String,
    pub list: String,
    /// Filters typed for a new list: the text as typed and what it became.
    pub filters: Vec<(String, Filter)>,
    pub action: String,
    /// Assign the policy on commit (on by default when none is assigned).
    pub assign: bool,
    pub error: Option<String>,
    /// Warnings of the importer for the last spec, or other notes worth reading.
    pub note: Option<String>,
    /// At review: the effective rows the rule adds, one line each.
    pub adds: Vec<String>,
    /// The host's addresses, typed at the address step.
    pub interfaces: Option<Vec<crate::core::model::Interface>>,
}

/// What a key did.
pub enum Outcome {
    Stay,
    Cancel,
    Commit,
}

impl Wizard {
    /// A wizard for a new rule; with `policy` the policy step is already answered.
    pub fn new(policy: Option<&str>, s: &Snapshot) -> Wizard {
        Wizard {
            step: if policy.is_some() {
                Step::Rule
            } else {
                Step::Policy
            },
            input: LineBuf::default(),
            policy: policy.unwrap_or_default().to_string(),
            rule: String::new(),
            list: String::new(),
            filters: Vec::new(),
            action: String::new(),
            assign: s.assigned.is_none(),
            error: None,
            note: None,
            adds: Vec::new(),
            interfaces: None,
        }
    }

    /// The host has no address and the rule's filters say `me`.
    fn needs_address(&self, s: &Snapshot) -> bool {
        let me = |f: &Filter| f.source == Address::Me || f.destination == Address::Me;
        let uses_me = match s.filter_list_named(&self.list) {
            Some(l) => l.filters.iter().any(me),
            None => self.filters.iter().any(|(_, f)| me(f)),
        };
        s.host.interfaces.is_empty() && uses_me
    }

    /// The question of the current step, for the prompt.
    pub fn question(&self) -> &'static str {
        match self.step {
            Step::Policy => "Policy (an existing name, or a new one)",
            Step::Rule => "Rule name",
            Step::List => "Filter list (an existing name, or a new one)",
            Step::Filters => "Filter (Enter on an empty line when done)",
            Step::Action => "Filter action: block, permit, negotiate or an existing name",
            Step::Address => {
                "This host has no address, so `me` matches nothing: its address/prefix \
                 (e.g. 192.0.2.10/24), or Enter to skip"
            }
            Step::Review => "Enter stores the rule; Space toggles assigning the policy",
        }
    }

    /// Names Tab completes at this step.
    pub fn names(&self, s: &Snapshot) -> Vec<String> {
        match self.step {
            Step::Policy => s.policies.iter().map(|p| p.name.clone()).collect(),
            Step::List => s.filter_lists.iter().map(|l| l.name.clone()).collect(),
            Step::Action => {
                let mut v: Vec<String> = s.filter_actions.iter().map(|a| a.name.clone()).collect();
                v.extend(["block", "permit", "negotiate"].map(String::from));
                v
            }
            _ => Vec::new(),
        }
    }

    pub fn key(&mut self, key: KeyEvent, s: &Snapshot) -> Outcome {
        match key.code {
            KeyCode::Esc => return self.back(),
            KeyCode::Enter => return self.enter(s),
            KeyCode::Tab => {
                self.complete(s);
                return Outcome::Stay;
            }
            KeyCode::Char(' ') if self.step == Step::Review => {
                self.assign = !self.assign;
                return Outcome::Stay;
            }
            _ => {}
        }
        if self.step != Step::Review && self.input.key(key) {
            self.error = None;
        }
        Outcome::Stay
    }

    fn complete(&mut self, s: &Snapshot) {
        let typed = self.input.text.to_lowercase();
        let hits: Vec<String> = self
            .names(s)
            .into_iter()
            .filter(|n| n.to_lowercase().starts_with(&typed))
            .collect();
        match hits.as_slice() {
            [one] => self.input = LineBuf::new(one),
            [] => self.note = Some("no name starts so".into()),
            many => self.note = Some(many.join(", ")),
        }
    }

    /// Esc: one step back with its answer kept; from the first step, cancel.
    fn back(&mut self) -> Outcome {
        self.error = None;
        let (step, text) = match self.step {
            Step::Policy => return Outcome::Cancel,
            Step::Rule => (Step::Policy, self.policy.clone()),
            Step::List => (Step::Rule, self.rule.clone()),
            Step::Filters => (Step::List, self.list.clone()),
            Step::Action if self.filters.is_empty() => (Step::List, self.list.clone()),
            Step::Action => (Step::Filters, String::new()),
            Step::Review if self.interfaces.is_some() => (Step::Address, String::new()),
            Step::Review => (Step::Action, self.action.clone()),
            Step::Address => (Step::Action, self.action.clone()),
        };
        self.step = step;
        self.input = LineBuf::new(&text);
        Outcome::Stay
    }

    fn enter(&mut self, s: &Snapshot) -> Outcome {
        let text = self.input.text.trim().to_string();
        let need = |what: &str| Some(format!("type a {what} name (Esc goes back)"));
        match self.step {
            Step::Policy if text.is_empty() => self.error = need("policy"),
            Step::Policy => {
                self.policy = text;
                self.next(Step::Rule);
            }
            Step::Rule if text.is_empty() => self.error = need("rule"),
            Step::Rule => {
                let taken = s
                    .policy_named(&self.policy)
                    .is_some_and(|p| p.rules.iter().any(|r| r.name == text));
                if taken {
                    self.error = Some(format!(
                        "policy {:?} already has a rule {text:?}: pick another name",
                        self.policy
                    ));
                } else {
                    self.rule = text;
                    self.next(Step::List);
                }
            }
            Step::List if text.is_empty() => self.error = need("filter list"),
            Step::List => {
                self.list = text;
                if s.filter_list_named(&self.list).is_some() {
                    self.filters.clear();
                    self.next(Step::Action);
                } else {
                    self.next(Step::Filters);
                }
            }
            Step::Filters if text.is_empty() => {
                if self.filters.is_empty() {
                    self.error = Some(
                        "a new list needs a filter: e.g. *=0:1434:UDP or udp any -> me:1434".into(),
                    );
                } else {
                    self.next(Step::Action);
                }
            }
            Step::Filters => match parse_filter(&text, &s.host) {
                Ok((f, warnings)) => {
                    self.note = (!warnings.is_empty()).then(|| warnings.join("; "));
                    self.filters.push((text, f));
                    self.input = LineBuf::default();
                    self.error = None;
                }
                Err(e) => self.error = Some(e),
            },
            Step::Action => match resolve_action(&text, s) {
                Ok(_) => {
                    self.action = text;
                    self.interfaces = None;
                    if self.needs_address(s) {
                        self.next(Step::Address);
                    } else {
                        self.next(Step::Review);
                    }
                }
                Err(e) => self.error = Some(e),
            },
            Step::Address if text.is_empty() => self.next(Step::Review),
            Step::Address => match super::forms::parse::interfaces(&text) {
                Ok(i) => {
                    self.interfaces = Some(i);
                    self.next(Step::Review);
                }
                Err(e) => self.error = Some(e),
            },
            Step::Review => return Outcome::Commit,
        }
        Outcome::Stay
    }

    fn next(&mut self, step: Step) {
        self.step = step;
        self.input = LineBuf::default();
        self.error = None;
        self.note = None;
    }

    /// The snapshot with the rule added (and what it needs created), or why not.
    pub fn build(&self, s: &Snapshot) -> Result<Snapshot, String> {
        let mut out = s.clone();
        let list_id = match out.filter_list_named(&self.list) {
            Some(l) => l.id,
            None => {
                let mut l = FilterList::new(self.list.clone());
                l.filters = self.filters.iter().map(|(_, f)| f.clone()).collect();
                let id = l.id;
                out.filter_lists.push(l);
                id
            }
        };
        let action_id = match resolve_action(&self.action, &out)? {
            Ok(id) => id,
            Err(behavior) => {
                let name = match behavior {
                    Behavior::Block => "Block",
                    Behavior::Permit => "Permit",
                    Behavior::Negotiate => "Negotiate",
                };
                let a = FilterAction::new(name, behavior);
                let id = a.id;
                out.filter_actions.push(a);
                id
            }
        };
        let policy_id = match out.policy_named(&self.policy) {
            Some(p) => p.id,
            None => {
                let p = Policy::new(self.policy.clone());
                let id = p.id;
                out.policies.push(p);
                id
            }
        };
        let policy = out
            .policies
            .iter_mut()
            .find(|p| p.id == policy_id)
            .ok_or("the policy vanished")?;
        policy
            .rules
            .push(Rule::new(self.rule.clone(), list_id, action_id));
        if self.assign {
            out.assigned = Some(policy_id);
        }
        if let Some(i) = &self.interfaces {
            out.host.interfaces = i.clone();
        }
        Ok(out)
    }
}

/// An existing action by name (`Ok(Ok(id))`), or the behavior of a new one to create
/// (`Ok(Err(b))`); the existing name wins, so a second `block` reuses the first's action.
fn resolve_action(
    text: &str,
    s: &Snapshot,
) -> Result<Result<crate::core::model::Id, Behavior>, String> {
    if let Some(a) = s
        .filter_actions
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(text.trim()))
    {
        return Ok(Ok(a.id));
    }
    match text.trim().to_ascii_lowercase().as_str() {
        "block" => Ok(Err(Behavior::Block)),
        "permit" => Ok(Err(Behavior::Permit)),
        "negotiate" => Ok(Err(Behavior::Negotiate)),
        "" => Err("type block, permit, negotiate or the name of an action (Tab completes)".into()),
        other => Err(format!(
            "no filter action {other:?}: type block, permit, negotiate or the name of an action (Tab completes)"
        )),
    }
}

/// One filter as typed: the `reach` syntax when it has `->`, else an ipseccmd spec. The
/// errors are the parsers' own.
pub fn parse_filter(text: &str, host: &HostContext) -> Result<(Filter, Vec<String>), String> {
    if !text.contains("->") {
        return ipseccmd::parse_filter_spec(text, host).map_err(|e| e.to_string());
    }
    let h = HeaderSpace::parse(text).map_err(|e| e.to_string())?;
    let addr = |a: SpaceAddr| match a {
        SpaceAddr::Me => Address::Me,
        SpaceAddr::Net(n) if n.prefix == 0 => Address::Any,
        SpaceAddr::Net(n) => Address::Ip {
            addr: n.addr.into(),
            mask: prefix_mask(n.prefix),
        },
    };
    let port = |(lo, hi): (u16, u16), side: &str| -> Result<u16, String> {
        if lo == hi {
            Ok(lo)
        } else if lo <= 1 && hi == u16::MAX {
            Ok(0)
        } else {
            Err(format!(
                "a filter takes one {side} port or any, not the range {lo}-{hi}: add one filter per port"
            ))
        }
    };
    let mut f = Filter::new(addr(h.src), addr(h.dst));
    f.protocol = h.protocol.map_or(Protocol::ANY, Protocol);
    f.src_port = port(h.src_ports, "source")?;
    f.dst_port = port(h.dst_ports, "destination")?;
    // The MMC wizard's default: the reverse traffic matches too (said on screen).
    f.mirrored = true;
    Ok((f, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spec_syntaxes_read_and_bad_ones_are_refused_in_the_parsers_words() {
        let h = HostContext::default();
        let (a, _) = parse_filter("*=0:1434:UDP", &h).expect("ipseccmd spec");
        assert_eq!(
            (a.source.clone(), a.destination.clone()),
            (Address::Any, Address::Me)
        );
        assert_eq!((a.protocol, a.dst_port), (Protocol::UDP, 1434));
        let (b, _) = parse_filter("udp any -> me:1434", &h).expect("reach syntax");
        assert_eq!((b.source, b.destination), (Address::Any, Address::Me));
        assert_eq!(
            (b.protocol, b.dst_port, b.mirrored),
            (Protocol::UDP, 1434, true)
        );
        let e = parse_filter("*=0:99999:UDP", &h).expect_err("bad port");
        assert!(e.contains("99999"), "{e}");
        let e = parse_filter("udp any -> me:1000-2000", &h).expect_err("range");
        assert!(e.contains("1000-2000"), "{e}");
    }
}
