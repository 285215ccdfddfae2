//! The core stays pure: nothing under src/core may import a terminal crate, so the model,
//! engine, store and interchange can serve the CLI, the TUI and later backends alike.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/core is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_has_no_terminal_dependency() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"),
        &mut files,
    );
    assert!(
        files.len() > 5,
        "expected the core's sources, found {files:?}"
    );
    let mut offenders = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable source");
        for word in ["ratatui", "crossterm", "textarea"] {
            if text.contains(word) {
                offenders.push(format!("{} mentions {word}", f.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the core must stay pure: {offenders:#?}"
    );
}
