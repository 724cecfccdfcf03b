//! Claims on scheduled work, on both backends.

macro_rules! job_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::repo::JobRepo for $store {
            async fn claim_job(&self, name: &str, owner: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>, not_run_since: DateTime<Utc>) -> R<bool> {
                let r = self.write_one(sqlx::query("INSERT INTO job_claim (name, owner, locked_until) VALUES ($1, $2, $3) \
                                     ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, locked_until = excluded.locked_until \
                                     WHERE (job_claim.locked_until IS NULL OR job_claim.locked_until < $4 OR job_claim.owner = $2) \
                                       AND (job_claim.last_run_at IS NULL OR job_claim.last_run_at < $5)")
                    .bind(name).bind(owner).bind(lease_until).bind(now).bind(not_run_since)).await?;
                Ok(r == 1)
            }

            async fn finish_job(&self, name: &str, owner: &str, now: DateTime<Utc>) -> R<()> {
                self.write_one(sqlx::query("UPDATE job_claim SET owner = NULL, locked_until = NULL, last_run_at = $3 WHERE name = $1 AND owner = $2")
                    .bind(name).bind(owner).bind(now)).await?;
                Ok(())
            }
        }
    };
}
pub(crate) use job_impl;
