//! C2SP signed notes: text followed by a blank line and `— <key name> <base64>` lines.
//!
//! Notes arrive from outside (auditors, witnesses, backups), so parsing is strict and bounded:
//! any deviation from the format is a typed error, never a panic, and nothing is trusted until
//! a signature by a known key verifies.

use std::collections::HashSet;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::keys::{KeyError, NoteSigner, NoteVerifier, check_key_name};

/// Largest note accepted, in bytes. Room for 16 post-quantum signatures of about 5 kB.
pub const MAX_NOTE_LEN: usize = 128 * 1024;

/// Most signature lines accepted; the spec asks for at least 16.
pub const MAX_SIGNATURES: usize = 64;

const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Longer than [`MAX_NOTE_LEN`].
    #[error("note longer than {MAX_NOTE_LEN} bytes")]
    TooLarge,
    /// Not UTF-8.
    #[error("note is not UTF-8")]
    NotUtf8,
    /// Contains an ASCII control character other than newline.
    #[error("note contains a control character")]
    ControlCharacter,
    /// The text is empty or does not end in a newline.
    #[error("note text must be non-empty and end with a newline")]
    BadText,
    /// No blank line separates text from signatures.
    #[error("no blank line before the signatures")]
    MissingSeparator,
    /// There are no signature lines.
    #[error("note has no signatures")]
    NoSignatures,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature line is not `— <name> <base64>` with at least one signature byte.
    #[error("malformed signature line {0}")]
    BadSignatureLine(usize),
    /// The same key signed twice.
    #[error("duplicate signature by {0}")]
    DuplicateSignature(String),
    /// A known key's signature does not verify: the note is rejected as a whole.
    #[error("signature by {0} does not verify")]
    BadSignature(String),
    /// No known key signed the note.
    #[error("no signature by a known key")]
    NoKnownSignature,
    /// A signer failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signing key's name.
    pub name: String,
    /// The signing key's 32-bit id.
    pub key_id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    fn line(&self) -> String {
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, STANDARD.encode(bytes))
    }
}

/// A parsed, not yet verified, signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::BadText);
    }
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter);
    }
    Ok(())
}

impl Note {
    /// Signs `text` with each signer, in order.
    pub fn sign(text: &str, signers: &[&NoteSigner]) -> Result<Self, NoteError> {
        check_text(text)?;
        if signers.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let signatures = signers
            .iter()
            .map(|s| {
                Ok(NoteSignature {
                    name: s.name().to_owned(),
                    key_id: s.key_id(),
                    signature: s.sign(text.as_bytes())?,
                })
            })
            .collect::<Result<Vec<_>, KeyError>>()?;
        let note = Self {
            text: text.to_owned(),
            signatures,
        };
        if note.to_string().len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        Ok(note)
    }

    /// Parses a signed note without verifying it.
    pub fn parse(input: &[u8]) -> Result<Self, NoteError> {
        if input.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        let input = std::str::from_utf8(input).map_err(|_| NoteError::NotUtf8)?;
        if input.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::ControlCharacter);
        }
        // The spec separates text from signatures at the *last* blank line.
        let split = input.rfind("\n\n").ok_or(NoteError::MissingSeparator)?;
        let (text, sigs) = (&input[..=split], &input[split + 2..]);
        check_text(text)?;
        if sigs.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let Some(sigs) = sigs.strip_suffix('\n') else {
            return Err(NoteError::BadSignatureLine(1));
        };
        let mut signatures = Vec::new();
        let mut seen = HashSet::new();
        for (i, line) in sigs.split('\n').enumerate() {
            if i == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            let sig = parse_signature_line(line).ok_or(NoteError::BadSignatureLine(i + 1))?;
            if !seen.insert((sig.name.clone(), sig.key_id)) {
                return Err(NoteError::DuplicateSignature(sig.name));
            }
            signatures.push(sig);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The signed text, including its final newline. Untrusted until [`Self::verify`] passes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Verifies the note against trusted keys, per the signed-note rules: signatures by
    /// unknown keys are ignored, any failing signature by a known key rejects the note, and
    /// at least one known key must have signed. Returns the keys that verified.
    pub fn verify<'k>(&self, known: &'k [NoteVerifier]) -> Result<Vec<&'k NoteVerifier>, NoteError> {
        let mut verified = Vec::new();
        for sig in &self.signatures {
            let Some(key) = known.iter().find(|k| k.name() == sig.name && k.key_id() == sig.key_id) else {
                continue;
            };
            if !key.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::BadSignature(sig.name.clone()));
            }
            verified.push(key);
        }
        if verified.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(verified)
    }
}

fn parse_signature_line(line: &str) -> Option<NoteSignature> {
    let rest = line.strip_prefix(SIG_PREFIX)?;
    let (name, b64) = rest.split_once(' ')?;
    check_key_name(name).ok()?;
    let bytes = STANDARD.decode(b64).ok()?;
    if bytes.len() <= 4 {
        return None;
    }
    let (id, signature) = bytes.split_at(4);
    let key_id = u32::from_be_bytes(id.try_into().ok()?);
    Some(NoteSignature {
        name: name.to_owned(),
        key_id,
        signature: signature.to_vec(),
    })
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for sig in &self.signatures {
            f.write_str(&sig.line())?;
        }
        Ok(())
    }
}
