//! The on-chain accumulator: O(depth) append and root with 33 words of state (`[STRAIT-MERKLE.3]`).

use serde::{Deserialize, Serialize};
use strait_primitives::{DecodeError, Hash32, MessageId, Reader};

use crate::{
    leaf_hash, node_hash, root_hash, tree_height, zero_hashes, LeafIndex, MerkleError, DEPTH,
    MAX_LEAVES,
};

/// Length of [`IncrementalTree::encode`]: a u64 count and [`DEPTH`] hashes.
pub const STATE_LEN: usize = 8 + DEPTH * 32;

/// An append-only depth-[`DEPTH`] Merkle tree that keeps only the left siblings of the next leaf's
/// path, as the Ethereum deposit contract and Hyperlane's `MerkleTreeHook` do (`[STRAIT-MERKLE.3]`).
///
/// `branch[h]` is the root of the last complete subtree of height `h` that is a left child, valid
/// when bit `h` of `count` is set. Once the tree is full (`count == 2^32`) `branch[31]` holds the
/// root. This is what a source endpoint stores; the prover side uses [`crate::MerkleTree`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawState")]
pub struct IncrementalTree {
    branch: [Hash32; DEPTH],
    count: u64,
}

/// The serde shape of [`IncrementalTree`], checked before it becomes one.
#[derive(Deserialize)]
struct RawState {
    branch: [Hash32; DEPTH],
    count: u64,
}

impl TryFrom<RawState> for IncrementalTree {
    type Error = MerkleError;

    fn try_from(raw: RawState) -> Result<Self, Self::Error> {
        check_count(raw.count)?;
        Ok(Self {
            branch: raw.branch,
            count: raw.count,
        })
    }
}

fn check_count(count: u64) -> Result<(), MerkleError> {
    if count > MAX_LEAVES {
        return Err(DecodeError::TooLarge {
            what: "merkle leaf count",
            got: count,
            max: MAX_LEAVES,
        }
        .into());
    }
    Ok(())
}

impl IncrementalTree {
    /// The empty tree; its root is [`crate::empty_root`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves appended so far.
    #[inline]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Appends the leaf of `id` and returns its index. O(depth): at most 32 node hashes.
    ///
    /// Fails with [`MerkleError::TreeFull`] once `2^32` leaves have been appended.
    pub fn append(&mut self, id: &MessageId) -> Result<LeafIndex, MerkleError> {
        if self.count >= MAX_LEAVES {
            return Err(MerkleError::TreeFull { max: MAX_LEAVES });
        }
        let index = LeafIndex(self.count);
        self.count += 1;
        let mut node = leaf_hash(id);
        let mut size = self.count;
        for h in 0..DEPTH {
            if size & 1 == 1 {
                self.branch[h] = node;
                return Ok(index);
            }
            node = node_hash(&self.branch[h], &node);
            size >>= 1;
        }
        // Only the last leaf completes every level: keep the root of the full tree.
        debug_assert_eq!(self.count, MAX_LEAVES);
        self.branch[DEPTH - 1] = node;
        Ok(index)
    }

    /// The current root (`[STRAIT-MERKLE.2]`): the root hash of the tree's height `k` and its
    /// top node, folded from `branch[0..k]` and zero hashes. O(height): at most 33 hashes.
    pub fn root(&self) -> Hash32 {
        let height = tree_height(self.count);
        // A full tree of 2^k leaves: its top node is the last complete subtree, `branch[k]`
        // (`branch[31]` for 2^32 leaves, where `append` keeps it).
        if self.count.is_power_of_two() {
            return root_hash(height, &self.branch[height.min(DEPTH - 1)]);
        }
        let zero = zero_hashes();
        let mut node = zero[0];
        for (h, (left, empty)) in self.branch.iter().zip(zero).enumerate().take(height) {
            node = if (self.count >> h) & 1 == 1 {
                node_hash(left, &node)
            } else {
                node_hash(&node, empty)
            };
        }
        root_hash(height, &node)
    }

    /// The state for a host to persist: `count` as u64 big-endian, then `branch[0..32]`
    /// ([`STATE_LEN`] bytes, `[STRAIT-MERKLE.3]`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(STATE_LEN);
        out.extend_from_slice(&self.count.to_be_bytes());
        for hash in &self.branch {
            out.extend_from_slice(hash.as_bytes());
        }
        out
    }

    /// Decodes a persisted state. Never panics; rejects any length but [`STATE_LEN`] and a count
    /// above `2^32`.
    pub fn decode(bytes: &[u8]) -> Result<Self, MerkleError> {
        let mut r = Reader::new(bytes);
        let count = r.u64()?;
        check_count(count)?;
        let mut branch = [Hash32::ZERO; DEPTH];
        for hash in &mut branch {
            *hash = Hash32(r.array()?);
        }
        r.finish()?;
        Ok(Self { branch, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_height_0_over_zero_0() {
        assert_eq!(IncrementalTree::new().root(), crate::empty_root());
        assert_eq!(crate::empty_root(), root_hash(0, &Hash32::ZERO));
    }

    #[test]
    fn roots_of_one_to_three_leaves() {
        let id = MessageId([3; 32]);
        let mut t = IncrementalTree::new();
        assert_eq!(t.append(&id), Ok(LeafIndex(0)));
        // One leaf: height 0, the leaf is the top node.
        assert_eq!(t.root(), root_hash(0, &leaf_hash(&id)));
        let second = MessageId([4; 32]);
        t.append(&second).unwrap();
        let top = node_hash(&leaf_hash(&id), &leaf_hash(&second));
        assert_eq!(t.root(), root_hash(1, &top));
        t.append(&second).unwrap();
        let right = node_hash(&leaf_hash(&second), &zero_hashes()[0]);
        assert_eq!(t.root(), root_hash(2, &node_hash(&top, &right)));
    }

    #[test]
    fn last_leaf_fills_the_tree_then_append_fails() {
        // A state with 2^32 - 1 leaves: every branch entry is a left sibling of the last leaf.
        let mut bytes = (MAX_LEAVES - 1).to_be_bytes().to_vec();
        for h in 0..DEPTH {
            bytes.extend_from_slice(&[h as u8 + 1; 32]);
        }
        let mut t = IncrementalTree::decode(&bytes).unwrap();
        let before = t.root();
        let id = MessageId([0xee; 32]);
        assert_eq!(t.append(&id), Ok(LeafIndex(MAX_LEAVES - 1)));
        let mut expected = leaf_hash(&id);
        for h in 0..DEPTH {
            expected = node_hash(&Hash32([h as u8 + 1; 32]), &expected);
        }
        assert_eq!(t.count(), MAX_LEAVES);
        assert_eq!(t.root(), root_hash(DEPTH, &expected));
        assert_ne!(t.root(), before);
        assert_eq!(
            t.append(&id),
            Err(MerkleError::TreeFull { max: MAX_LEAVES })
        );
        assert_eq!(IncrementalTree::decode(&t.encode()), Ok(t));
    }

    #[test]
    fn decode_rejects_count_above_capacity_and_bad_lengths() {
        let mut bytes = IncrementalTree::new().encode();
        assert_eq!(bytes.len(), STATE_LEN);
        bytes[..8].copy_from_slice(&(MAX_LEAVES + 1).to_be_bytes());
        assert!(matches!(
            IncrementalTree::decode(&bytes),
            Err(MerkleError::Decode(DecodeError::TooLarge { .. }))
        ));
        let ok = IncrementalTree::new().encode();
        assert!(IncrementalTree::decode(&ok[..STATE_LEN - 1]).is_err());
        let mut long = ok.clone();
        long.push(0);
        assert_eq!(
            IncrementalTree::decode(&long),
            Err(MerkleError::Decode(DecodeError::TrailingBytes { extra: 1 }))
        );
    }

    #[test]
    fn serde_checks_the_count() {
        let mut t = IncrementalTree::new();
        t.append(&MessageId([1; 32])).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<IncrementalTree>(&json).unwrap(), t);
        let bad = json.replace("\"count\":1", &format!("\"count\":{}", MAX_LEAVES + 1));
        assert!(serde_json::from_str::<IncrementalTree>(&bad).is_err());
    }
}
