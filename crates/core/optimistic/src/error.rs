//! Why an optimistic client refuses a request (`[STRAIT-OPT.9]`): every variant has a stable SPEC
//! name.

use strait_primitives::{Address32, DecodeError, Height};
use strait_verifier::StoreError;

/// Why a configuration, proposal, pause or resume is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptimisticError {
    /// The bytes do not decode (`Truncated`, `TooLarge`, `Invalid`, `TrailingBytes`).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A dispute window of zero: every proposal would count at once.
    #[error("the dispute window is zero")]
    ZeroWindow,
    /// A dispute window above [`crate::MAX_WINDOW_MS`]: bonds would be locked for too long.
    #[error("a dispute window of {got} ms is above the most, {max} ms")]
    WindowTooLong {
        /// The window.
        got: u64,
        /// The bound.
        max: u64,
    },
    /// A bond of zero: a proposal would risk nothing.
    #[error("the bond is zero")]
    ZeroBond,
    /// A proposer or watcher address not strictly above the previous one.
    #[error("{what} {index} is not above the previous one")]
    NotAscending {
        /// `proposer` or `watcher`.
        what: &'static str,
        /// Its position in the list.
        index: usize,
    },
    /// The client is frozen.
    #[error("the client is frozen")]
    Frozen,
    /// The client is paused by a watcher: nothing is proposed or matures until guardians resume it.
    #[error("the client is paused by a watcher")]
    Paused,
    /// The signer is not one of the client's proposers.
    #[error("{0} is not a proposer of this client")]
    NotProposer(Address32),
    /// A proposal at or below the height of an earlier one.
    #[error("proposal at height {got}, the last proposal was at {last}")]
    HeightNotIncreasing {
        /// The proposal's height.
        got: Height,
        /// The highest height proposed before.
        last: Height,
    },
    /// The client already has [`crate::MAX_PENDING`] pending proposals.
    #[error("{pending} proposals are pending, the most is {max}")]
    TooManyPending {
        /// Pending proposals.
        pending: usize,
        /// The bound.
        max: usize,
    },
    /// No pending proposal at the height.
    #[error("no pending proposal at height {0}")]
    NoPendingProposal(Height),
    /// The signer is not one of the client's watchers.
    #[error("{0} is not a watcher of this client")]
    NotWatcher(Address32),
    /// A pause of a paused client.
    #[error("the client is already paused")]
    AlreadyPaused,
    /// A resume of a client that is not paused.
    #[error("the client is not paused")]
    NotPaused,
    /// Roots come from proposals (`ProposeRoot`), not from updates; evidence is a conflict
    /// (`SubmitConflict`).
    #[error("an optimistic client takes proposals and conflicts, not {0}")]
    NotSupported(&'static str),
    /// The client's storage is corrupt.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OptimisticError {
    /// The SPEC name (`[STRAIT-OPT.9]`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::ZeroWindow => "ZeroWindow",
            Self::WindowTooLong { .. } => "WindowTooLong",
            Self::ZeroBond => "ZeroBond",
            Self::NotAscending { .. } => "NotAscending",
            Self::Frozen => "Frozen",
            Self::Paused => "ClientPaused",
            Self::NotProposer(_) => "NotProposer",
            Self::HeightNotIncreasing { .. } => "HeightNotIncreasing",
            Self::TooManyPending { .. } => "TooManyPending",
            Self::NoPendingProposal(_) => "NoPendingProposal",
            Self::NotWatcher(_) => "NotWatcher",
            Self::AlreadyPaused => "AlreadyPaused",
            Self::NotPaused => "NotPaused",
            Self::NotSupported(_) => "NotSupported",
            Self::Store(_) => "Store",
        }
    }
}
