//! What a staff password must be: long enough to resist guessing, not the username, not a
//! well-known password. Length beats composition rules (NIST SP 800-63B).

use crate::error::Invalid;
use crate::signin::MAX_PASSWORD_BYTES;

pub const MIN_CHARS: usize = 12;

/// Passwords seen often enough in leaks and in offices that they must never be accepted.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890ab",
    "qwertyuiopas",
    "password1234",
    "passw0rd1234",
    "aaaaaaaaaaaa",
    "admin1234567",
    "qinglian-demo",
    "qinglian2026",
    "abc123456789",
    "iloveyou1234",
    "woaini123456",
];

pub fn check(username: &str, password: &str) -> Result<(), Invalid> {
    let field = "password";
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Invalid::field(field, "password.too_short", None));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Invalid::field(field, "password.too_long", None));
    }
    let lower = password.to_lowercase();
    if !username.trim().is_empty() && lower.contains(&username.trim().to_lowercase()) {
        return Err(Invalid::field(field, "password.contains_username", None));
    }
    if COMMON.contains(&lower.as_str()) || password.chars().all(|c| password.starts_with(c)) {
        return Err(Invalid::field(field, "password.common", None));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(u: &str, p: &str) -> &'static str {
        check(u, p).unwrap_err().fields[0].key
    }

    #[test]
    fn length_username_and_common_passwords() {
        assert!(check("lin.xiao", "青岚溪水长流不息-2026").is_ok());
        assert_eq!(key("lin", "short"), "password.too_short");
        assert_eq!(key("linxiao", "my-LINXIAO-password"), "password.contains_username");
        assert_eq!(key("lin", "password1234"), "password.common");
        assert_eq!(key("lin", "zzzzzzzzzzzzzz"), "password.common");
        assert_eq!(key("lin", &"x".repeat(20)), "password.common");
        assert_eq!(key("lin", &"xy".repeat(600)), "password.too_long");
    }
}
