//! Check items as the diagnostics panel lists them: a one-line summary and the object to
//! jump to, both built from the engine item's structured `facts` (object ids, exemptions,
//! the other object), never by parsing its message, whose wording belongs to the engine
//! and to `ipsedit check`. Owns no state and calls no other engine function.

use crate::core::engine::{Exemption, Item, Object};
use crate::core::model::Snapshot;

use super::edit::Target;

/// What to open for an item's object (`None`: nothing editable, e.g. a dynamic rule).
pub fn target(o: Object) -> Option<Target> {
    Some(match o {
        Object::Assignment | Object::Dynamic { .. } => return None,
        Object::Host => Target::Host,
        Object::Policy { policy } => Target::Policy(policy),
        Object::Rule { policy, rule } => Target::Rule { policy, rule },
        Object::FilterList { list } => Target::FilterList(list),
        Object::Filter { list, index, .. } => Target::Filter { list, index },
        Object::FilterAction { action } => Target::FilterAction(action),
    })
}

/// The list line of an item: short, with the details (rows, example packet, fix) left to
/// the detail area, which shows the message and hint whole.
pub fn summary(i: &Item, s: &Snapshot) -> String {
    let f = &i.facts;
    let who = short_subject(i, s);
    let kinds = || {
        f.exemptions
            .iter()
            .map(|e| e.name())
            .collect::<Vec<_>>()
            .join("/")
    };
    match (i.code, f.exemptions.first()) {
        ("F101", Some(e)) => format!("{} exemption lets {} past {who}", e.name(), traffic(*e)),
        ("F102", Some(_)) => format!("{who} never acts: the {} exemption decides first", kinds()),
        ("F103", _) if f.other.is_some() => format!(
            "{who} conflicts with {}",
            f.other.as_deref().unwrap_or_default()
        ),
        ("F104", _) => format!("{who} is redundant"),
        ("F105", _) if f.other.is_some() => format!(
            "{who} duplicates {}",
            f.other.as_deref().unwrap_or_default()
        ),
        ("W006", _) if f.reason.is_some() => format!(
            "{} expands to no row: {}",
            f.subject,
            f.reason.as_deref().unwrap_or_default()
        ),
        _ => i.message.clone(),
    }
}

/// The traffic an exemption lets through, in a word or two.
fn traffic(e: Exemption) -> &'static str {
    match e {
        Exemption::Kerberos => "port 88",
        Exemption::Ike => "UDP 500",
        Exemption::Rsvp => "RSVP",
        Exemption::Multicast => "multicast",
        Exemption::Broadcast => "broadcast",
        Exemption::Ipv6 => "IPv6",
    }
}

/// A row's filter named by its rule alone ("rule 'X'"), found by id; else the engine's
/// own words for the object.
fn short_subject(i: &Item, s: &Snapshot) -> String {
    if let Some(Object::Filter {
        policy: Some(p),
        rule: Some(r),
        ..
    }) = i.facts.object
        && let Some(rule) = s.policy(p).and_then(|p| p.rules.iter().find(|x| x.id == r))
    {
        return format!("rule '{}'", rule.name);
    }
    i.facts.subject.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::{EffectiveTable, check_with_table};
    use crate::tui::sample::kb813878;

    fn items(s: &Snapshot) -> Vec<Item> {
        let t = EffectiveTable::build(s, None, &s.host);
        check_with_table(s, &t).items
    }

    #[test]
    fn the_kerberos_bypass_is_summarized_from_its_facts_and_opens_its_filter() {
        let s = kb813878();
        let all = items(&s);
        let f101: Vec<_> = all.iter().filter(|i| i.code == "F101").collect();
        let lines: Vec<String> = f101.iter().map(|i| summary(i, &s)).collect();
        assert_eq!(
            lines,
            [
                "kerberos exemption lets port 88 past rule 'Block Inbound UDP 1434 Rule'",
                "kerberos exemption lets port 88 past rule 'Block Outbound UDP 1434 Rule'",
                "multicast exemption lets multicast past rule 'Block Outbound UDP 1434 Rule'",
                "broadcast exemption lets broadcast past rule 'Block Outbound UDP 1434 Rule'",
            ]
        );
        let list = s
            .filter_list_named("Block Inbound UDP 1434 Rule")
            .map(|l| l.id);
        assert_eq!(
            f101[0].facts.object.and_then(target),
            list.map(|list| Target::Filter { list, index: 0 })
        );
    }

    #[test]
    fn a_rewording_of_the_message_does_not_change_the_list_line() {
        let s = kb813878();
        let mut i = items(&s)
            .into_iter()
            .find(|i| i.code == "F101")
            .expect("an F101");
        let before = summary(&i, &s);
        i.message = "reworded entirely (with parentheses)".into();
        assert_eq!(summary(&i, &s), before);
    }

    #[test]
    fn w006_names_the_filter_and_why() {
        let mut s = kb813878();
        s.host.interfaces.clear();
        let w: Vec<String> = items(&s)
            .iter()
            .filter(|i| i.code == "W006")
            .map(|i| summary(i, &s))
            .collect();
        assert_eq!(
            w,
            [
                "filter 1 of 'Block Inbound UDP 1434 Rule' expands to no row: this \
                 host has no address configured",
                "filter 1 of 'Block Outbound UDP 1434 Rule' expands to no row: this \
                 host has no address configured",
            ]
        );
    }
}
