//! The scale-out backend: PostgreSQL, shared by any number of application instances.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::error::StoreError;
use crate::model::{DivisionInput, LedgerHead};
use qinglian_domain::Invalid;

pub(crate) struct PgStore {
    pub(crate) read: PgPool,
    pub(crate) write: PgPool,
    pub(crate) nodes: crate::node_cache::NodeCache,
    /// Concern list totals until the next change (SQLite only).
    pub(crate) list_totals: crate::total_cache::TotalCache,
}

impl crate::BackendDb for PgStore {
    type Db = sqlx::Postgres;
    // PostgreSQL groups concurrent commits in its own WAL flush: one transaction per change.
    type WriteTx = sqlx::Transaction<'static, sqlx::Postgres>;
    const ENTRY_PACK_SQL: &'static str = crate::entry_pack::POSTGRES_PACK;
    const NODE_PACK_SQL: &'static str = crate::entry_pack::POSTGRES_NODE_PACK;
    const CHANGE_MARK_SQL: Option<&'static str> = None;
}

/// Rows per statement when integrating: three parameters each, far under PostgreSQL's limit
/// on parameters.
const INTEGRATE_ROWS: usize = 1_000;

/// `head` then `n` rows of three numbered parameters, `($1, $2, $3), ($4, $5, $6)…`, then `tail`.
fn multi_row(head: &str, n: usize, tail: &str) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(head.len() + tail.len() + n * 20);
    sql.push_str(head);
    for r in 0..n {
        let (p, sep) = (r * 3, if r == 0 { "" } else { ", " });
        let _ = write!(sql, "{sep}(${}, ${}, ${})", p + 1, p + 2, p + 3);
    }
    sql.push_str(tail);
    sql
}

impl PgStore {
    pub(crate) async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
            nodes: crate::node_cache::NodeCache::new(),
            list_totals: crate::total_cache::TotalCache::default(),
        })
    }

    /// Starts a write transaction; every change goes through here, so how writes are
    /// committed is decided in one place.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// A change that is one statement: PostgreSQL runs it as its own transaction, without the
    /// round trips of a BEGIN and COMMIT.
    pub(crate) async fn write_one(
        &self,
        statement: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<u64, StoreError> {
        Ok(statement.execute(&self.write).await?.rows_affected())
    }

    /// None: several servers may share the database, so no reach is kept (`reach_cache`).
    pub(crate) fn reach_cache(&self) -> Option<(&crate::reach_cache::ReachCache, u64)> {
        None
    }

    /// A hot read (`hot_read`), through the pool as any other read.
    pub(crate) async fn hot_rows<T: crate::hot_read::HotRow>(
        &self,
        sql: &str,
        binds: &[crate::hot_read::Bind],
    ) -> Result<Vec<T>, StoreError> {
        let q = crate::hot_read::bind_pg(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql)), binds);
        Ok(q.fetch_all(&self.read).await?)
    }

    /// What a proof needs below the cached levels (`proof_read::Plan`): the leaf ranges and
    /// the stored nodes, in one round trip.
    pub(crate) async fn read_proof_nodes(
        &self,
        plan: &crate::proof_read::Plan,
    ) -> Result<crate::proof_read::ProofRows, StoreError> {
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let (starts, ends): (Vec<i64>, Vec<i64>) = plan.leaf_ranges.iter().map(|(s, e)| (clamp(*s), clamp(*e))).unzip();
        let (levels, indexes): (Vec<i32>, Vec<i64>) = plan
            .stored
            .iter()
            .map(|id| (i32::from(id.level), clamp(id.index)))
            .unzip();
        // The stored part asks only for levels above 0, so a row of level 0 is a leaf.
        let rows: Vec<(i32, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT n.level, n.idx, n.hash FROM UNNEST($1::bigint[], $2::bigint[]) AS r(s, e) \
               JOIN ledger_node n ON n.level = 0 AND n.idx >= r.s AND n.idx < r.e \
             UNION ALL \
             SELECT n.level, n.idx, n.hash FROM UNNEST($3::int[], $4::bigint[]) AS k(l, i) \
               JOIN ledger_node n ON n.level = k.l AND n.idx = k.i",
        )
        .bind(starts)
        .bind(ends)
        .bind(levels)
        .bind(indexes)
        .fetch_all(&self.read)
        .await?;
        Ok(crate::proof_read::ProofRows::split(
            rows.into_iter().filter_map(crate::portable::ledger::node_row),
        ))
    }

    /// Integrates up to `limit` pending log entries in one transaction (`LedgerRepo::integrate_ledger`).
    pub(crate) async fn grow_ledger(
        &self,
        algorithm: qinglian_ledger::Algorithm,
        limit: u64,
    ) -> Result<LedgerHead, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO ledger_meta (id, algorithm, size) VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING")
            .bind(algorithm.as_str())
            .execute(&mut *tx)
            .await?;
        // Touching the row first serialises integrators on PostgreSQL.
        sqlx::query("UPDATE ledger_meta SET size = size WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let (fixed, size): (String, i64) = sqlx::query_as("SELECT algorithm, size FROM ledger_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        if fixed != algorithm.as_str() {
            return Err(Invalid::field("ledger_hash", "ledger.algorithm_fixed", Some(&fixed)).into());
        }
        let size = size as u64;
        let pending: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT seq, entry FROM ledger_entry WHERE idx IS NULL ORDER BY seq LIMIT $1")
                .bind(limit as i64)
                .fetch_all(&mut *tx)
                .await?;
        let edge_ids = qinglian_ledger::edge_ids(size);
        let mut edge = Vec::with_capacity(edge_ids.len());
        for id in &edge_ids {
            let h: Vec<u8> = sqlx::query_scalar("SELECT hash FROM ledger_node WHERE level = $1 AND idx = $2")
                .bind(i32::from(id.level))
                .bind(id.index as i64)
                .fetch_one(&mut *tx)
                .await?;
            edge.push(<[u8; 32]>::try_from(h.as_slice()).map_err(|_| Invalid::field("ledger", "ledger.node", None))?);
        }
        let entries: Vec<Vec<u8>> = pending.iter().map(|(_, e)| e.clone()).collect();
        let growth = crate::ledger_math::grow(algorithm, size, &edge, &entries)
            .ok_or_else(|| Invalid::field("ledger", "ledger.node", None))?;
        // Many rows per statement: each statement is a round trip to the server, and
        // integration holds the log's meta row, which serialises integrators, meanwhile.
        let rows = INTEGRATE_ROWS;
        for (k, chunk) in pending.chunks(rows).enumerate() {
            let sql = multi_row(
                "WITH v (seq, idx, leaf_hash) AS (VALUES ",
                chunk.len(),
                ") UPDATE ledger_entry SET idx = v.idx, leaf_hash = v.leaf_hash FROM v WHERE ledger_entry.seq = v.seq",
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (j, (seq, _)) in chunk.iter().enumerate() {
                let i = k * rows + j;
                q = q
                    .bind(seq)
                    .bind((size + i as u64) as i64)
                    .bind(growth.leaf_hashes[i].to_vec());
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in growth.nodes.chunks(rows) {
            let sql = multi_row("INSERT INTO ledger_node (level, idx, hash) VALUES ", chunk.len(), "");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, hash) in chunk {
                q = q.bind(i32::from(id.level)).bind(id.index as i64).bind(hash.to_vec());
            }
            q.execute(&mut *tx).await?;
        }
        let new_size = size + pending.len() as u64;
        sqlx::query("UPDATE ledger_meta SET size = $1 WHERE id = 1")
            .bind(new_size as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LedgerHead {
            size: new_size,
            root: growth.root,
            added: pending.len() as u64,
        })
    }

    /// A public submission in its own transaction, charged to the client's allowance there:
    /// PostgreSQL's WAL flush already groups concurrent commits.
    pub(crate) async fn write_public_concern(
        &self,
        actor: &crate::model::Actor,
        input: &qinglian_domain::inspection::ConcernInput,
        // Written and read back in one transaction here: the place read first is not needed.
        _place: &crate::model::MeetingPlace,
        receipt_hash: &str,
        allowance: &crate::model::Allowance,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::model::Concern, StoreError> {
        let source = qinglian_domain::inspection::ConcernSource::Public;
        self.insert_concern(actor, input, source, receipt_hash, "", Some(allowance), now)
            .await
    }

    /// Array-bound upserts inside one transaction; returns rows inserted or changed.
    pub(crate) async fn bulk_upsert_divisions(
        &self,
        actor: &crate::model::Actor,
        rows: &[DivisionInput],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, StoreError> {
        const CHUNK: usize = 20_000;
        let mut tx = self.begin_write().await?;
        let mut affected = 0;
        for chunk in rows.chunks(CHUNK) {
            let codes: Vec<&str> = chunk.iter().map(|r| r.code.as_str()).collect();
            let levels: Vec<&str> = chunk.iter().map(|r| r.code.level().as_str()).collect();
            let names: Vec<&str> = chunk.iter().map(|r| r.name.as_str()).collect();
            let parents: Vec<Option<String>> = chunk
                .iter()
                .map(|r| r.code.parent().map(|p| p.as_str().to_owned()))
                .collect();
            affected += sqlx::query(
                "INSERT INTO division (code, level, name, parent_code) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
                 ON CONFLICT (code) DO UPDATE SET level = excluded.level, name = excluded.name, parent_code = excluded.parent_code \
                 WHERE division.name IS DISTINCT FROM excluded.name OR division.level IS DISTINCT FROM excluded.level \
                    OR division.parent_code IS DISTINCT FROM excluded.parent_code",
            )
            .bind(&codes)
            .bind(&levels)
            .bind(&names)
            .bind(&parents)
            .execute(&mut *tx)
            .await?
            .rows_affected();
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
impl crate::repo::Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }
}

crate::portable::portable_repos!(PgStore);
