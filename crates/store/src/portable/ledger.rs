//! The tamper-evident log on both backends: integration into the tree, nodes and checkpoints.
//! Entries are appended with their audit rows, by `audit_tx`.

/// Rows per statement when integrating: three parameters each, far under both databases'
/// limits on parameters.
pub(crate) const INTEGRATE_ROWS: usize = 1_000;

/// `head` then `n` rows of three parameters, then `tail`: numbered, `($1, $2, $3), ($4, $5, $6)…`
/// for PostgreSQL; plain `(?, ?, ?)` for SQLite, since sqlx resolves SQLite's `$N` names one
/// by one (a 3,000-parameter statement took 11–30 ms that way against 1–4 ms with `?`).
pub(crate) fn multi_row(head: &str, n: usize, tail: &str, numbered: bool) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(head.len() + tail.len() + n * 20);
    sql.push_str(head);
    if numbered {
        for r in 0..n {
            let (p, sep) = (r * 3, if r == 0 { "" } else { ", " });
            let _ = write!(sql, "{sep}(${}, ${}, ${})", p + 1, p + 2, p + 3);
        }
    } else {
        crate::audit_batch::push_placeholders(&mut sql, n, "(?, ?, ?)");
    }
    sql.push_str(tail);
    sql
}

/// A stored node row, if it is well formed; a malformed one reads as absent.
pub(crate) fn node_row((level, index, hash): (i32, i64, Vec<u8>)) -> Option<crate::proof_read::NodeRow> {
    Some((
        (u8::try_from(level).ok()?, u64::try_from(index).ok()?),
        <[u8; 32]>::try_from(hash.as_slice()).ok()?,
    ))
}

macro_rules! ledger_impl {
    ($store:ty) => {
        impl $store {
            /// Every stored node of each level from the given index on, by level then index:
            /// what the node cache appends.
            async fn node_levels_from(&self, from: &[(u8, u64)]) -> R<Vec<(u8, u64, [u8; 32])>> {
                // Read packed, CHUNK nodes to a row (`entry_pack`): a level ends, or reaches a
                // gap the cache will not cross, where a chunk comes back short.
                const CHUNK: u64 = 16_384;
                let mut rows = Vec::new();
                for (level, start) in from {
                    let mut at = *start;
                    loop {
                        let (layout, bytes): (Option<String>, Option<Vec<u8>>) =
                            sqlx::query_as(<$store as crate::BackendDb>::NODE_PACK_SQL)
                                .bind(i32::from(*level))
                                .bind(at as i64)
                                .bind(at.saturating_add(CHUNK) as i64)
                                .fetch_one(&self.read)
                                .await?;
                        let chunk = crate::entry_pack::parse_nodes(*level, layout, bytes)?;
                        let full = chunk.len() as u64 == CHUNK;
                        rows.extend(chunk);
                        if !full {
                            break;
                        }
                        at = at.saturating_add(CHUNK);
                    }
                }
                rows.sort_unstable_by_key(|(l, i, _)| (*l, *i));
                Ok(rows)
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::LedgerRepo for $store {
            async fn ledger_size(&self) -> R<u64> {
                let size: Option<i64> = sqlx::query_scalar("SELECT size FROM ledger_meta WHERE id = 1")
                    .fetch_optional(&self.read)
                    .await?;
                let size = size.unwrap_or(0) as u64;
                self.nodes.saw_size(size);
                Ok(size)
            }

            async fn integrate_ledger(&self, algorithm: qinglian_ledger::Algorithm, limit: u64) -> R<LedgerHead> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO ledger_meta (id, algorithm, size) VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING",
                )
                .bind(algorithm.as_str())
                .execute(&mut *tx)
                .await?;
                // Touching the row first serialises integrators on PostgreSQL.
                sqlx::query("UPDATE ledger_meta SET size = size WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                let (fixed, size): (String, i64) =
                    sqlx::query_as("SELECT algorithm, size FROM ledger_meta WHERE id = 1")
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
                    edge.push(
                        <[u8; 32]>::try_from(h.as_slice())
                            .map_err(|_| Invalid::field("ledger", "ledger.node", None))?,
                    );
                }
                let entries: Vec<Vec<u8>> = pending.iter().map(|(_, e)| e.clone()).collect();
                let growth = crate::ledger_math::grow(algorithm, size, &edge, &entries)
                    .ok_or_else(|| Invalid::field("ledger", "ledger.node", None))?;
                // Many rows per statement: integration holds the writer (SQLite's single one),
                // and a statement per entry and per node held it for about 250 ms for each
                // 2,000 entries, stalling every change queued behind it (the public form's p99
                // was 290 ms under load; 17 ms after).
                let rows = crate::portable::ledger::INTEGRATE_ROWS;
                for (k, chunk) in pending.chunks(rows).enumerate() {
                    let sql = crate::portable::ledger::multi_row(
                        "WITH v (seq, idx, leaf_hash) AS (VALUES ",
                        chunk.len(),
                        ") UPDATE ledger_entry SET idx = v.idx, leaf_hash = v.leaf_hash FROM v WHERE ledger_entry.seq = v.seq",
                        <Self as crate::BackendDb>::NUMBERED_PARAMS,
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (j, (seq, _)) in chunk.iter().enumerate() {
                        let i = k * rows + j;
                        q = q.bind(seq).bind((size + i as u64) as i64).bind(growth.leaf_hashes[i].to_vec());
                    }
                    q.execute(&mut *tx).await?;
                    }
                for chunk in growth.nodes.chunks(rows) {
                    let sql = crate::portable::ledger::multi_row(
                        "INSERT INTO ledger_node (level, idx, hash) VALUES ",
                        chunk.len(),
                        "",
                        <Self as crate::BackendDb>::NUMBERED_PARAMS,
                    );
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
                self.nodes.saw_size(new_size);
                Ok(LedgerHead {
                    size: new_size,
                    root: growth.root,
                    added: pending.len() as u64,
                })
            }

            async fn ledger_nodes(
                &self,
                algorithm: qinglian_ledger::Algorithm,
                ids: &[qinglian_ledger::NodeId],
            ) -> R<Vec<Option<[u8; 32]>>> {
                let mut out = vec![None; ids.len()];
                let mut misses = self.nodes.lookup(ids, &mut out);
                if !misses.extend.is_empty() {
                    let rows = self.node_levels_from(&misses.extend).await?;
                    self.nodes.extend(&rows);
                    misses = self.nodes.lookup(ids, &mut out);
                }
                // Nodes the cache still lacks (below its levels, newer, or after a gap) are read
                // in one round trip.
                let mut wanted = misses.fetch;
                wanted.append(&mut misses.uncached);
                if wanted.is_empty() {
                    return Ok(out);
                }
                let plan = crate::proof_read::plan(&wanted);
                let rows = self.read_proof_nodes(&plan).await?;
                let found = crate::proof_read::assemble(algorithm, &wanted, rows);
                for (id, slot) in ids.iter().zip(out.iter_mut()) {
                    if slot.is_none() {
                        *slot = crate::proof_read::find(&found, id.level, id.index);
                    }
                }
                self.nodes.keep_edge(&found);
                Ok(out)
            }

            async fn ledger_has(&self, size: u64) -> R<bool> {
                if size <= self.nodes.known_size() {
                    return Ok(true);
                }
                Ok(self.ledger_size().await? >= size)
            }

            async fn ledger_entries(&self, start: u64, count: u64) -> R<Vec<LedgerEntryRow>> {
                Ok(sqlx::query_as::<_, LedgerEntryRow>(
                    "SELECT idx, entry_type, object_id, entry, leaf_hash FROM ledger_entry \
                        WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                )
                .bind(start as i64)
                .bind(start.saturating_add(count) as i64)
                .fetch_all(&self.read)
                .await?)
            }

            async fn ledger_entry_pack(&self, start: u64, count: u64) -> R<crate::EntryPack> {
                let (layout, bytes): (Option<String>, Option<Vec<u8>>) =
                    sqlx::query_as(<$store as crate::BackendDb>::ENTRY_PACK_SQL)
                        .bind(start as i64)
                        .bind(start.saturating_add(count) as i64)
                        .fetch_one(&self.read)
                        .await?;
                crate::EntryPack::parse(layout, bytes)
            }

            async fn ledger_entries_for(&self, object_id: &str) -> R<Vec<LedgerEntryRow>> {
                Ok(sqlx::query_as::<_, LedgerEntryRow>(
                    "SELECT idx, entry_type, object_id, entry, leaf_hash FROM ledger_entry \
                        WHERE object_id = $1 AND idx IS NOT NULL ORDER BY idx",
                )
                .bind(object_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn save_checkpoint(&self, size: u64, root: &[u8; 32], note: &str) -> R<()> {
                sqlx::query(
                    "INSERT INTO ledger_checkpoint (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (size) DO NOTHING",
                )
                .bind(size as i64)
                .bind(root.to_vec())
                .bind(note)
                .bind(Utc::now())
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn latest_checkpoint(&self) -> R<Option<CheckpointRow>> {
                Ok(sqlx::query_as::<_, CheckpointRow>(
                    "SELECT size, root_hash, note, created_at FROM ledger_checkpoint ORDER BY size DESC LIMIT 1",
                )
                .fetch_optional(&self.read)
                .await?)
            }

            async fn ledger_mark(&self) -> R<[i64; 3]> {
                let (seq, size, signed): (i64, i64, i64) = sqlx::query_as(
                    "SELECT CAST(COALESCE((SELECT MAX(seq) FROM ledger_entry), 0) AS BIGINT), \
                     CAST(COALESCE((SELECT size FROM ledger_meta WHERE id = 1), 0) AS BIGINT), \
                     CAST(COALESCE((SELECT MAX(size) FROM ledger_checkpoint), 0) AS BIGINT)",
                )
                .fetch_one(&self.read)
                .await?;
                Ok([seq, size, signed])
            }

            async fn checkpoint_at(&self, size: u64) -> R<Option<CheckpointRow>> {
                Ok(sqlx::query_as::<_, CheckpointRow>(
                    "SELECT size, root_hash, note, created_at FROM ledger_checkpoint WHERE size = $1",
                )
                .bind(size as i64)
                .fetch_optional(&self.read)
                .await?)
            }
        }
    };
}
pub(crate) use ledger_impl;
