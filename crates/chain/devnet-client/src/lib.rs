//! The devnet chain adapter: talks to devnet nodes over JSON-RPC so that agents see them only
//! through `strait_chain_client::{SourceChain, DestinationChain}`.
//!
//! * [`rpc::ChainRpc`]: one node's JSON-RPC client (typed calls, bounded retries of transient
//!   failures, every answer checked before it is handed on).
//! * [`chain::DevnetChain`]: a node as a source and a destination chain; a relay becomes a devnet
//!   transaction signed with the relayer's account and its nonce, shared by every path into the
//!   chain.
//! * [`convert`]: the devnet's encoding of the chain-client types (relay limits, a relay's
//!   transaction body, a transaction result as a relay report), without a transport: the
//!   in-process chain of `strait-sim` uses it too.
//! * [`attesters`]: a node as an attester's outbox history; attesters' RPC servers as a
//!   relayer's attestation source ([`RpcAttesters`]).
//! * [`follow`]: a node's latest height, from `strait_subscribeBlocks` with a polling fallback.
//! * [`run_relayer`]: the relayer (`strait_relayer::relay`) between devnet nodes, on tokio.
//!
//! # Examples
//!
//! ```no_run
//! # async fn example() -> Result<(), strait_devnet_client::DevnetClientError> {
//! use strait_devnet_client::{ChainEndpoint, RelayerConfig};
//!
//! let config = RelayerConfig::new(
//!     vec![ChainEndpoint::http("http://127.0.0.1:9650"), ChainEndpoint::http("http://127.0.0.1:9651")],
//!     "relayer-0",
//! );
//! let metrics = config.metrics.clone();
//! strait_devnet_client::run_relayer(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! println!("relayed {}", metrics.snapshot().messages_relayed);
//! # Ok(()) }
//! ```

pub mod attesters;
pub mod chain;
pub mod convert;
pub mod dispute;
mod error;
pub mod follow;
mod relayer;
pub mod rpc;

use core::time::Duration;
use std::sync::Arc;

pub use attesters::RpcAttesters;
pub use chain::DevnetChain;
pub use error::{is_transient_client_error, DevnetClientError};
pub use relayer::run_relayer;
pub use rpc::ChainRpc;
use strait_devnet_api::keys::AccountKey;
use strait_primitives::{ChainId, ClientId};
use strait_relayer::propose::ProposePolicy;
pub use strait_relayer::sched::FeePolicy;
use strait_relayer::{Attested, Metrics, ProposeTo, RelayerError, Settings};

/// How to reach one chain's node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainEndpoint {
    /// JSON-RPC over HTTP, e.g. `http://127.0.0.1:9650`.
    pub rpc_url: String,
    /// JSON-RPC over websocket for subscriptions, e.g. `ws://127.0.0.1:9650`; polling without one.
    pub ws_url: Option<String>,
}

impl ChainEndpoint {
    /// An endpoint reached over HTTP only (the relayer polls for new blocks).
    pub fn http(rpc_url: impl Into<String>) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            ws_url: None,
        }
    }

    /// An endpoint with both an HTTP and a websocket URL.
    pub fn new(rpc_url: impl Into<String>, ws_url: impl Into<String>) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            ws_url: Some(ws_url.into()),
        }
    }
}

/// Configuration of [`run_relayer`].
#[derive(Debug)]
pub struct RelayerConfig {
    /// The chains to relay between (every ordered pair); at least two, distinct chain ids.
    pub chains: Vec<ChainEndpoint>,
    /// The account that signs relay transactions. Relaying is permissionless: any account will do.
    pub account: AccountKey,
    /// Most messages in one delivery batch; capped at `strait_endpoint::MAX_BATCH_LEN`.
    pub max_batch: usize,
    /// Most undelivered messages a path holds in memory at once.
    pub max_pending: usize,
    /// Most undelivered messages of one route (source, sender, destination, receiver) a path holds
    /// in memory at once: a route whose messages cannot be delivered keeps at most this share, and
    /// the path reads on past it for the other routes.
    pub max_pending_per_route: usize,
    /// How often to look for work without a new-block notification.
    pub poll_interval: Duration,
    /// How often to ask whether a submitted transaction is included.
    pub tx_poll_interval: Duration,
    /// How long to wait for a submitted transaction before giving up on it (it is retried).
    pub tx_timeout: Duration,
    /// Timeout of one JSON-RPC request.
    pub request_timeout: Duration,
    /// Largest backoff after repeated failures.
    pub max_backoff: Duration,
    /// Which messages to carry, by what they paid on their source (`[STRAIT-FEE.9]`; default:
    /// all). A policy other than carrying all asks the source each new message's status.
    pub fee_policy: FeePolicy,
    /// Counters the caller may read while the relayer runs.
    pub metrics: Arc<Metrics>,
    /// Committee clients kept current with attesters' certificates (none by default).
    pub attested: Attested,
    /// Optimistic clients the relayer proposes its sources' roots to (`[STRAIT-OPT.3]`; none by
    /// default), bonding from `account`: each target's `account` is set to its address.
    pub propose: Vec<ProposeTo>,
}

impl RelayerConfig {
    /// Defaults for `chains`, signing with the devnet account derived from `account_label`.
    pub fn new(chains: Vec<ChainEndpoint>, account_label: &str) -> Self {
        Self {
            chains,
            account: AccountKey::devnet(account_label),
            max_batch: strait_endpoint::MAX_BATCH_LEN,
            max_pending: 8 * strait_endpoint::MAX_BATCH_LEN,
            max_pending_per_route: strait_endpoint::MAX_BATCH_LEN,
            poll_interval: Duration::from_millis(500),
            tx_poll_interval: Duration::from_millis(50),
            tx_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            max_backoff: Duration::from_secs(5),
            fee_policy: FeePolicy::CarryAll,
            metrics: Arc::new(Metrics::default()),
            attested: Attested::default(),
            propose: Vec::new(),
        }
    }

    /// Adds the optimistic client `client` on `destination`, following `source`, to the clients
    /// the relayer proposes to, with the default pacing.
    pub fn propose_to(&mut self, source: ChainId, destination: ChainId, client: ClientId) {
        self.propose.push(ProposeTo {
            source,
            destination,
            client,
            account: self.account.address(),
            policy: ProposePolicy::default(),
        });
    }

    /// The relayer's settings, checked: every bound positive, the batch at most
    /// `strait_endpoint::MAX_BATCH_LEN`, a route's share at most the whole.
    pub fn settings(&self) -> Result<Settings, RelayerError> {
        if self.max_batch == 0 || self.max_pending == 0 || self.max_pending_per_route == 0 {
            return Err(RelayerError::Config(
                "max_batch, max_pending and max_pending_per_route must be positive".into(),
            ));
        }
        Ok(Settings {
            max_batch: self.max_batch.min(strait_endpoint::MAX_BATCH_LEN),
            max_pending: self.max_pending,
            max_pending_per_route: self.max_pending_per_route.min(self.max_pending),
            poll_interval: self.poll_interval,
            max_backoff: self.max_backoff,
            fee_policy: self.fee_policy,
        })
    }
}
