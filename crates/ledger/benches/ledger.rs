//! Ledger throughput, measured against the raw hash rate of the same run (the machine's speed
//! swings, so only ratios taken side by side mean anything). Prints medians of several runs.
//!
//! Run with `cargo bench -p qinglian-ledger`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use qinglian_ledger::{Frontier, Hash, HashAlgorithm, MemoryStore, Sha256, Sm3};

const RUNS: usize = 7;
const LEAVES: u64 = 1_000_000;

/// Median wall time of `RUNS` runs of `f`.
fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn per_sec(ops: u64, d: Duration) -> f64 {
    ops as f64 / d.as_secs_f64()
}

fn report(label: &str, ops: u64, d: Duration, baseline: f64) -> f64 {
    let rate = per_sec(ops, d);
    println!(
        "{label:<52} {:>8.2} M/s  {:>7.1} ns/op  {:>5.1}% of raw hash rate",
        rate / 1e6,
        d.as_nanos() as f64 / ops as f64,
        100.0 * rate / baseline
    );
    rate
}

/// Deterministic spread of indices, so runs are comparable.
fn indices(n: u64, count: usize) -> Vec<u64> {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    (0..count)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 11) % n
        })
        .collect()
}

fn appends<A: HashAlgorithm>() {
    let name = format!("{}", A::ALGORITHM);
    let block = [7u8; 64];
    let raw = median(|| {
        for i in 0..LEAVES {
            let mut b = block;
            b[..8].copy_from_slice(&i.to_le_bytes());
            black_box(A::digest(&[black_box(&b)]));
        }
    });
    let baseline = per_sec(LEAVES, raw);
    report(&format!("{name}: raw digests of 64 bytes"), LEAVES, raw, baseline);
    let payload = |i: u64| {
        let mut p = [0u8; 32];
        p[..8].copy_from_slice(&i.to_le_bytes());
        p
    };
    let d = median(|| {
        let mut f = Frontier::<A>::new();
        for i in 0..LEAVES {
            f.push_data(black_box(&payload(i)));
        }
        black_box(f.root());
    });
    report(
        &format!("{name}: frontier push_data (leaf hash + merges)"),
        LEAVES,
        d,
        baseline,
    );
    let leaf_hashes: Vec<Hash<A>> = (0..LEAVES).map(|i| A::hash_leaf(&payload(i))).collect();
    let d = median(|| {
        let mut f = Frontier::<A>::new();
        for h in &leaf_hashes {
            f.push(*h);
        }
        black_box(f.root());
    });
    report(&format!("{name}: frontier push (leaf hash given)"), LEAVES, d, baseline);
    let d = median(|| {
        let mut f = Frontier::<A>::new();
        for batch in leaf_hashes.chunks(64) {
            black_box(f.extend(batch.iter().copied()));
        }
    });
    report(
        &format!("{name}: frontier extend, root every 64 leaves"),
        LEAVES,
        d,
        baseline,
    );
    let d = median(|| {
        let mut f = Frontier::<A>::new();
        for h in &leaf_hashes {
            black_box(f.append(*h));
        }
    });
    report(
        &format!("{name}: frontier append, root every leaf"),
        LEAVES,
        d,
        baseline,
    );
    let d = median(|| {
        let mut s = MemoryStore::<A>::with_capacity(LEAVES as usize);
        for i in 0..LEAVES {
            s.push_data(black_box(&payload(i)));
        }
        black_box(s.size());
    });
    report(
        &format!("{name}: memory store push_data (keeps all nodes)"),
        LEAVES,
        d,
        baseline,
    );
}

fn proofs() {
    let mut store = MemoryStore::<Sha256>::with_capacity(LEAVES as usize);
    for i in 0..LEAVES {
        store.push_data(&i.to_le_bytes());
    }
    let n = store.size();
    let root = store.tree_head().root;
    let picks = indices(n, 100_000);
    let count = picks.len() as u64;
    let time = |label: &str, d: Duration| {
        println!("{label:<52} {:>8.0} ns/op", d.as_nanos() as f64 / count as f64);
    };

    let d = median(|| {
        for &i in &picks {
            black_box(store.prove_inclusion(i, n).ok());
        }
    });
    time("sha256: inclusion proof at 1,000,000 leaves", d);

    let with_proofs: Vec<_> = picks.iter().filter_map(|&i| store.prove_inclusion(i, n).ok()).collect();
    let d = median(|| {
        for p in &with_proofs {
            let leaf = store.leaf(p.leaf_index()).unwrap_or_else(Sha256::empty_root);
            black_box(p.verify(&leaf, &root).is_ok());
        }
    });
    time("sha256: inclusion proof verification", d);

    let olds: Vec<u64> = picks.iter().map(|&i| i + 1).collect();
    let d = median(|| {
        for &old in &olds {
            black_box(store.prove_consistency(old, n).ok());
        }
    });
    time("sha256: consistency proof, random old size to 1M", d);

    let d = median(|| {
        for &old in &olds {
            black_box(store.root_at(old).ok());
        }
    });
    time("sha256: historical root at random size", d);

    let with_roots: Vec<_> = olds
        .iter()
        .filter_map(|&old| Some((store.prove_consistency(old, n).ok()?, store.root_at(old).ok()?)))
        .collect();
    let d = median(|| {
        for (p, old_root) in &with_roots {
            black_box(p.verify(old_root, &root).is_ok());
        }
    });
    time("sha256: consistency proof verification", d);
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: skip the long measurement.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("{RUNS} runs each, medians; {LEAVES} leaves");
    appends::<Sha256>();
    appends::<Sm3>();
    proofs();
}
