//! Growing a stored tree: which full-subtree nodes an append completes, so a database can
//! keep exactly the nodes proofs need while holding only the right edge in memory.

use crate::frontier::{Frontier, FrontierError};
use crate::hash::{Hash, HashAlgorithm};
use crate::tree::NodeId;

/// The nodes on the right edge of a tree of `size` leaves: one per set bit, largest first.
pub fn edge_ids(size: u64) -> Vec<NodeId> {
    let mut ids = Vec::with_capacity(size.count_ones() as usize);
    let mut start = 0u64;
    for level in (0..64u8).rev() {
        let width = 1u64 << level;
        if size & width != 0 {
            ids.push(NodeId::new(level, start >> level));
            start += width;
        }
    }
    ids
}

/// The nodes an append completed, with the frontier after it.
pub type Growth<A> = (Vec<(NodeId, Hash<A>)>, Frontier<A>);

/// Appends `leaves` (leaf hashes) to the tree of `size` whose right edge is `edge`, returning
/// every node the appends complete (the leaves included) and the new frontier.
pub fn grow<A: HashAlgorithm>(size: u64, edge: &[Hash<A>], leaves: &[Hash<A>]) -> Result<Growth<A>, FrontierError> {
    let ids = edge_ids(size);
    if ids.len() != edge.len() {
        return Err(FrontierError {
            size,
            expected: size.count_ones(),
            got: edge.len(),
        });
    }
    let mut stack: Vec<(u8, Hash<A>)> = ids.iter().map(|id| id.level).zip(edge.iter().copied()).collect();
    let mut completed = Vec::with_capacity(leaves.len() * 2);
    let mut next = size;
    for leaf in leaves {
        completed.push((NodeId::leaf(next), *leaf));
        stack.push((0, *leaf));
        // Two subtrees of one height side by side make their parent, as binary addition carries.
        while let [.., (left_level, left), (right_level, right)] = stack[..]
            && left_level == right_level
        {
            stack.truncate(stack.len() - 2);
            let level = right_level;
            let parent = A::hash_children(&left, &right);
            let up = level + 1;
            completed.push((NodeId::new(up, next >> up), parent));
            stack.push((up, parent));
        }
        next += 1;
    }
    let frontier = Frontier::from_parts(next, stack.into_iter().map(|(_, h)| h).collect())?;
    Ok((completed, frontier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sha256;
    use crate::memory::MemoryStore;
    use crate::tree::NodeSource;

    #[test]
    fn edge_of_sizes() {
        assert!(edge_ids(0).is_empty());
        assert_eq!(edge_ids(6), vec![NodeId::new(2, 0), NodeId::new(1, 2)]);
        assert_eq!(
            edge_ids(7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
    }

    #[test]
    fn growing_in_batches_stores_the_nodes_and_roots_a_memory_store_has() {
        let leaves: Vec<Hash<Sha256>> = (0u32..300).map(|i| Sha256::hash_leaf(&i.to_be_bytes())).collect();
        let mut reference = MemoryStore::<Sha256>::new();
        let mut stored = std::collections::BTreeMap::new();
        let mut frontier = Frontier::<Sha256>::new();
        let mut at = 0usize;
        for batch in [1usize, 2, 5, 8, 13, 21, 34, 55, 89, 72] {
            let slice = &leaves[at..at + batch];
            let (nodes, f) = grow(frontier.size(), frontier.edge(), slice).unwrap();
            for (id, h) in nodes {
                assert!(stored.insert(id, h).is_none(), "a node is completed once");
            }
            for l in slice {
                reference.push(*l);
            }
            frontier = f;
            at += batch;
            assert_eq!(frontier.root(), reference.tree_head().root, "root after {at} leaves");
            for id in edge_ids(frontier.size()) {
                assert_eq!(
                    stored.get(&id).copied(),
                    reference.node(id).unwrap(),
                    "edge node {id:?}"
                );
            }
        }
        assert_eq!(at, 300);
    }
}
