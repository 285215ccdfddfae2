//! SIGTERM and SIGHUP: a flag set by a minimal handler and polled by the event loop, which
//! then writes a recovery copy of unsaved edits, restores the terminal and exits.
//!
//! crossterm has no signal API, and the crate's dependencies do not include a signal
//! crate directly, so this registers an async-signal-safe handler (one atomic store)
//! through the C library's `signal`. Swapping in `signal-hook`'s `flag::register` is a
//! two-line change in `install`: the rest of the app only calls `install` and `pending`.

use std::sync::atomic::{AtomicI32, Ordering};

/// The last signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
mod imp {
    use super::{Ordering, RECEIVED};

    const SIGHUP: i32 = 1;
    const SIGTERM: i32 = 15;

    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }

    extern "C" fn on_signal(sig: i32) {
        // Only an atomic store: anything more is not async-signal-safe.
        RECEIVED.store(sig, Ordering::SeqCst);
    }

    pub fn install() {
        let handler = on_signal as extern "C" fn(i32) as usize;
        for sig in [SIGHUP, SIGTERM] {
            // SAFETY: `signal` is the C library's; the handler only performs an atomic
            // store, which is async-signal-safe, and it lives for the whole program.
            unsafe {
                signal(sig, handler);
            }
        }
    }

    pub fn name(sig: i32) -> &'static str {
        match sig {
            SIGHUP => "SIGHUP",
            SIGTERM => "SIGTERM",
            _ => "signal",
        }
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn install() {}
    pub fn name(_: i32) -> &'static str {
        "signal"
    }
}

/// Registers the handlers (once per process is enough; calling again is harmless).
pub fn install() {
    imp::install();
}

/// The name of a signal received since the last call, if any.
pub fn pending() -> Option<&'static str> {
    match RECEIVED.swap(0, Ordering::SeqCst) {
        0 => None,
        sig => Some(imp::name(sig)),
    }
}
