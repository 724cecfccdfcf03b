//! The fast tree against a naive reference written straight from RFC 9162 §2.1: equal roots
//! and proofs for every pair of sizes up to 1,024, and every mutation of a valid proof rejected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use common::{Consistency, Inclusion, assert_consistency_mutants_fail, assert_inclusion_mutants_fail};
use qinglian_ledger::{
    Frontier, Hash, HashAlgorithm, MemoryStore, NodeId, NodeSource, ProveError, Sha256, Sm3, prove_consistency,
    prove_inclusion,
};

/// RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH and §2.1.4.1 PROOF/SUBPROOF over the list `D`, with
/// `D[lo:hi]` written as a pair of bounds. MTH results are memoised only to keep the
/// exhaustive test fast; the recursion is the RFC's.
struct Rfc<A: HashAlgorithm> {
    d: Vec<Vec<u8>>,
    memo: RefCell<HashMap<(usize, usize), Hash<A>>>,
}

impl<A: HashAlgorithm> Rfc<A> {
    fn new(n: usize) -> Self {
        let d = (0..n).map(|i| format!("leaf {i}").into_bytes()).collect();
        Self {
            d,
            memo: RefCell::default(),
        }
    }

    /// The largest power of two smaller than n.
    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    fn mth(&self, lo: usize, hi: usize) -> Hash<A> {
        if let Some(h) = self.memo.borrow().get(&(lo, hi)) {
            return *h;
        }
        let n = hi - lo;
        let h = match n {
            0 => A::digest(&[]),
            1 => A::digest(&[&[0x00], &self.d[lo]]),
            _ => {
                let k = Self::k(n);
                let (l, r) = (self.mth(lo, lo + k), self.mth(lo + k, hi));
                A::digest(&[&[0x01], l.as_bytes(), r.as_bytes()])
            }
        };
        self.memo.borrow_mut().insert((lo, hi), h);
        h
    }

    /// PATH(m, D[lo:hi]), `m` relative to `lo`.
    fn path(&self, m: usize, lo: usize, hi: usize) -> Vec<Hash<A>> {
        let n = hi - lo;
        if n == 1 {
            return Vec::new();
        }
        let k = Self::k(n);
        if m < k {
            let mut p = self.path(m, lo, lo + k);
            p.push(self.mth(lo + k, hi));
            p
        } else {
            let mut p = self.path(m - k, lo + k, hi);
            p.push(self.mth(lo, lo + k));
            p
        }
    }

    /// PROOF(m, D[n]).
    fn proof(&self, m: usize, n: usize) -> Vec<Hash<A>> {
        self.subproof(m, 0, n, true)
    }

    /// SUBPROOF(m, D[lo:hi], b).
    fn subproof(&self, m: usize, lo: usize, hi: usize, b: bool) -> Vec<Hash<A>> {
        let n = hi - lo;
        if m == n {
            return if b { Vec::new() } else { vec![self.mth(lo, hi)] };
        }
        let k = Self::k(n);
        if m <= k {
            let mut p = self.subproof(m, lo, lo + k, b);
            p.push(self.mth(lo + k, hi));
            p
        } else {
            let mut p = self.subproof(m - k, lo + k, hi, false);
            p.push(self.mth(lo, lo + k));
            p
        }
    }
}

fn build<A: HashAlgorithm>(rfc: &Rfc<A>) -> MemoryStore<A> {
    let mut store = MemoryStore::with_capacity(rfc.d.len());
    for leaf in &rfc.d {
        store.push_data(leaf);
    }
    store
}

/// Checks every root up to `max` leaves, and for each size `n` the audit paths and
/// consistency proofs of the indices `pick(n)` returns.
fn compare<A: HashAlgorithm>(max: usize, pick: impl Fn(usize) -> Vec<usize>) -> usize {
    let rfc = Rfc::<A>::new(max);
    let store = build(&rfc);
    let mut frontier = Frontier::<A>::new();
    let mut checked = 0;
    for n in 1..=max {
        let head = frontier.append(A::hash_leaf(&rfc.d[n - 1]));
        let root = rfc.mth(0, n);
        assert_eq!(head.root, root, "frontier root of {n}");
        assert_eq!(store.root_at(n as u64).unwrap(), root, "store root of {n}");
        for m in pick(n) {
            let proof = store.prove_inclusion(m as u64, n as u64).unwrap();
            assert_eq!(proof.path(), rfc.path(m, 0, n), "PATH({m}, D[{n}])");
            proof.verify(&rfc.mth(m, m + 1), &root).unwrap();
            let proof = store.prove_consistency(m as u64 + 1, n as u64).unwrap();
            assert_eq!(proof.path(), rfc.proof(m + 1, n), "PROOF({}, D[{n}])", m + 1);
            proof.verify(&rfc.mth(0, m + 1), &root).unwrap();
            checked += 1;
        }
    }
    assert_eq!(store.tree_head(), frontier.tree_head());
    checked
}

fn all(n: usize) -> Vec<usize> {
    (0..n).collect()
}

/// The ends, the neighbours of powers of two and a fixed pseudo-random spread: what a
/// sample of a tree must not miss.
fn sample(n: usize) -> Vec<usize> {
    let mut picks: Vec<usize> = (0..n.min(8)).collect();
    for shift in 0..11 {
        let p = 1usize << shift;
        picks.extend([p - 1, p, p + 1]);
    }
    picks.extend([n / 2, n.saturating_sub(2), n - 1]);
    let mut x = n as u64;
    for _ in 0..24 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        picks.push((x >> 33) as usize % n);
    }
    picks.retain(|&m| m < n);
    picks.sort_unstable();
    picks.dedup();
    picks
}

#[test]
fn sha256_matches_rfc_for_every_pair_of_sizes_up_to_256() {
    assert_eq!(compare::<Sha256>(256, all), 256 * 257 / 2);
}

#[test]
fn sha256_matches_rfc_for_every_size_up_to_1024_sampled() {
    assert!(compare::<Sha256>(1024, sample) > 30_000);
}

/// About 30 s in a debug build: run with `cargo test -p qinglian-ledger -- --ignored`.
#[test]
#[ignore]
fn sha256_matches_rfc_for_every_pair_of_sizes_up_to_1024() {
    assert_eq!(compare::<Sha256>(1024, all), 1024 * 1025 / 2);
}

#[test]
fn sm3_matches_rfc_for_every_pair_of_sizes_up_to_128() {
    assert_eq!(compare::<Sm3>(128, all), 128 * 129 / 2);
}

#[test]
fn every_mutation_of_a_valid_proof_is_rejected() {
    let max = 48;
    let rfc = Rfc::<Sha256>::new(max);
    let store = build(&rfc);
    let mut mutants = 0;
    for n in 1..=max as u64 {
        let root = store.root_at(n).unwrap();
        for m in 0..n {
            let path = store.prove_inclusion(m, n).unwrap().path().to_vec();
            let leaf = store.leaf(m).unwrap();
            mutants += assert_inclusion_mutants_fail(&Inclusion {
                index: m,
                size: n,
                leaf,
                path,
                root,
            });
        }
        for old in 1..=n {
            let path = store.prove_consistency(old, n).unwrap().path().to_vec();
            let old_root = store.root_at(old).unwrap();
            let claim = Consistency {
                old,
                new: n,
                path,
                old_root,
                new_root: root,
            };
            claim.verify().unwrap();
            mutants += assert_consistency_mutants_fail(&claim);
        }
    }
    assert!(mutants > 50_000, "only {mutants} mutants");
}

#[test]
fn empty_and_equal_trees_need_empty_proofs() {
    let store = build(&Rfc::<Sha256>::new(5));
    let p = store.prove_consistency(0, 5).unwrap();
    assert!(p.path().is_empty());
    p.verify(&Sha256::empty_root(), &store.root_at(5).unwrap()).unwrap();
    assert!(
        p.verify(&store.root_at(1).unwrap(), &store.root_at(5).unwrap())
            .is_err()
    );
    let p = store.prove_consistency(5, 5).unwrap();
    assert!(p.path().is_empty());
    let root = store.root_at(5).unwrap();
    p.verify(&root, &root).unwrap();
    assert!(p.verify(&store.root_at(4).unwrap(), &root).is_err());
}

/// A store that holds only some nodes and counts its batch reads.
struct Partial {
    inner: MemoryStore<Sha256>,
    hide: Option<NodeId>,
    batches: Cell<usize>,
}

impl NodeSource<Sha256> for Partial {
    type Error = std::convert::Infallible;

    fn node(&self, id: NodeId) -> Result<Option<Hash<Sha256>>, Self::Error> {
        Ok(if Some(id) == self.hide {
            None
        } else {
            self.inner.node(id)?
        })
    }

    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash<Sha256>>>, Self::Error> {
        self.batches.set(self.batches.get() + 1);
        ids.iter().map(|&id| self.node(id)).collect()
    }
}

#[test]
fn proofs_read_nodes_in_one_batch_and_report_gaps() {
    let inner = build(&Rfc::<Sha256>::new(1000));
    let source = Partial {
        inner,
        hide: None,
        batches: Cell::new(0),
    };
    prove_inclusion(&source, 517, 1000).unwrap();
    prove_consistency(&source, 300, 1000).unwrap();
    assert_eq!(source.batches.get(), 2);

    let source = Partial {
        hide: Some(NodeId::new(3, 124)),
        ..source
    };
    assert!(matches!(prove_inclusion(&source, 0, 1000), Err(ProveError::MissingNode(id)) if id == NodeId::new(3, 124)));
    assert!(matches!(
        prove_inclusion(&source, 0, 1001),
        Err(ProveError::MissingNode(_))
    ));
    assert!(matches!(
        prove_inclusion(&source, 1000, 1000),
        Err(ProveError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        prove_consistency(&source, 6, 5),
        Err(ProveError::SizeOrder { .. })
    ));
}
