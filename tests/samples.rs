//! The committed sample stores are exactly what their ipseccmd scripts produce (ids and
//! save times aside), so samples cannot drift from the scripts. Regenerate them with
//! `IPSEDIT_BLESS=1 cargo test --test samples`.

mod common;

use std::path::Path;

use common::{SamplesUnchanged, ipsedit, samples};
use ipsedit::core::store::{FileStore, SqliteStore, Store};
use serde_json::Value;

struct Sample {
    name: &'static str,
    scripts: &'static [&'static str],
    config: &'static [(&'static str, &'static str)],
}

const SAMPLES: &[Sample] = &[
    Sample {
        name: "kb813878",
        scripts: &["kb813878.ipseccmd"],
        config: &[("os", "winxp-sp1"), ("me", "192.168.1.1/24")],
    },
    Sample {
        name: "kb813878-dynamic",
        scripts: &["kb813878.ipseccmd", "kb813878-dynamic.ipseccmd"],
        config: &[("os", "winxp-sp1"), ("me", "192.168.1.1/24")],
    },
    Sample {
        name: "kb811832",
        scripts: &["kb811832.ipseccmd"],
        config: &[("os", "winxp-sp1"), ("me", "10.10.1.2/24")],
    },
];

/// The snapshot as JSON with every GUID replaced by its order of first appearance, so two
/// stores built by the same commands compare equal.
fn normalised(dir: &Path) -> Value {
    // The committed samples are RON stores (what --from reads); a built store is a database.
    let loaded = if SqliteStore::open(dir).exists() {
        SqliteStore::open(dir).load()
    } else {
        FileStore::open(dir).load()
    }
    .expect("sample store loads");
    let text = serde_json::to_string(&loaded.snapshot).expect("snapshot serialises");
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('"') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let end = rest.find('"').unwrap_or(rest.len());
        let word = &rest[..end];
        if uuid::Uuid::parse_str(word).is_ok() && word.len() == 36 {
            let n = match seen.iter().position(|s| s == word) {
                Some(n) => n,
                None => {
                    seen.push(word.to_string());
                    seen.len() - 1
                }
            };
            out.push_str(&format!("id-{n}"));
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
        if let Some(stripped) = rest.strip_prefix('"') {
            out.push('"');
            rest = stripped;
        }
    }
    out.push_str(rest);
    serde_json::from_str(&out).expect("normalised JSON parses")
}

#[test]
fn sample_stores_match_their_scripts() {
    let bless = std::env::var_os("IPSEDIT_BLESS").is_some();
    // The scripts are read from samples/ by a store elsewhere: only blessing writes there.
    let untouched = SamplesUnchanged::take();
    for s in SAMPLES {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("store");
        for (k, v) in s.config {
            ipsedit(&store, &["config", "set", k, v]).ok();
        }
        for script in s.scripts {
            // Relative, so the committed history summary names the sample, not this machine.
            let path = format!("samples/{script}");
            ipsedit(&store, &["ipseccmd", "-file", &path]).ok();
        }
        let committed = samples().join(s.name);
        if bless {
            std::fs::create_dir_all(&committed).unwrap();
            let ron = ipsedit(&store, &["export", "ron"]);
            ron.ok();
            std::fs::write(committed.join("store.ron"), ron.stdout).unwrap();
        }
        assert_eq!(
            normalised(&committed),
            normalised(&store),
            "samples/{} differs from its scripts: IPSEDIT_BLESS=1 cargo test --test samples",
            s.name
        );
    }
    if !bless {
        untouched.check();
    }
}
