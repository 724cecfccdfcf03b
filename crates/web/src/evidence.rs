//! Taking evidence in: resumable uploads staged on disk, hashed as the bytes stream, moved
//! into the blob store and recorded in one transaction only once complete and checked.
//!
//! The partial file is `incoming/<upload id>` (a server-made id, never the client's name). The
//! database keeps the offset acknowledged to the client, and that offset is only acknowledged
//! once its bytes are flushed; after a crash the file is cut back to it and, as the hashing
//! state died with the process, its prefix is hashed again from disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use qinglian_domain::Invalid;
use qinglian_domain::audit::{AuditAction, AuditResult};
use qinglian_domain::evidence::{Digest32, FileName, MediaType};
use qinglian_store::evidence::blob::{is_storage_full, sync_dir};
use qinglian_store::evidence::{
    BlobError, BlobKey, DynBlobStore, EvidenceFile, EvidenceUpload, HashPipeline, Hashing, LocalBlobs, NewEvidence,
    ObjectBlobs,
};
use qinglian_store::model::Actor;
use qinglian_store::{DynStore, StoreError};

use crate::error::AppError;
use crate::settings::Settings;

/// Body chunks smaller than this are gathered before hashing, so the threads see few, large
/// pieces; larger ones pass as they are.
const GATHER: usize = 256 << 10;

/// Staging files without an upload row (a crash between the two) older than this are removed.
const ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(600);

/// What this process knows of an upload between requests: its hashing state at an offset.
#[derive(Debug, Default)]
struct Live {
    at: Option<(u64, Hashing)>,
}

/// The evidence store as the web layer uses it: blob storage, staging, uploads in progress.
pub struct EvidenceService {
    pub blobs: DynBlobStore,
    staging: PathBuf,
    max_upload: u64,
    expiry: chrono::Duration,
    live: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Live>>>>,
}

impl std::fmt::Debug for EvidenceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceService")
            .field("blobs", &self.blobs.describe())
            .field("staging", &self.staging)
            .finish_non_exhaustive()
    }
}

/// An upload as the client declared it at creation.
#[derive(Debug, Clone)]
pub struct UploadRequest {
    pub length: u64,
    pub file_name: FileName,
    pub media_type: MediaType,
    pub sha256: Option<Digest32>,
    pub sm3: Option<Digest32>,
}

/// Where an upload stands after a PATCH.
#[derive(Debug)]
pub struct Patched {
    pub offset: u64,
    /// The evidence record, when this PATCH completed the upload.
    pub file: Option<EvidenceFile>,
}

impl EvidenceService {
    /// Takes in a small file received whole (a plan item's photo), with the same record,
    /// custody event and log entry as a resumable upload's.
    pub async fn take_in(
        &self,
        store: &dyn qinglian_store::Store,
        actor: &Actor,
        name: FileName,
        media: MediaType,
        bytes: Vec<u8>,
    ) -> Result<EvidenceFile, AppError> {
        use qinglian_store::evidence::IntakeError;
        qinglian_store::evidence::intake_bytes(store, self.blobs.as_ref(), &self.staging, actor, name, media, bytes)
            .await
            .map_err(|e| match e {
                IntakeError::Store(e) => AppError::from(e),
                IntakeError::Blob(e) => AppError::Internal(anyhow::Error::new(e).context("storing an evidence file")),
            })
    }

    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let blobs: DynBlobStore = match settings.evidence_store.as_str() {
            "s3" => Arc::new(ObjectBlobs::s3(&settings.evidence_s3()).context("configuring S3 evidence storage")?),
            _ => Arc::new(LocalBlobs::new(&settings.evidence_dir)),
        };
        Self::new(blobs, &settings.evidence_dir, settings)
    }

    pub fn new(blobs: DynBlobStore, evidence_dir: &Path, settings: &Settings) -> anyhow::Result<Self> {
        let staging = evidence_dir.join("incoming");
        std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
        Ok(Self {
            blobs,
            staging,
            max_upload: settings.evidence_max_upload_bytes,
            expiry: chrono::Duration::hours(settings.evidence_upload_expiry_hours.max(1)),
            live: Mutex::new(HashMap::new()),
        })
    }

    /// Where files wait before they enter the blob store (same filesystem as a local store).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    pub fn max_upload(&self) -> u64 {
        self.max_upload
    }

    fn staging_path(&self, id: &str) -> PathBuf {
        self.staging.join(id)
    }

    fn slot(&self, id: &str) -> Arc<tokio::sync::Mutex<Live>> {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.entry(id.to_owned()).or_default().clone()
    }

    fn forget(&self, id: &str) {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.remove(id);
    }

    /// Starts an upload: an empty staging file, then its row.
    pub async fn create(
        &self,
        store: &DynStore,
        account_id: &str,
        req: UploadRequest,
    ) -> Result<EvidenceUpload, AppError> {
        if req.length == 0 {
            return Err(Invalid::field("upload_length", "evidence.empty", None).into());
        }
        if req.length > self.max_upload {
            return Err(AppError::PayloadTooLarge);
        }
        let now = Utc::now();
        let upload = EvidenceUpload {
            // Random, not time-ordered: an upload id is a capability only its owner should hold.
            id: uuid::Uuid::new_v4().to_string(),
            account_id: account_id.to_owned(),
            length: i64::try_from(req.length).map_err(|_| AppError::PayloadTooLarge)?,
            upload_offset: 0,
            file_name: req.file_name.as_str().to_owned(),
            media_type: req.media_type.as_str().to_owned(),
            declared_sha256: req.sha256.map(|d| d.to_hex()),
            declared_sm3: req.sm3.map(|d| d.to_hex()),
            created_at: now,
            expires_at: now + self.expiry,
        };
        let path = self.staging_path(&upload.id);
        let staging = self.staging.clone();
        blocking(move || {
            std::fs::File::create_new(&path)?.sync_all()?;
            sync_dir(&staging)
        })
        .await
        .map_err(io_error)?;
        store.create_upload(&upload).await?;
        Ok(upload)
    }

    /// The offset a client should resume from: the acknowledged one, as long as the staging
    /// file still holds it.
    pub async fn offset(&self, upload: &EvidenceUpload) -> Result<u64, AppError> {
        let len = match tokio::fs::metadata(self.staging_path(&upload.id)).await {
            Ok(m) => m.len(),
            // The partial bytes are gone (cleaned up, or another machine's disk).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
            Err(e) => return Err(io_error(e)),
        };
        let acked = upload.upload_offset as u64;
        if len < acked {
            return Err(AppError::NotFound);
        }
        Ok(acked)
    }

    /// Appends a PATCH body at `client_offset`, streaming; completes the upload when the last
    /// byte arrives.
    pub async fn patch(
        &self,
        store: &DynStore,
        actor: &Actor,
        upload: EvidenceUpload,
        client_offset: u64,
        content_length: Option<u64>,
        body: Body,
    ) -> Result<Patched, AppError> {
        let slot = self.slot(&upload.id);
        // One writer per upload: a second PATCH while one runs is refused, not interleaved.
        let Ok(mut live) = slot.try_lock() else {
            return Err(AppError::Conflict {
                field: "upload",
                value: None,
            });
        };
        let acked = upload.upload_offset as u64;
        let length = upload.length as u64;
        if client_offset != acked {
            return Err(AppError::Conflict {
                field: "upload_offset",
                value: Some(acked.to_string()),
            });
        }
        if content_length.is_some_and(|n| acked + n > length) {
            return Err(length_exceeded(length));
        }
        let path = self.staging_path(&upload.id);
        let file = open_at(&path, acked).await?;
        let state = match live.at.take() {
            Some((at, h)) if at == acked => h,
            // Nothing in memory (a restart) or out of step: hash the prefix again from disk.
            _ => rehash_prefix(&path, acked).await.map_err(io_error)?,
        };
        let before = state.clone();
        let mut pipe = HashPipeline::start(state, Some(file)).map_err(io_error)?;
        let mut stream = body.into_data_stream();
        let mut gathered = BytesMut::new();
        let mut received = 0u64;
        let mut overflow = false;
        let mut cut = false;
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    // The client went away mid-way: keep what arrived, for the resume.
                    tracing::info!(upload_id = %upload.id, error = %e, "upload cut off; keeping the bytes received");
                    cut = true;
                    break;
                }
            };
            if acked + received + chunk.len() as u64 > length {
                overflow = true;
                break;
            }
            received += chunk.len() as u64;
            if chunk.len() >= GATHER && gathered.is_empty() {
                pipe.feed(chunk).await.map_err(io_error)?;
            } else {
                gathered.extend_from_slice(&chunk);
                if gathered.len() >= GATHER {
                    pipe.feed(gathered.split().freeze()).await.map_err(io_error)?;
                }
            }
            if pipe.write_failed() {
                break;
            }
        }
        if !gathered.is_empty() {
            pipe.feed(gathered.freeze()).await.map_err(io_error)?;
        }
        let fed = pipe.finish().await.map_err(io_error)?;
        let file = fed.file;
        if let Some(e) = fed.write_error {
            return Err(self.abandon(store, actor, &upload, Some(e)).await);
        }
        if overflow {
            // More bytes than declared: this PATCH is refused whole and the file cut back.
            if let Some(f) = file {
                blocking(move || f.set_len(acked).and_then(|()| f.sync_data()))
                    .await
                    .map_err(io_error)?;
            }
            live.at = Some((acked, before));
            return Err(length_exceeded(length));
        }
        if let Some(f) = file {
            // Only flushed bytes are acknowledged.
            if let Err(e) = blocking(move || f.sync_data()).await {
                return Err(self.abandon(store, actor, &upload, Some(e)).await);
            }
        }
        let offset = acked + received;
        store
            .set_upload_offset(&upload.id, offset as i64, Utc::now() + self.expiry)
            .await?;
        if offset < length || cut {
            live.at = Some((offset, fed.hashing));
            return Ok(Patched { offset, file: None });
        }
        drop(live);
        self.forget(&upload.id);
        let file = self.complete(store, actor, &upload, fed.hashing).await?;
        Ok(Patched {
            offset,
            file: Some(file),
        })
    }

    /// Checks the declared digests, stores the blob, records the evidence.
    async fn complete(
        &self,
        store: &DynStore,
        actor: &Actor,
        upload: &EvidenceUpload,
        hashing: Hashing,
    ) -> Result<EvidenceFile, AppError> {
        let digests = hashing.finish();
        for (field, declared, got) in [
            ("sha256", &upload.declared_sha256, digests.sha256_hex()),
            ("sm3", &upload.declared_sm3, digests.sm3_hex()),
        ] {
            if let Some(declared) = declared
                && *declared != got
            {
                let detail = format!("declared {field} {declared} but the bytes received give {got}");
                self.discard(store, &upload.id).await;
                audit_refusal(store, actor, &upload.id, &detail).await;
                return Err(Invalid::field(field, "evidence.digest_mismatch", Some(declared)).into());
            }
        }
        let key = BlobKey::for_sha256(&digests.sha256);
        let path = self.staging_path(&upload.id);
        if let Err(e) = self.blobs.put_file(&key, &path).await {
            let full = matches!(e, BlobError::StorageFull(_));
            self.discard(store, &upload.id).await;
            return Err(if full {
                AppError::StorageFull
            } else {
                AppError::Internal(anyhow::Error::new(e).context("storing the evidence blob"))
            });
        }
        let new = NewEvidence {
            digests,
            size: upload.length as u64,
            file_name: FileName::parse("filename", &upload.file_name)?,
            media_type: MediaType::parse("filetype", &upload.media_type)?,
            key,
        };
        match store.record_intake(actor, Some(&upload.id), &new).await {
            Ok(file) => Ok(file),
            Err(e) => {
                // The blob stays (content-addressed, harmless, reused by a retry); the upload
                // ends: the client uploads again.
                let _ = store.delete_upload(&upload.id).await;
                Err(e.into())
            }
        }
    }

    /// Ends an upload after a storage failure: nothing is recorded, the partial file goes.
    async fn abandon(
        &self,
        store: &DynStore,
        actor: &Actor,
        upload: &EvidenceUpload,
        e: Option<std::io::Error>,
    ) -> AppError {
        self.discard(store, &upload.id).await;
        match e {
            Some(e) if is_storage_full(&e) => {
                tracing::error!(upload_id = %upload.id, error = %e, "evidence storage is full; upload abandoned");
                audit_refusal(store, actor, &upload.id, "storage full").await;
                AppError::StorageFull
            }
            Some(e) => io_error(e),
            None => AppError::Internal(anyhow::anyhow!("upload abandoned")),
        }
    }

    /// Removes an upload's staging file and row, best effort.
    pub async fn discard(&self, store: &DynStore, id: &str) {
        self.forget(id);
        match tokio::fs::remove_file(self.staging_path(id)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(upload_id = %id, error = %e, "could not remove a staging file"),
        }
        if let Err(e) = store.delete_upload(id).await {
            tracing::warn!(upload_id = %id, error = %e, "could not remove an upload row");
        }
    }

    /// Ends an upload at the client's request (tus termination).
    pub async fn terminate(&self, store: &DynStore, upload: &EvidenceUpload) -> Result<(), AppError> {
        let slot = self.slot(&upload.id);
        let Ok(_busy) = slot.try_lock() else {
            return Err(AppError::Conflict {
                field: "upload",
                value: None,
            });
        };
        self.discard(store, &upload.id).await;
        Ok(())
    }

    /// Removes uploads left to expire and staging files without an upload; returns how many.
    pub async fn cleanup(&self, store: &DynStore, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut removed = 0;
        for upload in store.expired_uploads(now).await? {
            let slot = self.slot(&upload.id);
            if slot.try_lock().is_ok() {
                self.discard(store, &upload.id).await;
                removed += 1;
            }
        }
        let known: std::collections::HashSet<String> = store.upload_ids().await?.into_iter().collect();
        let staging = self.staging.clone();
        let orphans = blocking(move || {
            let mut out = Vec::new();
            for entry in std::fs::read_dir(&staging)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let old = entry
                    .metadata()?
                    .modified()?
                    .elapsed()
                    .map(|age| age > ORPHAN_AGE)
                    .unwrap_or(false);
                if !known.contains(&name) && old {
                    out.push(entry.path());
                }
            }
            Ok(out)
        })
        .await;
        let orphans = orphans.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not list the evidence staging folder");
            Vec::new()
        });
        for path in orphans {
            if tokio::fs::remove_file(&path).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn length_exceeded(length: u64) -> AppError {
    Invalid::field("upload_length", "evidence.length_exceeded", Some(&length.to_string())).into()
}

fn io_error(e: std::io::Error) -> AppError {
    if is_storage_full(&e) {
        AppError::StorageFull
    } else {
        AppError::Internal(anyhow::Error::new(e).context("evidence staging I/O"))
    }
}

async fn audit_refusal(store: &DynStore, actor: &Actor, upload_id: &str, detail: &str) {
    if let Err(e) = store
        .record_audit(
            actor,
            AuditAction::EvidenceIntake,
            Some(upload_id),
            AuditResult::Failed,
            Some(detail),
        )
        .await
    {
        tracing::error!(error = %e, "could not record a refused intake in the audit trail");
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> std::io::Result<T> + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(std::io::Error::other)?
}

/// Opens the staging file for appending at `acked`, cutting off bytes written past it but
/// never acknowledged (a crash between the write and the acknowledgement).
async fn open_at(path: &Path, acked: u64) -> Result<std::fs::File, AppError> {
    let path = path.to_path_buf();
    let opened = blocking(move || {
        use std::io::Seek;
        let mut f = std::fs::OpenOptions::new().write(true).open(&path)?;
        let len = f.metadata()?.len();
        if len < acked {
            return Ok(None);
        }
        if len > acked {
            f.set_len(acked)?;
        }
        f.seek(std::io::SeekFrom::Start(acked))?;
        Ok(Some(f))
    })
    .await;
    match opened {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(AppError::NotFound),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound),
        Err(e) => Err(io_error(e)),
    }
}

/// Hashes the first `len` bytes of the staging file.
async fn rehash_prefix(path: &Path, len: u64) -> std::io::Result<Hashing> {
    use tokio::io::AsyncReadExt;
    if len == 0 {
        return Ok(Hashing::new());
    }
    let file = tokio::fs::File::open(path).await?.take(len);
    let mut pipe = HashPipeline::start(Hashing::new(), None)?;
    let mut stream = tokio_util_stream(file);
    while let Some(chunk) = stream.next().await {
        pipe.feed(chunk?).await?;
    }
    if pipe.fed != len {
        return Err(std::io::Error::other(
            "staging file shorter than its acknowledged offset",
        ));
    }
    Ok(pipe.finish().await?.hashing)
}

fn tokio_util_stream(
    r: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Unpin {
    Box::pin(futures_util::stream::unfold(
        (r, vec![0u8; 1 << 20]),
        |(mut r, mut buf)| async move {
            use tokio::io::AsyncReadExt;
            match r.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => Some((Ok(Bytes::copy_from_slice(&buf[..n])), (r, buf))),
                Err(e) => Some((Err(e), (r, buf))),
            }
        },
    ))
}
