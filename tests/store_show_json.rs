//! `show --json` streams (issue 10): the streamed document is the tree form byte for byte
//! (sorted keys, pretty layout, terminal-unsafe characters escaped), for the samples and a
//! store with every address kind and hostile names.

use std::net::Ipv4Addr;

use ipsedit::cli::show::{json, to_json};
use ipsedit::core::model::{
    Address, Behavior, DynamicRule, Filter, FilterAction, FilterList, Policy, Protocol, Rule,
    ServerKind, Snapshot,
};
use ipsedit::core::store::{FileStore, Store};
use ipsedit::core::text::json_safe;

fn streamed(snap: &Snapshot) -> String {
    let policies: Vec<&Policy> = snap.policies.iter().collect();
    let mut out = Vec::new();
    json::write(&mut out, snap, &policies).expect("write");
    String::from_utf8(out).expect("utf-8")
}

fn tree(snap: &Snapshot) -> String {
    let policies: Vec<&Policy> = snap.policies.iter().collect();
    json_safe(&format!("{:#}\n", to_json(snap, &policies))).into_owned()
}

#[test]
fn the_streamed_document_is_the_tree_for_the_samples() {
    for name in ["kb813878", "kb813878-dynamic", "kb811832"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let snap = FileStore::open(&dir).load().expect("sample").snapshot;
        assert_eq!(streamed(&snap), tree(&snap), "sample {name}");
    }
}

#[test]
fn every_address_kind_and_hostile_names_stream_as_the_tree() {
    let mut s = Snapshot::default();
    let mut list = FilterList::new("list \u{1b}]0;pwned\u{7} \u{202e}evil\u{7f}\u{85}");
    let addrs = [
        Address::Me,
        Address::Any,
        Address::host(Ipv4Addr::new(192, 0, 2, 1)),
        Address::subnet(
            Ipv4Addr::new(198, 51, 100, 0),
            Ipv4Addr::new(255, 255, 255, 0),
        ),
        Address::Dns {
            name: "www.example.com".into(),
            resolved: vec![Ipv4Addr::new(203, 0, 113, 5), Ipv4Addr::new(203, 0, 113, 6)],
        },
        Address::Server(ServerKind::Dns),
    ];
    for (i, a) in addrs.iter().enumerate() {
        let mut f = Filter::new(a.clone(), addrs[addrs.len() - 1 - i].clone());
        f.protocol = Protocol::UDP;
        f.src_port = i as u16;
        f.dst_port = 1434;
        f.mirrored = i % 2 == 0;
        f.description = format!("filter {i} \u{9b}2J");
        list.filters.push(f);
    }
    let empty = FilterList::new("empty");
    let block = FilterAction::new("Block \u{1b}[2J", Behavior::Block);
    let permit = FilterAction::new("Permit", Behavior::Permit);
    let mut p = Policy::new("P \u{2066}x");
    p.rules.push(Rule::new("r1", list.id, block.id));
    p.rules.push(Rule::new("r2", empty.id, permit.id));
    p.rules.push(Rule::new(
        "dangling",
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
    ));
    let q = Policy::new("unused");
    s.assigned = Some(p.id);
    let d: DynamicRule = serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::new_v4(),
            "filter": list.filters[2],
            "action": block,
            "origin": "ipseccmd \u{1b}x",
    }))
    .expect("dynamic rule");
    s.dynamic.push(d);
    s.filter_lists.push(list);
    s.filter_lists.push(empty);
    s.filter_actions.push(block);
    s.filter_actions.push(permit);
    s.policies.push(p);
    s.policies.push(q);
    let out = streamed(&s);
    assert_eq!(out, tree(&s));
    // Nothing a terminal acts on is left raw, and the document is valid JSON.
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}') && !out.contains('\u{9b}'));
    assert!(out.contains("\\u001b]0;pwned\\u0007 \\u202eevil\\u007f\\u0085"));
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["filter_lists"][0]["used_by_rules"], 1);
    assert_eq!(
        v["filter_lists"][0]["filters"].as_array().map(Vec::len),
        Some(6)
    );
    assert_eq!(
        v["policies"][0]["rules"][2]["filter_list"],
        serde_json::Value::Null
    );
}
