//! The chain-client adapter of an in-process chain.

use core::time::Duration;
use std::sync::{Arc, Mutex, MutexGuard};

use strait_chain_api::keys::AccountKey;
use strait_chain_api::tx::{ClientUpdate, Tx, TxBody};
use strait_chain_client::{
    ChainError, DestinationChain, OutboxPage, RelayReport, RelayWork, SourceChain, VerifierInfo,
};
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_primitives::{ChainId, Height, MessageId};
use strait_relayer::devnet::report_of;
use strait_runtime::Runtime;

use crate::InProcessChain;

/// Blocks a relay submission waits for its inclusion before giving up (transient).
pub const MAX_WAIT_BLOCKS: u64 = 100;

/// An agent's connection to an in-process chain: reads answer from memory, a relay is signed by
/// `account` and waits (on the runtime's clock) for the block that includes it.
pub struct SimChainClient<R> {
    chain: Arc<Mutex<InProcessChain>>,
    chain_id: ChainId,
    runtime: R,
    account: Arc<AccountKey>,
    poll: Duration,
}

impl<R: Clone> Clone for SimChainClient<R> {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            chain_id: self.chain_id,
            runtime: self.runtime.clone(),
            account: self.account.clone(),
            poll: self.poll,
        }
    }
}

impl<R: Runtime> SimChainClient<R> {
    /// A client of `chain` that signs relays with `account` and polls every `poll` for inclusion.
    pub fn new(
        chain: Arc<Mutex<InProcessChain>>,
        runtime: R,
        account: AccountKey,
        poll: Duration,
    ) -> Self {
        let chain_id = chain.lock().expect("chain lock").chain_id();
        Self {
            chain,
            chain_id,
            runtime,
            account: Arc::new(account),
            poll,
        }
    }

    fn lock(&self) -> MutexGuard<'_, InProcessChain> {
        self.chain.lock().expect("chain lock")
    }

    fn refused(&self, what: &'static str, reason: impl ToString) -> ChainError {
        ChainError::Refused {
            chain: self.chain_id,
            what,
            reason: reason.to_string(),
        }
    }
}

impl<R: Runtime> SourceChain for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(self.lock().latest_height())
    }

    async fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        Ok(self.lock().outbox_page(destination, from_leaf, limit))
    }

    async fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        self.lock()
            .multiproof(leaves, height)
            .map_err(|e| self.refused("multiproof", e))
    }

    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        self.lock()
            .light_block(height)
            .ok_or_else(|| self.refused("light_block", format!("no block at {height}")))
    }
}

impl<R: Runtime> DestinationChain for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(self.lock().latest_height())
    }

    async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, ChainError> {
        Ok(self.lock().received(ids))
    }

    async fn verifier_of(&self, source: ChainId) -> Result<VerifierInfo, ChainError> {
        self.lock()
            .verifier_of(source)
            .ok_or_else(|| self.refused("verifier_of", format!("no verifier of {source}")))
    }

    async fn relay(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        let (hash, submitted_at) = {
            let mut chain = self.lock();
            let nonce = chain.account_nonce(&self.account.address());
            let tx = Tx {
                chain_id: self.chain_id,
                signer: self.account.address(),
                nonce,
                body: TxBody::Relay {
                    updates: work
                        .updates
                        .into_iter()
                        .map(|u| ClientUpdate {
                            client: u.client,
                            trusted_height: u.trusted_height,
                            block: u.block,
                        })
                        .collect(),
                    advances: work.advances,
                    batches: work.batches,
                },
            }
            .sign(&self.account);
            let hash = chain.submit(tx).map_err(|e| ChainError::Unavailable {
                chain: self.chain_id,
                what: "relay",
                reason: e.to_string(),
            })?;
            (hash, chain.latest_height())
        };
        loop {
            {
                let chain = self.lock();
                if let Some(result) = chain.tx_result(&hash) {
                    return Ok(report_of(result));
                }
                if chain.latest_height().get() > submitted_at.get() + MAX_WAIT_BLOCKS {
                    return Err(ChainError::Unavailable {
                        chain: self.chain_id,
                        what: "relay",
                        reason: format!("{hash} not included within {MAX_WAIT_BLOCKS} blocks"),
                    });
                }
            }
            self.runtime.sleep(self.poll).await;
        }
    }
}
