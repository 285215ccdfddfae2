//! Store tests: the guarantees of issue 2 (atomic, revisioned, history, never overwrite a
//! file that could not be read), exercised on real directories.

use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::{Arc, Barrier};

use ipsedit::core::model::{
    Address, AuthMethod, Behavior, BootMode, Cipher, ConnectionType, DynamicRule, Esp, Filter,
    FilterAction, FilterList, HashAlg, HostContext, Interface, OsProfile, Policy, Protocol, Rule,
    SecurityMethod, ServerKind, Snapshot,
};
use ipsedit::core::store::{
    FileStore, HISTORY_KEEP, MAX_FILE_BYTES, MemoryStore, Store, StoreError,
};

fn ip(s: &str) -> Ipv4Addr {
    s.parse().expect("test address")
}

/// A snapshot using every kind of object and address, so a round trip covers the model.
fn populated() -> Snapshot {
    let mut list = FilterList::new("All kinds");
    let kinds = [
        (Address::Any, Address::Me),
        (Address::host(ip("10.10.1.2")), Address::Any),
        (
            Address::subnet(ip("144.92.0.0"), ip("255.255.0.0")),
            Address::Me,
        ),
        (
            // Non-contiguous masks are kept as written.
            Address::subnet(ip("1.2.3.4"), ip("255.0.255.0")),
            Address::Any,
        ),
        (
            Address::Dns {
                name: "www.example.com".into(),
                resolved: vec![ip("192.0.2.1"), ip("192.0.2.2")],
            },
            Address::Me,
        ),
        (Address::Server(ServerKind::Dns), Address::Me),
        (Address::Server(ServerKind::Wins), Address::Me),
        (Address::Server(ServerKind::Dhcp), Address::Me),
        (Address::Server(ServerKind::Gateway), Address::Me),
    ];
    for (src, dst) in kinds {
        let mut f = Filter::new(src, dst);
        f.protocol = Protocol::UDP;
        f.dst_port = 1434;
        f.mirrored = true;
        f.description = "with \"quotes\", a\nnewline and ünïcode".into();
        list.filters.push(f);
    }
    let mut action = FilterAction::new("Require security", Behavior::Negotiate);
    action.methods = vec![
        SecurityMethod {
            ah: Some(HashAlg::Sha1),
            esp: Some(Esp {
                encryption: Some(Cipher::TripleDes),
                integrity: None,
            }),
            lifetime_kb: 100_000,
            lifetime_secs: 3600,
        },
        SecurityMethod {
            ah: None,
            esp: Some(Esp {
                encryption: None,
                integrity: Some(HashAlg::Md5),
            }),
            lifetime_kb: 0,
            lifetime_secs: 0,
        },
    ];
    action.inpass = true;
    action.soft = true;
    action.session_key_pfs = true;
    let mut policy = Policy::new("Block UDP 1434 Filter");
    let mut rule = Rule::new("Block Inbound UDP 1434 Rule", list.id, action.id);
    rule.tunnel = Some(ip("10.0.0.1"));
    rule.connection = ConnectionType::Lan;
    rule.authentication = vec![
        AuthMethod::Kerberos,
        AuthMethod::Preshared {
            key: "s3cret".into(),
        },
        AuthMethod::Certificate {
            root_ca: "CN=Root".into(),
        },
    ];
    policy.rules.push(rule);
    let dynamic = DynamicRule {
        id: uuid::Uuid::new_v4(),
        filter: Filter::new(Address::Any, Address::Me),
        action: FilterAction::new("block", Behavior::Block),
        authentication: vec![AuthMethod::Kerberos],
        tunnel: None,
        connection: ConnectionType::RemoteAccess,
        origin: "ipseccmd -f [*=0:1434:UDP]".into(),
        outbound: None,
        netsh: None,
    };
    let mut host = HostContext {
        profile: OsProfile::Win2000Sp4,
        no_default_exempt: Some(1),
        interfaces: vec![
            Interface {
                addr: ip("192.168.1.1"),
                prefix: 24,
            },
            Interface {
                addr: ip("10.10.1.2"),
                prefix: 24,
            },
        ],
        dns_servers: vec![ip("192.168.1.53")],
        wins_servers: vec![ip("192.168.1.54")],
        dhcp_servers: vec![ip("192.168.1.55")],
        gateways: vec![ip("192.168.1.254")],
        boot_mode: Some(BootMode::Stateful),
        boot_exemptions: Some("ICMP:0:0:both".into()),
        ..HostContext::default()
    };
    host.names
        .insert("www.example.com".into(), vec![ip("192.0.2.1")]);
    Snapshot {
        assigned: Some(policy.id),
        policies: vec![policy],
        filter_lists: vec![list],
        filter_actions: vec![action],
        dynamic: vec![dynamic],
        host,
        // A registry object no policy uses (issue 11): kept and stored as read.
        unreferenced: vec![ipsedit::core::model::UnreferencedObject {
            key: "ipsecNFA{6A1F5C6F-72B7-11D2-ACF0-0060B0ECCA17}".into(),
            stored: ipsedit::core::model::StoredObject {
                location: "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local".into(),
                fingerprint: 0,
                values: vec![ipsedit::core::model::StoredValue {
                    name: "ipsecData".into(),
                    kind: 3,
                    data: vec![0x6f, 0x5c, 0x1f, 0x6a, 0, 0xff],
                }],
            },
        }],
        ..Snapshot::default()
    }
}

/// A snapshot that differs per revision, so restores can be told apart.
fn numbered(n: u32) -> Snapshot {
    let mut s = Snapshot::default();
    let mut policy = Policy::new(format!("policy {n}"));
    policy.id = uuid::Uuid::from_u128(u128::from(n) + 1);
    s.policies.push(policy);
    s
}

fn malformed(err: StoreError) -> (std::path::PathBuf, usize, usize, String) {
    match err {
        StoreError::Malformed {
            path,
            line,
            column,
            message,
        } => (path, line, column, message),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// After a load failed, saving must refuse and leave every byte as it was.
fn assert_save_refused_and_untouched(store: &FileStore) {
    let before = fs::read(store.current_path()).expect("read store.ron");
    for expected in [0, 1, 2] {
        let err = store
            .save(expected, &populated(), "must not land")
            .expect_err("save over an unreadable file");
        assert!(matches!(err, StoreError::Malformed { .. }), "{err:?}");
    }
    assert_eq!(fs::read(store.current_path()).expect("reread"), before);
    assert!(!store.dir().join("history").exists());
}

fn write_current(dir: &Path, text: &str) -> FileStore {
    fs::write(dir.join("store.ron"), text).expect("write store.ron");
    FileStore::open(dir)
}

#[test]
fn missing_store_loads_empty_at_revision_0_and_open_touches_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("not/yet");
    let store = FileStore::open(&dir);
    let loaded = store.load().expect("load");
    assert_eq!(loaded.revision, 0);
    assert_eq!(loaded.snapshot, Snapshot::default());
    assert_eq!(loaded.snapshot.host.profile, OsProfile::Ws2003);
    assert_eq!(loaded.snapshot.host.no_default_exempt, None);
    assert!(loaded.snapshot.host.interfaces.is_empty());
    assert_eq!(store.history().expect("history"), vec![]);
    assert!(!dir.exists(), "open/load/history must not create the store");

    assert_eq!(store.save(0, &numbered(1), "first").expect("save"), 1);
    assert!(dir.join("store.ron").is_file());
}

#[test]
fn populated_snapshot_round_trips() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    let snapshot = populated();
    assert_eq!(store.save(0, &snapshot, "populate").expect("save"), 1);
    let loaded = store.load().expect("load");
    assert_eq!(loaded.revision, 1);
    assert_eq!(loaded.snapshot, snapshot);

    // Readable by an admin: sections by name, protocol by name, no struct names.
    let text = fs::read_to_string(store.current_path()).expect("read");
    for needle in [
        "format: 1,",
        "revision: 1,",
        "summary: \"populate\",",
        "policies: [",
        "filter_lists: [",
        "filter_actions: [",
        "assigned: Some(",
        "dynamic: [",
        "host: (",
        "protocol: \"UDP\",",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(!text.contains('\r'));
}

#[test]
fn windows_line_ends_and_bom_in_a_hand_edited_file_are_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    let snapshot = populated();
    store.save(0, &snapshot, "populate").expect("save");
    let text = fs::read_to_string(store.current_path()).expect("read");
    let edited = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    fs::write(store.current_path(), edited).expect("write");
    let loaded = store.load().expect("load edited");
    assert_eq!(loaded.revision, 1);
    assert_eq!(loaded.snapshot, snapshot);
    // And the edited file can be saved over (it was readable).
    assert_eq!(store.save(1, &numbered(2), "after edit").expect("save"), 2);
}

#[test]
fn truncated_file_is_malformed_at_its_end_and_never_overwritten() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    store.save(0, &populated(), "populate").expect("save");
    let text = fs::read_to_string(store.current_path()).expect("read");
    // Cut after 12 whole lines, as a copy interrupted mid-way would.
    let cut: String = text.split_inclusive('\n').take(12).collect();
    fs::write(store.current_path(), &cut).expect("truncate");

    let (path, line, column, message) = malformed(store.load().expect_err("truncated"));
    assert_eq!(path, store.current_path());
    // Just after the last complete token, on the last line that survived.
    let last_line = cut.lines().nth(11).expect("line 12");
    assert_eq!((line, column), (12, last_line.chars().count() + 1));
    assert!(message.contains("Unexpected end of RON"), "{message}");
    assert!(
        message.contains(
            "the file is truncated or was edited by hand: restore a revision with \
             `ipsedit restore REV`"
        ),
        "{message}"
    );
    assert!(message.ends_with("or fix line 12"), "{message}");
    let shown = StoreError::Malformed {
        path: path.clone(),
        line,
        column,
        message: message.clone(),
    }
    .to_string();
    let prefix = format!("{}:12:{column}: Unexpected end of RON: ", path.display());
    assert!(shown.starts_with(&prefix), "{shown}");

    // The first save wrote no history; a refused save must not either.
    assert_save_refused_and_untouched(&store);
}

#[test]
fn garbage_is_malformed_at_the_bad_token_and_never_overwritten() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = write_current(
        tmp.path(),
        "(\n    format: 1,\n    revision: 3,\n    policies: [ %%% ],\n)\n",
    );
    let (path, line, column, message) = malformed(store.load().expect_err("garbage"));
    assert_eq!(path, tmp.path().join("store.ron"));
    assert_eq!((line, column), (4, 17));
    assert!(message.contains("fix line 4"), "{message}");
    assert_save_refused_and_untouched(&store);

    // Binary junk (not UTF-8) is reported the same way.
    let store = FileStore::open(tmp.path());
    fs::write(store.current_path(), b"(\n  format: 1,\n  \xff\xfe junk").expect("write");
    let (_, line, column, _) = malformed(store.load().expect_err("binary"));
    assert_eq!((line, column), (3, 3));
    assert_save_refused_and_untouched(&store);
}

#[test]
fn a_wrong_value_is_malformed_with_its_position() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = write_current(
        tmp.path(),
        "(\n    format: 1,\n    revision: \"three\",\n)\n",
    );
    let (_, line, column, _) = malformed(store.load().expect_err("bad value"));
    assert_eq!((line, column), (3, 15));
    assert_save_refused_and_untouched(&store);
}

#[test]
fn future_format_asks_for_an_upgrade_and_is_never_overwritten() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Parses as today's layout but claims a newer format: still refused.
    let store = write_current(tmp.path(), "(\n    format: 7,\n    revision: 9,\n)\n");
    let (path, line, column, message) = malformed(store.load().expect_err("future"));
    assert_eq!(path, store.current_path());
    assert_eq!((line, column), (2, 13));
    assert_eq!(
        message,
        "written by a newer ipsedit (format 7, this one reads up to 1): upgrade ipsedit"
    );
    assert_save_refused_and_untouched(&store);

    // A newer layout this build cannot parse gets the upgrade message too, not a
    // misleading "fix line N".
    let store = write_current(
        tmp.path(),
        "(\n  revision: 9,\n  format: 12,\n  policies: {\"new\": \"shape\"},\n)\n",
    );
    let (_, line, column, message) = malformed(store.load().expect_err("future"));
    assert_eq!((line, column), (3, 11));
    assert!(message.contains("format 12"), "{message}");
    assert_save_refused_and_untouched(&store);
}

#[test]
fn huge_file_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    let file = fs::File::create(store.current_path()).expect("create");
    // Sparse: costs no disk space.
    file.set_len(MAX_FILE_BYTES + 1).expect("set_len");
    match store.load().expect_err("huge") {
        StoreError::TooLarge { path, size, limit } => {
            assert_eq!(path, store.current_path());
            assert_eq!(size, MAX_FILE_BYTES + 1);
            assert_eq!(limit, 64 * 1024 * 1024);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(matches!(
        store.save(0, &Snapshot::default(), "no"),
        Err(StoreError::TooLarge { .. })
    ));
    assert_eq!(
        fs::metadata(store.current_path()).expect("meta").len(),
        MAX_FILE_BYTES + 1
    );
}

#[test]
fn stale_save_is_refused_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let setup = FileStore::open(tmp.path());
    for n in 1..=3 {
        setup
            .save(n - 1, &numbered(n as u32), "setup")
            .expect("setup");
    }
    let first = FileStore::open(tmp.path());
    let second = FileStore::open(tmp.path());
    let n = first.load().expect("load").revision;
    assert_eq!(second.load().expect("load").revision, n);
    assert_eq!(n, 3);

    assert_eq!(first.save(n, &numbered(10), "first").expect("first"), n + 1);
    let after_first = fs::read(first.current_path()).expect("read");
    let history_after_first = first.history().expect("history");

    match second.save(n, &numbered(20), "second") {
        Err(StoreError::Stale { expected, found }) => {
            assert_eq!((expected, found), (n, n + 1));
        }
        other => panic!("expected Stale, got {other:?}"),
    }
    assert_eq!(fs::read(first.current_path()).expect("reread"), after_first);
    assert_eq!(second.history().expect("history"), history_after_first);
    assert_eq!(second.load().expect("load").snapshot, numbered(10));
}

#[test]
fn history_keeps_the_last_20_newest_first_with_summaries() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    for n in 1..=25u64 {
        let rev = store
            .save(
                n - 1,
                &numbered(n as u32),
                &format!("save {n}\nsecond line"),
            )
            .expect("save");
        assert_eq!(rev, n);
    }
    let history = store.history().expect("history");
    assert_eq!(history.len(), HISTORY_KEEP + 1);
    let revisions: Vec<u64> = history.iter().map(|h| h.revision).collect();
    assert_eq!(revisions, (5..=25).rev().collect::<Vec<u64>>());
    assert!(history[0].current);
    assert!(history[1..].iter().all(|h| !h.current));
    for h in &history {
        assert_eq!(h.summary, format!("save {} second line", h.revision));
        assert!(h.saved_at > 1_600_000_000);
    }
    let files = fs::read_dir(tmp.path().join("history"))
        .expect("history dir")
        .count();
    assert_eq!(files, HISTORY_KEEP);
    assert!(matches!(
        store.load_revision(4),
        Err(StoreError::NoSuchRevision(4))
    ));
    assert_eq!(store.load_revision(5).expect("rev 5"), numbered(5));
    assert_eq!(store.load_revision(25).expect("current"), numbered(25));
}

#[test]
fn restore_brings_an_old_revision_back_as_a_new_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    for n in 1..=4u64 {
        store
            .save(n - 1, &numbered(n as u32), "edit")
            .expect("save");
    }
    let rev2 = store.load_revision(2).expect("rev 2");
    assert_eq!(store.restore(2).expect("restore"), 5);
    let loaded = store.load().expect("load");
    assert_eq!(loaded.revision, 5);
    assert_eq!(loaded.snapshot, rev2);
    let history = store.history().expect("history");
    assert_eq!(history[0].summary, "restore 2");
    assert_eq!(store.load_revision(4).expect("rev 4"), numbered(4));
}

#[test]
fn restore_works_when_the_current_file_is_broken_and_keeps_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    for n in 1..=3u64 {
        store
            .save(n - 1, &numbered(n as u32), "edit")
            .expect("save");
    }
    fs::write(store.current_path(), "(format: 1, revision: ").expect("break");
    assert!(matches!(store.load(), Err(StoreError::Malformed { .. })));
    // History still lists what can be restored.
    let listed: Vec<u64> = store
        .history()
        .expect("history")
        .iter()
        .map(|h| h.revision)
        .collect();
    assert_eq!(listed, vec![2, 1]);

    assert_eq!(store.restore(2).expect("restore"), 3);
    assert_eq!(store.load().expect("load").snapshot, numbered(2));
    let kept: Vec<String> = fs::read_dir(tmp.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("store.ron.broken-"))
        .collect();
    assert_eq!(kept.len(), 1);
    let broken = fs::read_to_string(tmp.path().join(&kept[0])).expect("kept");
    assert_eq!(broken, "(format: 1, revision: ");
}

#[test]
fn concurrent_writers_never_lose_an_update_silently() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    const ROUNDS: usize = 30;
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = (0..2u32)
        .map(|w| {
            let dir = dir.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let store = FileStore::open(&dir);
                let mut landed = Vec::new();
                for round in 0..ROUNDS {
                    barrier.wait();
                    let loaded = store.load().expect("load");
                    let mut next = loaded.snapshot.clone();
                    let name = format!("w{w} r{round}");
                    next.policies.push(Policy::new(&name));
                    match store.save(loaded.revision, &next, &name) {
                        Ok(rev) => landed.push((rev, name)),
                        Err(StoreError::Stale { expected, found }) => {
                            assert_eq!(expected, loaded.revision);
                            assert!(found > expected);
                        }
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
                landed
            })
        })
        .collect();
    let mut landed: Vec<(u64, String)> = writers
        .into_iter()
        .flat_map(|h| h.join().expect("writer thread"))
        .collect();
    landed.sort();
    // Every successful save made its own revision, in sequence, and its policy survives
    // in the final state (each save built on the state it read).
    let revisions: Vec<u64> = landed.iter().map(|(r, _)| *r).collect();
    assert_eq!(revisions, (1..=landed.len() as u64).collect::<Vec<_>>());
    let last = FileStore::open(&dir).load().expect("final");
    assert_eq!(last.revision, landed.len() as u64);
    let names: Vec<&str> = last
        .snapshot
        .policies
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let expected: Vec<&str> = landed.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, expected);
    assert!(
        landed.len() >= ROUNDS,
        "at least one writer wins each round"
    );
}

#[test]
fn memory_store_has_the_same_rules() {
    let store = MemoryStore::new(numbered(0));
    let loaded = store.load().expect("load");
    assert_eq!((loaded.revision, &loaded.snapshot), (0, &numbered(0)));
    assert_eq!(store.save(0, &numbered(1), "one").expect("save"), 1);
    assert!(matches!(
        store.save(0, &numbered(9), "stale"),
        Err(StoreError::Stale {
            expected: 0,
            found: 1
        })
    ));
    for n in 2..=30u64 {
        store
            .save(n - 1, &numbered(n as u32), "more")
            .expect("save");
    }
    let history = store.history().expect("history");
    assert_eq!(history.len(), HISTORY_KEEP + 1);
    assert_eq!(history[0].revision, 30);
    assert!(history[0].current);
    assert_eq!(history[HISTORY_KEEP].revision, 10);
    assert_eq!(store.restore(12).expect("restore"), 31);
    assert_eq!(store.load().expect("load").snapshot, numbered(12));
    assert!(matches!(
        store.load_revision(3),
        Err(StoreError::NoSuchRevision(3))
    ));

    // Revision 0 (the file a scratch session opened) can be restored after a save.
    let scratch = MemoryStore::named("kb813878.ron", numbered(0));
    scratch.save(0, &numbered(1), "edit").expect("save");
    assert_eq!(scratch.restore(0).expect("restore"), 2);
    assert_eq!(scratch.load().expect("load").snapshot, numbered(0));
    assert_eq!(scratch.describe(), "kb813878.ron");
}
