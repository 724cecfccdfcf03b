//! The writer thread's own connection, on which public submissions are written whole: begun,
//! written, audited and committed without leaving the thread.
//!
//! Why it exists: every statement sent through sqlx is a hand-off to the connection's thread
//! and back. Under the public form's load both threads then waited for a core shared with the
//! HTTP tasks, and a batch of submissions spent more time in those hand-offs than in SQLite.
//! The writer thread takes the write lock for one batch at a time, so this connection and the
//! sqlx one it lends to other changes never write at once.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// Opens the writer thread's connection with the settings of the sqlx writer (`sqlite.rs`).
pub(crate) fn open(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let db = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    db.busy_handler(Some(wait_briefly))?;
    db.execute_batch(&format!(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
         PRAGMA wal_autocheckpoint = {}; PRAGMA mmap_size = {};",
        crate::checkpointer::WRITER_LIMIT_PAGES,
        crate::sqlite::MMAP_BYTES,
    ))?;
    // Batch statements of every size a batch has had stay prepared.
    db.set_prepared_statement_cache_capacity(256);
    Ok(db)
}

/// How the writer waits for another connection's write (a job's claim through the sqlx pool,
/// the CLI): in steps of 100 µs for up to 10 s. SQLite's own wait sleeps 1, 2, 5, … up to
/// 100 ms at a time, and every submission queued behind the batch would sleep with it.
fn wait_briefly(attempts: i32) -> bool {
    std::thread::sleep(Duration::from_micros(100));
    attempts < 100_000
}

/// A direct statement's failure, as the writer reports failures (a batch that cannot be
/// trusted fails every member with it).
pub(crate) fn lost(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(e))
}

/// A time as sqlx writes it on SQLite, so rows written either way compare and decode alike.
pub(crate) fn sql_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sqlx::Connection;

    /// A time written directly reads back through sqlx unchanged, and a duplicate key is
    /// refused as a conflict.
    #[tokio::test]
    async fn direct_writes_read_back_through_sqlx() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("PRAGMA journal_mode = WAL; CREATE TABLE t (k TEXT PRIMARY KEY, at TEXT NOT NULL)")
            .execute(&mut conn)
            .await
            .unwrap();
        let at = Utc::now();
        let db = open(&path).unwrap();
        db.execute("INSERT INTO t VALUES ('a', ?1)", [sql_time(&at)]).unwrap();
        let second = db
            .execute("INSERT INTO t VALUES ('a', ?1)", [sql_time(&at)])
            .unwrap_err();
        let refused = crate::error::direct_constraint("k", Some("a"), "at")(second);
        assert!(
            matches!(refused, crate::error::StoreError::Conflict { field: "k", .. }),
            "{refused:?}"
        );
        let read: DateTime<Utc> = sqlx::query_scalar("SELECT at FROM t WHERE k = 'a'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(read, at);
    }
}
