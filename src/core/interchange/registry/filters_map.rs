//! Filter lists <-> filter specs, both ways: model addresses as (DNS name, address, mask,
//! special-server byte), "me" as address 0 with mask 255.255.255.255 (as Windows' defaults
//! store it), a DNS-name filter as one spec per resolved address (specs after the first
//! carry GUIDs derived from the filter's and merge back into one filter when read).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use uuid::Uuid;

use super::filter::{FilterBlob, FilterSpec};
use super::from_model::derive;
use crate::core::model::{Address, Filter, FilterList, Protocol, ServerKind};

/// One side of a filter: (DNS name, addresses, mask, special code).
fn side(a: &Address, dest: bool) -> (String, Vec<[u8; 4]>, [u8; 4], u8) {
    const ALL: [u8; 4] = [255; 4];
    match a {
        Address::Me => (String::new(), vec![[0; 4]], ALL, 0),
        Address::Any => (String::new(), vec![[0; 4]], [0; 4], 0),
        Address::Ip { addr, mask } => (String::new(), vec![addr.octets()], mask.octets(), 0),
        Address::Dns { name, resolved } => {
            let addrs: Vec<[u8; 4]> = resolved.iter().map(|r| r.octets()).collect();
            let addrs = if addrs.is_empty() {
                vec![[0; 4]]
            } else {
                addrs
            };
            (name.clone(), addrs, ALL, 0)
        }
        Address::Server(k) => {
            let code = match k {
                ServerKind::Dns => 1,
                ServerKind::Wins => 2,
                ServerKind::Dhcp => 3,
                ServerKind::Gateway => 4,
            };
            (
                String::new(),
                vec![[0; 4]],
                [0; 4],
                if dest { 0x80 | code } else { code },
            )
        }
    }
}

pub(super) fn filter_blob(l: &FilterList, warnings: &mut BTreeSet<String>) -> FilterBlob {
    let mut filters = Vec::new();
    for f in &l.filters {
        if matches!(
            (&f.source, &f.destination),
            (Address::Server(_), Address::Server(_))
        ) {
            warnings.insert(format!(
                "filter list {:?}: a filter with server types on both sides cannot be                  stored (one Legacy-Special-Filter byte); the destination's is written",
                l.name
            ));
        }
        specs(f, &mut filters);
    }
    FilterBlob {
        filters,
        tail: vec![0],
    }
}

/// A filter's specs: one, or one per resolved address of a DNS name (each after the first
/// with a GUID derived from the filter's).
fn specs(f: &Filter, out: &mut Vec<FilterSpec>) {
    let (sd, saddrs, smask, sspecial) = side(&f.source, false);
    let (dd, daddrs, dmask, dspecial) = side(&f.destination, true);
    let mut n: u8 = 0;
    for s in &saddrs {
        for d in &daddrs {
            out.push(FilterSpec {
                src_dns: sd.clone(),
                dst_dns: dd.clone(),
                description: f.description.clone(),
                id: if n == 0 { f.id } else { derive(f.id, n) },
                mirrored: f.mirrored,
                src_addr: *s,
                src_mask: smask,
                dst_addr: *d,
                dst_mask: dmask,
                tunnel_addr: [0; 4],
                protocol: u32::from(f.protocol.0),
                src_port: f.src_port,
                dst_port: f.dst_port,
                is_tunnel: 0,
                special: if dspecial != 0 { dspecial } else { sspecial },
                options: 0,
            });
            n = n.wrapping_add(1);
        }
    }
}

fn ipv4(b: [u8; 4]) -> Ipv4Addr {
    Ipv4Addr::from(b)
}

/// One side of a spec as a model address.
fn address(dns: &str, addr: [u8; 4], mask: [u8; 4], special: Option<u8>) -> Address {
    if let Some(code) = special {
        let kind = match code {
            1 => Some(ServerKind::Dns),
            2 => Some(ServerKind::Wins),
            3 => Some(ServerKind::Dhcp),
            4 => Some(ServerKind::Gateway),
            _ => None,
        };
        if let Some(k) = kind {
            return Address::Server(k);
        }
    }
    if !dns.is_empty() {
        return Address::Dns {
            name: dns.to_string(),
            resolved: if addr == [0; 4] {
                Vec::new()
            } else {
                vec![ipv4(addr)]
            },
        };
    }
    match (addr, mask) {
        ([0, 0, 0, 0], [255, 255, 255, 255]) => Address::Me,
        ([0, 0, 0, 0], [0, 0, 0, 0]) => Address::Any,
        _ => Address::Ip {
            addr: ipv4(addr),
            mask: ipv4(mask),
        },
    }
}

pub(super) fn filters(specs: &[FilterSpec]) -> Vec<Filter> {
    let mut out: Vec<Filter> = Vec::new();
    // Specs of one DNS-name filter after the first carry GUIDs derived from its GUID.
    let mut firsts: BTreeMap<Uuid, usize> = BTreeMap::new();
    for s in specs {
        let src_special = (s.special != 0 && s.special & 0x80 == 0).then_some(s.special);
        let dst_special = (s.special & 0x80 != 0).then_some(s.special & 0x7f);
        let source = address(&s.src_dns, s.src_addr, s.src_mask, src_special);
        let destination = address(&s.dst_dns, s.dst_addr, s.dst_mask, dst_special);
        if let Some(i) = (1..=255u8).find_map(|n| {
            out.last()
                .filter(|f| derive(f.id, n) == s.id)
                .and_then(|_| firsts.get(&out.last().map(|f| f.id).unwrap_or_default()))
        }) {
            let f = &mut out[*i];
            for (mine, theirs) in [(&mut f.source, source), (&mut f.destination, destination)] {
                if let (Address::Dns { resolved, .. }, Address::Dns { resolved: more, .. }) =
                    (mine, theirs)
                {
                    for a in more {
                        if !resolved.contains(&a) {
                            resolved.push(a);
                        }
                    }
                }
            }
            continue;
        }
        firsts.insert(s.id, out.len());
        out.push(Filter {
            id: s.id,
            description: s.description.clone(),
            source,
            destination,
            protocol: Protocol(u8::try_from(s.protocol).unwrap_or(255)),
            src_port: s.src_port,
            dst_port: s.dst_port,
            mirrored: s.mirrored,
        });
    }
    out
}
