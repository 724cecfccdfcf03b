//! The ledger service: integrates pending entries, signs checkpoints, and answers proofs from
//! the stored nodes. The tree arithmetic is `qinglian_ledger`'s; this module only wires it to
//! the store and the signing key.

use std::path::Path;

use qinglian_ledger::{
    Algorithm, Checkpoint, Hash, HashAlgorithm, NodeId, NoteSigner, Prefetched, Sha256, SignatureType, Sm3, TreeHead,
};
use qinglian_store::StoreError;
use qinglian_store::model::LedgerHead;

use crate::state::AppState;

/// Entries integrated per transaction. Each transaction holds SQLite's single writer while
/// it runs (the writer runs it itself, `direct_ledger`), so it is kept short for the changes
/// queued behind it.
const BATCH: u64 = 1_000;

/// Reads the checkpoint key; a missing or unreadable key leaves the log unsigned (and logged).
pub fn load_signer(path: &Path) -> Option<NoteSigner> {
    let text = std::fs::read_to_string(path).ok()?;
    match NoteSigner::from_skey(text.trim()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "the ledger key file is not a signing key");
            None
        }
    }
}

/// Creates the signing key file (mode 0600), refusing to overwrite one. Returns the public key.
pub fn init_key(path: &Path, name: &str, signature: SignatureType) -> anyhow::Result<String> {
    use std::io::Write;
    if path.exists() {
        anyhow::bail!("{} exists already; a log keeps its key for life", path.display());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let signer = NoteSigner::generate(name, signature).map_err(|e| anyhow::anyhow!("generating the key: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(signer.to_skey().expose().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(signer.verifier().to_vkey())
}

/// Integrates everything pending and signs a checkpoint for the new size, if it has none.
pub async fn integrate(state: &AppState) -> Result<LedgerHead, StoreError> {
    let algorithm = state.settings.ledger_algorithm();
    let mut head = state.store.integrate_ledger(algorithm, BATCH).await?;
    let mut added = head.added;
    while head.added == BATCH {
        head = state.store.integrate_ledger(algorithm, BATCH).await?;
        added += head.added;
    }
    head.added = added;
    if let Some(signer) = &state.ledger_signer {
        let latest = state.store.latest_checkpoint().await?;
        if latest.map(|c| c.size as u64) != Some(head.size) {
            match sign(algorithm, &state.settings.ledger_origin, signer, head) {
                Ok(note) => state.store.save_checkpoint(head.size, &head.root, &note).await?,
                Err(e) => tracing::error!(error = %e, "could not sign a checkpoint"),
            }
        }
    }
    Ok(head)
}

fn sign(algorithm: Algorithm, origin: &str, signer: &NoteSigner, head: LedgerHead) -> Result<String, String> {
    fn with<A: HashAlgorithm>(origin: &str, signer: &NoteSigner, head: LedgerHead) -> Result<String, String> {
        let th = TreeHead::<A> {
            size: head.size,
            root: Hash::from_bytes(head.root),
        };
        // The signing time, as an extension line the C2SP format allows after the root.
        let time = format!(
            "time {}",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let cp = Checkpoint::with_extensions(origin, th, vec![time]).map_err(|e| e.to_string())?;
        Ok(cp.sign(signer).map_err(|e| e.to_string())?.to_string())
    }
    match algorithm {
        Algorithm::Sha256 => with::<Sha256>(origin, signer, head),
        Algorithm::Sm3 => with::<Sm3>(origin, signer, head),
    }
}

/// A proof as hex hashes, whatever the algorithm.
pub struct ProofHashes(pub Vec<[u8; 32]>);

/// Why a proof cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("{0}")]
    Request(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `ids` ahead of proving: the store is asynchronous, the proof code is not. A request
/// with nothing to prove lists no ids, reads nothing, and proving then says why.
async fn fetch<A: HashAlgorithm>(state: &AppState, ids: Vec<NodeId>) -> Result<Prefetched<A>, StoreError> {
    let hashes = state.store.ledger_nodes(A::ALGORITHM, &ids).await?;
    Ok(Prefetched::new(
        ids,
        hashes.into_iter().map(|h| h.map(Hash::from_bytes)).collect(),
    ))
}

/// Reads the upper levels of the stored tree into memory (the store's node cache) by proving
/// entry 0, which touches every level: at 10M entries that takes seconds, and the first
/// villager to ask for a proof after a start should not be the one to wait.
pub async fn warm(state: &AppState) -> Result<(), ProofError> {
    let size = state.store.ledger_size().await?;
    if size > 0 {
        inclusion(state, 0, size).await?;
    }
    Ok(())
}

/// The inclusion proof of entry `index` in the tree of `size`.
pub async fn inclusion(state: &AppState, index: u64, size: u64) -> Result<ProofHashes, ProofError> {
    check_size(state, size).await?;
    match state.settings.ledger_algorithm() {
        Algorithm::Sha256 => inclusion_with::<Sha256>(state, index, size).await,
        Algorithm::Sm3 => inclusion_with::<Sm3>(state, index, size).await,
    }
}

async fn inclusion_with<A: HashAlgorithm>(state: &AppState, index: u64, size: u64) -> Result<ProofHashes, ProofError> {
    let source = fetch::<A>(state, qinglian_ledger::inclusion_node_ids(index, size)).await?;
    let proof =
        qinglian_ledger::prove_inclusion(&source, index, size).map_err(|e| ProofError::Request(e.to_string()))?;
    Ok(ProofHashes(proof.path().iter().map(|h| *h.as_bytes()).collect()))
}

/// The consistency proof between the trees of `first` and `second` entries.
pub async fn consistency(state: &AppState, first: u64, second: u64) -> Result<ProofHashes, ProofError> {
    check_size(state, second).await?;
    match state.settings.ledger_algorithm() {
        Algorithm::Sha256 => consistency_with::<Sha256>(state, first, second).await,
        Algorithm::Sm3 => consistency_with::<Sm3>(state, first, second).await,
    }
}

async fn consistency_with<A: HashAlgorithm>(
    state: &AppState,
    first: u64,
    second: u64,
) -> Result<ProofHashes, ProofError> {
    let source = fetch::<A>(state, qinglian_ledger::consistency_node_ids(first, second)).await?;
    let proof =
        qinglian_ledger::prove_consistency(&source, first, second).map_err(|e| ProofError::Request(e.to_string()))?;
    Ok(ProofHashes(proof.path().iter().map(|h| *h.as_bytes()).collect()))
}

async fn check_size(state: &AppState, size: u64) -> Result<(), ProofError> {
    if state.store.ledger_has(size).await? {
        return Ok(());
    }
    let current = state.store.ledger_size().await?;
    if size > current {
        return Err(ProofError::Request(format!(
            "the log has {current} entries, not {size}"
        )));
    }
    Ok(())
}

/// Entries per read while verifying: one wide row each (see `qinglian_store::EntryPack`).
const VERIFY_PAGE: u64 = 4096;

/// Ends a task when its owner returns early, e.g. at the first mismatch.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What `verify` found when everything held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    pub checkpoint_size: u64,
}

/// Rechecks the whole log: every entry's bytes against its stored leaf hash and its columns,
/// the tree rebuilt from the leaves against the latest checkpoint, and the checkpoint's
/// signature. Stops at the first mismatch and says where.
pub async fn verify(state: &AppState, progress: &(dyn Fn(u64, u64) + Send + Sync)) -> Result<Verified, String> {
    match state.settings.ledger_algorithm() {
        Algorithm::Sha256 => verify_with::<Sha256>(state, progress).await,
        Algorithm::Sm3 => verify_with::<Sm3>(state, progress).await,
    }
}

async fn verify_with<A: HashAlgorithm>(
    state: &AppState,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Verified, String> {
    let store_err = |e: StoreError| format!("the database could not be read: {e}");
    let checkpoint = state
        .store
        .latest_checkpoint()
        .await
        .map_err(store_err)?
        .ok_or("no checkpoint has been signed")?;
    let signer = state
        .ledger_signer
        .as_ref()
        .ok_or("the ledger key is missing, so checkpoints cannot be checked")?;
    let signed = Checkpoint::<A>::open(checkpoint.note.as_bytes(), signer.verifier())
        .map_err(|e| format!("the latest checkpoint (size {}) does not verify: {e}", checkpoint.size))?;
    if signed.size() != checkpoint.size as u64 || signed.root().as_bytes().as_slice() != checkpoint.root_hash.as_slice()
    {
        return Err(format!(
            "the latest checkpoint's stored size or root differs from its signed text (size {})",
            checkpoint.size
        ));
    }
    let size = state.store.ledger_size().await.map_err(store_err)?;
    if signed.size() > size {
        return Err(format!(
            "the log has {size} entries but was checkpointed at {}: it was truncated or rolled back",
            signed.size()
        ));
    }
    let mut frontier = qinglian_ledger::Frontier::<A>::new();
    let mut root_at_checkpoint = (signed.size() == 0).then(|| frontier.root());
    // The next range is read while this one is hashed: the database's thread and this one
    // work side by side.
    let (pages, mut packs) = tokio::sync::mpsc::channel(2);
    let store = state.store.clone();
    let reader = tokio::spawn(async move {
        let mut from = 0u64;
        while from < size {
            let pack = store.ledger_entry_pack(from, VERIFY_PAGE).await;
            let stop = pack.is_err();
            if pages.send(pack).await.is_err() || stop {
                return;
            }
            from += VERIFY_PAGE;
        }
    });
    let _stop_reading = AbortOnDrop(reader);
    let mut at = 0u64;
    while at < size {
        let pack = match packs.recv().await {
            Some(p) => p.map_err(store_err)?,
            None => return Err("the database could not be read: the reader stopped".into()),
        };
        if pack.is_empty() {
            return Err(format!("entries from index {at} are missing; the log claims {size}"));
        }
        let page_end = (at + VERIFY_PAGE).min(size);
        for row in pack.iter() {
            if row.idx as u64 != at {
                return Err(format!("entry {at} is missing: the next stored entry is {}", row.idx));
            }
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let leaf = A::hash_leaf(row.entry);
            if leaf.as_bytes().as_slice() != row.leaf_hash {
                return Err(format!(
                    "entry {at} ({} {}): its bytes hash to {}, but the stored leaf hash is {}",
                    text(row.entry_type),
                    text(row.object_id),
                    leaf.to_hex(),
                    hex::encode(row.leaf_hash)
                ));
            }
            let decoded =
                qinglian_ledger::Entry::decode(row.entry).map_err(|e| format!("entry {at} does not decode: {e}"))?;
            if decoded.entry_type().as_bytes() != row.entry_type || decoded.object_id().as_bytes() != row.object_id {
                return Err(format!(
                    "entry {at}: the columns ({} {}) differ from the entry's bytes",
                    text(row.entry_type),
                    text(row.object_id)
                ));
            }
            frontier.push(leaf);
            at += 1;
            if at == signed.size() {
                root_at_checkpoint = Some(frontier.root());
            }
        }
        if at < page_end {
            return Err(format!("entry {at} is missing; the log claims {size}"));
        }
        progress(at, size);
    }
    let root = root_at_checkpoint.ok_or("the entries end before the checkpoint")?;
    if root != signed.root() {
        return Err(format!(
            "the tree of the first {} entries has root {}, but the checkpoint signed {}",
            signed.size(),
            root.to_hex(),
            signed.root().to_hex()
        ));
    }
    Ok(Verified {
        entries: size,
        checkpoint_size: signed.size(),
    })
}
