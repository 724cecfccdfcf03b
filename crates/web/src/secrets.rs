//! The deployment's secret key, kept in a file outside the database. It keys the receipt
//! hashes, so a copy of the database cannot be searched for receipt codes, and seals the
//! second-factor secrets at rest with SM4-GCM (national cryptography, GB/T 32907).

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use anyhow::{Context, bail};
use base64::Engine;
use hmac::{Hmac, Mac};
use qinglian_domain::inspection::ReceiptCode;
use sha2::Sha256;

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

const SEALED_PREFIX: &str = "sm4gcm:";

/// Keys derived from the master key, one per purpose.
pub struct SecretKey {
    receipt: [u8; 32],
    seal: [u8; 16],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(master)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl SecretKey {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let seal = derive(master, "qinglian seal v1");
        let mut seal16 = [0u8; 16];
        seal16.copy_from_slice(&seal[..16]);
        Self {
            receipt: derive(master, "qinglian receipt v1"),
            seal: seal16,
        }
    }

    /// Reads the key file, or creates it (owner-readable only) when it does not exist yet.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let engine = base64::engine::general_purpose::STANDARD;
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = engine
                    .decode(text.trim())
                    .with_context(|| format!("the secret key {} is not base64", path.display()))?;
                let Ok(master) = <[u8; 32]>::try_from(bytes.as_slice()) else {
                    bail!("the secret key {} must hold 32 bytes", path.display());
                };
                Ok(Self::from_master(&master))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut master = [0u8; 32];
                getrandom::fill(&mut master).map_err(|e| anyhow::anyhow!("OS random: {e}"))?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                write_private(path, &engine.encode(master))?;
                tracing::warn!(path = %path.display(), "created the secret key; back it up: without it receipts and second factors cannot be used");
                Ok(Self::from_master(&master))
            }
            Err(e) => Err(e).with_context(|| format!("reading the secret key {}", path.display())),
        }
    }

    /// The stored form of a receipt code: HMAC-SHA256 under the deployment's key, hex.
    pub fn receipt_hash(&self, code: &ReceiptCode) -> String {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.receipt)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(code.digits().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A stable pseudonym for a value that must not be stored in the clear (a client address
    /// in the throttle table).
    pub fn pseudonym(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.receipt)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(b"pseudonym:");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Seals a short secret for storage: `sm4gcm:` and base64 of nonce and ciphertext.
    pub fn seal(&self, plain: &str) -> anyhow::Result<String> {
        let cipher = Sm4Gcm::new_from_slice(&self.seal).map_err(|_| anyhow::anyhow!("SM4 key length"))?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("OS random: {e}"))?;
        let sealed = cipher
            .encrypt(&nonce.into(), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!(
            "{SEALED_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        ))
    }

    /// Opens a sealed secret; a value stored before sealing existed is returned as it is.
    pub fn open(&self, stored: &str) -> anyhow::Result<String> {
        let Some(b64) = stored.strip_prefix(SEALED_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64)?;
        if bytes.len() < 12 {
            bail!("sealed value too short");
        }
        let (nonce, ct) = bytes.split_at(12);
        let nonce = <[u8; 12]>::try_from(nonce)?;
        let cipher = Sm4Gcm::new_from_slice(&self.seal).map_err(|_| anyhow::anyhow!("SM4 key length"))?;
        let plain = cipher
            .decrypt(&nonce.into(), ct)
            .map_err(|_| anyhow::anyhow!("the sealed value does not open with this deployment's key"))?;
        Ok(String::from_utf8(plain)?)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm4_known_answer() {
        // GB/T 32907 appendix A: key = plaintext = 0123456789abcdeffedcba9876543210.
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let k: [u8; 16] = hex::decode("0123456789abcdeffedcba9876543210")
            .unwrap()
            .try_into()
            .unwrap();
        let cipher = sm4::Sm4::new(&k.into());
        let mut block = k.into();
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let a = SecretKey::from_master(&[1; 32]);
        let b = SecretKey::from_master(&[2; 32]);
        let sealed = a.seal("JBSWY3DPEHPK3PXP").unwrap();
        assert!(sealed.starts_with("sm4gcm:") && !sealed.contains("JBSWY3DP"));
        assert_eq!(a.open(&sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(b.open(&sealed).is_err());
        assert_ne!(a.seal("x").unwrap(), a.seal("x").unwrap(), "a fresh nonce each time");
        assert_eq!(a.open("LEGACYPLAIN").unwrap(), "LEGACYPLAIN");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push('A');
        assert!(a.open(&tampered).is_err() || a.open(&tampered).unwrap() != "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn receipt_hashes_depend_on_the_key() {
        let code = ReceiptCode::parse("1234-5678-9012-3456").unwrap();
        let a = SecretKey::from_master(&[1; 32]);
        assert_eq!(a.receipt_hash(&code), a.receipt_hash(&code));
        assert_ne!(
            a.receipt_hash(&code),
            SecretKey::from_master(&[2; 32]).receipt_hash(&code)
        );
        assert_eq!(a.receipt_hash(&code).len(), 64);
    }

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let code = ReceiptCode::parse("1234567890123456").unwrap();
        let first = SecretKey::load_or_create(&path).unwrap().receipt_hash(&code);
        let again = SecretKey::load_or_create(&path).unwrap().receipt_hash(&code);
        assert_eq!(first, again);
        std::fs::write(&path, "not base64!").unwrap();
        assert!(SecretKey::load_or_create(&path).is_err());
    }
}
