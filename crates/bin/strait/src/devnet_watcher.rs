//! `strait devnet`'s watcher (`strait_watcher`, `[STRAIT-AGENT.7]`): it follows every chain's
//! clients, the EVM chains' verifier contracts, and the in-process attesters' boards (the native
//! chains' committees and the EVM chains'), and submits the evidence that freezes a lying client
//! on a native chain or an EVM chain (a committee's equivocation, to every client of it). It steps on a runtime of its own (it verifies headers and signatures, which must not
//! hold up the chains and the relayer) and at most once per poll interval, so its reads stay a
//! bounded load on the chains. An honest devnet gives it nothing to find.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use strait_chain_client::AttestationSource;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_client::{ChainEndpoint, ChainRpc, DevnetChain};
use strait_watcher::{Response, WatchedCommittee, Watcher, WatcherConfig};
use tokio::sync::watch;

use crate::committees::BackgroundRuntime;
use crate::hetero_chain::AnyChain;

/// What the watcher did so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct WatcherSummary {
    /// Steps taken (each looks at every board and client).
    pub(crate) steps: u64,
    /// Findings raised (forks, contradicted roots, equivocations).
    pub(crate) findings: u64,
    /// Evidence submitted and applied on chain.
    pub(crate) submitted: u64,
    /// Per source chain of a watched committee (native or EVM), the highest leaf count of a
    /// checkpoint the watcher read from its attesters' boards and verified (absent: none yet).
    pub(crate) attested: BTreeMap<u64, u64>,
    /// Per destination chain (native or EVM), how many of its clients the watcher compared with
    /// their sources in its last step.
    pub(crate) followed: BTreeMap<u64, u64>,
}

#[derive(Default)]
struct Counters {
    steps: AtomicU64,
    findings: AtomicU64,
    submitted: AtomicU64,
    attested: Mutex<BTreeMap<u64, u64>>,
    followed: Mutex<BTreeMap<u64, u64>>,
}

impl Counters {
    fn summary(&self) -> WatcherSummary {
        WatcherSummary {
            steps: self.steps.load(Ordering::Relaxed),
            findings: self.findings.load(Ordering::Relaxed),
            submitted: self.submitted.load(Ordering::Relaxed),
            attested: self
                .attested
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
            followed: self
                .followed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}

/// The running watcher.
pub(crate) struct DevnetWatcher {
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    runtime: BackgroundRuntime,
}

impl DevnetWatcher {
    /// What it did so far.
    pub(crate) fn summary(&self) -> WatcherSummary {
        self.counters.summary()
    }

    /// Stops it (waiting at most 5 s for a step in progress) and returns what it did.
    pub(crate) async fn stop(self) -> WatcherSummary {
        let _ = self.stop.send(true);
        if tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .is_err()
        {
            tracing::warn!("the watcher did not stop within 5 s");
        }
        let summary = self.counters.summary();
        drop(self.runtime);
        summary
    }
}

/// The poll interval for `block_time_ms` blocks: four blocks, between 200 ms and 2 s.
pub(crate) fn poll_interval(block_time_ms: u64) -> Duration {
    Duration::from_millis(block_time_ms.saturating_mul(4).clamp(200, 2000))
}

/// Starts the watcher of `endpoints` and the EVM chains `evm` (their watcher adapters,
/// `crate::evm_devnet::watcher_chains`), protecting `committees` whose attesters publish on
/// `boards`.
pub(crate) async fn start(
    endpoints: &[ChainEndpoint],
    evm: Vec<crate::evm_devnet::RelayChain>,
    boards: Option<Arc<dyn AttestationSource>>,
    committees: Vec<WatchedCommittee>,
    block_time_ms: u64,
) -> anyhow::Result<DevnetWatcher> {
    let timeout = Duration::from_secs(10);
    let account = Arc::new(AccountKey::devnet("watcher"));
    let mut chains = Vec::with_capacity(endpoints.len() + evm.len());
    for endpoint in endpoints {
        let rpc = ChainRpc::connect(&endpoint.rpc_url, timeout)
            .await
            .with_context(|| format!("connecting to {}", endpoint.rpc_url))?;
        chains.push(AnyChain::Native(DevnetChain::new(
            rpc,
            account.clone(),
            Duration::from_millis(50),
            Duration::from_secs(30),
        )));
    }
    chains.extend(evm.into_iter().map(AnyChain::Other));
    let config = WatcherConfig {
        poll_interval: poll_interval(block_time_ms),
        call_timeout: timeout,
        ..WatcherConfig::default()
    };
    let runtime = BackgroundRuntime(Some(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("watcher")
            .enable_all()
            .build()
            .context("starting the watcher's runtime")?,
    ));
    let counters = Arc::new(Counters::default());
    let (stop, mut stopped) = watch::channel(false);
    let mut watcher = Watcher::new(
        strait_runtime::tokio::TokioRuntime::new(),
        chains,
        boards,
        committees,
        config,
    );
    let seen = counters.clone();
    let task = runtime.handle().spawn(async move {
        loop {
            for report in watcher.step().await {
                seen.findings.fetch_add(1, Ordering::Relaxed);
                if matches!(report.response, Response::Submitted { .. }) {
                    seen.submitted.fetch_add(1, Ordering::Relaxed);
                }
                tracing::error!(
                    alert = true,
                    finding = ?report.finding,
                    response = ?report.response,
                    "WATCHER: evidence of a lying verifier"
                );
            }
            {
                let mut attested = seen
                    .attested
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                for ledger in watcher.ledgers() {
                    if let Some(count) = ledger.highest_count() {
                        let top = attested.entry(ledger.watched.source.get()).or_default();
                        *top = (*top).max(count);
                    }
                }
            }
            {
                let mut followed = BTreeMap::new();
                for (chain, _) in watcher.followed() {
                    *followed.entry(chain.get()).or_default() += 1;
                }
                *seen
                    .followed
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = followed;
            }
            seen.steps.fetch_add(1, Ordering::Relaxed);
            if tokio::time::timeout(config.poll_interval, stopped.wait_for(|s| *s))
                .await
                .is_ok()
            {
                return;
            }
        }
    });
    Ok(DevnetWatcher {
        counters,
        stop,
        task,
        runtime,
    })
}
