//! Scope grants and reach resolution on both backends.

/// The query that finds a grant's target, by the grant's kind.
pub(crate) fn scope_target_sql(kind: qinglian_domain::scope::ScopeKind) -> Option<&'static str> {
    use qinglian_domain::scope::ScopeKind as K;
    match kind {
        K::County => None,
        K::Zone => Some("SELECT COUNT(*) FROM zone WHERE id = $1"),
        K::Township => Some("SELECT COUNT(*) FROM township WHERE id = $1"),
        K::Department => Some("SELECT COUNT(*) FROM department WHERE id = $1"),
        K::InspectionRound => Some("SELECT COUNT(*) FROM inspection_round WHERE id = $1"),
        // Cases arrive with the zones practice; until then no case id can be granted.
        K::Case => Some("SELECT 0"),
    }
}

macro_rules! scope_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::repo::ScopeRepo for $store {
            async fn list_scope_grants(&self, account_id: &str) -> R<Vec<ScopeGrant>> {
                Ok(sqlx::query_as::<_, ScopeGrant>(
                    "SELECT g.account_id, g.kind, g.target_id, COALESCE(z.name, t.name, d.name, r.name) AS target_name, g.granted_at \
                     FROM account_scope g \
                     LEFT JOIN zone z ON g.kind = 'zone' AND z.id = g.target_id \
                     LEFT JOIN township t ON g.kind = 'township' AND t.id = g.target_id \
                     LEFT JOIN department d ON g.kind = 'department' AND d.id = g.target_id \
                     LEFT JOIN inspection_round r ON g.kind = 'inspection_round' AND r.id = g.target_id \
                     WHERE g.account_id = $1 ORDER BY g.kind, g.target_id",
                )
                .bind(account_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn grant_scope(&self, actor: &Actor, account_id: &str, scope: &qinglian_domain::scope::Scope) -> R<()> {
                let mut tx = self.begin_write().await?;
                let role: Option<String> = sqlx::query_scalar(
                    "SELECT s.role FROM account a JOIN staff s ON s.id = a.staff_id WHERE a.id = $1",
                )
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
                let role = Role::parse("account_id", &role.ok_or(StoreError::NotFound)?)?;
                if !qinglian_domain::scope::may_hold_grants(role) {
                    return Err(Invalid::field("kind", "scope.role_cannot_hold", Some(role.as_str())).into());
                }
                let target = scope.target_id.as_deref().unwrap_or("");
                if let Some(sql) = crate::portable::scope::scope_target_sql(scope.kind) {
                    let n: i64 = sqlx::query_scalar(sql).bind(target).fetch_one(&mut *tx).await?;
                    if n == 0 {
                        return Err(Invalid::field("target_id", "field.unknown_id", Some(target)).into());
                    }
                }
                sqlx::query(
                    "INSERT INTO account_scope (account_id, kind, target_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(account_id)
                .bind(scope.kind.as_str())
                .bind(target)
                .bind(&actor.account_id)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(constraint("target_id", Some(target), "account_id"))?;
                let detail = format!("{}:{target}", scope.kind.as_str());
                self.audit_tx(&mut tx, actor, AuditAction::ScopeGrant, Some(account_id), Some(&detail)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_scope(&self, actor: &Actor, account_id: &str, scope: &qinglian_domain::scope::Scope) -> R<()> {
                let mut tx = self.begin_write().await?;
                let target = scope.target_id.as_deref().unwrap_or("");
                let r = sqlx::query("DELETE FROM account_scope WHERE account_id = $1 AND kind = $2 AND target_id = $3")
                    .bind(account_id)
                    .bind(scope.kind.as_str())
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let detail = format!("{}:{target}", scope.kind.as_str());
                self.audit_tx(&mut tx, actor, AuditAction::ScopeRevoke, Some(account_id), Some(&detail)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn reach_of(&self, account_id: &str) -> R<qinglian_domain::scope::Reach> {
                // The generation is taken before the read, so a read across a change is not
                // kept past it.
                let cache = self.reach_cache();
                if let Some(reach) = cache.and_then(|(kept, generation)| kept.get(account_id, generation)) {
                    return Ok(reach);
                }
                let rows = self
                    .hot_rows::<crate::portable::scope_read::ReachRow>(
                        crate::portable::scope_read::REACH_SQL,
                        &[crate::hot_read::Bind::Text(account_id.to_owned())],
                    )
                    .await?;
                let reach = crate::portable::scope_read::assemble(rows)?;
                if let Some((kept, generation)) = cache {
                    kept.put(account_id, generation, &reach);
                }
                Ok(reach)
            }
        }
    };
}
pub(crate) use scope_impl;
