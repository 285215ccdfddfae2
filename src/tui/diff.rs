//! `:diff REV` and `:diff preview`: the semantic diff (`core::engine::diff`) between the
//! table on screen and a stored revision, or between the stored host context and the
//! view-4 preview, listed as changed regions with verdict A -> B in a scrollable panel
//! (the pager). Runs in the runtime (a revision is read from the store).

use crate::core::engine::{EffectiveTable, diff::Region, diff::diff};
use crate::core::model::Snapshot;
use crate::core::store::Revision;

use super::action::AnalyzeRequest;
use super::analysis::previewed_host;

/// What the table on screen is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// A: this stored revision (its own host context); B: the table on screen.
    Revision(Revision),
    /// A: the stored host context; B: the previewed one (same policy).
    Preview,
}

/// Parses `:diff`'s argument.
pub fn parse(arg: &str) -> Result<Against, String> {
    let a = arg.trim();
    if a.eq_ignore_ascii_case("preview") {
        return Ok(Against::Preview);
    }
    a.trim_start_matches("rev:")
        .parse::<Revision>()
        .map(Against::Revision)
        .map_err(|_| {
            format!(":diff {a:?}: use :diff REV (a history revision number) or :diff preview")
        })
}

/// The panel: a title and one paragraph per changed region, or one saying none changed.
/// A is `a` on its own stored host context; B is the request's snapshot on the previewed
/// one.
pub fn panel(a_name: &str, a: &Snapshot, b_req: &AnalyzeRequest) -> (String, Vec<String>) {
    let a_host = a.host.clone();
    let b_host = previewed_host(&b_req.snapshot.host, &b_req.preview);
    let ta = EffectiveTable::build(a, None, &a_host);
    let tb = EffectiveTable::build(&b_req.snapshot, None, &b_host);
    let regions = diff(&ta, &tb);
    let title = format!(
        "Diff: A = {a_name}, B = on screen ({} {})",
        regions.len(),
        if regions.len() == 1 {
            "region"
        } else {
            "regions"
        }
    );
    if regions.is_empty() {
        return (
            title,
            vec!["no packet changes verdict: A and B are equivalent".into()],
        );
    }
    (title, regions.iter().map(line).collect())
}

/// `udp any:88 -> 10.10.1.2:1434  PERMIT -> BLOCK  (A row 1 the kerberos exemption; B
/// row 18 rule ...), e.g. udp 203.0.113.7:88 -> 10.10.1.2:1434`.
pub fn line(r: &Region) -> String {
    let side = |s: &crate::core::engine::diff::Side| match s.row {
        Some(row) => format!("row {row} {}", s.origin),
        None => "no match".to_string(),
    };
    format!(
        "{} {}:{} -> {}:{}  {} -> {}  (A: {}; B: {}), e.g. {}",
        r.protocol,
        r.src,
        r.src_ports,
        r.dst,
        r.dst_ports,
        r.a.verdict.word(),
        r.b.verdict.word(),
        side(&r.a),
        side(&r.b),
        r.example
    )
}

/// Runs a diff for the runtime: `load` reads a revision from the store.
pub fn run(
    against: Against,
    req: &AnalyzeRequest,
    load: impl FnOnce(Revision) -> Result<Snapshot, String>,
) -> Result<(String, Vec<String>), String> {
    match against {
        Against::Preview => {
            if req.preview == Default::default() {
                return Err("no preview to compare: preview with ] [ > < in view 4 first".into());
            }
            Ok(panel("stored host context", &req.snapshot, req))
        }
        Against::Revision(n) => {
            let a = load(n).map_err(|e| format!(":diff {n}: {e}"))?;
            Ok(panel(&format!("revision {n}"), &a, req))
        }
    }
}
