//! Copies SQLite's write-ahead log into the database file on a thread of its own, so the
//! single writer does not: left to SQLite, the COMMIT that crosses the log's size limit runs
//! the copy and its fsync, and every change queued behind that batch waits for it (a tenth
//! of the writer's time, and the tail of the public form's latency, in issue 6's load test).
//!
//! The copy is SQLite's PASSIVE checkpoint: it never blocks the writer or the readers, and
//! copies what no reader still needs. The writer keeps a much larger limit of its own as a
//! safety net, should this thread fall behind.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// How often the log is copied. Under steady writes the log still grows to the writer's limit
/// (SQLite starts it over only when a batch begins with all of it copied), but the writer
/// then finds little left to copy itself. Longer gaps (50, 200 ms) gave a little more
/// throughput and a worse tail.
const EVERY: Duration = Duration::from_millis(20);

/// The writer's own limit, in pages (SQLite's default is 1,000). Under steady writes the log
/// reaches it: the batch that crosses it copies what this thread has not yet copied, waits for
/// the database file's fsync (10–15 ms), and the next batch starts the log over. At 20,000
/// pages that came three times a second under the public form's load (p99 17.6–19.5 ms); at
/// 65,536 about once a second (p99 13.7–14.7 ms, alternated). The log file keeps its largest
/// size, 256 MB, on disk.
pub(crate) const WRITER_LIMIT_PAGES: u32 = 65_536;

/// Runs until dropped; the last copy is made as it stops, before the drop returns.
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Checkpointer {
    pub(crate) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(1))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    let last = matches!(stopped.recv_timeout(EVERY), Err(mpsc::RecvTimeoutError::Disconnected));
                    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        // The writer's own limit still bounds the log. Said when it starts
                        // failing, not fifty times a second.
                        Err(e) if !failing => {
                            failing = true;
                            tracing::warn!(error = %e, "could not copy the write-ahead log into the database");
                        }
                        Err(_) => {}
                        Ok(()) => failing = false,
                    }
                    if last {
                        return;
                    }
                }
            })
            .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A writer that never checkpoints itself still has its log copied into the database.
    #[test]
    fn the_log_is_copied_without_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (n INTEGER);")
            .unwrap();
        let checkpointer = Checkpointer::start(&path).unwrap();
        for n in 0..50 {
            writer.execute("INSERT INTO t VALUES (?1)", [n]).unwrap();
        }
        // Dropping it makes a last copy before it returns.
        drop(checkpointer);
        // The database file alone, without its log, holds every row.
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let count: i64 = Connection::open(&copy)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 50);
        drop(writer);
    }
}
