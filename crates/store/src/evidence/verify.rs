//! Re-reading stored evidence and checking it against what was recorded at intake: the check
//! the sealed export runs on every file it packs and `qinglian evidence verify` runs on all.

use std::collections::HashMap;

use qinglian_domain::evidence::CustodyKind;

use super::blob::{BlobError, BlobStore};
use super::hash::{Digests, hash_stream};
use super::{EvidenceFile, EvidenceTotals};
use crate::error::StoreError;
use crate::model::Actor;

/// What differs between a stored blob and its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub file_id: String,
    pub file_name: String,
    /// `size`, `sha256` or `sm3`: the first that differs, in that order.
    pub which: &'static str,
    pub recorded: String,
    pub found: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "evidence file {} ({:?}): {} recorded at intake {} but the stored bytes give {}",
            self.file_id, self.file_name, self.which, self.recorded, self.found
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The bytes changed since intake.
    #[error("{0}")]
    Mismatch(Mismatch),
    /// The blob could not be read (gone, or the storage failed).
    #[error("evidence file {file_id} ({file_name:?}) could not be read: {source}")]
    Unreadable {
        file_id: String,
        file_name: String,
        #[source]
        source: BlobError,
    },
    #[error("recording the verification failed")]
    Store(#[from] StoreError),
}

impl VerifyError {
    /// The file the failure is about, if it is about one.
    pub fn file_id(&self) -> Option<&str> {
        match self {
            Self::Mismatch(m) => Some(&m.file_id),
            Self::Unreadable { file_id, .. } => Some(file_id),
            Self::Store(_) => None,
        }
    }
}

/// Re-reads the file's blob, streaming, and compares size, SHA-256 and SM3 with the record.
pub async fn verify_file(
    blobs: &dyn BlobStore,
    file: &EvidenceFile,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Digests, VerifyError> {
    let unreadable = |source| VerifyError::Unreadable {
        file_id: file.id.clone(),
        file_name: file.original_name.clone(),
        source,
    };
    let key = file.key().map_err(unreadable)?;
    let read = blobs.open(&key).await.map_err(unreadable)?;
    let (digests, size) = hash_stream(read.stream, progress).await.map_err(unreadable)?;
    compare(file, &digests, size)?;
    Ok(digests)
}

fn compare(file: &EvidenceFile, d: &Digests, size: u64) -> Result<(), VerifyError> {
    let mismatch = |which, recorded: String, found: String| {
        VerifyError::Mismatch(Mismatch {
            file_id: file.id.clone(),
            file_name: file.original_name.clone(),
            which,
            recorded,
            found,
        })
    };
    if size != file.size as u64 {
        return Err(mismatch("size", file.size.to_string(), size.to_string()));
    }
    if d.sha256_hex() != file.sha256 {
        return Err(mismatch("sha256", file.sha256.clone(), d.sha256_hex()));
    }
    if d.sm3_hex() != file.sm3 {
        return Err(mismatch("sm3", file.sm3.clone(), d.sm3_hex()));
    }
    Ok(())
}

/// Verifies one file and writes the outcome into its chain of custody (and so the audit trail
/// and the log): `verify_ok`, or `verify_failed` naming what differs. A failure is also
/// logged as an error and counted in `qinglian_evidence_verify_failures_total`, the alert.
pub async fn verify_and_record(
    store: &dyn crate::Store,
    blobs: &dyn BlobStore,
    actor: &Actor,
    file: &EvidenceFile,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Digests, VerifyError> {
    let outcome = verify_file(blobs, file, progress).await;
    record_outcome(store, actor, file, &outcome).await?;
    outcome
}

async fn record_outcome(
    store: &dyn crate::Store,
    actor: &Actor,
    file: &EvidenceFile,
    outcome: &Result<Digests, VerifyError>,
) -> Result<(), StoreError> {
    match outcome {
        Ok(d) => {
            let detail = format!("sha256:{} sm3:{} size:{}", d.sha256_hex(), d.sm3_hex(), file.size);
            store
                .record_custody(actor, &file.id, CustodyKind::VerifyOk, Some(&detail))
                .await
        }
        Err(e) => {
            tracing::error!(file_id = %file.id, error = %e, "evidence verification failed");
            metrics::counter!("qinglian_evidence_verify_failures_total").increment(1);
            let detail = match e {
                VerifyError::Mismatch(m) => format!("{} recorded {} found {}", m.which, m.recorded, m.found),
                other => other.to_string(),
            };
            store
                .record_custody(actor, &file.id, CustodyKind::VerifyFailed, Some(&detail))
                .await
        }
    }
}

/// The outcome of checking the whole store.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub files: u64,
    /// Distinct blobs read and their bytes (files sharing content are read once).
    pub blobs: u64,
    pub bytes: u64,
    /// Every failure, the first one first.
    pub failures: Vec<VerifyError>,
}

/// Verifies every evidence file, recording each outcome; `progress` hears bytes read.
/// Stopping it between files (or mid-file) leaves every recorded outcome true: each is its
/// own transaction, written only once that file's check is complete.
pub async fn verify_all(
    store: &dyn crate::Store,
    blobs: &dyn BlobStore,
    actor: &Actor,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<VerifyReport, StoreError> {
    const PAGE: i64 = 200;
    let mut report = VerifyReport::default();
    // Files that share a blob share its verdict: the blob is read once per run.
    let mut seen: HashMap<String, Result<Digests, Result<Mismatch, String>>> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let files = store.evidence_after(after.as_deref(), PAGE).await?;
        let Some(last) = files.last() else { break };
        after = Some(last.id.clone());
        for file in &files {
            report.files += 1;
            let outcome = match seen.get(&file.sha256) {
                Some(Ok(d)) => compare(file, d, file.size as u64).map(|()| *d),
                Some(Err(Ok(m))) => Err(VerifyError::Mismatch(Mismatch {
                    file_id: file.id.clone(),
                    file_name: file.original_name.clone(),
                    ..m.clone()
                })),
                Some(Err(Err(why))) => Err(VerifyError::Unreadable {
                    file_id: file.id.clone(),
                    file_name: file.original_name.clone(),
                    source: BlobError::Io(std::io::Error::other(why.clone())),
                }),
                None => {
                    report.blobs += 1;
                    report.bytes += file.size as u64;
                    let outcome = verify_file(blobs, file, progress).await;
                    let remembered = match &outcome {
                        Ok(d) => Ok(*d),
                        Err(VerifyError::Mismatch(m)) => Err(Ok(m.clone())),
                        Err(e) => Err(Err(e.to_string())),
                    };
                    seen.insert(file.sha256.clone(), remembered);
                    outcome
                }
            };
            record_outcome(store, actor, file, &outcome).await?;
            if let Err(e) = outcome {
                report.failures.push(e);
            }
        }
    }
    Ok(report)
}

/// For progress bars: what `verify_all` will read.
pub async fn totals(store: &dyn crate::Store) -> Result<EvidenceTotals, StoreError> {
    store.evidence_totals().await
}
