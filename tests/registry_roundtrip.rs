//! Round trips through Windows' registry form: store -> `.reg` -> store keeps every field
//! and GUID (random stores); a netsh script -> store -> `.reg` -> store keeps the effective
//! table (samples and random stores); a file in regedit's form comes back byte for byte;
//! REGEDIT4/UTF-8/other wrapping/other software's keys come back in regedit's form; an
//! edited object alone is re-encoded.

mod registry_support;

use std::net::Ipv4Addr;

use ipsedit::core::engine::EffectiveTable;
use ipsedit::core::interchange::netsh::{Mode, apply_script, export_script};
use ipsedit::core::interchange::registry::LOCAL_STORE;
use ipsedit::core::interchange::registry::regfile::{decode_text, parse, utf16_file};
use ipsedit::core::interchange::registry::regstore::{apply, changes, export_reg};
use ipsedit::core::model::{
    Address, AuthMethod, Behavior, Cipher, ConnectionType, DhGroup, Esp, Filter, FilterAction,
    FilterList, HashAlg, HostContext, MainModeMethod, Policy, Protocol, Rule, SecurityMethod,
    ServerKind, Snapshot,
};
use proptest::prelude::*;
use registry_support::content;

const NOW: u32 = 0x6000_0000;

/// `.reg` text -> snapshot (on an empty store), panicking on errors.
fn from_reg(text: &str) -> Snapshot {
    let f = parse(text).expect("parses");
    apply(&Snapshot::default(), &changes(&f, LOCAL_STORE))
        .expect("reads")
        .snapshot
}

/// Every policy's effective table on `host` (a .reg file carries no host context).
fn tables(s: &Snapshot, host: &HostContext) -> Vec<String> {
    let mut ps: Vec<&Policy> = s.policies.iter().collect();
    ps.sort_by_key(|p| p.id);
    ps.iter()
        .map(|p| {
            let t = EffectiveTable::build(s, Some(p.id), host);
            serde_json::to_string(&t.rows).expect("rows")
        })
        .collect()
}

fn hash() -> impl Strategy<Value = HashAlg> {
    prop::sample::select(vec![HashAlg::Md5, HashAlg::Sha1])
}

fn method() -> impl Strategy<Value = SecurityMethod> {
    (
        prop::option::of(hash()),
        prop::option::of((
            prop::option::of(prop::sample::select(vec![Cipher::Des, Cipher::TripleDes])),
            prop::option::of(hash()),
        )),
        0u32..200_000,
        0u32..90_000,
    )
        .prop_filter("an offer protects something", |(ah, esp, _, _)| {
            esp.is_none_or(|(c, h)| c.is_some() || h.is_some()) && (ah.is_some() || esp.is_some())
        })
        .prop_map(|(ah, esp, lifetime_kb, lifetime_secs)| SecurityMethod {
            ah,
            esp: esp.map(|(encryption, integrity)| Esp {
                encryption,
                integrity,
            }),
            lifetime_kb,
            lifetime_secs,
        })
}

fn ip() -> impl Strategy<Value = Ipv4Addr> {
    (1u32..u32::MAX).prop_map(Ipv4Addr::from)
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        Just(Address::Me),
        Just(Address::Any),
        (ip(), 0u8..=32)
            .prop_map(|(a, p)| Address::subnet(a, ipsedit::core::model::prefix_mask(p))),
        (
            prop::sample::select(vec!["www.example.com", "mail.example.net"]),
            prop::collection::vec(ip(), 0..3)
        )
            .prop_map(|(n, mut r)| {
                r.dedup();
                Address::Dns {
                    name: n.to_string(),
                    resolved: r,
                }
            }),
        prop::sample::select(ServerKind::ALL.to_vec()).prop_map(Address::Server),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    (
        address(),
        address(),
        0u8..=255,
        any::<(u16, u16, bool)>(),
        "[a-z ]{0,8}",
    )
        .prop_map(|(mut s, mut d, proto, (sp, dp, m), desc)| {
            // A server type pairs only with `me` (netsh refuses anything else).
            if matches!(s, Address::Server(_)) {
                d = Address::Me;
            } else if matches!(d, Address::Server(_)) {
                s = Address::Me;
            }
            let mut f = Filter::new(s, d);
            f.protocol = Protocol(proto);
            // Ports only where netsh takes them (TCP and UDP).
            if f.protocol.has_ports() {
                (f.src_port, f.dst_port) = (sp, dp);
            }
            f.mirrored = m;
            f.description = desc;
            f
        })
}

fn auth() -> impl Strategy<Value = Vec<AuthMethod>> {
    prop::collection::vec(
        prop_oneof![
            Just(AuthMethod::Kerberos),
            "[A-Za-z=, ]{1,12}".prop_map(|root_ca| AuthMethod::Certificate { root_ca }),
            "[ -~]{1,10}".prop_map(|key| AuthMethod::Preshared { key }),
        ],
        0..3,
    )
}

prop_compose! {
    fn snapshot()(
        actions in prop::collection::vec(
            (0usize..3, prop::collection::vec(method(), 0..3), any::<(bool, bool, bool)>(), "[ -~]{0,10}"),
            1..4),
        lists in prop::collection::vec((prop::collection::vec(filter(), 0..4), "[ -~]{0,10}"), 1..4),
        policies in prop::collection::vec((
            (any::<(bool, bool, bool, bool)>(), 0u32..3, 1u32..20, 1u32..400),
            prop::collection::vec(prop::sample::select(vec![
                (Cipher::TripleDes, HashAlg::Sha1, DhGroup::Medium),
                (Cipher::Des, HashAlg::Md5, DhGroup::Low),
                (Cipher::TripleDes, HashAlg::Md5, DhGroup::High2048),
            ]), 0..3),
            (auth(), prop::collection::vec(method(), 0..2)),
            prop::collection::vec((any::<(usize, usize)>(), auth(), prop::option::of(ip()),
                0usize..3, any::<bool>(), "[ -~]{0,10}"), 0..4),
            "[ -~]{0,12}",
        ), 0..3),
        assign in any::<Option<prop::sample::Index>>(),
    ) -> Snapshot {
        let mut s = Snapshot::default();
        for (i, (b, methods, (inpass, soft, pfs), description)) in actions.into_iter().enumerate() {
            let behavior = [Behavior::Permit, Behavior::Block, Behavior::Negotiate][b];
            let mut a = FilterAction::new(format!("Action {i}"), behavior);
            // PFS is a flag of each offer: without offers there is nowhere to keep it.
            a.session_key_pfs = pfs && !methods.is_empty();
            a.methods = methods;
            a.inpass = inpass && behavior == Behavior::Negotiate;
            (a.soft, a.description) = (soft, description);
            s.filter_actions.push(a);
        }
        for (i, (filters, description)) in lists.into_iter().enumerate() {
            let mut l = FilterList::new(format!("List {i}"));
            (l.filters, l.description) = (filters, description);
            s.filter_lists.push(l);
        }
        for (i, ((flags, sessions, hours, poll), mm, (dr_auth, dr_methods), rules, description))
            in policies.into_iter().enumerate()
        {
            let mut p = Policy::new(format!("Policy {i}"));
            p.description = description;
            let k = &mut p.key_exchange;
            (k.master_key_pfs, k.cert_to_account, k.no_cert_request) = (flags.0, flags.1, flags.2);
            (k.lifetime_sessions, k.lifetime_minutes) = (sessions, hours * 60);
            k.methods = mm
                .into_iter()
                .map(|(encryption, integrity, dh_group)| MainModeMethod { encryption, integrity, dh_group })
                .collect();
            p.polling_interval_min = poll;
            p.default_response.active = flags.3;
            p.default_response.authentication = dr_auth;
            p.default_response.methods = dr_methods;
            for (j, ((l, a), auth, tunnel, c, active, description)) in rules.into_iter().enumerate() {
                let mut r = Rule::new(
                    format!("Rule {j}"),
                    s.filter_lists[l % s.filter_lists.len()].id,
                    s.filter_actions[a % s.filter_actions.len()].id,
                );
                (r.authentication, r.tunnel, r.active, r.description) = (auth, tunnel, active, description);
                r.connection = [ConnectionType::All, ConnectionType::Lan, ConnectionType::RemoteAccess][c];
                p.rules.push(r);
            }
            s.policies.push(p);
        }
        if let Some(i) = assign.filter(|_| !s.policies.is_empty()) {
            s.assigned = Some(s.policies[i.index(s.policies.len())].id);
        }
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// store -> .reg -> store keeps every field and GUID; exporting again gives the same
    /// file (nothing was edited, so every object is written back as read).
    #[test]
    fn store_reg_store_keeps_everything(s in snapshot()) {
        let (text, _) = export_reg(&s, None, LOCAL_STORE, NOW);
        let back = from_reg(&text);
        prop_assert_eq!(content(&back), content(&s));
        prop_assert_eq!(back.assigned, s.assigned);
        let (again, _) = export_reg(&back, None, LOCAL_STORE, NOW + 1);
        prop_assert_eq!(parse(&again).expect("parses"), parse(&text).expect("parses"));
    }

    /// netsh script -> store -> .reg -> store: the same effective tables.
    #[test]
    fn netsh_reg_keeps_the_effective_table(s in snapshot()) {
        let Ok(script) = export_script(&s, None) else { return Ok(()) };
        let mut via_netsh = Snapshot::default();
        let report = apply_script(&mut via_netsh, &script.script, Mode::Transaction);
        prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
        let (text, _) = export_reg(&via_netsh, None, LOCAL_STORE, NOW);
        let back = from_reg(&text);
        prop_assert_eq!(tables(&back, &via_netsh.host), tables(&via_netsh, &via_netsh.host));
    }
}

#[test]
fn samples_keep_their_effective_tables() {
    for name in ["kb811832.netsh", "kb813878.netsh"] {
        let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("sample");
        let mut s = Snapshot::default();
        let report = apply_script(&mut s, &text, Mode::Transaction);
        assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
        let (reg, _) = export_reg(&s, None, LOCAL_STORE, NOW);
        let back = from_reg(&reg);
        assert_eq!(tables(&back, &s.host), tables(&s, &s.host), "{name}");
        assert_eq!(content(&back), content(&s), "{name}");
        assert_eq!(back.assigned, s.assigned, "{name}");
        assert!(!tables(&s, &s.host).is_empty());
    }
}

/// A file in regedit's form holding Windows' default policies (their real blobs, with
/// ipsecDataType 598 and junk bytes): imported and exported, it is the same file, byte
/// for byte. The same content as REGEDIT4, UTF-8, other wrapping and with another
/// program's keys gives regedit's form.
#[test]
fn regedit_files_come_back_byte_for_byte() {
    if !registry_support::require(
        registry_support::PROVISION_LDIF,
        "samba-ad-provision",
        "regedit_files_come_back_byte_for_byte",
    ) {
        return;
    }
    let original = registry_support::defaults_reg();
    let snap = from_reg(&decode_text(&original));
    assert_eq!(snap.policies.len(), 3);
    let (text, warnings) = export_reg(&snap, None, LOCAL_STORE, NOW);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(utf16_file(&text), original);

    // REGEDIT4, UTF-8, LF, hex re-wrapped one byte a line, a comment and another key.
    let text5 = decode_text(&original).replace(",\\\r\n  ", ",");
    let mut other = String::from(
        "REGEDIT4\n\n[HKEY_CURRENT_USER\\Software\\Other]\n\"x\"=\"y\"\n; a comment\n",
    );
    for line in text5.split("\r\n").skip(1) {
        // REGEDIT4 multi-strings are ANSI: one byte a character.
        let ansi;
        let line = match line.split_once("=hex(7):") {
            Some((name, hex)) => {
                let bytes: Vec<&str> = hex.split(',').step_by(2).collect();
                ansi = format!("{name}=hex(7):{}", bytes.join(","));
                ansi.as_str()
            }
            None => line,
        };
        if line.contains("=hex") {
            other.push_str(&line.replace(',', ",\\\n    "));
        } else {
            other.push_str(line);
        }
        other.push('\n');
    }
    let snap4 = from_reg(&other);
    let (again, _) = export_reg(&snap4, None, LOCAL_STORE, NOW);
    assert_eq!(utf16_file(&again), original);
}

/// Editing one rule re-encodes that NFA alone; every other key is written as read.
#[test]
fn only_edited_objects_are_encoded_afresh() {
    if !registry_support::require(
        registry_support::PROVISION_LDIF,
        "samba-ad-provision",
        "only_edited_objects_are_encoded_afresh",
    ) {
        return;
    }
    let original = decode_text(&registry_support::defaults_reg());
    let mut snap = from_reg(&original);
    let p = snap
        .policies
        .iter_mut()
        .find(|p| p.name == "Secure Server (Require Security)")
        .expect("policy");
    p.rules[1].name = "Require Security (edited)".into();
    let (text, _) = export_reg(&snap, None, LOCAL_STORE, NOW);
    let keys = |t: &str| -> Vec<(String, Vec<String>)> {
        t.split("\r\n\r\n")
            .map(|block| {
                let mut lines = block.lines().map(str::to_string);
                (lines.next().unwrap_or_default(), lines.collect())
            })
            .collect()
    };
    let (before, after) = (keys(&original), keys(&text));
    assert_eq!(before.len(), after.len());
    let changed: Vec<&String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| &b.0)
        .collect();
    assert_eq!(
        before.iter().map(|k| &k.0).collect::<Vec<_>>(),
        after.iter().map(|k| &k.0).collect::<Vec<_>>()
    );
    assert_eq!(
        changed,
        vec![
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\\
             ipsecNFA{7238523E-70FA-11D1-864C-14A300000000}]"
        ]
    );
    let nfa = &after.iter().find(|k| k.0 == *changed[0]).expect("key").1;
    assert!(nfa.contains(&"\"ipsecName\"=\"Require Security (edited)\"".to_string()));
    assert!(nfa.contains(&"\"ipsecDataType\"=dword:00000100".to_string()));
    assert!(nfa.contains(&format!("\"whenChanged\"=dword:{NOW:08x}")));
}
