//! Fake nodes that answer the relayer's calls from a script: a source, a destination, or a hostile
//! node. Every call a role does not serve fails.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use jsonrpsee::core::{async_trait, RpcResult, SubscriptionResult};
use jsonrpsee::server::{Server, ServerHandle};
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::PendingSubscriptionSink;
use strait_devnet_api::rpc::{
    codes, BlockSummary, ChainInfo, ClientInfo, LightBlockResponse, MessageStatus, MessagesPage,
    OutboxInfo, ProofResponse, SentMessage, StraitApiServer, TxFailure, TxResult,
};
use strait_devnet_api::rpc::{DeliveryResult, DeliveryStatus};
use strait_devnet_api::tx::{SignedTx, TxBody, TxKind};
use strait_devnet_api::HexBytes;
use strait_light_client::{
    sign_commit, Header, LightBlock, SignedHeader, Signer, Validator, ValidatorSet,
};
use strait_merkle::{LeafIndex, MerkleTree};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, RouteId, Timestamp,
};

/// What a fake node does.
pub enum Role {
    /// Its outbox holds one message for the other chain at leaf `u64::MAX` (no successor).
    LastLeaf,
    /// A source at height `latest` signed by one validator, whose outbox holds `messages` messages
    /// of one route for the other chain, sent at height 5, served at most `page` per call (as a
    /// node bounding each call does). Records the light block heights asked for.
    Source {
        /// Latest height.
        latest: u64,
        /// Messages in the outbox.
        messages: u64,
        /// The first `stuck` messages go to [`STUCK_RECEIVER`], the others to another receiver.
        stuck: u64,
        /// Most messages per page.
        page: u64,
        /// Heights of the light blocks asked for.
        asked: Arc<Mutex<Vec<u64>>>,
    },
    /// A destination whose client of the other chain is at `client_height`, one block per
    /// transaction. With a `failure`, every relay transaction fails so; without, every delivery
    /// executes (once; then it is already received). Proofs are not checked.
    Destination {
        /// Height of its client of the other chain.
        client_height: u64,
        /// The failure of every transaction, if any.
        failure: Option<TxFailure>,
        /// Transactions submitted.
        submitted: AtomicU64,
        /// Results by transaction hash.
        results: Mutex<BTreeMap<Hash32, TxResult>>,
        /// Messages received, with the number of the transaction that delivered them (from 1).
        received: Arc<Mutex<BTreeMap<MessageId, u64>>>,
        /// Messages answered `Retry` (those for [`STUCK_RECEIVER`]).
        retried: Arc<Mutex<BTreeSet<MessageId>>>,
        /// With `Some`, the route of [`STUCK_RECEIVER`] has an ordering backlog instead: its
        /// deliveries are answered `AdvanceRoute` unless the transaction advances their route, and
        /// then execute. Records the advances of every transaction.
        backlogged: Option<Arc<Mutex<Vec<Vec<RouteId>>>>>,
    },
}

/// A relayer configuration between the nodes at `src` and `dst` that polls and backs off quickly.
pub fn quick_config(src: String, dst: String) -> strait_devnet_client::RelayerConfig {
    let mut config = strait_devnet_client::RelayerConfig::new(
        vec![
            strait_devnet_client::ChainEndpoint::http(src),
            strait_devnet_client::ChainEndpoint::http(dst),
        ],
        "x",
    );
    config.poll_interval = core::time::Duration::from_millis(10);
    config.tx_poll_interval = core::time::Duration::from_millis(1);
    config.max_backoff = core::time::Duration::from_millis(20);
    config
}

/// Runs a relayer with `config` until `done()` holds (checked every 10 ms, at most `max_checks`
/// times), lets it run `linger` more, then stops it and checks it ended without an error.
pub async fn run_until(
    config: strait_devnet_client::RelayerConfig,
    max_checks: usize,
    linger: core::time::Duration,
    done: impl Fn() -> bool,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relayer = tokio::spawn(strait_devnet_client::run_relayer(config, async {
        let _ = stopped.await;
    }));
    for _ in 0..max_checks {
        if done() {
            break;
        }
        tokio::time::sleep(core::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(linger).await;
    let _ = stop.send(());
    relayer.await.unwrap().unwrap();
}

/// A fake node of `chain`, whose peer is `other`.
pub struct FakeNode {
    /// Its chain.
    pub chain: ChainId,
    /// The other chain.
    pub other: ChainId,
    /// What it does.
    pub role: Role,
}

/// The receiving application of a stuck route: its deliveries are always answered `Retry`.
pub const STUCK_RECEIVER: Address32 = Address32([9; 32]);

fn unsupported() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        codes::INVALID_REQUEST,
        "not served by this node",
        None::<()>,
    )
}

fn signer() -> Signer {
    Signer::from_seed([7; 32])
}

fn validators() -> ValidatorSet {
    ValidatorSet::new(vec![Validator {
        pub_key: signer().public_key(),
        power: 10,
    }])
    .unwrap()
}

impl FakeNode {
    /// The message at outbox leaf `leaf`.
    fn packet(&self, leaf: u64) -> Packet {
        let stuck = matches!(self.role, Role::Source { stuck, .. } if leaf < stuck);
        Packet {
            nonce: Nonce(leaf.saturating_add(1)),
            source_chain: self.chain,
            sender: Address32([1; 32]),
            destination_chain: self.other,
            receiver: if stuck {
                STUCK_RECEIVER
            } else {
                Address32([2; 32])
            },
            options: DeliveryOptions::default(),
            payload: b"hi".to_vec(),
        }
    }

    fn latest(&self) -> u64 {
        match &self.role {
            Role::LastLeaf => 10,
            Role::Source { latest, .. } => *latest,
            Role::Destination { submitted, .. } => 100 + submitted.load(Ordering::SeqCst),
        }
    }

    /// Serves this node on a local port; returns its URL.
    pub async fn serve(self) -> (String, ServerHandle) {
        let server = Server::builder().build("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", server.local_addr().unwrap());
        (url, server.start(self.into_rpc()))
    }
}

#[async_trait]
impl StraitApiServer for FakeNode {
    async fn chain_info(&self) -> RpcResult<ChainInfo> {
        Ok(ChainInfo {
            chain_id: self.chain,
            latest_height: Height(self.latest()),
            latest_timestamp: Timestamp(1),
            latest_hash: Hash32([0; 32]),
            block_time_ms: 100,
            validators: 1,
            outbox_count: 1,
            remote_chains: vec![self.other],
            halted: None,
        })
    }
    async fn health(&self) -> RpcResult<strait_devnet_api::rpc::Health> {
        Ok(strait_devnet_api::rpc::Health {
            healthy: true,
            latest_height: Height(self.latest()),
            halted: None,
            mempool_txs: 0,
        })
    }
    async fn submit_transaction(&self, tx: HexBytes) -> RpcResult<Hash32> {
        let Role::Destination {
            failure,
            submitted,
            results,
            received,
            retried,
            backlogged,
            ..
        } = &self.role
        else {
            return Err(unsupported());
        };
        let tx = SignedTx::decode(&tx.0).map_err(|_| unsupported())?;
        let number = submitted.fetch_add(1, Ordering::SeqCst) + 1;
        let height = Height(100 + number);
        let mut deliveries = Vec::new();
        if let (
            None,
            TxBody::Relay {
                batches, advances, ..
            },
        ) = (failure, &tx.tx.body)
        {
            if let Some(log) = backlogged {
                log.lock().unwrap().push(advances.clone());
            }
            let mut received = received.lock().unwrap();
            for packet in batches.iter().flat_map(|b| &b.packets) {
                let advanced = advances.contains(&packet.route().id());
                let status =
                    if packet.receiver == STUCK_RECEIVER && backlogged.is_some() && !advanced {
                        DeliveryStatus::AdvanceRoute
                    } else if packet.receiver == STUCK_RECEIVER && backlogged.is_none() {
                        retried.lock().unwrap().insert(packet.id());
                        DeliveryStatus::Retry
                    } else {
                        match received.entry(packet.id()) {
                            Entry::Occupied(_) => DeliveryStatus::AlreadyReceived,
                            Entry::Vacant(v) => {
                                v.insert(number);
                                DeliveryStatus::Executed
                            }
                        }
                    };
                deliveries.push(DeliveryResult {
                    id: packet.id(),
                    status,
                    error: None,
                });
            }
        }
        let hash = tx.hash();
        let result = TxResult {
            hash,
            kind: TxKind::Relay,
            height,
            success: failure.is_none(),
            failure: *failure,
            error: failure.map(|f| format!("{f:?}")),
            message_id: None,
            client_id: None,
            deliveries,
            fee: "0".into(),
        };
        results.lock().unwrap().insert(hash, result);
        Ok(hash)
    }
    async fn transaction_result(&self, hash: Hash32) -> RpcResult<Option<TxResult>> {
        let Role::Destination { results, .. } = &self.role else {
            return Err(unsupported());
        };
        Ok(results.lock().unwrap().get(&hash).cloned())
    }
    async fn account_nonce(&self, _account: Address32) -> RpcResult<u64> {
        Ok(0)
    }
    async fn light_block(&self, height: Height) -> RpcResult<Option<LightBlockResponse>> {
        let Role::Source { asked, .. } = &self.role else {
            return Err(unsupported());
        };
        asked.lock().unwrap().push(height.get());
        let validators = validators();
        let header = Header {
            chain_id: self.chain,
            height,
            timestamp: Timestamp(height.get() * 1000),
            parent_hash: Hash32([0; 32]),
            app_state_root: Hash32([0; 32]),
            outbox_root: Hash32([0; 32]),
            validators_hash: validators.hash(),
            next_validators_hash: validators.hash(),
        };
        let commit = sign_commit(&header, &validators, &[&signer()]);
        let block = LightBlock {
            signed_header: SignedHeader { header, commit },
            validators: validators.clone(),
            next_validators: validators,
        };
        Ok(Some(LightBlockResponse {
            height,
            light_block: HexBytes(block.encode()),
            bls_light_block: None,
        }))
    }
    async fn block(&self, _height: Height) -> RpcResult<Option<BlockSummary>> {
        Err(unsupported())
    }
    async fn outbox(&self, _height: Option<Height>) -> RpcResult<OutboxInfo> {
        Err(unsupported())
    }
    async fn messages(
        &self,
        from_leaf: u64,
        limit: u32,
        destination: Option<ChainId>,
    ) -> RpcResult<MessagesPage> {
        let message = |leaf_index: u64, height| {
            let packet = self.packet(leaf_index);
            SentMessage {
                leaf_index,
                id: packet.id(),
                height: Height(height),
                destination_chain: self.other,
                packet: HexBytes(packet.encode()),
            }
        };
        let (messages, next_leaf, outbox_count) = match &self.role {
            _ if destination != Some(self.other) => (Vec::new(), from_leaf, 0),
            Role::LastLeaf => (vec![message(u64::MAX, 1)], from_leaf, 1),
            Role::Source { messages, page, .. } => {
                let to = from_leaf
                    .saturating_add((*page).min(u64::from(limit)))
                    .min(*messages)
                    .max(from_leaf);
                (
                    (from_leaf..to).map(|l| message(l, 5)).collect(),
                    to,
                    *messages,
                )
            }
            Role::Destination { .. } => (Vec::new(), from_leaf, 0),
        };
        Ok(MessagesPage {
            messages,
            next_leaf,
            outbox_count,
        })
    }
    async fn proof(&self, leaves: Vec<u64>, height: Height) -> RpcResult<ProofResponse> {
        let Role::Source { messages, .. } = &self.role else {
            return Err(unsupported());
        };
        let mut tree = MerkleTree::new();
        for leaf in 0..*messages {
            tree.append(&self.packet(leaf).id()).unwrap();
        }
        let indices: Vec<LeafIndex> = leaves.into_iter().map(LeafIndex).collect();
        let proof = tree
            .multiproof(&indices, *messages)
            .map_err(|_| unsupported())?;
        Ok(ProofResponse {
            height,
            root: tree.root(),
            size: *messages,
            multiproof: HexBytes(proof.encode()),
        })
    }
    async fn message_status(&self, _id: MessageId) -> RpcResult<MessageStatus> {
        Err(unsupported())
    }
    async fn received(&self, ids: Vec<MessageId>) -> RpcResult<Vec<bool>> {
        Ok(match &self.role {
            Role::Destination { received, .. } => {
                let received = received.lock().unwrap();
                ids.iter().map(|id| received.contains_key(id)).collect()
            }
            _ => vec![false; ids.len()],
        })
    }
    async fn pause_state(&self) -> RpcResult<strait_devnet_api::rpc::PauseState> {
        Err(unsupported())
    }
    async fn security_config(
        &self,
        _receiver: strait_primitives::Address32,
        _source: ChainId,
    ) -> RpcResult<strait_devnet_api::rpc::RouteSecurity> {
        Err(unsupported())
    }
    async fn quote(
        &self,
        _destination: ChainId,
        _gas_limit: u64,
        _payload_len: u32,
    ) -> RpcResult<strait_devnet_api::rpc::QuoteJson> {
        Err(unsupported())
    }
    async fn balance(
        &self,
        _account: strait_primitives::Address32,
        _denom: String,
    ) -> RpcResult<String> {
        Err(unsupported())
    }
    async fn token_queue(
        &self,
        _from: u64,
        _limit: u32,
    ) -> RpcResult<strait_devnet_api::rpc::TokenQueue> {
        Err(unsupported())
    }
    async fn queued_transfer(&self, _id: u64) -> RpcResult<strait_devnet_api::rpc::QueuedStatus> {
        Err(unsupported())
    }
    async fn token_state(&self, _denom: String) -> RpcResult<strait_devnet_api::rpc::TokenState> {
        Err(unsupported())
    }
    async fn token_books(
        &self,
        _denom: String,
        _accounts: Vec<Address32>,
    ) -> RpcResult<strait_devnet_api::rpc::TokenBooks> {
        Err(unsupported())
    }
    async fn clients(&self, _: ClientId, _: u32) -> RpcResult<Vec<ClientInfo>> {
        Err(unsupported())
    }

    async fn vouched(
        &self,
        _: ClientId,
        _: Height,
        _: u32,
    ) -> RpcResult<Vec<strait_devnet_api::rpc::VouchedInfo>> {
        Err(unsupported())
    }

    async fn client(&self, chain: ChainId) -> RpcResult<ClientInfo> {
        let Role::Destination { client_height, .. } = &self.role else {
            return Err(unsupported());
        };
        Ok(ClientInfo {
            client_id: ClientId(1),
            chain_id: chain,
            kind: strait_devnet_api::tx::VerifierKind::BFT,
            latest_height: Height(*client_height),
            frozen: false,
        })
    }
    async fn pending_proposals(
        &self,
        _client: ClientId,
    ) -> RpcResult<Vec<strait_devnet_api::optimistic::PendingProposalJson>> {
        Err(unsupported())
    }
    async fn client_root(&self, _client: ClientId, _height: Height) -> RpcResult<Option<Hash32>> {
        Err(unsupported())
    }
    async fn subscribe_blocks(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        pending.reject(unsupported()).await;
        Ok(())
    }
    async fn subscribe_events(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        pending.reject(unsupported()).await;
        Ok(())
    }
}
