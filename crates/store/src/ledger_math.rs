//! The tree arithmetic of integration, dispatched on the log's hash algorithm.

use qinglian_ledger::{Algorithm, Hash, HashAlgorithm, NodeId, Sha256, Sm3};

/// What appending a batch of entries yields: their leaf hashes, the nodes they complete, the
/// new root.
pub(crate) struct Growth {
    pub leaf_hashes: Vec<[u8; 32]>,
    pub nodes: Vec<(NodeId, [u8; 32])>,
    pub root: [u8; 32],
}

pub(crate) fn grow(algorithm: Algorithm, size: u64, edge: &[[u8; 32]], entries: &[Vec<u8>]) -> Option<Growth> {
    match algorithm {
        Algorithm::Sha256 => grow_with::<Sha256>(size, edge, entries),
        Algorithm::Sm3 => grow_with::<Sm3>(size, edge, entries),
    }
}

fn grow_with<A: HashAlgorithm>(size: u64, edge: &[[u8; 32]], entries: &[Vec<u8>]) -> Option<Growth> {
    let edge: Vec<Hash<A>> = edge.iter().map(|b| Hash::from_bytes(*b)).collect();
    let leaves: Vec<Hash<A>> = entries.iter().map(|e| A::hash_leaf(e)).collect();
    let (nodes, frontier) = qinglian_ledger::grow(size, &edge, &leaves).ok()?;
    Some(Growth {
        leaf_hashes: leaves.iter().map(|h| *h.as_bytes()).collect(),
        nodes: nodes.into_iter().map(|(id, h)| (id, *h.as_bytes())).collect(),
        root: *frontier.root().as_bytes(),
    })
}

/// The root of the perfect subtree over `leaves` (a power of two of leaf hashes).
pub(crate) fn subtree_root(algorithm: Algorithm, leaves: &[[u8; 32]]) -> [u8; 32] {
    match algorithm {
        Algorithm::Sha256 => subtree_root_with::<Sha256>(leaves),
        Algorithm::Sm3 => subtree_root_with::<Sm3>(leaves),
    }
}

fn subtree_root_with<A: HashAlgorithm>(leaves: &[[u8; 32]]) -> [u8; 32] {
    let mut level: Vec<Hash<A>> = leaves.iter().map(|b| Hash::from_bytes(*b)).collect();
    while level.len() > 1 {
        let half = level.len() / 2;
        for i in 0..half {
            level[i] = A::hash_children(&level[2 * i], &level[2 * i + 1]);
        }
        level.truncate(half);
    }
    level.first().map(|h| *h.as_bytes()).unwrap_or_default()
}

/// The content hash a log entry commits to: its action, object and detail, each
/// length-prefixed. Public so that a verifier holding the detail (e.g. a sealed package's
/// manifest) can recompute it.
pub fn content_hash(action: &str, object: &str, detail: &str) -> [u8; 32] {
    use sha2::Digest;
    let mut content = sha2::Sha256::new();
    for part in [action, object, detail] {
        content.update((part.len() as u64).to_be_bytes());
        content.update(part.as_bytes());
    }
    content.finalize().into()
}

/// A printable-ASCII id the entry format accepts; other ids are replaced by their hash.
pub(crate) fn entry_id(s: &str) -> String {
    let ok = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| (0x21..0x7f).contains(&b));
    if ok {
        s.to_owned()
    } else {
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(s.as_bytes()))
    }
}
