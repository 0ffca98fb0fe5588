//! What a block did that agents watch, in the chain's own terms. The RPC layer turns these into
//! its JSON notifications (`crate::rpc::notification`); the state layer never sees RPC types.

use strait_endpoint::{Outcome, SecurityConfig};
use strait_optimistic::Pending;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, MessageId};

/// An endpoint event of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockEvent {
    /// A message was sent and its id appended to the outbox.
    Sent {
        /// The message id.
        id: MessageId,
        /// Its position in the outbox.
        leaf_index: u64,
        /// The destination chain.
        destination_chain: ChainId,
        /// The canonical packet encoding.
        packet: Vec<u8>,
    },
    /// A message was received and its outcome recorded.
    Received {
        /// The message id.
        id: MessageId,
        /// The source chain.
        source_chain: ChainId,
        /// How it ended.
        outcome: Outcome,
    },
    /// A received message whose execution had failed became final: executed by a retry, or
    /// failed for good. Its outcome replaces the `Failed` one of its `Received` event.
    Finalized {
        /// The message id.
        id: MessageId,
        /// The source chain.
        source_chain: ChainId,
        /// Its final outcome.
        outcome: Outcome,
    },
    /// A message this chain sent had its outcome proven back and handed to its sender.
    Settled {
        /// The message id.
        id: MessageId,
        /// How it ended on its destination.
        outcome: Outcome,
    },
    /// A receiving application set the security config of its route from `source`
    /// (`[STRAIT-ROUTE.6]`).
    SecurityConfigSet {
        /// The application.
        receiver: Address32,
        /// The source chain.
        source: ChainId,
        /// The config now in force.
        config: SecurityConfig,
    },
    /// A verifier event: optimistic proposals, conflicts, watcher pauses (SPEC §13).
    Verifier(VerifierEvent),
    /// A committee member announced where it publishes its signatures (`[STRAIT-ATTEST.13]`).
    AttesterAnnounced {
        /// The committee client.
        client: ClientId,
        /// The member, in its stored form.
        member: Vec<u8>,
        /// The announcement's sequence.
        sequence: u64,
        /// The URL.
        url: String,
    },
}

/// What happened to a client of this chain (SPEC §13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifierEvent {
    /// A proposal was accepted and its bond locked (`[STRAIT-OPT.3]`).
    RootProposed {
        /// The optimistic client.
        client: ClientId,
        /// The proposal, its proposer, bond and maturity.
        pending: Pending,
    },
    /// A proposal's window passed: its root is verified and its bond back with its proposer
    /// (`[STRAIT-OPT.4]`).
    RootSettled {
        /// The optimistic client.
        client: ClientId,
        /// The proposal that settled.
        pending: Pending,
    },
    /// A proposal was proven wrong and discarded; its bond went to `paid_to`
    /// (`[STRAIT-CONFLICT.3]`).
    ProposalDiscarded {
        /// The optimistic client.
        client: ClientId,
        /// The discarded proposal.
        pending: Pending,
        /// The root the source's light client verified at that height.
        reference_root: Hash32,
        /// Who submitted the conflict and was paid the bond.
        paid_to: Address32,
    },
    /// A client was frozen by conflict evidence (`[STRAIT-CONFLICT.3]`).
    ClientFrozen {
        /// The client.
        client: ClientId,
        /// Why, in words.
        reason: String,
    },
    /// A watcher paused an optimistic client (`[STRAIT-OPT.5]`).
    ClientPaused {
        /// The client.
        client: ClientId,
        /// The watcher.
        watcher: Address32,
    },
    /// Guardians resumed an optimistic client (`[STRAIT-OPT.6]`).
    ClientResumed {
        /// The client.
        client: ClientId,
    },
}
