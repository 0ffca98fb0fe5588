//! The heterogeneous devnet's relayer: the devnet relayer (`strait_devnet_client::run_relayer`)
//! over the native chains AND chains of another kind (EVM chains), every ordered pair relayed by
//! the one generic relayer (`strait_relayer::relay_proposing`) over [`AnyChain`]s. A native
//! chain's height comes from its block follower; another chain's from polling its source adapter
//! (which answers its confirmed height, past its confirmation depth).

use core::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use strait_chain_client::{DestinationChain, OutboxHistory, SourceChain};
use strait_devnet_client::follow::follow;
use strait_devnet_client::{ChainRpc, DevnetChain, RelayerConfig};
use strait_primitives::Height;
use strait_relayer::ProposeTo;
use strait_runtime::tokio::TokioRuntime;
use tokio::sync::watch;

use crate::hetero_chain::AnyChain;

/// Follows `chain`'s latest (confirmed) height into `heights` every `poll`, until `stop`.
async fn poll_heights<E: SourceChain>(
    chain: E,
    poll: Duration,
    heights: watch::Sender<Height>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match chain.latest_height().await {
            Ok(h) => {
                heights.send_if_modified(|old| {
                    let newer = h > *old;
                    if newer {
                        *old = h;
                    }
                    newer
                });
            }
            Err(e) => tracing::debug!(chain = %chain.chain_id(), error = %e, "height poll failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Relays every ordered pair of `config.chains` (native, over JSON-RPC) and `others` until
/// `shutdown` completes (see the module docs).
pub(crate) async fn run<E>(
    config: RelayerConfig,
    others: Vec<E>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()>
where
    E: SourceChain + DestinationChain + OutboxHistory + Clone,
{
    let settings = config.settings()?;
    let account = Arc::new(config.account);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut chains = Vec::with_capacity(config.chains.len() + others.len());
    for endpoint in &config.chains {
        let rpc = ChainRpc::connect(&endpoint.rpc_url, config.request_timeout)
            .await
            .with_context(|| format!("connecting to {}", endpoint.rpc_url))?;
        let (tx, rx) = watch::channel(Height(0));
        tasks.push(tokio::spawn(follow(
            rpc.clone(),
            endpoint.ws_url.clone(),
            settings.poll_interval,
            tx,
            stop_rx.clone(),
        )));
        let chain = DevnetChain::new(
            rpc,
            account.clone(),
            config.tx_poll_interval,
            config.tx_timeout,
        );
        chains.push((AnyChain::Native(chain), rx));
    }
    for other in others {
        let (tx, rx) = watch::channel(Height(0));
        tasks.push(tokio::spawn(poll_heights(
            other.clone(),
            settings.poll_interval,
            tx,
            stop_rx.clone(),
        )));
        chains.push((AnyChain::Other(other), rx));
    }
    let propose = config
        .propose
        .iter()
        .map(|t| ProposeTo {
            account: account.address(),
            ..*t
        })
        .collect();
    let result = strait_relayer::relay_proposing(
        TokioRuntime::new(),
        chains,
        settings,
        config.metrics.clone(),
        config.attested.clone(),
        propose,
        shutdown,
    )
    .await;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relayer over native chains and another kind (here native chains again, through
    /// [`AnyChain::Other`]) satisfies every bound of the generic relayer, and runs on tokio
    /// worker threads (its future is `Send`).
    #[test]
    fn relays_over_any_chain_kind_on_tokio() {
        fn spawnable<T: Send>(_: &T) {}
        let config = RelayerConfig::new(Vec::new(), "relayer-0");
        let run = run::<DevnetChain>(config, Vec::new(), async {});
        spawnable(&run);
    }
}
