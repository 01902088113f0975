//! Ctrl-C (SIGINT) and SIGTERM, recorded once for the whole process. Outside a [`Guard`] a signal
//! ends the process at once (the server rolls back whatever its sessions had open); inside one it
//! is only recorded, so that the guarded code can stop its child programs and remove what it
//! made (scratch databases, partial files) before it returns [`Interrupted`].
//!
//! A bottom layer: it imports nothing else of the crate.

use std::fmt;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

/// The number of the signal that arrived; 0 until one did.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// How many guarded sections are running.
static GUARDED: AtomicUsize = AtomicUsize::new(0);

/// SIGINT's number.
pub const SIGINT: i32 = 2;
/// SIGTERM's number.
pub const SIGTERM: i32 = 15;

/// The error a guarded section returns when a signal cut it short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    /// The signal's number.
    pub signal: i32,
}

impl Interrupted {
    /// The exit status a shell expects after this signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(1)
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.signal {
            SIGINT => "SIGINT (Ctrl-C)",
            SIGTERM => "SIGTERM",
            _ => "a signal",
        };
        write!(f, "interrupted by {name}")
    }
}

impl std::error::Error for Interrupted {}

/// Starts listening for SIGINT and SIGTERM; call once, inside the runtime, before any work.
pub fn listen() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        loop {
            let signal = tokio::select! {
                _ = interrupt.recv() => SIGINT,
                _ = terminate.recv() => SIGTERM,
            };
            SIGNAL.store(signal, Ordering::SeqCst);
            // On a current-thread runtime nothing runs between this check and the exit, so no
            // guarded section can start (and create something) in between.
            if GUARDED.load(Ordering::SeqCst) == 0 {
                eprintln!("error: {}", Interrupted { signal });
                std::process::exit(i32::from(Interrupted { signal }.exit_code()));
            }
        }
    });
    Ok(())
}

/// The signal received so far, if any.
pub fn received() -> Option<Interrupted> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(Interrupted { signal }),
    }
}

/// Fails with [`Interrupted`] once a signal has arrived: for guarded code between its steps.
pub fn check() -> Result<(), Interrupted> {
    received().map_or(Ok(()), Err)
}

/// Resolves when a signal arrives, for `select!` against guarded work.
pub async fn cancelled() -> Interrupted {
    loop {
        if let Some(interrupted) = received() {
            return interrupted;
        }
        // Polling keeps this free of wake-up bookkeeping; a signal is acted on within 20 ms.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// While alive, signals are recorded instead of ending the process.
#[must_use = "the section is guarded only while the guard lives"]
pub struct Guard(());

/// Guards a section that must clean up after itself; enter it before creating anything.
pub fn guard() -> Guard {
    GUARDED.fetch_add(1, Ordering::SeqCst);
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        GUARDED.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The [`Interrupted`] somewhere in `err`'s chain, if the failure was a signal.
pub fn cause(err: &anyhow::Error) -> Option<Interrupted> {
    err.chain().find_map(|cause| cause.downcast_ref::<Interrupted>().copied())
}
