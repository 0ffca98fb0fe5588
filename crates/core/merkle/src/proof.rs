//! Inclusion proof of one leaf (`[STRAIT-MERKLE.4]`, `[STRAIT-MERKLE.5]`).

use serde::{Deserialize, Serialize};
use strait_primitives::{Hash32, MessageId, Reader};

use crate::{leaf_hash, node_hash, LeafIndex, MerkleError, DEPTH, MAX_LEAVES};

/// Length of the canonical encoding: a u32 leaf index and [`DEPTH`] sibling hashes.
pub const PROOF_LEN: usize = 4 + DEPTH * 32;

/// The siblings of one leaf's path, from the leaf level up (`[STRAIT-MERKLE.4]`).
///
/// `siblings[h]` is the sibling, at height `h`, of the node on the path from leaf `leaf_index` to
/// the root; siblings past the end of the tree are zero hashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Position of the proven leaf.
    pub leaf_index: LeafIndex,
    /// Sibling hashes by height, `siblings[0]` next to the leaf.
    pub siblings: [Hash32; DEPTH],
}

impl InclusionProof {
    /// The root the proof gives for the leaf `id` (`[STRAIT-MERKLE.5]`): 1 leaf hash and 32 node
    /// hashes, no allocation.
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
        let mut node = leaf_hash(id);
        for (h, sibling) in self.siblings.iter().enumerate() {
            node = if (index >> h) & 1 == 1 {
                node_hash(sibling, &node)
            } else {
                node_hash(&node, sibling)
            };
        }
        Ok(node)
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

    /// The canonical encoding (`[STRAIT-MERKLE.4]`): `leaf_index` as u32 big-endian at offset 0,
    /// then `siblings[h]` at offset `4 + 32 h`; [`PROOF_LEN`] bytes.
    ///
    /// The index must be below `2^32` ([`InclusionProof::compute_root`] rejects it otherwise); a
    /// larger one is a bug of the caller.
    pub fn encode(&self) -> Vec<u8> {
        debug_assert!(self.leaf_index.is_in_tree(), "leaf index above 2^32");
        let mut out = Vec::with_capacity(PROOF_LEN);
        out.extend_from_slice(&(self.leaf_index.get() as u32).to_be_bytes());
        for sibling in &self.siblings {
            out.extend_from_slice(sibling.as_bytes());
        }
        out
    }

    /// Decodes untrusted bytes of exactly [`PROOF_LEN`]. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, MerkleError> {
        let mut r = Reader::new(bytes);
        let leaf_index = LeafIndex(r.u32()?.into());
        let mut siblings = [Hash32::ZERO; DEPTH];
        for sibling in &mut siblings {
            *sibling = Hash32(r.array()?);
        }
        r.finish()?;
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
    use crate::zero_hashes;

    fn sample() -> InclusionProof {
        let mut siblings = [Hash32::ZERO; DEPTH];
        for (h, s) in siblings.iter_mut().enumerate() {
            *s = Hash32([h as u8; 32]);
        }
        InclusionProof {
            leaf_index: LeafIndex(0x0102_0304),
            siblings,
        }
    }

    #[test]
    fn layout_is_index_then_siblings() {
        let bytes = sample().encode();
        assert_eq!(bytes.len(), PROOF_LEN);
        assert_eq!(&bytes[..4], &[1, 2, 3, 4]);
        assert_eq!(&bytes[4 + 32 * 5..4 + 32 * 6], &[5u8; 32]);
        assert_eq!(InclusionProof::decode(&bytes), Ok(sample()));
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
