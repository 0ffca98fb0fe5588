//! What a block did that agents watch, in the chain's own terms. The RPC layer turns these into
//! its JSON notifications (`crate::rpc::notification`); the state layer never sees RPC types.

use strait_endpoint::Outcome;
use strait_primitives::{ChainId, ClientId, MessageId};

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
    /// A committee member announced where it publishes its signatures (`[STRAIT-ATTEST.12]`).
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
