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

// Batch statements of up to this many rows stay prepared, as the submissions' do.
use crate::concern_batch::PREPARED_ROWS;

/// Writes a batch's rows, in the order the changes were made, inside its open transaction,
/// and commits it. The last (usually the only) chunk of rows is sent with the COMMIT, in one
/// round trip to the writer's thread.
pub(crate) async fn flush_and_commit(conn: &mut SqliteConnection, rows: &[PendingAudit]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ());
    }
    let mut objects: Vec<&str> = rows
        .iter()
        .filter(|r| !r.fresh)
        .map(|r| r.entry_object.as_str())
        .collect();
    let mut versions = if objects.is_empty() {
        HashMap::new()
    } else {
        earlier_entries(conn, &mut objects).await?
    };
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let version = versions.entry(row.entry_object.clone()).or_insert(0);
        *version += 1;
        // Checked when the row was made, so this cannot fail; a failure still fails the batch.
        entries.push(row.entry(*version).map_err(|e| sqlx::Error::Protocol(e.to_string()))?);
    }
    let chunks = rows.len().div_ceil(CHUNK);
    for (i, (chunk, entries)) in rows.chunks(CHUNK).zip(entries.chunks(CHUNK)).enumerate() {
        let last = i + 1 == chunks;
        let mut sql = String::with_capacity(320 + chunk.len() * 48);
        sql.push_str(
            "INSERT INTO audit_event (id, at, account_id, staff_id, actor_name, role, action, object_type, object_id, \
             result, operation_id, client_addr, detail) VALUES ",
        );
        push_placeholders(&mut sql, chunk.len(), "(?,?,?,?,?,?,?,?,?,'ok',?,?,?)");
        sql.push_str("; INSERT INTO ledger_entry (entry, entry_type, object_id, created_at) VALUES ");
        push_placeholders(&mut sql, chunk.len(), "(?,?,?,?)");
        if last {
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

/// How many entries each object of the batch already has in the log.
async fn earlier_entries(
    conn: &mut SqliteConnection,
    objects: &mut Vec<&str>,
) -> Result<HashMap<String, u64>, sqlx::Error> {
    objects.sort_unstable();
    objects.dedup();
    let mut counts = HashMap::with_capacity(objects.len());
    for chunk in objects.chunks(CHUNK) {
        let mut sql = String::with_capacity(96 + chunk.len() * 2);
        sql.push_str("SELECT object_id, COUNT(*) FROM ledger_entry WHERE object_id IN (");
        push_placeholders(&mut sql, chunk.len(), "?");
        sql.push_str(") GROUP BY object_id");
        // Only generated placeholders are interpolated; values are bound.
        let mut q =
            sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).persistent(chunk.len() <= PREPARED_ROWS);
        for o in chunk {
            q = q.bind(*o);
        }
        for (object, n) in q.fetch_all(&mut *conn).await? {
            counts.insert(object, n as u64);
        }
    }
    Ok(counts)
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
