//! Reads of the SQLite file answered on the caller's own thread, for hot look-ups whose cost
//! was sqlx's thread hand-off rather than the query: sqlx runs each SQLite connection on a
//! thread of its own, and the round trip to it costs tens of µs on this machine kind, several
//! times a point query of pages already in memory.
//!
//! Only for short reads (a few B-tree descents): they block the calling task while they run.
//! The connections are read-only and see the last committed state, as any WAL reader does.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// Idle connections kept; more are opened when more readers run at once, then closed.
const KEEP_IDLE: usize = 4;

/// Each connection's page cache, in KiB (SQLite's negative `cache_size`): the interior pages of
/// a 10M-entry tree with room to spare, so a look-up reads at most its leaf page. The file is
/// not mapped: a first touch of a mapped page cost 7.5 µs here against 3.6 µs for a `pread`,
/// and SQLite maps at most 2 GiB anyway.
const CACHE_KIB: i64 = 32 * 1024;

pub(crate) struct DirectReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl DirectReader {
    /// A reader of the database file at `path`, which must exist (in-memory databases have no
    /// second way in).
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let reader = Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        // Fail at start, not at the first proof.
        let conn = reader.connect()?;
        reader.put_back(conn);
        Ok(reader)
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        Ok(conn)
    }

    fn put_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push(conn);
        }
    }

    /// Runs `f` on an idle connection (or a new one), here and now.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match taken {
            Some(c) => c,
            None => self.connect()?,
        };
        let out = f(&conn);
        self.put_back(conn);
        Ok(out?)
    }
}
