//! An EVM chain running the Solidity endpoint as a [`SourceChain`] and an [`OutboxHistory`]
//! (`docs/SPEC.md` `[STRAIT-EVM-SRC.*]`).
//!
//! Only confirmed blocks are exposed: the latest height is the head minus the configured
//! confirmation depth, so attesters sign checkpoints and relayers prove against roots of
//! confirmed blocks only. Outbox states are read from the endpoint by `eth_call` at a block hash;
//! pages and multiproofs come from an in-memory index of the `Sent` logs (the README says what it
//! costs), which notices a changed confirmed block and re-indexes past the fork.

mod index;
mod page;
mod payments;
pub(crate) mod rpc;
pub(crate) mod scan;
#[cfg(test)]
mod tests;

use core::time::Duration;
use std::sync::Arc;

use alloy::primitives::Address;
use alloy::providers::{Provider, ProviderBuilder};
use strait_chain_client::{
    ChainError, MessagePayment, OutboxHistory, OutboxPage, OutboxState, SourceChain, MAX_PAGE_ITEMS,
};
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_primitives::{ChainId, Height, MessageId};
use tokio::sync::Mutex;

use self::index::OutboxIndex;
use self::payments::Recent;
pub use self::payments::RECENT_MESSAGES;
use self::rpc::SourceRpc;

/// Blocks one `eth_getLogs` request covers by default (public nodes commonly allow 1,000 to
/// 10,000).
pub const DEFAULT_MAX_LOG_RANGE: u64 = 1_000;

/// How long one JSON-RPC request may take by default.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// Log requests one call may make by default while the index catches up (64,000 blocks with the
/// default range): a call never waits for a whole chain's history.
pub const DEFAULT_MAX_RANGES_PER_SYNC: u64 = 64;

/// Scanned range ends remembered by default to find where a reorg forked.
pub const DEFAULT_REORG_WINDOW: usize = 256;

/// How to follow an EVM chain's endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmSourceConfig {
    /// The node's JSON-RPC URL (HTTP).
    pub url: String,
    /// The `StraitEndpoint` contract.
    pub endpoint: Address,
    /// The chain's Strait id: its EIP-155 chain id.
    pub chain_id: ChainId,
    /// Blocks below the head a block must be to be exposed (`[STRAIT-EVM-SRC.1]`).
    pub confirmations: u64,
    /// The first block to scan for `Sent` logs: the endpoint's deployment block (0 scans from
    /// genesis).
    pub start_block: u64,
    /// Most blocks of one `eth_getLogs` request (at least 1).
    pub max_log_range: u64,
    /// Most log requests one call makes while the index catches up (at least 1): pages then
    /// cover the blocks indexed so far, multiproofs at later heights are `Unavailable`.
    pub max_ranges_per_sync: u64,
    /// How long one request may take before it counts as `Unavailable`.
    pub rpc_timeout: Duration,
    /// Scanned range ends remembered to find a fork (at least 1); a reorg deeper than all of them
    /// re-indexes from `start_block`.
    pub reorg_window: usize,
}

impl EvmSourceConfig {
    /// Follows `endpoint` on the chain `chain_id` at `url`, exposing blocks `confirmations` below
    /// the head, scanning from genesis with the default range, timeout and window.
    pub fn new(
        url: impl Into<String>,
        endpoint: Address,
        chain_id: u64,
        confirmations: u64,
    ) -> Self {
        Self {
            url: url.into(),
            endpoint,
            chain_id: ChainId(chain_id),
            confirmations,
            start_block: 0,
            max_log_range: DEFAULT_MAX_LOG_RANGE,
            max_ranges_per_sync: DEFAULT_MAX_RANGES_PER_SYNC,
            rpc_timeout: DEFAULT_RPC_TIMEOUT,
            reorg_window: DEFAULT_REORG_WINDOW,
        }
    }
}

struct Inner {
    rpc: SourceRpc,
    confirmations: u64,
    max_log_range: u64,
    max_ranges: u64,
    index: Mutex<OutboxIndex>,
    recent: std::sync::Mutex<Recent>,
    fees: tokio::sync::OnceCell<Address>,
}

/// An EVM chain's endpoint as a source of messages. Clones share one index.
#[derive(Clone)]
pub struct EvmSource {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for EvmSource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EvmSource")
            .field("chain", &self.inner.rpc.chain)
            .field("endpoint", &self.inner.rpc.endpoint)
            .field("confirmations", &self.inner.confirmations)
            .finish_non_exhaustive()
    }
}

impl EvmSource {
    /// A source following `config` (no request yet; [`EvmSource::connect`] also checks the node).
    pub fn new(config: EvmSourceConfig) -> Result<Self, ChainError> {
        let url = config.url.parse().map_err(|e| ChainError::Refused {
            chain: config.chain_id,
            what: "connect",
            reason: format!("bad RPC URL {}: {e}", config.url),
        })?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(url)
            .erased();
        Ok(Self {
            inner: Arc::new(Inner {
                rpc: SourceRpc {
                    provider,
                    chain: config.chain_id,
                    endpoint: config.endpoint,
                    timeout: config.rpc_timeout,
                },
                confirmations: config.confirmations,
                max_log_range: config.max_log_range.max(1),
                max_ranges: config.max_ranges_per_sync.max(1),
                index: Mutex::new(OutboxIndex::new(config.start_block, config.reorg_window)),
                recent: std::sync::Mutex::default(),
                fees: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// [`EvmSource::new`], then checks that the node serves the configured chain id and that the
    /// endpoint has code and was built for this chain (`Refused` otherwise).
    pub async fn connect(config: EvmSourceConfig) -> Result<Self, ChainError> {
        let source = Self::new(config)?;
        let rpc = &source.inner.rpc;
        let node_chain = rpc.chain_id().await?;
        if node_chain != rpc.chain.get() {
            return Err(rpc.refused(
                "connect",
                format!("the node serves chain {node_chain}, not {}", rpc.chain),
            ));
        }
        if !rpc.endpoint_deployed().await? {
            return Err(rpc.refused(
                "connect",
                format!("no contract at the endpoint address {}", rpc.endpoint),
            ));
        }
        Ok(source)
    }

    /// The confirmation depth.
    pub fn confirmations(&self) -> u64 {
        self.inner.confirmations
    }

    /// The endpoint's address.
    pub fn endpoint(&self) -> Address {
        self.inner.rpc.endpoint
    }

    /// The confirmed head: the head minus the confirmation depth (genesis while the chain is
    /// shorter than the depth).
    pub async fn confirmed_height(&self) -> Result<Height, ChainError> {
        let head = self.inner.rpc.head().await?;
        Ok(Height(head.saturating_sub(self.inner.confirmations)))
    }

    /// Leaves indexed so far (the outbox size at the last block indexed).
    pub async fn indexed_leaves(&self) -> u64 {
        self.inner.index.lock().await.count()
    }

    /// `[STRAIT-EVM-SRC.1]` The endpoint's outbox at the confirmed `height`, by `eth_call` at that
    /// block's hash.
    pub async fn outbox_state(&self, height: Height) -> Result<OutboxState, ChainError> {
        let rpc = &self.inner.rpc;
        let confirmed = self.confirmed_height().await?;
        if height > confirmed {
            // Not confirmed yet, or no longer: a reorganisation may take the head back below a
            // height it confirmed a moment ago. Either way, asked again later it is answered.
            return Err(rpc.unavailable(
                "outbox_at",
                format!("height {height} is past the confirmed head {confirmed}"),
            ));
        }
        let Some(hash) = rpc.block_hash(height.get()).await? else {
            return Err(rpc.unavailable("outbox_at", format!("the node has no block {height}")));
        };
        let (root, count) = rpc.outbox_at(hash).await?;
        Ok(OutboxState {
            height,
            root,
            count,
        })
    }

    async fn prove(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        let rpc = &self.inner.rpc;
        if leaves.is_empty() || leaves.len() > MAX_PAGE_ITEMS {
            return Err(rpc.refused(
                "multiproof",
                format!("{} leaves (1 to {MAX_PAGE_ITEMS})", leaves.len()),
            ));
        }
        let mut synced = self.sync().await?;
        for attempt in 0..2 {
            if height.get() > synced.confirmed {
                // As in `outbox_state`: not confirmed yet, or no longer after a reorganisation.
                return Err(rpc.unavailable(
                    "multiproof",
                    format!(
                        "height {height} is past the confirmed head {}",
                        synced.confirmed
                    ),
                ));
            }
            if synced.indexed_through.is_none_or(|b| b < height.get()) {
                return Err(rpc.unavailable(
                    "multiproof",
                    format!(
                        "the index is catching up: through block {:?} of {height}",
                        synced.indexed_through
                    ),
                ));
            }
            let state = self.outbox_state(height).await?;
            let index = self.inner.index.lock().await;
            if index.root_at(state.count).ok() != Some(state.root) {
                // Perhaps a block changed since the sync (seen by this sync or another
                // caller's): look again once.
                drop(index);
                if attempt == 0 {
                    synced = self.sync().await?;
                    continue;
                }
                return Err(rpc.bad(
                    "multiproof",
                    format!(
                        "the outbox at height {height} ({} leaves, root {}) is not what its Sent logs give",
                        state.count, state.root
                    ),
                ));
            }
            let proof = index
                .multiproof(leaves, state.count)
                .map_err(|e| rpc.refused("multiproof", e.to_string()))?;
            let ids: Vec<MessageId> = leaves
                .iter()
                .filter_map(|&l| index.leaf(l).map(|leaf| leaf.id))
                .collect();
            proof
                .verify(&ids, &state.root)
                .map_err(|e| rpc.bad("multiproof", e.to_string()))?;
            return Ok(proof);
        }
        Err(rpc.unavailable("multiproof", "the chain reorganised while proving"))
    }
}

impl SourceChain for EvmSource {
    fn chain_id(&self) -> ChainId {
        self.inner.rpc.chain
    }

    /// `[STRAIT-EVM-SRC.1]` The confirmed head.
    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.confirmed_height().await
    }

    async fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        self.page(destination, from_leaf, limit.min(MAX_PAGE_ITEMS))
            .await
    }

    async fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        self.prove(leaves, height).await
    }

    /// `[STRAIT-EVM-SRC.4]` From the `FeeLocked` logs of the blocks that sent the messages (ones
    /// paged recently; others are `Unknown`).
    async fn payments(&self, ids: &[MessageId]) -> Result<Vec<MessagePayment>, ChainError> {
        self.paid(ids).await
    }

    /// An EVM chain has no BFT header: its messages are proven by attesters or an optimistic
    /// client.
    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        Err(self.inner.rpc.refused(
            "light_block",
            format!("an EVM chain has no BFT light block (height {height})"),
        ))
    }
}

impl OutboxHistory for EvmSource {
    fn chain_id(&self) -> ChainId {
        self.inner.rpc.chain
    }

    /// `[STRAIT-EVM-SRC.1]` The confirmed head.
    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.confirmed_height().await
    }

    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        self.outbox_state(height).await
    }
}
