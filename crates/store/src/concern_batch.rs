//! Villagers' concerns from the public form, written by SQLite's writer many at once.
//!
//! Why it exists: a change lent the writer connection (`group_commit::WriteTx`) holds it for
//! every statement's round trip to the connection's thread and back to the request's task;
//! under load that made the single writer the limit at about 1,500 public submissions a
//! second. A submission is plain data, so the writer takes every one queued and writes them
//! together on its own connection (`direct_write`): one INSERT for the concerns and one for
//! their history lines, whatever the number. Their audit rows and log entries are written with
//! them, and nobody is answered before the batch's COMMIT. If the shared statements fail (a
//! duplicate receipt, an unknown category), each submission is written again alone in its own
//! savepoint, so one bad submission cannot spoil the others.
//!
//! The clients' hourly allowances are kept here, in memory ([`Allowances`]), not in the
//! throttle table as on PostgreSQL: each client's row was a random page of the table, a ninth
//! of the pages a batch wrote to the log. A restart forgets them, which flood control can
//! afford.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hashlink::LruCache;
use qinglian_domain::Invalid;
use qinglian_domain::audit::AuditAction;
use qinglian_domain::inspection::ConcernInput;
use rusqlite::{OptionalExtension, ToSql};

use crate::audit_batch::{PendingAudit, push_placeholders};
use crate::direct_write::sql_time;
use crate::error::StoreError;
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

/// How many clients' allowances are kept. Past that the least recently charged is forgotten,
/// as nginx's `limit_req` zones do: a sender with more addresses than this is not stopped by
/// a per-address limit anyway. About 15 MB.
pub(crate) const KEPT_CLIENTS: usize = 100_000;

/// The public form's allowances per client, owned by the writer thread, which alone charges
/// them, so they need no lock.
pub(crate) struct Allowances {
    used: LruCache<String, Throttle>,
}

/// A batch's charges, kept once its COMMIT is durable.
pub(crate) type Charges = HashMap<String, Throttle>;

impl Allowances {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            used: LruCache::new(capacity),
        }
    }

    /// Keeps a committed batch's charges.
    pub(crate) fn keep(&mut self, charges: Charges) {
        for (key, row) in charges {
            self.used.insert(key, row);
        }
    }
}

/// A client's count in its window, as the batch reads and rewrites it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Throttle {
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

/// Writes `jobs` with shared statements on the writer's connection (`direct_write`), in its
/// open transaction or, with `in_savepoint`, inside its open savepoint, and adds their charges
/// to `charges`. `Err` means nothing can be trusted and the caller rolls back; with a single
/// job it is that job's answer.
fn write(
    db: &rusqlite::Connection,
    jobs: &[ConcernJob],
    allowances: &Allowances,
    charges: &mut Charges,
    in_savepoint: bool,
) -> Result<Vec<Outcome>, StoreError> {
    let allowed = charge(allowances, charges, jobs);
    let written: Vec<&ConcernJob> = jobs
        .iter()
        .zip(&allowed)
        .filter(|(_, a)| a.is_ok())
        .map(|(j, _)| j)
        .collect();
    if !written.is_empty() {
        insert(db, &written, in_savepoint)?;
    }
    Ok(jobs
        .iter()
        .zip(allowed)
        .map(|(job, allowed)| allowed.map(|()| job.audit.clone()))
        .collect())
}

/// Writes `jobs` in a transaction just begun that holds nothing else: with shared statements
/// straight in it or, when those fail, again from the start, each alone in a savepoint rolled
/// back if it fails. Returns each job's outcome (`None` for those not tried), the charges of
/// those written, and, if a rollback itself failed, why the transaction can no longer be
/// trusted.
///
/// The first try takes no savepoint: inside one SQLite copies every page it changes to the
/// sub-journal first, a fourteenth of the writer's work, needed only when a submission fails.
pub(crate) fn write_each(
    db: &rusqlite::Connection,
    jobs: &[ConcernJob],
    allowances: &Allowances,
) -> (Vec<Option<Outcome>>, Charges, Option<rusqlite::Error>) {
    let mut charges = Charges::new();
    let first = match write(db, jobs, allowances, &mut charges, false) {
        Ok(outcomes) => return (outcomes.into_iter().map(Some).collect(), charges, None),
        Err(e) => e,
    };
    charges.clear();
    if jobs.len() == 1 {
        // Its answer; the caller rolls the transaction back, as nothing in it is kept.
        return (vec![Some(Err(first))], charges, None);
    }
    if let Err(broke) = db.execute_batch("ROLLBACK; BEGIN IMMEDIATE; SAVEPOINT member") {
        return (jobs.iter().map(|_| None).collect(), charges, Some(broke));
    }
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(jobs.len());
    for job in jobs {
        let key = job.allowance.key.as_str();
        let before = charges.get(key).cloned();
        match write(db, std::slice::from_ref(job), allowances, &mut charges, true) {
            Ok(mut one) => outcomes.push(one.pop()),
            Err(e) => {
                // A submission not written is not charged.
                match before {
                    Some(row) => charges.insert(key.to_owned(), row),
                    None => charges.remove(key),
                };
                outcomes.push(Some(Err(e)));
                if let Err(broke) = db.execute_batch("ROLLBACK TO member") {
                    outcomes.resize_with(jobs.len(), || None);
                    return (outcomes, charges, Some(broke));
                }
            }
        }
    }
    (outcomes, charges, None)
}

/// The concerns (at least one) and their first history lines, then (in a savepoint) the
/// release of the step's savepoint and the opening of the next one. A concern whose meeting is
/// unknown or not in the named village is left out by its INSERT, and then its history line
/// fails on its foreign key: the step stops before the RELEASE, so the caller can roll the
/// whole step back.
fn insert(db: &rusqlite::Connection, jobs: &[&ConcernJob], in_savepoint: bool) -> Result<(), StoreError> {
    let mut sql = String::from(
        "INSERT INTO concern (id, round_id, meeting_id, village_id, township_id, category_id, text, source, state, \
         receipt_hash, complainant_name, complainant_phone, version, created_at, updated_at) \
         SELECT j.column1, m.round_id, m.id, m.village_id, m.township_id, j.column4, j.column5, 'public', 'registered', \
         j.column6, j.column7, j.column8, 1, j.column9, j.column9 FROM (VALUES ",
    );
    push_placeholders(&mut sql, jobs.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sql.push_str(") j JOIN onsite_meeting m ON m.id = j.column2 AND m.village_id = j.column3");
    let nows: Vec<String> = jobs.iter().map(|j| sql_time(&j.now)).collect();
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(jobs.len() * 9);
    for (j, now) in jobs.iter().zip(&nows) {
        values.extend([
            &j.id as &dyn ToSql,
            &j.meeting_id,
            &j.village_id,
            &j.category_id,
            &j.text,
            &j.receipt_hash,
            &j.complainant_name,
            &j.complainant_phone,
            now,
        ]);
    }
    let inserted = db.prepare_cached(&sql)?.execute(values.as_slice());
    let mut sql = String::from(
        "INSERT INTO concern_event (id, concern_id, version, kind, state, party, unit_name, actor_staff_id, text, \
         deadline, at) VALUES ",
    );
    push_placeholders(
        &mut sql,
        jobs.len(),
        "(?, ?, 1, 'create', 'registered', 'villager', '', ?, NULL, NULL, ?)",
    );
    let ids: Vec<String> = jobs.iter().map(|_| crate::portable::new_id()).collect();
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(jobs.len() * 4);
    for ((j, id), now) in jobs.iter().zip(&ids).zip(&nows) {
        values.extend([id as &dyn ToSql, &j.id, &j.staff_id, now]);
    }
    if let Err(failed) = inserted.and_then(|_| db.prepare_cached(&sql)?.execute(values.as_slice())) {
        return Err(refusal(db, jobs, failed));
    }
    if in_savepoint {
        db.execute_batch("RELEASE member; SAVEPOINT member")?;
    }
    Ok(())
}

/// Why the shared statements failed, as the villager is told when a submission was alone.
fn refusal(db: &rusqlite::Connection, jobs: &[&ConcernJob], failed: rusqlite::Error) -> StoreError {
    if let [job] = jobs {
        let known = db
            .query_row(
                "SELECT village_id FROM onsite_meeting WHERE id = ?1",
                [&job.meeting_id],
                |r| r.get::<_, String>(0),
            )
            .optional();
        match known {
            Ok(known) if known.as_deref() != Some(job.village_id.as_str()) => {
                return crate::portable::inspection::meeting_refusal(known).into();
            }
            Ok(_) => {}
            Err(e) => return e.into(),
        }
    }
    crate::error::direct_constraint("receipt", None, "category_id")(failed)
}

/// Charges every job to its client's allowance, in queue order, adding each charge to
/// `charges`; `Err(Throttled)` for those refused (and not charged).
fn charge(allowances: &Allowances, charges: &mut Charges, jobs: &[ConcernJob]) -> Vec<Result<(), StoreError>> {
    jobs.iter()
        .map(|job| {
            let key = job.allowance.key.as_str();
            let row = charges.get(key).or_else(|| allowances.used.peek(key));
            let next =
                Throttle::charge(row, &job.allowance, job.now).map_err(|until| StoreError::Throttled { until })?;
            charges.insert(key.to_owned(), next);
            Ok(())
        })
        .collect()
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

    /// Past its capacity the least recently charged client is forgotten, and a forgotten
    /// client starts a fresh window.
    #[test]
    fn allowances_forget_the_least_recently_charged_past_capacity() {
        let t0 = Utc::now();
        let row = Throttle::charge(None, &allowance(3), t0).unwrap();
        let mut kept = Allowances::new(2);
        for key in ["a", "b", "a", "c"] {
            kept.keep(Charges::from([(key.to_owned(), row.clone())]));
        }
        assert_eq!(kept.used.peek("a"), Some(&row));
        assert_eq!(kept.used.peek("b"), None);
        assert_eq!(kept.used.peek("c"), Some(&row));
    }
}
