//! The in-process chain as a [`DisputeChain`] (`docs/SPEC.md` §13): proposals, conflicts and
//! watcher pauses signed by the client's account, waiting for their block like relays.

use strait_chain_client::{
    ChainError, Conflict, DisputeChain, OutboxHistory, OutboxState, PendingProposal, Proposal,
    SubmitReport,
};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_devnet_client::dispute::submit_report;
use strait_primitives::{ChainId, ClientId, Hash32, Height};
use strait_runtime::Runtime;

use crate::client::{SimChainClient, MAX_WAIT_BLOCKS};

impl<R: Runtime> SimChainClient<R> {
    /// Signs `body` with the client's account, submits it and waits for its block.
    async fn submit_and_wait(
        &self,
        what: &'static str,
        body: TxBody,
    ) -> Result<SubmitReport, ChainError> {
        self.network(what).await?;
        let chain_id = DisputeChain::chain_id(self);
        let (hash, submitted_at) = {
            let mut chain = self.lock();
            let account = self.account();
            let tx = Tx {
                chain_id,
                signer: account.address(),
                nonce: chain.account_nonce(&account.address()),
                body,
            }
            .sign(account);
            let hash = chain.submit(tx).map_err(|e| ChainError::Unavailable {
                chain: chain_id,
                what,
                reason: e.to_string(),
            })?;
            (hash, chain.latest_height())
        };
        loop {
            {
                let chain = self.lock();
                if let Some(result) = chain.tx_result(&hash) {
                    return Ok(submit_report(result));
                }
                if chain.latest_height().get() > submitted_at.get() + MAX_WAIT_BLOCKS {
                    return Err(ChainError::Unavailable {
                        chain: chain_id,
                        what,
                        reason: format!("{hash} not included within {MAX_WAIT_BLOCKS} blocks"),
                    });
                }
            }
            self.runtime().sleep(self.poll()).await;
        }
    }

    fn read_error(&self, what: &'static str, e: impl ToString) -> ChainError {
        ChainError::Refused {
            chain: DisputeChain::chain_id(self),
            what,
            reason: e.to_string(),
        }
    }
}

impl<R: Runtime> DisputeChain for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.lock().chain_id()
    }

    async fn propose_root(
        &self,
        client: ClientId,
        proposal: Proposal,
    ) -> Result<SubmitReport, ChainError> {
        self.submit_and_wait("propose_root", TxBody::ProposeRoot { client, proposal })
            .await
    }

    async fn submit_conflict(&self, conflict: Conflict) -> Result<SubmitReport, ChainError> {
        self.submit_and_wait("submit_conflict", TxBody::SubmitConflict { conflict })
            .await
    }

    async fn watcher_pause(&self, client: ClientId) -> Result<SubmitReport, ChainError> {
        self.submit_and_wait("watcher_pause", TxBody::WatcherPause { client })
            .await
    }

    async fn pending_proposals(
        &self,
        client: ClientId,
    ) -> Result<Vec<PendingProposal>, ChainError> {
        self.network("pending_proposals").await?;
        let chain = self.lock();
        let pending = strait_node::optimistic::pending_proposals(
            chain.state(),
            &chain.extensions().verifiers,
            client,
        )
        .map_err(|e| self.read_error("pending_proposals", e))?;
        Ok(pending
            .iter()
            .map(|p| PendingProposal {
                proposal: Proposal {
                    height: p.height,
                    root: p.root,
                    leaf_count: p.leaf_count,
                },
                proposer: p.proposer,
                bond: p.bond,
                matures_at_ms: p.matures_at.get(),
            })
            .collect())
    }

    async fn client_root(
        &self,
        client: ClientId,
        height: Height,
    ) -> Result<Option<Hash32>, ChainError> {
        self.network("client_root").await?;
        let chain = self.lock();
        strait_node::optimistic::client_root(
            chain.state(),
            &chain.extensions().verifiers,
            client,
            height,
        )
        .map_err(|e| self.read_error("client_root", e))
    }
}

/// A source's outbox history, for proposers and attesters in simulation.
impl<R: Runtime> OutboxHistory for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.lock().chain_id()
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.network("latest_height").await?;
        Ok(self.lock().latest_height())
    }

    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        self.network("outbox_at").await?;
        let (root, count) = self
            .lock()
            .outbox_at(height)
            .ok_or_else(|| self.read_error("outbox_at", format!("no block at {height}")))?;
        Ok(OutboxState {
            height,
            root,
            count,
        })
    }
}
