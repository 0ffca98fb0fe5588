//! The devnet relayer: connect to every node, one height follower per chain, and the chain-agnostic
//! relayer (`strait_relayer::relay_proposing`: `relay_attested` and the proposers) over them on
//! tokio.

use core::future::Future;
use core::time::Duration;
use std::sync::Arc;

use strait_primitives::Height;
use strait_relayer::plan::Backoff;
use strait_relayer::{ProposeTo, RelayerError};
use strait_runtime::tokio::TokioRuntime;
use tokio::sync::watch;

use crate::chain::DevnetChain;
use crate::follow::follow;
use crate::rpc::ChainRpc;
use crate::{DevnetClientError, RelayerConfig};

/// Relays between every ordered pair of `config.chains` (devnet nodes over JSON-RPC) until
/// `shutdown` completes, on tokio: `strait_relayer::relay_proposing` over [`DevnetChain`]s (the
/// committee clients of `config.attested`, proposals to `config.propose`), each source's height
/// from [`follow`].
///
/// Chains that are unreachable at start are retried with a bounded backoff. Errors of a round are
/// logged and the round retried later (sooner for transient ones); only an unusable configuration
/// makes it return an error.
pub async fn run_relayer(
    config: RelayerConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DevnetClientError> {
    if config.chains.len() < 2 {
        return Err(RelayerError::Config(format!(
            "need at least two chains, got {}",
            config.chains.len()
        ))
        .into());
    }
    let settings = config.settings()?;
    tokio::pin!(shutdown);
    let account = Arc::new(config.account);
    tracing::info!(account = %account.address(), chains = config.chains.len(), "relayer starting");

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

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut followers = Vec::new();
    let mut paired = Vec::with_capacity(chains.len());
    for (rpc, ws_url) in chains {
        let (tx, rx) = watch::channel(Height(0));
        followers.push(tokio::spawn(follow(
            rpc.clone(),
            ws_url,
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
        paired.push((chain, rx));
    }
    // The bonds are paid by the account that signs.
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
        paired,
        settings,
        config.metrics.clone(),
        config.attested.clone(),
        propose,
        shutdown,
    )
    .await;
    let _ = stop_tx.send(true);
    for follower in followers {
        let _ = follower.await;
    }
    Ok(result?)
}
