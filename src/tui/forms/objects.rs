//! One form per object kind: how to open it (fields from an object, or blank for "add")
//! and how to commit it back into the snapshot.

use crate::core::model::{
    Behavior, ConnectionType, Filter, FilterAction, FilterList, Id, OsProfile, Policy, Rule,
    Snapshot,
};

use super::parse;
use super::{Field, Form, FormKind, Syntax};
use crate::core::interchange::netsh::field::{self, Named};
use crate::tui::edit::{Target, usage_line};

const BEHAVIORS: [Behavior; 3] = [Behavior::Permit, Behavior::Block, Behavior::Negotiate];
const CONNECTIONS: [ConnectionType; 3] = [
    ConnectionType::All,
    ConnectionType::Lan,
    ConnectionType::RemoteAccess,
];
const EXEMPT_CHOICES: [&str; 5] = ["absent (profile default)", "0", "1", "2", "3"];

pub fn policy(s: &Snapshot, id: Option<Id>) -> Form {
    let p = id
        .and_then(|id| s.policy(id))
        .cloned()
        .unwrap_or_else(|| Policy::new(""));
    let title = if id.is_some() {
        format!("Edit policy {}", p.name)
    } else {
        "Add policy".into()
    };
    Form::new(
        title,
        FormKind::Policy { id },
        vec![
            Field::text("name", "Name", &p.name, Syntax::Required),
            Field::text("description", "Description", &p.description, Syntax::Free),
            Field::text(
                "poll",
                "Polling (minutes)",
                &p.polling_interval_min.to_string(),
                Syntax::Number,
            ),
            Field::toggle(
                "default_response",
                "Default response",
                p.default_response.active,
            ),
        ],
    )
}

pub fn rule(s: &Snapshot, policy: Id, id: Option<Id>) -> Form {
    let existing = id.and_then(|id| s.policy(policy)?.rules.iter().find(|r| r.id == id).cloned());
    let first_list = s.filter_lists.first().map(|l| l.id).unwrap_or_default();
    let first_action = s.filter_actions.first().map(|a| a.id).unwrap_or_default();
    let r = existing.unwrap_or_else(|| Rule::new("", first_list, first_action));
    let list_idx = s
        .filter_lists
        .iter()
        .position(|l| l.id == r.filter_list)
        .unwrap_or(0);
    let action_idx = s
        .filter_actions
        .iter()
        .position(|a| a.id == r.filter_action)
        .unwrap_or(0);
    let conn_idx = CONNECTIONS
        .iter()
        .position(|c| *c == r.connection)
        .unwrap_or(0);
    let title = if id.is_some() {
        format!("Edit rule {}", r.name)
    } else {
        "Add rule".into()
    };
    Form::new(
        title,
        FormKind::Rule { policy, id },
        vec![
            Field::text("name", "Name", &r.name, Syntax::Required),
            Field::text("description", "Description", &r.description, Syntax::Free),
            Field::choice(
                "list",
                "Filter list",
                s.filter_lists.iter().map(|l| l.name.clone()).collect(),
                list_idx,
            ),
            Field::choice(
                "action",
                "Filter action",
                s.filter_actions.iter().map(|a| a.name.clone()).collect(),
                action_idx,
            ),
            Field::text(
                "auth",
                "Authentication",
                &parse::auth_text(&r.authentication),
                Syntax::Auth,
            ),
            Field::text(
                "tunnel",
                "Tunnel endpoint",
                &r.tunnel.map(|t| t.to_string()).unwrap_or_default(),
                Syntax::OptionalIp,
            ),
            Field::choice(
                "connection",
                "Connection",
                CONNECTIONS.iter().map(|c| c.word().to_string()).collect(),
                conn_idx,
            ),
            Field::toggle("active", "Active", r.active),
        ],
    )
}

pub fn filter_list(s: &Snapshot, id: Option<Id>) -> Form {
    let l = id
        .and_then(|id| s.filter_list(id))
        .cloned()
        .unwrap_or_else(|| FilterList::new(""));
    let title = if id.is_some() {
        format!("Edit filter list {}", l.name)
    } else {
        "Add filter list".into()
    };
    let mut f = Form::new(
        title,
        FormKind::FilterList { id },
        vec![
            Field::text("name", "Name", &l.name, Syntax::Required),
            Field::text("description", "Description", &l.description, Syntax::Free),
        ],
    );
    f.impact = id
        .and_then(|id| usage_line(s, Target::FilterList(id)))
        .map(|u| format!("shared: {u}"));
    f
}

pub fn filter(s: &Snapshot, list: Id, index: Option<usize>) -> Form {
    let existing = index.and_then(|i| s.filter_list(list)?.filters.get(i).cloned());
    let mut f = existing.unwrap_or_else(|| {
        let mut f = Filter::new(
            crate::core::model::Address::Any,
            crate::core::model::Address::Me,
        );
        f.mirrored = true;
        f
    });
    if index.is_none() {
        f.id = Id::new_v4();
    }
    let list_name = s
        .filter_list(list)
        .map(|l| l.name.clone())
        .unwrap_or_default();
    let title = match index {
        Some(i) => format!("Edit filter {} of {list_name}", i + 1),
        None => format!("Add filter to {list_name}"),
    };
    let mut form = Form::new(
        title,
        FormKind::Filter { list, index },
        vec![
            Field::text(
                "source",
                "Source",
                &parse::address_text(&f.source),
                Syntax::Address,
            ),
            Field::text(
                "destination",
                "Destination",
                &parse::address_text(&f.destination),
                Syntax::Address,
            ),
            Field::text(
                "protocol",
                "Protocol",
                &f.protocol.to_string(),
                Syntax::Protocol,
            ),
            Field::text(
                "src_port",
                "Source port",
                &parse::port_text(f.src_port),
                Syntax::Port,
            ),
            Field::text(
                "dst_port",
                "Destination port",
                &parse::port_text(f.dst_port),
                Syntax::Port,
            ),
            Field::toggle("mirrored", "Mirrored", f.mirrored),
            Field::text("description", "Description", &f.description, Syntax::Free),
        ],
    );
    form.impact = usage_line(s, Target::Filter { list, index: 0 })
        .map(|u| format!("list {list_name:?} is {u}"));
    form
}

pub fn filter_action(s: &Snapshot, id: Option<Id>) -> Form {
    let a = id
        .and_then(|id| s.filter_action(id))
        .cloned()
        .unwrap_or_else(|| FilterAction::new("", Behavior::Block));
    let title = if id.is_some() {
        format!("Edit filter action {}", a.name)
    } else {
        "Add filter action".into()
    };
    let b = BEHAVIORS.iter().position(|b| *b == a.behavior).unwrap_or(0);
    let mut f = Form::new(
        title,
        FormKind::FilterAction { id },
        vec![
            Field::text("name", "Name", &a.name, Syntax::Required),
            Field::text("description", "Description", &a.description, Syntax::Free),
            Field::choice(
                "behavior",
                "Action",
                BEHAVIORS.iter().map(|b| b.word().to_string()).collect(),
                b,
            ),
            Field::text(
                "methods",
                "Security methods",
                &parse::methods_text(&a.methods),
                Syntax::Methods,
            ),
            Field::toggle("inpass", "Accept unsecured", a.inpass),
            Field::toggle("soft", "Fall back to clear", a.soft),
            Field::toggle("pfs", "Session key PFS", a.session_key_pfs),
        ],
    );
    f.impact = id
        .and_then(|id| usage_line(s, Target::FilterAction(id)))
        .map(|u| format!("shared: {u}"));
    f
}

pub fn host(s: &Snapshot) -> Form {
    let h = &s.host;
    let profile = OsProfile::ALL
        .iter()
        .position(|p| *p == h.profile)
        .unwrap_or(0);
    let mut exempt_choices: Vec<String> = EXEMPT_CHOICES.iter().map(|c| c.to_string()).collect();
    // A value the choices do not hold (a registry DWORD can be anything, e.g. 7) stays
    // selectable as itself, so committing the form never rewrites it silently.
    let exempt = match h.no_default_exempt {
        None => 0,
        Some(v) if (v as usize) < EXEMPT_CHOICES.len() - 1 => v as usize + 1,
        Some(v) => {
            exempt_choices.push(format!("{v} (as stored)"));
            exempt_choices.len() - 1
        }
    };
    Form::new(
        "Edit host context",
        FormKind::Host,
        vec![
            Field::choice(
                "profile",
                "OS profile",
                OsProfile::ALL.iter().map(|p| p.id().to_string()).collect(),
                profile,
            ),
            Field::choice("exempt", "NoDefaultExempt", exempt_choices, exempt),
            Field::text(
                "interfaces",
                "Interfaces",
                &parse::interfaces_text(&h.interfaces),
                Syntax::Interfaces,
            ),
            Field::text(
                "dns",
                "DNS servers",
                &parse::ip_list_text(&h.dns_servers),
                Syntax::IpList,
            ),
            Field::text(
                "wins",
                "WINS servers",
                &parse::ip_list_text(&h.wins_servers),
                Syntax::IpList,
            ),
            Field::text(
                "dhcp",
                "DHCP servers",
                &parse::ip_list_text(&h.dhcp_servers),
                Syntax::IpList,
            ),
            Field::text(
                "gateways",
                "Gateways",
                &parse::ip_list_text(&h.gateways),
                Syntax::IpList,
            ),
        ],
    )
}

/// Writes the form into the snapshot. Errors name the field they belong under.
pub fn commit(form: &Form, s: &mut Snapshot) -> Result<Target, (&'static str, String)> {
    let text = |k: &str| form.text(k);
    match form.kind {
        FormKind::Policy { id } => {
            let name = text("name").trim().to_string();
            field::object_name(s, Named::Policy, &name, id).map_err(|e| ("name", e.to_string()))?;
            let poll = parse::number(&text("poll"), "minutes").map_err(|e| ("poll", e))?;
            let p = match id.and_then(|id| s.policy_mut(id)) {
                Some(p) => p,
                None => {
                    s.policies.push(Policy::new(""));
                    let last = s.policies.len() - 1;
                    &mut s.policies[last]
                }
            };
            p.name = name;
            p.description = text("description");
            p.polling_interval_min = poll;
            p.default_response.active = form.toggled("default_response");
            Ok(Target::Policy(p.id))
        }
        FormKind::Rule { policy, id } => {
            let list = s.filter_lists.get(form.selected("list")).map(|l| l.id);
            let action = s.filter_actions.get(form.selected("action")).map(|a| a.id);
            let list = list.ok_or(("list", "no filter list yet: add one in view 2".to_string()))?;
            let action = action.ok_or((
                "action",
                "no filter action yet: add one in view 3".to_string(),
            ))?;
            let auth = parse::auth(&text("auth")).map_err(|e| ("auth", e))?;
            let tunnel = parse::optional_ip(&text("tunnel")).map_err(|e| ("tunnel", e))?;
            let p = s
                .policy_mut(policy)
                .ok_or(("name", "the policy is gone".to_string()))?;
            let name = text("name").trim().to_string();
            if let Some(existing) = p
                .rules
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&name) && Some(r.id) != id)
            {
                // The import's words (`add rule`), minus the position.
                return Err((
                    "name",
                    format!(
                        "policy '{}' already has a rule named '{}'",
                        p.name, existing.name
                    ),
                ));
            }
            let r = match id.and_then(|id| p.rules.iter().position(|r| r.id == id)) {
                Some(i) => &mut p.rules[i],
                None => {
                    p.rules.push(Rule::new("", list, action));
                    let last = p.rules.len() - 1;
                    &mut p.rules[last]
                }
            };
            r.name = name;
            r.description = text("description");
            r.filter_list = list;
            r.filter_action = action;
            r.authentication = auth;
            r.tunnel = tunnel;
            r.connection = CONNECTIONS
                .get(form.selected("connection"))
                .copied()
                .unwrap_or_default();
            r.active = form.toggled("active");
            Ok(Target::Rule { policy, rule: r.id })
        }
        FormKind::FilterList { id } => {
            let name = text("name").trim().to_string();
            field::object_name(s, Named::FilterList, &name, id)
                .map_err(|e| ("name", e.to_string()))?;
            let l = match id.and_then(|id| s.filter_list_mut(id)) {
                Some(l) => l,
                None => {
                    s.filter_lists.push(FilterList::new(""));
                    let last = s.filter_lists.len() - 1;
                    &mut s.filter_lists[last]
                }
            };
            l.name = name;
            l.description = text("description");
            Ok(Target::FilterList(l.id))
        }
        FormKind::Filter { list, index } => {
            let f = Filter {
                id: Id::new_v4(),
                description: text("description"),
                source: parse::address(&text("source"), &s.host).map_err(|e| ("source", e))?,
                destination: parse::address(&text("destination"), &s.host)
                    .map_err(|e| ("destination", e))?,
                protocol: parse::protocol(&text("protocol")).map_err(|e| ("protocol", e))?,
                src_port: parse::port(&text("src_port")).map_err(|e| ("src_port", e))?,
                dst_port: parse::port(&text("dst_port")).map_err(|e| ("dst_port", e))?,
                mirrored: form.toggled("mirrored"),
            };
            field::address_pair(&f.source, &f.destination)
                .map_err(|(key, e)| (key, e.to_string()))?;
            let l = s
                .filter_list_mut(list)
                .ok_or(("source", "the filter list is gone".to_string()))?;
            let at = match index {
                Some(i) if i < l.filters.len() => {
                    let id = l.filters[i].id;
                    l.filters[i] = Filter { id, ..f };
                    i
                }
                _ => {
                    l.filters.push(f);
                    l.filters.len() - 1
                }
            };
            Ok(Target::Filter { list, index: at })
        }
        FormKind::FilterAction { id } => {
            let name = text("name").trim().to_string();
            field::object_name(s, Named::FilterAction, &name, id)
                .map_err(|e| ("name", e.to_string()))?;
            let methods = parse::methods(&text("methods")).map_err(|e| ("methods", e))?;
            let behavior = BEHAVIORS
                .get(form.selected("behavior"))
                .copied()
                .unwrap_or(Behavior::Block);
            if behavior == Behavior::Negotiate && methods.is_empty() {
                return Err((
                    "methods",
                    "negotiate needs at least one method, e.g. ESP[3DES,SHA1]".into(),
                ));
            }
            let a = match id.and_then(|id| s.filter_action_mut(id)) {
                Some(a) => a,
                None => {
                    s.filter_actions.push(FilterAction::new("", behavior));
                    let last = s.filter_actions.len() - 1;
                    &mut s.filter_actions[last]
                }
            };
            a.name = name;
            a.description = text("description");
            a.behavior = behavior;
            a.methods = methods;
            a.inpass = form.toggled("inpass");
            a.soft = form.toggled("soft");
            a.session_key_pfs = form.toggled("pfs");
            Ok(Target::FilterAction(a.id))
        }
        FormKind::Host => {
            let h = &mut s.host;
            h.interfaces = parse::interfaces(&text("interfaces")).map_err(|e| ("interfaces", e))?;
            h.dns_servers = parse::ip_list(&text("dns")).map_err(|e| ("dns", e))?;
            h.wins_servers = parse::ip_list(&text("wins")).map_err(|e| ("wins", e))?;
            h.dhcp_servers = parse::ip_list(&text("dhcp")).map_err(|e| ("dhcp", e))?;
            h.gateways = parse::ip_list(&text("gateways")).map_err(|e| ("gateways", e))?;
            h.profile = OsProfile::ALL
                .get(form.selected("profile"))
                .copied()
                .unwrap_or_default();
            h.no_default_exempt = match form.selected("exempt") {
                0 => None,
                // The extra "as stored" choice: keep the value as it is.
                n if n >= EXEMPT_CHOICES.len() => h.no_default_exempt,
                n => Some(n as u32 - 1),
            };
            Ok(Target::Host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusual_stored_no_default_exempt_survives_the_host_form() {
        let mut s = Snapshot::default();
        s.host.no_default_exempt = Some(7);
        let form = host(&s);
        assert_eq!(form.selected("exempt"), EXEMPT_CHOICES.len());
        commit(&form, &mut s).expect("the untouched form commits");
        assert_eq!(s.host.no_default_exempt, Some(7));
        s.host.no_default_exempt = Some(1);
        let form = host(&s);
        assert_eq!(form.selected("exempt"), 2);
        commit(&form, &mut s).expect("commits");
        assert_eq!(s.host.no_default_exempt, Some(1));
    }
}
