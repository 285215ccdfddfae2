//! The compiled classifier: the deciding row of a packet without a scan of the table.
//!
//! # Scheme
//!
//! **Tuple space search** (V. Srinivasan, S. Suri, G. Varghese, "Packet Classification
//! using Tuple Space Search", SIGCOMM 1999), with the subtables visited in priority order
//! and an early exit, as Open vSwitch's classifier does (B. Pfaff et al., "The Design and
//! Implementation of Open vSwitch", NSDI 2015, §5.2 "priority sorting of tuples").
//!
//! Why this scheme: every field of a row here is a prefix (addresses) or "any or one
//! value" (protocol, ports), so a row is exactly "packet AND mask == key" for a mask fixed
//! by which fields the row constrains (its *tuple*: the two prefix lengths and whether
//! protocol and each port are given). Rows with the same tuple go in one hash table keyed
//! by the masked fields, holding the first (lowest) row index per key. A packet is masked
//! once per tuple and looked up; the answer is the lowest index found. Tables are sorted by
//! the lowest row index they hold, so the search stops at the first table that cannot beat
//! the best row found: the effective table is ordered by weight, and the weight is a
//! function of the tuple alone (DOMAIN.md §3), so after the first hit only the tuples of
//! the same weight remain to be checked. Decision trees with cuts (HiCuts, HyperCuts) or
//! per-field interval tables with bitsets would also work, but replicate rows across cuts
//! (memory that grows with overlap) or cost n/64 words per packet; here the build is one
//! pass (O(n)), memory is one entry per distinct row, and a lookup costs at most one probe
//! per tuple (at most 33 × 33 × 8, in practice a few dozen).
//!
//! The result is the same row `explain` would report first (proved by the differential
//! tests in `tests/engine_classifier.rs` against the reference evaluator and the linear
//! scan). The explanation trail is not computed here: call `explain` on demand.
//!
//! # Fragments
//!
//! A non-first IPv4 fragment carries no transport header, so its ports are unknown. The
//! classifier takes such a packet with ports 0 ("no port"): it matches only rows whose
//! ports are "any", never a row that names a port, as RFC 4301 §7.1 prescribes for
//! non-initial fragments (port selectors are OPAQUE: only ANY matches them). Microsoft
//! documents no other rule for the Windows 2000/XP/2003 driver, so this is the engine's
//! documented assumption; `replay` counts such fragments apart. First fragments carry the
//! ports and are classified like whole packets.
//!
//! Owns no I/O and no policy knowledge beyond the table it is built from; rebuild it when
//! the table changes.

use std::net::IpAddr;

use super::findings::FastMap;
use super::header::{Header, mask_of};
use super::packet::Packet;
use super::table::EffectiveTable;
use crate::core::model::Behavior;

/// A packet's fields packed into one key: src 32 bits, dst 32, protocol 8, ports 16 + 16.
type Key = u128;

#[inline]
fn pack(src: u32, dst: u32, protocol: u8, src_port: u16, dst_port: u16) -> Key {
    (u128::from(src) << 72)
        | (u128::from(dst) << 40)
        | (u128::from(protocol) << 32)
        | (u128::from(src_port) << 16)
        | u128::from(dst_port)
}

/// One tuple: the rows that constrain the same fields, by masked key.
#[derive(Debug, Clone)]
struct Tuple {
    mask: Key,
    /// The lowest row index in `rows`.
    min: usize,
    rows: FastMap<Key, usize>,
}

/// The compiled form of one effective table. Build with [`Classifier::new`]; ask with
/// [`Classifier::first`] (or [`Classifier::first_v4`] on raw fields).
#[derive(Debug, Clone)]
pub struct Classifier {
    tuples: Vec<Tuple>,
    /// The IPv6 exemption row, if any (it takes every IPv6 packet).
    v6: Option<usize>,
    /// Each row's action, by index.
    actions: Vec<Behavior>,
}

impl Classifier {
    /// Compiles `table`: one pass over the rows, O(n) expected.
    pub fn new(table: &EffectiveTable) -> Classifier {
        Classifier::compile(table, 0)
    }

    /// Compiles the filter rows only (the exemption rows left out, indices unchanged):
    /// "what would the filters do without the exemptions?".
    pub fn filters_only(table: &EffectiveTable) -> Classifier {
        Classifier::compile(table, table.exemption_rows)
    }

    fn compile(table: &EffectiveTable, skip: usize) -> Classifier {
        let mut by_mask: FastMap<Key, usize> = FastMap::default();
        let mut tuples: Vec<Tuple> = Vec::new();
        let mut v6 = None;
        for r in table.rows.iter().skip(skip) {
            let h = &r.header;
            if h.v6 {
                v6 = v6.or(Some(r.index));
                continue;
            }
            let mask = mask_of_header(h);
            let key = pack(h.src.addr, h.dst.addr, h.protocol, h.src_port, h.dst_port);
            let n = tuples.len();
            let t = *by_mask.entry(mask).or_insert(n);
            if t == n {
                tuples.push(Tuple {
                    mask,
                    min: r.index,
                    rows: FastMap::default(),
                });
            }
            let tuple = &mut tuples[t];
            tuple.min = tuple.min.min(r.index);
            tuple.rows.entry(key).or_insert(r.index);
        }
        tuples.sort_by_key(|t| t.min);
        Classifier {
            tuples,
            v6,
            actions: table.rows.iter().map(|r| r.action).collect(),
        }
    }

    /// The index of the first row matching `p` (what `explain` reports as `row`), `None`
    /// when no row matches (the packet passes by default).
    pub fn first(&self, p: &Packet) -> Option<usize> {
        match (p.src, p.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => self.first_v4(
                u32::from(s),
                u32::from(d),
                p.protocol,
                p.src_port,
                p.dst_port,
            ),
            _ => self.v6,
        }
    }

    /// `first` on raw IPv4 fields (ports 0 when the protocol has none, or for a non-first
    /// fragment).
    #[inline]
    pub fn first_v4(
        &self,
        src: u32,
        dst: u32,
        protocol: u8,
        src_port: u16,
        dst_port: u16,
    ) -> Option<usize> {
        let key = pack(src, dst, protocol, src_port, dst_port);
        let mut best = usize::MAX;
        for t in &self.tuples {
            if t.min >= best {
                break;
            }
            if let Some(&i) = t.rows.get(&(key & t.mask)) {
                best = best.min(i);
            }
        }
        (best != usize::MAX).then_some(best)
    }

    /// The action of a row as returned by `first`; no row means permit.
    #[inline]
    pub fn action(&self, row: Option<usize>) -> Behavior {
        row.and_then(|i| self.actions.get(i).copied())
            .unwrap_or(Behavior::Permit)
    }

    /// The IPv6 exemption row, which decides every IPv6 packet.
    pub fn ipv6_row(&self) -> Option<usize> {
        self.v6
    }

    /// Number of tuples (distinct masks): the most probes one packet costs.
    pub fn tuple_count(&self) -> usize {
        self.tuples.len()
    }

    /// Number of rows the classifier was built from.
    pub fn row_count(&self) -> usize {
        self.actions.len()
    }
}

fn mask_of_header(h: &Header) -> Key {
    let given8 = |v: u8| if v != 0 { u8::MAX } else { 0 };
    let given16 = |v: u16| if v != 0 { u16::MAX } else { 0 };
    pack(
        mask_of(h.src.prefix),
        mask_of(h.dst.prefix),
        given8(h.protocol),
        given16(h.src_port),
        given16(h.dst_port),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::first_match;
    use crate::core::model::{
        Address, Filter, FilterAction, FilterList, HostContext, Interface, OsProfile, Policy,
        Protocol, Rule, Snapshot,
    };
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("test address")
    }

    /// KB 811832's policy shape: block all inbound to me, permit TCP 445 from one subnet.
    fn table() -> EffectiveTable {
        let mut s = Snapshot::default();
        let mut p = Policy::new("P");
        let mut list = FilterList::new("L");
        list.filters.push(Filter::new(Address::Any, Address::Me));
        let mut permit = FilterList::new("445");
        permit.filters.push(Filter {
            protocol: Protocol::TCP,
            dst_port: 445,
            ..Filter::new(
                Address::subnet(ip("203.0.113.0"), ip("255.255.255.0")),
                Address::Me,
            )
        });
        let block = FilterAction::new("block", Behavior::Block);
        let allow = FilterAction::new("permit", Behavior::Permit);
        p.rules.push(Rule::new("block", list.id, block.id));
        p.rules.push(Rule::new("445", permit.id, allow.id));
        s.filter_lists = vec![list, permit];
        s.filter_actions = vec![block, allow];
        s.assigned = Some(p.id);
        s.policies.push(p);
        let host = HostContext {
            profile: OsProfile::WinxpSp1,
            interfaces: vec![Interface {
                addr: ip("10.10.1.2"),
                prefix: 24,
            }],
            ..HostContext::default()
        };
        EffectiveTable::build(&s, None, &host)
    }

    #[test]
    fn agrees_with_the_scan_on_the_kb811832_shape() {
        let t = table();
        let c = Classifier::new(&t);
        let me = ip("10.10.1.2");
        let cases = [
            // Kerberos source port: the exemption row decides (and permits).
            (
                Packet::v4(17, ip("203.0.113.5"), 88, me, 1434),
                Behavior::Permit,
            ),
            (
                Packet::v4(6, ip("203.0.113.5"), 5000, me, 445),
                Behavior::Permit,
            ),
            (
                Packet::v4(6, ip("198.51.100.5"), 5000, me, 445),
                Behavior::Block,
            ),
            (Packet::v4(1, ip("198.51.100.5"), 0, me, 0), Behavior::Block),
            (
                Packet::v4(17, me, 1000, ip("198.51.100.5"), 53),
                Behavior::Permit,
            ),
        ];
        for (p, verdict) in cases {
            let row = c.first(&p);
            assert_eq!(row, first_match(&t, &p), "{p}");
            assert_eq!(c.action(row), verdict, "{p}");
        }
        let v6 = Packet {
            protocol: 6,
            src: "2001:db8::1".parse().expect("v6"),
            src_port: 1,
            dst: "2001:db8::2".parse().expect("v6"),
            dst_port: 2,
        };
        assert_eq!(c.first(&v6), first_match(&t, &v6));
        assert!(c.first(&v6).is_some());
    }

    #[test]
    fn a_non_first_fragment_matches_only_any_port_rows() {
        let t = table();
        let c = Classifier::new(&t);
        let me = u32::from(ip("10.10.1.2"));
        let src = u32::from(ip("203.0.113.5"));
        // With ports: the TCP 445 permit decides. Without (a later fragment): block-all.
        let with = c.first_v4(src, me, 6, 5000, 445);
        let frag = c.first_v4(src, me, 6, 0, 0);
        assert_eq!(c.action(with), Behavior::Permit);
        assert_eq!(c.action(frag), Behavior::Block);
        assert!(t.rows[frag.expect("row")].header.dst_port == 0);
    }
}
