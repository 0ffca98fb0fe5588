//! Events, outcomes and receipts.

use serde::{Deserialize, Serialize};
use strait_merkle::LeafIndex;
use strait_primitives::{ChainId, Height, MessageId, Nonce, RouteId};

use crate::AppError;

/// How a received message ended (`[STRAIT-RECV.9]`). Exactly one outcome is recorded per message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The application accepted the message and returned an acknowledgement.
    Executed {
        /// Application acknowledgement, at most [`crate::MAX_ACK_LEN`] bytes.
        ack: Vec<u8>,
    },
    /// The application failed; its writes were reverted. A failure ack lets the source refund.
    Failed(AppError),
    /// The destination reached the message's timeout before delivery; the application was not
    /// called. Lets the source refund.
    TimedOut,
}

impl Outcome {
    /// Whether the application executed the message successfully.
    pub fn is_executed(&self) -> bool {
        matches!(self, Self::Executed { .. })
    }
}

/// The record of one received message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The message.
    pub id: MessageId,
    /// Its route.
    pub route: RouteId,
    /// Its nonce on the route.
    pub nonce: Nonce,
    /// Destination height at which it was received.
    pub height: Height,
    /// How it ended.
    pub outcome: Outcome,
}

/// What the endpoint tells off-chain agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointEvent {
    /// A message was sent and its id appended to the outbox.
    Sent {
        /// The message id.
        id: MessageId,
        /// The destination chain.
        destination_chain: ChainId,
        /// Nonce on its route.
        nonce: Nonce,
        /// Position of the id in the outbox.
        leaf_index: LeafIndex,
        /// The canonical packet encoding, for relayers.
        packet: Vec<u8>,
    },
    /// A message was received and its outcome recorded.
    Received(Receipt),
    /// A received message whose execution had failed became final (`[STRAIT-RETRY.2]`): executed
    /// by a retry, or failed for good. Its receipt replaces the `Failed` one.
    Finalized(Receipt),
    /// A sent message's outcome was proven back and handed to its sender (`[STRAIT-SETTLE.4]`).
    Settled {
        /// The message this chain sent.
        id: MessageId,
        /// How it ended on its destination.
        outcome: Outcome,
    },
}
