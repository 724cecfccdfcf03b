//! SHA-256 and SM3 of a byte stream, computed side by side on two threads as the bytes pass,
//! so a multi-gigabyte file is hashed once, at the speed of the slower digest, never held whole.

use std::io::Write;
use std::thread::JoinHandle;

use bytes::Bytes;
use sha2::Digest as _;
use tokio::sync::mpsc;

/// Both digests of a content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    pub sha256: [u8; 32],
    pub sm3: [u8; 32],
}

impl Digests {
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    pub fn sm3_hex(&self) -> String {
        hex::encode(self.sm3)
    }

    /// Hashes bytes in memory (small inputs, tests).
    pub fn of(bytes: &[u8]) -> Self {
        let mut h = Hashing::new();
        h.update(bytes);
        h.finish()
    }
}

/// The running state of both digests; cloned to resume where a stream stopped.
#[derive(Clone, Default)]
pub struct Hashing {
    sha256: sha2::Sha256,
    sm3: sm3::Sm3,
}

impl std::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hashing")
    }
}

impl Hashing {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sm3.update(bytes);
    }

    pub fn finish(self) -> Digests {
        Digests {
            sha256: self.sha256.finalize().into(),
            sm3: self.sm3.finalize().into(),
        }
    }
}

/// Chunks queued per thread: bounds the memory a fast sender can fill (at the upload path's
/// 256 KiB chunks, 2 × 8 × 256 KiB).
const QUEUE: usize = 8;

/// Bytes written between two background flushes. The kernel would otherwise keep a whole
/// multi-GB upload dirty in memory (its writeback starts at a share of RAM) and the one flush
/// before acknowledging would wait for all of it; flushing as we go overlaps the disk with
/// the hashing.
const FLUSH_EVERY: u64 = 64 << 20;

/// Feeds chunks to two threads: one hashes SHA-256 and (optionally) appends to a file, the
/// other hashes SM3. `finish` returns the new state and the file, flushed to disk.
pub struct HashPipeline {
    first: mpsc::Sender<Bytes>,
    second: mpsc::Sender<Bytes>,
    first_done: JoinHandle<FirstOut>,
    second_done: JoinHandle<sm3::Sm3>,
    /// Flushes the file in the background as it grows; its first error, if any.
    flusher: Option<JoinHandle<Option<std::io::Error>>>,
    /// Set by the writer as soon as a write fails, so the sender can stop early.
    failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Bytes handed to the threads.
    pub fed: u64,
}

struct FirstOut {
    sha256: sha2::Sha256,
    file: Option<std::fs::File>,
    /// The first write error; later chunks are still hashed but no longer written.
    error: Option<std::io::Error>,
}

impl std::fmt::Debug for HashPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashPipeline").field("fed", &self.fed).finish()
    }
}

/// What a finished pipeline gives back.
#[derive(Debug)]
pub struct Fed {
    pub hashing: Hashing,
    pub file: Option<std::fs::File>,
    /// Why writing the file failed, if it did (a full disk, typically).
    pub write_error: Option<std::io::Error>,
}

impl HashPipeline {
    /// Starts the threads from `state`; chunks are appended to `file` when one is given.
    pub fn start(state: Hashing, file: Option<std::fs::File>) -> std::io::Result<Self> {
        let (first, mut first_rx) = mpsc::channel::<Bytes>(QUEUE);
        let (second, mut second_rx) = mpsc::channel::<Bytes>(QUEUE);
        let Hashing { sha256, sm3 } = state;
        let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let failed_flag = failed.clone();
        // A second handle on the file, flushed on its own thread while writing goes on.
        let (flush_tx, flush_rx) = std::sync::mpsc::sync_channel::<()>(1);
        let flusher = match file.as_ref().map(std::fs::File::try_clone).transpose()? {
            Some(handle) => Some(
                std::thread::Builder::new()
                    .name("evidence-flush".into())
                    .spawn(move || {
                        let mut error = None;
                        while flush_rx.recv().is_ok() {
                            if error.is_none() {
                                error = handle.sync_data().err();
                            }
                        }
                        error
                    })?,
            ),
            None => None,
        };
        let first_done = std::thread::Builder::new()
            .name("evidence-sha256".into())
            .spawn(move || {
                let mut out = FirstOut {
                    sha256,
                    file,
                    error: None,
                };
                let mut unflushed = 0u64;
                while let Some(chunk) = first_rx.blocking_recv() {
                    if out.error.is_none()
                        && let Some(f) = out.file.as_mut()
                    {
                        if let Err(e) = f.write_all(&chunk) {
                            out.error = Some(e);
                            failed_flag.store(true, std::sync::atomic::Ordering::Release);
                        }
                        unflushed += chunk.len() as u64;
                        if unflushed >= FLUSH_EVERY {
                            // A flush already pending covers these bytes too.
                            let _ = flush_tx.try_send(());
                            unflushed = 0;
                        }
                    }
                    out.sha256.update(&chunk);
                }
                drop(flush_tx);
                out
            })?;
        let second_done = std::thread::Builder::new().name("evidence-sm3".into()).spawn(move || {
            let mut sm3 = sm3;
            while let Some(chunk) = second_rx.blocking_recv() {
                sm3.update(&chunk);
            }
            sm3
        })?;
        Ok(Self {
            first,
            second,
            first_done,
            second_done,
            flusher,
            failed,
            fed: 0,
        })
    }

    /// Whether writing the file has already failed (the error comes with `finish`).
    pub fn write_failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Queues a chunk for both threads; waits while they are behind.
    pub async fn feed(&mut self, chunk: Bytes) -> std::io::Result<()> {
        let len = chunk.len() as u64;
        let gone = || std::io::Error::other("hashing thread stopped");
        self.first.send(chunk.clone()).await.map_err(|_| gone())?;
        self.second.send(chunk).await.map_err(|_| gone())?;
        self.fed += len;
        Ok(())
    }

    /// Waits for both threads to drain their queues and returns the state and the file.
    pub async fn finish(self) -> std::io::Result<Fed> {
        let Self {
            first,
            second,
            first_done,
            second_done,
            flusher,
            ..
        } = self;

        drop(first);
        drop(second);
        let joined = tokio::task::spawn_blocking(move || {
            let a = first_done.join();
            // The writer has dropped its sender: the flusher ends after its last flush.
            let flushed = flusher.map(JoinHandle::join).transpose();
            (a, second_done.join(), flushed)
        })
        .await
        .map_err(std::io::Error::other)?;
        match joined {
            (Ok(a), Ok(sm3), Ok(flush_error)) => Ok(Fed {
                hashing: Hashing { sha256: a.sha256, sm3 },
                file: a.file,
                // A failed background flush (a full disk shows up here with delayed
                // allocation) fails the upload like a failed write.
                write_error: a.error.or(flush_error.flatten()),
            }),
            _ => Err(std::io::Error::other("hashing thread panicked")),
        }
    }
}

/// Hashes everything a chunk stream yields; `progress` hears each chunk's length.
pub async fn hash_stream<S, E>(mut stream: S, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<(Digests, u64), E>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
    E: From<std::io::Error>,
{
    use futures_util::StreamExt;
    let mut pipe = HashPipeline::start(Hashing::new(), None)?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        progress(chunk.len() as u64);
        pipe.feed(chunk).await?;
    }
    let fed = pipe.fed;
    let out = pipe.finish().await?;
    Ok((out.hashing.finish(), fed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let d = Digests::of(b"abc");
        assert_eq!(
            d.sm3_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            d.sha256_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[tokio::test]
    async fn the_pipeline_matches_hashing_in_memory_and_resumes_from_a_state() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut first = HashPipeline::start(Hashing::new(), None).unwrap();
        for c in data[..400_000].chunks(65_536) {
            first.feed(Bytes::copy_from_slice(c)).await.unwrap();
        }
        let state = first.finish().await.unwrap().hashing;
        let mut second = HashPipeline::start(state, None).unwrap();
        for c in data[400_000..].chunks(100_000) {
            second.feed(Bytes::copy_from_slice(c)).await.unwrap();
        }
        assert_eq!(second.fed, 600_000);
        let out = second.finish().await.unwrap();
        assert_eq!(out.hashing.finish(), Digests::of(&data));
    }
}
