//! `strait devnet`'s route under the BLS-signed native headers (verifier kind 5, SPEC §5.7): on
//! every destination a kind-5 client of every source (found among the destination's clients, else
//! created from the source's latest BLS light block), chosen alone by the built-in `counter-bls`
//! (`[STRAIT-ROUTE.6]`), and the relayer's route for it (`[STRAIT-ROUTE.7]`: the relayer moves the
//! client to each proof height with the source's BLS light blocks).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context as _;
use strait_chain_client::VerifierKind;
use strait_devnet_api::apps;
use strait_devnet_client::ChainRpc;
use strait_light_client::bls::kind::encode_init;
use strait_light_client::bls::BlsConsensusState;
use strait_light_client::{Options, TrustThreshold};
use strait_primitives::ChainId;
use strait_relayer::route::SecuredRoute;

use crate::rpc_client::HttpClient;
use crate::setup_tx::{clients_of, ensure_pair_clients, existing};

/// What `--messages` reports the route's messages as.
pub(crate) const LABEL: &str = "bft_bls";

/// The options of the devnet's kind-5 clients (native chains' and EVM chains', `crate::evm_lc_route`).
pub(crate) fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: strait_node::spec::DEVNET_TRUSTING_PERIOD_MS,
        max_clock_drift_ms: strait_node::spec::DEVNET_MAX_CLOCK_DRIFT_MS,
    }
}

/// The BLS consensus state of the chain `chain` at `url` at its latest height: what a new kind-5
/// client of it trusts (native chains' and EVM chains', `crate::evm_lc_route`).
pub(crate) async fn latest_state(chain: ChainId, url: &str) -> anyhow::Result<BlsConsensusState> {
    let rpc = ChainRpc::connect(url, Duration::from_secs(10))
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let height = rpc.latest_height().await.context("latest height")?;
    let block = rpc
        .bls_light_block(height)
        .await
        .with_context(|| format!("the BLS light block of {chain} at {height}"))?;
    Ok(BlsConsensusState::from_block(&block))
}

/// Ensures the kind-5 clients of every ordered pair of `rpc_urls`' chains, sets `counter-bls`'s
/// config to them, and returns the relayer's routes.
pub(crate) async fn ensure(
    rpc_urls: &[String],
    clients: &[HttpClient],
    ids: &[ChainId],
) -> anyhow::Result<Vec<SecuredRoute>> {
    let options = options();
    let found = clients_of(clients).await?;
    let mut inits = BTreeMap::new();
    for (s, &source) in ids.iter().enumerate() {
        let missing = (0..ids.len())
            .any(|d| d != s && existing(&found[d], VerifierKind::BFT_BLS, source).is_none());
        if !missing {
            continue;
        }
        let trusted = latest_state(source, &rpc_urls[s]).await?;
        inits.insert(source, encode_init(&options, &trusted));
    }
    let chosen = ensure_pair_clients(
        clients,
        ids,
        &found,
        VerifierKind::BFT_BLS,
        &inits,
        apps::counter_bls(),
    )
    .await?;
    let routes = chosen
        .into_iter()
        .map(|(source, destination, _)| SecuredRoute {
            source,
            destination,
            receivers: vec![apps::counter_bls()],
            committees: Vec::new(),
        })
        .collect();
    Ok(routes)
}
