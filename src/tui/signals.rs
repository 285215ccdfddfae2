//! SIGTERM and SIGHUP: a flag set by a minimal handler and polled by the event loop, which
//! then writes a recovery copy of unsaved edits, restores the terminal and exits.
//!
//! crossterm has no signal API; `signal-hook` (already in the tree through crossterm)
//! registers an async-signal-safe handler that only stores the signal number. A second
//! signal before the loop has acted on the first terminates the process.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Set by the first SIGHUP/SIGTERM and never cleared: a second one then exits at once.
#[cfg(unix)]
fn asked() -> &'static Arc<std::sync::atomic::AtomicBool> {
    static ASKED: OnceLock<Arc<std::sync::atomic::AtomicBool>> = OnceLock::new();
    ASKED.get_or_init(|| Arc::new(std::sync::atomic::AtomicBool::new(false)))
}

/// The last signal received (0: none), shared with the handlers.
fn received() -> &'static Arc<AtomicUsize> {
    static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    RECEIVED.get_or_init(|| Arc::new(AtomicUsize::new(0)))
}

#[cfg(unix)]
mod imp {
    use signal_hook::consts::{SIGHUP, SIGTERM};

    pub fn install() {
        let asked = super::asked();
        for sig in [SIGHUP, SIGTERM] {
            // A second signal while the first is still pending ends the process at once
            // (exit 1): if the event loop is ever stuck, `kill` still works. Registered
            // before the flag so it sees the state the first signal left.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 1, asked.clone());
            let _ = signal_hook::flag::register(sig, asked.clone());
            // A failed registration leaves the default action (terminate): only the
            // recovery copy would be lost; nothing to do but carry on.
            let _ = signal_hook::flag::register_usize(sig, super::received().clone(), sig as usize);
        }
    }

    pub fn name(sig: usize) -> &'static str {
        match sig as i32 {
            SIGHUP => "SIGHUP",
            SIGTERM => "SIGTERM",
            _ => "signal",
        }
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn install() {}
    pub fn name(_: usize) -> &'static str {
        "signal"
    }
}

/// Registers the handlers (once per process is enough; calling again is harmless).
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(imp::install);
}

/// A signal received since the last call, if any: its name and number (the process
/// exits with 128 + number once the recovery copy is written, as shells expect).
pub fn pending() -> Option<(&'static str, i32)> {
    match received().swap(0, Ordering::SeqCst) {
        0 => None,
        sig => Some((imp::name(sig), sig as i32)),
    }
}
