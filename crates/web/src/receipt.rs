//! Receipt codes for villagers: drawn from the OS generator, stored only as a keyed hash
//! (`secrets`), and looked up under a per-client limit on misses so codes cannot be guessed.

use chrono::Utc;
use qinglian_domain::inspection::ReceiptCode;

use crate::error::AppError;
use crate::state::AppState;

/// Misses allowed per client in the window before look-ups are refused for a while.
const MISS_LIMIT: i64 = 10;
const WINDOW_MINUTES: i64 = 15;
const LOCK_MINUTES: i64 = 15;

pub fn new_code() -> Result<ReceiptCode, AppError> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("OS random: {e}")))?;
        if let Some(code) = ReceiptCode::from_random(&bytes) {
            return Ok(code);
        }
    }
}

/// The throttle's key for a client: a keyed hash, so no address is stored in the clear.
pub(crate) fn key(state: &AppState, client: &str) -> String {
    format!("receipt:{}", &state.secrets.pseudonym(client)[..32])
}

/// Submissions allowed per client and hour through the public form: enough for a family at
/// a meeting sharing one phone, not enough to flood the register.
const SUBMISSIONS_PER_HOUR: i64 = 30;

/// The client's allowance of public submissions, charged with each one it sends.
pub fn submission_allowance(state: &AppState, client: &str) -> qinglian_store::model::Allowance {
    qinglian_store::model::Allowance {
        key: format!("submit:{}", &state.secrets.pseudonym(client)[..32]),
        window: chrono::Duration::hours(1),
        limit: SUBMISSIONS_PER_HOUR,
        lock_for: chrono::Duration::hours(1),
    }
}

/// Refuses the client while it is locked out for too many misses.
pub async fn check_client(state: &AppState, client: &str) -> Result<(), AppError> {
    match state.store.login_locked_until(&key(state, client), Utc::now()).await? {
        Some(_) => Err(AppError::TooManyRequests),
        None => Ok(()),
    }
}

/// Counts a miss; a wrong code says nothing about whether another one exists.
pub async fn record_miss(state: &AppState, client: &str) -> Result<(), AppError> {
    state
        .store
        .record_login_failure(
            &key(state, client),
            Utc::now(),
            chrono::Duration::minutes(WINDOW_MINUTES),
            MISS_LIMIT,
            chrono::Duration::minutes(LOCK_MINUTES),
        )
        .await?;
    Ok(())
}
