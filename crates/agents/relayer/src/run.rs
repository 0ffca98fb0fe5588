//! Wiring: connect to every chain, one follower per chain, one worker per ordered pair.

use core::future::Future;
use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use strait_primitives::{ChainId, Height};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::follow::follow;
use crate::path::{NonceSlot, Path, RoundOutcome};
use crate::plan::Backoff;
use crate::rpc::ChainRpc;
use crate::{Metrics, RelayerConfig, RelayerError, Settings};

/// Relays between every ordered pair of `config.chains` until `shutdown` completes.
///
/// Chains that are unreachable at start are retried with a bounded backoff. Errors of a round are
/// logged and the round retried later (sooner for transient ones); only an unusable configuration
/// makes `run` return an error.
pub async fn run(
    config: RelayerConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RelayerError> {
    if config.chains.len() < 2 {
        return Err(RelayerError::Config(format!(
            "need at least two chains, got {}",
            config.chains.len()
        )));
    }
    if config.max_batch == 0 || config.max_pending == 0 || config.max_pending_per_route == 0 {
        return Err(RelayerError::Config(
            "max_batch, max_pending and max_pending_per_route must be positive".into(),
        ));
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    let settings = Arc::new(Settings {
        account: config.account,
        max_batch: config.max_batch.min(strait_endpoint::MAX_BATCH_LEN),
        max_pending: config.max_pending,
        max_pending_per_route: config.max_pending_per_route.min(config.max_pending),
        poll_interval: config.poll_interval,
        tx_poll_interval: config.tx_poll_interval,
        tx_timeout: config.tx_timeout,
        max_backoff: config.max_backoff,
    });
    tracing::info!(account = %settings.account.address(), chains = config.chains.len(), "relayer starting");

    // Connect to every chain, retrying while the nodes come up.
    let mut chains = Vec::with_capacity(config.chains.len());
    for endpoint in &config.chains {
        let mut backoff = Backoff::new(Duration::from_millis(100), settings.max_backoff);
        let rpc = loop {
            let attempt = tokio::select! {
                r = ChainRpc::connect(&endpoint.rpc_url, config.request_timeout) => r,
                () = &mut shutdown => return Ok(()),
            };
            match attempt {
                Ok(rpc) => break rpc,
                Err(e) if e.is_transient() => {
                    let delay = backoff.next_delay();
                    tracing::warn!(url = %endpoint.rpc_url, error = %e, retry_ms = delay.as_millis() as u64, "chain unreachable");
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = &mut shutdown => return Ok(()),
                    }
                }
                Err(e) => return Err(e),
            }
        };
        tracing::info!(chain = %rpc.chain_id(), url = %endpoint.rpc_url, "connected");
        chains.push((rpc, endpoint.ws_url.clone()));
    }
    let mut ids: Vec<ChainId> = chains.iter().map(|(c, _)| c.chain_id()).collect();
    ids.sort();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(RelayerError::Config(format!(
            "two endpoints serve the same chain: {ids:?}"
        )));
    }

    let mut tasks = JoinSet::new();
    let mut heights = BTreeMap::new();
    let mut nonces = BTreeMap::new();
    for (rpc, ws_url) in &chains {
        let (tx, rx) = watch::channel(Height(0));
        heights.insert(rpc.chain_id(), rx);
        nonces.insert(rpc.chain_id(), Arc::new(NonceSlot::default()));
        tasks.spawn(follow(
            rpc.clone(),
            ws_url.clone(),
            settings.poll_interval,
            tx,
            stop_rx.clone(),
        ));
    }
    for (src, _) in &chains {
        for (dst, _) in &chains {
            if src.chain_id() == dst.chain_id() {
                continue;
            }
            let path = Path::new(
                src.clone(),
                dst.clone(),
                nonces[&dst.chain_id()].clone(),
                settings.clone(),
                config.metrics.clone(),
            );
            tasks.spawn(drive(
                path,
                heights[&src.chain_id()].clone(),
                settings.clone(),
                config.metrics.clone(),
                stop_rx.clone(),
            ));
        }
    }

    shutdown.await;
    tracing::info!("relayer stopping");
    let _ = stop_tx.send(true);
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined {
            tracing::error!(error = %e, "relayer task panicked");
        }
    }
    drop(stop_tx);
    Ok(())
}

/// How long a stopping relayer lets a round in progress finish.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Runs rounds of `path` whenever the source has a new block (or every poll interval), backing off
/// after errors, until told to stop. A round in progress gets [`STOP_GRACE`] to finish; a
/// transaction left in flight by a stop is harmless.
async fn drive(
    mut path: Path,
    mut src_height: watch::Receiver<Height>,
    settings: Arc<Settings>,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let (src, dst) = path.chains();
    let mut backoff = Backoff::new(Duration::from_millis(100), settings.max_backoff);
    loop {
        if *stop.borrow() {
            return;
        }
        let round = path.round();
        tokio::pin!(round);
        let round = tokio::select! {
            r = &mut round => r,
            _ = stop.changed() => {
                // Let a round that is waiting for its transaction record the result, briefly.
                let _ = tokio::time::timeout(STOP_GRACE, &mut round).await;
                return;
            }
        };
        let wait = match round {
            Ok(RoundOutcome::Progress) => {
                backoff.reset();
                continue;
            }
            Ok(RoundOutcome::Idle | RoundOutcome::Waiting) => {
                backoff.reset();
                None
            }
            Err(e) => {
                metrics.round_errors.fetch_add(1, Ordering::Relaxed);
                let delay = backoff.next_delay();
                if e.is_transient() {
                    tracing::debug!(%src, %dst, error = %e, retry_ms = delay.as_millis() as u64, "round failed, retrying");
                } else {
                    tracing::warn!(%src, %dst, error = %e, retry_ms = delay.as_millis() as u64, "round failed");
                }
                Some(delay)
            }
        };
        let sleep = tokio::time::sleep(wait.unwrap_or(settings.poll_interval));
        tokio::select! {
            () = sleep => {}
            r = src_height.changed(), if wait.is_none() => {
                if r.is_err() {
                    // The follower is gone (stopping): fall back to the poll interval.
                    tokio::time::sleep(settings.poll_interval).await;
                }
            }
            _ = stop.changed() => return,
        }
    }
}
