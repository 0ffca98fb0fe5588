//! The work of one ordered pair of chains (source, destination), one round at a time.
//!
//! A round reads everything from chain state: the source's outbox messages for the destination from
//! the cursor on, less those the destination reports received; then one relay transaction with the
//! client updates the proofs need and as many batches as the limits allow. Nothing here survives a
//! restart, and nothing needs to: the destination rejects duplicates.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use strait_chain_api::rpc::{ClientInfo, DeliveryStatus, TxFailure, TxResult, MAX_RPC_ITEMS};
use strait_chain_api::tx::{ClientUpdate, SignedTx, Tx, TxBody, MAX_TX_LEN, MAX_UPDATES_PER_TX};
use strait_endpoint::BatchDelivery;
use strait_light_client::predicates::has_sufficient_trust;
use strait_light_client::{LightBlock, TrustThreshold};
use strait_packet::Packet;
use strait_primitives::{ChainId, Height, MessageId};
use tokio::sync::Mutex;

use crate::plan::{bisect, plan_batches, BatchLimits, TX_OVERHEAD_BYTES};
use crate::rpc::ChainRpc;
use crate::{Metrics, RelayerError, Settings};

/// A message of the source's outbox that the destination has not received, as far as we know.
#[derive(Clone, Debug)]
struct Pending {
    id: MessageId,
    leaf_index: u64,
    height: Height,
    packet: Packet,
    encoded_len: usize,
}

/// The next nonce of the relayer's account on one destination, shared by every path into it.
#[derive(Debug, Default)]
pub struct NonceSlot(Mutex<Option<u64>>);

/// What a round achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundOutcome {
    /// Nothing to deliver.
    Idle,
    /// A transaction went through; more may be waiting.
    Progress,
    /// Messages wait for something outside our control (a later block, an earlier ordered message).
    Waiting,
}

/// The soft state of one path.
pub struct Path {
    src: ChainRpc,
    dst: ChainRpc,
    nonce: Arc<NonceSlot>,
    settings: Arc<Settings>,
    metrics: Arc<Metrics>,
    /// Next outbox leaf of the source to scan.
    cursor: u64,
    /// Scanned, undelivered messages by leaf index; at most `settings.max_pending`.
    pending: BTreeMap<u64, Pending>,
    /// Set when the destination answered "not yet" to an update: skip at most this far next time.
    max_skip: Option<u64>,
}

impl Path {
    /// A path with an empty cursor.
    pub fn new(
        src: ChainRpc,
        dst: ChainRpc,
        nonce: Arc<NonceSlot>,
        settings: Arc<Settings>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            src,
            dst,
            nonce,
            settings,
            metrics,
            cursor: 0,
            pending: BTreeMap::new(),
            max_skip: None,
        }
    }

    /// `(source, destination)`.
    pub fn chains(&self) -> (ChainId, ChainId) {
        (self.src.chain_id(), self.dst.chain_id())
    }

    /// One round: scan, filter, update, deliver.
    pub async fn round(&mut self) -> Result<RoundOutcome, RelayerError> {
        let src_height = self.src.latest_height().await?;
        self.scan(src_height).await?;
        self.drop_received().await?;
        if self.pending.is_empty() {
            return Ok(RoundOutcome::Idle);
        }
        let client = self.dst.client_of(self.src.chain_id()).await?;
        if client.frozen {
            return Err(RelayerError::ClientFrozen {
                source_chain: self.src.chain_id(),
                destination: self.dst.chain_id(),
            });
        }
        let newest = self
            .pending
            .values()
            .map(|p| p.height)
            .max()
            .unwrap_or_default();
        // Prove against the client's latest height when it covers every pending message: the node
        // keeps only its most recent consensus states, and the latest is never pruned.
        let (updates, proof_height) = if client.latest_height >= newest {
            (Vec::new(), client.latest_height)
        } else {
            self.updates(&client, src_height).await?
        };
        let updates_bytes: usize = updates
            .iter()
            .map(|u| 16 + 4 + u.block.encode().len())
            .sum();
        let ready: Vec<&Pending> = self
            .pending
            .values()
            .filter(|p| p.height <= proof_height)
            .collect();
        let limits = BatchLimits {
            max_batch: self.settings.max_batch,
            max_batches_per_tx: strait_chain_api::tx::MAX_BATCHES_PER_TX,
            budget_bytes: MAX_TX_LEN.saturating_sub(TX_OVERHEAD_BYTES + updates_bytes),
        };
        let lens: Vec<usize> = ready.iter().map(|p| p.encoded_len).collect();
        let plan = plan_batches(&lens, limits);
        if plan.is_empty() && !ready.is_empty() {
            // Cannot happen with packets bounded at 64 KiB; dropping keeps the path moving.
            let p = ready[0];
            tracing::error!(id = %p.id, len = p.encoded_len, "message too large for any relay transaction, skipping");
            let leaf = p.leaf_index;
            self.pending.remove(&leaf);
            return Ok(RoundOutcome::Progress);
        }
        let mut batches = Vec::with_capacity(plan.len());
        for range in &plan {
            let msgs = &ready[range.clone()];
            let leaves: Vec<u64> = msgs.iter().map(|p| p.leaf_index).collect();
            let proof = self.src.proof(&leaves, proof_height).await?;
            let packets = msgs.iter().map(|p| p.packet.clone()).collect();
            batches.push(BatchDelivery {
                packets,
                proof,
                proof_height,
            });
        }
        if batches.is_empty() && updates.is_empty() {
            return Ok(RoundOutcome::Waiting);
        }
        let messages: usize = batches.iter().map(|b| b.packets.len()).sum();
        let updated_to = updates.last().map(|u| u.block.header().height);
        let result = self
            .submit(TxBody::Relay {
                updates,
                advances: Vec::new(),
                batches,
            })
            .await?;
        tracing::info!(
            src = %self.src.chain_id(), dst = %self.dst.chain_id(), messages,
            updated_to = updated_to.map(|h| h.get()), proof_height = %proof_height,
            tx = %result.hash, height = %result.height, success = result.success,
            "relay transaction included"
        );
        self.record(&result);
        Ok(if result.success {
            RoundOutcome::Progress
        } else {
            RoundOutcome::Waiting
        })
    }

    /// Reads the source outbox from the cursor up to `src_height`, while the pending set has room.
    async fn scan(&mut self, src_height: Height) -> Result<(), RelayerError> {
        let dst = self.dst.chain_id();
        while self.pending.len() < self.settings.max_pending {
            let room = (self.settings.max_pending - self.pending.len()).min(MAX_RPC_ITEMS);
            let page = self.src.messages(self.cursor, room as u32, dst).await?;
            let got = page.messages.len();
            for m in page.messages {
                if m.height > src_height {
                    return Ok(());
                }
                if m.leaf_index < self.cursor || m.destination_chain != dst {
                    return Err(self.bad(format!(
                        "messages page from {} has leaf {} for {}",
                        self.cursor, m.leaf_index, m.destination_chain
                    )));
                }
                let packet = Packet::decode(&m.packet.0)
                    .map_err(|e| self.bad(format!("packet {}: {e}", m.id)))?;
                let encoded_len = m.packet.0.len();
                if packet.id() != m.id
                    || packet.destination_chain != dst
                    || packet.source_chain != self.src.chain_id()
                {
                    return Err(self.bad(format!("message {} does not match its packet", m.id)));
                }
                self.cursor = m.leaf_index + 1;
                self.pending.insert(
                    m.leaf_index,
                    Pending {
                        id: m.id,
                        leaf_index: m.leaf_index,
                        height: m.height,
                        packet,
                        encoded_len,
                    },
                );
            }
            self.cursor = self.cursor.max(page.next_leaf.min(page.outbox_count));
            if got < room {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Forgets the pending messages that the destination has already received.
    async fn drop_received(&mut self) -> Result<(), RelayerError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let (leaves, ids): (Vec<u64>, Vec<MessageId>) =
            self.pending.values().map(|p| (p.leaf_index, p.id)).unzip();
        let received = self.dst.received(&ids).await?;
        let mut skipped = 0u64;
        for (leaf, done) in leaves.into_iter().zip(received) {
            if done {
                self.pending.remove(&leaf);
                skipped += 1;
            }
        }
        if skipped > 0 {
            self.metrics
                .duplicates_skipped
                .fetch_add(skipped, Ordering::Relaxed);
            tracing::debug!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), skipped, "messages already received by the destination");
        }
        Ok(())
    }

    /// Client updates from the client's latest height towards `target`, bisecting where a skip
    /// lacks trust. At most [`MAX_UPDATES_PER_TX`] updates; returns them and the last height.
    async fn updates(
        &mut self,
        client: &ClientInfo,
        target: Height,
    ) -> Result<(Vec<ClientUpdate>, Height), RelayerError> {
        let mut trusted_height = client.latest_height;
        let mut trusted = self.src.light_block(trusted_height).await?;
        let mut updates = Vec::new();
        while trusted_height < target && updates.len() < MAX_UPDATES_PER_TX {
            let mut candidate = match self.max_skip {
                Some(skip) => Height(
                    target
                        .get()
                        .min(trusted_height.get().saturating_add(skip.max(1))),
                ),
                None => target,
            };
            let mut block = self.src.light_block(candidate).await?;
            // Bounded: each step halves the distance (at most 64 steps).
            while !can_skip(&trusted, &block) {
                let Some(mid) = bisect(trusted_height, candidate) else {
                    break;
                };
                candidate = mid;
                block = self.src.light_block(candidate).await?;
            }
            updates.push(ClientUpdate {
                client: client.client_id,
                trusted_height,
                block: block.clone(),
            });
            trusted_height = candidate;
            trusted = block;
        }
        if updates.len() > 1 {
            tracing::debug!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), updates = updates.len(), "bisected client update");
        }
        Ok((updates, trusted_height))
    }

    /// Signs and submits `body` with the shared nonce of the destination, waits for inclusion.
    async fn submit(&self, body: TxBody) -> Result<TxResult, RelayerError> {
        let key = &self.settings.account;
        let hash = {
            let mut slot = self.nonce.0.lock().await;
            let nonce = match *slot {
                Some(n) => n,
                None => self.dst.account_nonce(key.address()).await?,
            };
            let tx: SignedTx = Tx {
                chain_id: self.dst.chain_id(),
                signer: key.address(),
                nonce,
                body,
            }
            .sign(key);
            match self.dst.submit(&tx).await {
                Ok(hash) => {
                    *slot = Some(nonce + 1);
                    hash
                }
                Err(e) => {
                    // Re-read the nonce next time, whatever went wrong.
                    if e.is_nonce_error() {
                        tracing::debug!(dst = %self.dst.chain_id(), nonce, error = %e, "account nonce moved, re-reading it");
                    }
                    *slot = None;
                    return Err(e);
                }
            }
        };
        self.metrics.txs_submitted.fetch_add(1, Ordering::Relaxed);
        match self
            .dst
            .wait_tx(
                hash,
                self.settings.tx_poll_interval,
                self.settings.tx_timeout,
            )
            .await
        {
            Ok(result) => Ok(result),
            Err(e) => {
                *self.nonce.0.lock().await = None;
                Err(e)
            }
        }
    }

    /// Applies a relay transaction's per-message results to the pending set.
    fn record(&mut self, result: &TxResult) {
        if !result.success {
            let reason = result.error.as_deref().unwrap_or("");
            if result.failure == Some(TxFailure::UpdateNotYet) {
                let skip = self.max_skip.map_or(64, |s| (s / 2).max(1));
                tracing::info!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), %reason, max_skip = skip, "update not verifiable yet, bisecting");
                self.max_skip = Some(skip);
            } else {
                tracing::warn!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), %reason, "relay transaction failed");
            }
            return;
        }
        self.max_skip = None;
        let by_id: BTreeMap<MessageId, u64> = self
            .pending
            .values()
            .map(|p| (p.id, p.leaf_index))
            .collect();
        for delivery in &result.deliveries {
            let Some(&leaf) = by_id.get(&delivery.id) else {
                continue;
            };
            let reason = delivery.error.as_deref().unwrap_or("");
            match delivery.status {
                DeliveryStatus::Executed | DeliveryStatus::Failed | DeliveryStatus::TimedOut => {
                    self.pending.remove(&leaf);
                    self.metrics
                        .messages_relayed
                        .fetch_add(1, Ordering::Relaxed);
                }
                DeliveryStatus::AlreadyReceived => {
                    self.pending.remove(&leaf);
                    self.metrics
                        .duplicates_skipped
                        .fetch_add(1, Ordering::Relaxed);
                }
                DeliveryStatus::Retry | DeliveryStatus::AdvanceRoute => {
                    tracing::debug!(id = %delivery.id, reason, "delivery must wait");
                }
                DeliveryStatus::Rejected => {
                    self.pending.remove(&leaf);
                    self.metrics
                        .deliveries_rejected
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(id = %delivery.id, reason, "delivery rejected permanently, dropping");
                }
            }
        }
    }

    fn bad(&self, reason: String) -> RelayerError {
        RelayerError::BadData {
            chain: self.src.chain_id(),
            reason,
        }
    }
}

/// Whether the destination's client, trusting `trusted`, can verify `untrusted` directly: adjacent,
/// signed by the same set, or by more than the minimal trust threshold (1/3) of the trusted next set.
/// A client with a stricter threshold answers "not yet" on chain, and the path bisects then.
fn can_skip(trusted: &LightBlock, untrusted: &LightBlock) -> bool {
    let adjacent = trusted.header().height.checked_next() == Some(untrusted.header().height);
    adjacent
        || trusted.next_validators.hash() == untrusted.validators.hash()
        || has_sufficient_trust(
            &untrusted.signed_header.commit,
            &untrusted.validators,
            &trusted.next_validators,
            TrustThreshold::ONE_THIRD,
        )
        .is_ok()
}
