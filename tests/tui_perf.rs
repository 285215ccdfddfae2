//! Measures keystroke-to-frame time (update, effects, draw) and the bytes one keystroke
//! writes to the terminal, by drawing through the real crossterm backend into a counting
//! writer at 80x24. Prints the numbers (`cargo test --test tui_perf -- --nocapture`) and
//! fails only on gross regressions, since CI machines vary.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use ipsedit::core::model::{Address, Filter, FilterList, Protocol, Rule};
use ipsedit::core::store::{ChangeSet, Loaded, Revision, RevisionInfo, Store, StoreError, Version};
use ipsedit::tui::action::Action;
use ipsedit::tui::app::App;
use ipsedit::tui::keymap::script;
use ipsedit::tui::runtime::{Runtime, dispatch};
use ipsedit::tui::theme::Theme;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// Counts bytes into a shared cell (the backend owns the writer).
#[derive(Default, Clone)]
struct Counting {
    bytes: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.set(self.bytes.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct NoStore;

impl Store for NoStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        Err(StoreError::NoSuchRevision(0))
    }
    fn apply(&self, _: &Version, _: &ChangeSet, _: &str) -> Result<Revision, StoreError> {
        Err(StoreError::NoSuchRevision(0))
    }
    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        Ok(Vec::new())
    }
    fn load_revision(&self, r: Revision) -> Result<ipsedit::core::model::Snapshot, StoreError> {
        Err(StoreError::NoSuchRevision(r))
    }
    fn describe(&self) -> String {
        "perf".into()
    }
}

/// KB 813878 plus a 1,000-filter list, so the engine and the table have real work.
fn big() -> ipsedit::core::model::Snapshot {
    let mut s = ipsedit::tui::sample::kb813878();
    let mut list = FilterList::new("Many hosts");
    for i in 0..1000u32 {
        let mut f = Filter::new(
            Address::host(std::net::Ipv4Addr::from(0x0a00_0000 + i)),
            Address::Me,
        );
        f.protocol = Protocol::TCP;
        f.dst_port = 445;
        list.filters.push(f);
    }
    let action = s.filter_actions[0].id;
    s.policies[0].rules.push(Rule::new("Many", list.id, action));
    s.filter_lists.push(list);
    s
}

#[test]
fn keystroke_to_frame_time_and_bytes() {
    let mut app = App::new(big(), 1, "perf".into(), Theme::default_theme());
    let mut rt = Runtime::inline(Box::new(NoStore));
    let first = ipsedit::tui::update::analyze(&mut app);
    for a in rt.perform(first) {
        dispatch(&mut app, &mut rt, a);
    }
    let opts = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
    };
    let counter = Counting::default();
    let backend = CrosstermBackend::new(counter.clone());
    let mut term = Terminal::with_options(backend, opts).expect("terminal");
    term.draw(|f| ipsedit::tui::panes::draw(f, &app))
        .expect("first frame");
    let first_frame = counter.bytes.get();

    // Navigation keys (no engine run) and keys that re-run the engine (preview, assign).
    for (label, keys) in [
        ("move (j/k in view 1)", "j k j k j k j k j k"),
        ("move (j in view 4)", "4 j j j j j j j j j"),
        ("preview ] (engine run)", "] ] ] ] ]"),
        ("assign A (edit + engine)", "1 A A A A"),
    ] {
        let events = script(keys);
        let mut worst = Duration::ZERO;
        let mut total = Duration::ZERO;
        let before = counter.bytes.get();
        for k in &events {
            let t = Instant::now();
            dispatch(&mut app, &mut rt, Action::Key(*k));
            term.draw(|f| ipsedit::tui::panes::draw(f, &app))
                .expect("frame");
            let d = t.elapsed();
            worst = worst.max(d);
            total += d;
        }
        let bytes = counter.bytes.get() - before;
        println!(
            "{label:<26} mean {:>7.2} ms  worst {:>7.2} ms  {:>5} bytes/key",
            total.as_secs_f64() * 1000.0 / events.len() as f64,
            worst.as_secs_f64() * 1000.0,
            bytes / events.len()
        );
        assert!(worst < Duration::from_millis(500), "{label}: {worst:?}");
    }
    println!("first full frame: {first_frame} bytes");
}
