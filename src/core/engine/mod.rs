//! The engine: what the IPsec driver really does with a policy (docs/domain.md, exemptions and
//! "Evaluation"). Pure functions over `model`: no I/O, no terminal, no network, no panics on
//! user input.
//!
//! # API overview
//!
//! ```text
//! ResolvedContext::resolve(&HostContext) -> ResolvedContext      exemptions in force, why
//! EffectiveTable::build(&Snapshot, Option<Id>, &HostContext)       rows in evaluation order
//! Packet::parse("udp 1.2.3.4:88 -> me:445", &host_addresses)      a packet to explain
//! explain(&EffectiveTable, &Packet, Option<Peer>) -> Explanation  verdict, deciding row, trail
//! first_match(&EffectiveTable, &Packet) -> Option<usize>          the cheap live highlight
//! Classifier::new(&EffectiveTable).first(&Packet) -> Option<usize> same row, no scan
//! check(&Snapshot, Option<Id>, &HostContext) -> Report            E/W/F items, bounded
//! check_with_table(&Snapshot, &EffectiveTable) -> Report          same, reusing a table
//! HeaderSpace::parse("tcp any -> me:445", &host_addresses)        a reach query
//! reach(&EffectiveTable, &HeaderSpace) -> Vec<ReachItem>          permitting rows + example
//! diff(&EffectiveTable, &EffectiveTable) -> Vec<Region>          exact verdict changes
//! Replay::new(&table, Some(&proposed), top) ... .report()         capture accounting
//! reference::evaluate(...)                                        naive evaluator for tests
//! ```
//!
//! `Option<Id>` names the policy to evaluate; `None` means the assigned one. The host is
//! passed apart from the snapshot so that callers can override it (the CLI's `--os`,
//! `--me`, the TUI's profile switcher) without cloning the snapshot. Everything the CLI
//! prints as JSON derives `Serialize`; the row's `origin` carries the policy, rule, filter
//! list, filter and filter-action ids an exporter (netdiag) needs.
//!
//! Cost: `build` is O(n log n) in rows, `explain` one linear scan, `check` partitions rows
//! by protocol, ports and prefix lengths (no pass over all pairs), so a 10,000-filter
//! policy re-checks within a 16 ms frame after each edit.

pub mod check;
pub mod classify;
pub mod diff;
mod exemption;
pub mod exemptions;
pub mod explain;
mod findings;
pub mod header;
mod lint;
pub mod packet;
pub mod reach;
pub mod reference;
pub mod replay;
pub mod table;
mod topk;

pub use check::{Facts, Item, Object, Omitted, Report, Severity, check, check_with_table};
pub use classify::Classifier;
pub use exemptions::{ActiveExemption, Exemption, NoDefaultExempt, ResolvedContext, ValueSource};
pub use explain::{
    DecidedBy, Explanation, Outcome, Peer, TrailItem, TrailResult, explain, first_match,
    packet_direction,
};
pub use header::{Header, Net};
pub use packet::{Packet, PacketError};
pub use reach::{HeaderSpace, ReachItem, SpaceError, reach};
pub use replay::{Replay, ReplayReport};
pub use table::{Direction, EffectiveTable, Origin, OriginKind, OriginShared, PolicyRef, Row};
