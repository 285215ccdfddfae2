//! `export ipseccmd`: the KB 813878 store comes back identical through ipseccmd; what
//! ipseccmd cannot say (shared lists, inactive rules, server types) is said; and the
//! `ipseccmd show filters`-style listing marks the exemptions.

mod common;

use ipsedit::core::engine::EffectiveTable;
use ipsedit::core::interchange::export_ipseccmd::{export, show_filters};
use ipsedit::core::interchange::ipseccmd::{apply, split_command_line, strip_program_name};
use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{FileStore, Store};

/// The tracked sample store `samples/NAME`, loaded through the file store, which must
/// leave the folder byte-identical (loading is the only step of these tests that opens it).
fn sample(name: &str) -> Snapshot {
    let untouched = common::SamplesUnchanged::take();
    let snap = FileStore::open(common::samples().join(name))
        .load()
        .expect("sample")
        .snapshot;
    untouched.check();
    snap
}

fn run_ipseccmd(script: &str, host: &Snapshot) -> Snapshot {
    let mut snap = Snapshot {
        host: host.host.clone(),
        ..Snapshot::default()
    };
    for line in script
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let words = split_command_line(line);
        apply(&mut snap, strip_program_name(&words)).expect("ipseccmd takes its own export");
    }
    snap
}

/// Compare ignoring ids: serialise and drop every GUID string.
fn shape(s: &Snapshot) -> String {
    let text = serde_json::to_string(s).expect("json");
    let mut out = String::new();
    for part in text.split('"') {
        if part.len() == 36 && uuid::Uuid::parse_str(part).is_ok() {
            out.push_str("ID");
        } else {
            out.push_str(part);
        }
        out.push('"');
    }
    out
}

#[test]
fn kb813878_round_trips_through_ipseccmd() {
    let store = sample("kb813878");
    let e = export(&store, None).expect("exports");
    assert!(e.lost.is_empty(), "{:?}", e.lost);
    assert!(
        e.script.contains("-f *=0:1434:UDP -n BLOCK"),
        "{}",
        e.script
    );
    let back = run_ipseccmd(&e.script, &store);
    assert_eq!(
        shape(&back),
        shape(&store.without_dynamic()),
        "\n{}",
        e.script
    );
}

#[test]
fn what_ipseccmd_cannot_say_is_said() {
    let mut snap = Snapshot::default();
    let r = apply_script(
        &mut snap,
        "pushd ipsec static\n\
         add filter L any me protocol=TCP dstport=445\n\
         add filter S DNS me\n\
         add filteraction A action=block\n\
         add policy P assign=yes\n\
         add rule R1 P L A\n\
         add rule R2 P L A\n\
         add rule R3 P S A\n\
         add rule R4 P L A activate=no\n",
        Mode::Transaction,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let e = export(&snap, None).expect("exports");
    let lost = e.lost.join("\n");
    assert!(lost.contains("filter list 'L' is shared"), "{lost}");
    assert!(lost.contains("filter action 'A' is shared"), "{lost}");
    assert!(lost.contains("server type"), "{lost}");
    assert!(lost.contains("inactive"), "{lost}");
    assert!(
        e.script.contains("# not expressible in ipseccmd:"),
        "{}",
        e.script
    );
    assert!(
        e.script.lines().last().is_some_and(|l| l.ends_with("-x")),
        "{}",
        e.script
    );
}

#[test]
fn listing_marks_exemptions_then_filters() {
    let store = sample("kb813878");
    let table = EffectiveTable::build(&store, None, &store.host);
    let text = show_filters(&table);
    let exempt = text
        .find("EXEMPT kerberos")
        .expect("kerberos exemption on winxp-sp1");
    let filter = text.find("weight 261").expect("the 1434 filters weigh 261");
    assert!(exempt < filter, "{text}");
    assert!(text.contains("Policy: Block UDP 1434 Filter"), "{text}");
    assert!(
        text.contains("Dst 192.168.1.1 (255.255.255.255) port 1434  Protocol UDP"),
        "{text}"
    );
}
