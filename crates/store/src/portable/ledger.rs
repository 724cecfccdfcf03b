//! The tamper-evident log on both backends: integration into the tree, nodes and checkpoints.
//! Entries are appended with their audit rows, by `audit_tx`.

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
                let head = self.grow_ledger(algorithm, limit).await?;
                self.nodes.saw_size(head.size);
                Ok(head)
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
                self.write_one(
                    sqlx::query(
                        "INSERT INTO ledger_checkpoint (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (size) DO NOTHING",
                    )
                    .bind(size as i64)
                    .bind(root.to_vec())
                    .bind(note)
                    .bind(Utc::now()),
                )
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
