//! A fuzz harness that runs on stable Rust and in every test run: random and mutated inputs go
//! to every parser of outside data (signed notes, checkpoints, keys, entries) and to proof
//! verification with arbitrary sizes and paths. Each must return a typed error with a message,
//! never panic, and must reject a mutated valid input unless the mutation changed nothing.
//!
//! cargo-fuzz needs a nightly toolchain this project's machines cannot fetch; this harness
//! trades its coverage guidance for mutations of valid inputs, which reach the deep branches.
//! `QINGLIAN_FUZZ_ITERATIONS` (default 3,000 per target) and `QINGLIAN_FUZZ_SEED` widen a run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use qinglian_ledger::{
    Checkpoint, Entry, Hash, HashAlgorithm, MemoryStore, Note, NoteSigner, NoteVerifier, Sha256, SignatureType, Sm3,
    TreeHead, verify_consistency, verify_inclusion,
};

/// SplitMix64: enough randomness for mutations, and reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// A number a parser may choke on: edges, powers of two and their neighbours, or random.
    fn size(&mut self) -> u64 {
        match self.below(6) {
            0 => [
                0,
                1,
                2,
                3,
                u64::MAX,
                u64::MAX - 1,
                i64::MAX as u64,
                (i64::MAX as u64) + 1,
            ][self.below(8)],
            1 => 1u64 << self.below(64),
            2 => (1u64 << self.below(64)).wrapping_sub(1),
            3 => (1u64 << self.below(64)).wrapping_add(1),
            4 => self.next() % 1000,
            _ => self.next(),
        }
    }
}

/// Tokens that mean something to the text formats, so mutations reach past the first check.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\n\n",
    "\u{2014} ".as_bytes(),
    b"+",
    b" ",
    b"=",
    b"0",
    b"-1",
    b"18446744073709551616",
    b"99999999999999999999999",
    b"AAAA",
    b"\x00",
    b"\xff",
    b"\r\n",
    "\u{202e}".as_bytes(),
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(v.len() + 1);
        match rng.below(8) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            3 => {
                let extra = rng.bytes(8);
                v.splice(at..at, extra);
            }
            4 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, token.iter().copied());
            }
            5 => {
                let end = (at + rng.below(32)).min(v.len());
                let copy = v[at..end].to_vec();
                let to = rng.below(v.len() + 1);
                v.splice(to..to, copy);
            }
            6 => v.truncate(at),
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let end = (at + token.len()).min(v.len());
                v.splice(at..end, token.iter().copied());
            }
        }
    }
    v
}

fn iterations() -> usize {
    std::env::var("QINGLIAN_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000)
}

fn rng(target: u64) -> Rng {
    let seed = std::env::var("QINGLIAN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    Rng(seed ^ target.wrapping_mul(0x2545_f491_4f6c_dd1d))
}

/// Runs `f` on `input`; a panic fails the test and shows the input to reproduce it with.
fn no_panic<T>(target: &str, input: &[u8], f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(t) => t,
        Err(_) => panic!("{target} panicked on input {:?}", String::from_utf8_lossy(input)),
    }
}

/// An error a person can act on: it says something.
fn clear<E: std::fmt::Display>(target: &str, input: &[u8], e: E) {
    assert!(
        !e.to_string().trim().is_empty(),
        "{target}: an empty error message for {:?}",
        String::from_utf8_lossy(input)
    );
}

const ORIGIN: &str = "ledger.qinglian.example/fuzz";

fn signed_checkpoint<A: HashAlgorithm>(signer: &NoteSigner, size: u64) -> String {
    let mut store = MemoryStore::<A>::new();
    for i in 0..size {
        store.push_data(&i.to_be_bytes());
    }
    let head: TreeHead<A> = store.tree_head();
    Checkpoint::with_extensions(ORIGIN, head, vec!["time 2026-11-27T08:00:00Z".into()])
        .unwrap()
        .sign(signer)
        .unwrap()
        .to_string()
}

fn checkpoints<A: HashAlgorithm>(target: u64, signature: SignatureType) {
    let signer = NoteSigner::generate(ORIGIN, signature).unwrap();
    let other = NoteSigner::generate("witness.example", signature).unwrap();
    let valid = signed_checkpoint::<A>(&signer, 13);
    // A second signature line, so mutations also meet the multi-signature paths.
    let cosigned = {
        let text = Checkpoint::<A>::open(valid.as_bytes(), signer.verifier())
            .unwrap()
            .to_text();
        Note::sign(&text, &[&signer, &other]).unwrap().to_string()
    };
    let mut rng = rng(target);
    let mut rejected = 0;
    // A quarter as many: every input that keeps its signature line costs a signature check,
    // slow in a debug build.
    let iterations = iterations() / 4;
    for i in 0..iterations {
        let input = match i % 4 {
            0 => rng.bytes(300),
            1 => mutate(&mut rng, cosigned.as_bytes()),
            _ => mutate(&mut rng, valid.as_bytes()),
        };
        let opened = no_panic("Checkpoint::open", &input, || {
            Checkpoint::<A>::open(&input, signer.verifier())
        });
        match opened {
            // Accepted only when the signed text survived (a signature-side mutation the
            // format tolerates, such as a dropped witness line) and says what was signed.
            Ok(cp) => assert_eq!(
                (cp.size(), cp.origin()),
                (13, ORIGIN),
                "accepted a changed checkpoint: {:?}",
                String::from_utf8_lossy(&input)
            ),
            Err(e) => {
                clear("Checkpoint::open", &input, e);
                rejected += 1;
            }
        }
        if let Ok(note) = no_panic("Note::parse", &input, || Note::parse(&input)) {
            let verified = no_panic("Note::verify", &input, || {
                note.verify(&[signer.verifier().clone(), other.verifier().clone()])
                    .map(|v| v.len())
            });
            if let Err(e) = verified {
                clear("Note::verify", &input, e);
            }
        }
        if let Ok(text) = std::str::from_utf8(&input)
            && let Err(e) = no_panic("Checkpoint::parse_text", &input, || Checkpoint::<A>::parse_text(text))
        {
            clear("Checkpoint::parse_text", &input, e);
        }
    }
    // Most mutations must be refused; otherwise the harness is not reaching the checks.
    assert!(rejected > iterations / 2, "only {rejected} rejected");
}

#[test]
fn checkpoints_and_notes_sha256_ed25519() {
    checkpoints::<Sha256>(1, SignatureType::Ed25519);
}

#[test]
fn checkpoints_and_notes_sm3_sm2() {
    checkpoints::<Sm3>(2, SignatureType::Sm2);
}

#[test]
fn keys() {
    let signer = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    let sm2 = NoteSigner::generate(ORIGIN, SignatureType::Sm2).unwrap();
    let texts = [
        signer.verifier().to_vkey(),
        signer.to_skey().expose().to_owned(),
        sm2.verifier().to_vkey(),
        sm2.to_skey().expose().to_owned(),
    ];
    let mut rng = rng(3);
    for i in 0..iterations() {
        let input = if i % 5 == 0 {
            rng.bytes(120)
        } else {
            mutate(&mut rng, texts[i % texts.len()].as_bytes())
        };
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        if let Err(e) = no_panic("NoteVerifier::from_vkey", &input, || NoteVerifier::from_vkey(text)) {
            clear("NoteVerifier::from_vkey", &input, e);
        }
        if let Err(e) = no_panic("NoteSigner::from_skey", &input, || NoteSigner::from_skey(text)) {
            clear("NoteSigner::from_skey", &input, e);
        }
    }
}

#[test]
fn entries() {
    let valid = Entry::new("concern.updated", "c-17", 3, 1_795_780_800_000_000, "staff-42", [9; 32])
        .unwrap()
        .encode();
    let mut rng = rng(4);
    let mut rejected = 0;
    for i in 0..iterations() {
        let input = if i % 4 == 0 {
            rng.bytes(200)
        } else {
            mutate(&mut rng, &valid)
        };
        match no_panic("Entry::decode", &input, || Entry::decode(&input)) {
            // The encoding is canonical: whatever decodes, encodes back to the same bytes.
            Ok(e) => assert_eq!(e.encode(), input, "a non-canonical encoding decoded"),
            Err(e) => {
                clear("Entry::decode", &input, e);
                rejected += 1;
            }
        }
    }
    assert!(rejected > iterations() / 2, "only {rejected} rejected");
}

fn proofs<A: HashAlgorithm>(target: u64) {
    let mut store = MemoryStore::<A>::new();
    for i in 0u32..100 {
        store.push_data(&i.to_be_bytes());
    }
    let mut rng = rng(target);
    let hash = |rng: &mut Rng| {
        let b: Vec<u8> = (0..32).map(|_| rng.next() as u8).collect();
        Hash::<A>::from_slice(&b).unwrap()
    };
    for _ in 0..iterations() {
        // Arbitrary sizes, indexes and paths, as a client may send them.
        let (index, size, old) = (rng.size(), rng.size(), rng.size());
        let path: Vec<Hash<A>> = (0..rng.below(70)).map(|_| hash(&mut rng)).collect();
        let (leaf, root, old_root) = (hash(&mut rng), hash(&mut rng), hash(&mut rng));
        let input = format!("index {index} size {size} old {old} path {}", path.len());
        let r = no_panic("verify_inclusion", input.as_bytes(), || {
            verify_inclusion(index, size, &leaf, &path, &root)
        });
        assert!(r.is_err(), "a random inclusion proof verified: {input}");
        let r = no_panic("verify_consistency", input.as_bytes(), || {
            verify_consistency(old, size, &path, &old_root, &root)
        });
        if let Err(e) = r {
            clear("verify_consistency", input.as_bytes(), e);
        }
        let r = no_panic("prove_inclusion", input.as_bytes(), || {
            store.prove_inclusion(index, size)
        });
        if let Err(e) = r {
            clear("prove_inclusion", input.as_bytes(), e);
        }
        let r = no_panic("prove_consistency", input.as_bytes(), || {
            store.prove_consistency(old, size)
        });
        if let Err(e) = r {
            clear("prove_consistency", input.as_bytes(), e);
        }

        // A valid proof with one hash changed, or a size or index off by one, is refused.
        let size = 1 + rng.below(100) as u64;
        let index = rng.below(size as usize) as u64;
        let proof = store.prove_inclusion(index, size).unwrap();
        let leaf = store.leaf(index).unwrap();
        let root = store.root_at(size).unwrap();
        let mut path = proof.path().to_vec();
        if !path.is_empty() {
            let i = rng.below(path.len());
            let mut bytes = *path[i].as_bytes();
            bytes[rng.below(32)] ^= 1 << rng.below(8);
            path[i] = Hash::from_bytes(bytes);
            assert!(verify_inclusion(index, size, &leaf, &path, &root).is_err());
        }
        // (A size one larger can share the path's shape, so only the index is moved here.)
        if index ^ 1 < size {
            assert!(verify_inclusion(index ^ 1, size, &leaf, proof.path(), &root).is_err());
        }
    }
}

#[test]
fn proofs_sha256() {
    proofs::<Sha256>(5);
}

#[test]
fn proofs_sm3() {
    proofs::<Sm3>(6);
}
