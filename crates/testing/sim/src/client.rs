//! The chain-client adapter of an in-process chain.

use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use strait_chain_client::{
    ChainError, DestinationChain, MessagePayment, OutboxPage, RelayLimits, RelayReport, RelayWork,
    SourceChain, VerifierInfo,
};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{SignedTx, Tx};
use strait_devnet_client::convert::{relay_body, report_of, RELAY_LIMITS};
use strait_light_client::bls::BlsLightBlock;
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_node::fees::message;
use strait_primitives::{ChainId, Height, MessageId, RouteId};
use strait_runtime::Runtime;

use crate::InProcessChain;

mod watch;

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
    /// A byzantine relayer, with every chain to rebuild proofs from: each relay it submits either
    /// has one random bit flipped, or withholds a random part of each batch (re-proven).
    byzantine: Option<Arc<BTreeMap<ChainId, Arc<Mutex<InProcessChain>>>>>,
    /// A bad network: requests fail or are delayed, relays are duplicated or their answers lost.
    network: bool,
    /// A relayer that holds back nonce 1 of this route for ever (re-proving what it sends).
    hold_back: Option<(RouteId, Sources)>,
}

/// Every chain by id, for a byzantine relayer to rebuild proofs from.
pub type Sources = Arc<BTreeMap<ChainId, Arc<Mutex<InProcessChain>>>>;

impl<R: Clone> Clone for SimChainClient<R> {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            chain_id: self.chain_id,
            runtime: self.runtime.clone(),
            account: self.account.clone(),
            poll: self.poll,
            byzantine: self.byzantine.clone(),
            network: self.network,
            hold_back: self.hold_back.clone(),
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
        Self::with_account(chain, runtime, Arc::new(account), poll)
    }

    /// [`Self::new`] with a key shared with other clients (one relayer's links to every chain).
    pub fn with_account(
        chain: Arc<Mutex<InProcessChain>>,
        runtime: R,
        account: Arc<AccountKey>,
        poll: Duration,
    ) -> Self {
        let chain_id = chain.lock().expect("chain lock").chain_id();
        Self {
            chain,
            chain_id,
            runtime,
            account,
            poll,
            byzantine: None,
            network: false,
            hold_back: None,
        }
    }

    /// The same client over a bad network: 1 request in 50 fails, 1 in 10 is delayed up to
    /// 200 ms, 1 relay in 20 is submitted twice and 1 in 20 loses its answer.
    pub fn with_network_faults(mut self) -> Self {
        self.network = true;
        self
    }

    /// The network's effect on one request: a delay, or a failure.
    pub(crate) async fn network(&self, what: &'static str) -> Result<(), ChainError> {
        if !self.network {
            return Ok(());
        }
        let roll = self.runtime.next_u64() % 100;
        if roll < 10 {
            let ms = self.runtime.next_u64() % 200;
            self.runtime.sleep(Duration::from_millis(ms)).await;
        }
        if roll >= 98 {
            return Err(ChainError::Unavailable {
                chain: self.chain_id,
                what,
                reason: "request lost".into(),
            });
        }
        Ok(())
    }

    /// The same client as a byzantine relayer: every relay it submits either has one random bit
    /// of its body flipped (and is signed as such, when it still decodes), or withholds a random
    /// part of each batch, re-proven from `sources` so that what remains verifies.
    pub fn byzantine(
        mut self,
        sources: Arc<BTreeMap<ChainId, Arc<Mutex<InProcessChain>>>>,
    ) -> Self {
        self.byzantine = Some(sources);
        self
    }

    /// The same client as a relayer that never delivers nonce 1 of `route` (and delivers every
    /// other message, re-proven from `sources`): the review's stalling pattern.
    pub fn holding_back(mut self, route: RouteId, sources: Sources) -> Self {
        self.hold_back = Some((route, sources));
        self
    }

    /// Drops from each batch the messages `keep` refuses, with a multiproof of the rest.
    fn filter_batches(
        &self,
        sources: &BTreeMap<ChainId, Arc<Mutex<InProcessChain>>>,
        work: &mut RelayWork,
        mut keep: impl FnMut(&strait_packet::Packet) -> bool,
    ) {
        for batch in &mut work.batches {
            let Some(source) = batch
                .packets
                .first()
                .and_then(|p| sources.get(&p.source_chain))
            else {
                continue;
            };
            let kept: Vec<usize> = (0..batch.packets.len())
                .filter(|&i| keep(&batch.packets[i]))
                .collect();
            if kept.len() == batch.packets.len() {
                continue;
            }
            let leaves: Vec<u64> = kept
                .iter()
                .map(|&i| batch.proof.leaf_indices[i].get())
                .collect();
            let proof = if leaves.is_empty() {
                None
            } else {
                source
                    .lock()
                    .expect("chain lock")
                    .multiproof(&leaves, batch.proof_height)
                    .ok()
            };
            match proof {
                Some(proof) => {
                    batch.packets = kept.iter().map(|&i| batch.packets[i].clone()).collect();
                    batch.proof = proof;
                }
                None => batch.packets.clear(),
            }
        }
        work.batches.retain(|b| !b.packets.is_empty());
    }

    /// Keeps a random part of each batch (at least one message), re-proven from `sources`.
    fn withhold(
        &self,
        sources: &BTreeMap<ChainId, Arc<Mutex<InProcessChain>>>,
        work: &mut RelayWork,
    ) {
        let runtime = self.runtime.clone();
        self.filter_batches(sources, work, |_| !runtime.next_u64().is_multiple_of(3));
    }

    /// The account that signs this client's transactions.
    pub(crate) fn account(&self) -> &strait_devnet_api::keys::AccountKey {
        &self.account
    }

    /// The runtime.
    pub(crate) fn runtime(&self) -> &R {
        &self.runtime
    }

    /// How often a submission polls for its block.
    pub(crate) fn poll(&self) -> Duration {
        self.poll
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, InProcessChain> {
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

impl<R: Runtime> SimChainClient<R> {
    /// Flips one random bit of `tx`'s body and signs the result; a flip that does not decode is
    /// a submission the chain would refuse at once.
    fn flip_a_bit(&self, tx: SignedTx) -> Result<SignedTx, ChainError> {
        // version, chain id, signer and nonce come first; the signature last.
        const HEAD: usize = 1 + 8 + 32 + 8;
        let mut bytes = tx.encode();
        let body_len = bytes.len() - HEAD - 64;
        let bit = self.runtime.next_u64() % (body_len as u64 * 8);
        bytes[HEAD + (bit / 8) as usize] ^= 1 << (bit % 8);
        let tampered = SignedTx::decode(&bytes).map_err(|e| ChainError::Refused {
            chain: self.chain_id,
            what: "relay",
            reason: format!("tampered relay does not decode: {e}"),
        })?;
        Ok(tampered.tx.sign(&self.account))
    }
}

impl<R: Runtime> SourceChain for SimChainClient<R> {
    fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.network("latest_height").await?;
        Ok(self.lock().latest_height())
    }

    async fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        self.network("outbox_page").await?;
        Ok(self.lock().outbox_page(destination, from_leaf, limit))
    }

    async fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        self.network("multiproof").await?;
        self.lock()
            .multiproof(leaves, height)
            .map_err(|e| self.refused("multiproof", e))
    }

    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        self.network("light_block").await?;
        self.lock()
            .light_block(height)
            .ok_or_else(|| self.refused("light_block", format!("no block at {height}")))
    }

    async fn bls_light_block(&self, height: Height) -> Result<BlsLightBlock, ChainError> {
        self.network("bls_light_block").await?;
        self.lock()
            .bls_light_block(height)
            .ok_or_else(|| self.refused("bls_light_block", format!("no block at {height}")))
    }

    /// `[STRAIT-FEE.9]` From the chain's fee records: locked (or split once settled) is paid,
    /// neither is unpaid (the relayer asks only of messages this chain sent).
    async fn payments(&self, ids: &[MessageId]) -> Result<Vec<MessagePayment>, ChainError> {
        self.network("payments").await?;
        let chain = self.lock();
        Ok(ids
            .iter()
            .map(|id| {
                let state = chain.state();
                if let Some(lock) = message::locked(state, id) {
                    MessagePayment::Paid {
                        amount: lock.quote.total,
                    }
                } else if let Some(paid) = message::paid(state, id) {
                    MessagePayment::Paid {
                        amount: paid
                            .to_deliverer
                            .saturating_add(paid.to_ack_relayer)
                            .saturating_add(paid.refunded),
                    }
                } else {
                    MessagePayment::Unpaid
                }
            })
            .collect())
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
        self.network("received").await?;
        Ok(self.lock().received(ids))
    }

    async fn verifier_of(&self, source: ChainId) -> Result<VerifierInfo, ChainError> {
        self.network("verifier_of").await?;
        self.lock()
            .verifier_of(source)
            .ok_or_else(|| self.refused("verifier_of", format!("no verifier of {source}")))
    }

    async fn route_verifiers(
        &self,
        receiver: strait_primitives::Address32,
        source: ChainId,
    ) -> Result<strait_chain_client::RouteVerifiers, ChainError> {
        self.network("route_verifiers").await?;
        self.lock()
            .route_verifiers(&receiver, source)
            .ok_or_else(|| self.refused("route_verifiers", format!("no route from {source}")))
    }

    fn relay_limits(&self) -> RelayLimits {
        RELAY_LIMITS
    }

    async fn relay(&self, mut work: RelayWork) -> Result<RelayReport, ChainError> {
        self.network("relay").await?;
        if let Some((route, sources)) = &self.hold_back {
            self.filter_batches(sources, &mut work, |p| {
                p.route().id() != *route || p.nonce.get() != 1
            });
            if work.is_empty() {
                return Err(ChainError::Unavailable {
                    chain: self.chain_id,
                    what: "relay",
                    reason: "nothing left to relay".into(),
                });
            }
        }
        let tamper = match &self.byzantine {
            Some(sources) if self.runtime.next_u64().is_multiple_of(2) => {
                self.withhold(sources, &mut work);
                false
            }
            Some(_) => true,
            None => false,
        };
        let body = relay_body(work);
        // A bad network duplicates some relays (the copy goes with the next nonce).
        let copies = if self.network && self.runtime.next_u64().is_multiple_of(20) {
            2
        } else {
            1
        };
        let (hash, submitted_at) = {
            let mut chain = self.lock();
            let mut first = None;
            for _ in 0..copies {
                let tx = Tx {
                    chain_id: self.chain_id,
                    signer: self.account.address(),
                    nonce: chain.account_nonce(&self.account.address()),
                    body: body.clone(),
                }
                .sign(&self.account);
                let tx = if tamper { self.flip_a_bit(tx)? } else { tx };
                let hash = chain.submit(tx).map_err(|e| ChainError::Unavailable {
                    chain: self.chain_id,
                    what: "relay",
                    reason: e.to_string(),
                })?;
                first.get_or_insert(hash);
            }
            (first.expect("at least one copy"), chain.latest_height())
        };
        // ... and loses the answer of some.
        if self.network && self.runtime.next_u64().is_multiple_of(20) {
            return Err(ChainError::Unavailable {
                chain: self.chain_id,
                what: "relay",
                reason: "answer lost".into(),
            });
        }
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
