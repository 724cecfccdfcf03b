//! A villager's receipt look-up as one statement on both backends.
//!
//! The page used to cost six round trips (lock-out, id, concern, history, log entries,
//! checkpoint); on SQLite each is a hand-off to a reader thread, and that, not the work in
//! the database, bounded the page (issue 6: 4.4k req/s against a ceiling near 20k). The
//! parts come back as tagged rows of one UNION ALL, decoded by `assemble`, and on SQLite the
//! one statement runs on the caller's thread (`hot_read`).

use crate::model::{ConcernEvent, ReceiptConcern, ReceiptRead};

/// Binds `$1` the receipt hash, `$2` the throttle key. Every column of the first branch is
/// typed, because PostgreSQL resolves each UNION pairwise and an untyped NULL would become
/// text before meeting the bytea or date of a later branch.
pub(crate) const RECEIPT_SQL: &str = "\
SELECT CAST(0 AS BIGINT) AS part, CAST(NULL AS BIGINT) AS n, CAST(NULL AS TEXT) AS s1, CAST(NULL AS TEXT) AS s2, \
  CAST(NULL AS TEXT) AS s3, CAST(NULL AS TEXT) AS s4, CAST(NULL AS TEXT) AS s5, CAST(NULL AS TEXT) AS s6, \
  CAST(NULL AS DATE) AS day, l.locked_until AS t1, CAST(NULL AS TIMESTAMPTZ) AS t2, CAST(NULL AS BOOLEAN) AS flag, \
  CAST(NULL AS BYTEA) AS hash \
  FROM login_throttle l WHERE l.key = $2 \
UNION ALL \
SELECT 1, (SELECT MAX(size) FROM ledger_checkpoint), v.name, k.name, c.text, c.state, c.answer, d.name, \
  c.answer_deadline, c.created_at, c.closed_at, c.on_spot, NULL \
  FROM concern c JOIN village v ON v.id = c.village_id JOIN concern_category k ON k.id = c.category_id \
  LEFT JOIN department d ON d.id = c.department_id WHERE c.receipt_hash = $1 \
UNION ALL \
SELECT 2, e.version, e.kind, e.state, e.party, e.unit_name, e.text, NULL, e.deadline, e.at, NULL, NULL, NULL \
  FROM concern c JOIN concern_event e ON e.concern_id = c.id WHERE c.receipt_hash = $1 \
UNION ALL \
SELECT 3, l.idx, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, l.leaf_hash \
  FROM concern c JOIN ledger_entry l ON l.object_id = c.id WHERE c.receipt_hash = $1 AND l.idx IS NOT NULL \
ORDER BY part, n";

/// One row of `RECEIPT_SQL`: which part it is says which columns mean what.
#[derive(sqlx::FromRow)]
pub(crate) struct ReceiptRow {
    part: i64,
    n: Option<i64>,
    s1: Option<String>,
    s2: Option<String>,
    s3: Option<String>,
    s4: Option<String>,
    s5: Option<String>,
    s6: Option<String>,
    day: Option<chrono::NaiveDate>,
    t1: Option<chrono::DateTime<chrono::Utc>>,
    t2: Option<chrono::DateTime<chrono::Utc>>,
    flag: Option<bool>,
    hash: Option<Vec<u8>>,
}

impl crate::hot_read::HotRow for ReceiptRow {
    fn from_sqlite(c: &mut crate::hot_read::Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            part: c.take()?,
            n: c.take()?,
            s1: c.take()?,
            s2: c.take()?,
            s3: c.take()?,
            s4: c.take()?,
            s5: c.take()?,
            s6: c.take()?,
            day: c.take()?,
            t1: c.time_or_null()?,
            t2: c.time_or_null()?,
            flag: c.take()?,
            hash: c.take()?,
        })
    }
}

/// Puts the tagged rows back together; rows arrive ordered by part, then version or index.
pub(crate) fn assemble(rows: Vec<ReceiptRow>) -> Result<ReceiptRead, crate::error::StoreError> {
    let mut read = ReceiptRead {
        locked_until: None,
        found: None,
    };
    let broken =
        || crate::error::StoreError::Database(sqlx::Error::Protocol("receipt read: a part lacks a column".into()));
    for r in rows {
        match r.part {
            0 => read.locked_until = r.t1,
            1 => {
                read.found = Some(ReceiptConcern {
                    village_name: r.s1.ok_or_else(broken)?,
                    category_name: r.s2.ok_or_else(broken)?,
                    text: r.s3.ok_or_else(broken)?,
                    state: r.s4.ok_or_else(broken)?,
                    on_spot: r.flag.ok_or_else(broken)?,
                    answer: r.s5,
                    answer_deadline: r.day,
                    department_name: r.s6,
                    created_at: r.t1.ok_or_else(broken)?,
                    closed_at: r.t2,
                    events: Vec::new(),
                    ledger: Vec::new(),
                    signed: r.n.unwrap_or(0),
                })
            }
            2 => {
                let c = read.found.as_mut().ok_or_else(broken)?;
                c.events.push(ConcernEvent {
                    version: r.n.ok_or_else(broken)?,
                    kind: r.s1.ok_or_else(broken)?,
                    state: r.s2.ok_or_else(broken)?,
                    party: r.s3.ok_or_else(broken)?,
                    unit_name: r.s4.ok_or_else(broken)?,
                    text: r.s5,
                    deadline: r.day,
                    at: r.t1.ok_or_else(broken)?,
                });
            }
            _ => {
                let c = read.found.as_mut().ok_or_else(broken)?;
                c.ledger.push((r.n.ok_or_else(broken)?, r.hash.ok_or_else(broken)?));
            }
        }
    }
    Ok(read)
}
