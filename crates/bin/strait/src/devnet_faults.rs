//! `strait devnet --faults`: the seed's fault schedule ([`crate::devnet_seed::fault_schedule`])
//! done to the devnet's real relayer and EVM attesters while the load runs. A relayer restart
//! aborts the relayer's task (dropped at its next await point; its paths, told by the closed
//! stop channel, let a round that waits for its transaction finish within the relayer's stop
//! grace, then end) and, after the scheduled downtime, starts a new relayer from nothing but its
//! configuration: new RPC connections, new EVM source and destination adapters (nonces read
//! again from the chains), no queue, cache or cursor of the old one. The new relayer must find
//! from the chains alone what is still to relay and settle, and never deliver a message twice.
//!
//! What the crashed relayer shares with its successor is outside the relayer: the attesters'
//! boards (another service's signatures) and the metrics it counts into (read by the report).
//!
//! An attester restart aborts one EVM chain's attester and, after the downtime, starts it again
//! from its configuration and signing record: it must go on signing that chain's checkpoints
//! where it stopped (the report says whether its board grew after it came back), never signing
//! a checkpoint that conflicts with one it signed before (its record refuses; the native chains'
//! clients of the EVM chains would freeze on such a pair).
//!
//! A reorganisation replaces an EVM chain's last blocks with empty ones (anvil's `anvil_reorg`,
//! which puts none of their transactions back in its pool), fewer than the confirmation depth
//! the agents read at. What the relayer and the loads had landed there is gone: each must send
//! it again (their transaction managers keep what they signed), or the run's checks find a
//! message or transfer missing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use strait_devnet_client::{ChainEndpoint, RelayerConfig};
use strait_relayer::{Attested, Metrics, ProposeTo};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::devnet_seed::{FaultEvent, FaultKind};
use crate::evm_attesters::EvmAttesters;
use crate::evm_devnet::{EvmChain, EvmDevnet, RelayChain};

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
    /// The attester restarted (`<kind>-<chain>-<member>`), for an attester restart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) attester_name: Option<String>,
    /// For a reorganisation: the chain, and the transactions of the blocks it replaced (as read
    /// just before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reorg: Option<Reorged>,
}

/// A reorganisation as it was done.
#[derive(Debug, Serialize)]
pub(crate) struct Reorged {
    /// The EVM chain.
    pub(crate) chain: strait_primitives::ChainId,
    /// Its head when it was done.
    pub(crate) head: u64,
    /// How many transactions the replaced blocks held.
    pub(crate) dropped_transactions: u64,
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
    /// Attester restarts done.
    pub(crate) attester_restarts: u64,
    /// Reorganisations done.
    pub(crate) reorgs: u64,
    /// Restarted attesters that signed a checkpoint after they came back (by the end of the
    /// run, [`FaultsReport::finish`]).
    pub(crate) attesters_signed_after_restart: u64,
    /// Each restarted attester's board and its size when the attester came back.
    #[serde(skip)]
    restarted: Vec<(strait_attester::Board, usize)>,
}

impl FaultsReport {
    /// Whether every scheduled fault was done.
    pub(crate) fn complete(&self) -> bool {
        self.done.len() == self.schedule.len()
    }

    /// Counts the restarted attesters whose boards grew since they came back: once the load is
    /// over.
    pub(crate) fn finish(&mut self) {
        self.attesters_signed_after_restart = self
            .restarted
            .iter()
            .filter(|(board, at_up)| board.len() > *at_up)
            .count() as u64;
    }
}

/// Does `schedule` to `relayer` (replacing it at each restart), to `attesters` and to `evm`'s
/// chains, timed from `start`; stops early if a restart or a reorganisation fails. Without EVM
/// attesters, a schedule's attester restarts are left out of it; without EVM chains, its
/// reorganisations.
pub(crate) async fn run(
    mut schedule: Vec<FaultEvent>,
    relayer: &mut Option<Relayer>,
    spawner: &RelayerSpawner,
    evm: Option<&EvmDevnet>,
    mut attesters: Option<&mut EvmAttesters>,
    start: Instant,
) -> anyhow::Result<FaultsReport> {
    let since = |start: Instant| u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    if attesters.as_ref().is_none_or(|a| a.len() == 0) {
        schedule.retain(|e| e.kind != FaultKind::AttesterRestart);
    }
    if evm.is_none_or(|e| e.chains.is_empty()) {
        schedule.retain(|e| e.kind != FaultKind::Reorg);
    }
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
                    attester_name: None,
                    reorg: None,
                });
            }
            FaultKind::AttesterRestart => {
                let attesters = attesters.as_deref_mut().context("no attester to crash")?;
                let i = usize::try_from(event.attester.unwrap_or(0) % attesters.len() as u64)
                    .unwrap_or(0);
                let name = attesters.name(i).to_owned();
                let done_at_ms = since(start);
                tracing::info!(
                    at_ms = done_at_ms,
                    down_ms = event.down_ms,
                    attester = %name,
                    "fault: attester crashed"
                );
                attesters
                    .restart(i, Duration::from_millis(event.down_ms))
                    .await?;
                let up_at_ms = since(start);
                tracing::info!(at_ms = up_at_ms, attester = %name, "fault: attester restarted");
                let board = attesters.boards[i].clone();
                report.restarted.push((board.clone(), board.len()));
                report.attester_restarts += 1;
                report.done.push(DoneFault {
                    event,
                    done_at_ms,
                    up_at_ms,
                    attester_name: Some(name),
                    reorg: None,
                });
            }
            FaultKind::Reorg => {
                let chains = &evm.context("no EVM chain to reorganise")?.chains;
                let i =
                    usize::try_from(event.chain.unwrap_or(0) % chains.len() as u64).unwrap_or(0);
                let done_at_ms = since(start);
                let reorged = reorg(&chains[i], event.depth.unwrap_or(1)).await?;
                tracing::info!(
                    at_ms = done_at_ms,
                    chain = %reorged.chain,
                    head = reorged.head,
                    depth = event.depth,
                    dropped = reorged.dropped_transactions,
                    "fault: EVM chain reorganised"
                );
                report.reorgs += 1;
                report.done.push(DoneFault {
                    event,
                    done_at_ms,
                    up_at_ms: done_at_ms,
                    attester_name: None,
                    reorg: Some(reorged),
                });
            }
        }
    }
    Ok(report)
}

/// Replaces the last `depth` blocks of `chain` with empty ones (`anvil_reorg`), its block
/// production paused meanwhile: anvil 1.7.1's `anvil_reorg` racing its interval miner can leave a
/// block number with no block (seen here, with a loop of reorganisations at block boundaries: 11
/// holes in 60, none with the miner paused), a broken node rather than a reorganisation.
async fn reorg(chain: &EvmChain, depth: u64) -> anyhow::Result<Reorged> {
    use alloy::providers::Provider;
    let provider = strait_evm_client::deploy::read_provider(&chain.url)?;
    let id = chain.chain_id;
    within(id, "evm_setIntervalMining", async {
        crate::evm_devnet::set_interval_mining(&provider, 0).await
    })
    .await?;
    let reorged = async {
        let head = within(id, "eth_blockNumber", async {
            Ok(provider.get_block_number().await?)
        })
        .await?;
        let mut dropped = 0;
        for number in head.saturating_sub(depth - 1)..=head {
            dropped += within(id, "eth_getBlockTransactionCountByNumber", async {
                Ok(provider
                    .get_block_transaction_count_by_number(number.into())
                    .await?)
            })
            .await?
            .unwrap_or(0);
        }
        let none: Vec<serde_json::Value> = Vec::new();
        within(id, "anvil_reorg", async {
            let _: serde_json::Value = provider
                .raw_request("anvil_reorg".into(), (depth, none))
                .await?;
            Ok(())
        })
        .await?;
        anyhow::Ok(Reorged {
            chain: id,
            head,
            dropped_transactions: dropped,
        })
    }
    .await;
    // Blocks again, whatever happened.
    within(id, "evm_setIntervalMining", async {
        crate::evm_devnet::set_interval_mining(&provider, crate::evm_devnet::BLOCK_TIME_S).await
    })
    .await?;
    reorged
}

/// `call` (named `what`) to EVM chain `chain`, at most [`RPC_TIMEOUT`].
async fn within<T>(
    chain: strait_primitives::ChainId,
    what: &'static str,
    call: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::time::timeout(RPC_TIMEOUT, call)
        .await
        .map_err(|_| anyhow::anyhow!("{what} on EVM chain {chain} timed out"))?
        .with_context(|| format!("{what} on EVM chain {chain}"))
}

/// Timeout of each RPC call a fault makes.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);
