//! Sign-in policy: how many failures lock an account or a client out, and for how long.

use chrono::Duration;

/// Throttling after failed sign-ins, per account and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures counted within this window.
    pub window: Duration,
    /// Failures on one account that lock it.
    pub account_limit: i64,
    /// Failures from one client address that lock it (higher: offices share addresses).
    pub client_limit: i64,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            account_limit: 5,
            client_limit: 30,
            lock_for: Duration::minutes(15),
        }
    }
}

/// Longest username and password accepted; longer input is refused before any hashing.
pub const MAX_USERNAME_CHARS: usize = 64;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The throttle key of an account, case-folded so `Admin` and `admin` share one count.
pub fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

pub fn client_key(addr: &str) -> String {
    format!("client:{addr}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_and_separate_kinds() {
        assert_eq!(account_key(" Admin "), account_key("admin"));
        assert_ne!(account_key("1.2.3.4"), client_key("1.2.3.4"));
    }
}
