//! Attester committees over JSON-RPC: a devnet node as an attester's
//! [`OutboxHistory`], and attesters' `strait_attestation` servers as a relayer's
//! [`AttestationSource`] (`docs/rpc.md`).

use core::time::Duration;

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use strait_chain_client::{
    Attestation, AttestationSource, BoxFuture, ChainError, OutboxHistory, OutboxState,
};
use strait_devnet_api::attester::AttesterApiClient;
use strait_primitives::{ChainId, Height};

use crate::chain::{chain_error, DevnetChain};

/// Largest answer of an attester: one attestation is well under 1 KiB.
const MAX_ATTESTER_RESPONSE_BYTES: u32 = 16 * 1024;

impl OutboxHistory for DevnetChain {
    fn chain_id(&self) -> ChainId {
        self.rpc().chain_id()
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        let rpc = self.rpc();
        rpc.latest_height()
            .await
            .map_err(|e| chain_error(rpc.chain_id(), "latest_height", e))
    }

    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        let rpc = self.rpc();
        let info = rpc
            .outbox(height)
            .await
            .map_err(|e| chain_error(rpc.chain_id(), "outbox", e))?;
        Ok(OutboxState {
            height: info.height,
            root: info.root,
            count: info.count,
        })
    }
}

/// Attesters reached over JSON-RPC. An attester that fails, times out or answers garbage
/// contributes nothing (logged); the relayer checks every signature it gets.
#[derive(Clone, Debug)]
pub struct RpcAttesters {
    attesters: Vec<(String, HttpClient)>,
}

impl RpcAttesters {
    /// Clients of the attesters at `urls`, each request bounded by `request_timeout`.
    pub fn new(urls: &[String], request_timeout: Duration) -> Result<Self, String> {
        let attesters = urls
            .iter()
            .map(|url| {
                HttpClientBuilder::default()
                    .request_timeout(request_timeout)
                    .max_response_size(MAX_ATTESTER_RESPONSE_BYTES)
                    .build(url)
                    .map(|client| (url.clone(), client))
                    .map_err(|e| format!("attester {url}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { attesters })
    }

    async fn collect(&self, chain: ChainId, leaf_count: Option<u64>) -> Vec<Attestation> {
        let mut out = Vec::new();
        for (url, client) in &self.attesters {
            let answer = match leaf_count {
                Some(count) => client.attestation(chain, count).await,
                None => client.latest_attestation(chain).await,
            };
            match answer {
                Ok(Some(json)) => match json.into_attestation() {
                    Some(a) => out.push(a),
                    None => tracing::warn!(%url, "attester answered an attestation out of bounds"),
                },
                Ok(None) => {}
                Err(e) => tracing::debug!(%url, %e, "attester unavailable"),
            }
        }
        out
    }
}

impl AttestationSource for RpcAttesters {
    fn attestations(&self, chain: ChainId, leaf_count: u64) -> BoxFuture<'_, Vec<Attestation>> {
        Box::pin(self.collect(chain, Some(leaf_count)))
    }

    fn latest(&self, chain: ChainId) -> BoxFuture<'_, Vec<Attestation>> {
        Box::pin(self.collect(chain, None))
    }
}
