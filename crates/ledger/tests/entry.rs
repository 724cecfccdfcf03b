//! Canonical entry encoding: round trips, a pinned encoding, and strict decoding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qinglian_ledger::{Entry, EntryError, HashAlgorithm, Sha256, Sm3};

fn sample() -> Entry {
    Entry::new(
        "concern.created",
        "01JD3ZC4M7Q8R9S0T1V2W3X4Y5",
        3,
        1_795_780_800_123_456,
        "staff-0042",
        [0xab; 32],
    )
    .unwrap()
}

#[test]
fn round_trips_and_is_pinned() {
    let entry = sample();
    let bytes = entry.encode();
    assert_eq!(Entry::decode(&bytes).unwrap(), entry);
    // Pinned so an accidental format change breaks this test rather than old proofs.
    let mut want = vec![0x01, 15];
    want.extend_from_slice(b"concern.created");
    want.push(26);
    want.extend_from_slice(b"01JD3ZC4M7Q8R9S0T1V2W3X4Y5");
    want.extend_from_slice(&3u64.to_be_bytes());
    want.extend_from_slice(&1_795_780_800_123_456i64.to_be_bytes());
    want.push(10);
    want.extend_from_slice(b"staff-0042");
    want.extend_from_slice(&[0xab; 32]);
    assert_eq!(bytes, want);
    assert_eq!(entry.leaf_hash::<Sha256>(), Sha256::hash_leaf(&want));
    assert_eq!(entry.leaf_hash::<Sm3>(), Sm3::hash_leaf(&want));
}

#[test]
fn extremes_round_trip() {
    for (version, time) in [(0, i64::MIN), (u64::MAX, i64::MAX), (1, 0), (7, -1)] {
        let long = "x".repeat(128);
        let e = Entry::new(&"a".repeat(64), &long, version, time, &long, [0; 32]).unwrap();
        assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
    }
}

#[test]
fn every_truncation_and_extension_is_rejected() {
    let bytes = sample().encode();
    for len in 0..bytes.len() {
        assert_eq!(
            Entry::decode(&bytes[..len]),
            Err(EntryError::Truncated),
            "prefix of {len} bytes"
        );
    }
    for extra in [&[0u8][..], &[0x01, 0x02], &[0xff; 40]] {
        let mut longer = bytes.clone();
        longer.extend_from_slice(extra);
        assert_eq!(Entry::decode(&longer), Err(EntryError::TrailingBytes(extra.len())));
    }
}

#[test]
fn invalid_fields_are_rejected() {
    assert_eq!(Entry::new("", "o", 0, 0, "a", [0; 32]), Err(EntryError::EntryType));
    assert_eq!(
        Entry::new("Concern", "o", 0, 0, "a", [0; 32]),
        Err(EntryError::EntryType)
    );
    assert_eq!(Entry::new("a b", "o", 0, 0, "a", [0; 32]), Err(EntryError::EntryType));
    assert_eq!(
        Entry::new(&"a".repeat(65), "o", 0, 0, "a", [0; 32]),
        Err(EntryError::EntryType)
    );
    assert_eq!(Entry::new("t", "", 0, 0, "a", [0; 32]), Err(EntryError::ObjectId));
    assert_eq!(Entry::new("t", "o b", 0, 0, "a", [0; 32]), Err(EntryError::ObjectId));
    assert_eq!(
        Entry::new("t", &"o".repeat(129), 0, 0, "a", [0; 32]),
        Err(EntryError::ObjectId)
    );
    assert_eq!(Entry::new("t", "o", 0, 0, "张三", [0; 32]), Err(EntryError::ActorId));
    assert_eq!(Entry::new("t", "o", 0, 0, "a\n", [0; 32]), Err(EntryError::ActorId));
}

#[test]
fn non_canonical_bytes_are_rejected() {
    let bytes = sample().encode();
    let mut wrong_format = bytes.clone();
    wrong_format[0] = 0x02;
    assert_eq!(Entry::decode(&wrong_format), Err(EntryError::Format(0x02)));
    let mut upper = bytes.clone();
    upper[2] = b'C';
    assert_eq!(Entry::decode(&upper), Err(EntryError::EntryType));
    let mut empty_type = vec![0x01, 0x00];
    empty_type.extend_from_slice(&bytes[17..]);
    assert_eq!(Entry::decode(&empty_type), Err(EntryError::EntryType));
    let mut non_ascii = bytes.clone();
    non_ascii[18] = 0xc3;
    assert_eq!(Entry::decode(&non_ascii), Err(EntryError::ObjectId));
    // A length byte that claims more than is there.
    let mut long_len = bytes.clone();
    long_len[1] = 200;
    assert_eq!(Entry::decode(&long_len), Err(EntryError::Truncated));
}
