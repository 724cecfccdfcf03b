//! The transparency-dev/merkle test vectors: every happy path verifies, every upstream and
//! home-made mutation is rejected, and the fast tree reproduces the reference roots and proofs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Consistency, Inclusion, assert_consistency_mutants_fail, assert_inclusion_mutants_fail};
use qinglian_ledger::{Frontier, Hash, HashAlgorithm, MemoryStore, NodeId, NodeSource, Sha256};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InclusionCase {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyCase {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

fn vector_files(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(kind);
    let mut files = Vec::new();
    for sub in fs::read_dir(dir).unwrap() {
        for file in fs::read_dir(sub.unwrap().path()).unwrap() {
            files.push(file.unwrap().path());
        }
    }
    files.sort();
    files
}

/// Decoding is part of verification: a hash of the wrong length is a rejected proof.
fn hash(b64: &str) -> Result<Hash<Sha256>, String> {
    let bytes = STANDARD.decode(b64).map_err(|e| e.to_string())?;
    Hash::from_slice(&bytes).map_err(|e| e.to_string())
}

fn path(proof: &Option<Vec<String>>) -> Result<Vec<Hash<Sha256>>, String> {
    proof.iter().flatten().map(|h| hash(h)).collect()
}

fn inclusion(c: &InclusionCase) -> Result<Inclusion<Sha256>, String> {
    Ok(Inclusion {
        index: c.leaf_idx,
        size: c.tree_size,
        leaf: hash(&c.leaf_hash)?,
        path: path(&c.proof)?,
        root: hash(&c.root)?,
    })
}

fn consistency(c: &ConsistencyCase) -> Result<Consistency<Sha256>, String> {
    Ok(Consistency {
        old: c.size1,
        new: c.size2,
        path: path(&c.proof)?,
        old_root: hash(&c.root1)?,
        new_root: hash(&c.root2)?,
    })
}

#[test]
fn upstream_inclusion_vectors() {
    let (mut happy, mut rejected, mut mutants) = (0, 0, 0);
    for file in vector_files("inclusion") {
        let case: InclusionCase = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        let outcome = inclusion(&case).and_then(|c| c.verify().map(|()| c).map_err(|e| e.to_string()));
        match (case.want_err, outcome) {
            (false, Ok(claim)) => {
                happy += 1;
                mutants += assert_inclusion_mutants_fail(&claim);
            }
            (true, Err(_)) => rejected += 1,
            (want_err, outcome) => panic!(
                "{} ({}): want_err={want_err}, got {outcome:?}",
                file.display(),
                case.desc
            ),
        }
    }
    assert_eq!((happy, rejected), (5, 77));
    assert!(mutants > 100, "only {mutants} mutants");
}

#[test]
fn upstream_consistency_vectors() {
    let (mut happy, mut rejected, mut mutants) = (0, 0, 0);
    for file in vector_files("consistency") {
        let case: ConsistencyCase = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        let outcome = consistency(&case).and_then(|c| c.verify().map(|()| c).map_err(|e| e.to_string()));
        match (case.want_err, outcome) {
            (false, Ok(claim)) => {
                happy += 1;
                mutants += assert_consistency_mutants_fail(&claim);
            }
            (true, Err(_)) => rejected += 1,
            (want_err, outcome) => panic!(
                "{} ({}): want_err={want_err}, got {outcome:?}",
                file.display(),
                case.desc
            ),
        }
    }
    assert_eq!((happy, rejected), (5, 79));
    assert!(mutants > 100, "only {mutants} mutants");
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reference {
    leaves: Vec<String>,
    node_hashes: Vec<Vec<String>>,
    roots: Vec<String>,
    inclusion_proofs: Vec<RefInclusion>,
    consistency_proofs: Vec<RefConsistency>,
}

#[derive(Deserialize)]
struct RefInclusion {
    size: u64,
    index: u64,
    proof: Vec<String>,
}

#[derive(Deserialize)]
struct RefConsistency {
    size1: u64,
    size2: u64,
    proof: Vec<String>,
}

fn reference() -> Reference {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/reference.json");
    serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap()
}

fn hex_hash(s: &str) -> Hash<Sha256> {
    Hash::from_slice(&hex::decode(s).unwrap()).unwrap()
}

fn hex_path(p: &[String]) -> Vec<Hash<Sha256>> {
    p.iter().map(|h| hex_hash(h)).collect()
}

#[test]
fn reference_roots_nodes_and_proofs() {
    let r = reference();
    let mut store = MemoryStore::<Sha256>::new();
    let mut frontier = Frontier::<Sha256>::new();
    assert_eq!(store.tree_head().root, hex_hash(&r.roots[0]));
    assert_eq!(frontier.root(), hex_hash(&r.roots[0]));
    for (i, leaf) in r.leaves.iter().enumerate() {
        let data = hex::decode(leaf).unwrap();
        store.push_data(&data);
        let head = frontier.append(Sha256::hash_leaf(&data));
        assert_eq!(head.size, i as u64 + 1);
        assert_eq!(head.root, hex_hash(&r.roots[i + 1]), "root of size {}", i + 1);
        assert_eq!(store.tree_head(), head);
    }
    assert_eq!(
        store.tree_head().root.to_hex(),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
    for (size, root) in r.roots.iter().enumerate() {
        assert_eq!(store.root_at(size as u64).unwrap(), hex_hash(root));
    }
    for (level, row) in r.node_hashes.iter().enumerate() {
        for (index, h) in row.iter().enumerate() {
            let id = NodeId::new(level as u8, index as u64);
            assert_eq!(store.node(id).unwrap(), Some(hex_hash(h)), "{id:?}");
        }
    }
    for v in &r.inclusion_proofs {
        let proof = store.prove_inclusion(v.index, v.size).unwrap();
        assert_eq!(proof.path(), hex_path(&v.proof), "inclusion {} in {}", v.index, v.size);
        let root = hex_hash(&r.roots[v.size as usize]);
        proof.verify(&store.leaf(v.index).unwrap(), &root).unwrap();
    }
    for v in &r.consistency_proofs {
        let proof = store.prove_consistency(v.size1, v.size2).unwrap();
        assert_eq!(
            proof.path(),
            hex_path(&v.proof),
            "consistency {} to {}",
            v.size1,
            v.size2
        );
        let (old, new) = (
            hex_hash(&r.roots[v.size1 as usize]),
            hex_hash(&r.roots[v.size2 as usize]),
        );
        proof.verify(&old, &new).unwrap();
    }
}
