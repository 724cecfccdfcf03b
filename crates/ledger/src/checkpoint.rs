//! Checkpoints in the C2SP tlog-checkpoint format: the signed statement of a log's size and root.
//!
//! Anyone who keeps a checkpoint can later demand a consistency proof to a newer one, which is
//! what makes the log tamper-evident rather than merely append-only by promise.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::frontier::TreeHead;
use crate::hash::{Hash, HashAlgorithm};
use crate::keys::{NoteSigner, NoteVerifier};
use crate::note::{Note, NoteError};

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note around the checkpoint was malformed or not signed by the log.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Fewer than three lines, or an empty line.
    #[error("checkpoint text must have origin, size and root lines, none empty")]
    Lines,
    /// The origin is empty or contains a control character.
    #[error("invalid origin line")]
    Origin,
    /// The size line is not a decimal number without leading zeros that fits 64 bits.
    #[error("invalid tree size line")]
    Size,
    /// The root line is not the standard base64 of a 32-byte hash.
    #[error("invalid root hash line")]
    Root,
    /// The log key's name differs from the checkpoint's origin.
    #[error("checkpoint origin {origin} is not the key name {key}")]
    OriginMismatch { origin: String, key: String },
}

/// A log's tree head under its origin name, with optional extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint<A: HashAlgorithm> {
    origin: String,
    head: TreeHead<A>,
    extensions: Vec<String>,
}

impl<A: HashAlgorithm> Checkpoint<A> {
    /// A checkpoint without extension lines. The origin must be one non-empty line.
    pub fn new(origin: &str, head: TreeHead<A>) -> Result<Self, CheckpointError> {
        Self::with_extensions(origin, head, Vec::new())
    }

    /// A checkpoint with extension lines (which the spec discourages: monitors cannot audit them).
    pub fn with_extensions(origin: &str, head: TreeHead<A>, extensions: Vec<String>) -> Result<Self, CheckpointError> {
        check_line(origin).map_err(|()| CheckpointError::Origin)?;
        for ext in &extensions {
            check_line(ext).map_err(|()| CheckpointError::Lines)?;
        }
        Ok(Self {
            origin: origin.to_owned(),
            head,
            extensions,
        })
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The signed size and root.
    pub fn tree_head(&self) -> TreeHead<A> {
        self.head
    }

    /// The signed size.
    pub fn size(&self) -> u64 {
        self.head.size
    }

    /// The signed root.
    pub fn root(&self) -> Hash<A> {
        self.head.root
    }

    /// The extension lines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text: origin, size, base64 root, extensions, each ending in a newline.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.head.size,
            STANDARD.encode(self.head.root.as_bytes())
        );
        for ext in &self.extensions {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "{ext}");
        }
        text
    }

    /// Parses checkpoint text (the note text, not yet verified).
    pub fn parse_text(text: &str) -> Result<Self, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::Lines)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::Lines);
        };
        let size = parse_size(size)?;
        let root = STANDARD.decode(root).map_err(|_| CheckpointError::Root)?;
        let root = Hash::from_slice(&root).map_err(|_| CheckpointError::Root)?;
        let extensions = extensions.iter().map(|e| (*e).to_owned()).collect();
        Self::with_extensions(origin, TreeHead { size, root }, extensions)
    }

    /// Signs the checkpoint with the log key, whose name must be the origin.
    pub fn sign(&self, log_key: &NoteSigner) -> Result<Note, CheckpointError> {
        self.check_origin(log_key.name())?;
        Ok(Note::sign(&self.to_text(), &[log_key])?)
    }

    /// Parses a signed checkpoint and accepts it only if the log key signed it and is named
    /// after its origin. Other signatures (say, witnesses') are ignored.
    pub fn open(note: &[u8], log_key: &NoteVerifier) -> Result<Self, CheckpointError> {
        let note = Note::parse(note)?;
        note.verify(std::slice::from_ref(log_key))?;
        let checkpoint = Self::parse_text(note.text())?;
        checkpoint.check_origin(log_key.name())?;
        Ok(checkpoint)
    }

    fn check_origin(&self, key_name: &str) -> Result<(), CheckpointError> {
        if self.origin != key_name {
            return Err(CheckpointError::OriginMismatch {
                origin: self.origin.clone(),
                key: key_name.to_owned(),
            });
        }
        Ok(())
    }
}

fn check_line(line: &str) -> Result<(), ()> {
    if line.is_empty() || line.chars().any(char::is_control) {
        return Err(());
    }
    Ok(())
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let digits_only = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (line.len() > 1 && line.starts_with('0')) {
        return Err(CheckpointError::Size);
    }
    line.parse().map_err(|_| CheckpointError::Size)
}
