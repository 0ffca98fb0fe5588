//! What proposers and watchers ask of a destination chain (`docs/SPEC.md` §13): propose a root to
//! an optimistic client, submit conflict evidence against any client, pause an optimistic client
//! as one of its watchers, and read what a client holds at a height.

use core::future::Future;

pub use strait_optimistic::{Conflict, Proposal};
use strait_primitives::{ChainId, ClientId, Hash32, Height};

use crate::ChainError;

/// A pending proposal of an optimistic client, as the chain reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingProposal {
    /// What was proposed.
    pub proposal: Proposal,
    /// Who proposed it (and gets the bond back when it settles).
    pub proposer: strait_primitives::Address32,
    /// The bond it locked, in the chain's native unit.
    pub bond: u128,
    /// The destination time (ms) from which it may settle.
    pub matures_at_ms: u64,
}

/// How a submission ended on the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitReport {
    /// The transaction's hash.
    pub hash: Hash32,
    /// The height that included it.
    pub height: Height,
    /// `Ok` when it applied; otherwise the SPEC name of the refusal (for example
    /// `NotConflicting`, `HeightNotIncreasing`) and the chain's words.
    pub applied: Result<(), (String, String)>,
}

/// A destination chain with optimistic clients and conflict evidence (`[STRAIT-OPT.*]`,
/// `[STRAIT-CONFLICT.*]`).
pub trait DisputeChain: Send + Sync + 'static {
    /// The chain's id.
    fn chain_id(&self) -> ChainId;

    /// Proposes `proposal` to the optimistic client `client`, bonding the client's bond from the
    /// submitting account; waits until included.
    fn propose_root(
        &self,
        client: ClientId,
        proposal: Proposal,
    ) -> impl Future<Output = Result<SubmitReport, ChainError>> + Send;

    /// Submits evidence that `conflict.accused` holds at `conflict.height` another root than the
    /// chain's light client of the source (`conflict.reference`) verified there; waits until
    /// included. Permissionless: a discarded proposal's bond is paid to the submitting account.
    fn submit_conflict(
        &self,
        conflict: Conflict,
    ) -> impl Future<Output = Result<SubmitReport, ChainError>> + Send;

    /// Pauses the optimistic client `client` as one of its watchers; waits until included.
    fn watcher_pause(
        &self,
        client: ClientId,
    ) -> impl Future<Output = Result<SubmitReport, ChainError>> + Send;

    /// The pending proposals of the optimistic client `client`, by height.
    fn pending_proposals(
        &self,
        client: ClientId,
    ) -> impl Future<Output = Result<Vec<PendingProposal>, ChainError>> + Send;

    /// The root `client` holds at `height`: verified, or for an optimistic client also pending;
    /// `None` when it holds none there.
    fn client_root(
        &self,
        client: ClientId,
        height: Height,
    ) -> impl Future<Output = Result<Option<Hash32>, ChainError>> + Send;
}
