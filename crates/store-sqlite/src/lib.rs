//! # engage-store-sqlite: the embedded default event store
//!
//! One SQLite file (`events.sqlite` in the data directory) in WAL mode with
//! `synchronous=FULL`: an append is acknowledged only after its commit is fsynced, so it
//! survives a process crash and power loss (on storage that honours fsync).
//!
//! ## How writes work
//! A single writer thread owns the write connection. Appends from any number of tasks are
//! validated on the caller's task, then queued; the writer takes everything queued (up to a
//! limit), runs each append inside its own savepoint of one transaction (a single-event
//! append is one INSERT and needs none), takes in appends that arrive while it does so,
//! commits once and answers every caller. One fsync thus covers many appends (group
//! commit), while each append stays atomic and independent: an append that fails its
//! expected-version check is rolled back to its savepoint and the others in the group still
//! commit. When fewer appends are queued than the last commit answered, the writer waits
//! briefly for the rest (at most half the last commit's time, and 2 ms) so that concurrent
//! callers are not split over two fsyncs; a lone writer never waits.
//!
//! WAL checkpoints are kept off the commit path: a checkpoint thread copies the WAL into the
//! database file in the background, and the writer only copies the few frames written
//! meanwhile, between two groups, so that the WAL file is reused from its start instead of
//! growing (see `checkpoint.rs`). Both threads stop, in that order, when the store is dropped.
//!
//! Inside each group transaction the writer re-reads the head (last position and hash), so
//! positions stay gapless and the hash chain continuous even if the file was written by
//! something else in between. Positions are assigned by the one writer, in commit order,
//! which is why a reader that has seen position `p` can never later find an event `< p`
//! appear (the property subscriptions and projections rely on).
//!
//! ## Reads
//! Reads run on a small pool of connections on blocking threads; WAL lets them proceed
//! while the writer commits. A store can also be opened read-only (for `verify` and
//! `export` next to a running server).

mod checkpoint;
mod error;
mod reader;
mod schema;
mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use async_trait::async_trait;
use engage_log::{
    AppendOutcome, EventStore, ExpectedVersion, Head, Limits, NewEvent, RecordedEvent, StoreError,
    StreamId, validate_append,
};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

pub use error::OpenError;

/// The file name of the event log inside a data directory.
pub const EVENTS_FILE: &str = "events.sqlite";

/// How hard SQLite works to make a commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync the WAL on every commit: survives process crashes and power loss (default).
    #[default]
    Full,
    /// fsync only at checkpoints: survives process crashes (kill -9) but the last commits
    /// may be lost on power loss. For bulk loading and benchmarks only.
    Normal,
}

/// Tuning of an SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub limits: Limits,
    pub durability: Durability,
    /// Most events one group commit may take (bounds commit latency).
    pub max_group_events: usize,
    /// Pages of SQLite cache per connection (negative: KiB), see `PRAGMA cache_size`.
    pub cache_size_kib: i64,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            durability: Durability::Full,
            max_group_events: 20_000,
            cache_size_kib: 65_536,
        }
    }
}

/// The embedded event store. Cheap to clone; all clones share one writer.
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    limits: Limits,
    writer: Option<WriterHandle>,
    readers: reader::Readers,
    head: Arc<Mutex<Head>>,
    head_rx: watch::Receiver<u64>,
    read_only: bool,
}

struct WriterHandle {
    queue: Mutex<Option<mpsc::Sender<writer::WriteOp>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    _lock: File,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(w) = &self.writer {
            // Closing the queue lets the writer finish what it has and exit; joining makes
            // sure no write can happen after the store (and its directory lock) is gone.
            if let Ok(mut q) = w.queue.lock() {
                q.take();
            }
            if let Some(t) = w.thread.lock().ok().and_then(|mut t| t.take()) {
                let _ = t.join();
            }
        }
    }
}

impl SqliteStore {
    /// Open (creating if needed) the store in `dir/events.sqlite`, creating `dir` too.
    pub fn open_in_dir(dir: &Path) -> Result<Self, OpenError> {
        std::fs::create_dir_all(dir).map_err(|e| OpenError::Io {
            path: dir.to_path_buf(),
            action: "create the data directory",
            source: e,
        })?;
        Self::open(&dir.join(EVENTS_FILE))
    }

    /// Open (creating if needed) the store file at `path` for reading and writing.
    /// Only one process may hold a store open for writing; a second gets [`OpenError::Locked`].
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        Self::open_with(path, SqliteOptions::default())
    }

    pub fn open_with(path: &Path, options: SqliteOptions) -> Result<Self, OpenError> {
        let lock = error::lock_file(path)?;
        let conn = schema::open_connection(path, &options, true)?;
        schema::initialise(&conn, path)?;
        schema::configure_writer(&conn, path)?;
        let checkpoint_conn = schema::open_connection(path, &options, false)?;
        let head = schema::read_head(&conn).map_err(|e| OpenError::from_store(path, e))?;
        let (head_tx, head_rx) = watch::channel(head.position);
        let head = Arc::new(Mutex::new(head));
        let (tx, rx) = mpsc::channel(4096);
        let thread = writer::spawn(
            conn,
            checkpoint_conn,
            rx,
            Arc::clone(&head),
            head_tx,
            options.clone(),
        )
        .map_err(|e| OpenError::Io {
            path: path.to_path_buf(),
            action: "start the writer thread",
            source: e,
        })?;
        Ok(Self {
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                limits: options.limits,
                writer: Some(WriterHandle {
                    queue: Mutex::new(Some(tx)),
                    thread: Mutex::new(Some(thread)),
                    _lock: lock,
                }),
                readers: reader::Readers::new(path.to_path_buf(), options),
                head,
                head_rx,
                read_only: false,
            }),
        })
    }

    /// Open an existing store for reading only (verify, export), alongside a running writer.
    pub fn open_read_only(path: &Path) -> Result<Self, OpenError> {
        if !path.exists() {
            return Err(OpenError::Missing {
                path: path.to_path_buf(),
            });
        }
        let options = SqliteOptions::default();
        let conn = schema::open_connection(path, &options, false)?;
        schema::check_existing(&conn, path)?;
        let head = schema::read_head(&conn).map_err(|e| OpenError::from_store(path, e))?;
        let (_head_tx, head_rx) = watch::channel(head.position);
        Ok(Self {
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                limits: options.limits,
                writer: None,
                readers: reader::Readers::new(path.to_path_buf(), options),
                head: Arc::new(Mutex::new(head)),
                head_rx,
                read_only: true,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    async fn send(&self, op: writer::WriteOp) -> Result<(), StoreError> {
        let sender = {
            let w = self.shared.writer.as_ref().ok_or(StoreError::ReadOnly)?;
            let q = w.queue.lock().map_err(|_| StoreError::Closed)?;
            q.as_ref().cloned().ok_or(StoreError::Closed)?
        };
        sender.send(op).await.map_err(|_| StoreError::Closed)
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || shared.readers.with(f))
            .await
            .map_err(|e| {
                StoreError::backend(std::io::Error::other(format!("read task failed: {e}")))
            })?
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        if self.shared.read_only {
            return Err(StoreError::ReadOnly);
        }
        validate_append(stream, &events, &self.shared.limits)?;
        let (reply, rx) = oneshot::channel();
        self.send(writer::WriteOp::Append {
            stream: stream.clone(),
            expected,
            events,
            reply,
        })
        .await?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.clone();
        self.read(move |c| reader::read_stream(c, &stream, from_version, limit, false))
            .await
    }

    async fn read_stream_backwards(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.clone();
        self.read(move |c| reader::read_stream(c, &stream, from_version, limit, true))
            .await
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<Option<u64>, StoreError> {
        let stream = stream.clone();
        self.read(move |c| reader::stream_version(c, &stream)).await
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read(move |c| reader::read_all(c, from_position, limit))
            .await
    }

    async fn event_by_id(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        self.read(move |c| reader::event_by_id(c, event_id)).await
    }

    async fn head(&self) -> Result<Head, StoreError> {
        if self.shared.read_only {
            return self.read(schema::read_head).await;
        }
        self.shared
            .head
            .lock()
            .map(|h| *h)
            .map_err(|_| StoreError::Closed)
    }

    fn watch_head(&self) -> watch::Receiver<u64> {
        self.shared.head_rx.clone()
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Head, StoreError> {
        if self.shared.read_only {
            return Err(StoreError::ReadOnly);
        }
        if events.is_empty() {
            return self.head().await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(writer::WriteOp::Import { events, reply }).await?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}
