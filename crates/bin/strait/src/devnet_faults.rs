//! `strait devnet --faults`: the seed's fault schedule ([`crate::devnet_seed::fault_schedule`])
//! done to the devnet's real relayer while the load runs. A relayer restart aborts the relayer's
//! task (dropped at its next await point; its paths, told by the closed stop channel, let a
//! round that waits for its transaction finish within the relayer's stop grace, then end) and,
//! after the scheduled downtime, starts a new relayer from nothing but its configuration: new
//! RPC connections, new EVM source and destination adapters (nonces read again from the chains),
//! no queue, cache or cursor of the old one. The new relayer must find from the chains alone what
//! is still to relay and settle, and never deliver a message twice.
//!
//! What the crashed relayer shares with its successor is outside the relayer: the attesters'
//! boards (another service's signatures) and the metrics it counts into (read by the report).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use strait_devnet_client::{ChainEndpoint, RelayerConfig};
use strait_relayer::{Attested, Metrics, ProposeTo};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::devnet_seed::{FaultEvent, FaultKind};
use crate::evm_devnet::{EvmDevnet, RelayChain};

/// A running relayer.
pub(crate) type Relayer = JoinHandle<anyhow::Result<()>>;

/// Tries to start a relayer again before the fault counts as failed (its adapters connect to the
/// chains, which a loaded anvil may answer slowly).
const RESTART_ATTEMPTS: u32 = 5;

/// What starts the devnet's relayer, first and after each crash: everything it is configured
/// with, and nothing it learned while running.
pub(crate) struct RelayerSpawner {
    /// The native chains.
    pub(crate) endpoints: Vec<ChainEndpoint>,
    /// Its committee clients and where it finds the attesters' signatures.
    pub(crate) attested: Attested,
    /// The optimistic clients it proposes to.
    pub(crate) propose: Vec<ProposeTo>,
    /// How often it looks for work.
    pub(crate) poll_interval: Duration,
    /// How often it asks for a transaction's inclusion.
    pub(crate) tx_poll_interval: Duration,
    /// The counters it adds to (the report reads them).
    pub(crate) metrics: Arc<Metrics>,
    /// Set to true to stop it.
    pub(crate) stop: watch::Receiver<bool>,
}

impl RelayerSpawner {
    /// A new relayer's configuration.
    pub(crate) fn config(&self) -> RelayerConfig {
        let mut config = RelayerConfig::new(self.endpoints.clone(), "relayer-0");
        config.attested = self.attested.clone();
        config.propose = self.propose.clone();
        config.poll_interval = self.poll_interval;
        config.tx_poll_interval = self.tx_poll_interval;
        config.metrics = self.metrics.clone();
        config
    }

    /// Starts a relayer of `config` over the native chains and, with `evm`, those EVM chains.
    pub(crate) fn spawn(&self, config: RelayerConfig, evm: Option<Vec<RelayChain>>) -> Relayer {
        let mut stop = self.stop.clone();
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        match evm {
            Some(chains) => tokio::spawn(crate::hetero_relayer::run(config, chains, stopped)),
            None => tokio::spawn(async move {
                strait_devnet_client::run_relayer(config, stopped)
                    .await
                    .map_err(anyhow::Error::from)
            }),
        }
    }

    /// Starts a new relayer (new adapters of `evm`'s chains), retrying a few times.
    async fn respawn(&self, evm: Option<&EvmDevnet>) -> anyhow::Result<Relayer> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let chains = match evm {
                Some(e) => match crate::evm_devnet::relay_chains(e).await {
                    Ok(c) => Some(c),
                    Err(e) if attempt < RESTART_ATTEMPTS => {
                        tracing::warn!(error = %e, attempt, "restarting the relayer");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                    Err(e) => return Err(e.context("restarting the relayer")),
                },
                None => None,
            };
            return Ok(self.spawn(self.config(), chains));
        }
    }
}

/// One fault as it happened.
#[derive(Debug, Serialize)]
pub(crate) struct DoneFault {
    /// What was scheduled.
    #[serde(flatten)]
    pub(crate) event: FaultEvent,
    /// When it came, in milliseconds after the load started (at or after `at_ms`).
    pub(crate) done_at_ms: u64,
    /// When the faulty part was up again, in milliseconds after the load started.
    pub(crate) up_at_ms: u64,
}

/// The report's `faults`: the seed's schedule and what was done of it.
#[derive(Debug, Default, Serialize)]
pub(crate) struct FaultsReport {
    /// The schedule (the same for the same seed).
    pub(crate) schedule: Vec<FaultEvent>,
    /// Each fault done, in order.
    pub(crate) done: Vec<DoneFault>,
    /// Relayer restarts done.
    pub(crate) relayer_restarts: u64,
}

impl FaultsReport {
    /// Whether every scheduled fault was done.
    pub(crate) fn complete(&self) -> bool {
        self.done.len() == self.schedule.len()
    }
}

/// Does `schedule` to `relayer` (replacing it at each restart), timed from `start`; stops early
/// if a restart fails.
pub(crate) async fn run(
    schedule: Vec<FaultEvent>,
    relayer: &mut Option<Relayer>,
    spawner: &RelayerSpawner,
    evm: Option<&EvmDevnet>,
    start: Instant,
) -> anyhow::Result<FaultsReport> {
    let since = |start: Instant| u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut report = FaultsReport {
        schedule: schedule.clone(),
        ..FaultsReport::default()
    };
    for event in schedule {
        tokio::time::sleep_until((start + Duration::from_millis(event.at_ms)).into()).await;
        match event.kind {
            FaultKind::RelayerRestart => {
                let old = relayer.take().context("no relayer to crash")?;
                old.abort();
                // Gone: aborted (or it had already ended, which the report's checks will show).
                if let Ok(Err(e)) = old.await {
                    tracing::warn!(error = %e, "the relayer had ended with an error");
                }
                let done_at_ms = since(start);
                tracing::info!(
                    at_ms = done_at_ms,
                    down_ms = event.down_ms,
                    "fault: relayer crashed"
                );
                tokio::time::sleep(Duration::from_millis(event.down_ms)).await;
                *relayer = Some(spawner.respawn(evm).await?);
                let up_at_ms = since(start);
                tracing::info!(at_ms = up_at_ms, "fault: relayer restarted");
                report.relayer_restarts += 1;
                report.done.push(DoneFault {
                    event,
                    done_at_ms,
                    up_at_ms,
                });
            }
        }
    }
    Ok(report)
}
