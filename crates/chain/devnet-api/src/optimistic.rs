//! JSON of optimistic clients and conflict evidence (`docs/rpc.md`, `docs/SPEC.md` §13).
//! Amounts in `sat`, decimal (u128); times in ms.

use serde::{Deserialize, Serialize};
use strait_primitives::{Address32, ClientId, Hash32, Height};

/// A pending proposal of an optimistic client (`strait_pendingProposals`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingProposalJson {
    /// The source height.
    pub height: Height,
    /// The proposed outbox root.
    pub root: Hash32,
    /// The proposed leaf count.
    pub leaf_count: u64,
    /// Who proposed it.
    pub proposer: Address32,
    /// The bond it locked, decimal.
    pub bond: String,
    /// From this destination time (ms) on it settles.
    pub matures_at_ms: u64,
}

impl From<&strait_optimistic::Pending> for PendingProposalJson {
    fn from(p: &strait_optimistic::Pending) -> Self {
        Self {
            height: p.height,
            root: p.root,
            leaf_count: p.leaf_count,
            proposer: p.proposer,
            bond: p.bond.to_string(),
            matures_at_ms: p.matures_at.get(),
        }
    }
}

/// What happened to a client, as `strait_subscribeEvents` announces it (`"event": "verifier"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum VerifierEventJson {
    /// A proposal was accepted and its bond locked.
    RootProposed {
        /// The optimistic client.
        client: ClientId,
        /// The proposal.
        proposal: PendingProposalJson,
    },
    /// A proposal settled: its root counts, its bond is back with its proposer.
    RootSettled {
        /// The optimistic client.
        client: ClientId,
        /// The proposal.
        proposal: PendingProposalJson,
    },
    /// A proposal was proven wrong and discarded; its bond paid to `paid_to`.
    ProposalDiscarded {
        /// The optimistic client.
        client: ClientId,
        /// The proposal.
        proposal: PendingProposalJson,
        /// The root the source's light client verified at that height.
        reference_root: Hash32,
        /// Who proved it wrong.
        paid_to: Address32,
    },
    /// A client was frozen by conflict evidence: every route that depends on it waits.
    ClientFrozen {
        /// The client.
        client: ClientId,
        /// Why.
        reason: String,
    },
    /// A watcher paused an optimistic client.
    ClientPaused {
        /// The client.
        client: ClientId,
        /// The watcher.
        watcher: Address32,
    },
    /// Guardians resumed an optimistic client.
    ClientResumed {
        /// The client.
        client: ClientId,
    },
}
