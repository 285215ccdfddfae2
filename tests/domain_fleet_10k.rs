//! 10,000 computer objects in 20 OUs, seeded offline with one `ldbadd` before the server
//! starts, read over LDAPS (paged) and resolved: the time after the directory read must
//! stay far below the 2 s. Ignored by default: one `ldbadd` of 10,000 computers
//! took 654 s on a shared, heavily loaded 2-core machine (debug build there: read 3.6 s,
//! resolution 0.08 s over 21 containers). After the read it also answers `hosts explain`
//! and `hosts reach` for every computer (the default policies are assigned by no GPO here:
//! one table per OS profile at a stand-in address). Run it with
//! `cargo test --release --test domain_fleet_10k -- --ignored --nocapture`.

mod domain_support;

use std::time::Instant;

use domain_support::{BASE, PASSWORD, Provisioned, USER};
use ipsedit::core::domain::fleet::{Assignment, Fleet, FleetDirectory};
use ipsedit::core::domain::fleet_query::{FleetTables, LoadError, PolicySource, QuestionNets};
use ipsedit::core::domain::{Credentials, Directory, DirectoryUrl, TlsPolicy};
use ipsedit::core::engine::HeaderSpace;
use ipsedit::core::model::{Id, Interface, Snapshot};

const COMPUTERS: usize = 10_000;
const OUS: usize = 20;

fn seed(p: &Provisioned) -> Result<(), String> {
    let mut ldif = String::new();
    for ou in 0..OUS {
        ldif.push_str(&format!(
            "dn: OU=Fleet{ou:02},{BASE}\nobjectClass: organizationalUnit\n\n"
        ));
    }
    for i in 0..COMPUTERS {
        let ou = i % OUS;
        ldif.push_str(&format!(
            "dn: CN=PC{i:05},OU=Fleet{ou:02},{BASE}\nobjectClass: computer\n\
             sAMAccountName: PC{i:05}$\nuserAccountControl: 4096\n\
             operatingSystem: Windows XP Professional\noperatingSystemServicePack: Service Pack 2\n\n"
        ));
    }
    p.ldbadd(&ldif)
}

#[test]
#[ignore = "seeds 10,000 computers offline: minutes; run with --ignored"]
fn ten_thousand_computers_resolve_quickly_after_the_read() {
    let Some(dc) = domain_support::shared(seed) else {
        return;
    };
    eprintln!(
        "provision {:.1} s, seed {} computers {:.1} s, start {:.1} s",
        dc.provision_secs, COMPUTERS, dc.seed_secs, dc.start_secs
    );
    let url = DirectoryUrl::parse(&dc.ldaps_url()).expect("url");
    let tls = TlsPolicy::Verify {
        ca: Some(dc.ca.clone()),
    };
    let mut dir =
        Directory::connect(&url, &Credentials::new(USER, PASSWORD), &tls).expect("connect");
    let t = Instant::now();
    let read = FleetDirectory::read(&mut dir).expect("read");
    let read_secs = t.elapsed().as_secs_f64();
    dir.close();
    let t = Instant::now();
    let fleet = Fleet::resolve(&read, None);
    let resolve_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "directory read {read_secs:.2} s for {} computers; resolution {resolve_secs:.3} s over \
         {} containers",
        fleet.hosts.len(),
        fleet.containers
    );
    assert_eq!(
        fleet.hosts.len(),
        COMPUTERS + 1,
        "the 10,000 and the DC itself"
    );
    assert_eq!(fleet.containers, OUS + 1);
    let none = fleet
        .hosts
        .iter()
        .filter(|h| matches!(h.assignment, Assignment::None))
        .count();
    assert_eq!(
        none,
        COMPUTERS + 1,
        "no GPO in this domain carries an IPsec policy"
    );
    assert!(resolve_secs < 2.0, "resolution took {resolve_secs:.3} s");

    let t = Instant::now();
    let assumed = [Interface {
        addr: std::net::Ipv4Addr::new(192, 0, 2, 50),
        prefix: 24,
    }];
    let packet = "udp 203.0.113.9:88 -> me:1434";
    let space = HeaderSpace::parse("udp any:88 -> me:1434").expect("space");
    let question = QuestionNets::of_packet(packet).and(&QuestionNets::of_space(&space));
    let tables = FleetTables::build(&fleet, &mut NoDomainPolicy, &assumed, &question);
    let explained = tables.explain(packet, None);
    let reached = tables.reach(&space);
    let answer_secs = t.elapsed().as_secs_f64() + resolve_secs;
    eprintln!(
        "explain + reach for {} hosts: {} tables, {answer_secs:.3} s after the read",
        fleet.hosts.len(),
        tables.groups.len()
    );
    let mut sizes: Vec<(usize, bool, bool)> = tables
        .groups
        .iter()
        .zip(explained.iter().zip(&reached))
        .map(|(g, (e, r))| (g.hosts.len(), e.answer.is_ok(), r.answer.is_ok()))
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        vec![(1, false, false), (COMPUTERS, true, true)],
        "winxp-sp2 at the stand-in, answered; the DC's OS has no profile"
    );
    assert!(
        answer_secs < 2.0,
        "answered in {answer_secs:.3} s after the read"
    );
}

/// No GPO assigns a policy in this domain: nothing is ever asked of the directory.
struct NoDomainPolicy;

impl PolicySource for NoDomainPolicy {
    fn domain(&mut self, dn: &str) -> Result<(Snapshot, Id), LoadError> {
        Err(LoadError {
            message: format!("unexpected: {dn}"),
            invalid_input: false,
        })
    }
    fn local(&mut self, file: &std::path::Path) -> Result<Snapshot, LoadError> {
        Err(LoadError {
            message: format!("unexpected: {}", file.display()),
            invalid_input: true,
        })
    }
}
