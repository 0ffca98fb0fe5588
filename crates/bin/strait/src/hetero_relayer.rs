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

use alloy::primitives::Address;
use strait_chain_client::VerifierKind;
use strait_evm_client::destination::EvmDestination;
use strait_evm_client::txm::{TxConfig, TxManager};
use strait_evm_client::{EvmSource, EvmSourceConfig};

use crate::hetero_chain::{AnyChain, Duplex};

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

/// An EVM chain's adapters for a relayer or a watcher: its source, reading the endpoint's outbox
/// `confirmations` blocks below the head, and its destination, taking messages as received at
/// the same depth and signing with `key` (hex) through a
/// transaction manager, each of `verifiers` on its chain (`(chain, contract, kind)`) registered
/// with its kind; logs read from `chain.from_block`.
pub(crate) async fn evm_adapters(
    chain: &crate::status_chains::EvmChainArg,
    confirmations: u64,
    key: &str,
    verifiers: &[(u64, Address, VerifierKind)],
) -> anyhow::Result<Duplex<EvmSource, EvmDestination>> {
    let txm = TxManager::connect(&chain.url, key, TxConfig::default())
        .await
        .context("the transaction manager")?;
    let id = txm.chain_id();
    let mut config = EvmSourceConfig::new(chain.url.clone(), chain.endpoint, id, confirmations);
    config.start_block = chain.from_block;
    let source = EvmSource::connect(config)
        .await
        .context("the source adapter")?;
    let mut destination = EvmDestination::new(Arc::new(txm), chain.endpoint)
        .await
        .context("the destination adapter")?
        .with_logs_from(chain.from_block)
        .with_confirmations(confirmations);
    for &(_, address, kind) in verifiers.iter().filter(|v| v.0 == id) {
        destination = destination.with_verifier(address, kind);
    }
    // A relayer told of the token application releases its queues when idle
    // (`[STRAIT-AGENT.EVM-QUEUE]`).
    if let Some(app) = chain.token_app {
        destination = destination.with_token_app(app);
    }
    Ok(Duplex {
        source,
        destination,
    })
}

/// Parses `CHAIN:ADDRESS:KIND` (`strait relayer --evm-verifier`).
pub(crate) fn parse_evm_verifier(spec: &str) -> anyhow::Result<(u64, Address, VerifierKind)> {
    let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
    let [chain, address, kind] = parts.as_slice() else {
        anyhow::bail!("expected CHAIN:ADDRESS:KIND, got {spec:?}");
    };
    Ok((
        chain
            .parse()
            .with_context(|| format!("bad chain id {chain:?}"))?,
        address
            .parse()
            .with_context(|| format!("bad verifier address {address:?}"))?,
        VerifierKind(
            kind.parse()
                .with_context(|| format!("bad verifier kind {kind:?}"))?,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relayer over native chains and another kind (here native chains again, through
    /// [`AnyChain::Other`]) satisfies every bound of the generic relayer, and runs on tokio
    /// worker threads (its future is `Send`).
    #[test]
    fn evm_verifiers_are_chain_address_and_kind() {
        let (chain, address, kind) =
            parse_evm_verifier("31337:0x68B1D87F95878fE05B998F19b66F4baba5De1aed:5").unwrap();
        assert_eq!(chain, 31337);
        assert_eq!(
            address,
            "0x68B1D87F95878fE05B998F19b66F4baba5De1aed"
                .parse::<Address>()
                .unwrap()
        );
        assert_eq!(kind, VerifierKind::BFT_BLS);
        for bad in [
            "31337:0x68B1D87F95878fE05B998F19b66F4baba5De1aed",
            "x:0x68B1D87F95878fE05B998F19b66F4baba5De1aed:5",
            "1:0x12:5",
            "1:0x68B1D87F95878fE05B998F19b66F4baba5De1aed:70000",
            "1:0x68B1D87F95878fE05B998F19b66F4baba5De1aed:5:6",
        ] {
            assert!(parse_evm_verifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relays_over_any_chain_kind_on_tokio() {
        fn spawnable<T: Send>(_: &T) {}
        let config = RelayerConfig::new(Vec::new(), "relayer-0");
        let run = run::<DevnetChain>(config, Vec::new(), async {});
        spawnable(&run);
    }
}
