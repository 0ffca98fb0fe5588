//! The seam between the pure endpoint and its host (`[STRAIT-HOST.1]`).

use serde::{Deserialize, Serialize};
use strait_merkle::{LeafIndex, MerkleError};
use strait_packet::Packet;
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, RouteId, Timestamp,
};

use crate::event::{EndpointEvent, Outcome, Receipt};
use crate::retry::FailedMessage;
use crate::security::SecurityConfig;
use crate::settle::AwaitedOutcome;

/// Largest acknowledgement an application may return, in bytes. A larger one fails the message.
pub const MAX_ACK_LEN: usize = 4096;

/// Why an application refused or failed a message. The host reverts the application's writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("application error {code}: {reason}")]
pub struct AppError {
    /// Application-defined code.
    pub code: u32,
    /// Human-readable reason, bounded by the host.
    pub reason: String,
}

/// What the endpoint reads from its host. Implementations must be deterministic.
///
/// # Examples
///
/// ```
/// use strait_endpoint::{testkit::InMemoryHost, EndpointReader};
/// use strait_primitives::ChainId;
///
/// let host = InMemoryHost::new(ChainId(1));
/// assert_eq!(host.chain_id(), ChainId(1));
/// assert_eq!(host.outbox_count(), 0);
/// ```
pub trait EndpointReader {
    /// This chain's id.
    fn chain_id(&self) -> ChainId;
    /// Height of the block being executed.
    fn host_height(&self) -> Height;
    /// Time of the block being executed.
    fn host_timestamp(&self) -> Timestamp;
    /// Whether messages may be sent to `chain` (it is a configured remote chain).
    fn is_known_chain(&self, chain: ChainId) -> bool;

    /// The last nonce assigned on an outbound route; `Nonce(0)` for a route never used.
    fn last_outbound_nonce(&self, route: &RouteId) -> Nonce;
    /// Number of message ids in the outbox.
    fn outbox_count(&self) -> u64;
    /// Current root of the outbox.
    fn outbox_root(&self) -> Hash32;

    /// The security config `receiver` chose for messages from `source`, or the host default;
    /// `None` when nothing can verify that chain (the route is unknown) (`[STRAIT-ROUTE.6]`).
    fn security_config(&self, receiver: &Address32, source: ChainId) -> Option<SecurityConfig>;
    /// The chain a client follows, or `None` for an unknown client.
    fn client_chain(&self, client: ClientId) -> Option<ChainId>;
    /// Whether the client has been frozen for misbehaviour; a frozen client vouches for nothing.
    fn client_frozen(&self, client: ClientId) -> bool;
    /// The highest source height the client verified, `None` for an unknown client
    /// (`[STRAIT-ROUTE.5]`).
    fn client_latest_height(&self, client: ClientId) -> Option<Height>;
    /// The source outbox root the client verified at `height`, if it verified a header there.
    fn verified_root(&self, client: ClientId, height: Height) -> Option<Hash32>;

    /// Word `word_index` of the received-nonce bitmap of an inbound route (all zero if unset).
    fn received_word(&self, route: &RouteId, word_index: u64) -> [u8; 32];
    /// Highest `n` such that nonces `1..=n` of the inbound route have all been received.
    fn inbound_contiguous(&self, route: &RouteId) -> Nonce;

    /// The record of a sent message awaiting its outcome (`[STRAIT-SETTLE.2]`), if it does.
    fn awaited_outcome(&self, id: &MessageId) -> Option<AwaitedOutcome>;
    /// The record of a received message whose execution failed and is not final yet
    /// (`[STRAIT-RETRY.1]`).
    fn failed_message(&self, id: &MessageId) -> Option<FailedMessage>;
    /// Whether `scope` is paused by the circuit breaker (`[STRAIT-PAUSE.1]`).
    fn paused(&self, scope: &crate::pause::PauseScope) -> bool;
    /// The topic the receiving application gives `packet`, for its pauses
    /// ([`crate::PauseScope::App`], `[STRAIT-PAUSE.4]`); by default none.
    fn message_topic(&self, packet: &Packet) -> Option<Hash32> {
        let _ = packet;
        None
    }
    /// The account credited with the execution under way (`[STRAIT-FEE.6]`): the signer of the
    /// host transaction that delivers, retries or finalizes the message. The outcome message
    /// names it, and the source pays it from the message's locked fee.
    fn deliverer(&self) -> Address32;
    /// Gas the last [`EndpointWriter::call_app`] of this execution used, as the host metered it
    /// (`[STRAIT-FEE.6]`): deterministic, a function of the application's work only.
    fn app_gas_used(&self) -> u64;
}

/// What the endpoint writes to its host.
pub trait EndpointWriter: EndpointReader {
    /// Records the last nonce assigned on an outbound route.
    fn set_last_outbound_nonce(&mut self, route: &RouteId, nonce: Nonce);
    /// Appends a message id to the outbox.
    fn append_outbox(&mut self, id: &MessageId) -> Result<LeafIndex, MerkleError>;
    /// Stores a word of the received-nonce bitmap.
    fn set_received_word(&mut self, route: &RouteId, word_index: u64, word: [u8; 32]);
    /// Stores the contiguous-received counter of an inbound route.
    fn set_inbound_contiguous(&mut self, route: &RouteId, nonce: Nonce);
    /// Calls the receiving application. On `Err` the host must revert the application's writes.
    fn call_app(&mut self, packet: &Packet, id: &MessageId) -> Result<Vec<u8>, AppError>;
    /// Records how a received message ended.
    fn record_receipt(&mut self, receipt: Receipt);
    /// Sets or deletes the record of a failed, not yet final, received message.
    fn set_failed_message(&mut self, id: &MessageId, failed: Option<FailedMessage>);
    /// Sets or deletes the record of a sent message awaiting its outcome.
    fn set_awaited_outcome(&mut self, id: &MessageId, awaited: Option<AwaitedOutcome>);
    /// Hands the proven outcome of message `id` to the application `app` that sent it
    /// (`[STRAIT-SETTLE.4]`). On `Err` the host must revert the application's writes.
    fn call_app_outcome(
        &mut self,
        app: &Address32,
        id: &MessageId,
        outcome: &Outcome,
    ) -> Result<(), AppError>;
    /// Pays out the fee locked for the sent message `id` (`[STRAIT-FEE.8]`), now that its outcome
    /// settled: the destination's `deliverer` for `gas_used`, the relayer that proved the outcome
    /// (the host's own [`EndpointReader::deliverer`]) its ack fee, the rest back to the payer.
    /// Called once per settled message, after the sender's callback succeeded; a message sent
    /// unpaid has nothing locked and the host does nothing.
    fn settle_fee(&mut self, id: &MessageId, deliverer: &Address32, gas_used: u64);
    /// Emits an event for off-chain agents.
    fn emit(&mut self, event: EndpointEvent);
}
