//! Scale benches (issue 12): table, explain, check and reach at 10k and 100k filters
//! (time(100k)/time(10k) ≤ 12: no quadratic path), the compiled classifier's packets/s
//! in memory, and `replay` end to end from a pcap in the page cache, at 10k filters.
//! Run niced on a shared machine: `nice -n 10 cargo bench --bench scale`.

mod common;

use std::borrow::Cow;
use std::hint::black_box;
use std::io::BufReader;
use std::net::Ipv4Addr;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ipsedit::core::engine::{
    Classifier, EffectiveTable, HeaderSpace, Packet, Replay, check, explain, reach,
};
use ipsedit::core::interchange::capture::{CaptureReader, replay_into};

/// Packets aimed at the policy: peers from its address pool, assorted ports, to and
/// from the host, deterministic.
fn packets(count: usize) -> Vec<(u32, u32, u8, u16, u16)> {
    let me = u32::from(Ipv4Addr::new(10, 10, 1, 2));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let peer = 0xC000_0000 | ((x as u32 % 20_000) * 7);
            let proto = [6u8, 17, 1][(x >> 20) as usize % 3];
            let port = 1 + ((x >> 32) as u16 % 5000);
            let (sp, dp) = if proto == 1 { (0, 0) } else { (1025, port) };
            if (x >> 40).is_multiple_of(4) {
                (me, peer, proto, dp, sp)
            } else {
                (peer, me, proto, sp, dp)
            }
        })
        .collect()
}

fn pcap_bytes(list: &[(u32, u32, u8, u16, u16)]) -> Vec<u8> {
    use pcap_file::pcap::{PcapPacket, PcapWriter};
    let mut w = PcapWriter::new(Vec::new()).expect("pcap");
    let mut frame = Vec::new();
    for (i, &(s, d, proto, sp, dp)) in list.iter().enumerate() {
        frame.clear();
        let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).ipv4(
            s.to_be_bytes(),
            d.to_be_bytes(),
            64,
        );
        match proto {
            6 => b.tcp(sp, dp, 1, 1024).write(&mut frame, &[0; 6]),
            17 => b.udp(sp, dp).write(&mut frame, &[0; 18]),
            p => b.write(&mut frame, etherparse::IpNumber(p), &[0; 26]),
        }
        .expect("frame");
        let p = PcapPacket {
            timestamp: Duration::from_micros(i as u64),
            orig_len: frame.len() as u32,
            data: Cow::Borrowed(&frame),
        };
        w.write_packet(&p).expect("write");
    }
    w.into_writer()
}

fn scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    for n in [10_000, 100_000] {
        let s = common::policy(n);
        let t = EffectiveTable::build(&s, None, &s.host);
        let packet = Packet::v4(
            6,
            Ipv4Addr::new(192, 0, 0, 7),
            88,
            Ipv4Addr::new(10, 10, 1, 2),
            4242,
        );
        g.bench_with_input(BenchmarkId::new("table_build", n), &s, |b, s| {
            b.iter(|| EffectiveTable::build(black_box(s), None, &s.host))
        });
        g.bench_with_input(BenchmarkId::new("explain", n), &t, |b, t| {
            b.iter(|| explain(black_box(t), &packet, None))
        });
        g.bench_with_input(BenchmarkId::new("check", n), &s, |b, s| {
            b.iter(|| check(black_box(s), None, &s.host))
        });
        let space = HeaderSpace::parse("tcp any -> me:445").expect("bench space");
        g.bench_with_input(BenchmarkId::new("reach", n), &t, |b, t| {
            b.iter(|| reach(black_box(t), &space))
        });
        g.bench_with_input(BenchmarkId::new("classifier_build", n), &t, |b, t| {
            b.iter(|| Classifier::new(black_box(t)))
        });
    }
    // Packets per second at 10k filters: in memory, and from a pcap in the page cache.
    let s = common::policy(10_000);
    let t = EffectiveTable::build(&s, None, &s.host);
    let c10k = Classifier::new(&t);
    let list = packets(100_000);
    g.throughput(Throughput::Elements(list.len() as u64));
    g.bench_function("classify_100k_packets/10000", |b| {
        b.iter(|| {
            let mut blocked = 0usize;
            for &(s, d, p, sp, dp) in &list {
                let row = c10k.first_v4(s, d, p, sp, dp);
                blocked += usize::from(c10k.action(row) == ipsedit::core::model::Behavior::Block);
            }
            blocked
        })
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bench.pcap");
    std::fs::write(&file, pcap_bytes(&list)).expect("write pcap");
    g.bench_function("replay_pcap_100k_packets/10000", |b| {
        b.iter(|| {
            let f = std::fs::File::open(&file).expect("open");
            let mut r = CaptureReader::new(BufReader::with_capacity(1 << 16, f)).expect("pcap");
            let mut replay = Replay::new(&t, None, 10);
            replay_into(&mut r, &mut replay, |_, _| {}).expect("replay");
            replay.frames()
        })
    });
    g.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
