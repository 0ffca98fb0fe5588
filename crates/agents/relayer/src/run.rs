//! Wiring of the chain-agnostic relayer ([`relay`]: one worker per ordered pair of chains, on any
//! runtime) and a height source for chains without a subscription ([`poll_heights`]). Chain
//! adapters wire it to their chains (the devnet's: `strait_devnet_client::run_relayer`).

use core::future::Future;
use core::time::Duration;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use strait_chain_client::{DestinationChain, DisputeChain, OutboxHistory, SourceChain};
use strait_primitives::{ChainId, Height};
use strait_runtime::Runtime;
use tokio::sync::watch;

use crate::attested::{Attested, AttestedClient, ReceiverFilter};
use crate::path::{Path, RoundOutcome};
use crate::plan::Backoff;
use crate::propose::{check_targets, drive_proposer, ProposeTo};
use crate::{Metrics, RelayerError, Settings};

/// Relays between every ordered pair of `chains` until `shutdown` completes, on runtime `rt`. Each
/// chain comes with a watch of its latest height: a path runs a round whenever its source moves
/// (or every poll interval). Chains must have distinct ids.
///
/// This is the relayer's whole logic; `strait_devnet_client::run_relayer` wires it to devnet nodes
/// over JSON-RPC on tokio, a simulation to in-process chains on the deterministic runtime.
pub async fn relay<R, C>(
    rt: R,
    chains: Vec<(C, watch::Receiver<Height>)>,
    settings: Settings,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RelayerError>
where
    R: Runtime,
    C: SourceChain + DestinationChain + Clone,
{
    relay_attested(rt, chains, settings, metrics, Attested::default(), shutdown).await
}

/// [`relay`], and the committee clients of `attested` kept current with certificates assembled
/// from the attesters' signatures (`[STRAIT-ATTEST.10]`). A client with receivers gets a path of
/// its own for their messages, which the pair's other path leaves alone; a client without
/// receivers is the destination's default verifier of its source and takes the pair's path over.
pub async fn relay_attested<R, C>(
    rt: R,
    chains: Vec<(C, watch::Receiver<Height>)>,
    settings: Settings,
    metrics: Arc<Metrics>,
    attested: Attested,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RelayerError>
where
    R: Runtime,
    C: SourceChain + DestinationChain + Clone,
{
    if !attested.clients.is_empty() && attested.source.is_none() {
        return Err(RelayerError::Config(
            "committee clients without an attestation source".into(),
        ));
    }
    let mut ids: Vec<ChainId> = chains
        .iter()
        .map(|(c, _)| SourceChain::chain_id(c))
        .collect();
    ids.sort();
    if ids.len() < 2 || ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(RelayerError::Config(format!(
            "need at least two chains with distinct ids: {ids:?}"
        )));
    }
    let settings = Arc::new(settings);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for (src, src_height) in &chains {
        for (dst, _) in &chains {
            if SourceChain::chain_id(src) == DestinationChain::chain_id(dst) {
                continue;
            }
            for path in paths(src, dst, &settings, &metrics, &attested) {
                tasks.push(rt.spawn(
                    "relay-path",
                    drive(
                        rt.clone(),
                        path,
                        src_height.clone(),
                        settings.clone(),
                        metrics.clone(),
                        stop_rx.clone(),
                    ),
                ));
            }
        }
    }
    drop(chains);
    shutdown.await;
    tracing::info!("relayer stopping");
    let _ = stop_tx.send(true);
    for task in tasks {
        if task.await.is_err() {
            tracing::error!("relayer task failed");
        }
    }
    Ok(())
}

/// [`relay_attested`], and a proposer task for each of `propose` (`[STRAIT-OPT.3]`): the
/// relayer proposes its sources' outbox roots to those optimistic clients, bonding from the
/// account its destination adapter signs with, so that routes requiring them (`[STRAIT-ROUTE.7]`)
/// carry messages once each root settles. At most
/// [`MAX_PROPOSE_TO`](crate::propose::MAX_PROPOSE_TO) clients, each between two of `chains`.
pub async fn relay_proposing<R, C>(
    rt: R,
    chains: Vec<(C, watch::Receiver<Height>)>,
    settings: Settings,
    metrics: Arc<Metrics>,
    attested: Attested,
    propose: Vec<ProposeTo>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RelayerError>
where
    R: Runtime,
    C: SourceChain + DestinationChain + DisputeChain + OutboxHistory + Clone,
{
    let ids: Vec<ChainId> = chains
        .iter()
        .map(|(c, _)| SourceChain::chain_id(c))
        .collect();
    check_targets(&propose, &ids)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(propose.len());
    let pacing = Arc::new(settings.clone());
    for target in propose {
        let find = |id: ChainId| chains.iter().find(|(c, _)| SourceChain::chain_id(c) == id);
        let (Some((src, heights)), Some((dst, _))) =
            (find(target.source), find(target.destination))
        else {
            continue;
        };
        tasks.push(rt.spawn(
            "propose-root",
            drive_proposer(
                rt.clone(),
                src.clone(),
                dst.clone(),
                target,
                heights.clone(),
                pacing.clone(),
                stop_rx.clone(),
            ),
        ));
    }
    let result = relay_attested(rt, chains, settings, metrics, attested, shutdown).await;
    let _ = stop_tx.send(true);
    for task in tasks {
        if task.await.is_err() {
            tracing::error!("proposer task failed");
        }
    }
    result
}

/// The paths of the pair (`src`, `dst`): one per committee client of the pair with receivers, and
/// one for the other messages, under a committee client without receivers if there is one.
fn paths<C>(
    src: &C,
    dst: &C,
    settings: &Arc<Settings>,
    metrics: &Arc<Metrics>,
    attested: &Attested,
) -> Vec<Path<C, C>>
where
    C: SourceChain + DestinationChain + Clone,
{
    let new = || Path::new(src.clone(), dst.clone(), settings.clone(), metrics.clone());
    let pair = (SourceChain::chain_id(src), DestinationChain::chain_id(dst));
    let clients: Vec<&AttestedClient> = attested
        .clients
        .iter()
        .filter(|c| (c.source, c.destination) == pair)
        .collect();
    let mut out = Vec::new();
    let mut claimed = Vec::new();
    // [STRAIT-ROUTE.7] a path per route relayed under its own config.
    for route in attested
        .routes
        .iter()
        .filter(|r| (r.source, r.destination) == pair)
    {
        claimed.extend(route.receivers.iter().copied());
        out.push(
            new()
                .with_filter(ReceiverFilter::Only(route.receivers.clone()))
                .with_route(attested.source.clone(), route.clone()),
        );
    }
    let Some(source) = attested.source.clone() else {
        out.push(new().with_filter(if claimed.is_empty() {
            ReceiverFilter::All
        } else {
            ReceiverFilter::Except(claimed)
        }));
        return out;
    };
    let mut default = None;
    for client in clients {
        if client.receivers.is_empty() {
            default = Some(client.clone());
            continue;
        }
        claimed.extend(client.receivers.iter().copied());
        out.push(
            new()
                .with_filter(ReceiverFilter::Only(client.receivers.clone()))
                .with_committee(source.clone(), client.clone()),
        );
    }
    let mut rest = new().with_filter(if claimed.is_empty() {
        ReceiverFilter::All
    } else {
        ReceiverFilter::Except(claimed)
    });
    if let Some(client) = default {
        rest = rest.with_committee(source, client);
    }
    out.push(rest);
    out
}

/// Publishes `chain`'s latest height every `interval` on the returned watch, until every receiver
/// is gone: the height source of [`relay`] for chains without a subscription.
pub fn poll_heights<R: Runtime, C: SourceChain>(
    rt: &R,
    chain: C,
    interval: Duration,
) -> watch::Receiver<Height> {
    let (tx, rx) = watch::channel(Height(0));
    let clock = rt.clone();
    rt.spawn("poll-heights", async move {
        while !tx.is_closed() {
            if let Ok(height) = chain.latest_height().await {
                tx.send_if_modified(|h| {
                    let higher = height > *h;
                    if higher {
                        *h = height;
                    }
                    higher
                });
            }
            clock.sleep(interval).await;
        }
    });
    rx
}

/// How long a stopping relayer lets a round in progress finish.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Runs rounds of `path` whenever the source has a new block (or every poll interval), backing off
/// after errors, until told to stop. A round in progress gets [`STOP_GRACE`] to finish; a
/// transaction left in flight by a stop is harmless. Every `select!` is biased, so a run on the
/// deterministic runtime is reproduced by its seed.
async fn drive<R: Runtime, S: SourceChain, D: DestinationChain>(
    rt: R,
    mut path: Path<S, D>,
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
            biased;
            _ = stop.changed() => {
                // Let a round that is waiting for its transaction record the result, briefly.
                let _ = strait_runtime::timeout(&rt, STOP_GRACE, &mut round).await;
                return;
            }
            r = &mut round => r,
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
        let sleep = rt.sleep(wait.unwrap_or(settings.poll_interval));
        tokio::select! {
            biased;
            _ = stop.changed() => return,
            r = src_height.changed(), if wait.is_none() => {
                if r.is_err() {
                    // The height source is gone (stopping): fall back to the poll interval.
                    rt.sleep(settings.poll_interval).await;
                }
            }
            () = sleep => {}
        }
    }
}
