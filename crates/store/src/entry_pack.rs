//! Integrated log entries read for verification, and stored tree nodes read into the node
//! cache, as a few wide rows rather than one per entry or node.
//!
//! Why it exists: verifying a million entries spent most of its time in sqlx turning each row
//! into owned values, not in hashing. The database concatenates a range of entries into one
//! blob (entry bytes, leaf hash, type and object id, raw) with a text column of their indexes
//! and lengths, and the verifier reads the fields as slices of that blob. Nothing is trusted
//! from the packing: the lengths must account for every byte, and each entry's index comes
//! with it, so the verifier still sees exactly what is stored, in index order.

use crate::error::StoreError;

/// The SQL packing entries `$1 <= idx < $2`: (`idx len len len len …` text, bytes).
pub(crate) const SQLITE_PACK: &str = "SELECT \
    group_concat(idx || ' ' || length(CAST(entry AS BLOB)) || ' ' || length(CAST(COALESCE(leaf_hash, x'') AS BLOB)) \
        || ' ' || length(CAST(entry_type AS BLOB)) || ' ' || length(CAST(object_id AS BLOB)), ' '), \
    CAST(group_concat(CAST(entry AS BLOB) || COALESCE(leaf_hash, x'') || entry_type || object_id, '') AS BLOB) \
    FROM ledger_entry WHERE idx >= $1 AND idx < $2";

pub(crate) const POSTGRES_PACK: &str = "SELECT \
    string_agg(idx || ' ' || octet_length(entry) || ' ' || octet_length(COALESCE(leaf_hash, ''::bytea)) \
        || ' ' || octet_length(entry_type) || ' ' || octet_length(object_id), ' '), \
    string_agg(entry || COALESCE(leaf_hash, ''::bytea) || convert_to(entry_type, 'UTF8') || convert_to(object_id, 'UTF8'), ''::bytea) \
    FROM ledger_entry WHERE idx >= $1 AND idx < $2";

/// A range of integrated entries, in index order.
#[derive(Debug, Default)]
pub struct EntryPack {
    bytes: Vec<u8>,
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    idx: i64,
    /// Where the entry starts in `bytes`, and the lengths of its four fields in order.
    at: usize,
    lens: [usize; 4],
}

/// The SQL packing the stored nodes of level `$1` with `$2 <= idx < $3`, the same way:
/// (`idx len …` text, hashes). Filling the node cache row by row spent about 4 µs a node in
/// sqlx (8 s for the 2M nodes of a 1M-entry log).
pub(crate) const SQLITE_NODE_PACK: &str = "SELECT \
    group_concat(idx || ' ' || length(CAST(hash AS BLOB)), ' '), \
    CAST(group_concat(CAST(hash AS BLOB), '') AS BLOB) \
    FROM ledger_node WHERE level = $1 AND idx >= $2 AND idx < $3";

pub(crate) const POSTGRES_NODE_PACK: &str = "SELECT \
    string_agg(idx || ' ' || octet_length(hash), ' ' ORDER BY idx), \
    string_agg(hash, ''::bytea ORDER BY idx) \
    FROM ledger_node WHERE level = $1 AND idx >= $2 AND idx < $3";

/// Reads a node packing query's row as (level, index, hash), sorted by index. A hash that is
/// not 32 bytes reads as absent, as a malformed row does; lengths that do not add up refuse
/// the pack.
pub(crate) fn parse_nodes(
    level: u8,
    layout: Option<String>,
    bytes: Option<Vec<u8>>,
) -> Result<Vec<(u8, u64, [u8; 32])>, StoreError> {
    let (Some(layout), Some(bytes)) = (layout, bytes) else {
        return Ok(Vec::new());
    };
    let bad = || {
        StoreError::Unavailable(sqlx::Error::Protocol(
            "a packed range of tree nodes does not add up".into(),
        ))
    };
    let mut numbers = layout.split(' ');
    let mut rows = Vec::with_capacity(bytes.len() / 32);
    let mut at = 0usize;
    while let Some(idx) = numbers.next() {
        let idx: i64 = idx.parse().map_err(|_| bad())?;
        let len: usize = numbers.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let end = at.checked_add(len).filter(|e| *e <= bytes.len()).ok_or_else(bad)?;
        if let (Ok(idx), Ok(hash)) = (u64::try_from(idx), <[u8; 32]>::try_from(&bytes[at..end])) {
            rows.push((level, idx, hash));
        }
        at = end;
    }
    if at != bytes.len() {
        return Err(bad());
    }
    if !rows.is_sorted_by_key(|r| r.1) {
        rows.sort_unstable_by_key(|r| r.1);
    }
    Ok(rows)
}

/// One entry of a pack: the stored values, uninterpreted.
#[derive(Debug, Clone, Copy)]
pub struct PackedEntry<'a> {
    pub idx: i64,
    pub entry: &'a [u8],
    pub leaf_hash: &'a [u8],
    /// The `entry_type` and `object_id` columns' bytes (UTF-8 text as stored).
    pub entry_type: &'a [u8],
    pub object_id: &'a [u8],
}

impl EntryPack {
    /// Reads the packing query's row; a pack whose lengths do not add up is refused.
    pub(crate) fn parse(layout: Option<String>, bytes: Option<Vec<u8>>) -> Result<Self, StoreError> {
        let (Some(layout), Some(bytes)) = (layout, bytes) else {
            return Ok(Self::default());
        };
        let bad = || StoreError::Unavailable(sqlx::Error::Protocol("a packed ledger range does not add up".into()));
        let mut numbers = layout.split(' ');
        let mut spans = Vec::with_capacity(layout.len() / 24);
        let mut at = 0usize;
        while let Some(idx) = numbers.next() {
            let idx: i64 = idx.parse().map_err(|_| bad())?;
            let mut lens = [0usize; 4];
            for len in &mut lens {
                *len = numbers.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
            }
            spans.push(Span { idx, at, lens });
            at = lens.iter().try_fold(at, |a, l| a.checked_add(*l)).ok_or_else(bad)?;
        }
        if at != bytes.len() {
            return Err(bad());
        }
        // Aggregates follow the index's order in practice; sorting makes it certain, and costs
        // one pass when it already holds.
        if !spans.is_sorted_by_key(|s| s.idx) {
            spans.sort_by_key(|s| s.idx);
        }
        Ok(Self { bytes, spans })
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = PackedEntry<'_>> {
        self.spans.iter().map(|s| {
            let [e, h, t, o] = s.lens;
            let field = |from: usize, len: usize| &self.bytes[from..from + len];
            PackedEntry {
                idx: s.idx,
                entry: field(s.at, e),
                leaf_hash: field(s.at + e, h),
                entry_type: field(s.at + e + h, t),
                object_id: field(s.at + e + h + t, o),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fields_are_cut_where_the_lengths_say_and_ordered_by_index() {
        let pack = EntryPack::parse(Some("7 2 1 1 0 3 1 0 2 1".into()), Some(b"abcdXYZf".to_vec())).unwrap();
        let got: Vec<_> = pack
            .iter()
            .map(|e| (e.idx, e.entry, e.leaf_hash, e.entry_type, e.object_id))
            .collect();
        assert_eq!(
            got,
            [
                (3, &b"X"[..], &b""[..], &b"YZ"[..], &b"f"[..]),
                (7, &b"ab"[..], &b"c"[..], &b"d"[..], &b""[..])
            ]
        );
        assert!(EntryPack::parse(None, None).unwrap().is_empty());
    }

    #[test]
    fn nodes_are_cut_by_their_lengths_and_a_malformed_hash_reads_as_absent() {
        let mut bytes = vec![7u8; 32];
        bytes.extend([1u8; 3]);
        bytes.extend([9u8; 32]);
        let rows = parse_nodes(4, Some("9 32 5 3 2 32".into()), Some(bytes)).unwrap();
        assert_eq!(rows, [(4, 2, [9; 32]), (4, 9, [7; 32])]);
        assert!(parse_nodes(4, None, None).unwrap().is_empty());
        assert!(parse_nodes(4, Some("1 32".into()), Some(vec![0; 31])).is_err());
        assert!(parse_nodes(4, Some("1 31".into()), Some(vec![0; 32])).is_err());
    }

    #[test]
    fn lengths_that_do_not_cover_the_bytes_are_refused() {
        assert!(EntryPack::parse(Some("0 2 1 1 0".into()), Some(b"abcde".to_vec())).is_err());
        assert!(EntryPack::parse(Some("0 2 1 1".into()), Some(b"abcd".to_vec())).is_err());
        assert!(EntryPack::parse(Some("0 2 1 1 x".into()), Some(b"abcd".to_vec())).is_err());
    }
}
