//! Store benchmarks (issue 10) at 100,000 filters, release build: `Store::save` of a
//! one-rule change (target <= 20 ms), `load` (<= 300 ms), `history` (<= 50 ms), and the
//! database size after 20 one-rule edits (printed; target <= 1.2x the first save).
//! Also the whole load-edit-save cycle of one CLI write. Run: `nice cargo bench --bench
//! store`.

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ipsedit::core::model::{
    Address, Behavior, Filter, FilterAction, FilterList, Policy, Protocol, Rule, Snapshot,
};
use ipsedit::core::store::{Loaded, SqliteStore, Store};

const FILTERS: usize = 100_000;

fn big() -> Snapshot {
    let mut s = Snapshot::default();
    let mut p = Policy::new("Big");
    let action = FilterAction::new("Block", Behavior::Block);
    for r in 0..10 {
        let mut list = FilterList::new(format!("list {r}"));
        for i in 0..FILTERS / 10 {
            let k = (r * (FILTERS / 10) + i) as u32;
            let mut f = Filter::new(Address::host(Ipv4Addr::from(0xC000_0000 | k)), Address::Me);
            f.protocol = Protocol::TCP;
            f.dst_port = (k % 60_000 + 1) as u16;
            list.filters.push(f);
        }
        p.rules
            .push(Rule::new(format!("rule {r}"), list.id, action.id));
        s.filter_lists.push(list);
    }
    s.filter_actions.push(action);
    s.policies.push(p);
    s
}

fn db_size(dir: &std::path::Path) -> u64 {
    ["store.db", "store.db-wal"]
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len()))
        .sum()
}

fn store(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let st = SqliteStore::open(tmp.path());
    let mut snap = big();
    let t = Instant::now();
    let mut rev = st.save(0, &snap, "import").expect("import");
    let import = t.elapsed();
    st.checkpoint().expect("checkpoint");
    let first = db_size(tmp.path());
    for i in 0..20 {
        snap.policies[0].rules[i % 10].name = format!("rule edit {i}");
        let base = Loaded {
            snapshot: st.load().expect("load").snapshot,
            revision: rev,
        };
        rev = st.save_edit(&base, &snap, "edit").expect("edit");
    }
    st.checkpoint().expect("checkpoint");
    let after = db_size(tmp.path());
    eprintln!(
        "store at {FILTERS} filters: import save {import:?}; database {first} bytes after the \
         first save, {after} after 20 one-rule edits ({:.3}x)",
        after as f64 / first as f64
    );

    let mut g = c.benchmark_group("store_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    // What the CLI does: the loaded base and the edited copy, one rule renamed.
    let mut base = Loaded {
        snapshot: snap.clone(),
        revision: rev,
    };
    let mut n = 0u64;
    g.bench_function("save_one_rule_change", |b| {
        b.iter(|| {
            n += 1;
            let name = format!("bench {n}");
            snap.policies[0].rules[0].name = name.clone();
            base.revision = st.save_edit(&base, &snap, "bench").expect("save");
            base.snapshot.policies[0].rules[0].name = name;
        })
    });
    g.bench_function("load", |b| b.iter(|| black_box(st.load().expect("load"))));
    // What one CLI write does besides starting the process: load, copy, edit one rule,
    // save the difference (target: 10 % of the import's time).
    g.bench_function("load_edit_save_one_rule", |b| {
        b.iter(|| {
            n += 1;
            let loaded = st.load().expect("load");
            let mut next = loaded.snapshot.clone();
            next.policies[0].rules[1].name = format!("cycle {n}");
            black_box(st.save_edit(&loaded, &next, "cycle").expect("save"))
        })
    });
    g.bench_function("history", |b| {
        b.iter(|| black_box(st.history().expect("history")))
    });
    g.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
