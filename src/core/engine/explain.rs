//! What happens to one packet, and why (docs/domain.md, "Evaluation").
//!
//! The first matching row of the effective table decides; every other matching row goes in
//! the trail, in words, with the fix when an exemption is what let the packet through.
//! Trail results: `decided` (the deciding row), `lost` (a later matching row whose action
//! differs: it would have changed the verdict), `not-reached` (a later matching row with
//! the same action: it never gets to act, and removing the decider would not change the
//! verdict on its account).

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::exemptions::Exemption;
use super::packet::{Packet, PacketError};
use super::table::{Direction, EffectiveTable, OriginKind, Row, behavior_word};
use crate::core::model::Behavior;

/// The kind of peer at the other end, for negotiate rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Peer {
    /// Answers IKE and secures the traffic.
    Ipsec,
    /// Does not speak IPsec.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Clear,
    Secured,
    Dropped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    Exemption,
    Filter,
    NoMatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrailResult {
    Decided,
    Lost,
    NotReached,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailItem {
    pub row: usize,
    #[serde(serialize_with = "behavior_word")]
    pub action: Behavior,
    pub result: TrailResult,
    pub why: String,
}

/// The verdict on one packet. Field names are the `explain --json` contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub packet: String,
    #[serde(serialize_with = "behavior_word")]
    pub verdict: Behavior,
    pub decided_by: DecidedBy,
    pub exemption: Option<Exemption>,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub filter_list: Option<String>,
    /// The deciding row's direction; with no match, the packet's.
    pub direction: Direction,
    pub weight: Option<u16>,
    pub row: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_why: Option<String>,
    pub trail: Vec<TrailItem>,
    /// One sentence for people.
    pub summary: String,
    /// How to close the hole, when an exemption let through what a filter would stop.
    pub fix: Option<String>,
}

/// The packet's own direction, or `NotForThisHost` (docs/domain.md, "Traffic for this host").
/// IPv6 packets are accepted whatever their addresses: the driver ignores them all.
pub fn packet_direction(table: &EffectiveTable, p: &Packet) -> Result<Direction, PacketError> {
    let ctx = &table.context;
    match (p.src, p.dst) {
        (IpAddr::V4(s), _) if ctx.is_host(s) => Ok(Direction::Outbound),
        (_, IpAddr::V4(d)) if ctx.is_host(d) || ctx.is_multicast_or_broadcast(d) => {
            Ok(Direction::Inbound)
        }
        (IpAddr::V6(_), _) | (_, IpAddr::V6(_)) => Ok(Direction::Both),
        _ => Err(PacketError::NotForThisHost(
            p.to_string(),
            host_list(&ctx.host_addresses),
        )),
    }
}

fn host_list(h: &[Ipv4Addr]) -> String {
    if h.is_empty() {
        "none configured".into()
    } else {
        h.iter()
            .map(Ipv4Addr::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The first matching row, as a plain index (what the TUI highlights while typing).
pub fn first_match(table: &EffectiveTable, p: &Packet) -> Option<usize> {
    table.rows.iter().position(|r| r.header.matches(p))
}

pub fn explain(
    table: &EffectiveTable,
    p: &Packet,
    peer: Option<Peer>,
) -> Result<Explanation, PacketError> {
    let packet_dir = packet_direction(table, p)?;
    let matching: Vec<&Row> = table
        .headers()
        .iter()
        .zip(&table.rows)
        .filter(|(h, _)| h.matches(p))
        .map(|(_, r)| r)
        .collect();
    let Some((decider, rest)) = matching.split_first() else {
        return Ok(no_match(p, packet_dir, peer));
    };
    let decided_by = match decider.origin.kind {
        OriginKind::Exemption => DecidedBy::Exemption,
        _ => DecidedBy::Filter,
    };
    let mut trail = vec![TrailItem {
        row: decider.index,
        action: decider.action,
        result: TrailResult::Decided,
        why: decided_why(table, decider, p),
    }];
    let mut fix = None;
    // What every lost row's sentence says about the decider: built once, not per row
    // (a packet can match a third of a big table).
    let lost = LostContext::new(table, decider, p);
    for r in rest {
        let is_lost = r.action != decider.action;
        let why = if is_lost {
            if fix.is_none() {
                fix = lost.exemption.as_ref().map(|(_, f)| f.clone());
            }
            lost.why(r)
        } else {
            format!(
                "{} matches too, with the same action ({}), after the deciding row",
                r.origin.describe(),
                r.action.word()
            )
        };
        trail.push(TrailItem {
            row: r.index,
            action: r.action,
            result: if is_lost {
                TrailResult::Lost
            } else {
                TrailResult::NotReached
            },
            why,
        });
    }
    let (outcome, outcome_why) = match peer {
        Some(peer) => {
            let (o, w) = outcome(decider, packet_dir, peer);
            (Some(o), Some(w))
        }
        None => (None, None),
    };
    let summary = format!(
        "{}: {} by {} (row {})",
        p,
        past_tense(decider.action),
        decider.origin.describe(),
        decider.index
    );
    let filter_named = decider.origin.kind == OriginKind::Filter;
    Ok(Explanation {
        packet: p.to_string(),
        verdict: decider.action,
        decided_by,
        exemption: decider.origin.exemption,
        policy: decider
            .origin
            .policy
            .as_deref()
            .map(str::to_string)
            .filter(|_| filter_named),
        rule: decider
            .origin
            .rule
            .as_deref()
            .map(str::to_string)
            .filter(|_| filter_named),
        filter_list: decider
            .origin
            .filter_list
            .as_deref()
            .map(str::to_string)
            .filter(|_| filter_named),
        direction: decider.direction,
        weight: decider.weight,
        row: Some(decider.index),
        outcome,
        outcome_why,
        trail,
        summary,
        fix,
    })
}

fn no_match(p: &Packet, dir: Direction, peer: Option<Peer>) -> Explanation {
    Explanation {
        packet: p.to_string(),
        verdict: Behavior::Permit,
        decided_by: DecidedBy::NoMatch,
        exemption: None,
        policy: None,
        rule: None,
        filter_list: None,
        direction: dir,
        weight: None,
        row: None,
        outcome: peer.map(|_| Outcome::Clear),
        outcome_why: peer.map(|_| "no row matches, so the packet passes unchanged".to_string()),
        trail: Vec::new(),
        summary: format!("{p}: permitted: no exemption and no filter matches"),
        fix: None,
    }
}

fn past_tense(b: Behavior) -> &'static str {
    match b {
        Behavior::Permit => "permitted",
        Behavior::Block => "blocked",
        Behavior::Negotiate => "negotiated",
    }
}

/// What of the packet an exemption row matched: "source port 88".
pub fn exemption_detail(r: &Row, p: &Packet) -> String {
    match r.origin.exemption {
        Some(Exemption::Kerberos) if r.header.src_port == 88 => "source port 88".into(),
        Some(Exemption::Kerberos) => "destination port 88".into(),
        Some(Exemption::Ike) => "UDP from port 500 to port 500".into(),
        Some(Exemption::Rsvp) => "protocol 46 (RSVP)".into(),
        Some(Exemption::Multicast) => format!("destination {} is multicast", p.dst),
        Some(Exemption::Broadcast) => format!("destination {} is a broadcast address", p.dst),
        Some(Exemption::Ipv6) => "it is IPv6".into(),
        None => String::new(),
    }
}

fn decided_why(table: &EffectiveTable, r: &Row, p: &Packet) -> String {
    match r.origin.kind {
        OriginKind::Exemption => format!(
            "{} matched first: {}, {}",
            r.origin.describe(),
            exemption_detail(r, p),
            r.origin.why.as_deref().unwrap_or("")
        ),
        _ => {
            let w = r.weight.unwrap_or(0);
            let tunnel_note = match (r.tunnel, r.header.protocol, r.header.dst_port) {
                (Some(_), 17 | 0, 500 | 0) if table.context.is_active(Exemption::Ike) => {
                    " (note: IKE that must travel inside this tunnel is not exempt)"
                }
                _ => "",
            };
            format!(
                "{} is the most specific matching row (weight {w}): {}{tunnel_note}",
                r.origin.describe(),
                r.action.word()
            )
        }
    }
}

/// The decider's half of a lost row's sentence.
struct LostContext {
    /// Set when an exemption decided: its sentence part and its fix.
    exemption: Option<(String, String)>,
    decider: String,
    weight: u16,
}

impl LostContext {
    fn new(table: &EffectiveTable, decider: &Row, p: &Packet) -> LostContext {
        let exemption = match (decider.origin.kind, decider.origin.exemption) {
            (OriginKind::Exemption, Some(e)) => {
                let fix = table.context.fix(e);
                let text = format!(
                    "{} matched first: {}, {}; {fix}",
                    decider.origin.describe(),
                    exemption_detail(decider, p),
                    decider.origin.why.as_deref().unwrap_or(""),
                );
                Some((text, fix))
            }
            _ => None,
        };
        LostContext {
            exemption,
            decider: decider.origin.describe(),
            weight: decider.weight.unwrap_or(0),
        }
    }

    fn why(&self, r: &Row) -> String {
        let who = r.origin.describe();
        let would = r.action.word();
        if let Some((text, _)) = &self.exemption {
            return format!("{who} would {would} this, but {text}");
        }
        let (dw, rw) = (self.weight, r.weight.unwrap_or(0));
        let because = if dw > rw {
            format!("is more specific (weight {dw} > {rw})")
        } else {
            format!(
                "wins at equal weight {dw}: the more restrictive action comes first \
                 (a conflict: Windows documents no order here)"
            )
        };
        format!("{who} would {would} this, but {} {because}", self.decider)
    }
}

/// docs/domain.md, "Negotiate outcomes".
fn outcome(r: &Row, dir: Direction, peer: Peer) -> (Outcome, String) {
    match r.action {
        Behavior::Permit => (Outcome::Clear, "permitted in clear".into()),
        Behavior::Block => (Outcome::Dropped, "blocked".into()),
        Behavior::Negotiate => match (peer, dir) {
            (Peer::Ipsec, _) => (
                Outcome::Secured,
                "the peer answers IKE: the traffic is secured".into(),
            ),
            (Peer::Plain, Direction::Outbound) if r.soft => (
                Outcome::Clear,
                "the peer does not answer IKE; the action allows fallback (soft), so this \
                 host falls back to clear (a soft SA)"
                    .into(),
            ),
            (Peer::Plain, Direction::Outbound) => (
                Outcome::Dropped,
                "the peer does not answer IKE and the action does not allow fallback to \
                 unsecured communication: dropped"
                    .into(),
            ),
            (Peer::Plain, _) if r.inpass => (
                Outcome::Clear,
                "clear inbound traffic is accepted (inpass: accept unsecured, respond with \
                 IPsec)"
                    .into(),
            ),
            (Peer::Plain, _) if r.soft => (
                Outcome::Dropped,
                "dropped unless this host has already fallen back to clear towards this peer \
                 (soft SA); a broadcast that provokes a unicast reply creates one (KB 811832)"
                    .into(),
            ),
            (Peer::Plain, _) => (
                Outcome::Dropped,
                "clear inbound traffic matching a negotiate row without inpass or soft is \
                 dropped"
                    .into(),
            ),
        },
    }
}
