//! Replay accounting: many observed packets (a capture, a log) against one effective
//! table, and optionally a proposed one. Per-row hit counts and verdict totals are exact;
//! flow lists (exemption-only flows, changes under the proposed table, top talkers per
//! verdict) are bounded heavy-hitter lists (`topk`), so memory does not grow with the
//! number of packets or flows.
//!
//! A flow is the 5-tuple (protocol, source, source port, destination, destination port):
//! the source port matters here, since KB 811832's attack is a source port of 88.
//! Non-first fragments are classified with ports 0 (see `classify`: only rows with "any"
//! ports match them) and also counted apart. IPv6 packets count as hits of the IPv6
//! exemption row. Packets neither from nor to the host (nor multicast or broadcast) are
//! counted apart and not classified: the driver never sees them.
//!
//! The proposed table (`against`) is evaluated for the same host; a flow is *newly
//! blocked* when the current table lets it through (permit or negotiate) and the proposed
//! one blocks it, *newly let through* in the opposite case.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::classify::Classifier;
use super::packet::Packet;
use super::table::{EffectiveTable, behavior_word};
use super::topk::TopK;
use crate::core::model::Behavior;

/// How many flows each list keeps.
pub const DEFAULT_TOP: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct FlowKey {
    src: u32,
    dst: u32,
    protocol: u8,
    src_port: u16,
    dst_port: u16,
}

impl FlowKey {
    fn packet(&self) -> Packet {
        Packet::v4(
            self.protocol,
            Ipv4Addr::from(self.src),
            self.src_port,
            Ipv4Addr::from(self.dst),
            self.dst_port,
        )
    }
}

/// What one flow list entry carries besides counts: the deciding rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rows {
    row: Option<usize>,
    other: Option<usize>,
}

/// Totals per verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Verdicts {
    pub permit: u64,
    pub block: u64,
    pub negotiate: u64,
}

impl Verdicts {
    fn add(&mut self, b: Behavior) {
        match b {
            Behavior::Permit => self.permit += 1,
            Behavior::Block => self.block += 1,
            Behavior::Negotiate => self.negotiate += 1,
        }
    }
}

/// What decided the packets the driver saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DecidedBy {
    pub exemption: u64,
    pub filter: u64,
    pub no_match: u64,
}

/// Frames the driver never filters, or that could not be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Neither from nor to this host (nor multicast/broadcast).
    pub not_for_this_host: u64,
    /// ARP and other non-IP frames.
    pub not_ip: u64,
    /// Frames too short or inconsistent to read an IP header from.
    pub malformed: u64,
}

/// One row's hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowHits {
    pub row: usize,
    pub packets: u64,
    pub bytes: u64,
    #[serde(serialize_with = "behavior_word")]
    pub action: Behavior,
    pub origin: String,
}

/// One flow of a bounded list: its true packet count is in `[packets, packets + error]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowCount {
    pub flow: String,
    pub packets: u64,
    pub bytes: u64,
    pub error: u64,
    /// The deciding row (in the current table).
    pub row: Option<usize>,
    /// For exemption-only flows, the filter row the exemption overrides; for `against`,
    /// the deciding row in the proposed table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_row: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopTalkers {
    pub permit: Vec<FlowCount>,
    pub block: Vec<FlowCount>,
    pub negotiate: Vec<FlowCount>,
}

/// The proposed table's effect on the replayed traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgainstReport {
    pub policy: Option<String>,
    /// Verdict totals under the proposed table.
    pub verdicts: Verdicts,
    pub newly_blocked_packets: u64,
    pub newly_let_through_packets: u64,
    /// Packets whose verdict changes between permit and negotiate.
    pub other_changes: u64,
    pub newly_blocked: Vec<FlowCount>,
    pub newly_let_through: Vec<FlowCount>,
}

/// Everything a replay found. Field names are the `replay --json` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    pub policy: Option<String>,
    /// Frames read.
    pub frames: u64,
    pub bytes: u64,
    /// Packets the driver saw (IPv4 for this host, and IPv6), by verdict.
    pub verdicts: Verdicts,
    pub decided_by: DecidedBy,
    pub ipv6: u64,
    /// Non-first IPv4 fragments (classified without ports).
    pub later_fragments: u64,
    pub skipped: Skipped,
    /// Rows with at least one hit, in table order.
    pub rows: Vec<RowHits>,
    /// Flows an exemption let through that a filter row would have blocked or
    /// negotiated (F101 seen in real traffic).
    pub exemption_only: Vec<FlowCount>,
    pub top_talkers: TopTalkers,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<AgainstReport>,
}

struct Against<'a> {
    table: &'a EffectiveTable,
    classifier: Classifier,
    verdicts: Verdicts,
    newly_blocked_packets: u64,
    newly_let_through_packets: u64,
    other_changes: u64,
    newly_blocked: TopK<FlowKey, Rows>,
    newly_let_through: TopK<FlowKey, Rows>,
}

/// The accumulator. Feed it with `ipv4`, `ipv6`, `not_ip`, `malformed`; read `hits` at
/// any time (the TUI's per-row counts) and `report` at the end.
pub struct Replay<'a> {
    table: &'a EffectiveTable,
    classifier: Classifier,
    filters_only: Classifier,
    top: usize,
    hits: Vec<u64>,
    row_bytes: Vec<u64>,
    frames: u64,
    bytes: u64,
    verdicts: Verdicts,
    decided_by: DecidedBy,
    ipv6: u64,
    later_fragments: u64,
    skipped: Skipped,
    exemption_only: TopK<FlowKey, Rows>,
    talkers: [TopK<FlowKey, Rows>; 3],
    against: Option<Against<'a>>,
}

impl<'a> Replay<'a> {
    /// `top`: how many flows each list reports (it keeps at most twice that many).
    pub fn new(table: &'a EffectiveTable, against: Option<&'a EffectiveTable>, top: usize) -> Self {
        Replay {
            table,
            classifier: Classifier::new(table),
            filters_only: Classifier::filters_only(table),
            top,
            hits: vec![0; table.rows.len()],
            row_bytes: vec![0; table.rows.len()],
            frames: 0,
            bytes: 0,
            verdicts: Verdicts::default(),
            decided_by: DecidedBy::default(),
            ipv6: 0,
            later_fragments: 0,
            skipped: Skipped::default(),
            exemption_only: TopK::new(top),
            talkers: [TopK::new(top), TopK::new(top), TopK::new(top)],
            against: against.map(|t| Against {
                table: t,
                classifier: Classifier::new(t),
                verdicts: Verdicts::default(),
                newly_blocked_packets: 0,
                newly_let_through_packets: 0,
                other_changes: 0,
                newly_blocked: TopK::new(top),
                newly_let_through: TopK::new(top),
            }),
        }
    }

    /// One IPv4 packet. `later_fragment`: a non-first fragment (its ports are ignored).
    #[allow(clippy::too_many_arguments)]
    pub fn ipv4(
        &mut self,
        src: u32,
        dst: u32,
        protocol: u8,
        src_port: u16,
        dst_port: u16,
        later_fragment: bool,
        wire_len: u32,
    ) {
        self.frames += 1;
        self.bytes += u64::from(wire_len);
        let ctx = &self.table.context;
        let (s, d) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
        if !(ctx.is_host(s) || ctx.is_host(d) || ctx.is_multicast_or_broadcast(d)) {
            self.skipped.not_for_this_host += 1;
            return;
        }
        let (src_port, dst_port) = if later_fragment {
            self.later_fragments += 1;
            (0, 0)
        } else {
            (src_port, dst_port)
        };
        let key = FlowKey {
            src,
            dst,
            protocol,
            src_port,
            dst_port,
        };
        let row = self
            .classifier
            .first_v4(src, dst, protocol, src_port, dst_port);
        let action = self.classifier.action(row);
        let bytes = u64::from(wire_len);
        self.verdicts.add(action);
        match row {
            Some(i) => {
                self.hits[i] += 1;
                self.row_bytes[i] += bytes;
                if i < self.table.exemption_rows {
                    self.decided_by.exemption += 1;
                    let f = self
                        .filters_only
                        .first_v4(src, dst, protocol, src_port, dst_port);
                    if self.filters_only.action(f) != Behavior::Permit {
                        let rows = Rows { row, other: f };
                        self.exemption_only.add(key, bytes, rows);
                    }
                } else {
                    self.decided_by.filter += 1;
                }
            }
            None => self.decided_by.no_match += 1,
        }
        let rows = Rows { row, other: None };
        self.talkers[verdict_slot(action)].add(key, bytes, rows);
        if let Some(a) = &mut self.against {
            let other = a
                .classifier
                .first_v4(src, dst, protocol, src_port, dst_port);
            let b = a.classifier.action(other);
            a.verdicts.add(b);
            let rows = Rows { row, other };
            match (action == Behavior::Block, b == Behavior::Block) {
                (false, true) => {
                    a.newly_blocked_packets += 1;
                    a.newly_blocked.add(key, bytes, rows);
                }
                (true, false) => {
                    a.newly_let_through_packets += 1;
                    a.newly_let_through.add(key, bytes, rows);
                }
                _ if action != b => a.other_changes += 1,
                _ => {}
            }
        }
    }

    /// One IPv6 packet: the IPv6 exemption lets it through.
    pub fn ipv6(&mut self, wire_len: u32) {
        self.frames += 1;
        self.bytes += u64::from(wire_len);
        self.ipv6 += 1;
        let row = self.classifier.ipv6_row();
        self.verdicts.add(self.classifier.action(row));
        if let Some(i) = row {
            self.hits[i] += 1;
            self.row_bytes[i] += u64::from(wire_len);
            self.decided_by.exemption += 1;
        } else {
            self.decided_by.no_match += 1;
        }
        if let Some(a) = &mut self.against {
            let r = a.classifier.ipv6_row();
            a.verdicts.add(a.classifier.action(r));
        }
    }

    pub fn not_ip(&mut self, wire_len: u32) {
        self.frames += 1;
        self.bytes += u64::from(wire_len);
        self.skipped.not_ip += 1;
    }

    pub fn malformed(&mut self, wire_len: u32) {
        self.frames += 1;
        self.bytes += u64::from(wire_len);
        self.skipped.malformed += 1;
    }

    /// Hits per row, by row index (exact).
    pub fn hits(&self) -> &[u64] {
        &self.hits
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes on the wire so far (for progress).
    pub fn report_bytes(&self) -> u64 {
        self.bytes
    }

    pub fn report(&self) -> ReplayReport {
        let rows = self
            .hits
            .iter()
            .enumerate()
            .filter(|(_, h)| **h > 0)
            .map(|(i, h)| {
                let r = &self.table.rows[i];
                RowHits {
                    row: i,
                    packets: *h,
                    bytes: self.row_bytes[i],
                    action: r.action,
                    origin: r.origin.describe(),
                }
            })
            .collect();
        let list = |t: &TopK<FlowKey, Rows>| -> Vec<FlowCount> {
            t.top(|k| *k)
                .into_iter()
                .take(self.top)
                .map(|(k, c)| FlowCount {
                    flow: k.packet().to_string(),
                    packets: c.count,
                    bytes: c.bytes,
                    error: c.error,
                    row: c.value.row,
                    other_row: c.value.other,
                })
                .collect()
        };
        ReplayReport {
            policy: self.table.policy.as_ref().map(|p| p.name.clone()),
            frames: self.frames,
            bytes: self.bytes,
            verdicts: self.verdicts,
            decided_by: self.decided_by,
            ipv6: self.ipv6,
            later_fragments: self.later_fragments,
            skipped: self.skipped,
            rows,
            exemption_only: list(&self.exemption_only),
            top_talkers: TopTalkers {
                permit: list(&self.talkers[0]),
                block: list(&self.talkers[1]),
                negotiate: list(&self.talkers[2]),
            },
            against: self.against.as_ref().map(|a| AgainstReport {
                policy: a.table.policy.as_ref().map(|p| p.name.clone()),
                verdicts: a.verdicts,
                newly_blocked_packets: a.newly_blocked_packets,
                newly_let_through_packets: a.newly_let_through_packets,
                other_changes: a.other_changes,
                newly_blocked: list(&a.newly_blocked),
                newly_let_through: list(&a.newly_let_through),
            }),
        }
    }
}

fn verdict_slot(b: Behavior) -> usize {
    match b {
        Behavior::Permit => 0,
        Behavior::Block => 1,
        Behavior::Negotiate => 2,
    }
}
