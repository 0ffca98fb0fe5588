//! One proof for many leaves of one tree (`[STRAIT-MERKLE.6]`, `[STRAIT-MERKLE.7]`).

use serde::{Deserialize, Serialize};
use strait_primitives::{Hash32, MessageId, Reader};

use crate::hash::proof_height;
use crate::{
    leaf_hash, node_hash, root_hash, zero_hashes, InclusionProof, LeafIndex, MerkleError, DEPTH,
    MAX_LEAVES,
};

/// Most leaves one multiproof may prove (`[STRAIT-MERKLE.6]`).
pub const MAX_MULTIPROOF_LEAVES: usize = 4096;

/// A proof that several leaves are in the tree with a given root (`[STRAIT-MERKLE.6]`).
///
/// `hashes` holds, in the order of `[STRAIT-MERKLE.7]` (level by level from the leaves up, left to
/// right within a level), exactly the siblings of nodes on the union of the leaves' paths that are
/// not themselves on that union. Shared ancestors are hashed once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MultiProof {
    /// Proven leaf positions, strictly increasing, each below `2^32`.
    pub leaf_indices: Vec<LeafIndex>,
    /// Sibling hashes not computable from the proven leaves, in canonical order.
    pub hashes: Vec<Hash32>,
}

/// Calls `missing(h, position)` for every sibling a multiproof over `positions` must carry, in
/// canonical order (`[STRAIT-MERKLE.7]`). `positions` must be strictly increasing leaf indices below
/// `2^32`; it is consumed as scratch space.
pub(crate) fn for_each_missing_sibling(
    positions: &mut Vec<u64>,
    mut missing: impl FnMut(usize, u64),
) {
    for h in 0..DEPTH {
        let (mut read, mut write) = (0, 0);
        while read < positions.len() {
            let p = positions[read];
            if p & 1 == 0 && positions.get(read + 1) == Some(&(p + 1)) {
                read += 2;
            } else {
                missing(h, p ^ 1);
                read += 1;
            }
            positions[write] = p >> 1;
            write += 1;
        }
        positions.truncate(write);
    }
    debug_assert_eq!(positions.as_slice(), &[0]);
}

/// Checks the shape rules of `[STRAIT-MERKLE.6]` on `indices` (count, range, order).
pub(crate) fn check_indices(indices: &[LeafIndex], size: u64) -> Result<(), MerkleError> {
    if indices.is_empty() {
        return Err(MerkleError::EmptyMultiProof);
    }
    if indices.len() > MAX_MULTIPROOF_LEAVES {
        return Err(MerkleError::TooManyLeaves {
            got: indices.len(),
            max: MAX_MULTIPROOF_LEAVES,
        });
    }
    for (position, index) in indices.iter().enumerate() {
        if position > 0 && *index <= indices[position - 1] {
            return Err(MerkleError::IndicesNotIncreasing { position });
        }
        if index.get() >= size {
            return Err(MerkleError::IndexOutOfRange {
                index: *index,
                size,
            });
        }
    }
    Ok(())
}

/// Number of hashes a multiproof over `indices` carries; `indices` must pass [`check_indices`].
fn required_hashes(indices: &[LeafIndex]) -> usize {
    let mut positions: Vec<u64> = indices.iter().map(|i| i.get()).collect();
    let mut count = 0;
    for_each_missing_sibling(&mut positions, |_, _| count += 1);
    count
}

impl MultiProof {
    /// Checks every shape rule of `[STRAIT-MERKLE.6]`: 1 to [`MAX_MULTIPROOF_LEAVES`] leaf indices,
    /// strictly increasing, below `2^32`, and exactly as many hashes as they require.
    pub fn check_shape(&self) -> Result<(), MerkleError> {
        check_indices(&self.leaf_indices, MAX_LEAVES)?;
        let expected = required_hashes(&self.leaf_indices);
        if self.hashes.len() != expected {
            return Err(MerkleError::HashCountMismatch {
                got: self.hashes.len(),
                expected,
            });
        }
        Ok(())
    }

    /// The proof's height (`[STRAIT-MERKLE.7]`): the least `k` at least the bit length of the
    /// highest leaf index such that every hash the proof carries at height `k` or above is the
    /// zero hash of its height. From the bit length `L` of the highest index up, the proven paths
    /// have joined in the node at position 0, so the last `32 - L` hashes are its siblings at
    /// heights `L` to 31, one per height (of a proof that passes [`MultiProof::check_shape`]).
    pub fn height(&self) -> usize {
        let zero = zero_hashes();
        let max = self.leaf_indices.last().map_or(0, |i| i.get());
        let m = self.hashes.len();
        proof_height(max, |h| {
            (m + h)
                .checked_sub(DEPTH)
                .and_then(|j| self.hashes.get(j))
                .is_some_and(|hash| *hash != zero[h])
        })
    }

    /// The root the proof gives when `ids[i]` is the leaf at `leaf_indices[i]` (`[STRAIT-MERKLE.7]`).
    ///
    /// Hashes each leaf once and each node on the union of the paths once.
    pub fn compute_root(&self, ids: &[MessageId]) -> Result<Hash32, MerkleError> {
        if ids.len() != self.leaf_indices.len() {
            return Err(MerkleError::IdCountMismatch {
                got: ids.len(),
                expected: self.leaf_indices.len(),
            });
        }
        self.check_shape()?;
        let height = self.height();
        let mut nodes: Vec<(u64, Hash32)> = self
            .leaf_indices
            .iter()
            .zip(ids)
            .map(|(index, id)| (index.get(), leaf_hash(id)))
            .collect();
        let mut hashes = self.hashes.iter();
        let mut take = || {
            hashes.next().ok_or(MerkleError::HashCountMismatch {
                got: self.hashes.len(),
                expected: self.hashes.len() + 1,
            })
        };
        for _ in 0..height {
            let (mut read, mut write) = (0, 0);
            while read < nodes.len() {
                let (p, node) = nodes[read];
                let parent = if p & 1 == 1 {
                    read += 1;
                    node_hash(take()?, &node)
                } else if let Some(&(_, right)) = nodes.get(read + 1).filter(|(q, _)| *q == p + 1) {
                    read += 2;
                    node_hash(&node, &right)
                } else {
                    read += 1;
                    node_hash(&node, take()?)
                };
                nodes[write] = (p >> 1, parent);
                write += 1;
            }
            nodes.truncate(write);
        }
        // The hashes above the height are the zero hashes of the highest leaf's path, not folded.
        debug_assert_eq!(
            hashes.count(),
            DEPTH - height,
            "shape checked the hash count"
        );
        debug_assert_eq!(nodes.len(), 1, "every proven leaf is below 2^height");
        Ok(root_hash(height, &nodes[0].1))
    }

    /// Checks that every `ids[i]` is the leaf at `leaf_indices[i]` of the tree whose root is `root`.
    pub fn verify(&self, ids: &[MessageId], root: &Hash32) -> Result<(), MerkleError> {
        let got = self.compute_root(ids)?;
        if got != *root {
            return Err(MerkleError::RootMismatch {
                got,
                expected: *root,
            });
        }
        Ok(())
    }

    /// The inclusion proof of the one leaf a multiproof of one leaf proves: its 32 hashes are that
    /// leaf's siblings from the leaf up (`[STRAIT-MERKLE.7]`), which the inclusion proof's
    /// encoding carries without the zero hashes (`[STRAIT-MERKLE.4]`: 264 bytes for a tree of 256
    /// leaves, where the multiproof's are 1,034). `None` for a multiproof of several leaves, or
    /// of one without exactly 32 hashes (the shape `check_shape` refuses).
    pub fn single(&self) -> Option<InclusionProof> {
        let [leaf_index] = self.leaf_indices[..] else {
            return None;
        };
        Some(InclusionProof {
            leaf_index,
            siblings: self.hashes.clone().try_into().ok()?,
        })
    }

    /// Length of the canonical encoding: `6 + 4 n + 32 m` for `n` leaves and `m` hashes.
    pub fn encoded_len(&self) -> usize {
        6 + 4 * self.leaf_indices.len() + 32 * self.hashes.len()
    }

    /// The canonical encoding (`[STRAIT-MERKLE.6]`): leaf count `n` as u16 big-endian, `n` leaf
    /// indices as u32 big-endian, hash count `m` as u32 big-endian, `m` hashes.
    ///
    /// The proof must pass [`MultiProof::check_shape`]; encoding a malformed one is a bug.
    pub fn encode(&self) -> Vec<u8> {
        debug_assert_eq!(
            self.check_shape(),
            Ok(()),
            "encoding a malformed multiproof"
        );
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&(self.leaf_indices.len() as u16).to_be_bytes());
        for index in &self.leaf_indices {
            out.extend_from_slice(&(index.get() as u32).to_be_bytes());
        }
        out.extend_from_slice(&(self.hashes.len() as u32).to_be_bytes());
        for hash in &self.hashes {
            out.extend_from_slice(hash.as_bytes());
        }
        out
    }

    /// Decodes untrusted bytes. Never panics; both counts are checked against their bounds before
    /// anything is allocated, and the result passes [`MultiProof::check_shape`].
    pub fn decode(bytes: &[u8]) -> Result<Self, MerkleError> {
        let mut r = Reader::new(bytes);
        let n = r.len_u16("multiproof leaf count", MAX_MULTIPROOF_LEAVES)?;
        let mut leaf_indices = Vec::with_capacity(n);
        for _ in 0..n {
            leaf_indices.push(LeafIndex(r.u32()?.into()));
        }
        let m = r.len_u32("multiproof hash count", n * DEPTH)?;
        let raw = r.bytes(m * 32)?;
        r.finish()?;
        let hashes = raw
            .chunks_exact(32)
            .map(|chunk| {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(chunk);
                Hash32(hash)
            })
            .collect();
        let proof = Self {
            leaf_indices,
            hashes,
        };
        proof.check_shape()?;
        Ok(proof)
    }
}

#[cfg(test)]
mod tests {
    use strait_primitives::DecodeError;

    use super::*;

    fn indices(raw: &[u64]) -> Vec<LeafIndex> {
        raw.iter().copied().map(LeafIndex).collect()
    }

    #[test]
    fn required_hashes_counts_the_union_boundary() {
        assert_eq!(required_hashes(&indices(&[0])), DEPTH);
        assert_eq!(required_hashes(&indices(&[0, 1])), DEPTH - 1);
        assert_eq!(required_hashes(&indices(&[0, 1, 2, 3])), DEPTH - 2);
        assert_eq!(required_hashes(&indices(&[0, 2])), 2 + DEPTH - 2);
        assert_eq!(required_hashes(&indices(&[1, 2])), 2 + DEPTH - 2);
        assert_eq!(required_hashes(&indices(&[1, 4])), 2 + 2 + DEPTH - 3);
    }

    #[test]
    fn shape_errors() {
        let proof = |raw: &[u64], m| MultiProof {
            leaf_indices: indices(raw),
            hashes: vec![Hash32::ZERO; m],
        };
        assert_eq!(
            proof(&[], 0).check_shape(),
            Err(MerkleError::EmptyMultiProof)
        );
        assert_eq!(
            proof(&[3, 3], 32).check_shape(),
            Err(MerkleError::IndicesNotIncreasing { position: 1 })
        );
        assert_eq!(
            proof(&[4, 3], 32).check_shape(),
            Err(MerkleError::IndicesNotIncreasing { position: 1 })
        );
        assert_eq!(
            proof(&[MAX_LEAVES], 32).check_shape(),
            Err(MerkleError::IndexOutOfRange {
                index: LeafIndex(MAX_LEAVES),
                size: MAX_LEAVES
            })
        );
        assert_eq!(
            proof(&[0], 31).check_shape(),
            Err(MerkleError::HashCountMismatch {
                got: 31,
                expected: 32
            })
        );
        assert_eq!(
            proof(&[0], 33).check_shape(),
            Err(MerkleError::HashCountMismatch {
                got: 33,
                expected: 32
            })
        );
        let many: Vec<u64> = (0..=MAX_MULTIPROOF_LEAVES as u64).collect();
        assert_eq!(
            proof(&many, 0).check_shape(),
            Err(MerkleError::TooManyLeaves {
                got: MAX_MULTIPROOF_LEAVES + 1,
                max: MAX_MULTIPROOF_LEAVES
            })
        );
        assert_eq!(
            proof(&[0], 32).compute_root(&[]),
            Err(MerkleError::IdCountMismatch {
                got: 0,
                expected: 1
            })
        );
    }

    #[test]
    fn layout_and_bounded_counts() {
        let proof = MultiProof {
            leaf_indices: indices(&[1, 2]),
            hashes: (0..32u8).map(|i| Hash32([i; 32])).collect(),
        };
        let bytes = proof.encode();
        assert_eq!(bytes.len(), proof.encoded_len());
        assert_eq!(&bytes[..2], &[0, 2]);
        assert_eq!(&bytes[2..10], &[0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(&bytes[10..14], &32u32.to_be_bytes());
        assert_eq!(&bytes[14..46], &[0u8; 32]);
        assert_eq!(MultiProof::decode(&bytes), Ok(proof));

        // A hostile hash count is refused before any allocation.
        let mut hostile = vec![0, 1, 0, 0, 0, 0];
        hostile.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            MultiProof::decode(&hostile),
            Err(MerkleError::Decode(DecodeError::TooLarge { .. }))
        ));
        assert!(matches!(
            MultiProof::decode(&[0xff, 0xff]),
            Err(MerkleError::Decode(DecodeError::TooLarge { .. }))
        ));
    }

    #[test]
    fn a_multiproof_of_one_leaf_is_that_leafs_inclusion_proof() {
        let mut tree = crate::MerkleTree::new();
        for i in 0..37u8 {
            tree.append(&MessageId([i; 32])).unwrap();
        }
        for size in [1u64, 2, 5, 32, 33, 37] {
            for i in (0..size).step_by(3).chain([size - 1]) {
                let multi = tree.multiproof(&[LeafIndex(i)], size).unwrap();
                let single = multi.single().expect("one leaf, 32 hashes");
                assert_eq!(
                    single,
                    tree.proof(LeafIndex(i), size).unwrap(),
                    "{i} of {size}"
                );
                single
                    .verify(&MessageId([i as u8; 32]), &tree.root_at(size).unwrap())
                    .unwrap();
                assert!(single.encode().len() <= multi.encoded_len());
            }
        }
        let two = tree.multiproof(&[LeafIndex(0), LeafIndex(1)], 37).unwrap();
        assert_eq!(two.single(), None, "two leaves");
        let mut short = tree.multiproof(&[LeafIndex(3)], 37).unwrap();
        short.hashes.pop();
        assert_eq!(short.single(), None, "31 hashes");
    }
}
