//! Scheduled work, claimed through the database so that exactly one instance runs each job.

use chrono::{DateTime, Utc};
use qinglian_store::model::Actor;
use tokio::sync::watch;

use crate::state::AppState;

/// A job: its name (the claim key), how often it runs, and how long a claim lasts if the
/// holder dies.
struct Job {
    name: &'static str,
    every: chrono::Duration,
    lease: chrono::Duration,
}

const JOBS: &[Job] = &[
    Job {
        name: "session_cleanup",
        every: chrono::Duration::minutes(5),
        lease: chrono::Duration::minutes(5),
    },
    Job {
        name: "audit_retention",
        every: chrono::Duration::hours(24),
        lease: chrono::Duration::minutes(30),
    },
    Job {
        name: "throttle_cleanup",
        every: chrono::Duration::hours(1),
        lease: chrono::Duration::minutes(10),
    },
    Job {
        name: "evidence_upload_cleanup",
        every: chrono::Duration::minutes(10),
        lease: chrono::Duration::minutes(10),
    },
];

/// How long a throttle count is kept after its window started: longer than every window in use
/// (sign-in and receipt look-ups 15 minutes, public submissions an hour).
const THROTTLE_MEMORY: chrono::Duration = chrono::Duration::hours(24);

pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = std::time::Duration::from_secs(state.settings.jobs_interval_seconds.max(1));
    loop {
        for job in JOBS {
            if let Err(e) = run_one(&state, job).await {
                tracing::warn!(job = job.name, error = %e, "scheduled job failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn run_one(state: &AppState, job: &Job) -> Result<(), qinglian_store::StoreError> {
    let now = Utc::now();
    if !state
        .store
        .claim_job(job.name, &state.instance_id, now, now + job.lease, now - job.every)
        .await?
    {
        return Ok(());
    }
    match job.name {
        "session_cleanup" => {
            let removed = state
                .store
                .delete_expired_sessions(now, now - state.idle_timeout())
                .await?;
            if removed > 0 {
                tracing::info!(removed, "expired sessions removed");
            }
        }
        "audit_retention" => {
            // Settings refuse a period under the legal minimum; this is the only deletion path.
            let days = i64::from(
                state
                    .settings
                    .audit_retention_days
                    .max(qinglian_domain::audit::MIN_RETENTION_DAYS),
            );
            let cutoff = now - chrono::Duration::days(days);
            let removed = state
                .store
                .apply_audit_retention(&Actor::system("audit_retention"), cutoff)
                .await?;
            tracing::info!(removed, "audit retention applied");
        }
        "throttle_cleanup" => {
            // Every client that ever submitted or looked up a receipt leaves a count behind;
            // once its window is over and no lock runs, it is the same as none.
            let removed = state.store.delete_stale_throttles(now - THROTTLE_MEMORY, now).await?;
            if removed > 0 {
                tracing::info!(removed, "stale throttle counts removed");
            }
        }
        "evidence_upload_cleanup" => {
            // Abandoned uploads were never evidence: their partial bytes just go.
            let removed = state.evidence.cleanup(&state.store, now).await?;
            if removed > 0 {
                tracing::info!(removed, "abandoned evidence uploads removed");
            }
        }
        _ => {}
    }
    state.store.finish_job(job.name, &state.instance_id, Utc::now()).await
}

/// How long the ledger job's claim lasts: another instance takes over within this time of the
/// holder's stopping without releasing it.
const LEDGER_LEASE: chrono::Duration = chrono::Duration::seconds(30);

/// True while a claim held until `held_until` has more than half its time left. The holder
/// renews it only then: claiming and releasing it around every run wrote twice a second to
/// the database even with nothing to integrate, and each write made every reader drop its
/// page cache.
fn holds_ledger(held_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    held_until.is_some_and(|until| until - now > LEDGER_LEASE / 2)
}

/// Integrates the ledger about once a second, claimed like any job so one instance does it;
/// the claim is kept while the instance runs and released when it stops.
pub async fn run_ledger(state: AppState, mut stop: watch::Receiver<bool>) {
    let warming = state.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::ledger::warm(&warming).await {
            tracing::warn!(error = %e, "could not read the stored tree ahead of proofs");
        }
    });
    let every = std::time::Duration::from_millis(state.settings.ledger_interval_ms.max(50));
    let mut held_until: Option<DateTime<Utc>> = None;
    loop {
        let now = Utc::now();
        if !holds_ledger(held_until, now) {
            held_until = match state
                .store
                .claim_job("ledger_integrate", &state.instance_id, now, now + LEDGER_LEASE, now)
                .await
            {
                Ok(true) => Some(now + LEDGER_LEASE),
                Ok(false) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim the ledger job");
                    None
                }
            };
        }
        // Held here means more than half the lease is left: just claimed or still fresh.
        if held_until.is_some()
            && let Err(e) = crate::ledger::integrate(&state).await
        {
            tracing::warn!(error = %e, "ledger integration failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {
                if held_until.is_some() {
                    // Released, so another instance need not wait for the lease to run out.
                    let _ = state.store.finish_job("ledger_integrate", &state.instance_id, Utc::now()).await;
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_claim_is_renewed_only_once_half_its_lease_is_gone() {
        let now = Utc::now();
        let second = chrono::Duration::seconds(1);
        assert!(!holds_ledger(None, now), "nothing claimed yet");
        assert!(holds_ledger(Some(now + LEDGER_LEASE), now), "just claimed");
        assert!(holds_ledger(Some(now + LEDGER_LEASE / 2 + second), now));
        assert!(!holds_ledger(Some(now + LEDGER_LEASE / 2), now), "half gone: renew");
        assert!(!holds_ledger(Some(now - second), now), "run out");
    }
}
