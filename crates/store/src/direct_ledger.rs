//! Integrates the tamper-evident log on SQLite's writer thread, on its own connection
//! (`direct_write`), between batches of submissions.
//!
//! Why it exists: through sqlx each of a run's twenty-odd statements is a round trip to the
//! connection's thread, and under the public form's load a run of 1,000 entries held the single
//! writer for 8–15 ms (about 3 ms of it round trips and waits), six times a second, with every
//! submission queued behind it: most of the form's p99. Here the same statements run in place.
//! Statements are prepared once and run per row: a multi-row statement makes SQLite copy each
//! page it changes to a statement journal first.

use qinglian_domain::Invalid;
use qinglian_ledger::Algorithm;
use rusqlite::{OptionalExtension, params};

use crate::error::StoreError;
use crate::model::LedgerHead;

/// Integrates up to `limit` pending entries, in the caller's open write transaction; the
/// caller commits, or rolls back on `Err`.
pub(crate) fn integrate(db: &rusqlite::Connection, algorithm: Algorithm, limit: u64) -> Result<LedgerHead, StoreError> {
    db.prepare_cached("INSERT INTO ledger_meta (id, algorithm, size) VALUES (1, ?1, 0) ON CONFLICT (id) DO NOTHING")?
        .execute([algorithm.as_str()])?;
    let (fixed, size): (String, i64) = db
        .prepare_cached("SELECT algorithm, size FROM ledger_meta WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if fixed != algorithm.as_str() {
        return Err(Invalid::field("ledger_hash", "ledger.algorithm_fixed", Some(&fixed)).into());
    }
    let malformed = || StoreError::from(Invalid::field("ledger", "ledger.node", None));
    let size = u64::try_from(size).map_err(|_| malformed())?;
    let mut seqs = Vec::new();
    let mut entries = Vec::new();
    {
        let mut pending =
            db.prepare_cached("SELECT seq, entry FROM ledger_entry WHERE idx IS NULL ORDER BY seq LIMIT ?1")?;
        let mut rows = pending.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
        while let Some(row) = rows.next()? {
            seqs.push(row.get::<_, i64>(0)?);
            entries.push(row.get::<_, Vec<u8>>(1)?);
        }
    }
    let mut edge = Vec::new();
    let mut node = db.prepare_cached("SELECT hash FROM ledger_node WHERE level = ?1 AND idx = ?2")?;
    for id in qinglian_ledger::edge_ids(size) {
        let hash: Option<Vec<u8>> = node
            .query_row(params![i32::from(id.level), id.index as i64], |r| r.get(0))
            .optional()?;
        edge.push(
            hash.and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
                .ok_or_else(malformed)?,
        );
    }
    let growth = crate::ledger_math::grow(algorithm, size, &edge, &entries).ok_or_else(malformed)?;
    let mut place = db.prepare_cached("UPDATE ledger_entry SET idx = ?1, leaf_hash = ?2 WHERE seq = ?3")?;
    for (i, (seq, leaf)) in seqs.iter().zip(&growth.leaf_hashes).enumerate() {
        place.execute(params![(size + i as u64) as i64, leaf.as_slice(), seq])?;
    }
    let mut store = db.prepare_cached("INSERT INTO ledger_node (level, idx, hash) VALUES (?1, ?2, ?3)")?;
    for (id, hash) in &growth.nodes {
        store.execute(params![i32::from(id.level), id.index as i64, hash.as_slice()])?;
    }
    let new_size = size + seqs.len() as u64;
    db.prepare_cached("UPDATE ledger_meta SET size = ?1 WHERE id = 1")?
        .execute([new_size as i64])?;
    Ok(LedgerHead {
        size: new_size,
        root: growth.root,
        added: seqs.len() as u64,
    })
}
