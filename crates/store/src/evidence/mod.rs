//! The evidence store's records: files as they were taken in, uploads still in progress,
//! and each file's chain of custody; with the hashing, the blob storage and the
//! re-verification that the sealed export and `qinglian evidence verify` rely on.

pub mod blob;
pub mod hash;
pub mod intake;
pub mod verify;

use chrono::{DateTime, Utc};
use qinglian_domain::evidence::{FileName, MediaType};
use serde::Serialize;

pub use blob::{BlobError, BlobKey, BlobRead, BlobStore, DynBlobStore, LocalBlobs, ObjectBlobs, S3Config};
pub use hash::{Digests, HashPipeline, Hashing};
pub use intake::{IntakeError, intake_bytes};
pub use verify::{Mismatch, VerifyError, VerifyReport, verify_all, verify_and_record, verify_file};

/// One intake of a file: who handed in which bytes, when, under which name. Two intakes of
/// the same bytes are two records over one stored blob.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EvidenceFile {
    pub id: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// SM3 (GB/T 32905) of the content, hex.
    pub sm3: String,
    pub size: i64,
    /// The uploader's name for the file, reduced to a safe base name.
    pub original_name: String,
    /// As declared by the uploader; downloads are always served as octet-stream.
    pub media_type: String,
    pub account_id: Option<String>,
    pub staff_id: Option<String>,
    pub uploader_name: String,
    pub uploaded_at: DateTime<Utc>,
    #[serde(skip)]
    pub storage_key: String,
    /// Index of the intake's entry in the tamper-evident log, once integrated.
    pub ledger_index: Option<i64>,
}

impl EvidenceFile {
    /// The blob's key as recorded; a row not of our own shape is refused.
    pub fn key(&self) -> Result<BlobKey, BlobError> {
        BlobKey::parse(&self.storage_key).ok_or_else(|| BlobError::Missing(self.storage_key.clone()))
    }
}

/// A resumable upload in progress. It is not evidence: nothing of it is recorded as such until
/// every byte has arrived and been hashed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EvidenceUpload {
    pub id: String,
    pub account_id: String,
    pub length: i64,
    /// Bytes acknowledged to the client, all of them flushed to disk.
    pub upload_offset: i64,
    pub file_name: String,
    pub media_type: String,
    pub declared_sha256: Option<String>,
    pub declared_sm3: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// One link of a file's chain of custody.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CustodyEvent {
    pub id: String,
    pub file_id: String,
    /// `intake`, `access`, `download`, `export`, `verify_ok` or `verify_failed`.
    pub kind: String,
    pub account_id: Option<String>,
    pub actor_name: String,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// What a completed upload hands to the store.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub digests: Digests,
    pub size: u64,
    pub file_name: FileName,
    pub media_type: MediaType,
    pub key: BlobKey,
}

/// The detail of a file's intake, which its log entry commits to: both digests and the size,
/// never the name.
pub fn intake_detail(sha256: &str, sm3: &str, size: i64) -> String {
    format!("sha256:{sha256} sm3:{sm3} size:{size}")
}

/// Whose evidence a reader sees: everything with county-wide reach, otherwise what they took
/// in themselves.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceViewer<'a> {
    pub account_id: &'a str,
    pub reach: &'a qinglian_domain::scope::Reach,
}

impl EvidenceViewer<'_> {
    pub fn sees_all(&self) -> bool {
        self.reach.county
    }
}

/// How many files the store holds and their total size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvidenceTotals {
    pub files: i64,
    pub bytes: i64,
}
