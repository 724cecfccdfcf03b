//! Evidence the system makes itself (the demo's recording, a generated document): the same
//! record as an upload's, so it is verified, exported and ledgered the same way.

use std::path::Path;

use qinglian_domain::evidence::{FileName, MediaType};

use super::{BlobError, BlobKey, BlobStore, Digests, EvidenceFile, NewEvidence};
use crate::StoreError;
use crate::model::Actor;

/// Why bytes could not be taken in; nothing is recorded in either case.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores `bytes` as a blob (staged under `staging`, on the blob store's filesystem for a local
/// store) and records the intake for `actor`, who then owns the file.
pub async fn intake_bytes(
    store: &dyn crate::Store,
    blobs: &dyn BlobStore,
    staging: &Path,
    actor: &Actor,
    file_name: FileName,
    media_type: MediaType,
    bytes: Vec<u8>,
) -> Result<EvidenceFile, IntakeError> {
    let digests = Digests::of(&bytes);
    let size = bytes.len() as u64;
    let key = BlobKey::for_sha256(&digests.sha256);
    let path = staging.join(format!("generated-{}", uuid::Uuid::now_v7().simple()));
    let staged = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&path)?;
            f.write_all(&bytes)?;
            f.sync_data()
        })
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))?
    };
    if let Err(e) = staged.map_err(BlobError::from) {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    if let Err(e) = blobs.put_file(&key, &path).await {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    let new = NewEvidence {
        digests,
        size,
        file_name,
        media_type,
        key,
    };
    Ok(store.record_intake(actor, None, &new).await?)
}
