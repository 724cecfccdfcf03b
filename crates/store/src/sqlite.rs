//! The embedded backend: one SQLite file in WAL mode, one writer connection, a few readers.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::StoreError;
use crate::model::DivisionInput;

pub(crate) struct SqliteStore {
    pub(crate) read: SqlitePool,
    /// Every change goes through here (`begin_write`, `write_one`): the writer thread runs it
    /// on the write pool's one connection or on its own, one at a time, so changes share
    /// commits and never wait for each other's locks.
    group: crate::group_commit::GroupCommit,
    pub(crate) nodes: crate::node_cache::NodeCache,
    /// Copies the write-ahead log into the database, off the writer.
    _checkpointer: crate::checkpointer::Checkpointer,
    /// Proof nodes below the cached levels are read here, not through `read`.
    direct: crate::direct_read::DirectReader,
    /// Hot reads (`hot_read`) run here.
    hot: crate::direct_read::DirectReader,
    /// Concern list totals until the next change (SQLite only).
    pub(crate) list_totals: crate::total_cache::TotalCache,
    /// Reaches until the next change to what they are made of (`reach_cache`).
    reaches: crate::reach_cache::ReachCache,
    reach_changes: crate::reach_cache::ReachChanges,
}

impl crate::BackendDb for SqliteStore {
    type Db = sqlx::Sqlite;
    type WriteTx = crate::group_commit::WriteTx;
    const ENTRY_PACK_SQL: &'static str = crate::entry_pack::SQLITE_PACK;
    const NODE_PACK_SQL: &'static str = crate::entry_pack::SQLITE_NODE_PACK;
    const CHANGE_MARK_SQL: Option<&'static str> = Some("(SELECT COALESCE(MAX(seq), 0) FROM ledger_entry)");
}

/// A node row (level, index, hash) read directly, if well formed; a malformed one reads as
/// absent, as through the pool (`portable::ledger::node_row`).
fn stored_node(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<crate::proof_read::NodeRow>> {
    let (level, index): (i64, i64) = (row.get(0)?, row.get(1)?);
    let hash = row
        .get_ref(2)?
        .as_blob()
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok());
    Ok(match (u8::try_from(level), u64::try_from(index), hash) {
        (Ok(level), Ok(index), Some(hash)) => Some(((level, index), hash)),
        _ => None,
    })
}

/// How much of the database file each connection maps: more than a county's data holds.
pub(crate) const MMAP_BYTES: u64 = 1 << 30;

impl SqliteStore {
    pub(crate) async fn connect(url: &str) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a write is acknowledged only once it survives a power cut.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Pages are read from the mapped file, not copied in by a read() call each: the
            // list and receipt pages spent about a tenth of their time in that copy.
            .pragma("mmap_size", MMAP_BYTES.to_string());
        if let Some(dir) = opts.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        }
        let write_opts = opts
            .clone()
            // A batch's members each write inside a SAVEPOINT, so SQLite copies every page a
            // member changes to a sub-journal first: in memory, not a temporary file (a
            // write() call per page was a tenth of the writer's time).
            .pragma("temp_store", "memory")
            // Beside the store's own statements, the batch statements of up to
            // `audit_batch::PREPARED_ROWS` rows stay prepared, one of each size and kind.
            .statement_cache_capacity(256)
            // The log is copied into the database by `checkpointer`, off the writer.
            .pragma(
                "wal_autocheckpoint",
                crate::checkpointer::WRITER_LIMIT_PAGES.to_string(),
            );
        let reach_changes = crate::reach_cache::ReachChanges::default();
        let noted = reach_changes.clone();
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // Every change this process makes goes through this connection: its update hook
            // sees each row a batch changes, and so which batches change a reach.
            .after_connect(move |conn, _| {
                let noted = noted.clone();
                Box::pin(async move {
                    conn.lock_handle()
                        .await?
                        .set_update_hook(move |change| noted.note(change.table));
                    Ok(())
                })
            })
            // Every batch acquires the writer; a ping each time would cost a round trip.
            .test_before_acquire(false)
            .connect_with(write_opts)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            // A local file cannot hang up; the ping sqlx sends before lending a connection
            // would be a second thread hand-off for every read.
            .test_before_acquire(false)
            .connect_with(opts.clone().read_only(true))
            .await?;
        let group = crate::group_commit::GroupCommit::start(write, opts.get_filename(), reach_changes.clone())?;
        // Proofs read a large ledger at random: a first touch of a mapped page costs twice a
        // `pread` (`direct_read`), so they do not map. The hot reads keep returning to the
        // same pages of a county's data, which mapped stay in place.
        let direct = crate::direct_read::DirectReader::open(opts.get_filename(), 0)?;
        let hot = crate::direct_read::DirectReader::open(opts.get_filename(), MMAP_BYTES)?;
        let checkpointer = crate::checkpointer::Checkpointer::start(opts.get_filename())?;
        Ok(Self {
            direct,
            hot,
            _checkpointer: checkpointer,
            read,
            group,
            nodes: crate::node_cache::NodeCache::new(),
            list_totals: crate::total_cache::TotalCache::default(),
            reaches: crate::reach_cache::ReachCache::default(),
            reach_changes,
        })
    }

    /// Where reaches are kept, and the generation they are valid under now (`reach_cache`).
    pub(crate) fn reach_cache(&self) -> Option<(&crate::reach_cache::ReachCache, u64)> {
        Some((&self.reaches, self.reach_changes.generation()))
    }

    /// Starts a write transaction; every change goes through here, so how writes are
    /// committed is decided in one place: on SQLite, many share one commit (group commit).
    pub(crate) async fn begin_write(&self) -> Result<crate::group_commit::WriteTx, StoreError> {
        self.group.begin().await
    }

    /// A change that is one statement (a session touched, an audit row, a job claimed): a
    /// transaction of the group commit like every other change. Sent to the write pool on its
    /// own, it took SQLite's lock from a second connection while the writer thread held it for
    /// public submissions, and slept in SQLite's busy handler, up to 100 ms a time: refused
    /// staff requests, which record the refusal, took 0.6–2.5 s under the public form's load.
    pub(crate) async fn write_one(
        &self,
        statement: sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = statement.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(rows)
    }

    /// What a proof needs below the cached levels (`proof_read::Plan`), read on this thread in
    /// one read transaction: the thread hand-off through `read` alone costs more than the
    /// ≤ 20 µs a proof at 10M entries may take (`direct_read`).
    pub(crate) async fn read_proof_nodes(
        &self,
        plan: &crate::proof_read::Plan,
    ) -> Result<crate::proof_read::ProofRows, StoreError> {
        // One statement for all of it, so one read transaction: each costs a pair of lock
        // calls, several µs here. Its text depends only on the plan's shape (usually one
        // range around the entry and one at the log's right edge), so few are prepared.
        let mut sql = String::new();
        for _ in &plan.leaf_ranges {
            sql.push_str(if sql.is_empty() { "" } else { " UNION ALL " });
            sql.push_str("SELECT 0, idx, hash FROM ledger_node WHERE level = 0 AND idx >= ? AND idx < ?");
        }
        for _ in &plan.stored {
            sql.push_str(if sql.is_empty() { "" } else { " UNION ALL " });
            sql.push_str("SELECT level, idx, hash FROM ledger_node WHERE level = ? AND idx = ?");
        }
        if sql.is_empty() {
            return Ok(crate::proof_read::ProofRows::default());
        }
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let mut params: Vec<i64> = Vec::with_capacity(2 * (plan.leaf_ranges.len() + plan.stored.len()));
        for (start, end) in &plan.leaf_ranges {
            params.extend([clamp(*start), clamp(*end)]);
        }
        for id in &plan.stored {
            params.extend([i64::from(id.level), clamp(id.index)]);
        }
        self.direct.read(|conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement.query_map(rusqlite::params_from_iter(params), stored_node)?;
            let mut found = Vec::new();
            for row in rows {
                found.extend(row?);
            }
            Ok(crate::proof_read::ProofRows::split(found.into_iter()))
        })
    }

    /// A hot read (`hot_read`), run on this thread, its statement prepared once per connection.
    pub(crate) async fn hot_rows<T: crate::hot_read::HotRow>(
        &self,
        sql: &str,
        binds: &[crate::hot_read::Bind],
    ) -> Result<Vec<T>, StoreError> {
        self.hot.read(|conn| {
            let mut statement = conn.prepare_cached(sql)?;
            crate::hot_read::bind_sqlite(&mut statement, binds)?;
            let mut rows = statement.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(T::from_sqlite(&mut crate::hot_read::Columns::new(row))?);
            }
            Ok(out)
        })
    }

    /// Integrates up to `limit` pending log entries in one transaction, run by the writer
    /// itself (`direct_ledger`).
    pub(crate) async fn grow_ledger(
        &self,
        algorithm: qinglian_ledger::Algorithm,
        limit: u64,
    ) -> Result<crate::model::LedgerHead, StoreError> {
        self.group.integrate(algorithm, limit).await
    }

    /// A public submission: written by the writer task with the others queued
    /// (`concern_batch`), durable before this returns.
    pub(crate) async fn write_public_concern(
        &self,
        actor: &crate::model::Actor,
        input: &qinglian_domain::inspection::ConcernInput,
        place: &crate::model::MeetingPlace,
        receipt_hash: &str,
        allowance: &crate::model::Allowance,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::model::Concern, StoreError> {
        let job = crate::concern_batch::ConcernJob::new(actor, input, receipt_hash, allowance, now)?;
        let id = job.id.clone();
        self.group.write_concern(job).await?;
        // Read back only when the place read first is not this submission's: reading each
        // one back was a fifth of the server's work under the public form's load.
        match crate::portable::inspection::public_concern_as_written(&id, input, place, now) {
            Some(concern) => Ok(concern),
            None => self.concern_by_id(&id).await,
        }
    }

    /// Multi-row upserts inside one transaction; returns rows inserted or changed.
    pub(crate) async fn bulk_upsert_divisions(
        &self,
        actor: &crate::model::Actor,
        rows: &[DivisionInput],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, StoreError> {
        const CHUNK: usize = 1000;
        let mut tx = self.begin_write().await?;
        let mut affected = 0;
        for chunk in rows.chunks(CHUNK) {
            let mut sql = String::with_capacity(64 + chunk.len() * 24);
            sql.push_str("INSERT INTO division (code, level, name, parent_code) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                // Anonymous `?`: sqlx looks numbered parameters up by name, one by one, which
                // made a 4,000-parameter statement quadratic (77% of the national import).
                sql.push_str("(?,?,?,?)");
            }
            sql.push_str(
                " ON CONFLICT (code) DO UPDATE SET level = excluded.level, name = excluded.name, parent_code = excluded.parent_code \
                 WHERE division.name IS NOT excluded.name OR division.level IS NOT excluded.level OR division.parent_code IS NOT excluded.parent_code",
            );
            // Only generated placeholders are interpolated; values are bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.code.as_str())
                    .bind(r.code.level().as_str())
                    .bind(r.name.as_str())
                    .bind(r.code.parent().map(|p| p.as_str().to_owned()));
            }
            affected += q.execute(&mut *tx).await?.rows_affected();
            progress(chunk.len() as u64);
        }
        let detail = format!("{} rows, {affected} inserted or changed", rows.len());
        self.audit_tx(
            &mut tx,
            actor,
            qinglian_domain::audit::AuditAction::DivisionImport,
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(affected)
    }
}

#[async_trait::async_trait]
impl crate::repo::Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }
}

crate::portable::portable_repos!(SqliteStore);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::Actor;
    use crate::repo::{AccountRepo, AuditRepo, JobRepo, LedgerRepo};
    use chrono::Utc;
    use qinglian_domain::audit::{AuditAction, AuditResult};

    /// Changes of one statement each are transactions of the group commit, not statements of
    /// their own on a second connection: there they met the writer's lock and slept in
    /// SQLite's busy handler, seconds under the public form's load.
    #[tokio::test]
    async fn single_statement_changes_share_the_group_commit() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        let now = Utc::now();
        let hour = chrono::Duration::hours(1);
        let before = store.group.commits();

        let actor = Actor::system("test");
        store
            .record_audit(
                &actor,
                AuditAction::AccessDenied,
                None,
                AuditResult::Denied,
                Some("GET /x"),
            )
            .await
            .unwrap();
        assert!(store.claim_job("j", "me", now, now + hour, now - hour).await.unwrap());
        store.finish_job("j", "me", now).await.unwrap();
        store.save_checkpoint(0, &[0; 32], "empty").await.unwrap();
        store.touch_session("no-such-session", now).await.unwrap();
        store.delete_session("no-such-session").await.unwrap();
        store.clear_login_failures("no-such-client").await.unwrap();
        assert_eq!(store.delete_stale_throttles(now, now).await.unwrap(), 0);
        assert_eq!(store.delete_expired_sessions(now, now - hour).await.unwrap(), 0);

        assert_eq!(
            store.group.commits() - before,
            9,
            "each change is one COMMIT of the writer"
        );
        // The claim and its run's record really were written: the job is not due again.
        assert!(
            !store
                .claim_job("j", "other", now, now + hour, now - hour)
                .await
                .unwrap()
        );
    }
}
