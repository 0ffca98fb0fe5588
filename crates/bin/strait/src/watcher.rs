//! `strait watcher`: watch devnet chains' verifiers, EVM chains' verifier contracts (`--evm`) and
//! attesters' boards, and submit the evidence that freezes a lying client (`strait_watcher`,
//! `docs/SPEC.md` `[STRAIT-AGENT.7]`, `[STRAIT-AGENT.EVM-WATCH]`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use strait_chain_client::{AttestationSource, DestinationChain, SourceChain};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_client::{ChainRpc, DevnetChain, RpcAttesters};
use strait_primitives::ChainId;
use strait_watcher::{WatchedCommittee, Watcher, WatcherConfig};

use crate::attester::{committee_client, devnet_committee, Scheme};
use crate::hetero_chain::AnyChain;
use crate::Shutdown;

/// Arguments of `strait watcher`.
#[derive(Debug, Args)]
pub(crate) struct WatcherArgs {
    /// JSON-RPC URL of a chain (each is watched as a source and as a destination).
    #[arg(long = "rpc", required = true, num_args = 1)]
    rpc: Vec<String>,
    /// Devnet account label that signs evidence transactions (submitting is permissionless).
    #[arg(long, default_value = "watcher")]
    account: String,
    /// JSON-RPC URL of an attester (`strait attester`) whose board to read.
    #[arg(long = "attester")]
    attesters: Vec<String>,
    /// A client of the devnet committee to protect: `SOURCE:DESTINATION:CLIENT`.
    #[arg(long = "committee-client")]
    committee_clients: Vec<String>,
    /// The devnet committee's scheme (as given to `strait attester`).
    #[arg(long, value_enum, default_value = "ecdsa")]
    committee_scheme: Scheme,
    /// Members of the devnet committee.
    #[arg(long, default_value_t = 4)]
    committee_members: u8,
    /// Its threshold.
    #[arg(long, default_value_t = 3)]
    committee_threshold: u16,
    /// Polling interval in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// Deadline of every request, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// EVM chains to watch: their verifier contracts (each endpoint's default verifier of every
    /// other chain watched, and those named with --evm-verifier), as destinations and sources;
    /// evidence is submitted with the key in --evm-key-env.
    #[command(flatten)]
    evm: crate::evm_args::EvmChainsArgs,
}

/// Runs `strait watcher` until Ctrl-C.
pub(crate) async fn run(args: WatcherArgs) -> anyhow::Result<()> {
    let timeout = Duration::from_millis(args.timeout_ms);
    let account = Arc::new(AccountKey::devnet(&args.account));
    let mut chains = Vec::new();
    for url in &args.rpc {
        let rpc = ChainRpc::connect(url, timeout)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        chains.push(AnyChain::Native(DevnetChain::new(
            rpc,
            account.clone(),
            Duration::from_millis(50),
            Duration::from_secs(30),
        )));
    }
    let evm = args.evm.adapters().await?;
    let ids: Vec<ChainId> = chains
        .iter()
        .map(SourceChain::chain_id)
        .chain(evm.iter().map(SourceChain::chain_id))
        .collect();
    for chain in &evm {
        // Each endpoint's default verifier of every other chain, so that the watcher follows it.
        for &source in ids.iter().filter(|&&id| id != SourceChain::chain_id(chain)) {
            if let Err(e) = DestinationChain::verifier_of(chain, source).await {
                tracing::info!(chain = %SourceChain::chain_id(chain), %source, error = %e, "no default verifier to watch");
            }
        }
    }
    chains.extend(evm.into_iter().map(AnyChain::Other));
    let mut committees: Vec<WatchedCommittee> = Vec::new();
    if !args.committee_clients.is_empty() {
        let (committee, id) = devnet_committee(
            args.committee_scheme,
            args.committee_members,
            args.committee_threshold,
        )?;
        for spec in &args.committee_clients {
            let c = committee_client(spec, args.committee_scheme, &committee, id)?;
            match committees.iter_mut().find(|w| w.source == c.source) {
                Some(w) => w.clients.push((c.destination, c.client)),
                None => committees.push(WatchedCommittee {
                    source: c.source,
                    kind: c.kind,
                    committee: committee.clone(),
                    committee_id: id,
                    epoch: 0,
                    clients: vec![(c.destination, c.client)],
                }),
            }
        }
    }
    let boards: Option<Arc<dyn AttestationSource>> = if args.attesters.is_empty() {
        None
    } else {
        Some(Arc::new(
            RpcAttesters::new(&args.attesters, timeout).map_err(anyhow::Error::msg)?,
        ))
    };
    let config = WatcherConfig {
        poll_interval: Duration::from_millis(args.poll_ms),
        call_timeout: timeout,
        ..WatcherConfig::default()
    };
    tracing::info!(
        chains = chains.len(),
        committees = committees.len(),
        "watcher started"
    );
    let rt = strait_runtime::tokio::TokioRuntime::new();
    let watcher = Watcher::new(rt, chains, boards, committees, config);
    let mut shutdown = Shutdown::listen();
    watcher.run(async move { shutdown.wait().await }).await;
    Ok(())
}
