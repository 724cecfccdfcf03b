//! Accounts, sessions, sign-in throttling and the second factor, on both backends.

/// What one charge against a throttle row found.
pub(crate) struct Charged {
    /// The key was already locked, until then: the attempt should be refused.
    pub(crate) locked: Option<chrono::DateTime<chrono::Utc>>,
    /// This charge used up the allowance and locks the key until then (it itself counted).
    pub(crate) locks: Option<chrono::DateTime<chrono::Utc>>,
}

/// The signed-in user behind a session token hash (`$1`), of an account not disabled (`$2`
/// false); the columns in `SessionUser`'s order.
pub(crate) const SESSION_USER_SQL: &str = "SELECT a.id AS account_id, a.username, s.id AS staff_id, s.name AS staff_name, \
     s.role, s.posting_kind, s.posting_unit_id, se.csrf_token, se.expires_at, se.last_seen_at, se.stage, \
     se.pending_secret, a.totp_secret \
     FROM session se JOIN account a ON a.id = se.account_id JOIN staff s ON s.id = a.staff_id \
     WHERE se.token_hash = $1 AND a.disabled = $2";

impl crate::hot_read::HotRow for crate::model::SessionUser {
    fn from_sqlite(c: &mut crate::hot_read::Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            account_id: c.take()?,
            username: c.take()?,
            staff_id: c.take()?,
            staff_name: c.take()?,
            role: c.take()?,
            posting_kind: c.take()?,
            posting_unit_id: c.take()?,
            csrf_token: c.take()?,
            expires_at: c.time()?,
            last_seen_at: c.time()?,
            stage: c.take()?,
            pending_secret: c.take()?,
            totp_secret: c.take()?,
        })
    }
}

macro_rules! account_impl {
    ($store:ty) => {
        impl $store {
            /// Counts one attempt against `a` in the caller's transaction: attempts older than
            /// its window start a new count, and reaching its limit locks the key until
            /// `now + lock_for`. One upsert, so concurrent attempts on PostgreSQL cannot lose
            /// a count. (`concern_batch` applies the same rule to many rows at once.)
            pub(crate) async fn charge_tx(&self, tx: &mut Tx, a: &crate::model::Allowance, now: DateTime<Utc>) -> R<crate::portable::account::Charged> {
                let (count, locked_until): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                    "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, NULL) \
                     ON CONFLICT (key) DO UPDATE SET \
                       failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
                       window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
                     RETURNING failures, locked_until")
                    .bind(&a.key).bind(now).bind(now - a.window).fetch_one(&mut **tx).await?;
                let locked = locked_until.filter(|u| *u > now);
                let mut locks = None;
                if count >= a.limit {
                    let until = now + a.lock_for;
                    sqlx::query("UPDATE login_throttle SET locked_until = $2, failures = 0, window_start = $3 WHERE key = $1")
                        .bind(&a.key).bind(until).bind(now).execute(&mut **tx).await?;
                    locks = Some(until);
                }
                Ok(crate::portable::account::Charged { locked, locks })
            }
        }

        #[async_trait::async_trait]
        impl crate::repo::AccountRepo for $store {
            async fn create_account(&self, actor: &Actor, staff_id: &str, username: &str, password_hash: &str) -> R<String> {
                let id = new_id();
                // Both columns are unique; say which one clashed.
                let has: Option<String> = sqlx::query_scalar("SELECT id FROM account WHERE staff_id = $1").bind(staff_id).fetch_optional(&self.read).await?;
                if has.is_some() {
                    return Err(StoreError::Conflict { field: "staff_id", value: None });
                }
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO account (id, staff_id, username, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&id).bind(staff_id).bind(username).bind(password_hash).bind(false).bind(Utc::now())
                    .execute(&mut *tx).await
                    .map_err(constraint("username", Some(username), "staff_id"))?;
                self.audit_tx(&mut tx, actor, AuditAction::AccountCreate, Some(&id), Some(username)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn find_account(&self, username: &str) -> R<Option<AccountRow>> {
                Ok(sqlx::query_as::<_, AccountRow>("SELECT id, staff_id, username, password_hash, disabled, totp_secret FROM account WHERE username = $1")
                    .bind(username).fetch_optional(&self.read).await?)
            }

            async fn create_session(&self, token_hash: &str, account_id: &str, csrf_token: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> R<()> {
                self.write_one(sqlx::query("INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)")
                    .bind(token_hash).bind(account_id).bind(csrf_token).bind(now).bind(expires_at)).await?;
                Ok(())
            }

            async fn list_accounts(&self) -> R<Vec<AccountSummary>> {
                Ok(sqlx::query_as::<_, AccountSummary>(
                    "SELECT a.id, a.username, a.staff_id, s.name AS staff_name, s.role, a.disabled, \
                     (a.totp_secret IS NOT NULL) AS totp_enrolled, a.created_at \
                     FROM account a JOIN staff s ON s.id = a.staff_id ORDER BY a.username")
                    .fetch_all(&self.read).await?)
            }

            async fn set_account_disabled(&self, actor: &Actor, account_id: &str, disabled: bool) -> R<()> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE account SET disabled = $2 WHERE id = $1").bind(account_id).bind(disabled).execute(&mut *tx).await?;
                if r.rows_affected() == 0 { return Err(StoreError::NotFound); }
                if disabled {
                    sqlx::query("DELETE FROM session WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
                }
                let action = if disabled { AuditAction::AccountDisable } else { AuditAction::AccountEnable };
                self.audit_tx(&mut tx, actor, action, Some(account_id), None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_password(&self, actor: &Actor, account_id: &str, password_hash: &str, keep_session: Option<&str>) -> R<()> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE account SET password_hash = $2 WHERE id = $1").bind(account_id).bind(password_hash).execute(&mut *tx).await?;
                if r.rows_affected() == 0 { return Err(StoreError::NotFound); }
                sqlx::query("DELETE FROM session WHERE account_id = $1 AND (CAST($2 AS TEXT) IS NULL OR token_hash <> $2)")
                    .bind(account_id).bind(keep_session).execute(&mut *tx).await?;
                self.audit_tx(&mut tx, actor, AuditAction::PasswordChange, Some(account_id), None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_pending_session(&self, token_hash: &str, account_id: &str, csrf_token: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>, stage: SessionStage<'_>) -> R<()> {
                self.write_one(sqlx::query("INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, stage, pending_secret) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)")
                    .bind(token_hash).bind(account_id).bind(csrf_token).bind(now).bind(expires_at).bind(stage.as_str()).bind(stage.pending_secret())).await?;
                Ok(())
            }

            async fn complete_session(&self, token_hash: &str) -> R<()> {
                let r = self.write_one(sqlx::query("UPDATE session SET stage = 'full', pending_secret = NULL WHERE token_hash = $1")
                    .bind(token_hash)).await?;
                if r == 0 { return Err(StoreError::NotFound); }
                Ok(())
            }

            async fn set_totp_secret(&self, actor: &Actor, account_id: &str, secret: Option<&str>) -> R<()> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("UPDATE account SET totp_secret = $2, totp_last_step = NULL WHERE id = $1")
                    .bind(account_id).bind(secret).execute(&mut *tx).await?;
                if r.rows_affected() == 0 { return Err(StoreError::NotFound); }
                let detail = if secret.is_some() { "enrolled" } else { "reset" };
                self.audit_tx(&mut tx, actor, AuditAction::TotpEnrol, Some(account_id), Some(detail)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn use_totp_step(&self, account_id: &str, step: i64) -> R<bool> {
                let r = self.write_one(sqlx::query("UPDATE account SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
                    .bind(account_id).bind(step)).await?;
                Ok(r == 1)
            }

            async fn roles_requiring_totp(&self) -> R<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT role FROM role_policy WHERE require_totp = $1 ORDER BY role")
                    .bind(true).fetch_all(&self.read).await?)
            }

            async fn set_role_requires_totp(&self, actor: &Actor, role: &str, required: bool) -> R<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO role_policy (role, require_totp) VALUES ($1, $2) ON CONFLICT (role) DO UPDATE SET require_totp = excluded.require_totp")
                    .bind(role).bind(required).execute(&mut *tx).await
                    .map_err(constraint("role", Some(role), "role"))?;
                let detail = format!("require_totp={required}");
                self.audit_tx(&mut tx, actor, AuditAction::RolePolicySet, Some(role), Some(&detail)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now: DateTime<Utc>, idle_since: DateTime<Utc>) -> R<Option<SessionUser>> {
                // Every staff request asks this first: a hot read (`hot_read`).
                let user = self
                    .hot_rows::<SessionUser>(
                        crate::portable::account::SESSION_USER_SQL,
                        &[crate::hot_read::Bind::Text(token_hash.to_owned()), crate::hot_read::Bind::Bool(false)],
                    )
                    .await?
                    .pop();
                match user {
                    Some(u) if u.expires_at > now && u.last_seen_at > idle_since => Ok(Some(u)),
                    Some(_) => {
                        self.delete_session(token_hash).await?;
                        Ok(None)
                    }
                    None => Ok(None),
                }
            }

            async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> R<()> {
                self.write_one(sqlx::query("UPDATE session SET last_seen_at = $2 WHERE token_hash = $1").bind(token_hash).bind(now)).await?;
                Ok(())
            }

            async fn delete_session(&self, token_hash: &str) -> R<()> {
                self.write_one(sqlx::query("DELETE FROM session WHERE token_hash = $1").bind(token_hash)).await?;
                Ok(())
            }

            async fn login_locked_until(&self, key: &str, now: DateTime<Utc>) -> R<Option<DateTime<Utc>>> {
                // From a reader: on the writer it queued behind every batch of the group commit
                // (every public submission and receipt look-up asks this).
                let until: Option<Option<DateTime<Utc>>> = sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
                    .bind(key).fetch_optional(&self.read).await?;
                Ok(until.flatten().filter(|u| *u > now))
            }

            async fn record_login_failure(&self, key: &str, now: DateTime<Utc>, window: chrono::Duration, limit: i64, lock_for: chrono::Duration) -> R<Option<DateTime<Utc>>> {
                // In a write transaction, so on SQLite it shares the group commit's COMMIT
                // instead of paying a durable commit of its own.
                let mut tx = self.begin_write().await?;
                let allowance = crate::model::Allowance { key: key.to_owned(), window, limit, lock_for };
                let charged = self.charge_tx(&mut tx, &allowance, now).await?;
                tx.commit().await?;
                Ok(charged.locks.or(charged.locked))
            }

            async fn clear_login_failures(&self, key: &str) -> R<()> {
                self.write_one(sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key)).await?;
                Ok(())
            }

            async fn delete_stale_throttles(&self, window_started_before: DateTime<Utc>, now: DateTime<Utc>) -> R<u64> {
                self.write_one(sqlx::query("DELETE FROM login_throttle WHERE window_start < $1 AND (locked_until IS NULL OR locked_until <= $2)")
                    .bind(window_started_before).bind(now)).await
            }

            async fn delete_expired_sessions(&self, now: DateTime<Utc>, idle_since: DateTime<Utc>) -> R<u64> {
                self.write_one(sqlx::query("DELETE FROM session WHERE expires_at <= $1 OR last_seen_at <= $2")
                    .bind(now).bind(idle_since)).await
            }
        }
    };
}
pub(crate) use account_impl;
