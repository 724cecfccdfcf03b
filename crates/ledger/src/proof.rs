//! Inclusion and consistency proofs and their verification, per RFC 9162 §2.1.3.2 and §2.1.4.2.
//!
//! Verification is what an outside auditor runs, so it follows the RFC's algorithms step by
//! step and treats every deviation (wrong length, wrong sizes, extra hashes) as a failure.

use crate::hash::{Hash, HashAlgorithm};

/// Why a proof did not verify. The variants help debugging; callers should treat them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// The old tree is larger than the new one.
    #[error("old size {old} is larger than new size {new}")]
    SizeOrder { old: u64, new: u64 },
    /// The proof has more or fewer hashes than the sizes call for.
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    /// The recomputed root differs from the expected one.
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// Proof that one leaf is in a tree of a given size (RFC 9162 audit path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof<A: HashAlgorithm> {
    leaf_index: u64,
    tree_size: u64,
    path: Vec<Hash<A>>,
}

impl<A: HashAlgorithm> InclusionProof<A> {
    /// Assembles a proof received from elsewhere; nothing is checked until [`Self::verify`].
    pub fn new(leaf_index: u64, tree_size: u64, path: Vec<Hash<A>>) -> Self {
        Self {
            leaf_index,
            tree_size,
            path,
        }
    }

    /// The index of the proven leaf.
    pub fn leaf_index(&self) -> u64 {
        self.leaf_index
    }

    /// The size of the tree the proof is for.
    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    /// The audit path, from the leaf's sibling up to the root's child.
    pub fn path(&self) -> &[Hash<A>] {
        &self.path
    }

    /// Checks that `leaf_hash` is at this proof's index in the tree whose root is `root`.
    pub fn verify(&self, leaf_hash: &Hash<A>, root: &Hash<A>) -> Result<(), VerifyError> {
        verify_inclusion(self.leaf_index, self.tree_size, leaf_hash, &self.path, root)
    }
}

/// Proof that a tree of `old_size` leaves is a prefix of a tree of `new_size` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof<A: HashAlgorithm> {
    old_size: u64,
    new_size: u64,
    path: Vec<Hash<A>>,
}

impl<A: HashAlgorithm> ConsistencyProof<A> {
    /// Assembles a proof received from elsewhere; nothing is checked until [`Self::verify`].
    pub fn new(old_size: u64, new_size: u64, path: Vec<Hash<A>>) -> Self {
        Self {
            old_size,
            new_size,
            path,
        }
    }

    /// The size of the older tree.
    pub fn old_size(&self) -> u64 {
        self.old_size
    }

    /// The size of the newer tree.
    pub fn new_size(&self) -> u64 {
        self.new_size
    }

    /// The proof hashes in RFC 9162 order.
    pub fn path(&self) -> &[Hash<A>] {
        &self.path
    }

    /// Checks that the tree with root `old_root` grew, by appending only, into the tree with
    /// root `new_root`.
    pub fn verify(&self, old_root: &Hash<A>, new_root: &Hash<A>) -> Result<(), VerifyError> {
        verify_consistency(self.old_size, self.new_size, &self.path, old_root, new_root)
    }
}

/// RFC 9162 §2.1.3.2: verifies an inclusion proof.
pub fn verify_inclusion<A: HashAlgorithm>(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash<A>,
    path: &[Hash<A>],
    root: &Hash<A>,
) -> Result<(), VerifyError> {
    if leaf_index >= tree_size {
        return Err(VerifyError::IndexOutOfRange {
            index: leaf_index,
            size: tree_size,
        });
    }
    let mut f_n = leaf_index;
    let mut s_n = tree_size - 1;
    let mut r = *leaf_hash;
    for p in path {
        if s_n == 0 {
            return Err(VerifyError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = A::hash_children(p, &r);
            // Levels where our node has no right sibling add no hash: skip them.
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = A::hash_children(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(VerifyError::WrongLength);
    }
    if r != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: verifies a consistency proof.
///
/// The RFC leaves out the trivial cases; like transparency-dev/merkle, equal sizes need an
/// empty proof and equal roots, and an empty old tree needs an empty proof (and, stricter
/// than transparency-dev, the empty-tree root as `old_root`).
pub fn verify_consistency<A: HashAlgorithm>(
    old_size: u64,
    new_size: u64,
    path: &[Hash<A>],
    old_root: &Hash<A>,
    new_root: &Hash<A>,
) -> Result<(), VerifyError> {
    if old_size > new_size {
        return Err(VerifyError::SizeOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size || old_size == 0 {
        if !path.is_empty() {
            return Err(VerifyError::WrongLength);
        }
        let expected_old = if old_size == 0 { A::empty_root() } else { *new_root };
        return if *old_root == expected_old {
            Ok(())
        } else {
            Err(VerifyError::RootMismatch)
        };
    }
    let Some((first, rest)) = path.split_first() else {
        return Err(VerifyError::WrongLength);
    };
    // Step 2: when the old tree is a perfect subtree its root starts the path implicitly.
    let (seed, rest) = if old_size.is_power_of_two() {
        (old_root, path)
    } else {
        (first, rest)
    };
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut f_r = *seed;
    let mut s_r = *seed;
    for c in rest {
        if s_n == 0 {
            return Err(VerifyError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = A::hash_children(c, &f_r);
            s_r = A::hash_children(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = A::hash_children(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(VerifyError::WrongLength);
    }
    if f_r != *old_root || s_r != *new_root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}
