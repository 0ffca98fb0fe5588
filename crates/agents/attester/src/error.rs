//! Attester errors: a chain request that may succeed later, the signing record, and the two
//! refusals that halt the attester for good.

use strait_attest::Checkpoint;
use strait_chain_client::ChainError;
use strait_primitives::{ChainId, Hash32, Height};

/// Why an attester step failed.
#[derive(Debug, thiserror::Error)]
pub enum AttesterError {
    /// A source request failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The signing record could not be read or written: nothing is signed.
    #[error("signing record: {0}")]
    Record(String),
    /// The record already holds another root for this leaf count: signing it would equivocate.
    #[error("refusing to sign root {got} for {chain} leaf count {leaf_count}: root {expected} was signed")]
    WouldEquivocate {
        /// The source.
        chain: ChainId,
        /// The leaf count.
        leaf_count: u64,
        /// The root asked for.
        got: Hash32,
        /// The root signed before.
        expected: Hash32,
    },
    /// The source's history changed at or below a height the attester took as final.
    #[error("source {chain} history changed at final height {height}: root {got}, was {expected}")]
    HistoryChanged {
        /// The source.
        chain: ChainId,
        /// The height.
        height: Height,
        /// The root the source shows now.
        got: Hash32,
        /// The root it showed when final.
        expected: Hash32,
    },
    /// The source's outbox shrank or changed without growing between two final heights.
    #[error("source {chain} outbox went from {before:?} to {after:?}, which an append-only outbox cannot")]
    NotAppendOnly {
        /// The source.
        chain: ChainId,
        /// The earlier final checkpoint.
        before: Box<Checkpoint>,
        /// The later one.
        after: Box<Checkpoint>,
    },
    /// The record says the attester halted before; an operator must look before it signs again.
    #[error("halted before: {0}")]
    Halted(String),
}

impl AttesterError {
    /// Whether the step may succeed later; the others halt the attester.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Chain(e) if e.is_transient())
    }
}

impl From<redb::Error> for AttesterError {
    fn from(e: redb::Error) -> Self {
        Self::Record(e.to_string())
    }
}

macro_rules! record_error {
    ($($t:ty),*) => {$(
        impl From<$t> for AttesterError {
            fn from(e: $t) -> Self {
                Self::Record(e.to_string())
            }
        }
    )*};
}
record_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
