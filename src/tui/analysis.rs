//! The TUI's view of the engine: the effective table, diagnostics and the host context
//! summary, turned into display-ready rows. This is the only TUI module that calls
//! `core::engine`, so an engine API change touches one file.
//!
//! `analyze` runs off the UI thread in the real loop (see `runtime`); it must stay a pure
//! function of its request.

use crate::core::model::{Behavior, HostContext, OsProfile, Snapshot};

use super::action::AnalyzeRequest;
use super::app::Preview;
use super::edit::Target;

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
}

impl Analysis {
    pub fn count(&self, sev: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
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

/// Runs the engine for one request.
pub fn analyze(req: &AnalyzeRequest) -> Analysis {
    let host = previewed_host(&req.snapshot.host, &req.preview);
    let (exempt_value, exempt_source) = exempt_in_effect(&host);
    Analysis {
        generation: req.generation,
        profile: host.profile,
        exempt_value,
        exempt_source,
        table: Vec::new(),
        diagnostics: Vec::new(),
        unavailable: Some("the engine is not merged into this build yet".into()),
    }
}

/// DOMAIN.md §2: the values each profile honours and its default when absent.
fn exempt_in_effect(host: &HostContext) -> (u32, ExemptSource) {
    use OsProfile::*;
    let (honoured, default): (&[u32], u32) = match host.profile {
        Win2000 => (&[], 0),
        Win2000Sp1 | Win2000Sp2 | Win2000Sp3 | Winxp | WinxpSp1 => (&[0, 1], 0),
        Win2000Sp4 | WinxpSp2 => (&[0, 1], 1),
        Ws2003 => (&[0, 1, 2, 3], 3),
    };
    match host.no_default_exempt {
        None => (default, ExemptSource::Default),
        Some(v) if honoured.contains(&v) => (v, ExemptSource::Configured),
        Some(_) => (default, ExemptSource::Ignored),
    }
}

/// Keeps the analysis for an unchanged snapshot in sync without a worker (tests).
pub fn analyze_now(s: &Snapshot, preview: Preview, generation: u64) -> Analysis {
    analyze(&AnalyzeRequest {
        generation,
        snapshot: s.clone(),
        preview,
    })
}

/// The packet lab's answer for one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub verdict: Behavior,
    /// "the kerberos exemption (row 1)", "rule \"Block Inbound\" (row 15)", "no match".
    pub decided_by: String,
    /// Index into `Analysis::table` of the deciding row.
    pub row: Option<usize>,
    /// Other rows the packet matched (they lost).
    pub matched: Vec<usize>,
    /// The trail in words, one line each.
    pub trail: Vec<String>,
}

/// Explains one packet typed in the lab (`udp 203.0.113.5:88 -> me:1434`).
pub fn explain(_s: &Snapshot, _preview: &Preview, packet: &str) -> Result<Explanation, String> {
    if packet.trim().is_empty() {
        return Err(
            "type a packet: PROTO SRC[:PORT] -> DST[:PORT], e.g. udp 203.0.113.5:88 -> me:1434"
                .into(),
        );
    }
    Err("the engine is not merged into this build yet".into())
}
