use std::collections::{BTreeMap, HashSet};

use super::*;
use crate::core::domain::connection::DirEntry;
use crate::core::domain::read::snapshot_from_entries;
use crate::core::domain::read::tests::entries_for;
use crate::core::domain::url::dn_key;
use crate::core::store::decode_ron;

const C: &str = "CN=IP Security,CN=System,DC=example,DC=test";

fn base() -> DomainSnapshot {
    let snap = decode_ron(
        "kb813878",
        include_str!("../../../samples/kb813878/store.ron"),
    )
    .expect("sample decodes");
    snapshot_from_entries(C.into(), &entries_for(&snap)).expect("reads")
}

/// A directory in memory with the server's rules that matter here: a modify deleting a
/// value that is not there is refused (16), an add of an existing DN too (68), and a
/// reference (forward or owner) to a missing object is refused (19).
type Attrs = BTreeMap<String, Vec<Vec<u8>>>;

struct Sim {
    /// DN key -> (DN, attributes).
    entries: BTreeMap<String, (String, Attrs)>,
}

impl Sim {
    fn new(entries: &[DirEntry]) -> Sim {
        let mut m = BTreeMap::new();
        for e in entries {
            let mut attrs = BTreeMap::new();
            for name in crate::core::domain::read::READ_ATTRIBUTES {
                if !e.values(name).is_empty() {
                    attrs.insert(name.to_ascii_lowercase(), e.values(name).to_vec());
                }
            }
            m.insert(dn_key(&e.dn), (e.dn.clone(), attrs));
        }
        Sim { entries: m }
    }

    /// References to missing objects; owner back-references only with `owners` (AD lets
    /// them name a deleted object, as Windows leaves them while it deletes).
    fn dangling(&self, owners: bool) -> Vec<String> {
        let mut out = Vec::new();
        for (dn, attrs) in self.entries.values() {
            for (name, values) in attrs {
                if !name.ends_with("reference") || (!owners && name == "ipsecownersreference") {
                    continue;
                }
                for v in values {
                    let target = dn_key(&String::from_utf8_lossy(v));
                    if !self.entries.contains_key(&target) {
                        out.push(format!("{dn}: {name} -> {target}"));
                    }
                }
            }
        }
        out
    }

    fn modify(&mut self, dn: &str, changes: &[Change]) -> Result<(), u32> {
        let (_, attrs) = self.entries.get_mut(&dn_key(dn)).ok_or(32u32)?;
        let mut next = attrs.clone();
        for c in changes {
            let key = c.attribute.to_ascii_lowercase();
            match c.op {
                ChangeOp::Delete => {
                    let have = next.entry(key.clone()).or_default();
                    for v in &c.values {
                        let i = have.iter().position(|h| h == v).ok_or(16u32)?;
                        have.remove(i);
                    }
                    if have.is_empty() {
                        next.remove(&key);
                    }
                }
                ChangeOp::Add => {
                    let have = next.entry(key).or_default();
                    for v in &c.values {
                        if have.contains(v) {
                            return Err(20);
                        }
                        have.push(v.clone());
                    }
                }
                ChangeOp::Replace => {
                    next.insert(key, c.values.clone());
                }
            }
        }
        *attrs = next;
        Ok(())
    }

    fn run(&mut self, plan: &Plan) {
        for step in &plan.steps {
            match &step.op {
                Op::Add(attrs) | Op::Ensure(attrs) => {
                    let key = dn_key(&step.dn);
                    assert!(!self.entries.contains_key(&key), "68 on {}", step.dn);
                    let mut a: BTreeMap<String, Vec<Vec<u8>>> = attrs
                        .iter()
                        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                        .collect();
                    a.entry("objectclass".into())
                        .or_default()
                        .extend([b"top".to_vec(), b"ipsecBase".to_vec()]);
                    self.entries.insert(key, (step.dn.clone(), a));
                }
                Op::Modify(changes) => self
                    .modify(&step.dn, changes)
                    .unwrap_or_else(|rc| panic!("{rc} on {}", step.describe())),
                Op::Delete(check) => {
                    self.modify(&step.dn, check)
                        .unwrap_or_else(|rc| panic!("{rc} on {}", step.describe()));
                    self.entries.remove(&dn_key(&step.dn));
                }
            }
            assert_eq!(
                self.dangling(false),
                Vec::<String>::new(),
                "after {}",
                step.describe()
            );
        }
        assert_eq!(self.dangling(true), Vec::<String>::new(), "at the end");
    }

    fn read(&self) -> DomainSnapshot {
        let entries: Vec<DirEntry> = self
            .entries
            .values()
            .map(|(dn, attrs)| {
                let mut e = DirEntry::new(dn.clone());
                for (n, vs) in attrs {
                    for v in vs {
                        e = e.with(n, v);
                    }
                }
                e
            })
            .collect();
        snapshot_from_entries(C.into(), &entries).expect("the result reads")
    }
}

fn shape(s: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = s
        .policies
        .iter()
        .map(|p| {
            let rules: Vec<String> = p
                .rules
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {}",
                        r.name,
                        s.filter_list(r.filter_list).map_or("?", |l| &l.name),
                        s.filter_action(r.filter_action).map_or("?", |a| &a.name)
                    )
                })
                .collect();
            format!("policy {}: {}", p.name, rules.join(", "))
        })
        .chain(
            s.filter_lists
                .iter()
                .map(|l| format!("list {} {}", l.name, l.filters.len())),
        )
        .chain(
            s.filter_actions
                .iter()
                .map(|a| format!("action {}", a.name)),
        )
        .collect();
    out.sort();
    out
}

#[test]
fn nothing_edited_writes_nothing() {
    let b = base();
    let p = plan(&b, &b.snapshot, 1);
    assert_eq!(p.steps, Vec::new());
}

#[test]
fn a_renamed_filter_action_is_one_modify_guarded_by_the_loaded_values() {
    let b = base();
    let mut edited = b.snapshot.clone();
    let action = edited
        .filter_actions
        .iter_mut()
        .find(|a| a.name == "Block Inbound TCP 80 Rule action")
        .expect("action");
    action.name = "Block it".into();
    let id = action.id;
    let p = plan(&b, &edited, 1);
    assert_eq!(p.steps.len(), 1, "{:#?}", p.steps);
    let step = &p.steps[0];
    let loaded = b
        .by_ref()
        .get(&ObjRef::new(Class::NegotiationPolicy, id))
        .copied()
        .cloned()
        .expect("loaded");
    assert_eq!(step.dn, loaded.raw.dn);
    assert_eq!(
        step.describe(),
        format!(
            "change ipsecNegotiationPolicy 'Block it' ({})",
            loaded.raw.dn
        )
    );
    let Op::Modify(changes) = &step.op else {
        panic!("a modify")
    };
    let summary: Vec<(ChangeOp, &str)> = changes
        .iter()
        .map(|c| (c.op, c.attribute.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (ChangeOp::Delete, "ipsecData"),
            (ChangeOp::Add, "ipsecData"),
            (ChangeOp::Delete, "ipsecName"),
            (ChangeOp::Add, "ipsecName"),
        ]
    );
    assert_eq!(changes[0].values, vec![loaded.raw.data.clone()]);
    assert_eq!(
        changes[2].values,
        vec![b"Block Inbound TCP 80 Rule action".to_vec()]
    );
    assert_eq!(changes[3].values, vec![b"Block it".to_vec()]);
    // A concurrent change of that object makes the server refuse the modify.
    let mut sim = Sim::new(&entries_for(&b.snapshot));
    sim.modify(
        &loaded.raw.dn,
        &[Change::new(
            ChangeOp::Replace,
            "ipsecData",
            vec![vec![9, 9]],
        )],
    )
    .expect("someone else writes");
    assert_eq!(sim.modify(&step.dn, changes), Err(16));
}

#[test]
fn adds_changes_and_deletions_never_leave_a_reference_dangling() {
    let b = base();
    let mut edited = b.snapshot.clone();
    // A new policy reusing the lists and actions of an existing one...
    let mut copy = edited
        .policies
        .iter()
        .find(|p| p.name == "Block UDP 1434 Filter")
        .expect("policy")
        .clone();
    copy.id = uuid::Uuid::from_u128(0xC0FF_EE00);
    copy.name = "Copy".into();
    copy.stored = None;
    copy.key_exchange.stored = None;
    copy.default_response = Default::default();
    for (i, r) in copy.rules.iter_mut().enumerate() {
        r.id = uuid::Uuid::from_u128(0xC0FF_EE10 + i as u128);
        r.stored = None;
    }
    // ...another deleted, and an action renamed.
    edited.policies.retain(|p| p.name != "Block TCP 80 Filter");
    edited.policies.push(copy);
    edited.filter_actions[0].name = "Renamed".into();
    let p = plan(&b, &edited, 1);
    let verbs: Vec<String> = p
        .steps
        .iter()
        .map(|s| {
            let d = s.describe();
            d[..d.find(" (").unwrap_or(d.len())].to_string()
        })
        .collect();
    // Targets are added first, sources deleted first.
    let first_delete = verbs.iter().position(|v| v.starts_with("delete"));
    let last_add = verbs.iter().rposition(|v| v.starts_with("add"));
    assert!(last_add < first_delete, "{verbs:#?}");
    assert_eq!(
        verbs
            .iter()
            .filter(|v| v.starts_with("delete"))
            .map(|v| v.split(" '{").next().unwrap_or(v))
            .collect::<Vec<_>>(),
        vec![
            "delete ipsecPolicy 'Block TCP 80 Filter'",
            "delete ipsecNFA 'Block Inbound TCP 80 Rule'",
            "delete ipsecNFA",
            "delete ipsecISAKMPPolicy",
            "delete ipsecNegotiationPolicy",
        ]
    );
    let mut sim = Sim::new(&entries_for(&b.snapshot));
    sim.run(&p);
    let after = sim.read();
    assert_eq!(shape(&after.snapshot), shape(&edited));
    // Written again, the result needs no further write.
    assert_eq!(plan(&after, &after.snapshot, 2).steps, Vec::new());
    let ids: HashSet<_> = after.objects.iter().map(|o| o.object.reference()).collect();
    assert!(ids.contains(&ObjRef::new(
        Class::Policy,
        uuid::Uuid::from_u128(0xC0FF_EE00)
    )));
}

#[test]
fn a_save_stopped_midway_lists_what_is_written_and_what_is_not() {
    let e = WriteError {
        done: vec!["add ipsecFilter 'L' (CN=ipsecFilter{1},C)".into()],
        failed: "add ipsecNFA 'R' (CN=ipsecNFA{2},C)".into(),
        refusal: crate::core::domain::connection::Refusal {
            rc: Some(50),
            text: "00002098: access denied".into(),
        },
        pending: vec![
            "add ipsecPolicy 'P' (CN=ipsecPolicy{3},C)".into(),
            "change ipsecFilter 'L' (CN=ipsecFilter{1},C)".into(),
        ],
        conflict: false,
    };
    assert_eq!(
        e.to_string(),
        "the save stopped at: add ipsecNFA 'R' (CN=ipsecNFA{2},C): insufficient access rights \
         (50): 00002098: access denied\n  written:\n    add ipsecFilter 'L' \
         (CN=ipsecFilter{1},C)\n  not written:\n    add ipsecPolicy 'P' (CN=ipsecPolicy{3},C)\n    \
         change ipsecFilter 'L' (CN=ipsecFilter{1},C)\n  no reference dangles (new objects are \
         written before anything points at them, deletions come last): read the store again \
         and redo the edits that are not written"
    );
}
