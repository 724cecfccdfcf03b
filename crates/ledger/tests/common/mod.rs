//! Shared by the Merkle tests: proof claims and the mutations every valid claim must fail under.
#![allow(dead_code)]

use qinglian_ledger::{Hash, HashAlgorithm, VerifyError, verify_consistency, verify_inclusion};

/// Everything an inclusion check is given.
#[derive(Clone, Debug)]
pub struct Inclusion<A: HashAlgorithm> {
    pub index: u64,
    pub size: u64,
    pub leaf: Hash<A>,
    pub path: Vec<Hash<A>>,
    pub root: Hash<A>,
}

impl<A: HashAlgorithm> Inclusion<A> {
    pub fn verify(&self) -> Result<(), VerifyError> {
        verify_inclusion(self.index, self.size, &self.leaf, &self.path, &self.root)
    }
}

/// Everything a consistency check is given.
#[derive(Clone, Debug)]
pub struct Consistency<A: HashAlgorithm> {
    pub old: u64,
    pub new: u64,
    pub path: Vec<Hash<A>>,
    pub old_root: Hash<A>,
    pub new_root: Hash<A>,
}

impl<A: HashAlgorithm> Consistency<A> {
    pub fn verify(&self) -> Result<(), VerifyError> {
        verify_consistency(self.old, self.new, &self.path, &self.old_root, &self.new_root)
    }
}

pub fn flip<A: HashAlgorithm>(hash: &Hash<A>, bit: usize) -> Hash<A> {
    let mut bytes = *hash.as_bytes();
    bytes[bit / 8] ^= 1 << (bit % 8);
    Hash::from_bytes(bytes)
}

/// Bits flipped in each hash: first, a middle one, last.
const BITS: [usize; 3] = [0, 131, 255];

fn garbage<A: HashAlgorithm>() -> Hash<A> {
    A::digest(&[b"garbage"])
}

/// Path mutations shared by both proof kinds: bit flips, extra and missing hashes.
fn path_mutants<A: HashAlgorithm>(path: &[Hash<A>], roots: &[Hash<A>]) -> Vec<(String, Vec<Hash<A>>)> {
    let mut out = Vec::new();
    for i in 0..path.len() {
        for bit in BITS {
            let mut p = path.to_vec();
            p[i] = flip(&p[i], bit);
            out.push((format!("path[{i}] bit {bit}"), p));
        }
        let mut p = path.to_vec();
        p.remove(i);
        out.push((format!("missing path[{i}]"), p));
        let mut p = path.to_vec();
        p.insert(i, garbage());
        out.push((format!("inserted before path[{i}]"), p));
    }
    let mut extras = vec![garbage::<A>()];
    extras.extend_from_slice(roots);
    if let Some(first) = path.first() {
        extras.push(*first);
    }
    for (k, extra) in extras.iter().enumerate() {
        let mut p = path.to_vec();
        p.push(*extra);
        out.push((format!("trailing extra #{k}"), p));
        let mut p = vec![*extra];
        p.extend_from_slice(path);
        out.push((format!("preceding extra #{k}"), p));
    }
    out
}

pub fn inclusion_mutants<A: HashAlgorithm>(c: &Inclusion<A>) -> Vec<(String, Inclusion<A>)> {
    let mut out = Vec::new();
    let mut push = |label: String, f: &dyn Fn(&mut Inclusion<A>)| {
        let mut m = c.clone();
        f(&mut m);
        out.push((label, m));
    };
    push("index + 1".into(), &|m| m.index = m.index.wrapping_add(1));
    push("index - 1".into(), &|m| m.index = m.index.wrapping_sub(1));
    push("size * 2".into(), &|m| m.size = m.size.wrapping_mul(2));
    push("size / 2".into(), &|m| m.size /= 2);
    for bit in BITS {
        push(format!("leaf bit {bit}"), &|m| m.leaf = flip(&m.leaf, bit));
        push(format!("root bit {bit}"), &|m| m.root = flip(&m.root, bit));
    }
    push("empty root".into(), &|m| m.root = A::empty_root());
    for (label, path) in path_mutants(&c.path, &[c.root, c.leaf]) {
        push(label, &|m| m.path = path.clone());
    }
    out
}

pub fn consistency_mutants<A: HashAlgorithm>(c: &Consistency<A>) -> Vec<(String, Consistency<A>)> {
    let mut out = Vec::new();
    let mut push = |label: String, f: &dyn Fn(&mut Consistency<A>)| {
        let mut m = c.clone();
        f(&mut m);
        out.push((label, m));
    };
    push("old + 1".into(), &|m| m.old = m.old.wrapping_add(1));
    push("old - 1".into(), &|m| m.old = m.old.wrapping_sub(1));
    push("new * 2".into(), &|m| m.new = m.new.wrapping_mul(2));
    push("new / 2".into(), &|m| m.new /= 2);
    push("old * 2".into(), &|m| m.old = m.old.wrapping_mul(2));
    push("old / 2".into(), &|m| m.old /= 2);
    push("swapped roots".into(), &|m| {
        std::mem::swap(&mut m.old_root, &mut m.new_root)
    });
    for bit in BITS {
        push(format!("old root bit {bit}"), &|m| m.old_root = flip(&m.old_root, bit));
        push(format!("new root bit {bit}"), &|m| m.new_root = flip(&m.new_root, bit));
    }
    for (label, path) in path_mutants(&c.path, &[c.old_root, c.new_root]) {
        push(label, &|m| m.path = path.clone());
    }
    out.retain(|(_, m)| !is_same_claim(c, m));
    out
}

/// Swapping equal roots or doubling size 0 changes nothing; such "mutants" stay valid.
fn is_same_claim<A: HashAlgorithm>(a: &Consistency<A>, b: &Consistency<A>) -> bool {
    a.old == b.old && a.new == b.new && a.path == b.path && a.old_root == b.old_root && a.new_root == b.new_root
}

/// Asserts every mutant fails and returns how many were tried.
pub fn assert_inclusion_mutants_fail<A: HashAlgorithm>(c: &Inclusion<A>) -> usize {
    let mutants = inclusion_mutants(c);
    for (label, m) in &mutants {
        assert!(m.verify().is_err(), "{label} of {c:?} verified: {m:?}");
    }
    mutants.len()
}

/// Asserts every mutant fails and returns how many were tried.
pub fn assert_consistency_mutants_fail<A: HashAlgorithm>(c: &Consistency<A>) -> usize {
    let mutants = consistency_mutants(c);
    for (label, m) in &mutants {
        assert!(m.verify().is_err(), "{label} of {c:?} verified: {m:?}");
    }
    mutants.len()
}
