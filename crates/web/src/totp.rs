//! The second factor: TOTP (RFC 6238, SHA-1, 6 digits, 30 s, one step of clock skew).

use totp_rs::{Builder, Secret};

/// A fresh 160-bit secret, base32 as authenticator apps expect it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str) -> Option<totp_rs::Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new().with_secret(secret).build().ok()
}

/// The time step the code belongs to, if it is valid at `unix_time` (± one step).
pub fn check(secret: &str, code: &str, unix_time: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret)?
        .check(code, unix_time)
        .and_then(|step| i64::try_from(step).ok())
}

/// The code for `unix_time`; tests and the enrolment page's self-check use it.
pub fn code_at(secret: &str, unix_time: u64) -> Option<String> {
    Some(totp(secret)?.generate(unix_time).to_string())
}

/// The `otpauth://` address an authenticator app imports.
pub fn otpauth_uri(secret: &str, username: &str) -> String {
    let enc = |s: &str| {
        serde_urlencoded::to_string([("", s)])
            .map(|e| e.trim_start_matches('=').to_owned())
            .unwrap_or_default()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc("清廉"),
        enc(username),
        enc("清廉")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(check(&secret, "287082", 59), Some(1));
        assert_eq!(
            check(&secret, "287082", 59 + 30),
            Some(1),
            "one step of skew is accepted"
        );
        assert_eq!(check(&secret, "287082", 59 + 90), None);
        assert_eq!(check(&secret, "28708", 59), None);
        assert_eq!(check(&secret, "abcdef", 59), None);
    }

    #[test]
    fn secrets_are_random_and_160_bits() {
        let a = new_secret();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_secret());
    }
}
