//! What the block producer and the RPC server share: the database, the outbox tree, the latest
//! block, the mempool, the subscription feeds and the node's health.

use std::sync::{Arc, RwLock};

use redb::Database;
use strait_light_client::Header;
use strait_merkle::MerkleTree;
use strait_primitives::ChainId;

use crate::feed::Feed;
use crate::mempool::Mempool;
use crate::spec::ChainSpec;

/// The latest committed block, as the RPC server sees it.
#[derive(Clone, Debug)]
pub struct Latest {
    /// Its header.
    pub header: Header,
    /// Outbox size after it.
    pub outbox_count: u64,
    /// Size of the set that signed it.
    pub validators: usize,
}

/// What the producer thread and the RPC server share.
pub struct Shared {
    /// This chain.
    pub spec: ChainSpec,
    /// Remote chains.
    pub remotes: Vec<ChainId>,
    db: RwLock<Option<Arc<Database>>>,
    /// The whole outbox; appended before each block is stored, so every stored height's size
    /// is available.
    pub tree: RwLock<MerkleTree>,
    /// The latest committed block.
    pub latest: RwLock<Latest>,
    /// Waiting transactions.
    pub mempool: Mempool,
    /// New block announcements.
    pub blocks: Feed,
    /// New endpoint events.
    pub events: Feed,
    /// Why block production stopped, once it has: the node then refuses writes.
    halted: RwLock<Option<String>>,
    /// Bounds the transaction checks running off the async runtime.
    pub tx_checks: Arc<tokio::sync::Semaphore>,
}

impl Shared {
    /// The state shared by a node starting on `db`, at `latest`.
    pub(crate) fn new(
        spec: ChainSpec,
        remotes: Vec<ChainId>,
        db: Arc<Database>,
        tree: MerkleTree,
        latest: Latest,
        (blocks, events): (Feed, Feed),
    ) -> Self {
        Self {
            spec,
            remotes,
            db: RwLock::new(Some(db)),
            tree: RwLock::new(tree),
            latest: RwLock::new(latest),
            mempool: Mempool::default(),
            blocks,
            events,
            halted: RwLock::new(None),
            tx_checks: Arc::new(tokio::sync::Semaphore::new(MAX_TX_CHECKS)),
        }
    }

    /// Takes the database out, for a stopping node: RPC calls from now on find none.
    pub(crate) fn take_db(&self) -> Option<Arc<Database>> {
        self.db.write().expect("db lock").take()
    }

    /// The database, unless the node is shutting down.
    pub fn db(&self) -> Option<Arc<Database>> {
        self.db.read().expect("db lock").clone()
    }

    /// The latest committed block.
    pub fn latest(&self) -> Latest {
        self.latest.read().expect("latest lock").clone()
    }

    /// Why block production stopped, or `None` while the node is healthy.
    pub fn halted(&self) -> Option<String> {
        self.halted.read().expect("halted lock").clone()
    }

    /// Stops block production for `reason` (the first reason is kept): the producer finishes no
    /// further block and RPC refuses writes with `NODE_HALTED`.
    pub fn halt(&self, reason: impl Into<String>) {
        let mut halted = self.halted.write().expect("halted lock");
        if halted.is_none() {
            let reason = reason.into();
            tracing::error!(chain = %self.spec.chain_id, %reason, "node halted");
            *halted = Some(reason);
        }
    }
}

/// Most transactions checked (signature, body decoding) at once, off the async runtime.
pub const MAX_TX_CHECKS: usize = 16;
