//! The data agents and chains exchange.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strait_endpoint::{BatchDelivery, Outcome, ReceiveError};
use strait_light_client::LightBlock;
use strait_packet::Packet;
use strait_primitives::{ChainId, ClientId, Hash32, Height, MessageId, RouteId};
pub use strait_verifier::VerifierKind;

/// A message of a source's outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its position in the outbox.
    pub leaf_index: u64,
    /// Its id.
    pub id: MessageId,
    /// Height of the block that sent it: a proof needs a verified height at least this.
    pub height: Height,
    /// The packet, decoded; `packet.id() == id`. Shared: a chain client that keeps decoded packets
    /// (an in-process chain) hands out pages without copying them.
    pub packet: Arc<Packet>,
    /// Length of its canonical encoding.
    pub encoded_len: usize,
}

/// What a message paid on its source for its delivery (`[STRAIT-FEE.9]`), as the source reports it:
/// what a relayer's fee policy looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MessagePayment {
    /// The chain does not say (the default of `SourceChain::payments`): a chain without message
    /// fees, or a client that does not ask.
    #[default]
    Unknown,
    /// Sent unpaid (gas limit 0): carried by whoever chooses to.
    Unpaid,
    /// Paid: the quote locked at its send, in the source's fee unit (`sat` on the devnet).
    Paid {
        /// The amount locked (or, once settled, split).
        amount: u128,
    },
}

/// A page of a source's outbox for one destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxPage {
    /// Messages with `leaf_index >= from_leaf`, in leaf order.
    pub messages: Vec<OutboxMessage>,
    /// Where the next page starts (past every leaf looked at, kept or not).
    pub next_leaf: u64,
    /// The outbox size at the latest height.
    pub outbox_count: u64,
}

/// A destination's verifier of a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifierInfo {
    /// Its id on the destination.
    pub client: ClientId,
    /// Its kind.
    pub kind: VerifierKind,
    /// The source chain it follows.
    pub source: ChainId,
    /// The highest source height it has verified.
    pub latest_height: Height,
    /// Frozen for misbehaviour: it vouches for nothing any more.
    pub frozen: bool,
}

/// The security config a destination applies to one route (`[STRAIT-ROUTE.6]`), with the state
/// of each of its clients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteVerifiers {
    /// The config in force.
    pub config: strait_endpoint::SecurityConfig,
    /// Whether it is the chain's default for the source (the receiver set none).
    pub is_default: bool,
    /// Each client of the config, required first, in the config's order.
    pub clients: Vec<VerifierInfo>,
}

impl RouteVerifiers {
    /// The state of `client`, if the config names it.
    pub fn client(&self, client: ClientId) -> Option<&VerifierInfo> {
        self.clients.iter().find(|c| c.client == client)
    }
}

/// An update of a destination's verifier, in its kind's encoding (`[STRAIT-VERIFIER.2]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierUpdate {
    /// The verifier.
    pub client: ClientId,
    /// Its kind.
    pub kind: VerifierKind,
    /// The source height the update makes the verifier vouch for.
    pub height: Height,
    /// The update, in the kind's encoding.
    pub body: Vec<u8>,
}

impl VerifierUpdate {
    /// An update of the BFT light client `client`: verify `block` from the verified
    /// `trusted_height`.
    pub fn bft(client: ClientId, trusted_height: Height, block: &LightBlock) -> Self {
        Self {
            client,
            kind: VerifierKind::BFT,
            height: block.header().height,
            body: strait_light_client::kind::encode_update(trusted_height, block),
        }
    }

    /// An update of the BLS-mode light client `client` (kind 5): verify `block` from the
    /// verified `trusted_height`.
    pub fn bft_bls(
        client: ClientId,
        trusted_height: Height,
        block: &strait_light_client::bls::BlsLightBlock,
    ) -> Self {
        Self {
            client,
            kind: VerifierKind::BFT_BLS,
            height: block.header.height,
            body: strait_light_client::bls::kind::encode_update(trusted_height, block),
        }
    }
}

/// One submission of a relayer: applied in this order, updates first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayWork {
    /// Verifier updates, in order; a failing one fails the submission.
    pub updates: Vec<VerifierUpdate>,
    /// Inbound routes whose contiguous counter to advance (`[STRAIT-RECV.11]`).
    pub advances: Vec<RouteId>,
    /// Delivery batches, each message reported on its own.
    pub batches: Vec<BatchDelivery>,
}

impl RelayWork {
    /// Whether there is nothing to submit.
    pub fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.advances.is_empty() && self.batches.is_empty()
    }
}

/// How one delivery of a relay ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Received; the application executed it.
    Executed,
    /// Received; the application failed.
    Failed,
    /// Received as timed out.
    TimedOut,
    /// Received before (by this or another relayer): nothing to do.
    AlreadyReceived,
    /// Refused for now; the same delivery may succeed later.
    Retry,
    /// Refused for now: advance the message's route, then deliver again.
    AdvanceRoute,
    /// Refused for good.
    Rejected,
}

impl DeliveryStatus {
    /// The status of a received message from its outcome.
    pub fn of_outcome(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Executed { .. } => Self::Executed,
            Outcome::Failed(_) => Self::Failed,
            Outcome::TimedOut => Self::TimedOut,
        }
    }

    /// The status of a refused delivery.
    pub fn of_rejection(error: &ReceiveError) -> Self {
        match error {
            ReceiveError::AlreadyReceived { .. } => Self::AlreadyReceived,
            ReceiveError::OrderingBacklog { .. } => Self::AdvanceRoute,
            e if e.is_transient() => Self::Retry,
            _ => Self::Rejected,
        }
    }

    /// Whether the destination recorded the message.
    pub fn is_received(self) -> bool {
        matches!(self, Self::Executed | Self::Failed | Self::TimedOut)
    }
}

/// One delivery's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The message.
    pub id: MessageId,
    /// How it ended.
    pub status: DeliveryStatus,
    /// Why, when it was refused.
    pub reason: Option<String>,
}

/// Why a whole relay submission failed (nothing but proven misbehaviour was applied).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelayFailure {
    /// A verifier update cannot be verified yet (from the future, or a skip without enough
    /// trust: verify an intermediate header first).
    #[error("update not verifiable yet: {0}")]
    UpdateNotYet(String),
    /// A verifier update is invalid, or its verifier unknown or frozen.
    #[error("update invalid: {0}")]
    UpdateInvalid(String),
    /// The submission was refused for another reason.
    #[error("rejected: {0}")]
    Rejected(String),
}

/// How a relay submission ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayReport {
    /// The submission's hash on the destination.
    pub hash: Hash32,
    /// The destination height that included it.
    pub height: Height,
    /// `Ok` when it applied (its deliveries are then reported one by one).
    pub applied: Result<(), RelayFailure>,
    /// One report per delivered message, in submission order.
    pub deliveries: Vec<DeliveryReport>,
    /// Whether the destination kept the relay's verifier updates, so that a later relay proves at
    /// their heights without them. `false` when a verifier checked them for this submission only
    /// (an EVM committee's `verifyAndCall`, `[STRAIT-AGENT.EVM-DEST]`): a later relay at those
    /// heights carries them again.
    pub updates_kept: bool,
}

/// Why a request to a chain failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The chain could not be reached or answered "later" (a transport error, a timeout, an
    /// overloaded node, a nonce race): the same request may succeed later.
    #[error("chain {chain} unavailable ({what}): {reason}")]
    Unavailable {
        /// The chain.
        chain: ChainId,
        /// The request.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The chain answered with data that does not check out (undecodable, inconsistent with
    /// itself or with what was asked). Not retried: a faulty or hostile node.
    #[error("chain {chain} sent bad data ({what}): {reason}")]
    BadData {
        /// The chain.
        chain: ChainId,
        /// The request.
        what: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The chain refused the request for good (not found, invalid request).
    #[error("chain {chain} refused {what}: {reason}")]
    Refused {
        /// The chain.
        chain: ChainId,
        /// The request.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

impl ChainError {
    /// Whether the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

#[cfg(test)]
mod tests {
    use strait_endpoint::AppError;
    use strait_primitives::Nonce;

    use super::*;

    #[test]
    fn statuses_follow_the_core_errors() {
        let route = RouteId([1; 32]);
        let backlog = ReceiveError::OrderingBacklog {
            route,
            got: Nonce(20_000),
            contiguous: Nonce(1),
            scanned_to: Nonce(16_385),
        };
        assert_eq!(
            DeliveryStatus::of_rejection(&backlog),
            DeliveryStatus::AdvanceRoute
        );
        let gap = ReceiveError::OutOfOrder {
            route,
            got: Nonce(3),
            missing: Nonce(2),
        };
        assert_eq!(DeliveryStatus::of_rejection(&gap), DeliveryStatus::Retry);
        // [STRAIT-ROUTE.4], [STRAIT-ROUTE.5] a route's missing verifiers or depth: the message waits.
        for waiting in [
            ReceiveError::NotEnoughOptional {
                got: 1,
                needed: 2,
                height: Height(4),
            },
            ReceiveError::NotFinal {
                height: Height(4),
                needed: Height(6),
                got: Height(5),
            },
        ] {
            assert_eq!(
                DeliveryStatus::of_rejection(&waiting),
                DeliveryStatus::Retry
            );
        }
        assert_eq!(
            DeliveryStatus::of_rejection(&ReceiveError::ClientFrozen(ClientId(1))),
            DeliveryStatus::Rejected
        );
        let failed = Outcome::Failed(AppError {
            code: 1,
            reason: "no".into(),
        });
        assert!(DeliveryStatus::of_outcome(&failed).is_received());
        assert!(!DeliveryStatus::AdvanceRoute.is_received());
        let unavailable = ChainError::Unavailable {
            chain: ChainId(1),
            what: "latest_height",
            reason: "timeout".into(),
        };
        assert!(unavailable.is_transient());
        assert!(RelayWork::default().is_empty());
    }
}
