//! Leaf, node and root hashes, zero hashes, tree heights and leaf positions (`[STRAIT-MERKLE.1]`,
//! `[STRAIT-MERKLE.2]`).

use core::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use strait_primitives::{domain, keccak256, Hash32, MessageId};

/// Depth of the tree: its greatest height, the levels of a path in a tree of `2^32` leaves
/// (`[STRAIT-MERKLE.2]`).
pub const DEPTH: usize = 32;

/// Capacity of the tree: `2^DEPTH` leaves (`[STRAIT-MERKLE.2]`).
pub const MAX_LEAVES: u64 = 1 << DEPTH;

/// Position of a leaf, counted from 0 in append order; always below [`MAX_LEAVES`].
///
/// A leaf index is not a node position: node positions also carry a level.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LeafIndex(pub u64);

impl LeafIndex {
    /// The value as a plain integer.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether the index addresses a leaf of a depth-[`DEPTH`] tree (`< 2^32`).
    #[inline]
    pub const fn is_in_tree(self) -> bool {
        self.0 < MAX_LEAVES
    }
}

impl fmt::Display for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u64> for LeafIndex {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

/// The hash of a leaf: `keccak256(0x00 || message_id)` (`[STRAIT-MERKLE.1]`).
#[inline]
pub fn leaf_hash(id: &MessageId) -> Hash32 {
    let mut preimage = [0u8; 33];
    preimage[0] = domain::MERKLE_LEAF;
    preimage[1..].copy_from_slice(id.as_bytes());
    keccak256(&preimage)
}

/// The hash of an inner node: `keccak256(0x01 || left || right)` (`[STRAIT-MERKLE.1]`).
///
/// One keccak256 over a 65-byte stack buffer; never allocates.
#[inline]
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut preimage = [0u8; 65];
    preimage[0] = domain::MERKLE_NODE;
    preimage[1..33].copy_from_slice(left.as_bytes());
    preimage[33..].copy_from_slice(right.as_bytes());
    keccak256(&preimage)
}

/// Height of the tree of `size` leaves (`[STRAIT-MERKLE.2]`): the least `k` with `2^k >= size`,
/// 0 for the empty tree and for one leaf. At most [`DEPTH`] for `size <= 2^32`.
#[inline]
pub const fn tree_height(size: u64) -> usize {
    if size <= 1 {
        0
    } else {
        (u64::BITS - (size - 1).leading_zeros()) as usize
    }
}

/// The root of a tree of height `height` whose top node (the node at `(height, 0)`) is `top`
/// (`[STRAIT-MERKLE.2]`): `keccak256(0x02 || u8(height) || top)`, a 34-byte preimage. The height
/// in the preimage binds the number of levels a proof folds, so a proof cannot stop short of it.
#[inline]
pub fn root_hash(height: usize, top: &Hash32) -> Hash32 {
    debug_assert!(height <= DEPTH, "height above the depth");
    let mut preimage = [0u8; 34];
    preimage[0] = domain::MERKLE_ROOT;
    preimage[1] = height as u8;
    preimage[2..].copy_from_slice(top.as_bytes());
    keccak256(&preimage)
}

/// The root of the empty tree: height 0, top `zero[0]` (`[STRAIT-MERKLE.2]`).
pub fn empty_root() -> Hash32 {
    root_hash(0, &Hash32::ZERO)
}

/// The height of a proof (`[STRAIT-MERKLE.5]`, `[STRAIT-MERKLE.7]`): the least `k` with
/// `k >= bit_length(max_index)` such that `has_hash_at(h)` is false for every `h` in `k..DEPTH`,
/// where `has_hash_at(h)` says whether the proof's sibling at height `h` (on the path of the
/// highest proven leaf) is anything but `zero[h]`.
pub(crate) fn proof_height(max_index: u64, mut has_hash_at: impl FnMut(usize) -> bool) -> usize {
    let floor = (u64::BITS - max_index.leading_zeros()) as usize;
    (floor..DEPTH)
        .rev()
        .find(|&h| has_hash_at(h))
        .map_or(floor, |h| h + 1)
}

/// The roots of empty subtrees by height: `zero[0]` is 32 zero bytes,
/// `zero[h + 1] = node_hash(zero[h], zero[h])`, up to `zero[32]`, the empty subtree of height 32
/// (`[STRAIT-MERKLE.2]`; the root of the empty tree is [`empty_root`]). Computed once.
pub fn zero_hashes() -> &'static [Hash32; DEPTH + 1] {
    static ZERO: OnceLock<[Hash32; DEPTH + 1]> = OnceLock::new();
    ZERO.get_or_init(|| {
        let mut zero = [Hash32::ZERO; DEPTH + 1];
        for h in 0..DEPTH {
            zero[h + 1] = node_hash(&zero[h], &zero[h]);
        }
        zero
    })
}

#[cfg(test)]
mod tests {
    use strait_primitives::keccak256_concat;

    use super::*;

    #[test]
    fn hashes_match_their_definitions() {
        let id = MessageId([0xab; 32]);
        assert_eq!(leaf_hash(&id), keccak256_concat(&[&[0x00], &id.0]));
        let (l, r) = (Hash32([1; 32]), Hash32([2; 32]));
        assert_eq!(node_hash(&l, &r), keccak256_concat(&[&[0x01], &l.0, &r.0]));
        assert_ne!(node_hash(&l, &r), node_hash(&r, &l));
    }

    #[test]
    fn zero_hashes_chain() {
        let zero = zero_hashes();
        assert_eq!(zero[0], Hash32::ZERO);
        for h in 0..DEPTH {
            assert_eq!(zero[h + 1], node_hash(&zero[h], &zero[h]));
        }
    }

    #[test]
    fn leaf_and_node_domains_are_separated() {
        // A 64-byte "message id pair" can never be confused with a leaf, and an id equal to a
        // node's children does not hash like that node.
        let (l, r) = (Hash32([7; 32]), Hash32([9; 32]));
        let id = MessageId(l.0);
        assert_ne!(leaf_hash(&id), keccak256(&id.0));
        assert_ne!(leaf_hash(&id), node_hash(&l, &r));
        let mut both = [0u8; 64];
        both[..32].copy_from_slice(&l.0);
        both[32..].copy_from_slice(&r.0);
        assert_ne!(node_hash(&l, &r), keccak256(&both));
        assert_ne!(
            keccak256_concat(&[&[domain::MERKLE_LEAF], &both]),
            node_hash(&l, &r)
        );
    }

    #[test]
    fn leaf_index_serde_is_transparent() {
        assert!(LeafIndex(MAX_LEAVES - 1).is_in_tree());
        assert!(!LeafIndex(MAX_LEAVES).is_in_tree());
        assert_eq!(LeafIndex(5).to_string(), "5");
        assert_eq!(serde_json::to_string(&LeafIndex(5)).unwrap(), "5");
        assert_eq!(
            serde_json::from_str::<LeafIndex>("7").unwrap(),
            LeafIndex(7)
        );
    }
}
