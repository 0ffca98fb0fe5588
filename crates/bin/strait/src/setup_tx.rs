//! Setup transactions of `strait devnet`'s verifier routes (committee, kind-5 and optimistic
//! clients, the counters' configs, announcements): signed by the devnet's committee owner and
//! submitted to every chain at once.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;
use strait_chain_client::VerifierKind;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{ClientInfo, StraitApiClient, TxResult, MAX_VOUCHED_ITEMS};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_primitives::{Address32, ChainId, ClientId, Hash32};

use crate::rpc_client::HttpClient;
use crate::send::wait_tx;

/// Signs `bodies` as the committee owner with consecutive nonces and submits them all; returns
/// their hashes.
async fn submit_only(
    client: &HttpClient,
    chain: ChainId,
    bodies: Vec<TxBody>,
) -> anyhow::Result<Vec<Hash32>> {
    let key = AccountKey::devnet(apps::COMMITTEE_OWNER);
    let mut nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    let mut hashes = Vec::with_capacity(bodies.len());
    for body in bodies {
        let tx = Tx {
            chain_id: chain,
            signer: key.address(),
            nonce,
            body,
        }
        .sign(&key);
        hashes.push(
            client
                .submit_transaction(tx.encode().into())
                .await
                .with_context(|| format!("submitting a committee setup transaction to {chain}"))?,
        );
        nonce += 1;
    }
    Ok(hashes)
}

/// Submits `bodies[d]` to chain `d` for every chain, then waits for every result: one or two
/// blocks for the lot, whatever the number of chains.
pub(crate) async fn submit_everywhere(
    clients: &[HttpClient],
    ids: &[ChainId],
    bodies: Vec<Vec<TxBody>>,
) -> anyhow::Result<Vec<Vec<TxResult>>> {
    let mut hashes = Vec::with_capacity(bodies.len());
    for (d, bodies) in bodies.into_iter().enumerate() {
        hashes.push(if bodies.is_empty() {
            Vec::new()
        } else {
            submit_only(&clients[d], ids[d], bodies).await?
        });
    }
    let mut results = Vec::with_capacity(hashes.len());
    for (d, hashes) in hashes.into_iter().enumerate() {
        let mut chain = Vec::with_capacity(hashes.len());
        for hash in hashes {
            chain.push(wait_tx(&clients[d], hash, Duration::from_secs(60)).await?);
        }
        results.push(chain);
    }
    Ok(results)
}

/// Every chain's clients (`strait_clients`), by chain.
pub(crate) async fn clients_of(clients: &[HttpClient]) -> anyhow::Result<Vec<Vec<ClientInfo>>> {
    let mut found = Vec::with_capacity(clients.len());
    for client in clients {
        found.push(
            client
                .clients(ClientId(1), MAX_VOUCHED_ITEMS)
                .await
                .context("strait_clients")?,
        );
    }
    Ok(found)
}

/// The unfrozen client of `kind` following `source` among a destination's `found` clients.
pub(crate) fn existing(
    found: &[ClientInfo],
    kind: VerifierKind,
    source: ChainId,
) -> Option<ClientId> {
    found
        .iter()
        .find(|c| c.kind == kind && c.chain_id == source && !c.frozen)
        .map(|c| c.client_id)
}

/// Ensures a client of `kind` of every source on every destination of `ids` (found among the
/// destination's clients `found`, else created from `inits[source]`), makes the counter `app`
/// choose it alone (`[STRAIT-ROUTE.6]`), and returns `(source, destination, client)` of every
/// ordered pair.
pub(crate) async fn ensure_pair_clients(
    clients: &[HttpClient],
    ids: &[ChainId],
    found: &[Vec<ClientInfo>],
    kind: VerifierKind,
    inits: &BTreeMap<ChainId, Vec<u8>>,
    app: Address32,
) -> anyhow::Result<Vec<(ChainId, ChainId, ClientId)>> {
    let pairs = || {
        ids.iter().enumerate().flat_map(move |(d, &destination)| {
            ids.iter()
                .filter(move |s| **s != destination)
                .map(move |&source| (d, source, destination))
        })
    };
    let mut creates = vec![Vec::new(); ids.len()];
    let mut wanted = vec![Vec::new(); ids.len()];
    for (d, source, _) in pairs() {
        if existing(&found[d], kind, source).is_none() {
            let init = inits
                .get(&source)
                .with_context(|| format!("no initial trust for the {kind} client of {source}"))?;
            creates[d].push(TxBody::CreateClient {
                kind,
                source,
                init: init.clone(),
            });
            wanted[d].push(source);
        }
    }
    let created = submit_everywhere(clients, ids, creates).await?;
    let mut calls = vec![Vec::new(); ids.len()];
    let mut chosen = Vec::new();
    for (d, source, destination) in pairs() {
        let client = match existing(&found[d], kind, source) {
            Some(client) => client,
            None => {
                let k = wanted[d]
                    .iter()
                    .position(|s| *s == source)
                    .with_context(|| format!("a {kind} client neither found nor created"))?;
                let result = &created[d][k];
                result.client_id.with_context(|| {
                    format!(
                        "creating the {kind} client of {source} on {destination}: {}",
                        result.error.clone().unwrap_or_default()
                    )
                })?
            }
        };
        calls[d].push(TxBody::AppCall {
            app,
            data: [source.to_be_bytes(), client.to_be_bytes()].concat(),
        });
        chosen.push((source, destination, client));
    }
    for result in submit_everywhere(clients, ids, calls)
        .await?
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            result.success,
            "{app} did not choose its {kind} clients: {}",
            result.error.unwrap_or_default()
        );
    }
    Ok(chosen)
}
