//! `strait devnet`'s route under the BLS-signed native headers (verifier kind 5, SPEC §5.7): on
//! every destination a kind-5 client of every source (found among the destination's clients, else
//! created from the source's latest BLS light block), chosen alone by the built-in `counter-bls`
//! (`[STRAIT-ROUTE.6]`), and the relayer's route for it (`[STRAIT-ROUTE.7]`: the relayer moves the
//! client to each proof height with the source's BLS light blocks).

use std::time::Duration;

use anyhow::Context as _;
use jsonrpsee::http_client::HttpClient;
use strait_chain_client::VerifierKind;
use strait_devnet_api::apps;
use strait_devnet_api::rpc::{StraitApiClient, MAX_VOUCHED_ITEMS};
use strait_devnet_api::tx::TxBody;
use strait_devnet_client::ChainRpc;
use strait_light_client::bls::kind::encode_init;
use strait_light_client::bls::BlsConsensusState;
use strait_light_client::{Options, TrustThreshold};
use strait_primitives::{ChainId, ClientId};
use strait_relayer::route::SecuredRoute;

use crate::setup_tx::submit_everywhere;

/// What `--messages` reports the route's messages as.
pub(crate) const LABEL: &str = "bft_bls";

/// The kind-5 client of `source` on a destination whose clients are `found`, if any.
fn existing(found: &[strait_devnet_api::rpc::ClientInfo], source: ChainId) -> Option<ClientId> {
    found
        .iter()
        .find(|c| c.kind == VerifierKind::BFT_BLS && c.chain_id == source && !c.frozen)
        .map(|c| c.client_id)
}

/// Ensures the kind-5 clients of every ordered pair of `rpc_urls`' chains, sets `counter-bls`'s
/// config to them, and returns the relayer's routes.
pub(crate) async fn ensure(
    rpc_urls: &[String],
    clients: &[HttpClient],
    ids: &[ChainId],
) -> anyhow::Result<Vec<SecuredRoute>> {
    let options = Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: strait_node::spec::DEVNET_TRUSTING_PERIOD_MS,
        max_clock_drift_ms: strait_node::spec::DEVNET_MAX_CLOCK_DRIFT_MS,
    };
    let mut found = Vec::with_capacity(ids.len());
    for client in clients {
        found.push(
            client
                .clients(ClientId(1), MAX_VOUCHED_ITEMS)
                .await
                .context("strait_clients")?,
        );
    }
    let mut creates = vec![Vec::new(); ids.len()];
    let mut wanted = vec![Vec::new(); ids.len()];
    for (s, &source) in ids.iter().enumerate() {
        let missing: Vec<usize> = (0..ids.len())
            .filter(|&d| d != s && existing(&found[d], source).is_none())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let rpc = ChainRpc::connect(&rpc_urls[s], Duration::from_secs(10))
            .await
            .with_context(|| format!("connecting to {}", rpc_urls[s]))?;
        let height = rpc.latest_height().await.context("latest height")?;
        let block = rpc
            .bls_light_block(height)
            .await
            .with_context(|| format!("the BLS light block of {source} at {height}"))?;
        let init = encode_init(&options, &BlsConsensusState::from_block(&block));
        for d in missing {
            creates[d].push(TxBody::CreateClient {
                kind: VerifierKind::BFT_BLS,
                source,
                init: init.clone(),
            });
            wanted[d].push(source);
        }
    }
    let created = submit_everywhere(clients, ids, creates).await?;
    let mut calls = vec![Vec::new(); ids.len()];
    let mut routes = Vec::new();
    for (d, &destination) in ids.iter().enumerate() {
        for &source in ids.iter().filter(|s| **s != destination) {
            let client = match existing(&found[d], source) {
                Some(client) => client,
                None => {
                    let k = wanted[d]
                        .iter()
                        .position(|s| *s == source)
                        .context("a kind-5 client neither found nor created")?;
                    let result = &created[d][k];
                    result.client_id.with_context(|| {
                        format!(
                            "creating the kind-5 client of {source} on {destination}: {}",
                            result.error.clone().unwrap_or_default()
                        )
                    })?
                }
            };
            calls[d].push(TxBody::AppCall {
                app: apps::counter_bls(),
                data: [source.to_be_bytes(), client.to_be_bytes()].concat(),
            });
            routes.push(SecuredRoute {
                source,
                destination,
                receivers: vec![apps::counter_bls()],
                committees: Vec::new(),
            });
        }
    }
    for result in submit_everywhere(clients, ids, calls)
        .await?
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            result.success,
            "counter-bls did not choose its kind-5 client: {}",
            result.error.unwrap_or_default()
        );
    }
    Ok(routes)
}
