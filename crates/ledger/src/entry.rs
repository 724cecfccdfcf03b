//! The canonical encoding of what the practice modules append to the ledger.
//!
//! A leaf hash is only reproducible if the bytes behind it are: so an entry has exactly one
//! encoding, made here in Rust (never by a database), and decoding rejects anything else.
//!
//! Format version 1, all integers big-endian:
//!
//! ```text
//! u8  format = 0x01
//! u8  n, n bytes   entry type: 1-64 of [a-z0-9._-]
//! u8  n, n bytes   object id:  1-128 printable ASCII (0x21-0x7e)
//! u64              version
//! i64              time, microseconds since 1970-01-01T00:00:00Z
//! u8  n, n bytes   actor id:   1-128 printable ASCII (0x21-0x7e)
//! [32]             content hash
//! ```

use crate::hash::{Hash, HashAlgorithm};

/// The format byte that starts every version-1 entry.
pub const ENTRY_FORMAT_V1: u8 = 0x01;

const MAX_TYPE_LEN: usize = 64;
const MAX_ID_LEN: usize = 128;

/// Why an entry could not be built or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The entry type is empty, too long or uses characters outside `[a-z0-9._-]`.
    #[error("entry type must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")]
    EntryType,
    /// The object id is empty, too long or not printable ASCII.
    #[error("object id must be 1-128 printable ASCII characters")]
    ObjectId,
    /// The actor id is empty, too long or not printable ASCII.
    #[error("actor id must be 1-128 printable ASCII characters")]
    ActorId,
    /// The first byte is not a known format.
    #[error("unknown entry format {0:#04x}")]
    Format(u8),
    /// The input ends inside a field.
    #[error("entry is truncated")]
    Truncated,
    /// Bytes follow the content hash.
    #[error("{0} bytes after the end of the entry")]
    TrailingBytes(usize),
}

/// One ledger entry: who did what to which version of which object, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    entry_type: String,
    object_id: String,
    version: u64,
    time_micros: i64,
    actor_id: String,
    content_hash: [u8; 32],
}

fn valid_type(s: &str) -> bool {
    let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-');
    (1..=MAX_TYPE_LEN).contains(&s.len()) && s.bytes().all(ok)
}

fn valid_id(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic())
}

impl Entry {
    /// Builds an entry, checking every field.
    pub fn new(
        entry_type: &str,
        object_id: &str,
        version: u64,
        time_micros: i64,
        actor_id: &str,
        content_hash: [u8; 32],
    ) -> Result<Self, EntryError> {
        if !valid_type(entry_type) {
            return Err(EntryError::EntryType);
        }
        if !valid_id(object_id) {
            return Err(EntryError::ObjectId);
        }
        if !valid_id(actor_id) {
            return Err(EntryError::ActorId);
        }
        Ok(Self {
            entry_type: entry_type.to_owned(),
            object_id: object_id.to_owned(),
            version,
            time_micros,
            actor_id: actor_id.to_owned(),
            content_hash,
        })
    }

    /// What happened, e.g. `concern.created`.
    pub fn entry_type(&self) -> &str {
        &self.entry_type
    }

    /// The object it happened to.
    pub fn object_id(&self) -> &str {
        &self.object_id
    }

    /// The object's version after the change.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When, in microseconds since the Unix epoch (UTC).
    pub fn time_micros(&self) -> i64 {
        self.time_micros
    }

    /// Who did it.
    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }

    /// Hash of the object's canonical content after the change.
    pub fn content_hash(&self) -> &[u8; 32] {
        &self.content_hash
    }

    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(1 + 3 + self.entry_type.len() + self.object_id.len() + self.actor_id.len() + 16 + 32);
        out.push(ENTRY_FORMAT_V1);
        // Lengths fit a byte: `new` and `decode` cap them at 128.
        for field in [&self.entry_type, &self.object_id] {
            out.push(field.len() as u8);
            out.extend_from_slice(field.as_bytes());
        }
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.time_micros.to_be_bytes());
        out.push(self.actor_id.len() as u8);
        out.extend_from_slice(self.actor_id.as_bytes());
        out.extend_from_slice(&self.content_hash);
        out
    }

    /// Decodes canonical bytes; anything but exactly one well-formed entry is an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        let mut r = Reader(bytes);
        let format = r.take::<1>()?[0];
        if format != ENTRY_FORMAT_V1 {
            return Err(EntryError::Format(format));
        }
        let entry_type = r.string()?.ok_or(EntryError::EntryType)?;
        let object_id = r.string()?.ok_or(EntryError::ObjectId)?;
        let version = u64::from_be_bytes(r.take()?);
        let time_micros = i64::from_be_bytes(r.take()?);
        let actor_id = r.string()?.ok_or(EntryError::ActorId)?;
        let content_hash = r.take()?;
        if !r.0.is_empty() {
            return Err(EntryError::TrailingBytes(r.0.len()));
        }
        Self::new(entry_type, object_id, version, time_micros, actor_id, content_hash)
    }

    /// The RFC 9162 leaf hash of the canonical bytes.
    pub fn leaf_hash<A: HashAlgorithm>(&self) -> Hash<A> {
        A::hash_leaf(&self.encode())
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(EntryError::Truncated)?;
        self.0 = rest;
        Ok(*head)
    }

    /// A length-prefixed string; `Ok(None)` if it is not ASCII (the field check says which).
    fn string(&mut self) -> Result<Option<&'a str>, EntryError> {
        let len = usize::from(self.take::<1>()?[0]);
        if self.0.len() < len {
            return Err(EntryError::Truncated);
        }
        let (field, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(std::str::from_utf8(field).ok().filter(|s| s.is_ascii()))
    }
}
