//! Starting, running and stopping a node: restore or create the database, produce a block every
//! `block_time_ms` on a dedicated thread, serve JSON-RPC on the current tokio runtime.

use std::net::SocketAddr;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
use jsonrpsee::server::{BatchRequestConfig, Methods, Server, ServerConfig};
use redb::Database;
use strait_devnet_api::announced::AnnouncedApiServer;
use strait_devnet_api::keys::devnet_validator;
use strait_devnet_api::rpc::{BlockSummary, StraitApiServer};
use strait_devnet_api::tx::SignedTx;
use strait_light_client::{sign_commit, Header, LightBlock, PublicKey, SignedHeader};
use strait_merkle::{IncrementalTree, MerkleTree};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};
use tokio::sync::oneshot;

use crate::builder::{build_block, genesis_state, BlockInput, BuiltBlock};
use crate::consensus::Committee;
use crate::events::BlockEvent;
use crate::extensions::Extensions;
use crate::feed::{Feed, BLOCK_FEED_BYTES, EVENT_FEED_BYTES};
use crate::rpc::RpcServer;
use crate::server::guard::GuardLayer;
use crate::server::{RpcLimits, Transport};
pub use crate::server::{
    MAX_BATCH_LEN, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, MAX_SUBSCRIPTIONS_PER_CONNECTION,
    MESSAGE_BUFFER,
};
pub use crate::shared::{Latest, Shared, MAX_TX_CHECKS};
use crate::spec::{devnet_key_pool, genesis_header, ChainSpec, NodeConfig};
use crate::state::{keys, State};
use crate::store::{self, BlockRecord, BlockWrite, OutboxRecord, StateSum, StoreError};

/// Name of the database file in the data directory.
pub const DB_FILE: &str = "chain.redb";

/// A running node.
pub struct NodeHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Transport,
    stop: mpsc::Sender<()>,
    done: oneshot::Receiver<()>,
    thread: std::thread::JoinHandle<()>,
}

impl NodeHandle {
    /// The chain id.
    pub fn chain_id(&self) -> ChainId {
        self.shared.spec.chain_id
    }

    /// The chain spec.
    pub fn spec(&self) -> ChainSpec {
        self.shared.spec
    }

    /// `http://127.0.0.1:<port>` (or the bound address).
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:<port>`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The address the RPC server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Latest committed height.
    pub fn latest_height(&self) -> Height {
        self.shared.latest().header.height
    }

    /// Stops block production for `reason`, as a storage failure does: RPC keeps answering reads,
    /// refuses writes and reports the reason (`strait_health`, `strait_chainInfo`).
    pub fn halt(&self, reason: impl Into<String>) {
        self.shared.halt(reason);
    }

    /// Stops gracefully: the block being produced is finished and stored, the RPC server stops,
    /// and the database is closed when this returns.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
        let _ = self.thread.join();
        // Bounded: connections that do not finish within the grace are dropped.
        self.server.stop().await;
        let db = self.shared.take_db();
        if let Some(db) = db {
            // RPC calls in flight hold the database briefly; wait for them (bounded).
            for _ in 0..500 {
                if Arc::strong_count(&db) == 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            drop(db);
        }
        tracing::info!(chain = %self.shared.spec.chain_id, "node stopped");
    }
}

/// Opens or creates the node's database, restores its state, and starts block production (on a
/// dedicated thread) and the JSON-RPC server (on the current tokio runtime).
pub async fn start(config: NodeConfig) -> anyhow::Result<NodeHandle> {
    start_with(config, RpcLimits::default()).await
}

/// [`start`] with the RPC transport's bounds (timeouts, connections, shutdown grace) given.
pub async fn start_with(config: NodeConfig, limits: RpcLimits) -> anyhow::Result<NodeHandle> {
    let spec = config.spec;
    anyhow::ensure!(
        (1..=crate::spec::DEVNET_KEY_POOL).contains(&spec.validators),
        "validators must be 1..={}",
        crate::spec::DEVNET_KEY_POOL
    );
    anyhow::ensure!(spec.block_time_ms > 0, "block time must be positive");
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let path = config.data_dir.join(DB_FILE);
    let db =
        Arc::new(Database::create(&path).with_context(|| format!("opening {}", path.display()))?);
    if store::latest_height(&db)?.is_none() {
        write_genesis(&db, &spec, &config.remotes)?;
    }
    let latest_height = store::latest_height(&db)?.context("no block after genesis")?;
    let record = store::Reads(&db)
        .block(latest_height)?
        .context("latest block missing")?;
    let map = store::load_state(&db)?;
    // The whole state is checked, not only what the outbox root covers.
    let state_sum = StateSum::of(&map);
    match store::state_sum(&db)? {
        Some(stored) => anyhow::ensure!(
            stored == state_sum,
            "state checksum mismatch: the stored state table is not the one the blocks wrote \
             (stored {}, recomputed {})",
            hex::encode(stored.0),
            hex::encode(state_sum.0)
        ),
        None => tracing::warn!(chain = %spec.chain_id, "no stored state checksum; starting one"),
    }
    let state = State::from_map(map);
    let ids = store::load_outbox_ids(&db)?;
    anyhow::ensure!(
        ids.len() as u64 == record.outbox_count,
        "outbox holds {} messages, latest block says {}",
        ids.len(),
        record.outbox_count
    );
    let mut tree = MerkleTree::new();
    let mut incremental = IncrementalTree::new();
    for id in &ids {
        tree.append(id)?;
        incremental.append(id)?;
    }
    let header = *record.light_block.header();
    anyhow::ensure!(
        tree.root() == header.outbox_root,
        "rebuilt outbox root differs from the latest header's"
    );
    tracing::info!(chain = %spec.chain_id, height = %header.height, outbox = ids.len(), "node restored");

    let blocks = Feed::new(BLOCK_FEED_BYTES);
    let events = Feed::new(EVENT_FEED_BYTES);
    let shared = Arc::new(Shared::new(
        spec,
        // Every chain it may send to, foreign remotes included (`strait_chainInfo`).
        config
            .remotes
            .iter()
            .map(|r| r.chain_id)
            .chain(config.foreign_remotes.iter().copied())
            .collect(),
        db.clone(),
        tree,
        Latest {
            header,
            outbox_count: record.outbox_count,
            validators: record.light_block.validators.len(),
        },
        (blocks, events),
    ));

    let server_config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_LEN))
        .max_connections(limits.max_connections as u32)
        .max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
        .set_message_buffer_capacity(MESSAGE_BUFFER)
        .build();
    let listener = tokio::net::TcpListener::bind(config.rpc_addr)
        .await
        .with_context(|| format!("binding the RPC server to {}", config.rpc_addr))?;
    let addr = listener.local_addr()?;
    let mut module = RpcServer::new(shared.clone()).into_rpc();
    module
        .merge(crate::rpc_attesters::AttestersRpc::new(shared.clone()).into_rpc())
        .context("merging strait_attesters")?;
    let methods: Methods = module.into();
    let (stop_handle, server_handle) = jsonrpsee::server::stop_channel();
    let service = |http: bool| {
        Server::builder()
            .set_config(server_config.clone())
            .set_rpc_middleware(RpcServiceBuilder::new().layer(GuardLayer { http }))
            .to_service_builder()
            .build(methods.clone(), stop_handle.clone())
    };
    let server = crate::server::spawn(
        listener,
        service(true),
        service(false),
        (stop_handle.clone(), server_handle),
        limits,
    );

    let pool = devnet_key_pool(spec.chain_id);
    let pool_keys: Vec<PublicKey> = pool.iter().map(|s| s.public_key()).collect();
    let mut producer = Producer {
        shared: shared.clone(),
        db,
        state,
        state_sum,
        incremental,
        committee: Committee::new(pool, header),
        pool_keys,
        last: header,
        remotes: config.remotes.clone(),
        foreign_remotes: config.foreign_remotes.clone(),
    };
    let (stop, stop_rx) = mpsc::channel();
    let (done_tx, done) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name(format!("strait-producer-{}", spec.chain_id))
        .spawn(move || {
            producer.run(stop_rx);
            drop(producer);
            let _ = done_tx.send(());
        })?;
    tracing::info!(chain = %spec.chain_id, rpc = %addr, "node started");
    Ok(NodeHandle {
        shared,
        addr,
        server,
        stop,
        done,
        thread,
    })
}

/// Writes block 0: the genesis header signed by the genesis validators, and the genesis state
/// (the validator sets and a light client of each remote chain trusting its genesis). The genesis
/// state root is fixed by the spec (`genesis_state_root`), so other chains can compute the header.
fn write_genesis(db: &Database, spec: &ChainSpec, remotes: &[ChainSpec]) -> Result<(), StoreError> {
    let set = spec.genesis_validators();
    let header = genesis_header(spec);
    let signers: Vec<_> = (0..spec.validators)
        .map(|i| devnet_validator(spec.chain_id, i))
        .collect();
    let signer_refs: Vec<_> = signers.iter().collect();
    let commit = sign_commit(&header, &set, &signer_refs);
    let bls =
        crate::consensus::genesis_bls_light_block(&signers, &header, &set).map(|b| b.encode());
    let mut state = genesis_state(spec, remotes);
    let writes = state.take_writes();
    let mut state_sum = StateSum::default();
    for (key, value) in &writes {
        if let Some(value) = value {
            state_sum.add(key, value);
        }
    }
    let record = BlockRecord {
        tx_count: 0,
        outbox_count: 0,
        light_block: LightBlock {
            signed_header: SignedHeader { header, commit },
            validators: set.clone(),
            next_validators: set,
        },
    };
    store::write_block(
        db,
        &BlockWrite {
            record: &record,
            results: &[],
            writes: &writes,
            sent: &[],
            state_sum,
            bls_light_block: bls.as_deref(),
        },
    )?;
    tracing::info!(chain = %spec.chain_id, hash = %header.hash(), "genesis written");
    Ok(())
}

fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The block producer: owns the state and is the only writer of the database.
struct Producer {
    shared: Arc<Shared>,
    db: Arc<Database>,
    state: State,
    state_sum: StateSum,
    incremental: IncrementalTree,
    committee: Committee,
    pool_keys: Vec<PublicKey>,
    last: Header,
    remotes: Vec<ChainSpec>,
    foreign_remotes: Vec<ChainId>,
}

impl Producer {
    fn run(&mut self, stop: mpsc::Receiver<()>) {
        let interval = Duration::from_millis(self.shared.spec.block_time_ms);
        let mut next = Instant::now() + interval;
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            match stop.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
            if self.shared.halted().is_some() {
                return;
            }
            next += interval;
            if next < Instant::now() {
                // Fell behind (a long block): do not burst to catch up.
                next = Instant::now() + interval;
            }
            if let Err(e) = self.produce() {
                self.shared.halt(format!(
                    "block production stopped at height {}: {e:#}",
                    self.last.height.get() + 1
                ));
                return;
            }
        }
    }

    fn produce(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        let chain_id = self.shared.spec.chain_id;
        let timestamp = Timestamp(wall_clock_ms().max(self.last.timestamp.get() + 1));
        let txs = self.shared.mempool.take_block();
        let refs: Vec<(&SignedTx, Hash32)> = txs.iter().map(|p| (&p.tx, p.hash)).collect();
        // Building is pure: state, transactions and the time in; the block out.
        let built = build_block(
            &mut self.state,
            &mut self.incremental,
            &BlockInput {
                chain_id,
                parent: &self.last,
                timestamp,
                remotes: &self.remotes,
                foreign_remotes: &self.foreign_remotes,
                pool_keys: &self.pool_keys,
                txs: &refs,
                ext: Extensions::builtin(),
            },
        )?;
        let BuiltBlock {
            header,
            validators: current,
            next_validators: next,
            results,
            writes,
            outbox_ids,
            first_leaf,
            events,
        } = built;
        let height = header.height;
        let outbox_root = {
            let mut tree = self.shared.tree.write().expect("tree lock");
            for id in &outbox_ids {
                tree.append(id)?;
            }
            tree.root()
        };
        debug_assert_eq!(outbox_root, header.outbox_root);
        let commit = self.committee.commit(&header, &current, &next)?;
        // SPEC §5.7: the validators sign the header with BLS as well.
        let bls = self
            .committee
            .bls_commit(&header, &current, &next)
            .map(|b| b.encode());
        let validators = current.len();
        let record = BlockRecord {
            tx_count: results.len() as u32,
            outbox_count: self.incremental.count(),
            light_block: LightBlock {
                signed_header: SignedHeader { header, commit },
                validators: current,
                next_validators: next,
            },
        };
        let sent: Vec<(u64, OutboxRecord)> = events
            .iter()
            .filter_map(|e| match e {
                BlockEvent::Sent {
                    id,
                    leaf_index,
                    destination_chain,
                    packet,
                } => Some((
                    *leaf_index,
                    OutboxRecord {
                        height,
                        destination_chain: *destination_chain,
                        id: *id,
                        packet: packet.clone(),
                    },
                )),
                BlockEvent::Received { .. }
                | BlockEvent::Finalized { .. }
                | BlockEvent::Settled { .. }
                | BlockEvent::SecurityConfigSet { .. }
                | BlockEvent::Verifier(_)
                | BlockEvent::AttesterAnnounced { .. } => None,
            })
            .collect();
        debug_assert_eq!(
            sent.first().map(|s| s.0),
            outbox_ids.first().map(|_| first_leaf)
        );
        // Commit (and fsync) first, then publish the block as the latest in a short critical
        // section: `latest` never names a block that is not stored, and RPC readers, which read
        // `latest` first and then only heights up to it, never wait for a commit.
        // The state checksum moves by the block's writes: their old values are still the
        // stored ones.
        let mut state_sum = self.state_sum;
        let keys: Vec<Vec<u8>> = writes.iter().map(|(k, _)| k.clone()).collect();
        let old = store::Reads(&self.db).states(&keys)?;
        for ((key, new), old) in writes.iter().zip(old) {
            if let Some(old) = old {
                state_sum.remove(key, &old);
            }
            if let Some(new) = new {
                state_sum.add(key, new);
            }
        }
        store::write_block(
            &self.db,
            &BlockWrite {
                record: &record,
                results: &results,
                writes: &writes,
                sent: &sent,
                state_sum,
                bls_light_block: bls.as_deref(),
            },
        )?;
        self.state_sum = state_sum;
        *self.shared.latest.write().expect("latest lock") = Latest {
            header,
            outbox_count: record.outbox_count,
            validators,
        };
        self.committee.committed(&header);
        self.last = header;
        // Only now that the block's nonces are stored: see `mempool`'s docs.
        let state = &self.state;
        self.shared
            .mempool
            .prune_nonces(|account| state.get_u64(&keys::account(account)));
        self.shared.blocks.publish(&BlockSummary {
            chain_id,
            height,
            timestamp,
            hash: header.hash(),
            txs: results.len(),
            outbox_root,
            outbox_count: record.outbox_count,
        });
        for event in &events {
            self.shared
                .events
                .publish(&crate::rpc::notification(event, chain_id, height));
        }
        let proposer = Committee::proposer(&record.light_block.validators, height);
        tracing::debug!(
            chain = %chain_id,
            %height,
            %proposer,
            txs = results.len(),
            writes = writes.len(),
            sent = sent.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "block committed"
        );
        Ok(())
    }
}
