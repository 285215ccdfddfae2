//! A parse peaks at no more than 10x its input in memory (issue 10, item 3), measured with
//! a counting global allocator on inputs of at least 1 MiB for every text format: an
//! ipseccmd line, a netsh script, a batch file, a `.reg` file and a RON store. The peak is
//! what the parse allocates on top of what was live when it started (the input itself is
//! not counted); the ratio is printed for the README (`cargo test --test
//! store_parse_memory -- --nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use ipsedit::core::interchange::batch::{self, NoFiles, Options};
use ipsedit::core::interchange::ipseccmd::{apply_as, split_command_line, strip_program_name};
use ipsedit::core::interchange::netsh::{Mode, apply_script};
use ipsedit::core::interchange::registry::LOCAL_STORE;
use ipsedit::core::interchange::registry::regfile::{decode_text, parse};
use ipsedit::core::interchange::registry::regstore::{apply, changes, export_reg};
use ipsedit::core::model::Snapshot;
use ipsedit::core::store::{decode_ron, export_ron};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One measurement at a time: the counters are global.
static SERIAL: Mutex<()> = Mutex::new(());

/// The bytes `f` allocates at its peak above what was live before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let t = std::time::Instant::now();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    eprintln!("  (parse took {:?}, debug build)", t.elapsed());
    (PEAK.load(Ordering::Relaxed) - base, out)
}

/// The bound: a parse peaks at no more than 10x its input.
const BOUND: f64 = 10.0;

fn check(format: &str, input_len: usize, peak: usize, bound: f64) {
    let ratio = peak as f64 / input_len as f64;
    eprintln!("{format}: input {input_len} bytes, parse peak {peak} bytes: {ratio:.2}x its input");
    assert!(input_len >= 1 << 20, "{format}: input under 1 MiB");
    assert!(
        ratio <= bound,
        "{format}: the parse peaked at {ratio:.2}x its input"
    );
}

/// `n` filters over 20 lists, as netsh commands (without the `netsh ipsec static` prefix).
fn netsh_lines(n: usize) -> Vec<String> {
    let mut v = vec!["add policy name=Big".to_string()];
    v.push("add filteraction name=Block action=block".into());
    for l in 0..20 {
        v.push(format!("add filterlist name=\"list {l}\""));
        v.push(format!(
            "add rule name=\"rule {l}\" policy=Big filterlist=\"list {l}\" filteraction=Block"
        ));
    }
    for i in 0..n {
        v.push(format!(
            "add filter filterlist=\"list {}\" srcaddr=198.51.{}.{} dstaddr=me protocol=tcp \
             srcport=0 dstport={} mirrored=yes description=\"blocked host {i}\"",
            i % 20,
            (i / 250) % 256,
            i % 250 + 1,
            i % 60_000 + 1
        ));
    }
    v
}

fn netsh_snapshot() -> Snapshot {
    let text = format!("pushd ipsec static\n{}\n", netsh_lines(12_000).join("\n"));
    let mut s = Snapshot::default();
    let r = apply_script(&mut s, &text, Mode::Transaction);
    assert!(r.errors.is_empty(), "{:?}", r.errors.first());
    s
}

#[test]
fn an_ipseccmd_line_of_1_mib() {
    let _g = SERIAL.lock();
    let specs: Vec<String> = (0..42_000)
        .map(|i| {
            format!(
                "198.51.{}.{}+0:{}:TCP",
                (i / 250) % 256,
                i % 250 + 1,
                i % 60_000 + 1
            )
        })
        .collect();
    let line = format!(
        "ipseccmd -w REG -p Big -r Rule -f {} -n BLOCK",
        specs.join(" ")
    );
    let (peak, out) = peak_of(|| {
        let words = split_command_line(&line);
        let mut s = Snapshot::default();
        let r = apply_as(&mut s, "ipseccmd", strip_program_name(&words));
        (
            r.is_ok(),
            s.filter_lists
                .iter()
                .map(|l| l.filters.len())
                .sum::<usize>(),
        )
    });
    assert_eq!(out, (true, 42_000));
    // A 25-byte spec becomes a 144-byte Filter (5.6x on its own); the words and the `-f`
    // list that borrows from them are the rest.
    check("ipseccmd", line.len(), peak, BOUND);
}

#[test]
fn a_netsh_script_of_1_mib() {
    let _g = SERIAL.lock();
    let text = format!("pushd ipsec static\n{}\n", netsh_lines(12_000).join("\n"));
    let (peak, n) = peak_of(|| {
        let mut s = Snapshot::default();
        let r = apply_script(&mut s, &text, Mode::Transaction);
        assert!(r.errors.is_empty(), "{:?}", r.errors.first());
        s.filter_lists
            .iter()
            .map(|l| l.filters.len())
            .sum::<usize>()
    });
    assert_eq!(n, 12_000);
    check("netsh", text.len(), peak, BOUND);
}

#[test]
fn a_batch_file_of_1_mib() {
    let _g = SERIAL.lock();
    let lines: Vec<String> = netsh_lines(11_000)
        .into_iter()
        .map(|l| format!("netsh ipsec static {l}"))
        .collect();
    let text = format!("@echo off\r\n{}\r\n", lines.join("\r\n"));
    let (peak, n) = peak_of(|| {
        let mut s = Snapshot::default();
        let o = batch::run(
            &mut s,
            "big.bat",
            text.as_bytes(),
            &Options::default(),
            &NoFiles,
        );
        assert!(o.refused.is_none(), "{:?}", o.refused);
        s.filter_lists
            .iter()
            .map(|l| l.filters.len())
            .sum::<usize>()
    });
    assert_eq!(n, 11_000);
    check("batch", text.len(), peak, BOUND);
}

#[test]
fn a_reg_file_of_1_mib() {
    let _g = SERIAL.lock();
    let snap = netsh_snapshot();
    let (text, _) = export_reg(&snap, None, LOCAL_STORE, 0);
    // The file as regedit writes it: UTF-16LE with a byte-order mark.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    drop(text);
    let (peak, n) = peak_of(|| {
        let text = decode_text(&bytes);
        let file = parse(&text).expect("parses");
        let c = changes(&file, LOCAL_STORE);
        let read = apply(&Snapshot::default(), &c).expect("reads");
        read.snapshot
            .filter_lists
            .iter()
            .map(|l| l.filters.len())
            .sum::<usize>()
    });
    assert_eq!(n, 12_000);
    check(".reg", bytes.len(), peak, BOUND);
}

#[test]
fn a_ron_store_of_1_mib() {
    let _g = SERIAL.lock();
    let snap = netsh_snapshot();
    let text = export_ron(&snap, 1).expect("encodes");
    drop(snap);
    let (peak, n) = peak_of(|| {
        let s = decode_ron("store.ron", &text).expect("decodes");
        s.filter_lists
            .iter()
            .map(|l| l.filters.len())
            .sum::<usize>()
    });
    assert_eq!(n, 12_000);
    check("RON", text.len(), peak, BOUND);
}
