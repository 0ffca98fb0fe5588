//! One devnet node's JSON-RPC client, as agents use it: typed calls, errors tagged with the node's
//! URL and the method, bounded retries of transient failures.

use core::future::Future;
use core::time::Duration;

use jsonrpsee::core::ClientError;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::rpc::{
    ClientInfo, MessageStatus, MessagesPage, OutboxInfo, TxResult, MAX_RPC_ITEMS,
};
use strait_devnet_api::tx::SignedTx;
use strait_light_client::bls::BlsLightBlock;
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_primitives::{Address32, ChainId, Hash32, Height, MessageId};
use strait_relayer::plan::Backoff;

use crate::DevnetClientError;

/// Most attempts of one call before its transient error is returned to the caller.
pub const MAX_CALL_ATTEMPTS: u32 = 4;

/// A connection to one chain's node.
#[derive(Clone, Debug)]
pub struct ChainRpc {
    url: String,
    client: HttpClient,
    chain_id: ChainId,
}

impl ChainRpc {
    /// An HTTP client of `url`; its chain id is read from the node.
    pub async fn connect(url: &str, request_timeout: Duration) -> Result<Self, DevnetClientError> {
        let client = HttpClientBuilder::default()
            .request_timeout(request_timeout)
            .max_response_size(64 * 1024 * 1024)
            .max_request_size(32 * 1024 * 1024)
            .build(url)
            .map_err(|e| rpc_error(url, "connect", e))?;
        let info = client
            .chain_info()
            .await
            .map_err(|e| rpc_error(url, "chainInfo", e))?;
        Ok(Self {
            url: url.to_owned(),
            client,
            chain_id: info.chain_id,
        })
    }

    /// The chain id the node reported.
    pub fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    fn err(&self, method: &'static str) -> impl FnOnce(ClientError) -> DevnetClientError + '_ {
        move |source| rpc_error(&self.url, method, source)
    }

    /// `call` of the node's `method`, retried ([`retry`]), its error tagged with the node and
    /// `method`.
    async fn call<T, F, Fut>(&self, method: &'static str, call: F) -> Result<T, DevnetClientError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        retry(|| {
            let answer = call();
            async move { answer.await.map_err(self.err(method)) }
        })
        .await
    }

    /// Latest committed height.
    pub async fn latest_height(&self) -> Result<Height, DevnetClientError> {
        self.call("chainInfo", || self.client.chain_info())
            .await
            .map(|i| i.latest_height)
    }

    /// A page of outbox messages for `destination` from `from_leaf` on.
    pub async fn messages(
        &self,
        from_leaf: u64,
        limit: u32,
        destination: ChainId,
    ) -> Result<MessagesPage, DevnetClientError> {
        self.call("messages", || {
            self.client.messages(from_leaf, limit, Some(destination))
        })
        .await
    }

    /// Which of `ids` this chain has received, asked in chunks of at most [`MAX_RPC_ITEMS`].
    pub async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, DevnetClientError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_RPC_ITEMS) {
            let answer = self
                .call("received", || self.client.received(chunk.to_vec()))
                .await?;
            if answer.len() != chunk.len() {
                return Err(self.bad(format!(
                    "received: {} answers for {} ids",
                    answer.len(),
                    chunk.len()
                )));
            }
            out.extend(answer);
        }
        Ok(out)
    }

    /// The outbox root and size committed at `height`, checked to be that height's.
    pub async fn outbox(&self, height: Height) -> Result<OutboxInfo, DevnetClientError> {
        let info = self
            .call("outbox", || self.client.outbox(Some(height)))
            .await?;
        if info.height != height {
            return Err(self.bad(format!("outbox for height {height} is for {}", info.height)));
        }
        Ok(info)
    }

    /// Where message `id` is, as this chain sees it (`strait_messageStatus`).
    pub async fn message_status(&self, id: MessageId) -> Result<MessageStatus, DevnetClientError> {
        self.call("messageStatus", || self.client.message_status(id))
            .await
    }

    /// This chain's light client of `chain`.
    pub async fn client_of(&self, chain: ChainId) -> Result<ClientInfo, DevnetClientError> {
        self.call("client", || self.client.client(chain)).await
    }

    /// The security config this chain applies to messages from `source` to `receiver`
    /// (`strait_securityConfig`).
    pub async fn security_config(
        &self,
        receiver: strait_primitives::Address32,
        source: ChainId,
    ) -> Result<strait_devnet_api::rpc::RouteSecurity, DevnetClientError> {
        self.call("securityConfig", || {
            self.client.security_config(receiver, source)
        })
        .await
    }

    /// Clients with ids from `from` on, at most `limit` (`strait_clients`).
    pub async fn clients(
        &self,
        from: strait_primitives::ClientId,
        limit: u32,
    ) -> Result<Vec<ClientInfo>, DevnetClientError> {
        let answer = self
            .call("clients", || self.client.clients(from, limit))
            .await?;
        if answer.len() > limit as usize {
            return Err(self.bad(format!("{} clients, asked at most {limit}", answer.len())));
        }
        Ok(answer)
    }

    /// What `client` vouches for from `from` on, at most `limit` (`strait_vouched`).
    pub async fn vouched(
        &self,
        client: strait_primitives::ClientId,
        from: Height,
        limit: u32,
    ) -> Result<Vec<strait_devnet_api::rpc::VouchedInfo>, DevnetClientError> {
        let answer = self
            .call("vouched", || self.client.vouched(client, from, limit))
            .await?;
        if answer.len() > limit as usize || answer.windows(2).any(|w| w[0].height >= w[1].height) {
            return Err(self.bad("vouched entries over the limit or not ascending".into()));
        }
        Ok(answer)
    }

    /// The pending proposals of the optimistic client `client` (`strait_pendingProposals`).
    pub async fn pending_proposals(
        &self,
        client: strait_primitives::ClientId,
    ) -> Result<Vec<strait_devnet_api::optimistic::PendingProposalJson>, DevnetClientError> {
        self.call("pendingProposals", || self.client.pending_proposals(client))
            .await
    }

    /// The root `client` holds at `height` (`strait_clientRoot`).
    pub async fn client_root(
        &self,
        client: strait_primitives::ClientId,
        height: Height,
    ) -> Result<Option<Hash32>, DevnetClientError> {
        self.call("clientRoot", || self.client.client_root(client, height))
            .await
    }

    /// The BLS light block at `height` (SPEC §5.7), decoded without checking proofs of possession
    /// (the destination's kind checks the ones it needs).
    pub async fn bls_light_block(
        &self,
        height: Height,
    ) -> Result<BlsLightBlock, DevnetClientError> {
        let answer = self
            .call("lightBlock", || self.client.light_block(height))
            .await?
            .and_then(|answer| answer.bls_light_block)
            .ok_or_else(|| self.bad(format!("no BLS light block at height {height}")))?;
        let block = BlsLightBlock::decode_unproven(&answer.0)
            .map_err(|e| self.bad(format!("BLS light block {height}: {e}")))?;
        if block.header.height != height || block.header.chain_id != self.chain_id {
            return Err(self.bad(format!(
                "BLS light block for height {height} is for another height or chain"
            )));
        }
        Ok(block)
    }

    /// The light block at `height`, decoded.
    pub async fn light_block(&self, height: Height) -> Result<LightBlock, DevnetClientError> {
        let answer = self
            .call("lightBlock", || self.client.light_block(height))
            .await?
            .ok_or_else(|| self.bad(format!("no light block at height {height}")))?;
        let block = LightBlock::decode(&answer.light_block.0)
            .map_err(|e| self.bad(format!("light block {height}: {e}")))?;
        if block.header().height != height || block.header().chain_id != self.chain_id {
            return Err(self.bad(format!(
                "light block for height {height} is for another height or chain"
            )));
        }
        Ok(block)
    }

    /// A multiproof of `leaves` against the outbox root at `height`.
    pub async fn proof(
        &self,
        leaves: &[u64],
        height: Height,
    ) -> Result<MultiProof, DevnetClientError> {
        let answer = self
            .call("proof", || self.client.proof(leaves.to_vec(), height))
            .await?;
        let proof = MultiProof::decode(&answer.multiproof.0)
            .map_err(|e| self.bad(format!("multiproof: {e}")))?;
        if proof
            .leaf_indices
            .iter()
            .map(|l| l.get())
            .ne(leaves.iter().copied())
        {
            return Err(self.bad("multiproof proves other leaves".into()));
        }
        Ok(proof)
    }

    /// The account's next nonce.
    pub async fn account_nonce(&self, account: Address32) -> Result<u64, DevnetClientError> {
        self.call("accountNonce", || self.client.account_nonce(account))
            .await
    }

    /// Submits a signed transaction once (no retry: the caller decides about nonces).
    pub async fn submit(&self, tx: &SignedTx) -> Result<Hash32, DevnetClientError> {
        self.client
            .submit_transaction(tx.encode().into())
            .await
            .map_err(self.err("submitTransaction"))
    }

    /// The result of a transaction, `None` while it is pending.
    pub async fn tx_result(&self, hash: Hash32) -> Result<Option<TxResult>, DevnetClientError> {
        self.call("transactionResult", || self.client.transaction_result(hash))
            .await
    }

    /// Polls for the result of `hash` every `poll` until `timeout`.
    pub async fn wait_tx(
        &self,
        hash: Hash32,
        poll: Duration,
        timeout: Duration,
    ) -> Result<TxResult, DevnetClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(result) = self.tx_result(hash).await? {
                return Ok(result);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DevnetClientError::TxTimeout {
                    chain: self.chain_id,
                    hash,
                    waited_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                });
            }
            tokio::time::sleep(poll).await;
        }
    }

    fn bad(&self, reason: String) -> DevnetClientError {
        DevnetClientError::BadData {
            chain: self.chain_id,
            reason,
        }
    }
}

fn rpc_error(url: &str, method: &'static str, source: ClientError) -> DevnetClientError {
    DevnetClientError::Rpc {
        url: url.to_owned(),
        method,
        source,
    }
}

/// Calls `f` until it succeeds, fails permanently, or has failed [`MAX_CALL_ATTEMPTS`] times,
/// backing off 50 ms, 100 ms, 200 ms between attempts.
pub async fn retry<T, F, Fut>(mut f: F) -> Result<T, DevnetClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DevnetClientError>>,
{
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        match f().await {
            Ok(value) => return Ok(value),
            Err(e) if e.is_transient() && backoff.attempts() + 1 < MAX_CALL_ATTEMPTS => {
                let delay = backoff.next_delay();
                tracing::debug!(error = %e, delay_ms = delay.as_millis() as u64, "transient rpc error, retrying");
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}
