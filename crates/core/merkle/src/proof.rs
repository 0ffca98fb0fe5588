//! Inclusion proof of one leaf (`[STRAIT-MERKLE.4]`, `[STRAIT-MERKLE.5]`).

use serde::{Deserialize, Serialize};
use strait_primitives::{Hash32, MessageId, Reader};

use crate::hash::proof_height;
use crate::{
    leaf_hash, node_hash, root_hash, zero_hashes, LeafIndex, MerkleError, DEPTH, MAX_LEAVES,
};

/// Length of the shortest encoding: the u32 leaf index and the u32 zero mask, every sibling a
/// zero hash and omitted (`[STRAIT-MERKLE.4]`).
pub const MIN_PROOF_LEN: usize = 8;

/// Length of the longest encoding: the index, the mask and all [`DEPTH`] siblings present.
pub const MAX_PROOF_LEN: usize = MIN_PROOF_LEN + DEPTH * 32;

/// The siblings of one leaf's path, from the leaf level up (`[STRAIT-MERKLE.4]`).
///
/// `siblings[h]` is the sibling, at height `h`, of the node on the path from leaf `leaf_index` to
/// the root; siblings past the end of the tree are zero hashes. The struct always holds all
/// [`DEPTH`] siblings; only the encoding omits the zero hashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Position of the proven leaf.
    pub leaf_index: LeafIndex,
    /// Sibling hashes by height, `siblings[0]` next to the leaf.
    pub siblings: [Hash32; DEPTH],
}

impl InclusionProof {
    /// The proof's height (`[STRAIT-MERKLE.5]`): the least `k` at least the bit length of
    /// `leaf_index` such that every sibling at height `k` or above is the zero hash of its height.
    /// A proof against the root of the tree of `n` leaves has the tree's height
    /// ([`crate::tree_height`]`(n)`): its highest sibling that is not a zero hash is at that height
    /// less one.
    pub fn height(&self) -> usize {
        let zero = zero_hashes();
        proof_height(self.leaf_index.get(), |h| self.siblings[h] != zero[h])
    }

    /// The root the proof gives for the leaf `id` (`[STRAIT-MERKLE.5]`): 1 leaf hash, a node hash
    /// per level of the proof's [`InclusionProof::height`] and the root hash, no allocation.
    ///
    /// Rejects a `leaf_index` of `2^32` or more.
    pub fn compute_root(&self, id: &MessageId) -> Result<Hash32, MerkleError> {
        let index = self.leaf_index.get();
        if index >= MAX_LEAVES {
            return Err(MerkleError::IndexOutOfRange {
                index: self.leaf_index,
                size: MAX_LEAVES,
            });
        }
        let height = self.height();
        let mut node = leaf_hash(id);
        for (h, sibling) in self.siblings.iter().enumerate().take(height) {
            node = if (index >> h) & 1 == 1 {
                node_hash(sibling, &node)
            } else {
                node_hash(&node, sibling)
            };
        }
        Ok(root_hash(height, &node))
    }

    /// Checks that `id` is the leaf at `leaf_index` of the tree whose root is `root`
    /// (`[STRAIT-MERKLE.5]`).
    pub fn verify(&self, id: &MessageId, root: &Hash32) -> Result<(), MerkleError> {
        let got = self.compute_root(id)?;
        if got != *root {
            return Err(MerkleError::RootMismatch {
                got,
                expected: *root,
            });
        }
        Ok(())
    }

    /// The zero mask of the encoding (`[STRAIT-MERKLE.4]`): bit `h` is set iff `siblings[h]` is
    /// `zero[h]`, the root of an empty subtree of height `h`.
    pub fn zero_mask(&self) -> u32 {
        let zero = zero_hashes();
        self.siblings
            .iter()
            .enumerate()
            .filter(|(h, sibling)| **sibling == zero[*h])
            .fold(0, |mask, (h, _)| mask | (1 << h))
    }

    /// The canonical encoding (`[STRAIT-MERKLE.4]`): `leaf_index` as u32 big-endian, the
    /// [`InclusionProof::zero_mask`] as u32 big-endian, then every sibling that is not a zero hash,
    /// leaf first: `8 + 32 × (32 - popcount(mask))` bytes, [`MIN_PROOF_LEN`] to [`MAX_PROOF_LEN`].
    ///
    /// The index must be below `2^32` ([`InclusionProof::compute_root`] rejects it otherwise); a
    /// larger one is a bug of the caller.
    pub fn encode(&self) -> Vec<u8> {
        debug_assert!(self.leaf_index.is_in_tree(), "leaf index above 2^32");
        let mask = self.zero_mask();
        let present = DEPTH - mask.count_ones() as usize;
        let mut out = Vec::with_capacity(MIN_PROOF_LEN + 32 * present);
        out.extend_from_slice(&(self.leaf_index.get() as u32).to_be_bytes());
        out.extend_from_slice(&mask.to_be_bytes());
        for (h, sibling) in self.siblings.iter().enumerate() {
            if (mask >> h) & 1 == 0 {
                out.extend_from_slice(sibling.as_bytes());
            }
        }
        out
    }

    /// Decodes untrusted bytes (`[STRAIT-MERKLE.4]`), checking in order: the index and the mask
    /// present (`Truncated`), every sibling the mask leaves present (`Truncated`), nothing follows
    /// (`TrailingBytes`), no present sibling is the zero hash of its height
    /// ([`MerkleError::NonCanonicalProof`]). Never panics; reads at most [`MAX_PROOF_LEN`] bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, MerkleError> {
        let mut r = Reader::new(bytes);
        let leaf_index = LeafIndex(r.u32()?.into());
        let mask = r.u32()?;
        let zero = zero_hashes();
        let mut siblings = [Hash32::ZERO; DEPTH];
        for (h, sibling) in siblings.iter_mut().enumerate() {
            *sibling = if (mask >> h) & 1 == 1 {
                zero[h]
            } else {
                Hash32(r.array()?)
            };
        }
        r.finish()?;
        if let Some(height) = (0..DEPTH).find(|&h| (mask >> h) & 1 == 0 && siblings[h] == zero[h]) {
            return Err(MerkleError::NonCanonicalProof { height });
        }
        Ok(Self {
            leaf_index,
            siblings,
        })
    }
}

#[cfg(test)]
mod tests {
    use strait_primitives::DecodeError;

    use super::*;

    /// Siblings `[h; 32]`, except the zero hashes at heights 1 and 5..32.
    fn sample() -> InclusionProof {
        let zero = zero_hashes();
        let mut siblings = [Hash32::ZERO; DEPTH];
        for (h, s) in siblings.iter_mut().enumerate() {
            *s = if h == 1 || h >= 5 {
                zero[h]
            } else {
                Hash32([h as u8 + 1; 32])
            };
        }
        InclusionProof {
            leaf_index: LeafIndex(0x0102_0304),
            siblings,
        }
    }

    #[test]
    fn layout_is_index_mask_then_present_siblings() {
        let bytes = sample().encode();
        assert_eq!(bytes.len(), 8 + 32 * 4);
        assert_eq!(&bytes[..4], &[1, 2, 3, 4]);
        assert_eq!(&bytes[4..8], &0xffff_ffe2u32.to_be_bytes());
        assert_eq!(&bytes[8..40], &[1u8; 32]);
        assert_eq!(&bytes[40..72], &[3u8; 32]);
        assert_eq!(&bytes[104..136], &[5u8; 32]);
        assert_eq!(InclusionProof::decode(&bytes), Ok(sample()));
    }

    #[test]
    fn all_zero_and_no_zero_siblings_are_the_bounds() {
        let empty = InclusionProof {
            leaf_index: LeafIndex(0),
            siblings: *zero_hashes().first_chunk().unwrap(),
        };
        assert_eq!(empty.encode(), [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        let full = InclusionProof {
            leaf_index: LeafIndex(7),
            siblings: [Hash32([0x5a; 32]); DEPTH],
        };
        assert_eq!(full.encode().len(), MAX_PROOF_LEN);
        for p in [empty, full] {
            assert_eq!(InclusionProof::decode(&p.encode()), Ok(p));
        }
    }

    #[test]
    fn every_truncation_and_extension_is_rejected() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(matches!(
                InclusionProof::decode(&bytes[..len]),
                Err(MerkleError::Decode(DecodeError::Truncated { .. }))
            ));
        }
        let mut long = bytes;
        long.push(0);
        assert_eq!(
            InclusionProof::decode(&long),
            Err(MerkleError::Decode(DecodeError::TrailingBytes { extra: 1 }))
        );
    }

    #[test]
    fn a_present_zero_sibling_is_not_canonical() {
        // Clear the mask bit of height 5 and carry zero[5] instead.
        let bytes = sample().encode();
        let mask = 0xffff_ffe2u32 & !(1 << 5);
        let mut bad = bytes[..4].to_vec();
        bad.extend_from_slice(&mask.to_be_bytes());
        bad.extend_from_slice(&bytes[8..]);
        bad.extend_from_slice(zero_hashes()[5].as_bytes());
        assert_eq!(
            InclusionProof::decode(&bad),
            Err(MerkleError::NonCanonicalProof { height: 5 })
        );
        // The framing is checked first: the same proof cut short is `Truncated`.
        assert!(matches!(
            InclusionProof::decode(&bad[..bad.len() - 1]),
            Err(MerkleError::Decode(DecodeError::Truncated { .. }))
        ));
    }

    #[test]
    fn index_beyond_the_tree_is_rejected() {
        let proof = InclusionProof {
            leaf_index: LeafIndex(MAX_LEAVES),
            siblings: *zero_hashes().first_chunk().unwrap(),
        };
        assert_eq!(
            proof.compute_root(&MessageId::ZERO),
            Err(MerkleError::IndexOutOfRange {
                index: LeafIndex(MAX_LEAVES),
                size: MAX_LEAVES
            })
        );
    }
}
