//! Receipt codes for villagers: drawn from the OS generator, stored only as a hash, and
//! looked up under a per-client limit on misses so codes cannot be guessed.

use chrono::Utc;
use qinglian_domain::inspection::ReceiptCode;
use sha2::{Digest, Sha256};

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

/// The stored form of a code. The prefix keeps these hashes apart from any other SHA-256.
pub fn hash(code: &ReceiptCode) -> String {
    hex::encode(Sha256::digest(format!("qinglian-receipt:{}", code.digits()).as_bytes()))
}

fn key(client: &str) -> String {
    format!("receipt:{client}")
}

/// Refuses the client while it is locked out for too many misses.
pub async fn check_client(state: &AppState, client: &str) -> Result<(), AppError> {
    match state.store.login_locked_until(&key(client), Utc::now()).await? {
        Some(_) => Err(AppError::TooManyRequests),
        None => Ok(()),
    }
}

/// Counts a miss; a wrong code says nothing about whether another one exists.
pub async fn record_miss(state: &AppState, client: &str) -> Result<(), AppError> {
    state
        .store
        .record_login_failure(
            &key(client),
            Utc::now(),
            chrono::Duration::minutes(WINDOW_MINUTES),
            MISS_LIMIT,
            chrono::Duration::minutes(LOCK_MINUTES),
        )
        .await?;
    Ok(())
}
