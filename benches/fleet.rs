//! Fleet questions (issue 14 item 5): 10,000 computers in 20 OUs, four GPOs assigning three
//! policies (100, 500 and 1,000 filters), four OS profiles, answered with `hosts explain`
//! and `hosts reach` after the directory read (target <= 2 s). Three sheets: none, with
//! `--assume-address` (hosts share tables); one distinct address per host in a /16 the
//! policies do not name (hosts share tables by address signature); one distinct address
//! per host scattered among the policies' own hosts and /24s (the hard case). Prints
//! one-shot timings per phase, then criterion samples. Run: `nice cargo bench --bench
//! fleet`. Measured on the shared 2-core machine (other builds running) in the dev profile
//! (`cargo bench --profile dev`): stand-in 4 tables, 0.35 s (resolve 0.21, tables 0.13,
//! reach 0.01); outside 4 tables, 0.48 s; among 194 tables, 2.02 s (resolve 0.35, tables
//! 0.79, explain 0.14, reach 0.74). Before address signatures one address each meant
//! 10,000 tables, 224 s.

mod common;

use std::collections::HashMap;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ipsedit::core::domain::DirEntry;
use ipsedit::core::domain::fleet::{Fleet, FleetDirectory};
use ipsedit::core::domain::fleet_query::{FleetTables, LoadError, PolicySource, QuestionNets};
use ipsedit::core::domain::gpo;
use ipsedit::core::domain::hosts::HostSheet;
use ipsedit::core::engine::HeaderSpace;
use ipsedit::core::model::{Id, Interface, Snapshot};

const D: &str = "DC=example,DC=test";
const COMPUTERS: usize = 10_000;
const PACKET: &str = "udp 203.0.113.9:88 -> me:1434";
const SPACE: &str = "udp any:88 -> me:1434";

/// The nets of both questions asked below.
fn question() -> QuestionNets {
    let space = HeaderSpace::parse(SPACE).expect("space");
    QuestionNets::of_packet(PACKET).and(&QuestionNets::of_space(&space))
}
const OUS: usize = 20;

fn gpo_dn(i: usize) -> String {
    format!("CN={{5A1E5000-0000-4000-8000-00000000000{i}}},CN=Policies,CN=System,{D}")
}

fn policy_dn(i: usize) -> String {
    format!("CN=ipsecPolicy{{AAAAAAAA-0000-4000-8000-00000000000{i}}},CN=IP Security,CN=System,{D}")
}

fn directory() -> FleetDirectory {
    let oses = [
        ("Windows XP Professional", "Service Pack 2"),
        ("Windows XP Professional", "Service Pack 1"),
        ("Windows 2000 Professional", "Service Pack 4"),
        ("Windows Server 2003", "Service Pack 1"),
    ];
    let computers: Vec<DirEntry> = (0..COMPUTERS)
        .map(|i| {
            let (os, sp) = oses[i % oses.len()];
            DirEntry::new(format!("CN=PC{i:05},OU=Fleet{:02},{D}", i % OUS))
                .with("name", format!("PC{i:05}"))
                .with("operatingSystem", os)
                .with("operatingSystemServicePack", sp)
        })
        .collect();
    let mut soms = vec![DirEntry::new(D).with("gPLink", format!("[LDAP://{};0]", gpo_dn(0)))];
    for ou in 0..OUS {
        let e = DirEntry::new(format!("OU=Fleet{ou:02},{D}"));
        soms.push(match ou % 4 {
            0 => e,
            k => e.with("gPLink", format!("[LDAP://{};0]", gpo_dn(k))),
        });
    }
    let gpos: Vec<DirEntry> = (0..4)
        .map(|i| DirEntry::new(gpo_dn(i)).with("displayName", format!("GPO {i}")))
        .collect();
    let assignments: Vec<DirEntry> = (0..4)
        .map(|i| {
            DirEntry::new(gpo::assignment_dn(&gpo_dn(i)))
                .with("ipsecOwnersReference", policy_dn(i % 3))
        })
        .collect();
    FleetDirectory::from_entries(D, &computers, &soms, &gpos, &assignments, &[])
}

struct Source(HashMap<String, (Snapshot, Id)>);

impl PolicySource for Source {
    fn domain(&mut self, dn: &str) -> Result<(Snapshot, Id), LoadError> {
        self.0.get(dn).cloned().ok_or_else(|| LoadError {
            message: dn.to_string(),
            invalid_input: false,
        })
    }
    fn local(&mut self, file: &Path) -> Result<Snapshot, LoadError> {
        Err(LoadError {
            message: file.display().to_string(),
            invalid_input: true,
        })
    }
}

fn source() -> Source {
    Source(
        [100, 500, 1000]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let s = common::policy(*n);
                let id = s.assigned.expect("assigned");
                (policy_dn(i), (s, id))
            })
            .collect(),
    )
}

/// One address per host: from `base`, `step` apart, in a /16.
fn distinct_addresses(base: u32, step: u32) -> HostSheet {
    let mut text = String::from("name,os,no_default_exempt,addresses,local_policy\n");
    for i in 0..COMPUTERS {
        let a = Ipv4Addr::from(base + (i as u32 + 1) * step);
        text.push_str(&format!("PC{i:05},,,{a}/16,\n"));
    }
    HostSheet::parse(&text, "hosts.csv", Path::new(".")).expect("sheet")
}

/// Everything after the directory read: resolution, tables, one explain and one reach.
fn answer(dir: &FleetDirectory, sheet: Option<&HostSheet>, assumed: &[Interface]) -> usize {
    let fleet = Fleet::resolve(dir, sheet);
    let tables = FleetTables::build(&fleet, &mut source(), assumed, &question());
    let e = tables.explain(PACKET, None);
    let space = HeaderSpace::parse(SPACE).expect("space");
    let r = tables.reach(&space);
    assert!(e.iter().all(|a| a.answer.is_ok()));
    assert!(r.iter().all(|a| a.answer.is_ok()));
    tables.groups.len()
}

fn fleet(c: &mut Criterion) {
    let dir = directory();
    let assumed = [Interface {
        addr: Ipv4Addr::new(192, 0, 2, 50),
        prefix: 24,
    }];
    // Outside every net the policies name (10.0.0.0/16), and among them: the policies'
    // hosts and /24s are 192.0.0.0 + 7k, these hosts 192.0.0.0 + 3i (192.0.0.3 to
    // 192.0.117.48), so they fall inside and outside hundreds of the policies' nets.
    let outside = distinct_addresses(0x0A00_0000, 1);
    let among = distinct_addresses(0xC000_0000, 3);
    for (what, sheet, assumed) in [
        ("one stand-in address", None, &assumed[..]),
        (
            "one address each, outside the policies' nets",
            Some(&outside),
            &[][..],
        ),
        (
            "one address each, among the policies' nets",
            Some(&among),
            &[][..],
        ),
    ] {
        let mut src = source();
        let t = Instant::now();
        let fleet = Fleet::resolve(&dir, sheet);
        let resolve = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let tables = FleetTables::build(&fleet, &mut src, assumed, &question());
        let build = t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(tables.explain(PACKET, None));
        let explain = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let space = HeaderSpace::parse(SPACE).expect("space");
        black_box(tables.reach(&space));
        let reach = t.elapsed().as_secs_f64();
        eprintln!(
            "fleet: {COMPUTERS} hosts, {what}: {} tables; resolve {resolve:.3} s, tables \
             {build:.3} s, explain {explain:.3} s, reach {reach:.3} s, total {:.3} s",
            tables.groups.len(),
            resolve + build + explain + reach
        );
    }
    let mut g = c.benchmark_group("fleet");
    g.sample_size(10);
    g.bench_function("10k hosts, shared address: explain + reach", |b| {
        b.iter(|| black_box(answer(&dir, None, &assumed)))
    });
    g.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
