//! Issue 12 item 5: `:replay FILE` in view 4 shows exact hits per row, so replaying the
//! KB 811832 attack capture lights up the kerberos exemption row; the hits follow the
//! table on screen (a preview hides stale hits until the capture is replayed again).

use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{FileStore, MemoryStore, Store};
use ipsedit::tui::action::Action;
use ipsedit::tui::app::{App, View};
use ipsedit::tui::keymap::script;
use ipsedit::tui::runtime::{Runtime, dispatch};
use ipsedit::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn sample(name: &str) -> Snapshot {
    FileStore::open(root().join("samples").join(name))
        .load()
        .expect("sample loads")
        .snapshot
}

struct H {
    app: App,
    rt: Runtime,
}

impl H {
    fn open(s: Snapshot) -> H {
        let mut app = App::new(s.clone(), 1, "sample".into(), Theme::default_theme());
        let mut rt = Runtime::inline(Box::new(MemoryStore::new(s)));
        rt.recovery_dir =
            Some(std::env::temp_dir().join(format!("ipsedit-replay-test-{}", std::process::id())));
        let first = ipsedit::tui::update::analyze(&mut app);
        for a in rt.perform(first) {
            dispatch(&mut app, &mut rt, a);
        }
        H { app, rt }
    }
    fn keys(&mut self, s: &str) {
        for k in script(s) {
            dispatch(&mut self.app, &mut self.rt, Action::Key(k));
        }
    }
    fn replay(&mut self) {
        let path = root().join("samples/kb811832-attack.pcap");
        dispatch(
            &mut self.app,
            &mut self.rt,
            Action::Ex(format!("replay {}", path.display())),
        );
    }
    /// (row number, hits, origin) of every row hit.
    fn lit(&self) -> Vec<(usize, u64, String)> {
        let hits = self.app.replay_hits().expect("hits shown");
        self.app
            .analysis
            .table
            .iter()
            .filter_map(|r| {
                let n = *hits.get(r.index)?;
                (n > 0).then(|| (r.index, n, r.origin.clone()))
            })
            .collect()
    }
    fn screen(&self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| ipsedit::tui::panes::draw(f, &self.app))
            .expect("draw");
        let buf = t.backend().buffer();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }
}

#[test]
fn replaying_the_attack_lights_up_the_kerberos_row() {
    let mut h = H::open(sample("kb811832"));
    h.keys("4");
    h.replay();
    assert_eq!(h.app.view, View::Effective);
    assert_eq!(
        h.lit(),
        [
            (1, 20, "kerberos".to_string()),
            (5, 5, "kerberos".to_string()),
            (19, 20, "Block all inbound".to_string()),
        ]
    );
    let m = h.app.message.clone().expect("a summary");
    assert!(m.text.contains(": 45 frames, 3 rows hit"), "{}", m.text);
    // On screen: the hits column, row 1 with its 20 packets.
    let s = h.screen(120, 40);
    assert!(s.contains("hits"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.split_whitespace().take(3).collect::<Vec<_>>() == ["1", "20", "exempt"]),
        "{s}"
    );
    // A preview changes the table: the old hits are not shown against it.
    h.keys("]");
    assert_eq!(h.app.replay_hits(), None);
    assert!(!h.screen(120, 40).contains(" hits "));
}

#[test]
fn with_no_default_exempt_1_the_same_capture_is_all_blocked() {
    let mut h = H::open(sample("kb811832"));
    h.keys("4 ] ]");
    h.replay();
    let lit = h.lit();
    assert_eq!(lit.len(), 1, "{lit:?}");
    assert_eq!(lit[0].1, 45);
    assert_eq!(lit[0].2, "Block all inbound");
}

#[test]
fn a_missing_capture_is_an_error_naming_it() {
    let mut h = H::open(sample("kb811832"));
    dispatch(
        &mut h.app,
        &mut h.rt,
        Action::Ex("replay /nonexistent/x.pcap".into()),
    );
    let m = h.app.message.clone().expect("an error");
    assert!(
        m.error && m.text.starts_with("replay /nonexistent/x.pcap: "),
        "{}",
        m.text
    );
    assert_eq!(h.app.replay_hits(), None);
}
