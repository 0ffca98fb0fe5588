//! The chains of a heterogeneous devnet as one type, so that one generic relayer
//! (`strait_relayer::relay_proposing`) relays every ordered pair: [`AnyChain`] is a native devnet
//! chain or another kind (an EVM chain), and [`Duplex`] makes one chain of a source adapter and a
//! destination adapter. An EVM chain has no optimistic clients of its own here: its
//! [`DisputeChain`] side refuses, and the devnet never proposes to it. A watcher reads and
//! submits evidence through the destination adapter ([`VerifierReader`], [`EvidenceSink`]).

use core::future::Future;
use std::sync::Arc;

use strait_chain_client::VerifierKind;
use strait_chain_client::{
    ChainError, Conflict, DestinationChain, DisputeChain, MessagePayment, OutboxHistory,
    OutboxPage, OutboxState, PendingProposal, Proposal, RelayLimits, RelayReport, RelayWork,
    RouteVerifiers, SourceChain, SubmitReport, VerifierInfo,
};
use strait_devnet_client::DevnetChain;
use strait_light_client::bls::BlsLightBlock;
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, MessageId};
use strait_watcher::{EvidenceSink, Submitted, VerifierReader, Vouched};

/// One chain of two adapters: `S` reads it as a source (and its outbox history, for attesters),
/// `D` writes to it as a destination.
#[derive(Clone, Debug)]
pub(crate) struct Duplex<S, D> {
    pub(crate) source: S,
    pub(crate) destination: D,
}

/// A native devnet chain, or a chain of another kind `E`.
#[derive(Clone, Debug)]
pub(crate) enum AnyChain<E> {
    Native(DevnetChain),
    Other(E),
}

/// Forwards a call to the variant's adapter.
macro_rules! each {
    ($self:ident, $c:ident => $call:expr) => {
        match $self {
            AnyChain::Native($c) => $call,
            AnyChain::Other($c) => $call,
        }
    };
}

impl<S, D> SourceChain for Duplex<S, D>
where
    S: SourceChain,
    D: Send + Sync + 'static,
{
    fn chain_id(&self) -> ChainId {
        self.source.chain_id()
    }
    fn latest_height(&self) -> impl Future<Output = Result<Height, ChainError>> + Send {
        self.source.latest_height()
    }
    fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> impl Future<Output = Result<OutboxPage, ChainError>> + Send {
        self.source.outbox_page(destination, from_leaf, limit)
    }
    fn multiproof(
        &self,
        leaves: &[u64],
        height: Height,
    ) -> impl Future<Output = Result<MultiProof, ChainError>> + Send {
        self.source.multiproof(leaves, height)
    }
    fn light_block(
        &self,
        height: Height,
    ) -> impl Future<Output = Result<LightBlock, ChainError>> + Send {
        self.source.light_block(height)
    }
    fn bls_light_block(
        &self,
        height: Height,
    ) -> impl Future<Output = Result<BlsLightBlock, ChainError>> + Send {
        self.source.bls_light_block(height)
    }
    fn payments(
        &self,
        ids: &[MessageId],
    ) -> impl Future<Output = Result<Vec<MessagePayment>, ChainError>> + Send {
        self.source.payments(ids)
    }
}

impl<S, D> OutboxHistory for Duplex<S, D>
where
    S: OutboxHistory,
    D: Send + Sync + 'static,
{
    fn chain_id(&self) -> ChainId {
        OutboxHistory::chain_id(&self.source)
    }
    fn latest_height(&self) -> impl Future<Output = Result<Height, ChainError>> + Send {
        OutboxHistory::latest_height(&self.source)
    }
    fn outbox_at(
        &self,
        height: Height,
    ) -> impl Future<Output = Result<OutboxState, ChainError>> + Send {
        self.source.outbox_at(height)
    }
}

impl<S, D> DestinationChain for Duplex<S, D>
where
    S: Send + Sync + 'static,
    D: DestinationChain,
{
    fn chain_id(&self) -> ChainId {
        self.destination.chain_id()
    }
    fn latest_height(&self) -> impl Future<Output = Result<Height, ChainError>> + Send {
        self.destination.latest_height()
    }
    fn tend(&self) -> impl Future<Output = Result<(), ChainError>> + Send {
        self.destination.tend()
    }
    fn received(
        &self,
        ids: &[MessageId],
    ) -> impl Future<Output = Result<Vec<bool>, ChainError>> + Send {
        self.destination.received(ids)
    }
    fn received_packets(
        &self,
        ids: &[MessageId],
        packets: &[Arc<Packet>],
    ) -> impl Future<Output = Result<Vec<bool>, ChainError>> + Send {
        self.destination.received_packets(ids, packets)
    }
    fn verifier_of(
        &self,
        source: ChainId,
    ) -> impl Future<Output = Result<VerifierInfo, ChainError>> + Send {
        self.destination.verifier_of(source)
    }
    fn route_verifiers(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> impl Future<Output = Result<RouteVerifiers, ChainError>> + Send {
        self.destination.route_verifiers(receiver, source)
    }
    fn relay_limits(&self) -> RelayLimits {
        self.destination.relay_limits()
    }
    fn relay(
        &self,
        work: RelayWork,
    ) -> impl Future<Output = Result<RelayReport, ChainError>> + Send {
        self.destination.relay(work)
    }
}

impl<E> SourceChain for AnyChain<E>
where
    E: SourceChain,
{
    fn chain_id(&self) -> ChainId {
        each!(self, c => SourceChain::chain_id(c))
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        each!(self, c => SourceChain::latest_height(c).await)
    }
    async fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        each!(self, c => c.outbox_page(destination, from_leaf, limit).await)
    }
    async fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        each!(self, c => c.multiproof(leaves, height).await)
    }
    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        each!(self, c => c.light_block(height).await)
    }
    async fn bls_light_block(&self, height: Height) -> Result<BlsLightBlock, ChainError> {
        each!(self, c => c.bls_light_block(height).await)
    }
    async fn payments(&self, ids: &[MessageId]) -> Result<Vec<MessagePayment>, ChainError> {
        each!(self, c => c.payments(ids).await)
    }
}

impl<E> OutboxHistory for AnyChain<E>
where
    E: OutboxHistory,
{
    fn chain_id(&self) -> ChainId {
        each!(self, c => OutboxHistory::chain_id(c))
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        each!(self, c => OutboxHistory::latest_height(c).await)
    }
    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        each!(self, c => c.outbox_at(height).await)
    }
}

impl<E> DestinationChain for AnyChain<E>
where
    E: DestinationChain,
{
    fn chain_id(&self) -> ChainId {
        each!(self, c => DestinationChain::chain_id(c))
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        each!(self, c => DestinationChain::latest_height(c).await)
    }
    async fn tend(&self) -> Result<(), ChainError> {
        each!(self, c => c.tend().await)
    }
    async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, ChainError> {
        each!(self, c => c.received(ids).await)
    }
    async fn received_packets(
        &self,
        ids: &[MessageId],
        packets: &[Arc<Packet>],
    ) -> Result<Vec<bool>, ChainError> {
        each!(self, c => c.received_packets(ids, packets).await)
    }
    async fn verifier_of(&self, source: ChainId) -> Result<VerifierInfo, ChainError> {
        each!(self, c => c.verifier_of(source).await)
    }
    async fn route_verifiers(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> Result<RouteVerifiers, ChainError> {
        each!(self, c => c.route_verifiers(receiver, source).await)
    }
    fn relay_limits(&self) -> RelayLimits {
        each!(self, c => c.relay_limits())
    }
    async fn relay(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        each!(self, c => c.relay(work).await)
    }
}

/// What an EVM chain answers to a dispute request: it has no optimistic clients here.
fn no_disputes(chain: ChainId, what: &'static str) -> ChainError {
    ChainError::Refused {
        chain,
        what,
        reason: "no optimistic clients on this chain in the devnet".into(),
    }
}

impl<E> DisputeChain for AnyChain<E>
where
    E: SourceChain,
{
    fn chain_id(&self) -> ChainId {
        SourceChain::chain_id(self)
    }
    async fn propose_root(
        &self,
        client: ClientId,
        proposal: Proposal,
    ) -> Result<SubmitReport, ChainError> {
        match self {
            Self::Native(c) => c.propose_root(client, proposal).await,
            Self::Other(c) => Err(no_disputes(SourceChain::chain_id(c), "propose_root")),
        }
    }
    async fn submit_conflict(&self, conflict: Conflict) -> Result<SubmitReport, ChainError> {
        match self {
            Self::Native(c) => DisputeChain::submit_conflict(c, conflict).await,
            Self::Other(c) => Err(no_disputes(SourceChain::chain_id(c), "submit_conflict")),
        }
    }
    async fn watcher_pause(&self, client: ClientId) -> Result<SubmitReport, ChainError> {
        match self {
            Self::Native(c) => c.watcher_pause(client).await,
            Self::Other(c) => Err(no_disputes(SourceChain::chain_id(c), "watcher_pause")),
        }
    }
    async fn pending_proposals(
        &self,
        client: ClientId,
    ) -> Result<Vec<PendingProposal>, ChainError> {
        match self {
            Self::Native(c) => c.pending_proposals(client).await,
            Self::Other(c) => Err(no_disputes(SourceChain::chain_id(c), "pending_proposals")),
        }
    }
    async fn client_root(
        &self,
        client: ClientId,
        height: Height,
    ) -> Result<Option<Hash32>, ChainError> {
        match self {
            Self::Native(c) => c.client_root(client, height).await,
            Self::Other(c) => Err(no_disputes(SourceChain::chain_id(c), "client_root")),
        }
    }
}

impl<S, D> VerifierReader for Duplex<S, D>
where
    S: Send + Sync + 'static,
    D: VerifierReader,
{
    fn chain_id(&self) -> ChainId {
        VerifierReader::chain_id(&self.destination)
    }
    fn clients(
        &self,
        from: ClientId,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<VerifierInfo>, ChainError>> + Send {
        self.destination.clients(from, limit)
    }
    fn vouched(
        &self,
        client: ClientId,
        from: Height,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Vouched>, ChainError>> + Send {
        self.destination.vouched(client, from, limit)
    }
}

impl<S, D> EvidenceSink for Duplex<S, D>
where
    S: Send + Sync + 'static,
    D: EvidenceSink,
{
    fn chain_id(&self) -> ChainId {
        EvidenceSink::chain_id(&self.destination)
    }
    fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> impl Future<Output = Result<Submitted, ChainError>> + Send {
        self.destination.submit_misbehaviour(client, kind, evidence)
    }
    fn submit_conflict(
        &self,
        accused: ClientId,
        reference: ClientId,
        height: Height,
    ) -> impl Future<Output = Result<Submitted, ChainError>> + Send {
        EvidenceSink::submit_conflict(&self.destination, accused, reference, height)
    }
}

impl<E> VerifierReader for AnyChain<E>
where
    E: VerifierReader,
{
    fn chain_id(&self) -> ChainId {
        each!(self, c => VerifierReader::chain_id(c))
    }
    async fn clients(&self, from: ClientId, limit: usize) -> Result<Vec<VerifierInfo>, ChainError> {
        each!(self, c => c.clients(from, limit).await)
    }
    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        limit: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        each!(self, c => c.vouched(client, from, limit).await)
    }
}

impl<E> EvidenceSink for AnyChain<E>
where
    E: EvidenceSink,
{
    fn chain_id(&self) -> ChainId {
        each!(self, c => EvidenceSink::chain_id(c))
    }
    async fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        each!(self, c => c.submit_misbehaviour(client, kind, evidence).await)
    }
    async fn submit_conflict(
        &self,
        accused: ClientId,
        reference: ClientId,
        height: Height,
    ) -> Result<Submitted, ChainError> {
        each!(self, c => EvidenceSink::submit_conflict(c, accused, reference, height).await)
    }
}
