//! Audit rows and log entries written per batch rather than per change on SQLite's writer.
//!
//! Why it exists: group commit makes the single writer connection the bottleneck, and each
//! statement on it is a round trip to sqlx's SQLite thread. Every change used to spend two of
//! them on its audit row and log entry. Now a change's [`PendingAudit`] rides with its
//! [`crate::group_commit::WriteTx`]; the writer task keeps the rows of members whose savepoint
//! was released (a member rolled back loses them with its changes) and writes the whole batch's
//! rows as two multi-row INSERTs sent with the COMMIT, so they commit with the changes they
//! record or not at all. On PostgreSQL the rows are written at once, as before.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use qinglian_domain::Invalid;
use qinglian_domain::audit::AuditAction;
use rusqlite::ToSql;
use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::model::Actor;

/// One change's audit row and the fields of its log entry, all but the entry's version: that
/// is the object's count of earlier entries, known only once the batch's entries are ordered.
#[derive(Clone)]
pub(crate) struct PendingAudit {
    pub id: String,
    pub at: DateTime<Utc>,
    pub account_id: Option<String>,
    pub staff_id: Option<String>,
    pub actor_name: String,
    pub role: String,
    pub action: AuditAction,
    pub object_id: Option<String>,
    pub operation_id: String,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
    /// The log entry's object and actor ids (printable ASCII, see `ledger_math::entry_id`).
    pub entry_object: String,
    pub entry_actor: String,
    pub content_hash: [u8; 32],
    /// The object was made by this very change under a new id, so its entry is its first and
    /// the log need not be asked (`fresh`).
    pub fresh: bool,
}

impl PendingAudit {
    /// Gathers the row and checks that its log entry can be encoded, so a change whose entry
    /// would be refused fails itself rather than, later, its whole batch.
    pub(crate) fn new(
        actor: &Actor,
        action: AuditAction,
        object_id: Option<&str>,
        detail: Option<&str>,
    ) -> Result<Self, StoreError> {
        let entry_object = crate::ledger_math::entry_id(object_id.unwrap_or(action.object_type()));
        let entry_actor =
            crate::ledger_math::entry_id(actor.account_id.as_deref().unwrap_or(&format!("system.{}", actor.name)));
        let row = Self {
            id: crate::portable::new_id(),
            at: Utc::now(),
            account_id: actor.account_id.clone(),
            staff_id: actor.staff_id.clone(),
            actor_name: actor.name.clone(),
            role: actor.role.clone(),
            action,
            object_id: object_id.map(str::to_owned),
            operation_id: actor.operation_id.clone(),
            client_addr: actor.client_addr.clone(),
            detail: detail.map(str::to_owned),
            content_hash: crate::ledger_math::content_hash(action.as_str(), &entry_object, detail.unwrap_or("")),
            entry_object,
            entry_actor,
            fresh: false,
        };
        row.entry(1)?;
        Ok(row)
    }

    /// Marks the row's object as made by this change under an id just drawn: its log entry
    /// is version 1 without counting earlier ones.
    pub(crate) fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// The canonical log entry as the object's `version`th.
    pub(crate) fn entry(&self, version: u64) -> Result<Vec<u8>, StoreError> {
        qinglian_ledger::Entry::new(
            self.action.as_str(),
            &self.entry_object,
            version,
            self.at.timestamp_micros(),
            &self.entry_actor,
            self.content_hash,
        )
        .map(|e| e.encode())
        .map_err(|e| StoreError::Invalid(Invalid::field("ledger", "ledger.entry", Some(&e.to_string()))))
    }
}

/// Where `audit_tx` leaves a change's audit row: with the SQLite writer's batch, or nowhere
/// (PostgreSQL), meaning "write it now".
pub(crate) trait AuditSink {
    fn deferred(&mut self) -> Option<&mut Vec<PendingAudit>>;
}

impl AuditSink for sqlx::Transaction<'static, sqlx::Postgres> {
    fn deferred(&mut self) -> Option<&mut Vec<PendingAudit>> {
        None
    }
}

/// Rows per INSERT: 12 parameters each stays far below SQLite's 32,766.
const CHUNK: usize = 512;

/// Rows at or below which a batch statement is kept prepared: batches are mostly small, and
/// parsing a statement of hundreds of rows each time was a tenth of the writer's work.
const PREPARED_ROWS: usize = 16;

/// The INSERT of `n` audit rows, bound in `bind` order.
fn audit_sql(n: usize) -> String {
    let mut sql = String::with_capacity(320 + n * 32);
    sql.push_str(
        "INSERT INTO audit_event (id, at, account_id, staff_id, actor_name, role, action, object_type, object_id, \
         result, operation_id, client_addr, detail) VALUES ",
    );
    push_placeholders(&mut sql, n, "(?,?,?,?,?,?,?,?,?,'ok',?,?,?)");
    sql
}

/// The INSERT of `n` log entries: entry, type, object, time.
fn ledger_sql(n: usize) -> String {
    let mut sql = String::with_capacity(96 + n * 10);
    sql.push_str("INSERT INTO ledger_entry (entry, entry_type, object_id, created_at) VALUES ");
    push_placeholders(&mut sql, n, "(?,?,?,?)");
    sql
}

/// The count of earlier log entries of `n` objects.
fn earlier_sql(n: usize) -> String {
    let mut sql = String::with_capacity(96 + n * 2);
    sql.push_str("SELECT object_id, COUNT(*) FROM ledger_entry WHERE object_id IN (");
    push_placeholders(&mut sql, n, "?");
    sql.push_str(") GROUP BY object_id");
    sql
}

/// The objects whose earlier entries must be counted: those not made by their own change.
fn counted_objects(rows: &[PendingAudit]) -> Vec<&str> {
    let mut objects: Vec<&str> = rows
        .iter()
        .filter(|r| !r.fresh)
        .map(|r| r.entry_object.as_str())
        .collect();
    objects.sort_unstable();
    objects.dedup();
    objects
}

/// Each row's log entry, numbered after the object's `earlier` entries and the batch's own.
fn entries(rows: &[PendingAudit], mut earlier: HashMap<String, u64>) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let version = earlier.entry(row.entry_object.clone()).or_insert(0);
        *version += 1;
        // Checked when the row was made, so this cannot fail; a failure still fails the batch.
        entries.push(row.entry(*version)?);
    }
    Ok(entries)
}

/// Writes a batch's rows, in the order the changes were made, inside its open transaction,
/// and commits it. The last (usually the only) chunk of rows is sent with the COMMIT, in one
/// round trip to the writer's thread.
pub(crate) async fn flush_and_commit(conn: &mut SqliteConnection, rows: &[PendingAudit]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ());
    }
    let objects = counted_objects(rows);
    let mut earlier = HashMap::with_capacity(objects.len());
    for chunk in objects.chunks(CHUNK) {
        // Only generated placeholders are interpolated; values are bound.
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(earlier_sql(chunk.len())))
            .persistent(chunk.len() <= PREPARED_ROWS);
        for o in chunk {
            q = q.bind(*o);
        }
        for (object, n) in q.fetch_all(&mut *conn).await? {
            earlier.insert(object, n as u64);
        }
    }
    let entries = entries(rows, earlier).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let chunks = rows.len().div_ceil(CHUNK);
    for (i, (chunk, entries)) in rows.chunks(CHUNK).zip(entries.chunks(CHUNK)).enumerate() {
        let mut sql = audit_sql(chunk.len());
        sql.push_str("; ");
        sql.push_str(&ledger_sql(chunk.len()));
        if i + 1 == chunks {
            sql.push_str("; COMMIT");
        }
        // Only generated placeholders are interpolated; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(chunk.len() <= PREPARED_ROWS);
        for r in chunk {
            q = q
                .bind(&r.id)
                .bind(r.at)
                .bind(&r.account_id)
                .bind(&r.staff_id)
                .bind(&r.actor_name)
                .bind(&r.role)
                .bind(r.action.as_str())
                .bind(r.action.object_type())
                .bind(&r.object_id)
                .bind(&r.operation_id)
                .bind(&r.client_addr)
                .bind(&r.detail);
        }
        for (r, e) in chunk.iter().zip(entries) {
            q = q
                .bind(e.as_slice())
                .bind(r.action.as_str())
                .bind(&r.entry_object)
                .bind(r.at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The same rows written on the writer thread's own connection (`direct_write`), inside its
/// open transaction; the caller commits.
pub(crate) fn flush(db: &rusqlite::Connection, rows: &[PendingAudit]) -> Result<(), StoreError> {
    let objects = counted_objects(rows);
    let mut earlier = HashMap::with_capacity(objects.len());
    for chunk in objects.chunks(CHUNK) {
        let mut statement = db.prepare_cached(&earlier_sql(chunk.len()))?;
        let mut found = statement.query(rusqlite::params_from_iter(chunk))?;
        while let Some(row) = found.next()? {
            earlier.insert(row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64);
        }
    }
    let entries = entries(rows, earlier)?;
    let times: Vec<String> = rows.iter().map(|r| crate::direct_write::sql_time(&r.at)).collect();
    let kinds: Vec<[&str; 2]> = rows
        .iter()
        .map(|r| [r.action.as_str(), r.action.object_type()])
        .collect();
    for (((chunk, entries), times), kinds) in rows
        .chunks(CHUNK)
        .zip(entries.chunks(CHUNK))
        .zip(times.chunks(CHUNK))
        .zip(kinds.chunks(CHUNK))
    {
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 12);
        for ((r, at), [action, object_type]) in chunk.iter().zip(times).zip(kinds) {
            values.extend([
                &r.id as &dyn ToSql,
                at,
                &r.account_id,
                &r.staff_id,
                &r.actor_name,
                &r.role,
                action,
                object_type,
                &r.object_id,
                &r.operation_id,
                &r.client_addr,
                &r.detail,
            ]);
        }
        db.prepare_cached(&audit_sql(chunk.len()))?.execute(values.as_slice())?;
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 4);
        for (((r, e), at), [action, _]) in chunk.iter().zip(entries).zip(times).zip(kinds) {
            values.extend([e as &dyn ToSql, action, &r.entry_object, at]);
        }
        db.prepare_cached(&ledger_sql(chunk.len()))?
            .execute(values.as_slice())?;
    }
    Ok(())
}

/// Appends `n` copies of `one` separated by commas: the rows of a multi-row statement.
pub(crate) fn push_placeholders(sql: &mut String, n: usize, one: &str) {
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(one);
    }
}
