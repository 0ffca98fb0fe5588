//! An EVM chain as a [`DestinationChain`]: the Solidity endpoint (`contracts/src/StraitEndpoint.sol`)
//! and its verifier contracts, through the [`TxManager`] (SPEC `[STRAIT-AGENT.EVM-DEST]`).
//!
//! * **Received.** The endpoint keeps a replay bitmap by route and nonce, not by id:
//!   [`DestinationChain::received_packets`] asks `isReceived(route, nonce)` for each packet (one
//!   `eth_call` each, a few at a time); an outcome message, which no bitmap marks (it is received
//!   while it has something to settle, ADR 0033), by its `Received` log at that block or before. [`DestinationChain::received`], given ids only, looks for
//!   the `Received` events of those ids in the endpoint's logs from
//!   [`EvmDestination::with_logs_from`] on: on a long chain, give the endpoint's deployment block
//!   (and a node that serves logs over that range).
//! * **Queues.** Given the token application ([`EvmDestination::with_token_app`]), the adapter
//!   releases its rate-limit queues that would move, in its idle rounds (SPEC
//!   `[STRAIT-AGENT.EVM-QUEUE]`, `queues`).
//! * **Verifiers.** A verifier is a contract; its client id is the last eight bytes of its
//!   address ([`client_id_of`]); the committee kinds are recognised by their code, others are
//!   registered with [`EvmDestination::with_verifier`]. A relay's update names its client by id:
//!   a verifier this destination reported or was given, or the endpoint's default verifier of
//!   the source a committee checkpoint names.
//! * **Verified delivery.** A relay of one committee checkpoint update and one batch proven at its
//!   height (a committee client's usual relay) is one transaction through the transaction
//!   manager: the verifier's `verifyAndCall(body, endpoint, receiveBatch(..))`, which checks the
//!   certificate as `update` does, keeps the root for that transaction only and calls the
//!   endpoint (ADR 0027). The report says the update was not kept (`updates_kept: false`), so a
//!   relayer carries the certificate again for more messages at that height. A certificate that
//!   conflicts with a stored checkpoint freezes the client and delivers nothing: the relay fails
//!   as below. If its dry run reverts, the relay goes in parts, whose own dry runs tell which part
//!   was refused.
//! * **Relay in parts.** Otherwise each part is a transaction of its own, in order, through the
//!   transaction manager (so each is dry-run first): every verifier update as `update(body)` (the
//!   update bodies of the committee kinds and of the native chain's light client, kind 5, are
//!   the Rust kinds' bytes; a light client's update is kept, so the next relay walks on from it,
//!   compact when the client can take it; it is never checked for one transaction only, as a
//!   committee's is: a header kept leaves the `HeaderVerified` a watcher reads, a transient one
//!   nothing), every route advance as `advanceInbound(route)`,
//!   every batch as `receiveBatch(packets, multiproof, height)`. An update the dry run refuses
//!   fails the relay (`UpdateInvalid` with the decoded error) and nothing after it is sent; an
//!   update that proves misbehaviour freezes the client and fails the relay. A batch the dry run
//!   refuses as a whole (a tampered packet or proof: `RootMismatch`) reports each of its messages
//!   with that error and costs nothing. A delivered batch's messages are reported from its
//!   receipt's `Received` (by outcome) and `Skipped` (by error name) events. The report's hash
//!   and height are those of the last transaction (zero hash and the latest height if none was
//!   sent).

mod kinds;
mod queues;
mod relay;
mod report;
mod watch;

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
pub use kinds::{client_id_of, is_updated, kind_of_code};
pub use queues::{
    BUCKETS_PER_ROUND, MAX_BUCKETS_KEPT, QUEUE_LOG_RANGE, RELEASES_PER_ROUND, RELEASE_INTERVAL,
    RELEASE_MAX,
};
pub use report::status_of_error;
use strait_chain_client::{
    ChainError, DestinationChain, RelayLimits, RelayReport, RelayWork, RouteVerifiers,
    VerifierInfo, VerifierKind, VerifierUpdate,
};
use strait_endpoint::SecurityConfig;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, ClientId, Height, MessageId};

use crate::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use crate::abi::endpoint::StraitEndpoint;
use crate::txm::{TxError, TxManager};

/// The bounds of one relay on an EVM chain. Each part is its own transaction; the byte bound
/// keeps the deliveries of one relay to at most ~290 messages (a packet takes at least 110 bytes
/// and 64 of ABI framing), whose endpoint work (~25,000 to 30,000 gas a message) is under 9M gas,
/// well inside a 30M-gas block; the applications' own gas comes on top and is estimated per
/// transaction (a batch that cannot fit fails its estimate, sending nothing).
pub const EVM_RELAY_LIMITS: RelayLimits = RelayLimits {
    max_relay_bytes: 32 * 1024,
    max_updates: 4,
    max_advances: 16,
    max_batches: 4,
    // selector, offset, length, padding of `update(bytes)`
    update_overhead_bytes: 4 + 32 + 32 + 31,
    advances_overhead_bytes: 0,
    // `advanceInbound(bytes32)`
    advance_bytes: 4 + 32,
};

/// How many `isReceived` calls are in flight at once.
const RECEIVED_CONCURRENCY: usize = 16;
/// How many ids one `eth_getLogs` request filters on.
const LOG_IDS_PER_REQUEST: usize = 128;

/// The verifiers a destination has reported, by client id, and their kinds.
#[derive(Debug, Default)]
struct Known {
    clients: BTreeMap<ClientId, Address>,
    kinds: BTreeMap<Address, VerifierKind>,
}

/// An EVM chain's endpoint as a destination chain.
#[derive(Clone, Debug)]
pub struct EvmDestination {
    chain: ChainId,
    endpoint: Address,
    txm: Arc<TxManager>,
    known: Arc<Mutex<Known>>,
    /// What each verifier contract's logs said so far (a watcher's reads, `watch`).
    scans: Arc<Mutex<BTreeMap<Address, watch::LogScan>>>,
    logs_from_block: u64,
    /// The depth under the head at which `received_packets` reads (0: the head).
    confirmations: u64,
    /// The token application whose queues this adapter releases when idle, and what it knows of
    /// them ([`EvmDestination::with_token_app`]).
    queues: Arc<Mutex<Option<queues::QueueWatch>>>,
}

impl EvmDestination {
    /// The endpoint at `endpoint`, relayed to with `txm`'s signer. Checks that the endpoint's
    /// `localChain` is the node's chain id.
    pub async fn new(txm: Arc<TxManager>, endpoint: Address) -> Result<Self, ChainError> {
        let chain = ChainId(txm.chain_id());
        let this = Self {
            chain,
            endpoint,
            txm,
            known: Arc::default(),
            scans: Arc::default(),
            logs_from_block: 0,
            confirmations: 0,
            queues: Arc::default(),
        };
        let local = this
            .read(
                "localChain",
                this.contract().localChain().call().into_future(),
            )
            .await?;
        if local != chain.get() {
            return Err(this.bad(
                "localChain",
                format!("endpoint {endpoint} says chain {local}, the node {chain}"),
            ));
        }
        Ok(this)
    }

    /// Registers the verifier contract at `address` as of `kind` (a kind not recognised by its
    /// code: a light client, an optimistic or an aggregate verifier).
    /// Relays to it may name it by [`client_id_of`] before it was reported; an address whose id
    /// another registered verifier has is not registered (logged).
    pub fn with_verifier(self, address: Address, kind: VerifierKind) -> Self {
        if let Err(e) = self.learn(address, kind) {
            tracing::warn!(%address, error = %e, "verifier not registered");
        }
        self
    }

    /// Looks for `Received` events (for [`DestinationChain::received`]) from `block` on: the
    /// endpoint's deployment block.
    pub fn with_logs_from(mut self, block: u64) -> Self {
        self.logs_from_block = block;
        self
    }

    /// Takes a message as received only once its reception is `depth` blocks under the head
    /// ([`DestinationChain::received_packets`] reads there): a reception a reorganisation within
    /// the depth may take back is not yet one. Until then a relayer that finds the message may
    /// deliver it again, which the endpoint answers `AlreadyReceived` (SPEC
    /// `[STRAIT-AGENT.EVM-DEST]`).
    pub fn with_confirmations(mut self, depth: u64) -> Self {
        self.confirmations = depth;
        self
    }

    /// Releases the rate-limit queues of the token application at `app` when idle (`tend`, SPEC
    /// `[STRAIT-AGENT.EVM-QUEUE]`): a bucket whose release would move an item now is released
    /// through the transaction manager; its logs are read from [`EvmDestination::with_logs_from`]'s
    /// block on.
    pub fn with_token_app(self, app: Address) -> Self {
        if let Ok(mut guard) = self.queues.lock() {
            *guard = Some(queues::QueueWatch::new(app));
        }
        self
    }

    /// The endpoint's address.
    pub fn endpoint(&self) -> Address {
        self.endpoint
    }

    /// The transaction manager.
    pub fn txm(&self) -> &Arc<TxManager> {
        &self.txm
    }

    /// The contract of a client id this destination has reported (by `verifier_of` or
    /// `route_verifiers`).
    pub fn client_address(&self, client: ClientId) -> Option<Address> {
        self.known.lock().ok()?.clients.get(&client).copied()
    }

    /// The contract of `update`'s client: known, or, for a committee checkpoint
    /// (`0x01 | source u64 | ...`), the endpoint's default verifier of its source if it has that
    /// client id (a relayer keeping a committee client current may relay before it asks
    /// `verifier_of`).
    async fn resolve(&self, update: &VerifierUpdate) -> Result<Option<Address>, ChainError> {
        if let Some(address) = self.client_address(update.client) {
            return Ok(Some(address));
        }
        let source = match update.body.get(..9) {
            Some([0x01, source @ ..]) if kinds::is_committee(update.kind) => {
                let mut be = [0u8; 8];
                be.copy_from_slice(source);
                u64::from_be_bytes(be)
            }
            _ => return Ok(None),
        };
        let address = self
            .read(
                "defaultVerifier",
                self.contract().defaultVerifier(source).call().into_future(),
            )
            .await?;
        if address == Address::ZERO || client_id_of(address) != update.client {
            return Ok(None);
        }
        self.describe(address).await?;
        Ok(Some(address))
    }

    fn contract(&self) -> StraitEndpoint::StraitEndpointInstance<alloy::providers::DynProvider> {
        StraitEndpoint::new(self.endpoint, self.txm.provider().clone())
    }

    fn bad(&self, what: &'static str, reason: String) -> ChainError {
        ChainError::BadData {
            chain: self.chain,
            what,
            reason,
        }
    }

    /// Which of `ids` have a `Received` log of the endpoint from [`Self::with_logs_from`] up to
    /// block `to` (see the module's documentation).
    async fn received_by(&self, ids: &[MessageId], to: u64) -> Result<Vec<bool>, ChainError> {
        let mut seen = std::collections::BTreeSet::new();
        for chunk in ids.chunks(LOG_IDS_PER_REQUEST) {
            let topics: Vec<B256> = chunk.iter().map(|id| B256::from(id.0)).collect();
            let filter = Filter::new()
                .address(self.endpoint)
                .event_signature(StraitEndpoint::Received::SIGNATURE_HASH)
                .topic1(topics)
                .from_block(self.logs_from_block)
                .to_block(to);
            let logs = self
                .read("eth_getLogs", self.txm.provider().get_logs(&filter))
                .await?;
            for log in logs {
                if let Some(id) = log.topics().get(1) {
                    seen.insert(id.0);
                }
            }
        }
        Ok(ids.iter().map(|id| seen.contains(&id.0)).collect())
    }

    fn unavailable(&self, what: &'static str, reason: String) -> ChainError {
        ChainError::Unavailable {
            chain: self.chain,
            what,
            reason,
        }
    }

    /// A read with the manager's RPC timeout; failures are transient.
    async fn read<T, E: core::fmt::Display>(
        &self,
        what: &'static str,
        fut: impl core::future::Future<Output = Result<T, E>>,
    ) -> Result<T, ChainError> {
        match tokio::time::timeout(self.txm.config().rpc_timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.unavailable(what, e.to_string())),
            Err(_) => Err(self.unavailable(what, "timed out".into())),
        }
    }

    /// `address`'s logs of `event` in blocks `from..=to`: one `eth_getLogs`, with the manager's
    /// RPC timeout.
    async fn logs_of(
        &self,
        address: Address,
        event: B256,
        from: u64,
        to: u64,
    ) -> Result<Vec<alloy::rpc::types::Log>, ChainError> {
        let filter = Filter::new()
            .address(address)
            .event_signature(event)
            .from_block(from)
            .to_block(to);
        self.read("eth_getLogs", self.txm.provider().get_logs(&filter))
            .await
    }

    fn tx_error(&self, what: &'static str, e: TxError) -> ChainError {
        if e.is_transient() || matches!(e, TxError::FeeAboveCap { .. }) {
            self.unavailable(what, e.to_string())
        } else {
            ChainError::Refused {
                chain: self.chain,
                what,
                reason: e.to_string(),
            }
        }
    }

    /// Remembers `address` under its client id; refuses an id another known address has.
    fn learn(&self, address: Address, kind: VerifierKind) -> Result<ClientId, ChainError> {
        let id = client_id_of(address);
        let mut known = self
            .known
            .lock()
            .map_err(|_| self.unavailable("verifier", "poisoned lock".into()))?;
        match known.clients.get(&id) {
            Some(other) if *other != address => {
                return Err(self.bad(
                    "verifier",
                    format!("verifiers {other} and {address} share client id {id}"),
                ))
            }
            _ => {}
        }
        known.clients.insert(id, address);
        known.kinds.insert(address, kind);
        Ok(id)
    }

    /// The kind of the verifier at `address`: registered, seen before, or by its code.
    async fn kind(&self, address: Address) -> Result<VerifierKind, ChainError> {
        if let Some(kind) = self
            .known
            .lock()
            .ok()
            .and_then(|k| k.kinds.get(&address).copied())
        {
            return Ok(kind);
        }
        let code = self
            .read(
                "eth_getCode",
                self.txm.provider().get_code_at(address).into_future(),
            )
            .await?;
        kind_of_code(&code).ok_or_else(|| ChainError::Refused {
            chain: self.chain,
            what: "verifier_of",
            reason: format!(
                "verifier {address} is not a committee contract of the committed artifacts; register its kind (EvmDestination::with_verifier)"
            ),
        })
    }

    /// The state of the verifier contract at `address`.
    pub async fn describe(&self, address: Address) -> Result<VerifierInfo, ChainError> {
        let kind = self.kind(address).await?;
        let client = self.learn(address, kind)?;
        let verifier = EcdsaCommitteeVerifier::new(address, self.txm.provider().clone());
        let (source, latest_height, frozen) = if kinds::is_updated(kind) {
            (
                self.read("sourceChain", verifier.sourceChain().call().into_future())
                    .await?,
                self.read("latestHeight", verifier.latestHeight().call().into_future())
                    .await?,
                self.read("frozen", verifier.frozen().call().into_future())
                    .await?,
            )
        } else {
            // Any verifier answers `rootAt`: its source and whether it is frozen.
            let r = self
                .read("rootAt", verifier.rootAt(0).call().into_future())
                .await?;
            (r._0, 0, r._1)
        };
        Ok(VerifierInfo {
            client,
            kind,
            source: ChainId(source),
            latest_height: Height(latest_height),
            frozen,
        })
    }
}

impl DestinationChain for EvmDestination {
    fn chain_id(&self) -> ChainId {
        self.chain
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.read(
            "eth_blockNumber",
            self.txm.provider().get_block_number().into_future(),
        )
        .await
        .map(Height)
    }

    /// From the endpoint's `Received` logs (see the module's documentation).
    async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, ChainError> {
        let latest = DestinationChain::latest_height(self).await?.get();
        self.received_by(ids, latest).await
    }

    /// `isReceived(route, nonce)` of each packet.
    async fn received_packets(
        &self,
        ids: &[MessageId],
        packets: &[Arc<Packet>],
    ) -> Result<Vec<bool>, ChainError> {
        if ids.len() != packets.len() {
            return Err(ChainError::Refused {
                chain: self.chain,
                what: "received_packets",
                reason: format!("{} ids for {} packets", ids.len(), packets.len()),
            });
        }
        // One block for all: the head, or the confirmed block under it.
        let head = self
            .read(
                "eth_blockNumber",
                self.txm.provider().get_block_number().into_future(),
            )
            .await?;
        let at_number = head.saturating_sub(self.confirmations);
        let at = alloy::eips::BlockId::number(at_number);
        // Outcome messages by their `Received` logs up to that block.
        let outcomes: Vec<usize> = (0..packets.len())
            .filter(|&i| strait_endpoint::settle::is_outcome_message(&packets[i]))
            .collect();
        let mut by_log = std::collections::BTreeMap::new();
        if !outcomes.is_empty() {
            let outcome_ids: Vec<MessageId> = outcomes.iter().map(|&i| ids[i]).collect();
            let found = self.received_by(&outcome_ids, at_number).await?;
            by_log.extend(outcomes.into_iter().zip(found));
        }
        let mut out = Vec::with_capacity(packets.len());
        for (start, chunk) in (0..packets.len())
            .step_by(RECEIVED_CONCURRENCY)
            .zip(packets.chunks(RECEIVED_CONCURRENCY))
        {
            let mut tasks = tokio::task::JoinSet::new();
            let mut answers = vec![false; chunk.len()];
            for (i, packet) in chunk.iter().enumerate() {
                if let Some(&received) = by_log.get(&(start + i)) {
                    answers[i] = received;
                    continue;
                }
                let this = self.clone();
                let route = B256::from(packet.route().id().0);
                let nonce = packet.nonce.get();
                tasks.spawn(async move {
                    let contract = this.contract();
                    let call = contract.isReceived(route, nonce);
                    let call = call.call().block(at);
                    (i, this.read("isReceived", call.into_future()).await)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let (i, answer) =
                    joined.map_err(|e| self.unavailable("isReceived", e.to_string()))?;
                answers[i] = answer?;
            }
            out.extend(answers);
        }
        Ok(out)
    }

    async fn verifier_of(&self, source: ChainId) -> Result<VerifierInfo, ChainError> {
        let address = self
            .read(
                "defaultVerifier",
                self.contract()
                    .defaultVerifier(source.get())
                    .call()
                    .into_future(),
            )
            .await?;
        if address == Address::ZERO {
            return Err(ChainError::Refused {
                chain: self.chain,
                what: "verifier_of",
                reason: format!("the endpoint has no default verifier for chain {source}"),
            });
        }
        let info = self.describe(address).await?;
        if info.source != source {
            return Err(self.bad(
                "verifier_of",
                format!(
                    "the default verifier {address} of chain {source} follows chain {}",
                    info.source
                ),
            ));
        }
        Ok(info)
    }

    /// A receiver's verifier (its own, else the default) as a single-client config.
    async fn route_verifiers(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> Result<RouteVerifiers, ChainError> {
        let receiver_word = B256::from(receiver.0);
        let own = self
            .read(
                "securityConfig",
                self.contract()
                    .securityConfig(receiver_word, source.get())
                    .call()
                    .into_future(),
            )
            .await?;
        let address = self
            .read(
                "verifierOf",
                self.contract()
                    .verifierOf(receiver_word, source.get())
                    .call()
                    .into_future(),
            )
            .await?;
        if address == Address::ZERO {
            return Err(ChainError::Refused {
                chain: self.chain,
                what: "route_verifiers",
                reason: format!("no verifier for chain {source}: UnknownRoute"),
            });
        }
        let info = self.describe(address).await?;
        Ok(RouteVerifiers {
            config: SecurityConfig::single(info.client),
            is_default: own == Address::ZERO,
            clients: vec![info],
        })
    }

    /// Sends again the transactions a reorganisation dropped (`TxManager::reconcile`): one
    /// pending-count read when this adapter has sent before, nothing otherwise.
    async fn tend(&self) -> Result<(), ChainError> {
        let resent = self
            .txm
            .reconcile()
            .await
            .map_err(|e| self.tx_error("tend", e))?;
        if resent > 0 {
            tracing::info!(chain = %self.chain, resent, "sent again what a reorganisation dropped");
        }
        // The queues are a service to the token application's users: a failure there is logged
        // and tried again at a later idle round, and never stops the relaying.
        if let Err(e) = self.release_queues().await {
            tracing::warn!(chain = %self.chain, error = %e, "token queues not released");
        }
        Ok(())
    }

    fn relay_limits(&self) -> RelayLimits {
        EVM_RELAY_LIMITS
    }

    async fn relay(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        self.relay_work(work).await
    }
}
