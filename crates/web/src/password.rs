//! Password hashing with Argon2id; hashing runs off the async threads.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

/// A password in memory; its `Debug` hides it.
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Hashes with Argon2id and the crate's default (OWASP-recommended) parameters.
pub fn hash(password: &Password) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.0.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify(password: &Password, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.0.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the account does not exist, so timing does not reveal it.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&Password::new("decoy-password-never-valid")).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_wrong_passwords_do_not() {
        let h = hash(&Password::new("青岚-2026-secure")).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&Password::new("青岚-2026-secure"), &h));
        assert!(!verify(&Password::new("青岚-2026-securE"), &h));
        assert!(!verify(&Password::new("x"), "not a hash"));
    }
}
