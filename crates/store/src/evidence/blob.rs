//! Where evidence bytes live: a content-addressed blob store, on the local disk by default or
//! in S3-compatible object storage (the `object_store` crate) by configuration.
//!
//! Keys come only from the SHA-256 of the content (`sha256/ab/cd/abcd…`), never from what a
//! client called the file. Blobs are written once and never changed; storing a content that
//! is already there stores nothing.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

/// A blob's place in the store, derived from its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn for_sha256(sha256: &[u8; 32]) -> Self {
        let h = hex::encode(sha256);
        Self(format!("sha256/{}/{}/{h}", &h[0..2], &h[2..4]))
    }

    /// A key read back from the database; anything not of our own shape is refused, so a
    /// tampered row cannot point outside the store.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('/');
        let (Some("sha256"), Some(a), Some(b), Some(h), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let hex_ok = h.len() == 64 && h.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        (hex_ok && a == &h[0..2] && b == &h[2..4]).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {0} is missing from the store")]
    Missing(String),
    /// No space left (ENOSPC) or quota exceeded: nothing was stored.
    #[error("the evidence storage is full")]
    StorageFull(#[source] std::io::Error),
    #[error("evidence storage I/O failed")]
    Io(#[source] std::io::Error),
    #[error("object storage failed")]
    Remote(#[source] object_store::Error),
}

impl From<std::io::Error> for BlobError {
    fn from(e: std::io::Error) -> Self {
        if is_storage_full(&e) {
            Self::StorageFull(e)
        } else {
            Self::Io(e)
        }
    }
}

/// A full disk or an exhausted quota, however the platform reports it.
pub fn is_storage_full(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
}

/// A blob being read: its size and its bytes, a chunk at a time.
pub struct BlobRead {
    pub size: u64,
    pub stream: BoxStream<'static, Result<Bytes, BlobError>>,
}

impl std::fmt::Debug for BlobRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobRead").field("size", &self.size).finish()
    }
}

/// Chunk size for reading blobs back.
const READ_CHUNK: usize = 1 << 20;

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Where the blobs are, for logs and `verify` reports (never credentials).
    fn describe(&self) -> String;
    async fn contains(&self, key: &BlobKey) -> Result<bool, BlobError>;
    /// Takes a complete, flushed local file into the store under `key`; the file is gone
    /// afterwards either way. True when the bytes were new, false when the store had them.
    async fn put_file(&self, key: &BlobKey, file: &Path) -> Result<bool, BlobError>;
    async fn open(&self, key: &BlobKey) -> Result<BlobRead, BlobError>;
}

pub type DynBlobStore = Arc<dyn BlobStore>;

/// Blobs as files under a folder on the local disk.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

/// Flushes a folder's entries (a rename is durable only once its folder is).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobs {
    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }

    async fn contains(&self, key: &BlobKey) -> Result<bool, BlobError> {
        Ok(tokio::fs::try_exists(self.path(key)).await?)
    }

    async fn put_file(&self, key: &BlobKey, file: &Path) -> Result<bool, BlobError> {
        let dest = self.path(key);
        let src = file.to_path_buf();
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || -> Result<bool, BlobError> {
            if dest.exists() {
                std::fs::remove_file(&src)?;
                return Ok(false);
            }
            let parent = dest.parent().unwrap_or(&root).to_path_buf();
            std::fs::create_dir_all(&parent)?;
            // Same filesystem as the staging folder: the rename is atomic, so the blob is
            // either absent or whole under its name.
            std::fs::rename(&src, &dest)?;
            sync_dir(&parent)?;
            // The fan-out folders may be new too.
            for dir in parent.ancestors().skip(1).take(3) {
                sync_dir(dir)?;
            }
            Ok(true)
        })
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))?
    }

    async fn open(&self, key: &BlobKey) -> Result<BlobRead, BlobError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(BlobError::Missing(key.to_string())),
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata().await?.len();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK)
            .map(|r| r.map_err(BlobError::from))
            .boxed();
        Ok(BlobRead { size, stream })
    }
}

/// Blobs in an object store (S3-compatible in production; any `object_store` backend).
#[derive(Debug, Clone)]
pub struct ObjectBlobs {
    store: Arc<dyn object_store::ObjectStore>,
    prefix: String,
    describe: String,
}

/// Where S3-compatible storage is and how to sign in to it. Empty fields fall back to the
/// standard `AWS_*` environment variables.
#[derive(Clone, Default)]
pub struct S3Config {
    pub bucket: String,
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Plain HTTP to the endpoint (a MinIO on the same host); never across a network.
    pub allow_http: bool,
    /// Folder inside the bucket.
    pub prefix: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Part size of multipart uploads to object storage (S3 wants at least 5 MiB).
const PART: usize = 8 << 20;

impl ObjectBlobs {
    pub fn new(store: Arc<dyn object_store::ObjectStore>, prefix: &str, describe: String) -> Self {
        Self {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            describe,
        }
    }

    pub fn s3(config: &S3Config) -> Result<Self, BlobError> {
        use object_store::aws::AmazonS3Builder;
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_allow_http(config.allow_http);
        for (value, set) in [
            (
                &config.endpoint,
                AmazonS3Builder::with_endpoint as fn(AmazonS3Builder, String) -> AmazonS3Builder,
            ),
            (&config.region, AmazonS3Builder::with_region),
            (&config.access_key_id, AmazonS3Builder::with_access_key_id),
            (&config.secret_access_key, AmazonS3Builder::with_secret_access_key),
        ] {
            if !value.is_empty() {
                b = set(b, value.clone());
            }
        }
        let store = b.build().map_err(BlobError::Remote)?;
        let describe = format!("s3://{}/{}", config.bucket, config.prefix.trim_matches('/'));
        Ok(Self::new(Arc::new(store), &config.prefix, describe))
    }

    /// An object store over a local folder: the object-storage code path without a server.
    pub fn local_object_store(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root)?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(root).map_err(BlobError::Remote)?;
        Ok(Self::new(Arc::new(store), "", format!("object-fs:{}", root.display())))
    }

    fn path(&self, key: &BlobKey) -> object_store::path::Path {
        if self.prefix.is_empty() {
            object_store::path::Path::from(key.as_str())
        } else {
            object_store::path::Path::from(format!("{}/{}", self.prefix, key.as_str()))
        }
    }
}

fn remote(e: object_store::Error) -> BlobError {
    BlobError::Remote(e)
}

#[async_trait::async_trait]
impl BlobStore for ObjectBlobs {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    async fn contains(&self, key: &BlobKey) -> Result<bool, BlobError> {
        use object_store::ObjectStoreExt;
        match self.store.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(remote(e)),
        }
    }

    async fn put_file(&self, key: &BlobKey, file: &Path) -> Result<bool, BlobError> {
        use object_store::ObjectStoreExt;
        use tokio::io::AsyncReadExt;
        if self.contains(key).await? {
            tokio::fs::remove_file(file).await?;
            return Ok(false);
        }
        let upload = self.store.put_multipart(&self.path(key)).await.map_err(remote)?;
        let mut write = object_store::WriteMultipart::new_with_chunk_size(upload, PART);
        let mut f = tokio::fs::File::open(file).await?;
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            // At most two parts in flight: memory stays a few parts, whatever the file's size.
            write.wait_for_capacity(2).await.map_err(remote)?;
            write.write(&buf[..n]);
        }
        write.finish().await.map_err(remote)?;
        tokio::fs::remove_file(file).await?;
        Ok(true)
    }

    async fn open(&self, key: &BlobKey) -> Result<BlobRead, BlobError> {
        use object_store::ObjectStoreExt;
        let got = match self.store.get(&self.path(key)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::Missing(key.to_string())),
            Err(e) => return Err(remote(e)),
        };
        let size = got.meta.size;
        let stream = got.into_stream().map(|r| r.map_err(remote)).boxed();
        Ok(BlobRead { size, stream })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_digest_and_nothing_else_parses() {
        let k = BlobKey::for_sha256(&[0xab; 32]);
        assert_eq!(k.as_str(), format!("sha256/ab/ab/{}", "ab".repeat(32)));
        assert_eq!(BlobKey::parse(k.as_str()), Some(k.clone()));
        for bad in [
            "../etc/passwd",
            "sha256/ab/ab/../../x",
            &format!("sha256/ab/cd/{}", "ab".repeat(32)),
            &format!("/sha256/ab/ab/{}", "ab".repeat(32)),
            &format!("sha256/AB/AB/{}", "AB".repeat(32)),
        ] {
            assert_eq!(BlobKey::parse(bad), None, "{bad}");
        }
    }

    async fn round_trip(store: &dyn BlobStore, dir: &Path) {
        let key = BlobKey::for_sha256(&[7; 32]);
        assert!(!store.contains(&key).await.unwrap());
        let staged = dir.join("staged");
        std::fs::write(&staged, b"recording").unwrap();
        assert!(store.put_file(&key, &staged).await.unwrap());
        assert!(!staged.exists());
        std::fs::write(&staged, b"recording").unwrap();
        assert!(!store.put_file(&key, &staged).await.unwrap(), "stored once");
        assert!(!staged.exists());
        let read = store.open(&key).await.unwrap();
        assert_eq!(read.size, 9);
        let chunks: Vec<Bytes> = read.stream.map(|c| c.unwrap()).collect().await;
        assert_eq!(chunks.concat(), b"recording");
        let missing = BlobKey::for_sha256(&[8; 32]);
        assert!(matches!(store.open(&missing).await, Err(BlobError::Missing(_))));
    }

    #[tokio::test]
    async fn local_and_object_stores_keep_blobs_once() {
        let dir = tempfile::tempdir().unwrap();
        round_trip(&LocalBlobs::new(dir.path().join("local")), dir.path()).await;
        let objects = ObjectBlobs::local_object_store(&dir.path().join("objects")).unwrap();
        round_trip(&objects, dir.path()).await;
    }
}
