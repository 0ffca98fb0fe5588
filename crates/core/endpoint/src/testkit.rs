//! An in-memory host for tests and examples.
//!
//! [`InMemoryHost`] implements the context traits over `BTreeMap`s. Its "clients" are a test double:
//! [`InMemoryHost::record_verified_root`] trusts whatever root the test records, standing in for a
//! light client (which `strait-light-client` tests on its own). Applications are closures.

use std::collections::{BTreeMap, BTreeSet};

use strait_merkle::{LeafIndex, MerkleError, MerkleTree};
use strait_packet::Packet;
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, RouteId, Timestamp,
};

use crate::{
    AppError, AwaitedOutcome, EndpointEvent, EndpointReader, EndpointWriter, FailedMessage,
    Outcome, Receipt, SecurityConfig,
};

/// A receiving application: takes a packet, returns an acknowledgement or an error.
pub type AppFn = Box<dyn FnMut(&Packet) -> Result<Vec<u8>, AppError>>;

/// What a test double client knows: the chain it follows, whether it is frozen, its roots (its
/// latest height is the highest of them).
#[derive(Clone, Debug, Default)]
pub struct TrustedRoots {
    /// Chain followed.
    pub chain: ChainId,
    /// Frozen for misbehaviour.
    pub frozen: bool,
    /// Outbox roots by source height.
    pub roots: BTreeMap<Height, Hash32>,
}

/// An endpoint host kept in memory.
#[derive(Default)]
pub struct InMemoryHost {
    /// This chain.
    pub chain_id: ChainId,
    /// Current block height.
    pub height: Height,
    /// Current block time.
    pub timestamp: Timestamp,
    /// Chains messages may be sent to.
    pub known_chains: BTreeSet<ChainId>,
    /// Last outbound nonce per route.
    pub outbound_nonces: BTreeMap<RouteId, Nonce>,
    /// The outbox, kept whole so that tests can build proofs.
    pub outbox: MerkleTree,
    /// Default security config per source chain.
    pub default_configs: BTreeMap<ChainId, SecurityConfig>,
    /// Per-application security configs, by (receiver, source chain).
    pub app_configs: BTreeMap<(Address32, ChainId), SecurityConfig>,
    /// Test double clients.
    pub clients: BTreeMap<ClientId, TrustedRoots>,
    /// Received-nonce bitmap words.
    pub received: BTreeMap<(RouteId, u64), [u8; 32]>,
    /// Contiguous-received counters.
    pub contiguous: BTreeMap<RouteId, Nonce>,
    /// Applications by address.
    pub apps: BTreeMap<Address32, AppFn>,
    /// Receipts by message id.
    pub receipts: BTreeMap<MessageId, Receipt>,
    /// Every event emitted, in order.
    pub events: Vec<EndpointEvent>,
    /// Sent messages awaiting their outcome.
    pub awaited: BTreeMap<MessageId, AwaitedOutcome>,
    /// Outcomes handed to applications, in order: `(app, message id, outcome)`.
    pub settled: Vec<(Address32, MessageId, Outcome)>,
    /// Applications whose outcome callback fails.
    pub failing_callbacks: BTreeSet<Address32>,
    /// Messages whose outcome callback fails, whatever their sender.
    pub failing_outcomes: BTreeSet<MessageId>,
    /// Received messages whose execution failed, not yet final.
    pub failed: BTreeMap<MessageId, FailedMessage>,
    /// Paused scopes.
    pub paused: BTreeSet<crate::PauseScope>,
    /// Topics of messages, by payload: what the receiving application names them.
    pub topics: BTreeMap<Vec<u8>, Hash32>,
    /// The account credited with executions (`[STRAIT-FEE.6]`).
    pub deliverer: Address32,
    /// The gas every application call reports using (`[STRAIT-FEE.6]`).
    pub gas_per_call: u64,
    /// Fees settled, in order: `(message id, deliverer, gas used)` (`[STRAIT-FEE.8]`).
    pub fees_settled: Vec<(MessageId, Address32, u64)>,
}

impl InMemoryHost {
    /// An empty host for `chain_id` at height 1, time 1.
    pub fn new(chain_id: ChainId) -> Self {
        Self {
            chain_id,
            height: Height(1),
            timestamp: Timestamp(1),
            ..Default::default()
        }
    }

    /// Lets messages flow between this host and `remote`, verified by `client` (trusting roots
    /// recorded with [`Self::record_verified_root`]).
    pub fn connect(&mut self, remote: ChainId, client: ClientId) {
        self.known_chains.insert(remote);
        self.default_configs
            .insert(remote, SecurityConfig::single(client));
        self.clients.entry(client).or_insert_with(|| TrustedRoots {
            chain: remote,
            ..Default::default()
        });
    }

    /// Records `root` as verified by `client` at `height`.
    pub fn record_verified_root(&mut self, client: ClientId, height: Height, root: Hash32) {
        self.clients
            .entry(client)
            .or_default()
            .roots
            .insert(height, root);
    }

    /// Installs an application at `address`.
    pub fn install_app(&mut self, address: Address32, app: AppFn) {
        self.apps.insert(address, app);
    }
}

impl EndpointReader for InMemoryHost {
    fn deliverer(&self) -> Address32 {
        self.deliverer
    }
    fn app_gas_used(&self) -> u64 {
        self.gas_per_call
    }
    fn awaited_outcome(&self, id: &MessageId) -> Option<AwaitedOutcome> {
        self.awaited.get(id).copied()
    }
    fn failed_message(&self, id: &MessageId) -> Option<FailedMessage> {
        self.failed.get(id).cloned()
    }
    fn paused(&self, scope: &crate::PauseScope) -> bool {
        self.paused.contains(scope)
    }
    fn message_topic(&self, packet: &Packet) -> Option<Hash32> {
        self.topics.get(&packet.payload).copied()
    }
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }
    fn host_height(&self) -> Height {
        self.height
    }
    fn host_timestamp(&self) -> Timestamp {
        self.timestamp
    }
    fn is_known_chain(&self, chain: ChainId) -> bool {
        self.known_chains.contains(&chain)
    }
    fn last_outbound_nonce(&self, route: &RouteId) -> Nonce {
        self.outbound_nonces.get(route).copied().unwrap_or_default()
    }
    fn outbox_count(&self) -> u64 {
        self.outbox.count()
    }
    fn outbox_root(&self) -> Hash32 {
        self.outbox.root()
    }
    fn security_config(&self, receiver: &Address32, source: ChainId) -> Option<SecurityConfig> {
        self.app_configs
            .get(&(*receiver, source))
            .or_else(|| self.default_configs.get(&source))
            .cloned()
    }
    fn client_chain(&self, client: ClientId) -> Option<ChainId> {
        self.clients.get(&client).map(|c| c.chain)
    }
    fn client_frozen(&self, client: ClientId) -> bool {
        self.clients.get(&client).is_some_and(|c| c.frozen)
    }
    fn client_latest_height(&self, client: ClientId) -> Option<Height> {
        let roots = &self.clients.get(&client)?.roots;
        Some(roots.keys().next_back().copied().unwrap_or_default())
    }
    fn verified_root(&self, client: ClientId, height: Height) -> Option<Hash32> {
        self.clients.get(&client)?.roots.get(&height).copied()
    }
    fn received_word(&self, route: &RouteId, word_index: u64) -> [u8; 32] {
        self.received
            .get(&(*route, word_index))
            .copied()
            .unwrap_or_default()
    }
    fn inbound_contiguous(&self, route: &RouteId) -> Nonce {
        self.contiguous.get(route).copied().unwrap_or_default()
    }
}

impl EndpointWriter for InMemoryHost {
    fn set_failed_message(&mut self, id: &MessageId, failed: Option<FailedMessage>) {
        match failed {
            Some(f) => self.failed.insert(*id, f),
            None => self.failed.remove(id),
        };
    }
    fn set_awaited_outcome(&mut self, id: &MessageId, awaited: Option<AwaitedOutcome>) {
        match awaited {
            Some(a) => self.awaited.insert(*id, a),
            None => self.awaited.remove(id),
        };
    }
    fn call_app_outcome(
        &mut self,
        app: &Address32,
        id: &MessageId,
        outcome: &Outcome,
    ) -> Result<(), AppError> {
        if self.failing_callbacks.contains(app) || self.failing_outcomes.contains(id) {
            return Err(AppError {
                code: 7,
                reason: "callback refused".into(),
            });
        }
        self.settled.push((*app, *id, outcome.clone()));
        Ok(())
    }
    fn set_last_outbound_nonce(&mut self, route: &RouteId, nonce: Nonce) {
        self.outbound_nonces.insert(*route, nonce);
    }
    fn append_outbox(&mut self, id: &MessageId) -> Result<LeafIndex, MerkleError> {
        self.outbox.append(id)
    }
    fn set_received_word(&mut self, route: &RouteId, word_index: u64, word: [u8; 32]) {
        self.received.insert((*route, word_index), word);
    }
    fn set_inbound_contiguous(&mut self, route: &RouteId, nonce: Nonce) {
        self.contiguous.insert(*route, nonce);
    }
    fn call_app(&mut self, packet: &Packet, _id: &MessageId) -> Result<Vec<u8>, AppError> {
        match self.apps.get_mut(&packet.receiver) {
            Some(app) => app(packet),
            None => Err(AppError {
                code: 404,
                reason: "no application at the receiver address".into(),
            }),
        }
    }
    fn record_receipt(&mut self, receipt: Receipt) {
        self.receipts.insert(receipt.id, receipt);
    }
    fn settle_fee(&mut self, id: &MessageId, deliverer: &Address32, gas_used: u64) {
        self.fees_settled.push((*id, *deliverer, gas_used));
    }
    fn emit(&mut self, event: EndpointEvent) {
        self.events.push(event);
    }
}
