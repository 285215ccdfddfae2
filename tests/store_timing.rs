//! A quick timing of save and load for a store of about 1,000 filters (not a benchmark:
//! it prints the times and only fails if they are absurd, so a slow shared machine does
//! not make it flaky). Run with `cargo test --test store_timing -- --nocapture`.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use ipsedit::core::model::{
    Address, Behavior, Filter, FilterAction, FilterList, Policy, Protocol, Rule, Snapshot,
};
use ipsedit::core::store::{FileStore, Store};

fn thousand_filters() -> Snapshot {
    let mut snapshot = Snapshot::default();
    let mut policy = Policy::new("Big");
    for l in 0..50u32 {
        let mut list = FilterList::new(format!("list {l}"));
        for f in 0..20u32 {
            let mut filter = Filter::new(
                Address::subnet(
                    Ipv4Addr::from(0x0a00_0000 + (l << 8) + f),
                    Ipv4Addr::new(255, 255, 255, 0),
                ),
                Address::Me,
            );
            filter.protocol = Protocol::TCP;
            filter.dst_port = u16::try_from(1000 + f).unwrap_or(0);
            list.filters.push(filter);
        }
        let action = FilterAction::new(format!("action {l}"), Behavior::Block);
        policy
            .rules
            .push(Rule::new(format!("rule {l}"), list.id, action.id));
        snapshot.filter_lists.push(list);
        snapshot.filter_actions.push(action);
    }
    snapshot.policies.push(policy);
    snapshot
}

#[test]
fn save_and_load_of_1000_filters_is_quick() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = FileStore::open(tmp.path());
    let snapshot = thousand_filters();
    let mut revision = 0;
    let mut saves = Vec::new();
    let mut loads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        revision = store.save(revision, &snapshot, "timing").expect("save");
        saves.push(t.elapsed());
        let t = Instant::now();
        let loaded = store.load().expect("load");
        loads.push(t.elapsed());
        assert_eq!(loaded.snapshot, snapshot);
    }
    let t = Instant::now();
    let history = store.history().expect("history");
    let listed = t.elapsed();
    assert_eq!(history.len(), 5);
    let size = std::fs::metadata(store.current_path()).expect("meta").len();
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (save, load) = (median(&mut saves), median(&mut loads));
    eprintln!(
        "1000 filters, {size} bytes: save {save:?} (median of 5, incl. history copy and \
         fsyncs), load {load:?}, history of 5 {listed:?}"
    );
    assert!(save < Duration::from_secs(10) && load < Duration::from_secs(10));
}
