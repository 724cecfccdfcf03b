//! How the nodes a proof needs below the cached levels are read: those of the lowest levels
//! are hashed from their stored leaves, read as one range, and only higher ones are looked up.
//!
//! Why: an inclusion proof needs one sibling on each of the lowest levels, and all of them lie
//! in the aligned block of 16 leaves around its entry. Stored by (level, index) they sit on four
//! different pages of the B-tree, and on a 10M-entry log each of those pages is cold: four
//! page reads against one for the block's leaves, which then cost 11 hashes (about 2 µs).
//!
//! A node hashed from its leaves equals the stored one unless the store was tampered with; then
//! the proof fails to verify either way, and `ledger verify` says where. A missing leaf makes the
//! nodes above it within the block absent, as a missing stored node would be.

use qinglian_ledger::{Algorithm, NodeId};

/// Nodes below this level are hashed from their leaves: at most 2^(LEVELS-1) = 8 leaves each,
/// and a proof's low siblings together span one block of 16.
pub(crate) const LEVELS: u8 = 4;

/// Leaves further apart than this are read as separate ranges rather than one.
const MAX_GAP: u64 = 16;

/// What to read for a set of wanted nodes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Leaf ranges `[start, end)` to read from level 0, sorted and disjoint.
    pub leaf_ranges: Vec<(u64, u64)>,
    /// Nodes to look up as stored rows.
    pub stored: Vec<NodeId>,
}

/// A node read: (level, index) and hash.
pub(crate) type NodeRow = ((u8, u64), [u8; 32]);

/// What was read for a [`Plan`]: leaf hashes and stored nodes, each sorted by index.
///
/// Sorted vectors, not hash maps: a proof reads a few dozen rows, and hashing their keys was
/// a tenth of a proof's time at 10M entries.
#[derive(Debug, Default)]
pub(crate) struct ProofRows {
    pub leaves: Vec<(u64, [u8; 32])>,
    pub stored: Vec<NodeRow>,
}

impl ProofRows {
    /// Sorts rows read for a plan: level 0 are leaves (a plan looks up only higher levels).
    pub(crate) fn split(rows: impl Iterator<Item = NodeRow>) -> Self {
        let mut out = Self::default();
        for ((level, index), hash) in rows {
            if level == 0 {
                out.leaves.push((index, hash));
            } else {
                out.stored.push(((level, index), hash));
            }
        }
        out.leaves.sort_unstable_by_key(|(i, _)| *i);
        out.leaves.dedup_by_key(|(i, _)| *i);
        out.stored.sort_unstable_by_key(|(id, _)| *id);
        out
    }
}

/// The hash of node (level, index) among `found`, sorted as [`assemble`] returns it.
pub(crate) fn find(found: &[NodeRow], level: u8, index: u64) -> Option<[u8; 32]> {
    found
        .binary_search_by_key(&(level, index), |(id, _)| *id)
        .ok()
        .map(|at| found[at].1)
}

/// The leaves under node `id`, if it is low enough to be hashed from them.
fn span(id: NodeId) -> Option<(u64, u64)> {
    if id.level >= LEVELS {
        return None;
    }
    let start = first_leaf(id.level, id.index)?;
    Some((start, start.checked_add(1 << id.level)?))
}

/// The index of the first leaf under node (level, index); `None` past the largest index.
pub(crate) fn first_leaf(level: u8, index: u64) -> Option<u64> {
    index.checked_shl(u32::from(level)).filter(|s| s >> level == index)
}

pub(crate) fn plan(ids: &[NodeId]) -> Plan {
    let mut spans: Vec<(u64, u64)> = Vec::new();
    let mut stored = Vec::new();
    for id in ids {
        match span(*id) {
            Some(s) => spans.push(s),
            None => stored.push(*id),
        }
    }
    spans.sort_unstable();
    let mut leaf_ranges: Vec<(u64, u64)> = Vec::new();
    for (start, end) in spans {
        match leaf_ranges.last_mut() {
            Some(last) if start <= last.1.saturating_add(MAX_GAP) => last.1 = last.1.max(end),
            _ => leaf_ranges.push((start, end)),
        }
    }
    Plan { leaf_ranges, stored }
}

/// The wanted nodes found, sorted by (level, index): low ones hashed from `leaves`, the others
/// taken from `stored`. A node missing a leaf or a row is left out.
pub(crate) fn assemble(algorithm: Algorithm, ids: &[NodeId], rows: ProofRows) -> Vec<NodeRow> {
    let ProofRows { leaves, mut stored } = rows;
    for id in ids {
        let Some((start, end)) = span(*id) else { continue };
        // Leaves are sorted and distinct: the block is there when its first and last are, and
        // every index between them.
        let from = leaves.partition_point(|(i, _)| *i < start);
        let block = leaves.get(from..).unwrap_or_default();
        let len = usize::try_from(end - start).unwrap_or(usize::MAX);
        if block.len() >= len && block[len - 1].0 == end - 1 && block[0].0 == start {
            let hashes: Vec<[u8; 32]> = block[..len].iter().map(|(_, h)| *h).collect();
            stored.push((
                (id.level, id.index),
                crate::ledger_math::subtree_root(algorithm, &hashes),
            ));
        }
    }
    stored.sort_unstable_by_key(|(id, _)| *id);
    stored.dedup_by_key(|(id, _)| *id);
    stored
}

#[cfg(test)]
mod tests {
    use qinglian_ledger::{HashAlgorithm, MemoryStore, NodeSource, Sha256};

    use super::*;

    #[test]
    fn an_inclusion_proofs_low_siblings_are_one_leaf_range() {
        // Entry 37's siblings on levels 0–3 and two higher nodes.
        let ids = [
            NodeId::new(0, 36),
            NodeId::new(1, 19),
            NodeId::new(2, 8),
            NodeId::new(3, 5),
            NodeId::new(4, 3),
            NodeId::new(9, 0),
        ];
        let p = plan(&ids);
        assert_eq!(p.leaf_ranges, vec![(32, 48)]);
        assert_eq!(p.stored, vec![NodeId::new(4, 3), NodeId::new(9, 0)]);
        // Far-apart nodes are separate ranges; an index that overflows is looked up, not read.
        let p = plan(&[NodeId::new(0, 5), NodeId::new(0, 1_000), NodeId::new(3, u64::MAX)]);
        assert_eq!(p.leaf_ranges, vec![(5, 6), (1_000, 1_001)]);
        assert_eq!(p.stored, vec![NodeId::new(3, u64::MAX)]);
    }

    #[test]
    fn hashed_nodes_equal_the_reference_tree_and_a_missing_leaf_leaves_them_out() {
        let mut reference = MemoryStore::<Sha256>::new();
        for i in 0u32..40 {
            reference.push(Sha256::hash_leaf(&i.to_be_bytes()));
        }
        let node = |id: NodeId| *reference.node(id).unwrap().unwrap().as_bytes();
        let ids: Vec<NodeId> = (0..LEVELS)
            .flat_map(|l| (0..40u64 >> l).map(move |i| NodeId::new(l, i)))
            .collect();
        let mut leaves: Vec<(u64, [u8; 32])> = (0..40).map(|i| (i, node(NodeId::new(0, i)))).collect();
        let rows = |leaves: &Vec<(u64, [u8; 32])>| ProofRows {
            leaves: leaves.clone(),
            stored: Vec::new(),
        };
        let found = assemble(Algorithm::Sha256, &ids, rows(&leaves));
        for id in &ids {
            assert_eq!(find(&found, id.level, id.index), Some(node(*id)), "{id:?}");
        }
        leaves.retain(|(i, _)| *i != 6);
        let found = assemble(Algorithm::Sha256, &ids, rows(&leaves));
        for gone in [
            NodeId::new(0, 6),
            NodeId::new(1, 3),
            NodeId::new(2, 1),
            NodeId::new(3, 0),
        ] {
            assert_eq!(find(&found, gone.level, gone.index), None, "{gone:?}");
        }
        assert_eq!(find(&found, 3, 1), Some(node(NodeId::new(3, 1))));
    }
}
