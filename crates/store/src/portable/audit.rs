//! The audit trail on both backends: appended in the writer's transaction, browsed by auditors.

macro_rules! audit_where {
    () => {
        " WHERE (CAST($1 AS TEXT) IS NULL OR at >= $1) AND (CAST($2 AS TEXT) IS NULL OR at < $2) \
          AND (CAST($3 AS TEXT) IS NULL OR action = $3) \
          AND (CAST($4 AS TEXT) IS NULL OR actor_name = $4 OR account_id = $4) \
          AND (CAST($5 AS TEXT) IS NULL OR object_id = $5)"
    };
}
pub(crate) use audit_where;

macro_rules! audit_impl {
    ($store:ty) => {
        impl $store {
            /// Appends one audit row and its log entry to the caller's transaction, so the
            /// change and its record commit together or not at all. On SQLite the writer's batch
            /// writes them just before its COMMIT (see `audit_batch`).
            pub(crate) async fn audit_tx(&self, tx: &mut Tx, actor: &Actor, action: AuditAction, object_id: Option<&str>, detail: Option<&str>) -> R<()> {
                let row = crate::audit_batch::PendingAudit::new(actor, action, object_id, detail)?;
                if let Some(batch) = crate::audit_batch::AuditSink::deferred(tx) {
                    batch.push(row);
                    return Ok(());
                }
                // The log entry's version (the object's earlier entries) comes back with the
                // audit row: one round trip fewer.
                let earlier: i64 = sqlx::query_scalar("INSERT INTO audit_event (id, at, account_id, staff_id, actor_name, role, action, object_type, object_id, result, operation_id, client_addr, detail) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ok', $10, $11, $12) \
                             RETURNING (SELECT COUNT(*) FROM ledger_entry WHERE object_id = $13)")
                    .bind(&row.id).bind(row.at).bind(&row.account_id).bind(&row.staff_id).bind(&row.actor_name).bind(&row.role)
                    .bind(action.as_str()).bind(action.object_type()).bind(&row.object_id).bind(&row.operation_id).bind(&row.client_addr).bind(&row.detail)
                    .bind(&row.entry_object)
                    .fetch_one(&mut **tx).await?;
                // Every audited change is also an entry of the tamper-evident log, in the same transaction.
                sqlx::query("INSERT INTO ledger_entry (entry, entry_type, object_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(row.entry(earlier as u64 + 1)?)
                    .bind(action.as_str())
                    .bind(&row.entry_object)
                    .bind(row.at)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::AuditRepo for $store {
            async fn record_audit(&self, actor: &Actor, action: AuditAction, object_id: Option<&str>, result: AuditResult, detail: Option<&str>) -> R<()> {
                self.write_one(sqlx::query("INSERT INTO audit_event (id, at, account_id, staff_id, actor_name, role, action, object_type, object_id, result, operation_id, client_addr, detail) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                    .bind(new_id()).bind(Utc::now()).bind(&actor.account_id).bind(&actor.staff_id).bind(&actor.name).bind(&actor.role)
                    .bind(action.as_str()).bind(action.object_type()).bind(object_id).bind(result.as_str())
                    .bind(&actor.operation_id).bind(&actor.client_addr).bind(detail)).await?;
                Ok(())
            }

            async fn list_audit(&self, filter: &AuditFilter, page: PageRequest) -> R<Paged<AuditEvent>> {
                let items = sqlx::query_as::<_, AuditEvent>(concat!("SELECT id, at, account_id, staff_id, actor_name, role, action, object_type, object_id, result, operation_id, client_addr, detail FROM audit_event", audit_where!(), " ORDER BY at DESC, id DESC LIMIT $6 OFFSET $7"))
                    .bind(filter.from).bind(filter.to).bind(&filter.action).bind(&filter.actor).bind(&filter.object_id)
                    .bind(page.limit).bind(page.offset)
                    .fetch_all(&self.read).await?;
                let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM audit_event", audit_where!()))
                    .bind(filter.from).bind(filter.to).bind(&filter.action).bind(&filter.actor).bind(&filter.object_id)
                    .fetch_one(&self.read).await?;
                Ok(Paged { items, total })
            }

            async fn apply_audit_retention(&self, actor: &Actor, cutoff: DateTime<Utc>) -> R<u64> {
                let mut tx = self.begin_write().await?;
                // Moving the cutoff back is refused by the database itself; forward only.
                sqlx::query("UPDATE audit_retention SET cutoff = $1 WHERE id = 1 AND cutoff < $1").bind(cutoff).execute(&mut *tx).await?;
                let removed = sqlx::query("DELETE FROM audit_event WHERE at < $1").bind(cutoff).execute(&mut *tx).await?.rows_affected();
                let detail = format!("cutoff {} removed {removed}", cutoff.to_rfc3339());
                self.audit_tx(&mut tx, actor, AuditAction::AuditRetention, None, Some(&detail)).await?;
                tx.commit().await?;
                Ok(removed)
            }
        }
    };
}
pub(crate) use audit_impl;
