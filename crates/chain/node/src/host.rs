//! The endpoint and light-client host contexts over the node's state.
//!
//! [`Exec`] implements the endpoint's [`EndpointReader`]/[`EndpointWriter`] for one block. Client
//! questions go through the verifier registry ([`crate::clients`]); clients, deliveries and
//! application writes share one [`State`], so a transaction's client updates, deliveries and
//! application writes revert together.

use strait_endpoint::encoding::EncodingError;
use strait_endpoint::{
    AppError, AwaitedOutcome, EndpointEvent, EndpointReader, EndpointWriter, FailedMessage,
    Outcome, Receipt, SecurityConfig, SendError,
};
use strait_merkle::{IncrementalTree, LeafIndex, MerkleError};
use strait_packet::Packet;
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, Reader, RouteId, Timestamp,
};

use crate::apps::{self, AppContext};
use crate::clients;
pub use crate::env::Env;
use crate::events::BlockEvent;
use crate::extensions::Extensions;
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
    /// The verifier kinds and applications of the chain.
    pub ext: &'a Extensions,
    /// The signer of the transaction being executed: the deliverer an outcome names, and the
    /// ack relayer a settlement pays (`[STRAIT-FEE.6]`, `[STRAIT-FEE.8]`).
    pub deliverer: Address32,
    /// Gas the last application call used (`[STRAIT-FEE.6]`).
    pub app_gas: u64,
}

impl Exec<'_> {
    /// Runs `call` on the application at `app` in its context, atomically with the messages it
    /// sends: a refused send fails the call, and a failed call reverts every write it made.
    pub(crate) fn run_app<T>(
        &mut self,
        app: Address32,
        what: &str,
        call: impl FnOnce(&mut AppContext<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let cp = self.fx.checkpoint(self.state);
        let mut ctx = AppContext::new(app, self.env, self.state, &mut self.fx.app_sends);
        let called = call(&mut ctx);
        let configs_set = ctx.take_configs_set();
        // [STRAIT-FEE.6] what the call did, metered by its context, deterministically.
        self.app_gas = ctx.gas_used();
        let result = called.and_then(|value| {
            self.send_queued(cp.app_sends())
                .map_err(|(destination, e)| AppError {
                    code: APP_SEND_FAILED,
                    reason: format!(
                        "a message to chain {destination} sent while {what} failed: {e}"
                    ),
                })?;
            Ok(value)
        });
        match &result {
            Ok(_) => self.fx.config_events(app, configs_set),
            Err(_) => self.fx.revert(self.state, cp),
        }
        result
    }

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
    fn deliverer(&self) -> Address32 {
        self.deliverer
    }
    fn app_gas_used(&self) -> u64 {
        self.app_gas
    }
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
        self.env.remotes.contains(&chain) || self.env.foreign_remotes.contains(&chain)
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
    fn security_config(&self, receiver: &Address32, source: ChainId) -> Option<SecurityConfig> {
        // [STRAIT-ROUTE.6] the receiver's config, else the host's default of the source.
        clients::security_config(self.state, receiver, source)
    }
    fn client_latest_height(&self, client: ClientId) -> Option<Height> {
        clients::record(self.state, client)
            .ok()
            .flatten()
            .map(|r| r.latest_height)
    }
    fn client_chain(&self, client: ClientId) -> Option<ChainId> {
        // A record that cannot be read vouches for nothing (the update that wrote it halted the
        // chain had it been corrupt then).
        clients::record(self.state, client)
            .ok()
            .flatten()
            .map(|r| r.source)
    }
    fn client_frozen(&self, client: ClientId) -> bool {
        clients::record(self.state, client).map_or(true, |r| r.is_some_and(|r| r.frozen))
    }
    fn verified_root(&self, client: ClientId, height: Height) -> Option<Hash32> {
        clients::verified_root(self.state, &self.ext.verifiers, client, height)
            .ok()
            .flatten()
    }
    fn paused(&self, scope: &strait_endpoint::PauseScope) -> bool {
        self.state.get(&keys::paused(scope)).is_some()
    }
    fn message_topic(&self, packet: &Packet) -> Option<Hash32> {
        // [STRAIT-PAUSE.4] the receiving application names the message's topic.
        self.ext
            .apps
            .get(&packet.receiver)?
            .topic(self.env.chain_id, packet)
    }
    fn failed_message(&self, id: &MessageId) -> Option<FailedMessage> {
        // A record that does not decode is treated as absent: nothing to retry (it was written
        // by this code, so this cannot happen short of corruption, which the state checksum
        // catches at start).
        FailedMessage::decode(self.state.get(&keys::failed(id))?).ok()
    }
    fn awaited_outcome(&self, id: &MessageId) -> Option<AwaitedOutcome> {
        AwaitedOutcome::decode(self.state.get(&keys::awaited(id))?).ok()
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
        self.app_gas = 0;
        let Some(app) = self.ext.apps.get(&packet.receiver) else {
            return Err(AppError {
                code: apps::NO_APP,
                reason: "no application at the receiver address".into(),
            });
        };
        self.run_app(packet.receiver, "receiving", |ctx| app.receive(ctx, packet))
    }
    fn set_failed_message(&mut self, id: &MessageId, failed: Option<FailedMessage>) {
        match failed {
            Some(f) => self.state.put(keys::failed(id), f.encode()),
            None => self.state.delete(&keys::failed(id)),
        }
    }
    fn set_awaited_outcome(&mut self, id: &MessageId, awaited: Option<AwaitedOutcome>) {
        match awaited {
            Some(a) => self.state.put(keys::awaited(id), a.encode()),
            None => self.state.delete(&keys::awaited(id)),
        }
    }
    fn call_app_outcome(
        &mut self,
        app: &Address32,
        id: &MessageId,
        outcome: &Outcome,
    ) -> Result<(), AppError> {
        // A sender that is no application (an account) has nothing to call: settled.
        let Some(target) = self.ext.apps.get(app) else {
            return Ok(());
        };
        self.run_app(*app, "settling", |ctx| match outcome {
            Outcome::Executed { ack } => target.on_ack(ctx, id, ack),
            Outcome::Failed(error) => target.on_failure(ctx, id, error),
            Outcome::TimedOut => target.on_timeout(ctx, id),
        })
    }
    fn settle_fee(&mut self, id: &MessageId, deliverer: &Address32, gas_used: u64) {
        let ack_relayer = self.deliverer;
        crate::fees::message::settle(self.state, id, deliverer, gas_used, &ack_relayer);
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
            EndpointEvent::Finalized(receipt) => BlockEvent::Finalized {
                id: receipt.id,
                source_chain: self.batch_source,
                outcome: receipt.outcome,
            },
            EndpointEvent::Settled { id, outcome } => BlockEvent::Settled { id, outcome },
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

#[cfg(test)]
mod tests {
    use super::*;

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
            foreign_remotes: std::collections::BTreeSet::from([ChainId(31337)]),
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
            ext: Extensions::builtin(),
            deliverer: Address32::ZERO,
            app_gas: 0,
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
        // A foreign remote (an EVM chain, no default client) is a chain this one sends to.
        let evm = ping(ChainId(31337));
        assert_eq!(
            exec.call_app(&evm, &evm.id()),
            Ok(crate::apps::PONG.to_vec())
        );
        assert_eq!(exec.fx.outbox_ids.len(), 2);
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
