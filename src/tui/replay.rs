//! `:replay FILE` in view 4: replays a pcap/pcapng capture against the effective table on
//! screen (the same snapshot and preview as the analysis) and keeps the exact hits per
//! row, which view 4 shows in a `hits` column, so a capture of the KB 811832 attack lights
//! up the kerberos exemption row. Runs in the runtime (it reads a file); the app keeps
//! only the result, tied to the analysis generation it counts rows of.

use std::io::BufReader;
use std::path::Path;

use crate::core::engine::{EffectiveTable, Replay};
use crate::core::interchange::capture::{CaptureReader, replay_into};

use super::action::AnalyzeRequest;
use super::analysis::previewed_host;

/// Hits per table row of one replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayHits {
    pub file: String,
    /// The analysis generation whose table these rows are (stale once it changes).
    pub generation: u64,
    /// Packets per row, by row position (exact).
    pub hits: Vec<u64>,
    pub frames: u64,
}

impl ReplayHits {
    /// `permit 25, block 20` style totals of the rows hit, and the busiest row.
    pub fn summary(&self) -> String {
        let rows = self.hits.iter().filter(|h| **h > 0).count();
        format!(
            "replayed {}: {} {}, {} {} hit (the hits column of view 4)",
            self.file,
            self.frames,
            if self.frames == 1 { "frame" } else { "frames" },
            rows,
            if rows == 1 { "row" } else { "rows" }
        )
    }
}

/// Reads the capture at `path` and counts hits on the table `req` describes.
pub fn run(path: &Path, req: &AnalyzeRequest) -> Result<ReplayHits, String> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("replay {shown}: {e}"))?;
    let mut reader = CaptureReader::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| format!("replay {shown}: {e}"))?;
    let host = previewed_host(&req.snapshot.host, &req.preview);
    let table = EffectiveTable::build(&req.snapshot, None, &host);
    let mut replay = Replay::new(&table, None, 1);
    replay_into(&mut reader, &mut replay, |_, _| {}).map_err(|e| format!("replay {shown}: {e}"))?;
    Ok(ReplayHits {
        file: shown,
        generation: req.generation,
        hits: replay.hits().to_vec(),
        frames: replay.frames(),
    })
}
