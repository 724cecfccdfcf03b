//! Reads of the SQLite file answered on the caller's own thread, for hot look-ups whose cost
//! was sqlx's thread hand-off rather than the query: sqlx runs each SQLite connection on a
//! thread of its own, and the round trip to it costs tens of µs on this machine kind, several
//! times a point query of pages already in memory.
//!
//! Only for short reads (a few B-tree descents, a page of a list whose total is kept): they
//! block the calling task, and the runtime thread under it, while they run.
//! The connections are read-only and see the last committed state, as any WAL reader does.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// Idle connections kept; more are opened when more readers run at once, then closed.
const KEEP_IDLE: usize = 4;

/// Each connection's page cache, in KiB (SQLite's negative `cache_size`): the interior pages of
/// a 10M-entry tree with room to spare, so a look-up reads at most its leaf page. Whether the
/// file is also mapped is the opener's choice: a first touch of a mapped page cost 7.5 µs
/// here against 3.6 µs for a `pread`, and SQLite maps at most 2 GiB anyway; a page touched
/// again is read in place.
const CACHE_KIB: i64 = 32 * 1024;

pub(crate) struct DirectReader {
    path: PathBuf,
    /// Bytes of the file each connection maps (SQLite's `mmap_size`); 0 reads with `pread`.
    mmap_bytes: u64,
    idle: Mutex<Vec<Connection>>,
}

impl DirectReader {
    /// A reader of the database file at `path`, which must exist (in-memory databases have no
    /// second way in).
    pub(crate) fn open(path: &Path, mmap_bytes: u64) -> Result<Self, StoreError> {
        let reader = Self {
            path: path.to_owned(),
            mmap_bytes,
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
        conn.pragma_update(None, "mmap_size", i64::try_from(self.mmap_bytes).unwrap_or(i64::MAX))?;
        // Without the planner's stability guarantee, SQLite (3.48 on) plans with the values
        // bound to LIMIT and OFFSET, and expires a statement whenever they change: every page
        // of a list was parsed and planned again (a sixth of the list's time).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A page of a list read again at another offset reuses its prepared statement.
    #[test]
    fn a_new_page_does_not_prepare_the_statement_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3), (4);")
            .unwrap();
        let reader = DirectReader::open(&path, 0).unwrap();
        let pages = reader
            .read(|conn| {
                let mut statement = conn.prepare_cached("SELECT n FROM t ORDER BY n LIMIT ?1 OFFSET ?2")?;
                let mut pages = Vec::new();
                for offset in [0_i64, 2, 1] {
                    let page: Vec<i64> = statement
                        .query_map([2, offset], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    pages.push(page);
                }
                assert_eq!(statement.get_status(rusqlite::StatementStatus::RePrepare), 0);
                Ok(pages)
            })
            .unwrap();
        assert_eq!(pages, vec![vec![1, 2], vec![3, 4], vec![2, 3]]);
    }
}
