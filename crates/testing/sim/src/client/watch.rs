//! The in-process chain as a watcher sees it: its outbox history, its clients and what each
//! vouches for, and misbehaviour submissions (`strait_watcher::{VerifierReader, EvidenceSink}`).

use strait_chain_client::{
    ChainError, Conflict, DisputeChain, OutboxHistory, OutboxState, VerifierInfo,
};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::clients::View;
use strait_node::vouched::vouched;
use strait_primitives::{ChainId, ClientId, Height};
use strait_runtime::Runtime;
use strait_verifier::VerifierKind;
use strait_watcher::{
    pending_roots, EvidenceSink, Submitted, VerifierReader, Vouched, MAX_READ_ITEMS,
};

use super::{SimChainClient, MAX_WAIT_BLOCKS};

impl<R: Runtime> OutboxHistory for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.network("latest_height").await?;
        Ok(self.lock().latest_height())
    }

    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        self.network("outbox").await?;
        let chain = self.lock();
        let (Some(block), Some(count)) = (chain.light_block(height), chain.outbox_count_at(height))
        else {
            return Err(self.refused("outbox", format!("no block at {height}")));
        };
        Ok(OutboxState {
            height,
            root: block.header().outbox_root,
            count,
        })
    }
}

impl<R: Runtime> VerifierReader for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    async fn clients(&self, from: ClientId, limit: usize) -> Result<Vec<VerifierInfo>, ChainError> {
        self.network("clients").await?;
        let chain = self.lock();
        // Client ids are the host's next unused number, from 1 (`[STRAIT-VERIFIER.3]`).
        Ok((from.get().max(1)..)
            .map(ClientId)
            .map_while(|id| chain.verifier(id))
            .take(limit.min(MAX_READ_ITEMS))
            .collect())
    }

    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        limit: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        self.network("vouched").await?;
        let info = self.lock().verifier(client);
        let Some(info) = info else {
            return Err(self.refused("vouched", format!("no client {client}")));
        };
        if info.frozen {
            return Ok(Vec::new());
        }
        if info.kind == VerifierKind::OPTIMISTIC {
            let pending = DisputeChain::pending_proposals(self, client).await?;
            return Ok(pending_roots(pending, from, limit));
        }
        let chain = self.lock();
        let view = View::new(chain.state(), client);
        let entries = vouched(&view, info.kind, from, limit.min(MAX_READ_ITEMS))
            .map_err(|e| self.refused("vouched", e))?;
        Ok(entries
            .into_iter()
            .map(|e| match (e.header_hash, e.checkpoint) {
                (Some(header_hash), _) => Vouched::Header {
                    height: e.height,
                    header_hash,
                    outbox_root: e.root,
                },
                (None, Some(checkpoint)) => Vouched::Checkpoint(checkpoint),
                (None, None) => Vouched::Root {
                    height: e.height,
                    root: e.root,
                },
            })
            .collect())
    }
}

impl<R: Runtime> SimChainClient<R> {
    /// Signs `body` with this client's account, submits it and waits for its block.
    async fn submit_body(&self, what: &'static str, body: TxBody) -> Result<Submitted, ChainError> {
        let (hash, submitted_at) = {
            let mut chain = self.lock();
            let tx = Tx {
                chain_id: self.chain_id,
                signer: self.account.address(),
                nonce: chain.account_nonce(&self.account.address()),
                body,
            }
            .sign(&self.account);
            let hash = chain.submit(tx).map_err(|e| ChainError::Unavailable {
                chain: self.chain_id,
                what,
                reason: e.to_string(),
            })?;
            (hash, chain.latest_height())
        };
        loop {
            {
                let chain = self.lock();
                if let Some(result) = chain.tx_result(&hash) {
                    return Ok(Submitted {
                        hash,
                        height: result.height,
                        applied: match &result.error {
                            None if result.success => Ok(()),
                            error => Err(error.clone().unwrap_or_default()),
                        },
                    });
                }
                if chain.latest_height().get() > submitted_at.get() + MAX_WAIT_BLOCKS {
                    return Err(ChainError::Unavailable {
                        chain: self.chain_id,
                        what,
                        reason: format!("{hash} not included within {MAX_WAIT_BLOCKS} blocks"),
                    });
                }
            }
            self.runtime.sleep(self.poll).await;
        }
    }
}

impl<R: Runtime> EvidenceSink for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    async fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        self.network("misbehaviour").await?;
        self.submit_body(
            "misbehaviour",
            TxBody::Misbehaviour {
                client,
                kind,
                evidence,
            },
        )
        .await
    }

    /// The conflict transaction (tag 13, SPEC §13), through [`DisputeChain`].
    async fn submit_conflict(
        &self,
        accused: ClientId,
        reference: ClientId,
        height: Height,
    ) -> Result<Submitted, ChainError> {
        let conflict = Conflict {
            accused,
            reference,
            height,
        };
        Ok(DisputeChain::submit_conflict(self, conflict).await?.into())
    }
}
