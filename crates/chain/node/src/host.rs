//! The endpoint and light-client host contexts over the node's state.
//!
//! [`Exec`] implements the endpoint's [`EndpointReader`]/[`EndpointWriter`] for one block; a
//! [`ClientCtx`] implements [`ClientReader`]/[`ClientWriter`] for one light client. Both read and
//! write the same [`State`], so a transaction's client updates, deliveries and application writes
//! revert together.

use strait_endpoint::encoding::EncodingError;
use strait_endpoint::{
    AppError, EndpointEvent, EndpointReader, EndpointWriter, Outcome, Receipt, SecurityConfig,
    SendError,
};
use strait_light_client::{ClientReader, ClientState, ClientWriter, ConsensusState, StoreError};
use strait_merkle::{IncrementalTree, LeafIndex, MerkleError};
use strait_packet::Packet;
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, Reader, RouteId, Timestamp,
};

use crate::apps::{self, AppContext, Router};
pub use crate::env::Env;
use crate::events::BlockEvent;
use crate::state::{keys, Effects, State};

/// The execution context of one block.
pub struct Exec<'a> {
    /// Block constants.
    pub env: &'a Env,
    /// The state, written in place.
    pub state: &'a mut State,
    /// Outbox appends, events, queued application sends.
    pub fx: &'a mut Effects,
    /// The outbox accumulator as committed by the previous block.
    pub outbox: &'a IncrementalTree,
    /// Source chain of the batch being delivered (a batch has one source chain).
    pub batch_source: ChainId,
}

impl Exec<'_> {
    /// A light-client context for `client`, or `None` if it does not exist.
    pub fn client(&mut self, client: ClientId) -> Option<ClientCtx<'_>> {
        self.state.get(&keys::client_state(client))?;
        Some(ClientCtx {
            state: self.state,
            client,
        })
    }
}

impl Exec<'_> {
    /// Sends, through the endpoint, the messages queued by applications from position `from` on;
    /// returns their ids, or the first refusal with its destination.
    pub fn send_queued(&mut self, from: usize) -> Result<Vec<MessageId>, (ChainId, SendError)> {
        let queued = self.fx.app_sends.split_off(from);
        let mut ids = Vec::with_capacity(queued.len());
        for request in queued {
            let destination = request.destination_chain;
            let sent = strait_endpoint::send(self, request).map_err(|e| (destination, e))?;
            ids.push(sent.id);
        }
        Ok(ids)
    }
}

impl EndpointReader for Exec<'_> {
    fn chain_id(&self) -> ChainId {
        self.env.chain_id
    }
    fn host_height(&self) -> Height {
        self.env.height
    }
    fn host_timestamp(&self) -> Timestamp {
        self.env.timestamp
    }
    fn is_known_chain(&self, chain: ChainId) -> bool {
        self.env.remotes.contains(&chain)
    }
    fn last_outbound_nonce(&self, route: &RouteId) -> Nonce {
        Nonce(self.state.get_u64(&keys::outbound(route)))
    }
    fn outbox_count(&self) -> u64 {
        self.outbox.count() + self.fx.outbox_ids.len() as u64
    }
    fn outbox_root(&self) -> Hash32 {
        let mut tree = self.outbox.clone();
        for id in &self.fx.outbox_ids {
            // The endpoint checked the capacity before appending.
            let _ = tree.append(id);
        }
        tree.root()
    }
    fn security_config(&self, _receiver: &Address32, source: ChainId) -> Option<SecurityConfig> {
        // Every application uses the host default: the light client of the source chain.
        self.env
            .client_of(source)
            .map(|client| SecurityConfig { client })
    }
    fn client_chain(&self, client: ClientId) -> Option<ChainId> {
        let chain = ChainId(client.get());
        self.env.remotes.contains(&chain).then_some(chain)
    }
    fn client_frozen(&self, client: ClientId) -> bool {
        self.state
            .get(&keys::client_frozen(client))
            .is_some_and(|v| v == [1])
    }
    fn verified_root(&self, client: ClientId, height: Height) -> Option<Hash32> {
        if self.client_frozen(client) {
            return None;
        }
        let raw = self.state.get(&keys::verified_root(client, height))?;
        Some(Hash32(raw.try_into().ok()?))
    }
    fn received_word(&self, route: &RouteId, word_index: u64) -> [u8; 32] {
        self.state
            .get(&keys::received_word(route, word_index))
            .and_then(|v| v.try_into().ok())
            .unwrap_or_default()
    }
    fn inbound_contiguous(&self, route: &RouteId) -> Nonce {
        Nonce(self.state.get_u64(&keys::contiguous(route)))
    }
}

impl EndpointWriter for Exec<'_> {
    fn set_last_outbound_nonce(&mut self, route: &RouteId, nonce: Nonce) {
        self.state.put_u64(keys::outbound(route), nonce.get());
    }
    fn append_outbox(&mut self, id: &MessageId) -> Result<LeafIndex, MerkleError> {
        let index = self.outbox_count();
        if index >= strait_merkle::MAX_LEAVES {
            return Err(MerkleError::TreeFull {
                max: strait_merkle::MAX_LEAVES,
            });
        }
        self.fx.outbox_ids.push(*id);
        Ok(LeafIndex(index))
    }
    fn set_received_word(&mut self, route: &RouteId, word_index: u64, word: [u8; 32]) {
        self.state
            .put(keys::received_word(route, word_index), word.to_vec());
    }
    fn set_inbound_contiguous(&mut self, route: &RouteId, nonce: Nonce) {
        self.state.put_u64(keys::contiguous(route), nonce.get());
    }
    fn call_app(&mut self, packet: &Packet, _id: &MessageId) -> Result<Vec<u8>, AppError> {
        let Some(app) = Router::builtin().get(&packet.receiver) else {
            return Err(AppError {
                code: apps::NO_APP,
                reason: "no application at the receiver address".into(),
            });
        };
        let cp = self.fx.checkpoint(self.state);
        let result = {
            let mut ctx = AppContext::new(
                packet.receiver,
                self.env,
                self.state,
                &mut self.fx.app_sends,
            );
            app.receive(&mut ctx, packet)
        }
        .and_then(|ack| {
            // The application's sends are atomic with its receive: if one is refused, the
            // message fails and every write of the call, sends included, is reverted.
            self.send_queued(cp.app_sends())
                .map_err(|(destination, e)| AppError {
                    code: APP_SEND_FAILED,
                    reason: format!(
                        "a message to chain {destination} sent while receiving failed: {e}"
                    ),
                })?;
            Ok(ack)
        });
        if result.is_err() {
            self.fx.revert(self.state, cp);
        }
        result
    }
    fn record_receipt(&mut self, receipt: Receipt) {
        let record = ReceiptRecord {
            height: receipt.height,
            source_chain: self.batch_source,
            outcome: receipt.outcome,
        };
        self.state.put(keys::receipt(&receipt.id), record.encode());
    }
    fn emit(&mut self, event: EndpointEvent) {
        let event = match event {
            EndpointEvent::Sent {
                id,
                destination_chain,
                leaf_index,
                packet,
                ..
            } => BlockEvent::Sent {
                id,
                leaf_index: leaf_index.get(),
                destination_chain,
                packet,
            },
            EndpointEvent::Received(receipt) => BlockEvent::Received {
                id: receipt.id,
                source_chain: self.batch_source,
                outcome: receipt.outcome,
            },
        };
        self.fx.events.push(event);
    }
}

/// Error code of a message whose application's sends, made while receiving it, were refused.
pub const APP_SEND_FAILED: u32 = 0xffff_fffe;

/// How a received message ended, as stored at `'r' || id`:
/// `u64 height || u64 source_chain || outcome` (the outcome in its canonical encoding,
/// `[STRAIT-EVENT.1]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// Receiving height.
    pub height: Height,
    /// Source chain.
    pub source_chain: ChainId,
    /// Outcome.
    pub outcome: Outcome,
}

impl ReceiptRecord {
    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.source_chain.to_be_bytes());
        self.outcome.encode_into(&mut out);
        out
    }

    /// Decodes a stored record.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader::new(bytes);
        let height = Height(r.u64()?);
        let source_chain = ChainId(r.u64()?);
        let outcome = Outcome::decode_from(&mut r)?;
        r.finish()?;
        Ok(Self {
            height,
            source_chain,
            outcome,
        })
    }
}

/// One light client's storage inside the node state.
pub struct ClientCtx<'a> {
    state: &'a mut State,
    client: ClientId,
}

/// Creates the client of `chain` trusting `genesis` if it does not exist yet.
pub fn ensure_client(
    state: &mut State,
    chain: ChainId,
    options: strait_light_client::Options,
    genesis: ConsensusState,
) {
    let client = ClientId(chain.get());
    if state.get(&keys::client_state(client)).is_some() {
        return;
    }
    let mut ctx = ClientCtx { state, client };
    ctx.store_client_state(ClientState {
        chain_id: chain,
        options,
        latest_height: genesis.height,
        frozen: None,
    });
    ctx.store_consensus_state(genesis);
}

/// A stored client's state, decoded: a corrupt record is a typed error, never a panic.
fn stored<T>(
    what: &'static str,
    raw: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, strait_light_client::state_codec::StateDecodeError>,
) -> Result<T, StoreError> {
    decode(raw).map_err(|e| StoreError {
        what,
        reason: e.to_string(),
    })
}

/// Decodes a stored consensus state through a per-thread memo: an update reads its trusted
/// state, and decoding decompresses every key of its validator set.
fn decode_consensus(
    raw: &[u8],
) -> Result<ConsensusState, strait_light_client::state_codec::StateDecodeError> {
    thread_local! {
        static DECODED: crate::state::Memo<ConsensusState> =
            const { crate::state::Memo::new() };
    }
    DECODED.with(|memo| memo.decode(raw, ConsensusState::decode))
}

impl ClientReader for ClientCtx<'_> {
    fn client_state(&self) -> Result<ClientState, StoreError> {
        let raw = self
            .state
            .get(&keys::client_state(self.client))
            .ok_or_else(|| StoreError {
                what: "client state",
                reason: format!("client {} has no stored state", self.client),
            })?;
        stored("client state", raw, ClientState::decode)
    }
    fn consensus_state(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        self.state
            .get(&keys::consensus(self.client, height))
            .map(|raw| stored("consensus state", raw, decode_consensus))
            .transpose()
    }
    fn consensus_state_before(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        let prefix = keys::consensus_prefix(self.client);
        let (before, _) = self
            .state
            .neighbours(&prefix, &keys::consensus(self.client, height));
        before
            .map(|raw| stored("consensus state", raw, decode_consensus))
            .transpose()
    }
    fn consensus_state_after(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        let prefix = keys::consensus_prefix(self.client);
        let (_, after) = self
            .state
            .neighbours(&prefix, &keys::consensus(self.client, height));
        after
            .map(|raw| stored("consensus state", raw, decode_consensus))
            .transpose()
    }
}

impl ClientWriter for ClientCtx<'_> {
    fn store_client_state(&mut self, state: ClientState) {
        let frozen = u8::from(state.is_frozen());
        self.state
            .put(keys::client_state(self.client), state.encode());
        self.state
            .put(keys::client_frozen(self.client), vec![frozen]);
    }
    fn store_consensus_state(&mut self, state: ConsensusState) {
        self.state.put(
            keys::verified_root(self.client, state.height),
            state.outbox_root.0.to_vec(),
        );
        self.state
            .put(keys::consensus(self.client, state.height), state.encode());
        prune_consensus_states(self.state, self.client, MAX_CONSENSUS_STATES);
    }
}

/// Most consensus states (and verified roots) the node keeps per light client: the most recent
/// heights. Storing one more deletes the lowest height, as the core's `InMemoryClient` does. A
/// pruned height can no longer be a trusted height, nor a proof height (the endpoint finds no
/// verified root there and answers `RootNotVerified`, a `retry`): relayers prove against the
/// client's latest height, which is never pruned.
pub const MAX_CONSENSUS_STATES: usize = strait_light_client::MAX_CONSENSUS_STATES;

/// Deletes the lowest heights of `client` beyond the `max` most recent.
pub fn prune_consensus_states(state: &mut State, client: ClientId, max: usize) {
    let prefix = keys::consensus_prefix(client);
    let excess = state.count_prefix(&prefix).saturating_sub(max);
    for _ in 0..excess {
        let (key, _) = state
            .first_with_prefix(&prefix)
            .expect("counted above the bound");
        // The key ends with the height: `'S' || client || u64 height`.
        let height = key[key.len() - 8..]
            .try_into()
            .map(u64::from_be_bytes)
            .map(Height)
            .expect("a consensus key ends with its height");
        let key = key.to_vec();
        state.delete(&key);
        state.delete(&keys::verified_root(client, height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consensus_states_beyond_the_bound_are_pruned_lowest_first() {
        let mut state = State::default();
        let client = ClientId(1);
        let set = strait_light_client::ValidatorSet::new(vec![strait_light_client::Validator {
            pub_key: strait_light_client::Signer::from_seed([1; 32]).public_key(),
            power: 1,
        }])
        .unwrap();
        let mut ctx = ClientCtx {
            state: &mut state,
            client,
        };
        for h in 1..=5 {
            ctx.store_consensus_state(ConsensusState {
                height: Height(h),
                timestamp: Timestamp(h),
                header_hash: Hash32([h as u8; 32]),
                app_state_root: Hash32::ZERO,
                outbox_root: Hash32([h as u8; 32]),
                next_validators: set.clone(),
            });
        }
        // Another client's states are untouched.
        let other = keys::consensus(ClientId(2), Height(1));
        state.put(other.clone(), b"{}".to_vec());
        prune_consensus_states(&mut state, client, 3);
        let ctx = ClientCtx {
            state: &mut state,
            client,
        };
        for h in 1..=2 {
            assert_eq!(ctx.consensus_state(Height(h)), Ok(None));
            assert_eq!(ctx.state.get(&keys::verified_root(client, Height(h))), None);
        }
        for h in 3..=5 {
            assert_eq!(
                ctx.consensus_state(Height(h)).unwrap().unwrap().height,
                Height(h)
            );
            assert!(ctx
                .state
                .get(&keys::verified_root(client, Height(h)))
                .is_some());
        }
        assert!(state.get(&other).is_some());
    }

    /// Sends an application makes while receiving are atomic with the receive: one refused send
    /// fails the message and reverts every write of the call (before, the send was dropped with a
    /// warning and the receipt said `Executed`).
    #[test]
    fn a_refused_application_send_fails_the_receive_and_reverts_it() {
        let env = Env {
            chain_id: ChainId(2),
            height: Height(5),
            timestamp: Timestamp(5),
            remotes: std::collections::BTreeSet::from([ChainId(1)]),
        };
        let mut state = State::default();
        let mut fx = Effects::default();
        let outbox = IncrementalTree::new();
        let mut exec = Exec {
            env: &env,
            state: &mut state,
            fx: &mut fx,
            outbox: &outbox,
            batch_source: ChainId(1),
        };
        let ping = |source: ChainId| Packet {
            nonce: Nonce(1),
            source_chain: source,
            sender: strait_devnet_api::apps::ping_pong(),
            destination_chain: ChainId(2),
            receiver: strait_devnet_api::apps::ping_pong(),
            options: Default::default(),
            payload: crate::apps::PING.to_vec(),
        };
        // From a known chain the pong is sent with the receive.
        let ok = ping(ChainId(1));
        assert_eq!(exec.call_app(&ok, &ok.id()), Ok(crate::apps::PONG.to_vec()));
        assert_eq!(exec.fx.outbox_ids.len(), 1);
        assert_eq!(
            exec.state.get_u64(&crate::apps::storage_key(
                &strait_devnet_api::apps::ping_pong(),
                &crate::apps::PingPong::pings_key(ChainId(1))
            )),
            1
        );
        // The pong to a chain this one cannot send to is refused: the message fails, nothing of
        // the call remains.
        let orphan = ping(ChainId(9));
        let err = exec.call_app(&orphan, &orphan.id()).unwrap_err();
        assert_eq!(err.code, APP_SEND_FAILED);
        assert!(err.reason.contains("chain 9"), "{err}");
        assert_eq!(exec.fx.outbox_ids.len(), 1);
        assert!(exec.fx.app_sends.is_empty());
        assert_eq!(
            exec.state.get_u64(&crate::apps::storage_key(
                &strait_devnet_api::apps::ping_pong(),
                &crate::apps::PingPong::pings_key(ChainId(9))
            )),
            0
        );
    }

    #[test]
    fn receipt_record_round_trip() {
        for outcome in [
            Outcome::Executed { ack: vec![1, 2] },
            Outcome::Failed(AppError {
                code: 7,
                reason: "no".into(),
            }),
            Outcome::TimedOut,
        ] {
            let r = ReceiptRecord {
                height: Height(3),
                source_chain: ChainId(2),
                outcome,
            };
            assert_eq!(ReceiptRecord::decode(&r.encode()), Ok(r));
        }
    }
}
