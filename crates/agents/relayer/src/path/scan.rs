//! Reading the source's outbox: the main scan of new leaves, the rescan of leaves that full routes
//! skipped, and the filter of messages the destination already received.

use std::sync::atomic::Ordering;

use strait_chain_client::{DestinationChain, MessagePayment, OutboxMessage, SourceChain};
use strait_packet::Route;
use strait_primitives::{Height, MessageId};

use super::{Path, Pending};
use crate::sched::MessageMeta;
use crate::RelayerError;

/// Messages asked for per outbox page.
const SCAN_PAGE: usize = 1024;
/// Pages the main scan reads per round.
const MAX_SCAN_PAGES: usize = 16;
/// Pages a rescan pass reads per round.
const MAX_RESCAN_PAGES: usize = 4;
/// A scanned message's leaf and what the scheduler needs of it.
struct Scanned {
    leaf: u64,
    meta: MessageMeta,
}

impl<S: SourceChain, D: DestinationChain> Path<S, D> {
    /// Reads new outbox messages from the scan position up to `src_height`, at most
    /// [`MAX_SCAN_PAGES`] pages. Messages beyond a route's share are skipped, not kept.
    pub(super) async fn scan(&mut self, src_height: Height) -> Result<(), RelayerError> {
        for _ in 0..MAX_SCAN_PAGES {
            let from = self.queue.scan_position();
            let page = self
                .src
                .outbox_page(self.dst.chain_id(), from, SCAN_PAGE)
                .await?;
            let payments = self.payments_of(&page.messages).await?;
            for (m, payment) in page.messages.into_iter().zip(payments) {
                if m.height > src_height {
                    return Ok(());
                }
                if !self.filter.admits(&m.packet.receiver) {
                    continue;
                }
                let (route, meta, pending) = self.check(m, self.queue.scan_position(), payment)?;
                self.queue
                    .offer_new(meta.leaf, route, meta.meta, pending)
                    .map_err(|e| self.bad(format!("messages page from {from}: {e}")))?;
            }
            // A page may be short (the node bounds the leaves and bytes of a call): go on from
            // where it ended, until the outbox's end or a page that does not move.
            self.queue
                .advance_scan(page.next_leaf.min(page.outbox_count));
            let at = self.queue.scan_position();
            if at >= page.outbox_count || at == from {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Reads again, at most [`MAX_RESCAN_PAGES`] pages, the leaves that routes skipped while full
    /// and now have room for.
    pub(super) async fn rescan(&mut self) -> Result<(), RelayerError> {
        for _ in 0..MAX_RESCAN_PAGES {
            let Some(range) = self.queue.rescan_range() else {
                return Ok(());
            };
            let page = self
                .src
                .outbox_page(self.dst.chain_id(), range.start, SCAN_PAGE)
                .await?;
            let mut next = range.start;
            let payments = self.payments_of(&page.messages).await?;
            for (m, payment) in page.messages.into_iter().zip(payments) {
                if m.leaf_index >= range.end {
                    next = range.end;
                    break;
                }
                if !self.filter.admits(&m.packet.receiver) {
                    next = m.leaf_index + 1;
                    continue;
                }
                let (route, meta, pending) = self.check(m, next, payment)?;
                // Below `range.end`: no overflow.
                next = meta.leaf + 1;
                self.queue
                    .offer_rescanned(meta.leaf, route, meta.meta, pending)
                    .map_err(|e| self.bad(format!("messages page from {}: {e}", range.start)))?;
            }
            // A short page is not the end of the range: the node bounds each call.
            let done = next.max(page.next_leaf.min(range.end));
            tracing::debug!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), from = range.start, to = done, end = range.end, "rescanned skipped leaves");
            self.queue.advance_rescan(done);
            if done == range.start {
                return Ok(());
            }
        }
        Ok(())
    }

    /// What each message of a page paid (`[STRAIT-FEE.9]`), asked of the source only when the
    /// fee policy looks at it. An outcome message (sent by the endpoint) is carried whatever the
    /// policy, as [`MessagePayment::Unknown`]: it pays nothing itself, and its proof back is what
    /// earns the relayers their fees on the source.
    async fn payments_of(
        &self,
        messages: &[OutboxMessage],
    ) -> Result<Vec<MessagePayment>, RelayerError> {
        let mut payments = vec![MessagePayment::Unknown; messages.len()];
        if !self.settings.fee_policy.needs_payments() {
            return Ok(payments);
        }
        let endpoint = strait_endpoint::endpoint_address();
        let (at, ids): (Vec<usize>, Vec<MessageId>) = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.packet.sender != endpoint)
            .map(|(i, m)| (i, m.id))
            .unzip();
        if ids.is_empty() {
            return Ok(payments);
        }
        let paid = self.src.payments(&ids).await?;
        if paid.len() != ids.len() {
            return Err(self.bad(format!(
                "{} payments for {} messages",
                paid.len(),
                ids.len()
            )));
        }
        for (i, p) in at.into_iter().zip(paid) {
            payments[i] = p;
        }
        Ok(payments)
    }

    /// Checks a message of a page read from `min_leaf` on: in order, for this path, from its
    /// source (the chain client decoded its packet and checked it against its id).
    fn check(
        &self,
        m: OutboxMessage,
        min_leaf: u64,
        payment: MessagePayment,
    ) -> Result<(Route, Scanned, Pending), RelayerError> {
        let dst = self.dst.chain_id();
        if m.leaf_index < min_leaf
            || m.packet.destination_chain != dst
            || m.packet.source_chain != self.src.chain_id()
        {
            return Err(self.bad(format!(
                "messages page from {min_leaf} has leaf {} for {} from {}",
                m.leaf_index, m.packet.destination_chain, m.packet.source_chain
            )));
        }
        let meta = Scanned {
            leaf: m.leaf_index,
            meta: MessageMeta {
                height: m.height,
                encoded_len: m.encoded_len,
                ordered: m.packet.options.ordered,
                payment,
            },
        };
        Ok((
            m.packet.route(),
            meta,
            Pending {
                id: m.id,
                packet: m.packet,
            },
        ))
    }

    /// Forgets the pending messages that the destination has already received.
    pub(super) async fn drop_received(&mut self) -> Result<(), RelayerError> {
        if self.queue.is_empty() {
            return Ok(());
        }
        // With the packets: a destination that records receipts by route and nonce (an EVM
        // endpoint) needs them; the others are asked by id.
        let mut leaves = Vec::with_capacity(self.queue.len());
        let mut ids = Vec::with_capacity(self.queue.len());
        let mut packets = Vec::with_capacity(self.queue.len());
        for (leaf, p) in self.queue.iter() {
            leaves.push(leaf);
            ids.push(p.id);
            packets.push(p.packet.clone());
        }
        let received = self.dst.received_packets(&ids, &packets).await?;
        let mut skipped = 0u64;
        for (leaf, done) in leaves.into_iter().zip(received) {
            if done {
                self.queue.remove(leaf);
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
}
