//! Engine benchmarks (issue 3): table build, explain, check and reach at 1k and 10k
//! filters, and the re-check after one edit (the TUI's per-keystroke cost; budget 16 ms at
//! 10k).

use std::hint::black_box;
use std::net::Ipv4Addr;

mod common;

use common::policy;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ipsedit::core::engine::{EffectiveTable, HeaderSpace, Packet, check, explain, reach};

fn benches(c: &mut Criterion) {
    for n in [1_000, 10_000] {
        let s = policy(n);
        let t = EffectiveTable::build(&s, None, &s.host);
        let packet = Packet::v4(
            6,
            Ipv4Addr::new(192, 0, 0, 7),
            88,
            Ipv4Addr::new(10, 10, 1, 2),
            4242,
        );
        c.bench_with_input(BenchmarkId::new("table_build", n), &s, |b, s| {
            b.iter(|| EffectiveTable::build(black_box(s), None, &s.host))
        });
        c.bench_with_input(BenchmarkId::new("explain", n), &t, |b, t| {
            b.iter(|| explain(black_box(t), &packet, None))
        });
        c.bench_with_input(BenchmarkId::new("check", n), &s, |b, s| {
            b.iter(|| check(black_box(s), None, &s.host))
        });
        // The reverse question on the whole table: who reaches TCP 445 on this host.
        let space = HeaderSpace::parse("tcp any -> me:445").expect("bench space");
        c.bench_with_input(BenchmarkId::new("reach", n), &t, |b, t| {
            b.iter(|| reach(black_box(t), &space))
        });
        // One edit (a port changes) then the full re-check the TUI runs.
        let mut edited = s.clone();
        c.bench_function(&format!("edit_recheck/{n}"), |b| {
            let mut port = 1u16;
            b.iter(|| {
                port = port % 60_000 + 1;
                edited.filter_lists[3].filters[5].dst_port = port;
                check(black_box(&edited), None, &edited.host)
            })
        });
    }
}

criterion_group! {
    name = engine;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(engine);
