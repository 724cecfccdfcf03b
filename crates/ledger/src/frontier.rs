//! The fast appender: only the right edge of the tree is kept in memory.
//!
//! The roots of the perfect subtrees along the right edge (the "compact range") are enough to
//! extend the tree and to compute its root. A push hashes the leaf and merges completed pairs,
//! about two hashes per leaf on average; the root folds the edge, one hash per set bit of the
//! size, so a writer that commits in batches should ask for it once per batch.

use crate::hash::{Hash, HashAlgorithm};

/// A tree size and its root: what a checkpoint signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead<A: HashAlgorithm> {
    /// Number of leaves.
    pub size: u64,
    /// RFC 9162 root of those leaves.
    pub root: Hash<A>,
}

/// The right edge of an RFC 9162 tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier<A: HashAlgorithm> {
    size: u64,
    /// Roots of the perfect subtrees, largest (leftmost) first: one per set bit of `size`.
    edge: Vec<Hash<A>>,
}

/// The stored edge does not match the size it was stored with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a tree of size {size} has {expected} edge hashes, got {got}")]
pub struct FrontierError {
    /// The claimed size.
    pub size: u64,
    /// One per set bit of the size.
    pub expected: u32,
    /// What was supplied.
    pub got: usize,
}

impl<A: HashAlgorithm> Default for Frontier<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: HashAlgorithm> Frontier<A> {
    /// The empty tree.
    pub fn new() -> Self {
        Self {
            size: 0,
            edge: Vec::with_capacity(64),
        }
    }

    /// Restores an edge saved with [`Self::edge`], e.g. when a writer restarts.
    pub fn from_parts(size: u64, edge: Vec<Hash<A>>) -> Result<Self, FrontierError> {
        if edge.len() != size.count_ones() as usize {
            return Err(FrontierError {
                size,
                expected: size.count_ones(),
                got: edge.len(),
            });
        }
        Ok(Self { size, edge })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Roots of the right edge's perfect subtrees, largest first.
    pub fn edge(&self) -> &[Hash<A>] {
        &self.edge
    }

    /// Appends a leaf by its leaf hash and returns the new size, without computing the root.
    pub fn push(&mut self, leaf_hash: Hash<A>) -> u64 {
        let mut hash = leaf_hash;
        // Each trailing one bit of the old size is a subtree of the same height as the one
        // being carried: merge them, as binary addition carries.
        let mut carries = self.size.trailing_ones();
        while carries > 0 {
            if let Some(left) = self.edge.pop() {
                hash = A::hash_children(&left, &hash);
            }
            carries -= 1;
        }
        self.edge.push(hash);
        self.size += 1;
        self.size
    }

    /// Appends raw leaf data, hashing it as an RFC 9162 leaf; returns the new size.
    pub fn push_data(&mut self, data: &[u8]) -> u64 {
        self.push(A::hash_leaf(data))
    }

    /// Appends one leaf hash and returns the new size and root. The root costs up to one hash
    /// per set bit of the size; use [`Self::extend`] to pay it once for a batch.
    pub fn append(&mut self, leaf_hash: Hash<A>) -> TreeHead<A> {
        self.push(leaf_hash);
        self.tree_head()
    }

    /// Appends a batch of leaf hashes and returns the size and root after the last one.
    pub fn extend<I: IntoIterator<Item = Hash<A>>>(&mut self, leaf_hashes: I) -> TreeHead<A> {
        for hash in leaf_hashes {
            self.push(hash);
        }
        self.tree_head()
    }

    /// The current root.
    pub fn root(&self) -> Hash<A> {
        let mut iter = self.edge.iter().rev();
        let Some(last) = iter.next() else {
            return A::empty_root();
        };
        iter.fold(*last, |right, left| A::hash_children(left, &right))
    }

    /// The current size and root.
    pub fn tree_head(&self) -> TreeHead<A> {
        TreeHead {
            size: self.size,
            root: self.root(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sha256;

    #[test]
    fn edge_has_one_hash_per_set_bit() {
        let mut f = Frontier::<Sha256>::new();
        for i in 0..100u32 {
            f.push_data(&i.to_be_bytes());
            assert_eq!(f.edge().len(), f.size().count_ones() as usize);
        }
        let restored = Frontier::from_parts(f.size(), f.edge().to_vec());
        assert_eq!(restored.as_ref().map(Frontier::root), Ok(f.root()));
        assert!(Frontier::<Sha256>::from_parts(3, vec![f.root()]).is_err());
    }

    #[test]
    fn empty_tree_has_empty_root() {
        assert_eq!(Frontier::<Sha256>::new().root(), Sha256::empty_root());
    }
}
