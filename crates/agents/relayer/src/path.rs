//! The work of one ordered pair of chains (source, destination), one round at a time.
//!
//! A round reads everything from chain state: the source's outbox messages for the destination from
//! the scan position on (and, when a route that was full has room again, the leaves it skipped),
//! less those the destination reports received; then one relay transaction with the client updates
//! the proofs need and the messages the [`Scheduler`] picks: round-robin across routes, each route
//! with a bounded share of memory, messages answered `Retry` backed off and quarantined. Nothing here
//! survives a restart, and nothing needs to: the destination rejects duplicates.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use strait_chain_client::{
    AttestationSource, DeliveryStatus, DestinationChain, RelayFailure, RelayLimits, RelayReport,
    RelayWork, SourceChain, VerifierInfo, VerifierKind, VerifierUpdate,
};
use strait_endpoint::BatchDelivery;
use strait_light_client::predicates::has_sufficient_trust;
use strait_light_client::{LightBlock, TrustThreshold};
use strait_packet::{Packet, Route};
use strait_primitives::{ChainId, ClientId, Height, MessageId, RouteId};

use crate::attested::{certify, AttestedClient, ReceiverFilter};
use crate::guard::{UpdateGuard, UpdatePolicy, UpdateVerdict};
use crate::plan::{bisect, plan_batches, BatchLimits, TX_OVERHEAD_BYTES};
use crate::route::SecuredRoute;
use crate::sched::{RetryPolicy, RetryVerdict, Scheduler, SchedulerConfig, TxBudget};
use crate::{Metrics, RelayerError, Settings};

mod bls;
mod route;
mod scan;

/// Most routes a path tracks (each with messages in memory or skipped ones to find again).
pub const MAX_ROUTES_PER_PATH: usize = 4096;
/// Most light blocks fetched to build one transaction's updates, bisection included.
const MAX_LIGHT_BLOCKS_PER_ROUND: usize = 128;
/// Most leaf counts a committee path tries to certify per round (the attesters' latest ones).
const MAX_CERTIFY_CANDIDATES: usize = 8;

/// The leaf counts of the attesters' latest checkpoints of `chain`, highest first, at most
/// [`MAX_CERTIFY_CANDIDATES`]: the counts a round tries to certify.
async fn certify_candidates(source: &dyn AttestationSource, chain: ChainId) -> Vec<u64> {
    let mut counts: Vec<u64> = source
        .latest(chain)
        .await
        .iter()
        .map(|a| a.checkpoint.leaf_count)
        .collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    counts.dedup();
    counts.truncate(MAX_CERTIFY_CANDIDATES);
    counts
}

/// A message of the source's outbox that the destination has not received, as far as we know.
#[derive(Clone, Debug)]
struct Pending {
    id: MessageId,
    /// Shared with the page it was read from.
    packet: Arc<Packet>,
}

/// What a round achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundOutcome {
    /// Nothing to deliver.
    Idle,
    /// A transaction went through; more may be waiting.
    Progress,
    /// Messages wait for something outside our control (a later block, an earlier ordered message,
    /// their backoff).
    Waiting,
}

/// The soft state of one path.
pub struct Path<S, D> {
    src: S,
    dst: D,
    settings: Arc<Settings>,
    metrics: Arc<Metrics>,
    /// The bounds of one relay on the destination.
    limits: RelayLimits,
    /// Scanned, undelivered messages by route, with the scan position and retry state.
    queue: Scheduler<Route, Pending>,
    /// Bisection and abandonment of client updates.
    guard: UpdateGuard,
    /// Routes whose contiguous counter the destination asked to advance (`AdvanceRoute`), sent
    /// with the next transaction, at most [`RelayLimits::max_advances`] at a time.
    advances: BTreeSet<RouteId>,
    /// The messages of the pair this path relays, by receiver.
    filter: ReceiverFilter,
    /// A committee client this path updates with certificates instead of the default verifier.
    attested: Option<(Arc<dyn AttestationSource>, AttestedClient)>,
    /// The highest checkpoint height this path saw certified and kept on the destination (soft
    /// state: after a restart the first certificate is sent again and answered `Duplicate`); one
    /// checked for a single transaction (`RelayReport::updates_kept` false, ADR 0027) is not.
    certified: Height,
    /// A route whose config this path relays under (`[STRAIT-ROUTE.7]`), and where the attesters
    /// of its committee clients publish.
    route: Option<(Option<Arc<dyn AttestationSource>>, SecuredRoute)>,
    /// Heights the route's light clients were seen verified at (soft state, bounded).
    route_seen: BTreeMap<ClientId, BTreeSet<Height>>,
}

impl<S: SourceChain, D: DestinationChain> Path<S, D> {
    /// A path with an empty cursor.
    pub fn new(src: S, dst: D, settings: Arc<Settings>, metrics: Arc<Metrics>) -> Self {
        let queue = Scheduler::new(SchedulerConfig {
            max_pending: settings.max_pending,
            route_share: settings.max_pending_per_route,
            max_routes: MAX_ROUTES_PER_PATH,
            retry: RetryPolicy::DEFAULT,
            fee_policy: settings.fee_policy,
        });
        let limits = dst.relay_limits();
        Self {
            src,
            dst,
            settings,
            metrics,
            limits,
            queue,
            guard: UpdateGuard::new(UpdatePolicy::DEFAULT),
            advances: BTreeSet::new(),
            filter: ReceiverFilter::All,
            attested: None,
            certified: Height(0),
            route: None,
            route_seen: BTreeMap::new(),
        }
    }

    /// This path relays only the messages whose receiver `filter` admits.
    pub(crate) fn with_filter(mut self, filter: ReceiverFilter) -> Self {
        self.filter = filter;
        self
    }

    /// This path updates the committee client `client` with certificates assembled from `source`.
    pub(crate) fn with_committee(
        mut self,
        source: Arc<dyn AttestationSource>,
        client: AttestedClient,
    ) -> Self {
        self.attested = Some((source, client));
        self
    }

    /// This path relays under `route`'s security config, with certificates from `source`.
    pub(crate) fn with_route(
        mut self,
        source: Option<Arc<dyn AttestationSource>>,
        route: SecuredRoute,
    ) -> Self {
        self.route = Some((source, route));
        self
    }

    /// `(source, destination)`.
    pub fn chains(&self) -> (ChainId, ChainId) {
        (self.src.chain_id(), self.dst.chain_id())
    }

    /// One round: scan, filter, pick, update, deliver.
    pub async fn round(&mut self) -> Result<RoundOutcome, RelayerError> {
        let src_height = self.src.latest_height().await?;
        self.scan(src_height).await?;
        self.rescan().await?;
        self.drop_received().await?;
        if self.queue.is_empty() {
            // Nothing to deliver: a delivery a reorganisation of the destination dropped is sent
            // again by the destination's adapter (the scan has moved past its messages).
            self.dst.tend().await?;
            return Ok(RoundOutcome::Idle);
        }
        // Time of backoffs: the destination's height.
        let now = self.dst.latest_height().await?.get();
        // What would go if the client were updated to the source's height.
        let wanted = self.queue.select(now, src_height, self.budget(0));
        let Some(newest) = wanted
            .iter()
            .filter_map(|l| self.queue.meta(*l))
            .map(|m| m.height)
            .max()
        else {
            return Ok(RoundOutcome::Waiting);
        };
        if let Some((source, route)) = &self.route {
            let (source, route) = (source.clone(), route.clone());
            return self.route_round(source, route, src_height, now).await;
        }
        if let Some((source, client)) = &self.attested {
            let (updates, proof_height) = self.certificate(source.clone(), client.clone()).await;
            return self.send(updates, proof_height, now, None).await;
        }
        let client = self.dst.verifier_of(self.src.chain_id()).await?;
        if client.frozen {
            return Err(RelayerError::ClientFrozen {
                source_chain: self.src.chain_id(),
                destination: self.dst.chain_id(),
            });
        }
        // The default verifier is a BFT light client (in ed25519 or BLS mode), or a committee
        // client given to this path.
        if client.kind != VerifierKind::BFT && client.kind != VerifierKind::BFT_BLS {
            return Err(RelayerError::UnsupportedVerifier {
                destination: self.dst.chain_id(),
                kind: client.kind,
            });
        }
        let (updates, proof_height) = self.updates_for(&client, newest, src_height, now).await?;
        self.send(updates, proof_height, now, Some(client.latest_height))
            .await
    }

    /// Sends `updates` and the messages provable at `proof_height` that fit with them; `trusted`:
    /// the BFT client's height the updates start from (none for a committee client).
    async fn send(
        &mut self,
        updates: Vec<VerifierUpdate>,
        proof_height: Height,
        now: u64,
        trusted: Option<Height>,
    ) -> Result<RoundOutcome, RelayerError> {
        let updates_bytes: usize = updates
            .iter()
            .map(|u| self.limits.update_overhead_bytes + u.body.len())
            .sum();
        // Room for the route advances too: at most `max_advances` route ids.
        let advances_bytes = self.limits.advances_overhead_bytes
            + self
                .limits
                .advance_bytes
                .saturating_mul(self.limits.max_advances);
        let leaves = self.queue.select(
            now,
            proof_height,
            self.budget(updates_bytes + advances_bytes),
        );
        let advances: Vec<RouteId> = self
            .advances
            .iter()
            .take(self.limits.max_advances)
            .copied()
            .collect();
        if leaves.is_empty() && updates.is_empty() && advances.is_empty() {
            return Ok(RoundOutcome::Waiting);
        }
        let batches = self.batches(&leaves, proof_height).await?;
        let sent: BTreeMap<MessageId, u64> = leaves
            .iter()
            .filter_map(|l| self.queue.get(*l).map(|p| (p.id, *l)))
            .collect();
        let updated_to = updates.last().map(|u| u.height);
        let result = self
            .dst
            .relay(RelayWork {
                updates,
                advances: advances.clone(),
                batches,
            })
            .await?;
        self.metrics.txs_submitted.fetch_add(1, Ordering::Relaxed);
        if result.applied.is_ok() {
            for route in &advances {
                self.advances.remove(route);
            }
        }
        tracing::info!(
            src = %self.src.chain_id(), dst = %self.dst.chain_id(), messages = sent.len(),
            updated_to = updated_to.map(|h| h.get()), proof_height = %proof_height,
            tx = %result.hash, height = %result.height, success = result.applied.is_ok(),
            "relay transaction included"
        );
        self.queue.rotate();
        match trusted {
            Some(trusted) => self.record(&result, &sent, trusted, updated_to.is_some()),
            // A committee client: no bisection or header abandonment, the next round assembles
            // a certificate again from what the attesters publish then.
            None => match &result.applied {
                Ok(()) => {
                    self.certified = certified_after(self.certified, &result, updated_to);
                    self.record(&result, &sent, Height(0), false);
                }
                Err(failure) => {
                    tracing::warn!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), %failure, "relay under a committee client refused");
                }
            },
        }
        Ok(if result.applied.is_ok() {
            RoundOutcome::Progress
        } else {
            RoundOutcome::Waiting
        })
    }

    /// The transaction room left for deliveries once `updates_bytes` of updates are in.
    fn budget(&self, updates_bytes: usize) -> TxBudget {
        TxBudget {
            max_messages: self
                .settings
                .max_batch
                .saturating_mul(self.limits.max_batches),
            max_batch: self.settings.max_batch,
            budget_bytes: self
                .limits
                .max_relay_bytes
                .saturating_sub(TX_OVERHEAD_BYTES.saturating_add(updates_bytes)),
        }
    }

    /// The updates proofs at `newest` need, and the proof height. Without an update when the client
    /// already covers `newest` (the node keeps only its most recent consensus states, and the
    /// latest is never pruned), or while the header from the client's height is abandoned (then
    /// only what the client can already prove goes).
    async fn updates_for(
        &mut self,
        client: &VerifierInfo,
        newest: Height,
        src_height: Height,
        now: u64,
    ) -> Result<(Vec<VerifierUpdate>, Height), RelayerError> {
        if client.latest_height >= newest {
            return Ok((Vec::new(), client.latest_height));
        }
        if !self.guard.may_update(client.latest_height, now) {
            tracing::debug!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), trusted = %client.latest_height, "updates from this height abandoned, delivering what the client proves");
            return Ok((Vec::new(), client.latest_height));
        }
        if client.kind == VerifierKind::BFT_BLS {
            return self.bls_updates(client, src_height).await;
        }
        self.updates(client, src_height).await
    }

    /// Client updates from the client's latest height towards `target`, bisecting where a skip
    /// lacks trust. At most [`RelayLimits::max_updates`] updates and
    /// [`MAX_LIGHT_BLOCKS_PER_ROUND`] light blocks fetched; returns the updates and the last height.
    async fn updates(
        &mut self,
        client: &VerifierInfo,
        target: Height,
    ) -> Result<(Vec<VerifierUpdate>, Height), RelayerError> {
        let max_skip = self.guard.max_skip(client.latest_height);
        let mut trusted_height = client.latest_height;
        let mut trusted = self.src.light_block(trusted_height).await?;
        let mut fetched = 1;
        let mut updates = Vec::new();
        'updates: while trusted_height < target
            && updates.len() < self.limits.max_updates
            && fetched < MAX_LIGHT_BLOCKS_PER_ROUND
        {
            let mut candidate = match max_skip {
                Some(skip) => Height(
                    target
                        .get()
                        .min(trusted_height.get().saturating_add(skip.max(1))),
                ),
                None => target,
            };
            let mut block = self.src.light_block(candidate).await?;
            fetched += 1;
            // Bounded: each step halves the distance, and the round's fetches are bounded.
            while !can_skip(&trusted, &block) {
                let Some(mid) = bisect(trusted_height, candidate) else {
                    break;
                };
                if fetched >= MAX_LIGHT_BLOCKS_PER_ROUND {
                    break 'updates;
                }
                candidate = mid;
                block = self.src.light_block(candidate).await?;
                fetched += 1;
            }
            updates.push(VerifierUpdate::bft(client.client, trusted_height, &block));
            trusted_height = candidate;
            trusted = block;
        }
        if updates.len() > 1 || fetched > updates.len() + 1 {
            tracing::debug!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), updates = updates.len(), fetched, "bisected client update");
        }
        Ok((updates, trusted_height))
    }

    /// `[STRAIT-ATTEST.10]` The certificate update of a committee client, from the attesters'
    /// latest checkpoints down (at most [`MAX_CERTIFY_CANDIDATES`] leaf counts tried), and the proof
    /// height: the certified checkpoint's, or the last one certified when none is newer.
    async fn certificate(
        &self,
        source: Arc<dyn AttestationSource>,
        client: AttestedClient,
    ) -> (Vec<VerifierUpdate>, Height) {
        let chain = self.src.chain_id();
        for count in certify_candidates(source.as_ref(), chain).await {
            let attestations = source.attestations(chain, count).await;
            let Some((checkpoint, body)) = certify(&client, &attestations) else {
                continue;
            };
            if checkpoint.source_height <= self.certified {
                break;
            }
            let update = VerifierUpdate {
                client: client.client,
                kind: client.kind,
                height: checkpoint.source_height,
                body,
            };
            return (vec![update], checkpoint.source_height);
        }
        (Vec::new(), self.certified)
    }

    /// Batches of `leaves` (in leaf order, chosen to fit one transaction), each with its proof.
    async fn batches(
        &self,
        leaves: &[u64],
        proof_height: Height,
    ) -> Result<Vec<BatchDelivery>, RelayerError> {
        let lens: Vec<usize> = leaves
            .iter()
            .map(|l| self.queue.meta(*l).map_or(0, |m| m.encoded_len))
            .collect();
        let limits = BatchLimits {
            max_batch: self.settings.max_batch,
            max_batches_per_tx: self.limits.max_batches,
            budget_bytes: usize::MAX,
        };
        let mut batches = Vec::new();
        for range in plan_batches(&lens, limits) {
            let chunk = &leaves[range];
            let proof = self.src.multiproof(chunk, proof_height).await?;
            let packets = chunk
                .iter()
                .filter_map(|l| self.queue.get(*l))
                .map(|p| Packet::clone(&p.packet))
                .collect();
            batches.push(BatchDelivery {
                packets,
                proof,
                proof_height,
            });
        }
        Ok(batches)
    }

    /// Applies a relay transaction's results: per message to the scheduler, a failed update to the
    /// guard. `sent`: the leaves of the messages it carried; `trusted`: the client's height the
    /// updates started from.
    fn record(
        &mut self,
        result: &RelayReport,
        sent: &BTreeMap<MessageId, u64>,
        trusted: Height,
        updated: bool,
    ) {
        let now = result.height.get();
        if let Err(failure) = &result.applied {
            match failure {
                RelayFailure::UpdateNotYet(reason) => {
                    let verdict = self.guard.not_yet(trusted, now);
                    self.update_failed(verdict, reason);
                }
                RelayFailure::UpdateInvalid(reason) => {
                    let verdict = self.guard.invalid(trusted, now);
                    self.update_failed(verdict, reason);
                }
                RelayFailure::Rejected(reason) => {
                    tracing::warn!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), %reason, "relay transaction failed");
                }
            }
            return;
        }
        if updated {
            self.guard.succeeded();
        }
        for delivery in &result.deliveries {
            let Some(&leaf) = sent.get(&delivery.id) else {
                continue;
            };
            let reason = delivery.reason.as_deref().unwrap_or("");
            match delivery.status {
                DeliveryStatus::Executed | DeliveryStatus::Failed | DeliveryStatus::TimedOut => {
                    self.queue.remove(leaf);
                    self.metrics
                        .messages_relayed
                        .fetch_add(1, Ordering::Relaxed);
                }
                DeliveryStatus::AlreadyReceived => {
                    self.queue.remove(leaf);
                    self.metrics
                        .duplicates_skipped
                        .fetch_add(1, Ordering::Relaxed);
                }
                DeliveryStatus::Retry => self.retry_later(leaf, delivery.id, now, reason),
                DeliveryStatus::AdvanceRoute => {
                    // The route's counter is behind (`OrderingBacklog`): the next transaction
                    // advances the route, and the message goes again with it, without backoff.
                    if let Some(pending) = self.queue.get(leaf) {
                        if self.advances.len() < MAX_ROUTES_PER_PATH {
                            self.advances.insert(pending.packet.route().id());
                        }
                    }
                    tracing::debug!(id = %delivery.id, reason, "route advance needed");
                }
                DeliveryStatus::Rejected => {
                    self.queue.remove(leaf);
                    self.metrics
                        .deliveries_rejected
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(id = %delivery.id, reason, "delivery rejected permanently, dropping");
                }
            }
        }
    }

    /// Backs off a message answered `Retry` at destination height `now`; quarantines it when it
    /// keeps being answered so.
    fn retry_later(&mut self, leaf: u64, id: MessageId, now: u64, reason: &str) {
        self.metrics
            .deliveries_retried
            .fetch_add(1, Ordering::Relaxed);
        match self.queue.retry_later(leaf, now) {
            Some(RetryVerdict::Backoff { blocks, retries }) => {
                tracing::debug!(%id, reason, retries, wait_blocks = blocks, "delivery must wait");
            }
            Some(RetryVerdict::Quarantined { blocks, newly }) => {
                if newly {
                    self.metrics
                        .messages_quarantined
                        .fetch_add(1, Ordering::Relaxed);
                    let route = self.queue.route_of(leaf).map(|r| r.id());
                    tracing::warn!(
                        src = %self.src.chain_id(), dst = %self.dst.chain_id(), %id, route = ?route,
                        reason, retry_every_blocks = blocks,
                        "delivery keeps answering retry: quarantined, tried rarely"
                    );
                } else {
                    tracing::debug!(%id, reason, wait_blocks = blocks, "quarantined delivery must still wait");
                }
            }
            None => {}
        }
    }

    /// Logs and counts what the guard decided about a failed client update.
    fn update_failed(&mut self, verdict: UpdateVerdict, reason: &str) {
        let (src, dst) = self.chains();
        match verdict {
            UpdateVerdict::Bisect { max_skip, attempts } => {
                tracing::info!(%src, %dst, reason, max_skip, attempts, "update not verifiable yet, bisecting");
            }
            UpdateVerdict::Abandon { from, until, newly } => {
                if newly {
                    self.metrics
                        .headers_abandoned
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::error!(
                        %src, %dst, trusted_height = %from, until_dst_height = until, reason,
                        "source header can never verify from this trusted height: no update from it for a long while"
                    );
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

/// The highest committee height a path may prove at without a certificate after `report`, which
/// carried updates up to `updated_to`: the certified height moves only when the destination kept
/// the updates (an update checked for one transaction, ADR 0027, proves nothing later).
fn certified_after(certified: Height, report: &RelayReport, updated_to: Option<Height>) -> Height {
    match (report.updates_kept, updated_to) {
        (true, Some(to)) => certified.max(to),
        _ => certified,
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

#[cfg(test)]
mod tests {
    use strait_primitives::Hash32;

    use super::*;

    #[test]
    fn a_committee_height_counts_as_certified_only_when_its_update_was_kept() {
        let report = |updates_kept| RelayReport {
            hash: Hash32([0; 32]),
            height: Height(9),
            applied: Ok(()),
            deliveries: Vec::new(),
            updates_kept,
        };
        let (kept, once) = (report(true), report(false));
        assert_eq!(
            certified_after(Height(5), &kept, Some(Height(8))),
            Height(8)
        );
        assert_eq!(
            certified_after(Height(5), &kept, Some(Height(3))),
            Height(5)
        );
        assert_eq!(certified_after(Height(5), &kept, None), Height(5));
        // Checked for one transaction (`verifyAndCall`): the next relay carries it again.
        assert_eq!(
            certified_after(Height(5), &once, Some(Height(8))),
            Height(5)
        );
        assert_eq!(certified_after(Height(5), &once, None), Height(5));
    }
}
