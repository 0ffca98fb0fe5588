//! The Strait message Merkle tree (`docs/SPEC.md`, `[STRAIT-MERKLE.*]`).
//!
//! Every message a chain sends is appended, by its [`MessageId`], to a depth-[`DEPTH`] append-only
//! Merkle tree with the structure of the Ethereum deposit contract, whose root binds the tree's
//! height (the least `k` with `2^k` leaves or more) and its top node: a proof folds as many levels
//! as the tree has, not [`DEPTH`]. A destination that trusts a root
//! of that tree accepts a message with an [`InclusionProof`], or a batch of messages with one
//! [`MultiProof`].
//!
//! * [`hash`]: domain-separated leaf, node and root hashes, the zero hashes and the tree's height
//!   (`[STRAIT-MERKLE.1]`, `[STRAIT-MERKLE.2]`).
//! * [`IncrementalTree`]: the on-chain accumulator, O(depth) append and root (`[STRAIT-MERKLE.3]`).
//! * [`InclusionProof`]: one leaf (`[STRAIT-MERKLE.4]`, `[STRAIT-MERKLE.5]`).
//! * [`MultiProof`]: many leaves under one root (`[STRAIT-MERKLE.6]`, `[STRAIT-MERKLE.7]`).
//! * [`MerkleTree`]: the prover side, proofs against the root of any past size
//!   (`[STRAIT-MERKLE.8]`).
//!
//! This crate is pure: no I/O, no clock, no randomness.
//!
//! # Examples
//!
//! ```
//! use strait_merkle::{IncrementalTree, MerkleTree, LeafIndex};
//! use strait_primitives::MessageId;
//!
//! let ids: Vec<MessageId> = (0u8..5).map(|i| MessageId([i; 32])).collect();
//! let mut on_chain = IncrementalTree::new();
//! let mut prover = MerkleTree::new();
//! for id in &ids {
//!     on_chain.append(id).unwrap();
//!     prover.append(id).unwrap();
//! }
//! let root_on_dest = on_chain.root();
//! let proof = prover.proof(LeafIndex(3), prover.count()).unwrap();
//! proof.verify(&ids[3], &root_on_dest).unwrap();
//! ```

mod error;
pub mod hash;
mod incremental;
mod multiproof;
mod proof;
mod tree;

pub use error::MerkleError;
pub use hash::{
    empty_root, leaf_hash, node_hash, root_hash, tree_height, zero_hashes, LeafIndex, DEPTH,
    MAX_LEAVES,
};
pub use incremental::{IncrementalTree, STATE_LEN};
pub use multiproof::{MultiProof, MAX_MULTIPROOF_LEAVES};
pub use proof::{InclusionProof, MAX_PROOF_LEN, MIN_PROOF_LEN};
pub use strait_primitives::{Hash32, MessageId};
pub use tree::MerkleTree;

#[cfg(test)]
mod tests;
