//! The two hash functions a log may be built on, fixed per log through the type system.
//!
//! Every hash carries its algorithm as a type parameter, so an SM3 proof can never be checked
//! against a SHA-256 root: the mix-up is a compile error, not a runtime surprise.

use std::fmt;
use std::hash::Hasher;
use std::marker::PhantomData;

use sha2::Digest;

/// Length in bytes of every hash a log uses (SHA-256 and SM3 both give 32 bytes).
pub const HASH_LEN: usize = 32;

/// Names the hash function of a log at run time: in configuration, storage and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// SHA-256 (FIPS 180-4), the RFC 6962 default.
    Sha256,
    /// SM3 (GB/T 32905-2016), the national standard hash.
    Sm3,
}

impl Algorithm {
    /// The stable lower-case name used in configuration and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sm3 => "sm3",
        }
    }

    /// Parses the name written by [`Algorithm::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Self::Sha256),
            "sm3" => Some(Self::Sm3),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hash function for an RFC 9162 tree. Implemented only by the marker types [`Sha256`] and
/// [`Sm3`]; code generic over it is monomorphised, so hashing costs no dispatch.
pub trait HashAlgorithm: Copy + Clone + Default + fmt::Debug + Eq + Send + Sync + 'static {
    /// The run-time name of this algorithm.
    const ALGORITHM: Algorithm;

    /// Hashes the concatenation of `parts`.
    fn digest(parts: &[&[u8]]) -> Hash<Self>;

    /// RFC 9162 leaf hash: `H(0x00 || data)`.
    fn hash_leaf(data: &[u8]) -> Hash<Self> {
        Self::digest(&[&[0x00], data])
    }

    /// RFC 9162 interior node hash: `H(0x01 || left || right)`.
    fn hash_children(left: &Hash<Self>, right: &Hash<Self>) -> Hash<Self> {
        Self::digest(&[&[0x01], &left.bytes, &right.bytes])
    }

    /// The root of the empty tree: the hash of the empty string.
    fn empty_root() -> Hash<Self> {
        Self::digest(&[])
    }
}

fn digest_with<D: Digest>(parts: &[&[u8]]) -> D {
    let mut hasher = D::new();
    for part in parts {
        hasher.update(part);
    }
    hasher
}

/// Marker for SHA-256 logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sha256;

impl HashAlgorithm for Sha256 {
    const ALGORITHM: Algorithm = Algorithm::Sha256;

    fn digest(parts: &[&[u8]]) -> Hash<Self> {
        Hash::from_bytes(digest_with::<sha2::Sha256>(parts).finalize().into())
    }
}

/// Marker for SM3 logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sm3;

impl HashAlgorithm for Sm3 {
    const ALGORITHM: Algorithm = Algorithm::Sm3;

    fn digest(parts: &[&[u8]]) -> Hash<Self> {
        Hash::from_bytes(digest_with::<sm3::Sm3>(parts).finalize().into())
    }
}

/// A 32-byte hash produced by algorithm `A`.
pub struct Hash<A> {
    bytes: [u8; HASH_LEN],
    alg: PhantomData<A>,
}

/// A byte string that is not 32 bytes long cannot be a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a hash is {HASH_LEN} bytes, got {0}")]
pub struct HashLenError(pub usize);

impl<A> Hash<A> {
    /// Wraps raw bytes, trusting the caller that they came from algorithm `A`.
    pub const fn from_bytes(bytes: [u8; HASH_LEN]) -> Self {
        Self {
            bytes,
            alg: PhantomData,
        }
    }

    /// Parses exactly 32 bytes.
    pub fn from_slice(slice: &[u8]) -> Result<Self, HashLenError> {
        let bytes: [u8; HASH_LEN] = slice.try_into().map_err(|_| HashLenError(slice.len()))?;
        Ok(Self::from_bytes(bytes))
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.bytes
    }

    /// Lower-case hexadecimal, as logs and reports show hashes.
    pub fn to_hex(&self) -> String {
        use fmt::Write;
        let mut s = String::with_capacity(HASH_LEN * 2);
        for b in self.bytes {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

// Manual impls: derives would demand `A: Clone` etc. of the marker, which is pointless.
impl<A> Clone for Hash<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for Hash<A> {}
impl<A> PartialEq for Hash<A> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl<A> Eq for Hash<A> {}
impl<A> std::hash::Hash for Hash<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}
impl<A> AsRef<[u8]> for Hash<A> {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}
impl<A: HashAlgorithm> fmt::Debug for Hash<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", A::ALGORITHM, self.to_hex())
    }
}
impl<A> fmt::Display for Hash<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_known_answer() {
        assert_eq!(
            Sm3::digest(&[b"abc"]).to_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sha256_empty_root() {
        assert_eq!(
            Sha256::empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parts_are_concatenated() {
        assert_eq!(Sm3::digest(&[b"a", b"", b"bc"]), Sm3::digest(&[b"abc"]));
        assert_eq!(Sha256::hash_leaf(b"x"), Sha256::digest(&[b"\x00x"]));
    }

    #[test]
    fn hash_length_is_checked() {
        assert_eq!(Hash::<Sha256>::from_slice(&[0; 31]), Err(HashLenError(31)));
        assert!(Hash::<Sha256>::from_slice(&[0; 32]).is_ok());
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in [Algorithm::Sha256, Algorithm::Sm3] {
            assert_eq!(Algorithm::parse(alg.as_str()), Some(alg));
        }
        assert_eq!(Algorithm::parse("SHA256"), None);
    }
}
