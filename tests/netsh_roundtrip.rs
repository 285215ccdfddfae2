//! `export netsh` → a fresh store via the script → `export netsh` gives the same script,
//! and the fresh store equals the original with ids aside: for each sample and for random
//! stores (a Snapshot generator limited to what a valid store holds).

mod common;

use std::net::Ipv4Addr;

use ipsedit::core::engine::EffectiveTable;
use ipsedit::core::interchange::netsh::{Mode, apply_script, export_script};
use ipsedit::core::model::{
    Address, AuthMethod, Behavior, BootMode, Cipher, ConnectionType, DhGroup, DynamicConfig,
    DynamicSpd, Esp, Filter, FilterAction, FilterList, HashAlg, HostContext, Interface,
    MainModeMethod, OsProfile, Policy, Protocol, Rule, SecurityMethod, ServerKind, Snapshot,
    prefix_mask,
};
use ipsedit::core::store::{FileStore, Store};
use proptest::prelude::*;

/// The snapshot as JSON with every GUID replaced by its order of first appearance.
fn normalised(snap: &Snapshot) -> String {
    normalise_ids(&serde_json::to_string(snap).expect("serialises"))
}

/// The engine's effective table of every policy (and of the assignment), ids normalised.
fn tables(snap: &Snapshot) -> Vec<String> {
    let mut ids: Vec<Option<ipsedit::core::model::Id>> = vec![None];
    ids.extend(snap.policies.iter().map(|p| Some(p.id)));
    ids.into_iter()
        .map(|id| {
            let t = EffectiveTable::build(snap, id, &snap.host);
            normalise_ids(&serde_json::to_string(&t.rows).expect("rows serialise"))
        })
        .collect()
}

fn normalise_ids(text: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('"') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let end = rest.find('"').unwrap_or(rest.len());
        let word = &rest[..end];
        if word.len() == 36 && uuid::Uuid::parse_str(word).is_ok() {
            let n = seen.iter().position(|s| s == word).unwrap_or_else(|| {
                seen.push(word.to_string());
                seen.len() - 1
            });
            out.push_str(&format!("id-{n}"));
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn round_trip(snap: &Snapshot) {
    let first = export_script(snap, None).expect("exportable").script;
    let mut fresh = Snapshot::default();
    let report = apply_script(&mut fresh, &first, Mode::Transaction);
    assert!(report.errors.is_empty(), "{:#?}\n{first}", report.errors);
    let second = export_script(&fresh, None).expect("exportable").script;
    // Dynamic rules ipseccmd made are `export ipseccmd`'s: the script only names them in a
    // comment (tests/netsh_dynamic_export.rs).
    let named: String = first
        .lines()
        .filter(|l| !l.starts_with("# dynamic rule from ipseccmd"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(named, second);
    let mut expected = snap.clone();
    expected.dynamic.retain(|d| d.netsh.is_some());
    assert_eq!(normalised(&fresh), normalised(&expected), "\n{first}");
    assert_eq!(tables(&fresh), tables(&expected), "\n{first}");
}

#[test]
fn samples_round_trip() {
    let untouched = common::SamplesUnchanged::take();
    for s in ["kb813878", "kb811832", "kb813878-dynamic"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(s);
        let snap = FileStore::open(dir).load().expect("sample loads").snapshot;
        round_trip(&snap);
    }
    untouched.check();
}

#[test]
fn netsh_samples_equal_their_ipseccmd_stores() {
    let untouched = common::SamplesUnchanged::take();
    for s in ["kb813878", "kb811832"] {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let store = FileStore::open(root.join(s))
            .load()
            .expect("loads")
            .snapshot;
        let text = std::fs::read_to_string(root.join(format!("{s}.netsh"))).expect("reads");
        let mut fresh = Snapshot::default();
        let r = apply_script(&mut fresh, &text, Mode::Transaction);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(
            normalised(&fresh),
            normalised(&store.without_dynamic()),
            "{s}"
        );
    }
    untouched.check();
}

fn ip() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn names() -> impl Strategy<Value = Vec<(String, Vec<Ipv4Addr>)>> {
    prop::collection::vec(prop::collection::vec(ip(), 0..3), 0..3).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, a)| (format!("host{i}.example"), a))
            .collect()
    })
}

fn host() -> impl Strategy<Value = HostContext> {
    (
        prop::sample::select(OsProfile::ALL.to_vec()),
        prop::option::of(0u32..4),
        prop::collection::vec((ip(), 8u8..=32), 0..3),
        prop::collection::vec(ip(), 0..2),
        prop::collection::vec(ip(), 0..2),
        prop::option::of(prop::sample::select(vec![
            BootMode::Permit,
            BootMode::Block,
            BootMode::Stateful,
        ])),
        prop::option::of(prop::sample::select(vec!["none", "TCP:0:80:inbound"])),
        names(),
        (
            prop::option::of(0u32..8),
            prop::option::of(0u32..2),
            prop::option::of(0u32..3),
            prop::option::of(60u32..86401),
        ),
    )
        .prop_map(
            |(profile, nde, ifs, dns, wins, boot, bootx, names, config)| HostContext {
                profile,
                no_default_exempt: nde,
                interfaces: ifs
                    .into_iter()
                    .map(|(addr, prefix)| Interface { addr, prefix })
                    .collect(),
                dns_servers: dns,
                wins_servers: wins,
                dhcp_servers: Vec::new(),
                gateways: Vec::new(),
                boot_mode: boot,
                boot_exemptions: bootx.map(String::from),
                names: names.into_iter().collect(),
                computer_name: None,
                spd: DynamicSpd {
                    config: DynamicConfig {
                        ipsec_diagnostics: config.0,
                        ike_logging: config.1,
                        strong_crl_check: config.2,
                        ipsec_log_interval: config.3,
                    },
                    ..DynamicSpd::default()
                },
            },
        )
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "", "a description", "Slammer, port 1434 = SQL"])
        .prop_map(String::from)
}

fn method() -> impl Strategy<Value = SecurityMethod> {
    let hash = prop::option::of(prop::sample::select(vec![HashAlg::Md5, HashAlg::Sha1]));
    let cipher = prop::option::of(prop::sample::select(vec![Cipher::Des, Cipher::TripleDes]));
    (
        prop::option::of(prop::sample::select(vec![HashAlg::Md5, HashAlg::Sha1])),
        cipher,
        hash,
        0u32..3,
        0u32..3,
    )
        .prop_filter_map("protects something", |(ah, c, h, kb, s)| {
            let esp = (c.is_some() || h.is_some()).then_some(Esp {
                encryption: c,
                integrity: h,
            });
            (ah.is_some() || esp.is_some()).then_some(SecurityMethod {
                ah,
                esp,
                lifetime_kb: kb * 50_000,
                lifetime_secs: s * 900,
            })
        })
}

fn address(names: Vec<String>) -> impl Strategy<Value = Address> {
    let n = names.len();
    prop_oneof![
        Just(Address::Me),
        Just(Address::Any),
        ip().prop_map(Address::host),
        (ip(), 0u8..=32).prop_map(|(a, p)| Address::subnet(a, prefix_mask(p))),
        prop::sample::select(ServerKind::ALL.to_vec()).prop_map(Address::Server),
        (0..n.max(1)).prop_map(move |i| match names.get(i) {
            Some(name) => Address::Dns {
                name: name.clone(),
                resolved: Vec::new()
            },
            None => Address::Any,
        }),
    ]
}

fn filter(names: Vec<String>) -> impl Strategy<Value = Filter> {
    (
        address(names.clone()),
        address(names),
        prop_oneof![Just(0u8), Just(1), Just(6), Just(17), Just(46), any::<u8>()],
        any::<u16>(),
        any::<u16>(),
        any::<bool>(),
        text(),
    )
        .prop_map(|(mut s, mut d, proto, sp, dp, mirrored, description)| {
            // netsh pairs a server type only with `me`.
            if matches!(s, Address::Server(_)) {
                d = Address::Me;
            } else if matches!(d, Address::Server(_)) {
                s = Address::Me;
            }
            let mut f = Filter::new(s, d);
            f.protocol = Protocol(proto);
            if f.protocol.has_ports() {
                f.src_port = sp % 3 * 88;
                f.dst_port = dp;
            }
            f.mirrored = mirrored;
            f.description = description;
            f
        })
}

fn auth() -> impl Strategy<Value = Vec<AuthMethod>> {
    prop::sample::select(vec![
        vec![AuthMethod::Kerberos],
        vec![],
        vec![AuthMethod::Preshared {
            key: "s3cret key".into(),
        }],
        vec![
            AuthMethod::Certificate {
                root_ca: "CN=Root certmap:no".into(),
            },
            AuthMethod::Kerberos,
            AuthMethod::Preshared { key: "k".into() },
        ],
    ])
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    host()
        .prop_flat_map(|host| {
            let names: Vec<String> = host.names.keys().cloned().collect();
            let actions = prop::collection::vec(
                (
                    prop::sample::select(vec![
                        Behavior::Permit,
                        Behavior::Block,
                        Behavior::Negotiate,
                    ]),
                    prop::collection::vec(method(), 0..3),
                    any::<(bool, bool, bool)>(),
                    text(),
                ),
                0..4,
            );
            let lists =
                prop::collection::vec((prop::collection::vec(filter(names), 0..4), text()), 0..4);
            let policies = prop::collection::vec(
                (
                    any::<(bool, bool, bool)>(),
                    (0u32..3, 0u32..3, 1u32..400),
                    prop::collection::vec(
                        prop::sample::select(vec![
                            MainModeMethod {
                                encryption: Cipher::TripleDes,
                                integrity: HashAlg::Sha1,
                                dh_group: DhGroup::Medium,
                            },
                            MainModeMethod {
                                encryption: Cipher::Des,
                                integrity: HashAlg::Md5,
                                dh_group: DhGroup::Low,
                            },
                            MainModeMethod {
                                encryption: Cipher::TripleDes,
                                integrity: HashAlg::Md5,
                                dh_group: DhGroup::High2048,
                            },
                        ]),
                        0..3,
                    ),
                    (auth(), prop::collection::vec(method(), 0..2)),
                    prop::collection::vec(
                        (
                            any::<(usize, usize)>(),
                            auth(),
                            prop::option::of(ip()),
                            prop::sample::select(vec![
                                ConnectionType::All,
                                ConnectionType::Lan,
                                ConnectionType::RemoteAccess,
                            ]),
                            any::<bool>(),
                            text(),
                        ),
                        0..4,
                    ),
                    text(),
                ),
                0..3,
            );
            (
                Just(host),
                actions,
                lists,
                policies,
                any::<prop::sample::Index>(),
                any::<bool>(),
            )
        })
        .prop_map(|(host, actions, lists, policies, assigned, assign)| {
            let mut snap = Snapshot {
                host,
                ..Snapshot::default()
            };
            for (i, (behavior, methods, (inpass, soft, pfs), description)) in
                actions.into_iter().enumerate()
            {
                let mut a = FilterAction::new(format!("Action {i}"), behavior);
                a.methods = methods;
                (a.inpass, a.soft, a.session_key_pfs) = (inpass, soft, pfs);
                a.description = description;
                snap.filter_actions.push(a);
            }
            for (i, (filters, description)) in lists.into_iter().enumerate() {
                let mut l = FilterList::new(format!("List {i}"));
                l.description = description;
                l.filters = filters
                    .into_iter()
                    .map(|mut f| {
                        for a in [&mut f.source, &mut f.destination] {
                            if let Address::Dns { name, resolved } = a {
                                *resolved = snap.host.names.get(name).cloned().unwrap_or_default();
                            }
                        }
                        f
                    })
                    .collect();
                snap.filter_lists.push(l);
            }
            for (
                i,
                (
                    (mmpfs, dr_active, dr_pfs),
                    (sessions, life, poll),
                    mm,
                    (dr_auth, dr_methods),
                    rules,
                    description,
                ),
            ) in policies.into_iter().enumerate()
            {
                let mut p = Policy::new(format!("Policy {i}"));
                p.description = description;
                p.key_exchange.master_key_pfs = mmpfs;
                p.key_exchange.lifetime_sessions = sessions;
                p.key_exchange.lifetime_minutes = 480 + life * 60;
                p.key_exchange.methods = mm;
                p.polling_interval_min = poll;
                p.default_response.active = dr_active;
                p.default_response.authentication = dr_auth;
                p.default_response.methods = dr_methods;
                p.default_response.session_key_pfs = dr_pfs;
                if !snap.filter_lists.is_empty() && !snap.filter_actions.is_empty() {
                    for (j, ((l, a), auth, tunnel, conn, active, description)) in
                        rules.into_iter().enumerate()
                    {
                        let list = &snap.filter_lists[l % snap.filter_lists.len()];
                        let action = &snap.filter_actions[a % snap.filter_actions.len()];
                        let mut r = Rule::new(format!("Rule {j}"), list.id, action.id);
                        r.authentication = auth;
                        r.tunnel = tunnel.filter(|t| !t.is_unspecified());
                        r.connection = conn;
                        r.active = active;
                        r.description = description;
                        p.rules.push(r);
                    }
                }
                snap.policies.push(p);
            }
            if assign && !snap.policies.is_empty() {
                snap.assigned = Some(snap.policies[assigned.index(snap.policies.len())].id);
            }
            snap
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_stores_round_trip(snap in snapshot()) {
        round_trip(&snap);
    }
}

/// The generator must reach the interesting parts (rules, DNS names, server types,
/// negotiate methods), or the property above proves little.
#[test]
fn generator_covers_the_model() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut rules, mut dns, mut servers, mut methods) = (0, 0, 0, 0);
    for _ in 0..200 {
        let snap = snapshot()
            .new_tree(&mut runner)
            .expect("generates")
            .current();
        rules += snap.policies.iter().map(|p| p.rules.len()).sum::<usize>();
        for f in snap.filter_lists.iter().flat_map(|l| &l.filters) {
            for a in [&f.source, &f.destination] {
                match a {
                    Address::Dns { .. } => dns += 1,
                    Address::Server(_) => servers += 1,
                    _ => {}
                }
            }
        }
        methods += snap
            .filter_actions
            .iter()
            .map(|a| a.methods.len())
            .sum::<usize>();
    }
    assert!(
        rules > 50 && dns > 10 && servers > 10 && methods > 50,
        "{rules} {dns} {servers} {methods}"
    );
}
