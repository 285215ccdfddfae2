//! The TUI's view of the engine: the effective table, diagnostics and the host context
//! summary, turned into display-ready rows. This is the only TUI module that calls
//! `core::engine`, so an engine API change touches one file.
//!
//! `analyze` runs off the UI thread in the real loop (see `runtime`); it must stay a pure
//! function of its request.

use crate::core::engine::{
    self, DecidedBy, Direction, EffectiveTable, OriginKind, Packet, ValueSource,
};
use crate::core::model::{Behavior, HostContext, OsProfile, Protocol, Snapshot};

use super::action::AnalyzeRequest;
use super::app::Preview;
use super::edit::Target;
use super::items;

/// How many items of one code the engine lists (the rest are only counted).
pub const LISTED_PER_CODE: usize = engine::check::MAX_PER_CODE;

/// One row of the effective table, formatted for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub index: usize,
    /// `None` for exemption rows (they come before any weight).
    pub weight: Option<u32>,
    pub direction: &'static str,
    pub src: String,
    pub dst: String,
    pub protocol: String,
    pub src_port: String,
    pub dst_port: String,
    pub action: Behavior,
    /// The exemption kind ("kerberos") for exemption rows.
    pub exemption: Option<String>,
    /// Short origin for the table: the exemption kind or the rule name.
    pub origin: String,
    /// The full story for the detail line: why an exemption is active, or
    /// policy / rule / filter list / filter index.
    pub why: String,
    pub target: Option<Target>,
}

impl TableRow {
    /// Identity across previews: the same traffic, action and origin is "the same row".
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{:?}|{}",
            self.direction,
            self.src,
            self.dst,
            self.protocol,
            self.src_port,
            self.dst_port,
            self.action,
            self.origin
        )
    }

    /// Lower-case text the `/` filter matches against.
    pub fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {} {} {} {}",
            self.direction,
            self.src,
            self.dst,
            self.protocol,
            self.src_port,
            self.dst_port,
            self.action.word(),
            self.origin,
            if self.exemption.is_some() {
                "exempt"
            } else {
                ""
            }
        )
        .to_lowercase()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Finding,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub path: String,
    /// One line for the list ("kerberos exemption lets port 88 past rule 'X'"), built
    /// from the item's structured facts by `items::summary`; the message and hint show
    /// whole in the detail.
    pub summary: String,
    pub message: String,
    pub hint: String,
    pub target: Option<Target>,
}

/// Where the NoDefaultExempt value in effect comes from (the engine's JSON words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExemptSource {
    Configured,
    #[default]
    Default,
    Ignored,
}

impl ExemptSource {
    pub fn word(self) -> &'static str {
        match self {
            ExemptSource::Configured => "configured",
            ExemptSource::Default => "default",
            ExemptSource::Ignored => "ignored",
        }
    }
}

/// Everything the views need from one engine run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    pub generation: u64,
    pub profile: OsProfile,
    /// The NoDefaultExempt value in effect and where it comes from.
    pub exempt_value: u32,
    pub exempt_source: ExemptSource,
    pub table: Vec<TableRow>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the engine is not available (it is built in parallel); views say so.
    pub unavailable: Option<String>,
    /// The preview this analysis was computed with: the header and marks describe the
    /// analysis on screen, never a preview whose answer has not arrived yet.
    pub preview: Preview,
    /// The configured NoDefaultExempt of the host context analysed (stored or previewed).
    pub configured_exempt: Option<u32>,
    /// During a preview, the table of the stored host context: `+`/`-` marks compare with
    /// what is stored, not with the previous preview step.
    pub stored_table: Option<Vec<TableRow>>,
    /// The engine's totals (errors, warnings, findings): they count every item, also
    /// those past the per-code cap that `diagnostics` leaves out.
    pub totals: [usize; 3],
    /// Items counted in `totals` but not listed in `diagnostics` (the engine's cap).
    pub omitted: usize,
}

impl Analysis {
    /// How many items of this severity the engine found (listed or not).
    pub fn count(&self, sev: Severity) -> usize {
        let i = match sev {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Finding => 2,
        };
        let listed = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count();
        self.totals[i].max(listed)
    }
}

/// The host context a preview asks for (view 4 cycles these without storing them).
pub fn previewed_host(host: &HostContext, preview: &Preview) -> HostContext {
    let mut h = host.clone();
    if let Some(p) = preview.profile {
        h.profile = p;
    }
    if let Some(v) = preview.no_default_exempt {
        h.no_default_exempt = v;
    }
    h
}

/// Runs the engine for one request: the effective table of the assigned policy (plus
/// dynamic rules) and the whole check, on the previewed host context.
pub fn analyze(req: &AnalyzeRequest) -> Analysis {
    let host = previewed_host(&req.snapshot.host, &req.preview);
    let table = EffectiveTable::build(&req.snapshot, None, &host);
    let report = engine::check_with_table(&req.snapshot, &table);
    let nde = table.no_default_exempt;
    let stored_table = (req.preview != Preview::default()).then(|| {
        EffectiveTable::build(&req.snapshot, None, &req.snapshot.host)
            .rows
            .iter()
            .map(display_row)
            .collect()
    });
    Analysis {
        generation: req.generation,
        profile: table.profile,
        exempt_value: nde.value,
        exempt_source: match nde.source {
            ValueSource::Configured => ExemptSource::Configured,
            ValueSource::Default => ExemptSource::Default,
            ValueSource::Ignored => ExemptSource::Ignored,
        },
        table: table.rows.iter().map(display_row).collect(),
        diagnostics: report
            .items
            .iter()
            .map(|i| Diagnostic {
                code: i.code.to_string(),
                severity: match i.severity {
                    engine::Severity::Error => Severity::Error,
                    engine::Severity::Warning => Severity::Warning,
                    engine::Severity::Finding => Severity::Finding,
                },
                path: i.path.clone(),
                summary: items::summary(i, &req.snapshot),
                message: i.message.clone(),
                hint: i.hint.clone(),
                target: i.facts.object.and_then(items::target),
            })
            .collect(),
        unavailable: None,
        preview: req.preview,
        configured_exempt: host.no_default_exempt,
        stored_table,
        totals: [report.errors, report.warnings, report.findings],
        omitted: report.omitted.iter().map(|o| o.count).sum(),
    }
}

fn display_row(r: &engine::Row) -> TableRow {
    let port = |p: u16| if p == 0 { String::new() } else { p.to_string() };
    let o = &r.origin;
    let (origin, why, target) = match o.kind {
        OriginKind::Exemption => {
            let kind = o.exemption.map_or("exempt", |e| e.name()).to_string();
            let why = format!("{} exemption: {}", kind, o.why.clone().unwrap_or_default());
            (kind, why, Some(Target::Host))
        }
        OriginKind::Filter => {
            let target = match (o.filter_list_id, o.filter_index) {
                (Some(list), Some(index)) => Some(Target::Filter { list, index }),
                _ => None,
            };
            let why = format!(
                "policy {:?}, {}, action {:?}",
                o.policy.as_deref().unwrap_or("?"),
                o.describe(),
                o.action_name.as_deref().unwrap_or("?")
            );
            (
                o.rule.as_deref().unwrap_or_default().to_string(),
                why,
                target,
            )
        }
        OriginKind::Dynamic => ("dynamic".to_string(), o.describe(), None),
    };
    TableRow {
        index: r.index,
        weight: r.weight.map(u32::from),
        direction: match r.direction {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
            Direction::Both => "both",
        },
        src: compact_net(&r.src),
        dst: compact_net(&r.dst),
        protocol: r
            .protocol
            .map_or("any".to_string(), |p| Protocol(p).to_string()),
        src_port: port(r.src_port),
        dst_port: port(r.dst_port),
        action: r.action,
        exemption: o.exemption.map(|e| e.name().to_string()),
        origin,
        why,
        target,
    }
}

/// Addresses as people read them in a narrow table: a host without `/32`, `any` for
/// 0.0.0.0/0 (the CLI keeps full CIDR for scripts).
fn compact_net(n: &ipnet::IpNet) -> String {
    match n {
        ipnet::IpNet::V4(v4) if v4.prefix_len() == 0 => "any".to_string(),
        ipnet::IpNet::V4(v4) if v4.prefix_len() == 32 => v4.addr().to_string(),
        other => other.to_string(),
    }
}

/// The object a check item's path names (`policies/P/rules/R`, `filter-lists/L/filters/2`,
/// `filter-actions/A`, `host/...`), for the diagnostics panel's jump.
/// Keeps the analysis for an unchanged snapshot in sync without a worker (tests).
pub fn analyze_now(s: &Snapshot, preview: Preview, generation: u64) -> Analysis {
    analyze(&AnalyzeRequest {
        generation,
        snapshot: s.clone(),
        preview,
    })
}

/// The packet lab's answer for one packet, in the parts the lab lays out apart: the
/// verdict line, why the deciding row decided, the other matching rows, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub verdict: Behavior,
    /// "the kerberos exemption (row 1)", "rule \"Block Inbound\" (row 15)", "no match".
    pub decided_by: String,
    /// Index into `Analysis::table` of the deciding row.
    pub row: Option<usize>,
    /// Other rows the packet matched (they lost).
    pub matched: Vec<usize>,
    /// Why the deciding row decided ("the kerberos exemption matched first: source port
    /// 88, NoDefaultExempt is 0 ..."); the engine's one-sentence summary when nothing did.
    pub reason: String,
    /// The other matching rows in words, each naming its row; the parts that repeat
    /// `reason` and `fix` are left out (they are on screen already).
    pub others: Vec<String>,
    /// How to close the hole, when an exemption let through what a filter would stop.
    pub fix: Option<String>,
}

/// Explains one packet typed in the lab (`udp 203.0.113.5:88 -> me:1434`) on the
/// previewed host context. Row indexes are positions in `Analysis::table`.
pub fn explain(s: &Snapshot, preview: &Preview, packet: &str) -> Result<Explanation, String> {
    if packet.trim().is_empty() {
        return Err(
            "type a packet: PROTO SRC[:PORT] -> DST[:PORT], e.g. udp 203.0.113.5:88 -> me:1434"
                .into(),
        );
    }
    let host = previewed_host(&s.host, preview);
    let table = EffectiveTable::build(s, None, &host);
    let p = Packet::parse(packet, &table.context.host_addresses).map_err(|e| e.to_string())?;
    let e = engine::explain(&table, &p, None).map_err(|e| e.to_string())?;
    let pos = |row: usize| table.rows.iter().position(|r| r.index == row);
    let decided_by = match (e.decided_by, e.row) {
        (DecidedBy::NoMatch, _) => "no match: unfiltered traffic passes".to_string(),
        (_, Some(row)) => match table.rows.iter().find(|r| r.index == row) {
            Some(r) => format!("{} (row {row})", r.origin.describe()),
            None => format!("row {row}"),
        },
        (_, None) => "?".to_string(),
    };
    let reason = e
        .trail
        .iter()
        .find(|t| t.result == engine::TrailResult::Decided)
        .map_or_else(|| e.summary.clone(), |t| t.why.clone());
    let others = e
        .trail
        .iter()
        .filter(|t| t.result != engine::TrailResult::Decided)
        .map(|t| {
            let lost = t.result == engine::TrailResult::Lost;
            other_row(&t.why, &reason, e.fix.as_deref(), t.row, lost)
        })
        .collect();
    Ok(Explanation {
        verdict: e.verdict,
        decided_by,
        row: e.row.and_then(pos),
        matched: e
            .trail
            .iter()
            .filter(|t| t.result == engine::TrailResult::Lost)
            .filter_map(|t| pos(t.row))
            .collect(),
        reason,
        others,
        fix: e.fix.clone(),
    })
}

/// One losing row of the trail, shortened for the lab: the engine's sentence repeats the
/// deciding row's reason and the fix, which the lab shows once each. The cuts are made
/// only where the repeated text is found verbatim, so a changed engine sentence is shown
/// whole rather than mangled.
fn other_row(why: &str, reason: &str, fix: Option<&str>, row: usize, lost: bool) -> String {
    let mut text = why;
    if let Some(fix) = fix
        && let Some(cut) = text.strip_suffix(fix)
    {
        text = cut.trim_end().trim_end_matches(';');
    }
    if let Some(cut) = text.strip_suffix(reason)
        && let Some(cut) = cut.trim_end().strip_suffix(", but")
    {
        text = cut;
    }
    let label = if lost { "without it: " } else { "" };
    format!("{label}{text} (row {row})")
}
