//! Proofs built from stored nodes, independent of where the nodes live.
//!
//! A store keeps the hashes of perfect subtrees ([`NodeId`]). Every hash a proof needs is
//! either one such node or the root of a ragged right edge, which folds a few of them. The
//! plan of which nodes to read is pure tree arithmetic, so a database can fetch them all in one
//! round trip through [`NodeSource::nodes`].

use crate::hash::{Hash, HashAlgorithm};
use crate::proof::{ConsistencyProof, InclusionProof};

/// A perfect subtree: the `2^level` leaves starting at leaf `index << level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves; leaves are level 0.
    pub level: u8,
    /// Position among the nodes of that level, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// Creates a node id.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf at `index`.
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }
}

/// Read access to the stored hashes of perfect subtrees. The store implements this; the ledger
/// turns it into proofs.
pub trait NodeSource<A: HashAlgorithm> {
    /// What the storage can fail with.
    type Error;

    /// The hash of a perfect subtree, or `None` if the store does not hold it.
    fn node(&self, id: NodeId) -> Result<Option<Hash<A>>, Self::Error>;

    /// Several nodes at once, in the order asked. Override to batch the reads.
    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash<A>>>, Self::Error> {
        ids.iter().map(|&id| self.node(id)).collect()
    }
}

/// Why a proof or root could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError<E> {
    /// The leaf is not in the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A consistency proof needs the old size to be at most the new size.
    #[error("old size {old} is larger than new size {new}")]
    SizeOrder { old: u64, new: u64 },
    /// The store lacks a node the proof needs (it is behind the requested size).
    #[error("the node source lacks node at level {} index {}", .0.level, .0.index)]
    MissingNode(NodeId),
    /// The store answered a batch read with the wrong number of nodes.
    #[error("asked the node source for {asked} nodes, got {got}")]
    NodeCount { asked: usize, got: usize },
    /// The store failed.
    #[error("the node source failed")]
    Source(#[source] E),
}

/// Largest power of two strictly below `n`; `n` must be at least 2.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees that make up `[start, end)`, largest first. `start` must be aligned
/// to the largest of them, which holds for every subtree of an RFC 9162 tree.
fn range_nodes(start: u64, end: u64, out: &mut Vec<NodeId>) {
    let mut pos = start;
    let mut rest = end - start;
    while rest > 0 {
        let level = 63 - rest.leading_zeros();
        debug_assert_eq!(pos % (1 << level), 0, "range [{start}, {end}) is not a subtree");
        out.push(NodeId::new(level as u8, pos >> level));
        pos += 1 << level;
        rest -= 1 << level;
    }
}

/// Node ids to read and where each proof element's run of nodes ends.
#[derive(Default)]
struct Plan {
    ids: Vec<NodeId>,
    ends: Vec<usize>,
}

impl Plan {
    fn push_range(&mut self, start: u64, end: u64) {
        range_nodes(start, end, &mut self.ids);
        self.ends.push(self.ids.len());
    }

    /// RFC 9162 PATH(m, D[start:end]), with `m` an absolute leaf index.
    fn path(&mut self, m: u64, start: u64, end: u64) {
        if end - start <= 1 {
            return;
        }
        let k = split_point(end - start);
        if m < start + k {
            self.path(m, start, start + k);
            self.push_range(start + k, end);
        } else {
            self.path(m, start + k, end);
            self.push_range(start, start + k);
        }
    }

    /// RFC 9162 SUBPROOF(m, D[start:end], b), with `m` relative to `start`.
    fn subproof(&mut self, m: u64, start: u64, end: u64, whole: bool) {
        let n = end - start;
        if m == n {
            if !whole {
                self.push_range(start, end);
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, start + k, whole);
            self.push_range(start + k, end);
        } else {
            self.subproof(m - k, start + k, end, false);
            self.push_range(start, start + k);
        }
    }

    /// Reads the nodes and folds each run into one hash.
    fn resolve<A: HashAlgorithm, S: NodeSource<A> + ?Sized>(
        &self,
        source: &S,
    ) -> Result<Vec<Hash<A>>, ProveError<S::Error>> {
        let found = source.nodes(&self.ids).map_err(ProveError::Source)?;
        if found.len() != self.ids.len() {
            return Err(ProveError::NodeCount {
                asked: self.ids.len(),
                got: found.len(),
            });
        }
        let mut out = Vec::with_capacity(self.ends.len());
        let mut begin = 0;
        for &end in &self.ends {
            out.push(fold(&self.ids[begin..end], &found[begin..end])?);
            begin = end;
        }
        Ok(out)
    }
}

/// The root of consecutive perfect subtrees, largest first: they nest to the right.
fn fold<A: HashAlgorithm, E>(ids: &[NodeId], hashes: &[Option<Hash<A>>]) -> Result<Hash<A>, ProveError<E>> {
    let mut acc: Option<Hash<A>> = None;
    for (id, hash) in ids.iter().zip(hashes).rev() {
        let hash = hash.ok_or(ProveError::MissingNode(*id))?;
        acc = Some(match acc {
            None => hash,
            Some(right) => A::hash_children(&hash, &right),
        });
    }
    // A plan never holds an empty run; the empty tree is handled before planning.
    acc.ok_or(ProveError::MissingNode(NodeId::leaf(0)))
}

/// The root of the tree made of the first `size` leaves of `source`.
pub fn root_at<A: HashAlgorithm, S: NodeSource<A> + ?Sized>(
    source: &S,
    size: u64,
) -> Result<Hash<A>, ProveError<S::Error>> {
    if size == 0 {
        return Ok(A::empty_root());
    }
    let mut plan = Plan::default();
    plan.push_range(0, size);
    let mut roots = plan.resolve(source)?;
    roots.pop().ok_or(ProveError::MissingNode(NodeId::leaf(0)))
}

/// The audit path proving that leaf `index` is in the tree of the first `size` leaves.
pub fn prove_inclusion<A: HashAlgorithm, S: NodeSource<A> + ?Sized>(
    source: &S,
    index: u64,
    size: u64,
) -> Result<InclusionProof<A>, ProveError<S::Error>> {
    if index >= size {
        return Err(ProveError::IndexOutOfRange { index, size });
    }
    let mut plan = Plan::default();
    plan.path(index, 0, size);
    Ok(InclusionProof::new(index, size, plan.resolve(source)?))
}

/// The nodes [`prove_inclusion`] reads, in the order it asks for them: a store that reads
/// asynchronously fetches them first and proves from [`Prefetched`]. Empty if `index` is not
/// below `size` (proving then says why).
pub fn inclusion_node_ids(index: u64, size: u64) -> Vec<NodeId> {
    let mut plan = Plan::default();
    if index < size {
        plan.path(index, 0, size);
    }
    plan.ids
}

/// The nodes [`prove_consistency`] reads, in the order it asks for them (see
/// [`inclusion_node_ids`]). Empty if `old` is 0 or larger than `new`.
pub fn consistency_node_ids(old: u64, new: u64) -> Vec<NodeId> {
    let mut plan = Plan::default();
    if old > 0 && old <= new {
        plan.subproof(old, 0, new, true);
    }
    plan.ids
}

/// Nodes read ahead of proving, by id; any other node reads as absent.
pub struct Prefetched<A: HashAlgorithm> {
    ids: Vec<NodeId>,
    hashes: Vec<Option<Hash<A>>>,
}

impl<A: HashAlgorithm> Prefetched<A> {
    /// `hashes[i]` is the node `ids[i]`.
    pub fn new(ids: Vec<NodeId>, hashes: Vec<Option<Hash<A>>>) -> Self {
        Self { ids, hashes }
    }
}

impl<A: HashAlgorithm> NodeSource<A> for Prefetched<A> {
    type Error = std::convert::Infallible;

    fn node(&self, id: NodeId) -> Result<Option<Hash<A>>, Self::Error> {
        let at = self.ids.iter().position(|i| *i == id);
        Ok(at.and_then(|at| self.hashes.get(at).copied().flatten()))
    }

    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash<A>>>, Self::Error> {
        if ids == self.ids.as_slice() && self.hashes.len() == ids.len() {
            return Ok(self.hashes.clone());
        }
        ids.iter().map(|&id| self.node(id)).collect()
    }
}

/// The proof that the tree of the first `old` leaves is a prefix of the tree of the first
/// `new` leaves. Empty when `old` is 0 or equal to `new`, as nothing needs proving.
pub fn prove_consistency<A: HashAlgorithm, S: NodeSource<A> + ?Sized>(
    source: &S,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof<A>, ProveError<S::Error>> {
    if old > new {
        return Err(ProveError::SizeOrder { old, new });
    }
    let mut plan = Plan::default();
    if old > 0 {
        plan.subproof(old, 0, new, true);
    }
    Ok(ConsistencyProof::new(old, new, plan.resolve(source)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_from_prefetched_nodes_equal_proofs_from_the_store() {
        use crate::{HashAlgorithm, MemoryStore, Sha256};
        let mut store = MemoryStore::<Sha256>::new();
        for size in 1u64..=70 {
            store.push(Sha256::hash_leaf(&size.to_be_bytes()));
            for other in 0..=size {
                let index = other.min(size - 1);
                let ids = inclusion_node_ids(index, size);
                let ahead = Prefetched::new(ids.clone(), store.nodes(&ids).unwrap());
                assert_eq!(
                    prove_inclusion(&ahead, index, size).unwrap().path(),
                    prove_inclusion(&store, index, size).unwrap().path(),
                    "inclusion of {index} in {size}"
                );
                let ids = consistency_node_ids(other, size);
                let ahead = Prefetched::new(ids.clone(), store.nodes(&ids).unwrap());
                assert_eq!(
                    prove_consistency(&ahead, other, size).unwrap().path(),
                    prove_consistency(&store, other, size).unwrap().path(),
                    "consistency of {other} with {size}"
                );
            }
        }
        // Nothing to read where there is nothing to prove; a node not read ahead is absent.
        assert!(inclusion_node_ids(5, 5).is_empty() && consistency_node_ids(6, 5).is_empty());
        let ahead = Prefetched::<Sha256>::new(Vec::new(), Vec::new());
        assert!(matches!(prove_inclusion(&ahead, 0, 2), Err(ProveError::MissingNode(_))));
    }

    #[test]
    fn split_point_is_largest_power_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn ranges_decompose_into_perfect_subtrees() {
        let mut out = Vec::new();
        range_nodes(0, 7, &mut out);
        assert_eq!(out, [NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]);
        out.clear();
        range_nodes(8, 13, &mut out);
        assert_eq!(out, [NodeId::new(2, 2), NodeId::new(0, 12)]);
    }
}
