//! Setup transactions of `strait devnet`'s verifier routes (committee, kind-5 and optimistic
//! clients, the counters' configs, announcements): signed by the devnet's committee owner and
//! submitted to every chain at once.

use std::time::Duration;

use anyhow::Context;
use jsonrpsee::http_client::HttpClient;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{StraitApiClient, TxResult};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_primitives::{ChainId, Hash32};

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
