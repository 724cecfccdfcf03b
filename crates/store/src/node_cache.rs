//! The upper levels of the stored Merkle tree, kept in memory so a proof reads the database at
//! most once, for the few nodes near its leaf.
//!
//! Why it needs no invalidation: a stored node is the hash of a perfect subtree, written once
//! by the integrator and never changed, and at each level the stored nodes are exactly the
//! indexes `0..size >> level`. So each cached level is a dense prefix that only grows.
//!
//! Below the cached levels, the nodes at the log's right edge are kept too: every proof against
//! the current size needs the same few of them (those under the last, partly filled block of
//! the lowest cached level), and reading them cost each proof a second range of leaves and
//! their hashing, a quarter of its time at 10M entries.
//!
//! Memory bound: levels are cached from the lowest one whose nodes, with all the levels above
//! it, fit in [`BUDGET_BYTES`]; as the log grows the lowest cached level moves up and lower
//! levels are dropped. About 2·size/2^low nodes of 32 bytes: levels ≥ 4 (40 MB) at 10M
//! entries, the whole tree (64 MB) at 1M.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use qinglian_ledger::NodeId;

/// The most the cache holds: 64 MiB of hashes.
pub(crate) const BUDGET_BYTES: u64 = 64 << 20;

/// The lowest cached level before any size is known: nothing is cached.
const NONE: u8 = 64;

pub(crate) struct NodeCache {
    budget: u64,
    levels: RwLock<Levels>,
    /// The largest log size this process has seen stored; sizes only grow.
    known_size: AtomicU64,
}

struct Levels {
    /// Lowest cached level; levels below it are always read from the database.
    low: u8,
    /// Hashes by level, then by index: a prefix of that level's stored nodes.
    by_level: Vec<Vec<[u8; 32]>>,
    /// Nodes below `low` under the last partly filled block of level `low`, sorted by
    /// (level, index): fewer than 2^(low+1) of them.
    edge: Vec<crate::proof_read::NodeRow>,
}

/// The most edge nodes kept, should the lowest cached level ever be high.
const MAX_EDGE: usize = 1024;

/// What a lookup left to the database.
pub(crate) struct Misses {
    /// Cacheable levels to extend, with the index to extend each from.
    pub extend: Vec<(u8, u64)>,
    /// Nodes below the cached levels: fetched and not kept.
    pub fetch: Vec<NodeId>,
    /// Nodes of cached levels beyond what is cached (new, or after a gap).
    pub uncached: Vec<NodeId>,
}

impl NodeCache {
    pub(crate) fn new() -> Self {
        Self::with_budget(BUDGET_BYTES)
    }

    pub(crate) fn with_budget(budget: u64) -> Self {
        Self {
            budget,
            levels: RwLock::new(Levels {
                low: NONE,
                by_level: vec![Vec::new(); 64],
                edge: Vec::new(),
            }),
            known_size: AtomicU64::new(0),
        }
    }

    /// The log is known to hold at least this many entries.
    pub(crate) fn known_size(&self) -> u64 {
        self.known_size.load(Ordering::Relaxed)
    }

    /// Records a size read from or written to the database, and moves the cached levels up
    /// if the log outgrew the budget.
    pub(crate) fn saw_size(&self, size: u64) {
        if self.known_size.fetch_max(size, Ordering::Relaxed) >= size {
            return;
        }
        let low = lowest_level_within_budget(size, self.budget);
        let Ok(mut l) = self.levels.write() else { return };
        if l.low == NONE {
            l.low = low;
        } else if low > l.low {
            for level in l.low..low {
                l.by_level[usize::from(level)] = Vec::new();
            }
            l.low = low;
        }
    }

    /// Fills `out` (one slot per id) from memory and says what the database must supply.
    pub(crate) fn lookup(&self, ids: &[NodeId], out: &mut [Option<[u8; 32]>]) -> Misses {
        let mut misses = Misses {
            extend: Vec::new(),
            fetch: Vec::new(),
            uncached: Vec::new(),
        };
        let Ok(l) = self.levels.read() else {
            misses.fetch.extend_from_slice(ids);
            return misses;
        };
        for (id, slot) in ids.iter().zip(out.iter_mut()) {
            if id.level < l.low || id.level >= 64 {
                match crate::proof_read::find(&l.edge, id.level, id.index) {
                    Some(h) => *slot = Some(h),
                    None => misses.fetch.push(*id),
                }
                continue;
            }
            let level = &l.by_level[usize::from(id.level)];
            match usize::try_from(id.index).ok().and_then(|i| level.get(i)) {
                Some(h) => *slot = Some(*h),
                None => {
                    misses.uncached.push(*id);
                    let from = level.len() as u64;
                    if !misses.extend.iter().any(|(lv, _)| *lv == id.level) {
                        misses.extend.push((id.level, from));
                    }
                }
            }
        }
        misses
    }

    /// Appends rows read for `extend` (ordered by level, then index). Only rows that continue
    /// a level's prefix are kept, so a gap (a deleted row) never shifts the nodes after it.
    pub(crate) fn extend(&self, rows: &[(u8, u64, [u8; 32])]) {
        let Ok(mut l) = self.levels.write() else { return };
        for (level, index, hash) in rows {
            if *level < l.low || *level >= 64 {
                continue;
            }
            let v = &mut l.by_level[usize::from(*level)];
            if *index == v.len() as u64 {
                v.push(*hash);
            }
        }
    }

    /// Keeps those of `found` (nodes read below the cached levels) that lie at the right edge
    /// of the largest log seen, and drops kept ones the log has grown past.
    pub(crate) fn keep_edge(&self, found: &[crate::proof_read::NodeRow]) {
        let size = self.known_size();
        let at_edge = |low: u8, (level, index): (u8, u64)| {
            level < low
                && low < 64
                && crate::proof_read::first_leaf(level, index).is_some_and(|s| s >= (size >> low) << low)
        };
        let missing = |l: &Levels| {
            found
                .iter()
                .any(|(id, _)| at_edge(l.low, *id) && crate::proof_read::find(&l.edge, id.0, id.1).is_none())
        };
        // Most proofs find every edge node kept already: no write lock for them.
        if !self.levels.read().is_ok_and(|l| missing(&l)) {
            return;
        }
        let Ok(mut l) = self.levels.write() else { return };
        let low = l.low;
        l.edge.retain(|(id, _)| at_edge(low, *id));
        l.edge.extend(found.iter().filter(|(id, _)| at_edge(low, *id)));
        l.edge.sort_unstable_by_key(|(id, _)| *id);
        l.edge.dedup_by_key(|(id, _)| *id);
        l.edge.truncate(MAX_EDGE);
    }

    /// Hashes cached now (for tests and figures).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.levels
            .read()
            .map(|l| l.by_level.iter().map(Vec::len).sum())
            .unwrap_or(0)
    }
}

/// The lowest level such that it and the levels above fit in the budget for a log of `size`.
fn lowest_level_within_budget(size: u64, budget: u64) -> u8 {
    (0..64u8)
        .find(|&low| {
            let nodes = (low..64).fold(0u64, |n, l| n.saturating_add(size >> l));
            nodes.saturating_mul(32) <= budget
        })
        .unwrap_or(63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_sets_the_lowest_cached_level() {
        assert_eq!(lowest_level_within_budget(0, BUDGET_BYTES), 0);
        assert_eq!(lowest_level_within_budget(1_000_000, BUDGET_BYTES), 0);
        assert_eq!(lowest_level_within_budget(10_000_000, BUDGET_BYTES), 4);
        for size in [1u64, 1000, 1 << 20, 10_000_000, 1 << 40, u64::MAX] {
            let low = lowest_level_within_budget(size, BUDGET_BYTES);
            let nodes = (low..64).fold(0u64, |n, l| n.saturating_add(size >> l));
            assert!(nodes.saturating_mul(32) <= BUDGET_BYTES, "size {size}");
        }
    }

    #[test]
    fn levels_grow_as_prefixes_and_skip_gaps() {
        let c = NodeCache::new();
        c.saw_size(16);
        let ids = [NodeId::new(0, 0), NodeId::new(0, 2), NodeId::new(1, 1)];
        let mut out = [None; 3];
        let m = c.lookup(&ids, &mut out);
        assert_eq!(m.extend, [(0, 0), (1, 0)]);
        assert!(m.fetch.is_empty());
        // Leaf 1 is missing (a deleted row): leaves after it are not cached at wrong places.
        c.extend(&[(0, 0, [0; 32]), (0, 2, [2; 32]), (1, 0, [10; 32]), (1, 1, [11; 32])]);
        let mut out = [None; 3];
        let m = c.lookup(&ids, &mut out);
        assert_eq!(out, [Some([0; 32]), None, Some([11; 32])]);
        assert_eq!(m.extend, [(0, 1)]);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn nodes_at_the_right_edge_are_kept_and_dropped_once_the_log_grows_past_them() {
        let c = NodeCache::new();
        c.saw_size(10_000_003);
        // 10,000,003 = 625,000 blocks of 16 and 3 leaves: the edge is leaves 10,000,000-2.
        let edge = [NodeId::new(0, 10_000_002), NodeId::new(1, 5_000_000)];
        let inner = NodeId::new(0, 37);
        let ids = [edge[0], edge[1], inner];
        let mut out = [None; 3];
        assert_eq!(c.lookup(&ids, &mut out).fetch, ids);
        c.keep_edge(&[
            ((0, 37), [1; 32]),
            ((0, 10_000_002), [2; 32]),
            ((1, 5_000_000), [3; 32]),
        ]);
        let mut out = [None; 3];
        assert_eq!(c.lookup(&ids, &mut out).fetch, [inner], "only the edge is kept");
        assert_eq!(out, [Some([2; 32]), Some([3; 32]), None]);
        // Grown past that block: its nodes are no longer the edge and go with the next keep.
        c.saw_size(10_000_020);
        c.keep_edge(&[((0, 10_000_016), [4; 32])]);
        let mut out = [None; 3];
        assert_eq!(c.lookup(&ids, &mut out).fetch, ids);
        let mut out = [None];
        c.lookup(&[NodeId::new(0, 10_000_016)], &mut out);
        assert_eq!(out, [Some([4; 32])]);
    }

    #[test]
    fn a_larger_log_drops_the_lowest_levels() {
        let c = NodeCache::new();
        c.saw_size(8);
        c.extend(&[(0, 0, [0; 32]), (1, 0, [1; 32]), (2, 0, [2; 32])]);
        assert_eq!(c.len(), 3);
        c.saw_size(10_000_000);
        assert_eq!(c.len(), 0, "levels 0-3 are no longer cached at 10M entries");
        let mut out = [None; 2];
        let m = c.lookup(&[NodeId::new(3, 0), NodeId::new(4, 0)], &mut out);
        assert_eq!(m.fetch, [NodeId::new(3, 0)]);
        assert_eq!(m.extend, [(4, 0)]);
        c.saw_size(5);
        assert_eq!(c.known_size(), 10_000_000, "sizes only grow");
    }
}
