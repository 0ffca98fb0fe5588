//! The prover's full tree: proofs against the root of any past size (`[STRAIT-MERKLE.8]`).

use strait_primitives::{Hash32, MessageId};

use crate::multiproof::{check_indices, for_each_missing_sibling};
use crate::{
    leaf_hash, node_hash, root_hash, tree_height, zero_hashes, InclusionProof, LeafIndex,
    MerkleError, MultiProof, DEPTH, MAX_LEAVES,
};

/// Every leaf hash and every complete interior node of a depth-[`DEPTH`] tree, for the source
/// chain's node and the relayer (`[STRAIT-MERKLE.8]`).
///
/// A node at height `h` and position `p` covers leaves `[p 2^h, (p + 1) 2^h)`; it is stored once
/// that range is full, and its hash is then the same in the tree of every later size. Nodes that
/// are only partly filled at a size `n` (at most one per height) are recomputed on demand, so a
/// proof against the root of any past size costs O(depth) hashes. Memory: about two hashes per leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[h][p]`: the complete node at height `h`, position `p`. `levels[0]` are leaf hashes.
    levels: Vec<Vec<Hash32>>,
}

impl Default for MerkleTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MerkleTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self {
            levels: vec![Vec::new(); DEPTH + 1],
        }
    }

    /// Leaves appended so far.
    pub fn count(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Appends the leaf of `id` and returns its index. Amortised 2 hashes, at most 33.
    pub fn append(&mut self, id: &MessageId) -> Result<LeafIndex, MerkleError> {
        let index = self.count();
        if index >= MAX_LEAVES {
            return Err(MerkleError::TreeFull { max: MAX_LEAVES });
        }
        self.levels[0].push(leaf_hash(id));
        let mut position = index as usize;
        for h in 0..DEPTH {
            if position & 1 == 0 {
                break;
            }
            let parent = node_hash(&self.levels[h][position - 1], &self.levels[h][position]);
            self.levels[h + 1].push(parent);
            position >>= 1;
        }
        Ok(LeafIndex(index))
    }

    /// The current root, equal to [`crate::IncrementalTree::root`] after the same appends.
    pub fn root(&self) -> Hash32 {
        self.root_of(self.count())
    }

    /// The root the tree had when it held `size` leaves (`size <= count`).
    pub fn root_at(&self, size: u64) -> Result<Hash32, MerkleError> {
        self.check_size(size)?;
        Ok(self.root_of(size))
    }

    /// The root of the tree of the first `size` leaves: its height and its top node
    /// (`[STRAIT-MERKLE.2]`).
    fn root_of(&self, size: u64) -> Hash32 {
        let height = tree_height(size);
        root_hash(height, &self.node_at(height, 0, size))
    }

    /// A proof of leaf `index` against [`MerkleTree::root_at`]`(size)`; needs `index < size <= count`.
    pub fn proof(&self, index: LeafIndex, size: u64) -> Result<InclusionProof, MerkleError> {
        self.check_size(size)?;
        if index.get() >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        let mut siblings = [Hash32::ZERO; DEPTH];
        for (h, sibling) in siblings.iter_mut().enumerate() {
            *sibling = self.node_at(h, (index.get() >> h) ^ 1, size);
        }
        Ok(InclusionProof {
            leaf_index: index,
            siblings,
        })
    }

    /// A multiproof of the leaves `indices` (strictly increasing, each `< size`, 1 to
    /// [`crate::MAX_MULTIPROOF_LEAVES`] of them) against [`MerkleTree::root_at`]`(size)`.
    pub fn multiproof(&self, indices: &[LeafIndex], size: u64) -> Result<MultiProof, MerkleError> {
        self.check_size(size)?;
        check_indices(indices, size)?;
        let mut positions: Vec<u64> = indices.iter().map(|i| i.get()).collect();
        let mut hashes = Vec::new();
        for_each_missing_sibling(&mut positions, |h, p| hashes.push(self.node_at(h, p, size)));
        Ok(MultiProof {
            leaf_indices: indices.to_vec(),
            hashes,
        })
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        let count = self.count();
        if size > count {
            return Err(MerkleError::SizeOutOfRange { size, count });
        }
        Ok(())
    }

    /// The node at height `h`, position `p` of the tree of the first `size` leaves.
    ///
    /// Complete nodes are read, empty ones are zero hashes, and the one partly filled node of a
    /// height is hashed from its children: at most `h` hashes.
    fn node_at(&self, h: usize, p: u64, size: u64) -> Hash32 {
        let first = p << h;
        if first >= size {
            return zero_hashes()[h];
        }
        let end = (p + 1) << h;
        if end <= size {
            return self.levels[h][p as usize];
        }
        // Partly filled: the left child is complete or partial, the right one partial or empty.
        node_hash(
            &self.node_at(h - 1, 2 * p, size),
            &self.node_at(h - 1, 2 * p + 1, size),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u8) -> MerkleTree {
        let mut t = MerkleTree::new();
        for i in 0..n {
            t.append(&MessageId([i; 32])).unwrap();
        }
        t
    }

    #[test]
    fn memory_is_about_two_hashes_per_leaf() {
        let t = tree(200);
        let stored: usize = t.levels.iter().map(Vec::len).sum();
        assert!(stored < 2 * 200, "{stored}");
    }

    #[test]
    fn size_and_index_bounds() {
        let t = tree(5);
        assert_eq!(
            t.root_at(6),
            Err(MerkleError::SizeOutOfRange { size: 6, count: 5 })
        );
        assert_eq!(
            t.proof(LeafIndex(3), 3),
            Err(MerkleError::IndexOutOfRange {
                index: LeafIndex(3),
                size: 3
            })
        );
        assert_eq!(
            t.multiproof(&[LeafIndex(1), LeafIndex(4)], 4),
            Err(MerkleError::IndexOutOfRange {
                index: LeafIndex(4),
                size: 4
            })
        );
        assert_eq!(t.root_at(0), Ok(crate::empty_root()));
    }

    #[test]
    fn default_is_the_empty_tree() {
        let t = MerkleTree::default();
        assert_eq!(t, MerkleTree::new());
        assert_eq!(t.count(), 0);
        assert_eq!(t.root(), crate::empty_root());
    }
}
