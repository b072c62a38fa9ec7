//! WAL checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so that
//! one group commit would pay for copying the WAL into the database file and its fsync.
//! Instead the writer connection has automatic checkpoints turned off and reports the WAL's
//! size after every commit (SQLite's WAL hook); this thread, on its own connection, runs
//! `PASSIVE` checkpoints (which never block the writer or readers) once the WAL holds
//! [`CHECKPOINT_FRAMES`] frames, and when commits stop for [`IDLE`].
//!
//! SQLite starts the WAL over from its beginning only when a write transaction begins with
//! every frame checkpointed, which never happens while a busy writer keeps adding frames
//! during the background copy: the file would grow without bound (and an fsync that grows a
//! file costs about twice one that overwrites it). So after the bulk copy, the writer itself
//! checkpoints the few frames written meanwhile, between two groups
//! ([`Checkpointer::finish_between_groups`]); its next group then restarts the WAL. That is
//! one small copy and one fsync of the database file per [`CHECKPOINT_FRAMES`] frames on
//! the writer's path, instead of the whole copy. `journal_size_limit` (set on the writer)
//! trims the file if readers ever made it grow.
//!
//! The thread is owned by the writer thread, which stops and joins it before it exits, so
//! nothing touches the file once the store is dropped.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

/// WAL frames (pages) after which a checkpoint is started.
pub(crate) const CHECKPOINT_FRAMES: i32 = 4096;

/// Commits stopping for this long count as idle: the WAL is checkpointed completely.
const IDLE: Duration = Duration::from_millis(500);

#[derive(Default)]
struct State {
    /// The bulk copy is done: the writer should checkpoint the rest between two groups.
    tail_ready: bool,
    /// Frames in the WAL after the last commit.
    frames: i32,
    /// Checkpoint when `frames` reaches this.
    next_at: i32,
    /// Commits seen since the last checkpoint.
    commits: u64,
    stop: bool,
}

impl State {
    /// Enough frames for a background copy, and the writer has finished the last one.
    fn bulk_due(&self) -> bool {
        !self.tail_ready && self.frames >= self.next_at
    }
}

#[derive(Default)]
struct Signal {
    state: Mutex<State>,
    wake: Condvar,
}

/// The writer's handle on the checkpoint thread.
pub(crate) struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Turn off automatic checkpoints on `writer` and start checkpointing through `conn`
    /// (a second read-write connection to the same file).
    pub(crate) fn start(writer: &mut Connection, conn: Connection) -> Result<Self, std::io::Error> {
        let signal = Arc::new(Signal {
            state: Mutex::new(State {
                next_at: CHECKPOINT_FRAMES,
                ..State::default()
            }),
            wake: Condvar::new(),
        });
        // The hook replaces SQLite's automatic checkpoint (which is itself a WAL hook).
        let hook_signal = Arc::clone(&signal);
        writer
            .wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, frames| {
                if let Ok(mut s) = hook_signal.state.lock() {
                    s.frames = frames;
                    s.commits += 1;
                    if s.bulk_due() {
                        hook_signal.wake.notify_one();
                    }
                }
                Ok(())
            }))
            .map_err(std::io::Error::other)?;
        let thread_signal = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("engage-sqlite-checkpoint".into())
            .spawn(move || run(&conn, &thread_signal))?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }

    /// Called by the writer between groups (no transaction open): after a background
    /// checkpoint, copy the frames committed while it ran, so that the next group starts the
    /// WAL over.
    pub(crate) fn finish_between_groups(&self, writer: &Connection) {
        let ready = self
            .signal
            .state
            .lock()
            .map(|mut s| std::mem::take(&mut s.tail_ready))
            .unwrap_or(false);
        if ready && let Err(e) = writer.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            tracing::warn!(error = %e, "WAL checkpoint by the writer failed; will retry");
        }
    }

    /// Stop the thread (after the checkpoint it may be running) and wait for it.
    pub(crate) fn stop(&mut self) {
        if let Ok(mut s) = self.signal.state.lock() {
            s.stop = true;
        }
        self.signal.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(conn: &Connection, signal: &Signal) {
    let Ok(mut state) = signal.state.lock() else {
        return;
    };
    loop {
        let commits_before = state.commits;
        let Ok((guard, waited)) = signal
            .wake
            .wait_timeout_while(state, IDLE, |s| !s.stop && !s.bulk_due())
        else {
            return;
        };
        state = guard;
        if state.stop {
            break;
        }
        let full = state.bulk_due();
        let idle = waited.timed_out()
            && state.commits == commits_before
            && state.commits > 0
            && !state.tail_ready;
        if !full && !idle {
            continue;
        }
        state.commits = 0;
        drop(state);
        let mut result = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE);
        if full && result.is_ok() {
            // A second pass copies what was committed during the first, leaving the writer
            // only a little to do.
            result = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE);
        }
        let Ok(s) = signal.state.lock() else {
            return;
        };
        state = s;
        match result {
            // Everything copied (as far as this connection saw): the writer finishes the job.
            Ok((log, done)) if done >= log => {
                state.next_at = CHECKPOINT_FRAMES;
                state.frames = 0;
                // After an idle checkpoint nothing was written meanwhile: no tail to copy.
                state.tail_ready = full;
            }
            // Readers kept some frames in use: try again once a good part more is written,
            // not after every commit.
            Ok((log, _)) => state.next_at = log.saturating_add(CHECKPOINT_FRAMES / 4),
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                state.next_at = state.frames.saturating_add(CHECKPOINT_FRAMES / 4);
            }
        }
    }
    tracing::debug!("sqlite checkpointer stopped");
}
