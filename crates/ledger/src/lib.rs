//! Qinglian's tamper-evident log: an RFC 9162 Merkle tree with proofs, signed checkpoints and the
//! canonical encoding of ledger entries. Pure code: no async, no SQL, no HTTP.
//!
//! The pieces, in the order data flows through them: an [`Entry`] is encoded canonically and
//! hashed as a leaf; a [`Frontier`] appends leaves and yields a [`TreeHead`]; a store that
//! implements [`NodeSource`] (or the in-memory [`MemoryStore`]) produces [`InclusionProof`]s and
//! [`ConsistencyProof`]s; a [`Checkpoint`] of the tree head is signed as a C2SP note.
//!
//! ```
//! use qinglian_ledger::{Checkpoint, Entry, MemoryStore, NoteSigner, Sha256, SignatureType};
//!
//! let mut store = MemoryStore::<Sha256>::new();
//! for version in 1..=3 {
//!     let entry = Entry::new("concern.updated", "c-17", version, 1_795_780_800_000_000, "staff-42", [0; 32])?;
//!     store.push(entry.leaf_hash());
//! }
//! let head = store.tree_head();
//! let key = NoteSigner::generate("ledger.example/county", SignatureType::Ed25519)?;
//! let note = Checkpoint::new("ledger.example/county", head)?.sign(&key)?.to_string();
//!
//! // An auditor holding the published vkey checks the checkpoint and a leaf in it.
//! let checkpoint = Checkpoint::<Sha256>::open(note.as_bytes(), key.verifier())?;
//! let proof = store.prove_inclusion(1, checkpoint.size())?;
//! proof.verify(&store.leaf(1).ok_or("no leaf")?, &checkpoint.root())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The hash algorithm is part of every type, so proofs of an SM3 log cannot be checked
//! against a SHA-256 root:
//!
//! ```compile_fail
//! use qinglian_ledger::{HashAlgorithm, MemoryStore, Sha256, Sm3};
//!
//! let mut store = MemoryStore::<Sm3>::new();
//! store.push_data(b"entry");
//! let proof = store.prove_inclusion(0, 1).unwrap();
//! proof.verify(&Sha256::hash_leaf(b"entry"), &Sha256::empty_root()); // mismatched types
//! ```
//!
//! Choices worth knowing: entries are length-prefixed binary rather than canonical JSON, as
//! there is then no number or escaping ambiguity to pin down; SM2 note signatures use the
//! signed-note private-use type byte (see [`keys`]); the in-memory [`Frontier`] returns the
//! root on demand because folding the right edge costs a hash per set bit of the size.

pub mod checkpoint;
pub mod entry;
pub mod frontier;
pub mod grow;
pub mod hash;
pub mod keys;
pub mod memory;
pub mod note;
pub mod proof;
pub mod tree;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use entry::{ENTRY_FORMAT_V1, Entry, EntryError};
pub use frontier::{Frontier, FrontierError, TreeHead};
pub use grow::{edge_ids, grow};
pub use hash::{Algorithm, HASH_LEN, Hash, HashAlgorithm, HashLenError, Sha256, Sm3};
pub use keys::{KeyError, NoteSigner, NoteVerifier, SM2_TYPE_ID, SecretKeyText, SignatureType};
pub use memory::MemoryStore;
pub use note::{MAX_NOTE_LEN, MAX_SIGNATURES, Note, NoteError, NoteSignature};
pub use proof::{ConsistencyProof, InclusionProof, VerifyError, verify_consistency, verify_inclusion};
pub use tree::{
    NodeId, NodeSource, Prefetched, ProveError, consistency_node_ids, inclusion_node_ids, prove_consistency,
    prove_inclusion, root_at,
};
