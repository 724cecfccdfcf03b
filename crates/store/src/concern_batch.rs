//! Villagers' concerns from the public form, written by SQLite's writer task many at once.
//!
//! Why it exists: a change lent the writer connection (`group_commit::WriteTx`) holds it for
//! every statement's round trip to the connection's thread and back to the request's task,
//! which waits its turn among the HTTP tasks; under load that made the single writer the
//! limit at about 1,500 public submissions a second. A submission is plain data, so the writer
//! takes every one queued and writes them together: one read of the clients' allowances, one
//! multi-row upsert of them, one INSERT for the concerns and one for their history lines,
//! whatever the number, the last three sent in one round trip with the savepoint's release.
//! Their audit rows and log entries join the batch's like any change's,
//! and nobody is answered before the batch's COMMIT. If the shared statements fail (a
//! duplicate receipt, an unknown category), each submission is written again alone in its
//! own savepoint, so one bad submission cannot spoil the others.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use qinglian_domain::Invalid;
use qinglian_domain::audit::AuditAction;
use qinglian_domain::inspection::ConcernInput;
use sqlx::SqliteConnection;

use crate::audit_batch::{PendingAudit, push_placeholders};
use crate::error::{StoreError, constraint};
use crate::model::{Actor, Allowance};

/// One public submission, ready to be written.
pub(crate) struct ConcernJob {
    pub(crate) id: String,
    pub(crate) meeting_id: String,
    pub(crate) village_id: String,
    pub(crate) category_id: String,
    pub(crate) text: String,
    pub(crate) receipt_hash: String,
    pub(crate) complainant_name: Option<String>,
    pub(crate) complainant_phone: Option<String>,
    pub(crate) staff_id: Option<String>,
    pub(crate) allowance: Allowance,
    pub(crate) now: DateTime<Utc>,
    pub(crate) audit: PendingAudit,
}

impl ConcernJob {
    /// A public submission to `input`'s meeting; `Invalid` when it names none.
    pub(crate) fn new(
        actor: &Actor,
        input: &ConcernInput,
        receipt_hash: &str,
        allowance: &Allowance,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let meeting_id = input
            .meeting_id
            .clone()
            .ok_or_else(|| Invalid::field("meeting_id", "field.required", None))?;
        let id = crate::portable::new_id();
        let detail =
            crate::portable::inspection::concern_detail(qinglian_domain::inspection::ConcernSource::Public, input);
        let audit = PendingAudit::new(actor, AuditAction::ConcernCreate, Some(&id), Some(&detail))?.fresh();
        Ok(Self {
            id,
            meeting_id,
            village_id: input.village_id.clone(),
            category_id: input.category_id.clone(),
            text: input.text.as_str().to_owned(),
            receipt_hash: receipt_hash.to_owned(),
            complainant_name: input.complainant_name.as_ref().map(|n| n.as_str().to_owned()),
            complainant_phone: input.complainant_phone.clone(),
            staff_id: actor.staff_id.clone(),
            allowance: allowance.clone(),
            now,
            audit,
        })
    }
}

/// A throttle row as the batch reads and rewrites it.
#[derive(Clone)]
struct Throttle {
    failures: i64,
    window_start: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

impl Throttle {
    /// Charges one attempt at `now`, as `charge_tx` does in SQL: `Err(until)` when the key is
    /// locked (and the attempt is not counted), otherwise the row after the charge.
    fn charge(row: Option<&Self>, a: &Allowance, now: DateTime<Utc>) -> Result<Self, DateTime<Utc>> {
        if let Some(until) = row.and_then(|r| r.locked_until).filter(|u| *u > now) {
            return Err(until);
        }
        let mut next = match row {
            Some(r) if r.window_start >= now - a.window => Self {
                failures: r.failures + 1,
                ..r.clone()
            },
            Some(r) => Self {
                failures: 1,
                window_start: now,
                locked_until: r.locked_until,
            },
            None => Self {
                failures: 1,
                window_start: now,
                locked_until: None,
            },
        };
        if next.failures >= a.limit {
            next = Self {
                failures: 0,
                window_start: now,
                locked_until: Some(now + a.lock_for),
            };
        }
        Ok(next)
    }
}

/// What became of one job: written (its audit row to join the batch) or refused.
pub(crate) type Outcome = Result<PendingAudit, StoreError>;

/// Writes `jobs` with shared statements on the writer's connection, inside the batch's open
/// savepoint. `Err` means nothing can be trusted and the caller rolls the savepoint back;
/// with a single job it is that job's answer.
pub(crate) async fn write(conn: &mut SqliteConnection, jobs: &[ConcernJob]) -> Result<Vec<Outcome>, StoreError> {
    let (allowed, charged) = charge(conn, jobs).await?;
    let written: Vec<&ConcernJob> = jobs
        .iter()
        .zip(&allowed)
        .filter(|(_, a)| a.is_ok())
        .map(|(j, _)| j)
        .collect();
    if !charged.is_empty() {
        insert(conn, &charged, &written).await?;
    }
    Ok(jobs
        .iter()
        .zip(allowed)
        .map(|(job, allowed)| allowed.map(|()| job.audit.clone()))
        .collect())
}

/// Rows at or below which a shared statement is kept prepared: batches are mostly small, and
/// parsing a statement of hundreds of rows each time was a tenth of the writer's work.
pub(crate) const PREPARED_ROWS: usize = 16;

/// The charged allowances, the concerns and their first history lines, as one statement
/// list run in one round trip to the writer's thread (each is a thread hand-off), ending by
/// releasing the step's savepoint and opening the next member's. A concern whose meeting is
/// unknown or not in the named village is left out by its INSERT, and then its history line
/// fails on its foreign key: the list stops before the RELEASE, so the caller can roll the
/// whole step back.
async fn insert(
    conn: &mut SqliteConnection,
    charged: &[(&str, Throttle)],
    jobs: &[&ConcernJob],
) -> Result<(), StoreError> {
    let mut sql = String::from("INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ");
    push_placeholders(&mut sql, charged.len(), "(?, ?, ?, ?)");
    sql.push_str(
        " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
         window_start = excluded.window_start, locked_until = excluded.locked_until",
    );
    if !jobs.is_empty() {
        sql.push_str(
            "; INSERT INTO concern (id, round_id, meeting_id, village_id, township_id, category_id, text, source, state, \
             receipt_hash, complainant_name, complainant_phone, version, created_at, updated_at) \
             SELECT j.column1, m.round_id, m.id, m.village_id, m.township_id, j.column4, j.column5, 'public', 'registered', \
             j.column6, j.column7, j.column8, 1, j.column9, j.column9 FROM (VALUES ",
        );
        push_placeholders(&mut sql, jobs.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sql.push_str(
            ") j JOIN onsite_meeting m ON m.id = j.column2 AND m.village_id = j.column3; \
             INSERT INTO concern_event (id, concern_id, version, kind, state, party, unit_name, actor_staff_id, text, \
             deadline, at) VALUES ",
        );
        push_placeholders(
            &mut sql,
            jobs.len(),
            "(?, ?, 1, 'create', 'registered', 'villager', '', ?, NULL, NULL, ?)",
        );
    }
    sql.push_str("; RELEASE member; SAVEPOINT member");
    // Only generated placeholders are interpolated; values are bound.
    // Kept prepared in the usual shape: one allowance per concern.
    let usual = charged.len() == jobs.len() && jobs.len() <= PREPARED_ROWS;
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(usual);
    for (key, row) in charged {
        q = q
            .bind(*key)
            .bind(row.failures)
            .bind(row.window_start)
            .bind(row.locked_until);
    }
    for j in jobs {
        q = q
            .bind(&j.id)
            .bind(&j.meeting_id)
            .bind(&j.village_id)
            .bind(&j.category_id)
            .bind(&j.text)
            .bind(&j.receipt_hash)
            .bind(&j.complainant_name)
            .bind(&j.complainant_phone)
            .bind(j.now);
    }
    for j in jobs {
        q = q
            .bind(crate::portable::new_id())
            .bind(&j.id)
            .bind(&j.staff_id)
            .bind(j.now);
    }
    let failed = match q.execute(&mut *conn).await {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    // Only a single job's refusal reaches the villager; say which id is wrong.
    if let [job] = jobs {
        let known: Option<String> = sqlx::query_scalar("SELECT village_id FROM onsite_meeting WHERE id = $1")
            .bind(&job.meeting_id)
            .fetch_optional(&mut *conn)
            .await?;
        if known.as_deref() != Some(job.village_id.as_str()) {
            return Err(crate::portable::inspection::meeting_refusal(known).into());
        }
    }
    Err(constraint("receipt", None, "category_id")(failed))
}

/// Charges every job to its client's allowance, in queue order; `Err(Throttled)` for those
/// refused. Reads the rows once; returns each changed row, to be written back once.
async fn charge<'j>(
    conn: &mut SqliteConnection,
    jobs: &'j [ConcernJob],
) -> Result<(Vec<Result<(), StoreError>>, Vec<(&'j str, Throttle)>), StoreError> {
    let mut keys: Vec<&str> = jobs.iter().map(|j| j.allowance.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut sql = String::from("SELECT key, failures, window_start, locked_until FROM login_throttle WHERE key IN (");
    push_placeholders(&mut sql, keys.len(), "?");
    sql.push(')');
    let mut q = sqlx::query_as::<_, (String, i64, DateTime<Utc>, Option<DateTime<Utc>>)>(sqlx::AssertSqlSafe(sql))
        .persistent(keys.len() <= PREPARED_ROWS);
    for k in &keys {
        q = q.bind(*k);
    }
    let mut rows: HashMap<String, Throttle> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(k, failures, window_start, locked_until)| {
            (
                k,
                Throttle {
                    failures,
                    window_start,
                    locked_until,
                },
            )
        })
        .collect();
    let mut changed: Vec<&str> = Vec::new();
    let mut allowed = Vec::with_capacity(jobs.len());
    for job in jobs {
        let key = job.allowance.key.as_str();
        match Throttle::charge(rows.get(key), &job.allowance, job.now) {
            Ok(next) => {
                rows.insert(key.to_owned(), next);
                changed.push(key);
                allowed.push(Ok(()));
            }
            Err(until) => allowed.push(Err(StoreError::Throttled { until })),
        }
    }
    changed.sort_unstable();
    changed.dedup();
    let charged = changed
        .into_iter()
        .filter_map(|key| rows.get(key).map(|row| (key, row.clone())))
        .collect();
    Ok((allowed, charged))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn allowance(limit: i64) -> Allowance {
        Allowance {
            key: "k".into(),
            window: chrono::Duration::hours(1),
            limit,
            lock_for: chrono::Duration::hours(1),
        }
    }

    #[test]
    fn the_charge_counts_locks_at_the_limit_and_refuses_while_locked() {
        let a = allowance(3);
        let t0 = Utc::now();
        let one = Throttle::charge(None, &a, t0).unwrap();
        assert_eq!((one.failures, one.locked_until), (1, None));
        let two = Throttle::charge(Some(&one), &a, t0).unwrap();
        assert_eq!(two.failures, 2);
        // The third reaches the limit: it is allowed and locks the key.
        let three = Throttle::charge(Some(&two), &a, t0).unwrap();
        assert_eq!(three.locked_until, Some(t0 + a.lock_for));
        assert_eq!(Throttle::charge(Some(&three), &a, t0).err(), Some(t0 + a.lock_for));
        // After the lock and the window, counting starts again.
        let later = t0 + chrono::Duration::hours(2);
        let again = Throttle::charge(Some(&three), &a, later).unwrap();
        assert_eq!((again.failures, again.window_start), (1, later));
    }
}
