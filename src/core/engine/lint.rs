//! Structural diagnostics (E001-E007, W001-W006): one linear pass over the store's
//! objects. Behavioural findings live in `findings`.

use std::collections::{HashMap, HashSet};

use super::check::{Facts, Object, Sink, filter_path};
use super::table::EffectiveTable;
use crate::core::model::{Address, Filter, HostContext, Id, Snapshot, mask_prefix};

pub(crate) fn lint(s: &Snapshot, table: &EffectiveTable, sink: &mut Sink) {
    references(s, sink);
    names(s, sink);
    for list in &s.filter_lists {
        if list.filters.is_empty() {
            sink.push(
                "W002",
                format!("filter-lists/{}", list.name),
                format!("filter list '{}' has no filters", list.name),
                "add a filter to it, or delete the list if nothing needs it",
                Facts::about(
                    Some(Object::FilterList { list: list.id }),
                    format!("filter list '{}'", list.name),
                ),
            );
        }
        for (i, f) in list.filters.iter().enumerate() {
            let about = || {
                (
                    filter_path(&list.name, i),
                    Facts::about(
                        Some(Object::Filter {
                            list: list.id,
                            index: i,
                            policy: None,
                            rule: None,
                        }),
                        format!("filter {} of '{}'", i + 1, list.name),
                    ),
                )
            };
            filter(f, &about, &table.host, table, sink);
        }
    }
    for d in &s.dynamic {
        let path = format!("dynamic/{}", d.id);
        let facts = || Facts::about(Some(Object::Dynamic { id: d.id }), "a dynamic rule");
        filter(
            &d.filter,
            &|| (path.clone(), facts()),
            &table.host,
            table,
            sink,
        );
        if d.tunnel.is_some() && d.filter.mirrored {
            sink.push(
                "E005",
                path,
                "a dynamic tunnel rule has a mirrored filter",
                "tunnel filters must not be mirrored: add one rule per direction, each with \
                 its own tunnel endpoint",
                facts(),
            );
        }
    }
    for w in &table.context.warnings {
        sink.push(
            "W001",
            "host/no-default-exempt",
            w.clone(),
            format!(
                "set a value {} honours, or remove the value to use the default",
                table.profile
            ),
            Facts::about(Some(Object::Host), "NoDefaultExempt"),
        );
    }
}

fn references(s: &Snapshot, sink: &mut Sink) {
    if let Some(id) = s.assigned
        && s.policy(id).is_none()
    {
        sink.push(
            "E001",
            "assigned",
            format!("the assigned policy {id} does not exist"),
            "assign an existing policy (ipsedit assign NAME) or unassign (ipsedit unassign)",
            Facts::about(Some(Object::Assignment), "the assignment"),
        );
    }
    let mut used_lists = HashSet::new();
    let mut used_actions = HashSet::new();
    for p in &s.policies {
        if p.rules.is_empty() {
            sink.push(
                "W005",
                format!("policies/{}", p.name),
                format!("policy '{}' has no rules", p.name),
                "add a rule, or delete the policy",
                Facts::about(
                    Some(Object::Policy { policy: p.id }),
                    format!("policy '{}'", p.name),
                ),
            );
        }
        for r in &p.rules {
            used_lists.insert(r.filter_list);
            used_actions.insert(r.filter_action);
            let path = format!("policies/{}/rules/{}", p.name, r.name);
            let about = || {
                Facts::about(
                    Some(Object::Rule {
                        policy: p.id,
                        rule: r.id,
                    }),
                    format!("rule '{}'", r.name),
                )
            };
            match s.filter_list(r.filter_list) {
                None => sink.push(
                    "E001",
                    path.clone(),
                    format!(
                        "rule '{}' uses filter list {} which does not exist",
                        r.name, r.filter_list
                    ),
                    "point the rule at an existing filter list, or delete the rule",
                    about(),
                ),
                Some(l) => {
                    if l.filters.is_empty() {
                        sink.push(
                            "W003",
                            path.clone(),
                            format!(
                                "rule '{}' has no filters (list '{}' is empty)",
                                r.name, l.name
                            ),
                            "the rule matches nothing: add filters to the list or delete the rule",
                            about(),
                        );
                    }
                    if r.tunnel.is_some() && l.filters.iter().any(|f| f.mirrored) {
                        sink.push(
                            "E005",
                            path.clone(),
                            format!(
                                "tunnel rule '{}' uses mirrored filters (list '{}')",
                                r.name, l.name
                            ),
                            "tunnel filters must not be mirrored: make them one-way and add a \
                             second rule for the return traffic with its own tunnel endpoint",
                            about(),
                        );
                    }
                }
            }
            if s.filter_action(r.filter_action).is_none() {
                sink.push(
                    "E001",
                    path,
                    format!(
                        "rule '{}' uses filter action {} which does not exist",
                        r.name, r.filter_action
                    ),
                    "point the rule at an existing filter action, or delete the rule",
                    about(),
                );
            }
        }
    }
    for l in &s.filter_lists {
        if !used_lists.contains(&l.id) {
            sink.push(
                "W004",
                format!("filter-lists/{}", l.name),
                format!("no rule uses filter list '{}'", l.name),
                "use it in a rule, or delete it",
                Facts::about(
                    Some(Object::FilterList { list: l.id }),
                    format!("filter list '{}'", l.name),
                ),
            );
        }
    }
    for a in &s.filter_actions {
        if !used_actions.contains(&a.id) {
            sink.push(
                "W004",
                format!("filter-actions/{}", a.name),
                format!("no rule uses filter action '{}'", a.name),
                "use it in a rule, or delete it",
                Facts::about(
                    Some(Object::FilterAction { action: a.id }),
                    format!("filter action '{}'", a.name),
                ),
            );
        }
    }
}

fn names(s: &Snapshot, sink: &mut Sink) {
    // Windows compares names without case, so "Block" and "BLOCK" collide.
    fn dups<'a>(
        kind: &str,
        prefix: &str,
        names: impl Iterator<Item = (&'a str, Option<Object>)>,
        sink: &mut Sink,
    ) {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (n, object) in names {
            let c = seen.entry(n.to_lowercase()).or_insert(0);
            *c += 1;
            if *c == 2 {
                sink.push(
                    "E007",
                    format!("{prefix}{n}"),
                    format!("two {kind} are named '{n}' (names are not case-sensitive)"),
                    format!("rename one of the {kind} so each name is unique"),
                    Facts::about(object, format!("'{n}'")),
                );
            }
        }
    }
    dups(
        "policies",
        "policies/",
        s.policies
            .iter()
            .map(|p| (p.name.as_str(), Some(Object::Policy { policy: p.id }))),
        sink,
    );
    dups(
        "filter lists",
        "filter-lists/",
        s.filter_lists
            .iter()
            .map(|l| (l.name.as_str(), Some(Object::FilterList { list: l.id }))),
        sink,
    );
    dups(
        "filter actions",
        "filter-actions/",
        s.filter_actions
            .iter()
            .map(|a| (a.name.as_str(), Some(Object::FilterAction { action: a.id }))),
        sink,
    );
    for p in &s.policies {
        dups(
            "rules",
            &format!("policies/{}/rules/", p.name),
            p.rules.iter().map(|r| {
                let rule: Id = r.id;
                (r.name.as_str(), Some(Object::Rule { policy: p.id, rule }))
            }),
            sink,
        );
    }
}

/// `about` (path and facts) is a function because most filters produce no item, or only items past the
/// per-code cap: formatting the path of each of 10,000 filters was a fifth of a re-check.
fn filter(
    f: &Filter,
    about: &dyn Fn() -> (String, Facts),
    host: &HostContext,
    table: &EffectiveTable,
    sink: &mut Sink,
) {
    for (side, a) in [("source", &f.source), ("destination", &f.destination)] {
        if let Address::Ip { addr, mask } = a {
            match mask_prefix(*mask) {
                None => sink.push_with("E002", || {
                    let (path, facts) = about();
                    (
                        path,
                        format!("{side} mask {mask} is not contiguous"),
                        "use a mask of leading ones (255.255.255.0, or a prefix length like \
                         /24); the filter matches nothing until then"
                            .to_string(),
                        Facts {
                            reason: Some(format!("{side} mask")),
                            ..facts
                        },
                    )
                }),
                Some(_) => {
                    let outside = u32::from(*addr) & !u32::from(*mask);
                    if outside != 0 {
                        let fixed = std::net::Ipv4Addr::from(u32::from(*addr) & u32::from(*mask));
                        sink.push_with("E003", || {
                            let (path, facts) = about();
                            (
                                path,
                                format!("{side} {addr} has bits outside its mask {mask}"),
                                format!(
                                    "write {fixed} with mask {mask} (the driver compares only \
                                     the masked bits)"
                                ),
                                Facts {
                                    reason: Some(format!("{side} address")),
                                    ..facts
                                },
                            )
                        });
                    }
                }
            }
        }
    }
    if !f.protocol.has_ports() && (f.src_port != 0 || f.dst_port != 0) {
        sink.push_with("E004", || {
            let (path, facts) = about();
            (
                path,
                format!(
                    "ports {}/{} are set with protocol {}, which has no ports",
                    f.src_port, f.dst_port, f.protocol
                ),
                "set the protocol to TCP or UDP, or set both ports to 0 (any)".to_string(),
                Facts {
                    ports: Some([f.src_port, f.dst_port]),
                    ..facts
                },
            )
        });
    }
    let server = |a: &Address| matches!(a, Address::Server(_));
    if (server(&f.source) && !f.destination.is_me())
        || (server(&f.destination) && !f.source.is_me())
    {
        sink.push_with("E006", || {
            let (path, facts) = about();
            (
                path,
                format!(
                    "server type filter {} -> {} needs `me` on the other side",
                    f.source, f.destination
                ),
                "set the other side to My IP Address (me)".to_string(),
                facts,
            )
        });
    }
    // Answered without expanding: this runs for every filter on every re-check.
    let ctx = &table.context;
    let empty = |a: &Address| match a {
        Address::Me => ctx.host_addresses.is_empty(),
        Address::Server(k) => host.servers(*k).is_empty(),
        Address::Dns { resolved, .. } => resolved.is_empty(),
        _ => false,
    };
    for a in [&f.source, &f.destination] {
        if empty(a) {
            sink.push_with("W006", || {
                let why = match a {
                    Address::Me => "this host has no address configured".to_string(),
                    Address::Server(k) => format!("no {} server is configured", k.keyword()),
                    Address::Dns { name, .. } => {
                        format!("the name {name} resolved to no address")
                    }
                    // `empty` holds only for the three above.
                    _ => String::new(),
                };
                let (path, facts) = about();
                (
                    path,
                    format!("{} expands to no row: {why}", facts.subject),
                    "configure the host (ipsedit config, or --me CIDR), or re-resolve the name"
                        .to_string(),
                    Facts {
                        reason: Some(why),
                        ..facts
                    },
                )
            });
            break;
        }
    }
}
