//! A permissionless, untrusted relayer of Strait messages between chains, written against the
//! chain-client traits and the runtime trait only.
//!
//! For every ordered pair (source, destination) of the given chains, [`relay`] follows the source
//! and, each round, finds from chain state the source's outbox messages for the destination that the
//! destination has not received, and submits one relay: the light-client updates the proof height
//! needs (bisecting when a skip lacks trust), then batches of messages, each proven by one
//! multiproof, within the destination's [`RelayLimits`](strait_chain_client::RelayLimits). See the
//! crate README for the module map. The relayer never sees a transport: a chain adapter (the devnet
//! one is `strait-devnet-client`, the in-process one `strait-sim`) implements the traits, signs
//! and submits.
//!
//! The relayer keeps only soft state; the destination's replay protection makes every message
//! execute exactly once whatever relayers crash, restart or race.
//!
//! One stuck route cannot starve the others: each route has a bounded share of a path's memory and
//! of each transaction, and messages answered `Retry` back off and are quarantined ([`sched`]).
//! No header is retried for ever ([`guard`]).
//!
//! # Examples
//!
//! ```no_run
//! use std::future::Future;
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use strait_chain_client::{DestinationChain, SourceChain};
//! use strait_relayer::{poll_heights, relay, Metrics, RelayerError, Settings};
//! use strait_runtime::tokio::TokioRuntime;
//!
//! /// Relays between `chains` (any adapter) on tokio until `shutdown` completes.
//! async fn run<C>(chains: Vec<C>, shutdown: impl Future<Output = ()>) -> Result<(), RelayerError>
//! where
//!     C: SourceChain + DestinationChain + Clone,
//! {
//!     let rt = TokioRuntime::new();
//!     let chains = chains
//!         .into_iter()
//!         .map(|c| {
//!             let heights = poll_heights(&rt, c.clone(), Duration::from_millis(500));
//!             (c, heights)
//!         })
//!         .collect();
//!     let metrics = Arc::new(Metrics::default());
//!     relay(rt, chains, Settings::default(), metrics.clone(), shutdown).await?;
//!     println!("relayed {}", metrics.snapshot().messages_relayed);
//!     Ok(())
//! }
//! ```

pub mod attested;
mod error;
pub mod guard;
mod metrics;
mod path;
pub mod plan;
pub mod propose;
pub mod route;
mod run;
pub mod sched;

use core::time::Duration;

pub use attested::{certify, Attested, AttestedClient};
pub use error::RelayerError;
pub use metrics::{Metrics, MetricsSnapshot};
pub use propose::ProposeTo;
pub use run::{poll_heights, relay, relay_attested, relay_proposing};

/// What every path of a relayer shares, whatever its chains: batch and memory bounds, pacing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Most messages in one delivery batch; at most `strait_endpoint::MAX_BATCH_LEN`.
    pub max_batch: usize,
    /// Most undelivered messages a path holds in memory at once.
    pub max_pending: usize,
    /// Most undelivered messages of one route a path holds in memory at once.
    pub max_pending_per_route: usize,
    /// How often to look for work without a new-height notification.
    pub poll_interval: Duration,
    /// Largest backoff after repeated failures.
    pub max_backoff: Duration,
    /// Which messages to carry, by what they paid (`[STRAIT-FEE.9]`; default: all).
    pub fee_policy: sched::FeePolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_batch: strait_endpoint::MAX_BATCH_LEN,
            max_pending: 8 * strait_endpoint::MAX_BATCH_LEN,
            max_pending_per_route: strait_endpoint::MAX_BATCH_LEN,
            poll_interval: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            fee_policy: sched::FeePolicy::CarryAll,
        }
    }
}
