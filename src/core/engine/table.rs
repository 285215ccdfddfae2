//! The effective table (docs/domain.md, "Evaluation"): exemption rows first, then every
//! concrete row of the evaluated policy and the dynamic rules, most specific first.
//!
//! Expansion: `me` → one /32 row per host address; DNS/WINS/DHCP/GATEWAY → the configured
//! servers; a DNS name → its resolved addresses (none → no row); a mirrored filter → also
//! its reverse (addresses and ports swapped) unless the reverse is the same row. A filter
//! whose mask has holes expands to nothing here (`check` reports it as E002).

use std::net::Ipv4Addr;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::exemptions::{Exemption, NoDefaultExempt, ResolvedContext};
use super::header::{Header, Net};
use crate::core::model::{
    Address, Behavior, Filter, FilterAction, HostContext, Id, OsProfile, Snapshot, mask_prefix,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
    Both,
}

impl Direction {
    pub fn word(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
            Self::Both => "both",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OriginKind {
    Exemption,
    Filter,
    Dynamic,
}

/// Where a row comes from. Names are for people and the JSON contract; ids are for
/// exporters (netdiag prints the filter id and, as "Policy Id", the filter action id).
///
/// What differs per row (kind, exemption, the filter's position and id, the mirror flag)
/// is stored here; what every row of one rule, dynamic rule or exemption shares (names,
/// ids, why, command) lives once in an [`OriginShared`] behind an `Arc`, reached through
/// `Deref` (`origin.rule`, `origin.policy_id` read as fields). A row's origin costs a
/// pointer, not a copy of every name and id: at 100,000 rows that is the difference
/// between a table that fits the cache and one that is re-faulted from fresh pages on
/// every build. The JSON is unchanged: one flat object, as before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub kind: OriginKind,
    pub exemption: Option<Exemption>,
    /// 0-based position of the filter in its list (shown to people as index + 1).
    pub filter_index: Option<usize>,
    /// True for the reverse row of a mirrored filter.
    pub reversed: bool,
    /// The filter's id (for dynamic rules, the dynamic rule's filter id).
    pub filter_id: Option<Id>,
    shared: Arc<OriginShared>,
}

/// The part of an [`Origin`] shared by the rows of one rule (or dynamic rule, or active
/// exemption).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginShared {
    pub policy: Option<Arc<str>>,
    pub rule: Option<Arc<str>>,
    pub filter_list: Option<Arc<str>>,
    /// Why an exemption row is active.
    pub why: Option<String>,
    pub policy_id: Option<Id>,
    pub rule_id: Option<Id>,
    pub filter_list_id: Option<Id>,
    /// The filter action's id.
    pub action_id: Option<Id>,
    pub action_name: Option<Arc<str>>,
    /// For dynamic rules: the rule's id and the command that created it.
    pub dynamic_id: Option<Id>,
    pub command: Option<String>,
}

impl std::ops::Deref for Origin {
    type Target = OriginShared;
    fn deref(&self) -> &OriginShared {
        &self.shared
    }
}

/// The JSON contract of a row's origin (field order and omissions as they always were).
#[derive(Serialize)]
struct OriginJson<'a> {
    kind: OriginKind,
    exemption: Option<Exemption>,
    policy: Option<&'a str>,
    rule: Option<&'a str>,
    filter_list: Option<&'a str>,
    filter_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    reversed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filter_list_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filter_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dynamic_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<&'a str>,
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sh = &*self.shared;
        OriginJson {
            kind: self.kind,
            exemption: self.exemption,
            policy: sh.policy.as_deref(),
            rule: sh.rule.as_deref(),
            filter_list: sh.filter_list.as_deref(),
            filter_index: self.filter_index,
            why: sh.why.as_deref(),
            reversed: self.reversed,
            policy_id: sh.policy_id,
            rule_id: sh.rule_id,
            filter_list_id: sh.filter_list_id,
            filter_id: self.filter_id,
            action_id: sh.action_id,
            action_name: sh.action_name.as_deref(),
            dynamic_id: sh.dynamic_id,
            command: sh.command.as_deref(),
        }
        .serialize(s)
    }
}

impl Origin {
    fn new(kind: OriginKind, shared: Arc<OriginShared>) -> Origin {
        Origin {
            kind,
            exemption: None,
            filter_index: None,
            reversed: false,
            filter_id: None,
            shared,
        }
    }

    /// "the kerberos exemption", "rule 'Block' (filter 1 of 'All inbound')",
    /// "dynamic rule `ipseccmd -f [*=0:1434:UDP]`".
    pub fn describe(&self) -> String {
        match self.kind {
            OriginKind::Exemption => format!(
                "the {} exemption",
                self.exemption.map(Exemption::name).unwrap_or("default")
            ),
            OriginKind::Filter => format!(
                "rule '{}' (filter {} of '{}'{})",
                self.rule.as_deref().unwrap_or("?"),
                self.filter_index.map_or(0, |i| i + 1),
                self.filter_list.as_deref().unwrap_or("?"),
                if self.reversed { ", mirrored" } else { "" }
            ),
            OriginKind::Dynamic => match self.command.as_deref() {
                Some(c) if !c.is_empty() => format!("dynamic rule `{c}`"),
                _ => "a dynamic rule".to_string(),
            },
        }
    }

    /// Identity of the filter behind a row (both rows of a mirror share it).
    pub fn filter_key(&self) -> Option<(Option<Id>, Id)> {
        match self.kind {
            OriginKind::Exemption => None,
            OriginKind::Filter => Some((self.rule_id, self.filter_id?)),
            OriginKind::Dynamic => Some((None, self.dynamic_id?)),
        }
    }
}

/// One concrete row of the effective table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Position in `EffectiveTable::rows` (0-based, evaluation order).
    pub index: usize,
    /// docs/domain.md "Weights and ties"; `None` for exemption rows (they come before all
    /// weights).
    pub weight: Option<u16>,
    pub direction: Direction,
    pub src: ipnet::IpNet,
    pub dst: ipnet::IpNet,
    /// `None` = any protocol.
    pub protocol: Option<u8>,
    /// 0 = any.
    pub src_port: u16,
    pub dst_port: u16,
    #[serde(serialize_with = "behavior_word")]
    pub action: Behavior,
    pub origin: Origin,
    /// Negotiate only: accept unsecured inbound traffic (`inpass`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inpass: bool,
    /// Negotiate only: fall back to clear with peers that do not answer IKE (`soft`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub soft: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<Ipv4Addr>,
    /// The match fields, in the form the engine computes with.
    #[serde(skip)]
    pub header: Header,
}

impl Row {
    pub fn is_exemption(&self) -> bool {
        self.origin.kind == OriginKind::Exemption
    }
}

pub(crate) fn behavior_word<S: Serializer>(b: &Behavior, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(b.word())
}

/// Restrictiveness rank used at equal weight: block, then negotiate, then permit.
pub fn restrictiveness(b: Behavior) -> u8 {
    match b {
        Behavior::Block => 0,
        Behavior::Negotiate => 1,
        Behavior::Permit => 2,
    }
}

/// The policy a table evaluates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    pub id: Id,
    pub name: String,
}

/// The effective table: what the driver consults, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveTable {
    pub profile: OsProfile,
    pub no_default_exempt: NoDefaultExempt,
    /// The evaluated policy; `None` when no policy is assigned (dynamic rules only).
    pub policy: Option<PolicyRef>,
    pub rows: Vec<Row>,
    /// Number of exemption rows at the start of `rows`.
    pub exemption_rows: usize,
    /// The resolved host context (exemptions, host and broadcast addresses, warnings).
    pub context: ResolvedContext,
    /// The host context the table was built for (servers, names), for `check`.
    #[serde(skip)]
    pub host: HostContext,
    /// Every row's header in one array, for the scans that test each row (`explain`,
    /// `reach`): 20 bytes a row to read instead of a 136-byte row, which on a table of
    /// 100,000 rows is the difference between 2 MB and 13.6 MB through the caches. Made
    /// on first use, not by `build`: copying it there cost the build more than it saved
    /// (100,000 rows: 42 → 74-96 ms, for reasons not found), while a table that is asked
    /// many questions (the TUI, a bench, `explain --batch`) makes it once.
    #[serde(skip)]
    header_column: HeaderColumn,
}

/// `EffectiveTable::headers`' array: derived from the rows, so not part of the table's
/// value.
type HeaderColumn = crate::core::model::Derived<std::sync::OnceLock<Vec<Header>>>;

impl EffectiveTable {
    /// Builds the table of `policy` (or the assigned policy when `None`) plus the dynamic
    /// rules, for `host` (pass `&snapshot.host` unless the caller overrides it). A policy
    /// id that is not in the snapshot evaluates as no policy.
    pub fn build(snapshot: &Snapshot, policy: Option<Id>, host: &HostContext) -> EffectiveTable {
        let context = ResolvedContext::resolve(host);
        let mut rows = exemption_rows(&context);
        let exemption_count = rows.len();
        let policy = policy
            .or(snapshot.assigned)
            .and_then(|id| snapshot.policy(id));
        let mut filter_rows = Vec::new();
        if let Some(p) = policy {
            let policy_name: Arc<str> = Arc::from(p.name.as_str());
            for rule in p.rules.iter().filter(|r| r.active) {
                let (Some(list), Some(action)) = (
                    snapshot.filter_list(rule.filter_list),
                    snapshot.filter_action(rule.filter_action),
                ) else {
                    continue; // dangling: check reports E001
                };
                let shared = Arc::new(OriginShared {
                    policy: Some(policy_name.clone()),
                    rule: Some(Arc::from(rule.name.as_str())),
                    filter_list: Some(Arc::from(list.name.as_str())),
                    policy_id: Some(p.id),
                    rule_id: Some(rule.id),
                    filter_list_id: Some(list.id),
                    action_id: Some(action.id),
                    action_name: Some(Arc::from(action.name.as_str())),
                    ..OriginShared::default()
                });
                filter_rows.reserve(list.filters.len());
                for (i, f) in list.filters.iter().enumerate() {
                    let origin = Origin {
                        filter_index: Some(i),
                        filter_id: Some(f.id),
                        ..Origin::new(OriginKind::Filter, shared.clone())
                    };
                    expand(
                        f,
                        action,
                        rule.tunnel,
                        origin,
                        host,
                        &context,
                        &mut filter_rows,
                    );
                }
            }
        }
        for d in &snapshot.dynamic {
            let shared = Arc::new(OriginShared {
                action_id: Some(d.action.id),
                action_name: Some(Arc::from(d.action.name.as_str())),
                dynamic_id: Some(d.id),
                command: Some(d.origin.clone()),
                ..OriginShared::default()
            });
            let origin = Origin {
                filter_id: Some(d.filter.id),
                ..Origin::new(OriginKind::Dynamic, shared)
            };
            let start = filter_rows.len();
            expand(
                &d.filter,
                &d.action,
                d.tunnel,
                origin,
                host,
                &context,
                &mut filter_rows,
            );
            if let Some(out) = &d.outbound {
                split_directions(&mut filter_rows, start, out);
            }
        }
        // Stable order: at equal weight and action, policy order then dynamic order. Sort
        // small keys, not the rows: rows are large and moving them dominated the build.
        let mut order: Vec<(u32, usize)> = filter_rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let w = 519u32.saturating_sub(u32::from(r.weight.unwrap_or(0)));
                ((w << 2) | u32::from(restrictiveness(r.action)), i)
            })
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<Row>> = filter_rows.into_iter().map(Some).collect();
        rows.reserve(order.len());
        rows.extend(order.into_iter().filter_map(|(_, i)| slots[i].take()));
        for (i, r) in rows.iter_mut().enumerate() {
            r.index = i;
        }
        EffectiveTable {
            profile: context.profile,
            no_default_exempt: context.no_default_exempt,
            policy: policy.map(|p| PolicyRef {
                id: p.id,
                name: p.name.clone(),
            }),
            rows,
            exemption_rows: exemption_count,
            context,
            host: host.clone(),
            header_column: HeaderColumn::default(),
        }
    }

    /// The rows' headers, in row order: from the array made at the first call; a table
    /// whose rows were pushed or removed by hand since (tests do) gets them afresh. The
    /// table is built, not edited: no code rewrites a row's header in place.
    pub fn headers(&self) -> std::borrow::Cow<'_, [Header]> {
        let column = self
            .header_column
            .0
            .get_or_init(|| self.rows.iter().map(|r| r.header).collect());
        if column.len() == self.rows.len() {
            std::borrow::Cow::Borrowed(column)
        } else {
            std::borrow::Cow::Owned(self.rows.iter().map(|r| r.header).collect())
        }
    }

    /// The exemption rows.
    pub fn exemptions(&self) -> &[Row] {
        &self.rows[..self.exemption_rows]
    }

    /// The filter and dynamic rows, heaviest first.
    pub fn filters(&self) -> &[Row] {
        &self.rows[self.exemption_rows..]
    }

    /// Row direction (docs/domain.md, "Expansion and direction").
    pub fn direction_of(&self, h: &Header) -> Direction {
        direction_of(&self.context, h)
    }
}

fn direction_of(ctx: &ResolvedContext, h: &Header) -> Direction {
    let is_host = |n: Net| n.prefix == 32 && ctx.is_host(Ipv4Addr::from(n.addr));
    if h.v6 {
        Direction::Both
    } else if is_host(h.src) {
        Direction::Outbound
    } else if is_host(h.dst)
        || (h.dst.prefix >= 4 && Ipv4Addr::from(h.dst.addr).is_multicast())
        || (h.dst.prefix == 32 && ctx.is_broadcast(Ipv4Addr::from(h.dst.addr)))
    {
        Direction::Inbound
    } else {
        Direction::Both
    }
}

/// The concrete prefixes an address stands for. `None` when the mask has holes.
pub fn expand_address(a: &Address, host: &HostContext, ctx: &ResolvedContext) -> Option<Vec<Net>> {
    Some(match a {
        Address::Me => ctx.host_addresses.iter().map(|h| Net::host(*h)).collect(),
        Address::Any => vec![Net::ANY],
        Address::Ip { addr, mask } => vec![Net::new(*addr, mask_prefix(*mask)?)],
        Address::Dns { resolved, .. } => resolved.iter().map(|h| Net::host(*h)).collect(),
        Address::Server(k) => host.servers(*k).iter().map(|h| Net::host(*h)).collect(),
    })
}

fn expand(
    f: &Filter,
    action: &FilterAction,
    tunnel: Option<Ipv4Addr>,
    origin: Origin,
    host: &HostContext,
    ctx: &ResolvedContext,
    out: &mut Vec<Row>,
) {
    let (Some(srcs), Some(dsts)) = (
        expand_address(&f.source, host, ctx),
        expand_address(&f.destination, host, ctx),
    ) else {
        return;
    };
    for s in &srcs {
        for d in &dsts {
            let h = Header::new(*s, *d, f.protocol.0, f.src_port, f.dst_port);
            out.push(make_row(h, action, tunnel, origin.clone(), ctx));
            let r = h.reversed();
            if f.mirrored && r != h {
                let o = Origin {
                    reversed: true,
                    ..origin.clone()
                };
                out.push(make_row(r, action, tunnel, o, ctx));
            }
        }
    }
}

/// A dynamic rule with its own outbound action (netsh `actionoutbound`): rows that only
/// outbound packets can match take that action; rows that match both directions become a
/// pair, one per direction, each with its action. The matcher does not look at direction,
/// so of such a pair the more restrictive action (sorted first at equal weight) decides
/// packets both ways: the table shows both, `explain` names the one that decided.
fn split_directions(rows: &mut Vec<Row>, start: usize, out: &FilterAction) {
    // The rows of one dynamic rule share one origin part; the outbound ones share another.
    let Some(first) = rows.get(start) else {
        return;
    };
    let shared = Arc::new(OriginShared {
        action_id: Some(out.id),
        action_name: Some(Arc::from(out.name.as_str())),
        ..(*first.origin.shared).clone()
    });
    let set = |r: &mut Row| {
        r.action = out.behavior;
        r.inpass = out.inpass;
        r.soft = out.soft;
        r.origin.shared = shared.clone();
    };
    let mut pairs = Vec::new();
    for r in rows.iter_mut().skip(start) {
        match r.direction {
            Direction::Outbound => set(r),
            Direction::Inbound => {}
            Direction::Both => {
                r.direction = Direction::Inbound;
                let mut o = r.clone();
                o.direction = Direction::Outbound;
                set(&mut o);
                pairs.push(o);
            }
        }
    }
    rows.extend(pairs);
}

fn make_row(
    h: Header,
    action: &FilterAction,
    tunnel: Option<Ipv4Addr>,
    origin: Origin,
    ctx: &ResolvedContext,
) -> Row {
    Row {
        index: 0,
        weight: Some(h.weight()),
        direction: direction_of(ctx, &h),
        src: h.src_net(),
        dst: h.dst_net(),
        protocol: (h.protocol != 0).then_some(h.protocol),
        src_port: h.src_port,
        dst_port: h.dst_port,
        action: action.behavior,
        origin,
        inpass: action.inpass,
        soft: action.soft,
        tunnel,
        header: h,
    }
}

/// Exemption rows in KB 811832's order, per host address.
fn exemption_rows(ctx: &ResolvedContext) -> Vec<Row> {
    const TCP: u8 = 6;
    const UDP: u8 = 17;
    let me: Vec<Net> = ctx.host_addresses.iter().map(|a| Net::host(*a)).collect();
    let any = Net::ANY;
    let mut rows = Vec::new();
    for active in &ctx.exemptions {
        let mut headers: Vec<Header> = Vec::new();
        match active.exemption {
            Exemption::Kerberos => {
                for proto in [UDP, TCP] {
                    for m in &me {
                        headers.push(Header::new(*m, any, proto, 88, 0));
                        headers.push(Header::new(any, *m, proto, 88, 0));
                        headers.push(Header::new(*m, any, proto, 0, 88));
                        headers.push(Header::new(any, *m, proto, 0, 88));
                    }
                }
            }
            Exemption::Ike => {
                for m in &me {
                    headers.push(Header::new(*m, any, UDP, 500, 500));
                    headers.push(Header::new(any, *m, UDP, 500, 500));
                }
            }
            Exemption::Rsvp => {
                for m in &me {
                    headers.push(Header::new(*m, any, 46, 0, 0));
                    headers.push(Header::new(any, *m, 46, 0, 0));
                }
            }
            Exemption::Multicast => {
                let mc = Net::new(Ipv4Addr::new(224, 0, 0, 0), 4);
                // Host rows first (more specific), so that outbound multicast is
                // decided by an outbound row.
                headers.extend(me.iter().map(|m| Header::new(*m, mc, 0, 0, 0)));
                headers.push(Header::new(any, mc, 0, 0, 0));
            }
            Exemption::Broadcast => {
                for b in &ctx.broadcasts {
                    let bn = Net::host(*b);
                    headers.extend(me.iter().map(|m| Header::new(*m, bn, 0, 0, 0)));
                    headers.push(Header::new(any, bn, 0, 0, 0));
                }
            }
            Exemption::Ipv6 => headers.push(Header::IPV6_ALL),
        }
        let shared = Arc::new(OriginShared {
            why: Some(active.why.clone()),
            ..OriginShared::default()
        });
        for h in headers {
            rows.push(Row {
                index: 0,
                weight: None,
                direction: direction_of(ctx, &h),
                src: h.src_net(),
                dst: h.dst_net(),
                protocol: (h.protocol != 0).then_some(h.protocol),
                src_port: h.src_port,
                dst_port: h.dst_port,
                action: Behavior::Permit,
                origin: Origin {
                    exemption: Some(active.exemption),
                    ..Origin::new(OriginKind::Exemption, shared.clone())
                },
                inpass: false,
                soft: false,
                tunnel: None,
                header: h,
            });
        }
    }
    rows
}

#[cfg(test)]
mod header_column_tests {
    use std::net::Ipv4Addr;

    use crate::core::enforce::testing::kb811832_table;
    use crate::core::engine::header::{Header, Net};
    use crate::core::engine::{Packet, explain};

    /// The header array follows the rows: built with the table, and made afresh when rows
    /// were pushed by hand, so a scan through it sees a pushed row (`explain` decides a
    /// packet by it).
    #[test]
    fn headers_follow_rows_pushed_after_the_build() {
        let mut t = kb811832_table(Some(1));
        let built: Vec<Header> = t.rows.iter().map(|r| r.header).collect();
        assert_eq!(t.headers().as_ref(), built.as_slice());
        assert!(matches!(t.headers(), std::borrow::Cow::Borrowed(_)));

        let host = Net {
            addr: u32::from(Ipv4Addr::new(10, 10, 1, 2)),
            prefix: 32,
        };
        let peer = Net {
            addr: u32::from(Ipv4Addr::new(198, 51, 100, 7)),
            prefix: 32,
        };
        let mut first = t.rows[t.exemption_rows].clone();
        first.header = Header::new(peer, host, 17, 0, 7777);
        first.index = 0;
        t.rows.insert(0, first);
        for (i, r) in t.rows.iter_mut().enumerate() {
            r.index = i;
        }
        assert_eq!(t.headers().len(), t.rows.len());
        assert_eq!(t.headers()[0], Header::new(peer, host, 17, 0, 7777));
        let p = Packet::v4(
            17,
            Ipv4Addr::new(198, 51, 100, 7),
            1025,
            Ipv4Addr::new(10, 10, 1, 2),
            7777,
        );
        let e = explain(&t, &p, None).expect("explain");
        assert_eq!(e.trail.first().map(|i| i.row), Some(0));
    }
}
