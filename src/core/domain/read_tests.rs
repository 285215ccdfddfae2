use super::*;
use crate::core::domain::attrs::{directory_attributes, object_dn};
use crate::core::interchange::registry::{Class, export_objects};
use crate::core::store::decode_ron;

const C: &str = "CN=IP Security,CN=System,DC=example,DC=test";

fn kb813878() -> Snapshot {
    decode_ron(
        "kb813878",
        include_str!("../../../samples/kb813878/store.ron"),
    )
    .expect("sample decodes")
}

/// The entries a directory would hold for `snap`, as the server returns them (with
/// `top`/`ipsecBase`, a GUID and a USN each).
pub(crate) fn entries_for(snap: &Snapshot) -> Vec<DirEntry> {
    let e = export_objects(snap, None, C, 1_700_000_000);
    e.objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut d = DirEntry::new(object_dn(&o.reference(), C))
                .with("objectClass", "top")
                .with("objectClass", "ipsecBase");
            for (name, values) in directory_attributes(o, C) {
                for v in values {
                    d = d.with(name, v);
                }
            }
            d.with("uSNChanged", (4000 + i).to_string()).with(
                "objectGUID",
                uuid::Uuid::from_u128(i as u128 + 1).to_bytes_le(),
            )
        })
        .collect()
}

#[test]
fn a_container_reads_as_the_snapshot_it_was_written_from() {
    let snap = kb813878();
    let entries = entries_for(&snap);
    let d = snapshot_from_entries(C.into(), &entries).expect("reads");
    assert_eq!(d.container_dn, C);
    assert_eq!(d.objects.len(), entries.len());
    assert_eq!(
        d.version,
        DomainVersion {
            highest_usn: 4000 + entries.len() as u64 - 1,
            objects: entries.len()
        }
    );
    let names = |s: &Snapshot| {
        s.policies
            .iter()
            .map(|p| format!("{} {} rules", p.name, p.rules.len()))
            .chain(
                s.filter_lists
                    .iter()
                    .map(|l| format!("{} {}", l.name, l.filters.len())),
            )
            .chain(s.filter_actions.iter().map(|a| a.name.clone()))
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(names(&d.snapshot), names(&snap));
    let strip = |s: &Snapshot| {
        let mut s = s.clone();
        for p in &mut s.policies {
            p.stored = None;
            p.key_exchange.stored = None;
            p.default_response.rule_stored = None;
            p.default_response.action_stored = None;
            for r in &mut p.rules {
                r.stored = None;
            }
        }
        for l in &mut s.filter_lists {
            l.stored = None;
        }
        for a in &mut s.filter_actions {
            a.stored = None;
        }
        s.policies.sort_by(|a, b| a.name.cmp(&b.name));
        s.filter_lists.sort_by(|a, b| a.name.cmp(&b.name));
        s.filter_actions.sort_by(|a, b| a.name.cmp(&b.name));
        s.assigned = None;
        s.dynamic.clear();
        s.host = Default::default();
        s
    };
    assert_eq!(strip(&d.snapshot), strip(&snap));
    // Every object keeps its DN, GUID and bytes for the write-back.
    let first = &d.objects[0];
    assert!(first.raw.dn.ends_with(C), "{}", first.raw.dn);
    assert!(first.raw.object_guid.is_some());
    assert_eq!(first.raw.data, first.object.data);
    // Nothing was edited: exporting again gives every object its stored values back.
    let again = export_objects(&d.snapshot, None, C, 1);
    let by_ref = d.by_ref();
    for o in &again.objects {
        let loaded = by_ref.get(&o.reference()).expect("same objects");
        assert_eq!(o.values, loaded.object.values, "{}", o.reference());
    }
}

#[test]
fn a_reference_to_a_deleted_or_missing_object_is_an_error_naming_it() {
    let snap = kb813878();
    let mut entries = entries_for(&snap);
    let policy = entries
        .iter()
        .position(|e| e.dn.starts_with("CN=ipsecPolicy"))
        .expect("a policy");
    let nfa_dn = entries[policy].text("ipsecNFAReference").expect("an NFA");
    // The NFA is deleted: AD shows the reference as a \0ADEL: DN.
    entries.retain(|e| !e.dn.eq_ignore_ascii_case(&nfa_dn));
    let deleted = format!(
        "{}\\0ADEL:5a1c2b3d-0000-0000-0000-000000000000,CN=Deleted Objects,DC=example,DC=test",
        nfa_dn.split(',').next().unwrap_or_default()
    );
    let mut e = DirEntry::new(entries[policy].dn.clone());
    for name in READ_ATTRIBUTES {
        for v in entries[policy].values(name) {
            let v = if name == "ipsecNFAReference" && String::from_utf8_lossy(v) == nfa_dn {
                deleted.as_bytes().to_vec()
            } else {
                v.clone()
            };
            e = e.with(name, v);
        }
    }
    entries[policy] = e;
    let err = snapshot_from_entries(C.into(), &entries).expect_err("dangling");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("the IPsec objects under {C} cannot be read:\n  ipsecPolicy 'Block UDP 1434 Filter' (CN=ipsecPolicy{{")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "ipsecNFAReference points to a deleted object ({}): remove the reference or \
             restore the object",
            crate::core::text::terminal_safe(&deleted)
        )),
        "{text}"
    );
    // And a reference to an object that simply is not there.
    let mut e = entries[policy].clone();
    e = e.with(
        "ipsecISAKMPReference",
        format!("CN=ipsecISAKMPPolicy{{00000000-0000-0000-0000-0000000000AB}},{C}"),
    );
    entries[policy] = e;
    let text = snapshot_from_entries(C.into(), &entries)
        .expect_err("missing")
        .to_string();
    assert!(
        text.contains(&format!(
            "ipsecISAKMPReference points to \
             CN=ipsecISAKMPPolicy{{00000000-0000-0000-0000-0000000000AB}},{C} which is not in \
             CN=IP Security: remove the reference or recreate the object"
        )),
        "{text}"
    );
}

#[test]
fn owner_back_references_to_deleted_objects_are_only_noted() {
    let snap = kb813878();
    let mut entries = entries_for(&snap);
    let filter = entries
        .iter()
        .position(|e| e.dn.starts_with("CN=ipsecFilter"))
        .expect("a filter list");
    let gone = "CN=ipsecNFA{00000000-0000-0000-0000-00000000000A}\\0ADEL:1,CN=Deleted \
                Objects,DC=example,DC=test";
    entries[filter] = entries[filter].clone().with("ipsecOwnersReference", gone);
    let d = snapshot_from_entries(C.into(), &entries).expect("reads");
    assert_eq!(
        d.notes
            .iter()
            .filter(|n| n.contains("owner back-reference"))
            .count(),
        1
    );
    let o = &d
        .objects
        .iter()
        .find(|o| o.object.class == Class::Filter)
        .expect("filter");
    assert!(o.object.owners.iter().all(|r| r.class == Class::Nfa));
    assert!(!o.object.owners.iter().any(|r| r.id.as_u128() == 10));
}

#[test]
fn an_undecodable_blob_names_the_object_by_dn() {
    let snap = kb813878();
    let mut entries = entries_for(&snap);
    let i = entries
        .iter()
        .position(|e| e.dn.starts_with("CN=ipsecFilter"))
        .expect("a filter list");
    let mut e = DirEntry::new(entries[i].dn.clone());
    for name in READ_ATTRIBUTES {
        for v in entries[i].values(name) {
            e = e.with(
                name,
                if name == "ipsecData" {
                    vec![1, 2, 3]
                } else {
                    v.clone()
                },
            );
        }
    }
    let dn = e.dn.clone();
    entries[i] = e;
    let err = snapshot_from_entries(C.into(), &entries).expect_err("bad blob");
    let text = err.to_string();
    assert!(text.starts_with("ipsecFilter '"), "{text}");
    assert!(
        text.contains(&format!("({dn}): ipsecData does not decode")),
        "{text}"
    );
}
