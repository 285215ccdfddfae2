//! `ipsedit netdiag` against KB 813878's own listing (tests/fixtures/kb813878-netdiag.txt,
//! copied from the article's "netdiag /test:ipsec /debug" output): the same fields with the
//! same values in the same order, GUIDs aside; and the article's "no policy" line.

mod common;

use ipsedit::core::interchange::netdiag::{NO_POLICY, report};
use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{FileStore, Store};

const KEYS: &[&str] = &[
    "Local IPSec Policy Active",
    "IP Security Policy Path",
    "There are",
    "No Name",
    "Filter Id",
    "Policy Id",
    "Src Addr",
    "Src Mask",
    "Dest Addr",
    "Dest Mask",
    "Tunnel Addr",
    "Src Port",
    "Dest Port",
    "Protocol",
    "TunnelFilter",
    "Flags",
];

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

/// The report as (field, value) pairs in order; GUIDs become "{GUID}".
fn fields(text: &str) -> Vec<(String, String)> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut hits: Vec<(usize, &str)> = Vec::new();
    for k in KEYS {
        let mut from = 0;
        while let Some(i) = flat[from..].find(k) {
            hits.push((from + i, k));
            from += i + k.len();
        }
    }
    hits.sort();
    // "Src Addr" inside "Tunnel Addr"? No; but "Protocol" never overlaps: keep all hits.
    let mut out = Vec::new();
    for (n, (pos, k)) in hits.iter().enumerate() {
        let start = pos + k.len();
        let end = hits.get(n + 1).map_or(flat.len(), |h| h.0);
        let mut v = flat[start..end]
            .trim()
            .trim_start_matches(':')
            .trim()
            .to_string();
        if let Some(i) = v.find('{') {
            v = format!("{}{{GUID}}", &v[..i]);
        }
        out.push((k.to_string(), v));
    }
    out
}

#[test]
fn kb813878_listing_field_for_field() {
    let article = include_str!("fixtures/kb813878-netdiag.txt");
    let snap = sample("kb813878");
    let ours = report(&snap, &snap.host);
    assert!(
        fields(article).len() >= 29,
        "the fixture parses: {:?}",
        fields(article)
    );
    assert_eq!(fields(&ours), fields(article), "\n{ours}");
    assert!(ours.contains(&format!(
        "ipsecPolicy{{{}}}",
        snap.assigned.expect("assigned").to_string().to_uppercase()
    )));
}

#[test]
fn the_netsh_sample_gives_the_same_report() {
    let mut snap = Snapshot::default();
    let r = apply_script(
        &mut snap,
        include_str!("../samples/kb813878.netsh"),
        Mode::Transaction,
    );
    assert!(r.errors.is_empty());
    let article = include_str!("fixtures/kb813878-netdiag.txt");
    assert_eq!(fields(&report(&snap, &snap.host)), fields(article));
}

#[test]
fn policy_ids_are_the_filter_actions() {
    let snap = sample("kb813878");
    let ours = report(&snap, &snap.host);
    let p = snap.assigned_policy().expect("assigned");
    for r in &p.rules {
        let id = r.filter_action.to_string().to_uppercase();
        assert!(ours.contains(&format!("Policy Id: {{{id}}}")), "{ours}");
    }
}

#[test]
fn no_policy_line_as_the_article_prints_it() {
    assert_eq!(
        report(&Snapshot::default(), &Default::default()),
        format!("{NO_POLICY}\n")
    );
    assert!(
        NO_POLICY.ends_with(": Passed IPSec policy service is active, but no policy is assigned.")
    );
}

#[test]
fn mirrored_filters_and_every_host_address_are_listed() {
    let mut snap = Snapshot::default();
    let r = apply_script(
        &mut snap,
        "# ipsedit host interfaces=10.0.0.1/24,10.0.1.1/24\n\
         pushd ipsec static\n\
         add filter L me 192.0.2.7 protocol=TCP dstport=445\n\
         add filteraction A action=permit\n\
         add policy P assign=yes\n\
         add rule R P L A\n",
        Mode::Transaction,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let text = report(&snap, &snap.host);
    assert!(text.contains("There are 4 filters"), "{text}");
    assert_eq!(text.matches("Flags : Inbound Permit").count(), 2, "{text}");
    assert!(
        text.contains("Src Port : 445"),
        "mirror swaps ports: {text}"
    );
}
