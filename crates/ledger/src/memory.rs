//! An in-memory node store: the reference [`NodeSource`] for tests, benchmarks and small tools.
//!
//! It keeps every perfect subtree (about two hashes per leaf), which is what a persistent
//! store is expected to keep too, so proofs cost a handful of lookups rather than rehashing.

use std::convert::Infallible;

use crate::frontier::TreeHead;
use crate::hash::{Hash, HashAlgorithm};
use crate::proof::{ConsistencyProof, InclusionProof};
use crate::tree::{self, NodeId, NodeSource, ProveError};

/// All perfect-subtree hashes of a growing tree, level by level.
#[derive(Debug, Clone)]
pub struct MemoryStore<A: HashAlgorithm> {
    /// `levels[l][i]` is the hash of the subtree of `2^l` leaves starting at `i << l`.
    levels: Vec<Vec<Hash<A>>>,
}

impl<A: HashAlgorithm> Default for MemoryStore<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: HashAlgorithm> MemoryStore<A> {
    /// An empty tree.
    pub fn new() -> Self {
        Self {
            levels: vec![Vec::new()],
        }
    }

    /// An empty tree with room for `leaves` leaves without reallocating.
    pub fn with_capacity(leaves: usize) -> Self {
        let mut levels = Vec::new();
        let mut n = leaves;
        loop {
            levels.push(Vec::with_capacity(n));
            if n <= 1 {
                break;
            }
            n /= 2;
        }
        Self { levels }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf by its leaf hash and returns the new size. Each completed pair of
    /// subtrees is hashed once, about one node hash per leaf on average.
    pub fn push(&mut self, leaf_hash: Hash<A>) -> u64 {
        let mut level = 0;
        let mut hash = leaf_hash;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let len = row.len();
            if len % 2 == 1 {
                break;
            }
            hash = A::hash_children(&row[len - 2], &row[len - 1]);
            level += 1;
        }
        self.size()
    }

    /// Appends raw leaf data, hashing it as an RFC 9162 leaf.
    pub fn push_data(&mut self, data: &[u8]) -> u64 {
        self.push(A::hash_leaf(data))
    }

    /// The leaf hash at `index`, if present.
    pub fn leaf(&self, index: u64) -> Option<Hash<A>> {
        self.lookup(NodeId::leaf(index))
    }

    /// The current size and root.
    pub fn tree_head(&self) -> TreeHead<A> {
        // A level of odd length ends in one of the right edge's perfect subtrees; lower
        // levels lie further right, so folding upwards nests them as RFC 9162 does.
        let mut root: Option<Hash<A>> = None;
        for row in &self.levels {
            if let (1, Some(last)) = (row.len() % 2, row.last()) {
                root = Some(root.map_or(*last, |right| A::hash_children(last, &right)));
            }
        }
        TreeHead {
            size: self.size(),
            root: root.unwrap_or_else(A::empty_root),
        }
    }

    /// The root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash<A>, ProveError<Infallible>> {
        tree::root_at(self, size)
    }

    /// Inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn prove_inclusion(&self, index: u64, size: u64) -> Result<InclusionProof<A>, ProveError<Infallible>> {
        tree::prove_inclusion(self, index, size)
    }

    /// Consistency proof from the tree of `old` leaves to the tree of `new` leaves.
    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof<A>, ProveError<Infallible>> {
        tree::prove_consistency(self, old, new)
    }

    fn lookup(&self, id: NodeId) -> Option<Hash<A>> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }
}

impl<A: HashAlgorithm> NodeSource<A> for MemoryStore<A> {
    type Error = Infallible;

    fn node(&self, id: NodeId) -> Result<Option<Hash<A>>, Infallible> {
        Ok(self.lookup(id))
    }
}
