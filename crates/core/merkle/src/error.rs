//! The one error type of the crate.

use strait_primitives::{DecodeError, Hash32};

use crate::LeafIndex;

/// Why a tree operation, a proof or its decoding failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The tree already holds [`crate::MAX_LEAVES`] leaves.
    #[error("the tree is full ({max} leaves)")]
    TreeFull {
        /// [`crate::MAX_LEAVES`].
        max: u64,
    },
    /// A leaf index is not below the size of the tree it refers to.
    #[error("leaf index {index} out of range for a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: LeafIndex,
        /// The size of the tree (at most [`crate::MAX_LEAVES`]).
        size: u64,
    },
    /// A past tree size is larger than the number of leaves appended so far.
    #[error("tree size {size} is above the current leaf count {count}")]
    SizeOutOfRange {
        /// The size asked for.
        size: u64,
        /// Leaves appended so far.
        count: u64,
    },
    /// The root recomputed from a proof is not the trusted root.
    #[error("root mismatch: proof gives {got}, expected {expected}")]
    RootMismatch {
        /// Root recomputed from the proof.
        got: Hash32,
        /// Trusted root.
        expected: Hash32,
    },
    /// A multiproof proves no leaf.
    #[error("a multiproof must prove at least one leaf")]
    EmptyMultiProof,
    /// A multiproof proves more than [`crate::MAX_MULTIPROOF_LEAVES`] leaves.
    #[error("multiproof of {got} leaves exceeds the maximum of {max}")]
    TooManyLeaves {
        /// Number of leaf indices.
        got: usize,
        /// [`crate::MAX_MULTIPROOF_LEAVES`].
        max: usize,
    },
    /// Multiproof leaf indices are not strictly increasing (unsorted or duplicated).
    #[error("multiproof leaf index at position {position} is not above the previous one")]
    IndicesNotIncreasing {
        /// Position in `leaf_indices` of the first offending index.
        position: usize,
    },
    /// The number of message ids differs from the number of leaf indices.
    #[error("got {got} message ids for {expected} leaf indices")]
    IdCountMismatch {
        /// Number of ids given.
        got: usize,
        /// Number of leaf indices in the proof.
        expected: usize,
    },
    /// A multiproof carries a different number of hashes than its leaf indices require.
    #[error("multiproof carries {got} hashes, its leaf indices require {expected}")]
    HashCountMismatch {
        /// Hashes carried.
        got: usize,
        /// Hashes required by `[STRAIT-MERKLE.7]`.
        expected: usize,
    },
    /// An inclusion proof carries a sibling that is the zero hash of its height, which the canonical
    /// encoding omits (`[STRAIT-MERKLE.4]`).
    #[error("inclusion proof carries the zero hash at height {height}, which must be omitted")]
    NonCanonicalProof {
        /// Height of the first such sibling.
        height: usize,
    },
    /// The bytes are not a well-formed encoding.
    #[error("malformed merkle encoding: {0}")]
    Decode(#[from] DecodeError),
}

impl MerkleError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0), of the innermost cause: a
    /// decoding failure is named by its [`DecodeError::name`].
    pub fn name(&self) -> &'static str {
        match self {
            Self::TreeFull { .. } => "TreeFull",
            Self::IndexOutOfRange { .. } => "IndexOutOfRange",
            Self::SizeOutOfRange { .. } => "SizeOutOfRange",
            Self::RootMismatch { .. } => "RootMismatch",
            Self::EmptyMultiProof => "EmptyMultiProof",
            Self::TooManyLeaves { .. } => "TooManyLeaves",
            Self::IndicesNotIncreasing { .. } => "IndicesNotIncreasing",
            Self::IdCountMismatch { .. } => "IdCountMismatch",
            Self::HashCountMismatch { .. } => "HashCountMismatch",
            Self::NonCanonicalProof { .. } => "NonCanonicalProof",
            Self::Decode(e) => e.name(),
        }
    }
}
