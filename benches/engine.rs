//! Engine benchmarks (issue 3): table build, explain, check and reach at 1k and 10k
//! filters, and the re-check after one edit (the TUI's per-keystroke cost; budget 16 ms at
//! 10k).

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ipsedit::core::engine::{EffectiveTable, HeaderSpace, Packet, check, explain, reach};
use ipsedit::core::model::{
    Address, Behavior, Filter, FilterAction, FilterList, HostContext, Interface, OsProfile, Policy,
    Protocol, Rule, Snapshot,
};

/// A policy of `n` filters in 10 rules: host and subnet blocks and permits on assorted
/// ports, some mirrored, plus a final block-all, like a grown firewall policy.
fn policy(n: usize) -> Snapshot {
    let mut s = Snapshot::default();
    let mut p = Policy::new("Big");
    for r in 0..10 {
        let mut list = FilterList::new(format!("list {r}"));
        for i in 0..n / 10 {
            let k = (r * (n / 10) + i) as u32;
            let peer = Ipv4Addr::from(0xC000_0000 | (k * 7));
            let source = match k % 3 {
                0 => Address::host(peer),
                1 => Address::subnet(peer, Ipv4Addr::new(255, 255, 255, 0)),
                _ => Address::Any,
            };
            let proto = [Protocol::TCP, Protocol::UDP, Protocol::ANY][(k % 3) as usize];
            let port = if proto.has_ports() {
                1 + (k % 5000) as u16
            } else {
                0
            };
            list.filters.push(Filter {
                protocol: proto,
                dst_port: port,
                mirrored: k.is_multiple_of(4),
                ..Filter::new(source, Address::Me)
            });
        }
        let behavior = if r % 2 == 0 {
            Behavior::Block
        } else {
            Behavior::Permit
        };
        let action = FilterAction::new(format!("action {r}"), behavior);
        p.rules
            .push(Rule::new(format!("rule {r}"), list.id, action.id));
        s.filter_lists.push(list);
        s.filter_actions.push(action);
    }
    s.assigned = Some(p.id);
    s.policies.push(p);
    s.host = HostContext {
        profile: OsProfile::WinxpSp1,
        interfaces: vec![Interface {
            addr: Ipv4Addr::new(10, 10, 1, 2),
            prefix: 24,
        }],
        ..HostContext::default()
    };
    s
}

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
