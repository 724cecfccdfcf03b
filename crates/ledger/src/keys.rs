//! Signing and verifier keys for signed notes, with their C2SP text encodings.
//!
//! Ed25519 (signature type `0x01`) is the C2SP signed-note algorithm. SM2 (GB/T 32918, with SM3
//! and the default user id `1234567812345678`) has no assigned type byte, so it uses the
//! spec's private-use byte `0xff` followed by the identifier [`SM2_TYPE_ID`]: other note
//! implementations will treat those signatures as unknown and ignore them.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest;
use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::elliptic_curve::sec1::ToSec1Point;

/// Identifier after the `0xff` byte for SM2-with-SM3 note signatures (not C2SP-assigned).
pub const SM2_TYPE_ID: &[u8] = b"qinglian.sm2-sm3";

/// The SM2 distinguishing identifier: the GM/T 0009-2012 default user id.
const SM2_DISTID: &str = "1234567812345678";

/// Longest key name accepted; names are short URLs in practice.
const MAX_KEY_NAME_LEN: usize = 256;

/// Signature algorithms a note key can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureType {
    /// Ed25519 (RFC 8032), signed-note type `0x01`.
    Ed25519,
    /// SM2 with SM3 (GB/T 32918.2), signed-note type `0xff` + [`SM2_TYPE_ID`].
    Sm2,
}

impl SignatureType {
    /// The bytes that precede the public key in key ids and encoded keys.
    fn prefix(self) -> Vec<u8> {
        match self {
            Self::Ed25519 => vec![0x01],
            Self::Sm2 => [&[0xff][..], SM2_TYPE_ID].concat(),
        }
    }

    /// Splits encoded key bytes into their type and the key itself.
    fn split(bytes: &[u8]) -> Result<(Self, &[u8]), KeyError> {
        for t in [Self::Ed25519, Self::Sm2] {
            if let Some(key) = bytes.strip_prefix(t.prefix().as_slice()) {
                return Ok((t, key));
            }
        }
        Err(KeyError::UnknownType)
    }
}

/// Why a key could not be made, parsed or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Names must be non-empty, at most 256 bytes, without spaces, `+` or control characters.
    #[error("invalid key name")]
    InvalidName,
    /// The text is not `name+hash+key` (or `PRIVATE+KEY+name+hash+key`).
    #[error("malformed key text")]
    Malformed,
    /// The key bytes start with a signature type this crate does not know.
    #[error("unknown signature type")]
    UnknownType,
    /// The key bytes are not a valid key of their type.
    #[error("invalid key bytes")]
    InvalidKey,
    /// The key id in the text does not match the key.
    #[error("key id does not match the key")]
    KeyIdMismatch,
    /// The operating system's random source failed.
    #[error("no randomness available")]
    Random,
    /// The signer failed.
    #[error("signing failed")]
    Signing,
}

/// Checks a key name against the signed-note rules.
pub fn check_key_name(name: &str) -> Result<(), KeyError> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || c == '+';
    if name.is_empty() || name.len() > MAX_KEY_NAME_LEN || name.chars().any(bad) {
        return Err(KeyError::InvalidName);
    }
    Ok(())
}

/// `SHA-256(name || 0x0A || type || public key)[:4]`, big-endian.
fn key_id(name: &str, type_and_key: &[u8]) -> u32 {
    let digest = sha2::Sha256::new()
        .chain_update(name)
        .chain_update([0x0a])
        .chain_update(type_and_key)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[derive(Clone)]
enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Sm2(Box<sm2::dsa::VerifyingKey>),
}

impl PublicKey {
    fn signature_type(&self) -> SignatureType {
        match self {
            Self::Ed25519(_) => SignatureType::Ed25519,
            Self::Sm2(_) => SignatureType::Sm2,
        }
    }

    /// Type prefix followed by the public key (32 bytes, or 33-byte compressed SEC1 for SM2).
    fn encode(&self) -> Vec<u8> {
        let mut out = self.signature_type().prefix();
        match self {
            Self::Ed25519(k) => out.extend_from_slice(k.as_bytes()),
            Self::Sm2(k) => out.extend_from_slice(k.to_sec1_point(true).as_bytes()),
        }
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, KeyError> {
        match SignatureType::split(bytes)? {
            (SignatureType::Ed25519, key) => {
                let key: &[u8; 32] = key.try_into().map_err(|_| KeyError::InvalidKey)?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| KeyError::InvalidKey)?;
                Ok(Self::Ed25519(key))
            }
            (SignatureType::Sm2, key) => {
                if key.len() != 33 {
                    return Err(KeyError::InvalidKey);
                }
                let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, key).map_err(|_| KeyError::InvalidKey)?;
                Ok(Self::Sm2(Box::new(key)))
            }
        }
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match self {
            Self::Ed25519(k) => {
                ed25519_dalek::Signature::from_slice(sig).is_ok_and(|s| k.verify_strict(msg, &s).is_ok())
            }
            Self::Sm2(k) => sm2::dsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(msg, &s).is_ok()),
        }
    }
}

/// A public key trusted to sign notes under a name.
#[derive(Clone)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key: PublicKey,
}

impl NoteVerifier {
    /// Parses the vkey text `<name>+<key id hex>+<base64(type || public key)>`.
    pub fn from_vkey(text: &str) -> Result<Self, KeyError> {
        // Names cannot contain `+`, but standard base64 can: the key is everything after the id.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed);
        };
        check_key_name(name)?;
        let claimed = parse_key_id(id)?;
        let bytes = STANDARD.decode(key).map_err(|_| KeyError::Malformed)?;
        let key = PublicKey::decode(&bytes)?;
        if key_id(name, &bytes) != claimed {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: claimed,
            key,
        })
    }

    /// The vkey text, as published for auditors.
    pub fn to_vkey(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(self.key.encode())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-bit key id that prefixes this key's signatures.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The algorithm of this key.
    pub fn signature_type(&self) -> SignatureType {
        self.key.signature_type()
    }

    /// Checks a raw signature (without the key id) over `msg`.
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        self.key.verify(msg, signature)
    }
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

fn parse_key_id(hex: &str) -> Result<u32, KeyError> {
    let lower = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if hex.len() != 8 || !hex.chars().all(lower) {
        return Err(KeyError::Malformed);
    }
    u32::from_str_radix(hex, 16).map_err(|_| KeyError::Malformed)
}

enum SecretKey {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// A private key that signs notes under a name. Its `Debug` shows only the public half.
pub struct NoteSigner {
    verifier: NoteVerifier,
    key: SecretKey,
}

/// The skey text of a [`NoteSigner`]; `Debug` hides it so it cannot leak into logs.
pub struct SecretKeyText(String);

impl SecretKeyText {
    /// The text itself, for writing to a protected file or secret store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKeyText(..)")
    }
}

impl NoteSigner {
    /// Generates a fresh key from the operating system's random source.
    pub fn generate(name: &str, signature_type: SignatureType) -> Result<Self, KeyError> {
        check_key_name(name)?;
        // An SM2 scalar must be in [1, n-1]; a random 32-byte string almost always is, so a
        // few attempts make failure astronomically unlikely.
        for _ in 0..8 {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|_| KeyError::Random)?;
            match Self::from_secret(name, signature_type, &seed) {
                Err(KeyError::InvalidKey) => continue,
                other => return other,
            }
        }
        Err(KeyError::Random)
    }

    /// Builds a signer from 32 secret bytes: an Ed25519 seed or a big-endian SM2 scalar.
    pub fn from_secret(name: &str, signature_type: SignatureType, secret: &[u8; 32]) -> Result<Self, KeyError> {
        check_key_name(name)?;
        let (key, public) = match signature_type {
            SignatureType::Ed25519 => {
                let key = ed25519_dalek::SigningKey::from_bytes(secret);
                let public = PublicKey::Ed25519(key.verifying_key());
                (SecretKey::Ed25519(Box::new(key)), public)
            }
            SignatureType::Sm2 => {
                let key = sm2::dsa::SigningKey::from_slice(SM2_DISTID, secret).map_err(|_| KeyError::InvalidKey)?;
                let public = PublicKey::Sm2(Box::new(key.verifying_key().clone()));
                (SecretKey::Sm2(Box::new(key)), public)
            }
        };
        let key_id = key_id(name, &public.encode());
        Ok(Self {
            verifier: NoteVerifier {
                name: name.to_owned(),
                key_id,
                key: public,
            },
            key,
        })
    }

    /// Parses the skey text `PRIVATE+KEY+<name>+<key id hex>+<base64(type || secret)>`.
    pub fn from_skey(text: &str) -> Result<Self, KeyError> {
        let rest = text.strip_prefix("PRIVATE+KEY+").ok_or(KeyError::Malformed)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed);
        };
        let claimed = parse_key_id(id)?;
        let bytes = STANDARD.decode(key).map_err(|_| KeyError::Malformed)?;
        let (signature_type, secret) = SignatureType::split(&bytes)?;
        let secret: &[u8; 32] = secret.try_into().map_err(|_| KeyError::InvalidKey)?;
        let signer = Self::from_secret(name, signature_type, secret)?;
        if signer.verifier.key_id != claimed {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// The skey text, to store as a secret.
    pub fn to_skey(&self) -> SecretKeyText {
        let mut bytes = self.signature_type().prefix();
        match &self.key {
            SecretKey::Ed25519(k) => bytes.extend_from_slice(k.as_bytes()),
            SecretKey::Sm2(k) => bytes.extend_from_slice(&k.to_bytes()),
        }
        SecretKeyText(format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name(),
            self.key_id(),
            STANDARD.encode(bytes)
        ))
    }

    /// The matching verifier, to publish.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.verifier.name
    }

    /// The 32-bit key id.
    pub fn key_id(&self) -> u32 {
        self.verifier.key_id
    }

    /// The algorithm of this key.
    pub fn signature_type(&self) -> SignatureType {
        self.verifier.signature_type()
    }

    /// Signs `msg`, returning the raw signature (without the key id).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.key {
            SecretKey::Ed25519(k) => Ok(ed25519_dalek::Signer::sign(k.as_ref(), msg).to_bytes().to_vec()),
            SecretKey::Sm2(k) => {
                let sig: sm2::dsa::Signature = k.try_sign(msg).map_err(|_| KeyError::Signing)?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}
