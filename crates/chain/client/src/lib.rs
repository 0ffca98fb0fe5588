//! What agents ask of a chain (`README.md`): [`SourceChain`] and [`DestinationChain`], with the
//! data they exchange and one error type that says whether a retry can help; [`OutboxHistory`]
//! and [`AttestationSource`] for attester committees; [`DisputeChain`] for optimistic clients and
//! conflict evidence.

mod attestation;
mod dispute;
mod types;

use core::future::Future;
use std::sync::Arc;

pub use attestation::{Attestation, AttestationSource, BoxFuture, OutboxHistory, OutboxState};
pub use dispute::{Conflict, DisputeChain, PendingProposal, Proposal, SubmitReport};
use strait_light_client::bls::BlsLightBlock;
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, Height, MessageId};
pub use types::{
    ChainError, DeliveryReport, DeliveryStatus, MessagePayment, OutboxMessage, OutboxPage,
    RelayFailure, RelayReport, RelayWork, RouteVerifiers, VerifierInfo, VerifierKind,
    VerifierUpdate,
};

/// Most leaves one outbox page or one multiproof request covers.
pub const MAX_PAGE_ITEMS: usize = 4096;

/// How much one relay may carry on a destination chain: the relayer fills each relay up to these
/// bounds and never past them (the chain would reject the whole relay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelayLimits {
    /// Most encoded bytes of one relay transaction.
    pub max_relay_bytes: usize,
    /// Most verifier updates in one relay.
    pub max_updates: usize,
    /// Most route advances in one relay.
    pub max_advances: usize,
    /// Most delivery batches in one relay.
    pub max_batches: usize,
    /// Encoded bytes of one verifier update besides its body (the kind's encoding).
    pub update_overhead_bytes: usize,
    /// Encoded bytes of a relay's list of route advances besides the advances.
    pub advances_overhead_bytes: usize,
    /// Encoded bytes of one route advance.
    pub advance_bytes: usize,
}

/// A chain messages are relayed from.
pub trait SourceChain: Send + Sync + 'static {
    /// The chain's id.
    fn chain_id(&self) -> ChainId;

    /// The latest height whose header a destination's verifier may verify.
    fn latest_height(&self) -> impl Future<Output = Result<Height, ChainError>> + Send;

    /// Outbox messages for `destination` from leaf `from_leaf` on, at most `limit` (at most
    /// [`MAX_PAGE_ITEMS`]), each decoded and checked against its id by the implementation.
    fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> impl Future<Output = Result<OutboxPage, ChainError>> + Send;

    /// A multiproof of `leaves` (strictly increasing) against the outbox root committed at
    /// `height`; the implementation checks that it proves exactly those leaves.
    fn multiproof(
        &self,
        leaves: &[u64],
        height: Height,
    ) -> impl Future<Output = Result<MultiProof, ChainError>> + Send;

    /// The light block (header, commit, validator sets) at `height`: what a BFT light client of
    /// this chain verifies.
    fn light_block(
        &self,
        height: Height,
    ) -> impl Future<Output = Result<LightBlock, ChainError>> + Send;

    /// The BLS light block at `height` (SPEC `[STRAIT-LC-BLS.3]`): what a light client in BLS mode
    /// (kind 5) verifies. Its sets may be decoded without their proofs of possession (the
    /// destination's kind checks what it needs, `[STRAIT-LC-BLS.7]`). The default refuses: a chain
    /// whose validators do not sign headers with BLS has none.
    fn bls_light_block(
        &self,
        height: Height,
    ) -> impl Future<Output = Result<BlsLightBlock, ChainError>> + Send {
        let chain = self.chain_id();
        async move {
            Err(ChainError::Refused {
                chain,
                what: "bls_light_block",
                reason: format!("no BLS-signed header at height {height}"),
            })
        }
    }

    /// For each of `ids` (messages this chain sent, at most [`MAX_PAGE_ITEMS`]), what it paid for
    /// its delivery (`[STRAIT-FEE.9]`), in order. A relayer asks only when its fee policy needs
    /// it. The default answers [`MessagePayment::Unknown`] for every id: a chain without message
    /// fees needs nothing more.
    fn payments(
        &self,
        ids: &[MessageId],
    ) -> impl Future<Output = Result<Vec<MessagePayment>, ChainError>> + Send {
        let unknown = vec![MessagePayment::Unknown; ids.len()];
        async move { Ok(unknown) }
    }
}

/// A chain messages are relayed to.
pub trait DestinationChain: Send + Sync + 'static {
    /// The chain's id.
    fn chain_id(&self) -> ChainId;

    /// Its latest committed height (the relayer's clock for backoffs).
    fn latest_height(&self) -> impl Future<Output = Result<Height, ChainError>> + Send;

    /// For each id, whether the chain has received it (executed, failed or timed out).
    fn received(
        &self,
        ids: &[MessageId],
    ) -> impl Future<Output = Result<Vec<bool>, ChainError>> + Send;

    /// For each message the caller holds (`ids[i]` is `packets[i].id()`, at most
    /// [`MAX_PAGE_ITEMS`]), whether the chain has received it, in order. The default asks
    /// [`DestinationChain::received`] with the ids; a chain that records receipts by route and
    /// nonce (the EVM endpoint's replay bitmap, `isReceived(route, nonce)`) answers from the
    /// packets instead.
    fn received_packets(
        &self,
        ids: &[MessageId],
        packets: &[Arc<Packet>],
    ) -> impl Future<Output = Result<Vec<bool>, ChainError>> + Send {
        let _ = packets;
        self.received(ids)
    }

    /// The verifier this chain uses by default for messages from `source`.
    fn verifier_of(
        &self,
        source: ChainId,
    ) -> impl Future<Output = Result<VerifierInfo, ChainError>> + Send;

    /// The security config this chain applies to messages from `source` to `receiver`, with its
    /// clients' state (`[STRAIT-ROUTE.6]`). By default the chain cannot say (`Refused`): a relayer
    /// then relays only under default configs.
    fn route_verifiers(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> impl Future<Output = Result<RouteVerifiers, ChainError>> + Send {
        let chain = self.chain_id();
        let _ = (receiver, source);
        async move {
            Err(ChainError::Refused {
                chain,
                what: "route_verifiers",
                reason: "this chain does not report route security configs".into(),
            })
        }
    }

    /// Looks after the transactions this adapter sent, when it has nothing else to do (a
    /// relayer's idle round): an EVM chain's adapter sends again those a reorganisation dropped
    /// (`[STRAIT-AGENT.EVM-TX]`), so that a delivery included and then reorganised away lands
    /// again. By default nothing.
    fn tend(&self) -> impl Future<Output = Result<(), ChainError>> + Send {
        async { Ok(()) }
    }

    /// The bounds of one relay on this chain (constant for a chain).
    fn relay_limits(&self) -> RelayLimits;

    /// Submits `work` (signed and paid for as the implementation's chain requires) and waits until
    /// it is included; reports how it ended.
    fn relay(
        &self,
        work: RelayWork,
    ) -> impl Future<Output = Result<RelayReport, ChainError>> + Send;
}
