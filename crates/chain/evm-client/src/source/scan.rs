//! Indexing the endpoint's `Sent` logs up to the confirmed head, in bounded block ranges, and
//! noticing reorgs beneath the index (`[STRAIT-EVM-SRC.2]`).

use alloy::rpc::types::Log;
use strait_chain_client::ChainError;
use strait_packet::Packet;
use strait_primitives::{ChainId, Hash32, MessageId};

use super::index::{Leaf, OutboxIndex, RangeEnd};
use super::rpc::SourceRpc;
use super::EvmSource;
use crate::abi::endpoint::StraitEndpoint;

/// Scans restarted because the chain changed under them before one gives up (`Unavailable`).
const MAX_SCAN_ATTEMPTS: usize = 4;

/// Where a sync left the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Synced {
    /// The confirmed head.
    pub confirmed: u64,
    /// The last block the index covers (`None`: none yet); below `confirmed` while catching up.
    pub indexed_through: Option<u64>,
}

/// How a range scan ended.
enum Scan {
    /// Indexed up to the confirmed head.
    Done,
    /// A block changed during the scan: look for the fork and scan again.
    Moved,
}

/// A `Sent` log, decoded and checked against its packet.
pub(crate) struct SentLog {
    pub leaf_index: u64,
    pub id: MessageId,
    pub block: u64,
    pub block_hash: Option<Hash32>,
    pub packet: Packet,
    pub encoded_len: usize,
}

/// Decodes a `Sent` log of the endpoint on `chain`, checks its packet against its id,
/// destination and source; the reason when it does not check out.
pub(crate) fn decode_sent(rpc: &SourceRpc, log: &Log) -> Result<SentLog, String> {
    if log.removed {
        return Err("a removed log".into());
    }
    if log.address() != rpc.endpoint {
        return Err(format!(
            "a log of {} instead of the endpoint",
            log.address()
        ));
    }
    let block = log.block_number.ok_or("a log without a block number")?;
    let sent = log
        .log_decode::<StraitEndpoint::Sent>()
        .map_err(|e| format!("undecodable Sent log in block {block}: {e}"))?
        .inner
        .data;
    let id = MessageId(sent.id.0);
    let packet = Packet::decode(&sent.packet)
        .map_err(|e| format!("leaf {}: undecodable packet: {e}", sent.leafIndex))?;
    if packet.id() != id
        || packet.source_chain != rpc.chain
        || packet.destination_chain != ChainId(sent.destinationChain)
    {
        return Err(format!(
            "leaf {}: message {id} does not match its packet",
            sent.leafIndex
        ));
    }
    Ok(SentLog {
        leaf_index: u64::from(sent.leafIndex),
        id,
        block,
        block_hash: log.block_hash.map(|h| Hash32(h.0)),
        packet,
        encoded_len: sent.packet.len(),
    })
}

impl EvmSource {
    /// Brings the index towards the confirmed head (head − depth), at most `max_ranges_per_sync`
    /// log requests at a time: first checks that the last scanned range end is still on the chain
    /// (else rewinds past the fork), then scans the new blocks, then checks the indexed root and
    /// size against the endpoint's at the last block scanned.
    pub(crate) async fn sync(&self) -> Result<Synced, ChainError> {
        let rpc = &self.inner.rpc;
        let mut index = self.inner.index.lock().await;
        for _ in 0..MAX_SCAN_ATTEMPTS {
            let confirmed = rpc.head().await?.saturating_sub(self.inner.confirmations);
            if let Some(end) = index.last_end() {
                if rpc.block_hash(end.block).await? != Some(end.hash) {
                    self.rewind_past_fork(&mut index).await?;
                }
            }
            let scanned_from = index.count();
            let target = confirmed.min(
                index
                    .next_block()
                    .saturating_add(
                        self.inner
                            .max_log_range
                            .saturating_mul(self.inner.max_ranges),
                    )
                    .saturating_sub(1),
            );
            let scanning = index.next_block() <= target;
            let synced = |index: &OutboxIndex| Synced {
                confirmed,
                indexed_through: index.next_block().checked_sub(1),
            };
            match self.scan(&mut index, target).await? {
                Scan::Moved => continue,
                Scan::Done if !scanning => return Ok(synced(&index)),
                Scan::Done => {}
            }
            // The logs must add up to the endpoint's own outbox at the last block scanned.
            let Some(end) = index.last_end() else {
                return Ok(synced(&index));
            };
            let (root, count) = rpc.outbox_at(end.hash).await?;
            let ours = index.root_at(count).ok();
            if count != index.count() || ours != Some(root) {
                index.rewind(None);
                self.forget_recent();
                tracing::error!(chain = %rpc.chain, block = end.block, scanned_from, "the node's Sent logs do not add up to the endpoint's outbox: index dropped");
                return Err(rpc.bad(
                    "outbox index",
                    format!(
                        "Sent logs up to block {} give {} leaves, the endpoint holds {count} (root {root})",
                        end.block,
                        index.count()
                    ),
                ));
            }
            return Ok(synced(&index));
        }
        Err(rpc.unavailable("outbox index", "the chain kept changing under the scan"))
    }

    /// Forgets the blocks of paged messages (they may have moved).
    fn forget_recent(&self) {
        self.inner
            .recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// `[STRAIT-EVM-SRC.2]` A scanned (so confirmed) block changed: a reorg deeper than the
    /// confirmation depth, a fault of the chain or of its configured depth. Logged as an error;
    /// the index is rewound to the latest range end still on the chain (or emptied) and rescanned.
    async fn rewind_past_fork(&self, index: &mut OutboxIndex) -> Result<(), ChainError> {
        let rpc = &self.inner.rpc;
        let depth = self.inner.confirmations;
        let changed = index.last_end().map(|e| e.block);
        self.forget_recent();
        tracing::error!(chain = %rpc.chain, block = ?changed, depth, alert = true, "a confirmed block changed: reorg deeper than the confirmation depth; re-indexing past the fork");
        // The newest end changed; look for the newest one still on the chain. After a failed
        // request the index is left at the candidate being checked, so the next sync checks it
        // first and goes on from there.
        let candidates: Vec<RangeEnd> = index.ends_newest_first().skip(1).collect();
        for end in candidates {
            match rpc.block_hash(end.block).await {
                Ok(hash) if hash == Some(end.hash) => {
                    index.rewind(Some(end));
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => {
                    index.rewind(Some(end));
                    return Err(e);
                }
            }
        }
        index.rewind(None);
        Ok(())
    }

    /// Scans the blocks from the index's next block to `confirmed`, at most `max_log_range` per
    /// request. A range counts only if its end block has the same hash before and after its logs
    /// were read and the previous range end is still on the chain in between.
    async fn scan(&self, index: &mut OutboxIndex, confirmed: u64) -> Result<Scan, ChainError> {
        let rpc = &self.inner.rpc;
        let range = self.inner.max_log_range.max(1);
        while index.next_block() <= confirmed {
            let from = index.next_block();
            let to = from.saturating_add(range - 1).min(confirmed);
            let Some(hash) = rpc.block_hash(to).await? else {
                return Ok(Scan::Moved);
            };
            if let Some(prev) = index.last_end() {
                if rpc.block_hash(prev.block).await? != Some(prev.hash) {
                    return Ok(Scan::Moved);
                }
            }
            let logs = rpc.sent_logs(from, to, None).await?;
            if rpc.block_hash(to).await? != Some(hash) {
                return Ok(Scan::Moved);
            }
            let before = index.count();
            if let Err(reason) = self.append_logs(index, logs, from, to, hash) {
                index.truncate(before);
                return Err(rpc.bad("eth_getLogs", reason));
            }
            index.end_range(RangeEnd {
                block: to,
                hash,
                count: index.count(),
            });
        }
        Ok(Scan::Done)
    }

    /// Appends the leaves of the `Sent` logs of blocks `from..=to` (`to` has `hash`), which must
    /// continue the index leaf after leaf.
    pub(super) fn append_logs(
        &self,
        index: &mut OutboxIndex,
        mut logs: Vec<Log>,
        from: u64,
        to: u64,
        hash: Hash32,
    ) -> Result<(), String> {
        let rpc = &self.inner.rpc;
        logs.sort_by_key(|l| (l.block_number, l.log_index));
        for log in &logs {
            let sent = decode_sent(rpc, log)?;
            if !(from..=to).contains(&sent.block) {
                return Err(format!(
                    "a log of block {} for blocks {from}..={to}",
                    sent.block
                ));
            }
            if sent.block == to && sent.block_hash.is_some_and(|h| h != hash) {
                return Err(format!("a log of block {to} from another fork"));
            }
            if sent.leaf_index != index.count() {
                return Err(format!(
                    "leaf {} follows {} indexed leaves",
                    sent.leaf_index,
                    index.count()
                ));
            }
            index
                .push(Leaf {
                    id: sent.id,
                    block: sent.block,
                    destination: sent.packet.destination_chain,
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
