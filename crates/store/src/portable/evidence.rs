//! Evidence files, uploads in progress and custody events on both backends.

macro_rules! evidence_select {
    () => {
        "SELECT f.id, f.sha256, b.sm3, b.size, f.original_name, f.media_type, f.account_id, f.staff_id, \
         f.uploader_name, f.uploaded_at, b.storage_key, \
         (SELECT MIN(e.idx) FROM ledger_entry e WHERE e.object_id = f.id AND e.entry_type = 'evidence.intake') AS ledger_index \
         FROM evidence_file f JOIN evidence_blob b ON b.sha256 = f.sha256"
    };
}

macro_rules! upload_select {
    () => {
        "SELECT id, account_id, length, upload_offset, file_name, media_type, declared_sha256, declared_sm3, \
         created_at, expires_at FROM evidence_upload"
    };
}

macro_rules! evidence_impl {
    ($store:ty) => {
        impl $store {
            async fn evidence_by_id(&self, id: &str) -> R<crate::evidence::EvidenceFile> {
                Ok(sqlx::query_as::<_, crate::evidence::EvidenceFile>(concat!(
                    crate::portable::evidence::evidence_select!(),
                    " WHERE f.id = $1"
                ))
                .bind(id)
                .fetch_one(&self.read)
                .await?)
            }

            /// The custody row, its audit row and its log entry, inside the caller's transaction.
            async fn custody_tx(
                &self,
                tx: &mut Tx,
                actor: &Actor,
                file_id: &str,
                kind: qinglian_domain::evidence::CustodyKind,
                detail: Option<&str>,
            ) -> R<()> {
                sqlx::query(
                    "INSERT INTO custody_event (id, file_id, kind, account_id, actor_name, at, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new_id())
                .bind(file_id)
                .bind(kind.as_str())
                .bind(&actor.account_id)
                .bind(&actor.name)
                .bind(Utc::now())
                .bind(detail)
                .execute(&mut **tx)
                .await?;
                self.audit_tx(tx, actor, kind.audit_action(), Some(file_id), detail).await
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::EvidenceRepo for $store {
            async fn create_upload(&self, u: &crate::evidence::EvidenceUpload) -> R<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO evidence_upload (id, account_id, length, upload_offset, file_name, media_type, \
                     declared_sha256, declared_sm3, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&u.id)
                .bind(&u.account_id)
                .bind(u.length)
                .bind(u.upload_offset)
                .bind(&u.file_name)
                .bind(&u.media_type)
                .bind(&u.declared_sha256)
                .bind(&u.declared_sm3)
                .bind(u.created_at)
                .bind(u.expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_upload(&self, account_id: &str, id: &str) -> R<crate::evidence::EvidenceUpload> {
                Ok(sqlx::query_as::<_, crate::evidence::EvidenceUpload>(concat!(
                    crate::portable::evidence::upload_select!(),
                    " WHERE id = $1 AND account_id = $2"
                ))
                .bind(id)
                .bind(account_id)
                .fetch_one(&self.read)
                .await?)
            }

            async fn set_upload_offset(&self, id: &str, offset: i64, expires_at: DateTime<Utc>) -> R<()> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE evidence_upload SET upload_offset = $2, expires_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(offset)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn delete_upload(&self, id: &str) -> R<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM evidence_upload WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn expired_uploads(&self, now: DateTime<Utc>) -> R<Vec<crate::evidence::EvidenceUpload>> {
                Ok(sqlx::query_as::<_, crate::evidence::EvidenceUpload>(concat!(
                    crate::portable::evidence::upload_select!(),
                    " WHERE expires_at < $1 ORDER BY expires_at"
                ))
                .bind(now)
                .fetch_all(&self.read)
                .await?)
            }

            async fn upload_ids(&self) -> R<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT id FROM evidence_upload")
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn record_intake(
                &self,
                actor: &Actor,
                upload_id: Option<&str>,
                new: &crate::evidence::NewEvidence,
            ) -> R<crate::evidence::EvidenceFile> {
                let id = new_id();
                let now = Utc::now();
                let sha256 = new.digests.sha256_hex();
                let sm3 = new.digests.sm3_hex();
                let size = i64::try_from(new.size).map_err(|_| Invalid::field("upload_length", "evidence.too_large", None))?;
                let mut tx = self.begin_write().await?;
                // The same content again keeps its first blob row: stored once.
                sqlx::query(
                    "INSERT INTO evidence_blob (sha256, sm3, size, storage_key, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&sha256)
                .bind(&sm3)
                .bind(size)
                .bind(new.key.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let (blob_sm3, blob_size): (String, i64) =
                    sqlx::query_as("SELECT sm3, size FROM evidence_blob WHERE sha256 = $1")
                        .bind(&sha256)
                        .fetch_one(&mut *tx)
                        .await?;
                if blob_sm3 != sm3 || blob_size != size {
                    // Same SHA-256, different bytes: a collision or a corrupted record. Refuse.
                    return Err(Invalid::field("sha256", "evidence.blob_conflict", Some(&sha256)).into());
                }
                sqlx::query(
                    "INSERT INTO evidence_file (id, sha256, original_name, media_type, account_id, staff_id, uploader_name, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(&sha256)
                .bind(new.file_name.as_str())
                .bind(new.media_type.as_str())
                .bind(&actor.account_id)
                .bind(&actor.staff_id)
                .bind(&actor.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                // The log entry commits to the digests and the size; the name stays out of it.
                let detail = crate::evidence::intake_detail(&sha256, &sm3, size);
                self.custody_tx(&mut tx, actor, &id, qinglian_domain::evidence::CustodyKind::Intake, Some(&detail))
                    .await?;
                if let Some(upload_id) = upload_id {
                    sqlx::query("DELETE FROM evidence_upload WHERE id = $1")
                        .bind(upload_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                self.evidence_by_id(&id).await
            }

            async fn list_evidence(
                &self,
                viewer: &crate::evidence::EvidenceViewer<'_>,
                page: PageRequest,
            ) -> R<Paged<crate::evidence::EvidenceFile>> {
                let items = sqlx::query_as::<_, crate::evidence::EvidenceFile>(concat!(
                    crate::portable::evidence::evidence_select!(),
                    " WHERE ($1 OR f.account_id = $2) ORDER BY f.uploaded_at DESC, f.id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(viewer.sees_all())
                .bind(viewer.account_id)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(&self.read)
                .await?;
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evidence_file f WHERE ($1 OR f.account_id = $2)")
                    .bind(viewer.sees_all())
                    .bind(viewer.account_id)
                    .fetch_one(&self.read)
                    .await?;
                Ok(Paged { items, total })
            }

            async fn get_evidence(
                &self,
                viewer: &crate::evidence::EvidenceViewer<'_>,
                id: &str,
            ) -> R<crate::evidence::EvidenceFile> {
                let file = self.evidence_by_id(id).await?;
                // Outside the viewer's reach looks exactly like absent.
                if viewer.sees_all() || file.account_id.as_deref() == Some(viewer.account_id) {
                    Ok(file)
                } else {
                    Err(StoreError::NotFound)
                }
            }

            async fn evidence_after(&self, after: Option<&str>, limit: i64) -> R<Vec<crate::evidence::EvidenceFile>> {
                Ok(sqlx::query_as::<_, crate::evidence::EvidenceFile>(concat!(
                    crate::portable::evidence::evidence_select!(),
                    " WHERE (CAST($1 AS TEXT) IS NULL OR f.id > $1) ORDER BY f.id LIMIT $2"
                ))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn evidence_totals(&self) -> R<crate::evidence::EvidenceTotals> {
                let (files, bytes): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM evidence_blob b \
                     WHERE EXISTS (SELECT 1 FROM evidence_file f WHERE f.sha256 = b.sha256)",
                )
                .fetch_one(&self.read)
                .await?;
                Ok(crate::evidence::EvidenceTotals { files, bytes })
            }

            async fn record_custody(
                &self,
                actor: &Actor,
                file_id: &str,
                kind: qinglian_domain::evidence::CustodyKind,
                detail: Option<&str>,
            ) -> R<()> {
                let mut tx = self.begin_write().await?;
                let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evidence_file WHERE id = $1")
                    .bind(file_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
                self.custody_tx(&mut tx, actor, file_id, kind, detail).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn custody_events(&self, file_id: &str) -> R<Vec<crate::evidence::CustodyEvent>> {
                Ok(sqlx::query_as::<_, crate::evidence::CustodyEvent>(
                    "SELECT id, file_id, kind, account_id, actor_name, at, detail FROM custody_event \
                     WHERE file_id = $1 ORDER BY at, id",
                )
                .bind(file_id)
                .fetch_all(&self.read)
                .await?)
            }
        }
    };
}
pub(crate) use {evidence_impl, evidence_select, upload_select};
