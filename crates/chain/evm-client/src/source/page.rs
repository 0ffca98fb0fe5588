//! Outbox pages: the indexed leaves for a destination, their packets read again from the `Sent`
//! logs of the blocks they were sent in (`[STRAIT-EVM-SRC.3]`).

use std::collections::BTreeMap;
use std::sync::Arc;

use strait_chain_client::{ChainError, OutboxMessage, OutboxPage};
use strait_primitives::{ChainId, Height, MessageId};

use super::scan::{decode_sent, SentLog};
use super::EvmSource;

impl EvmSource {
    /// The page of `destination`'s messages from `from_leaf` on, at most `limit` (already capped).
    pub(crate) async fn page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        self.sync().await?;
        let (wanted, next_leaf, outbox_count) = {
            let index = self.inner.index.lock().await;
            let (leaves, next) = index.page(destination, from_leaf, limit);
            let wanted: Vec<(u64, MessageId, u64)> = leaves
                .iter()
                .filter_map(|&l| index.leaf(l).map(|leaf| (l, leaf.id, leaf.block)))
                .collect();
            (wanted, next, index.count())
        };
        let mut found = self.read_packets(destination, &wanted).await?;
        let mut messages = Vec::with_capacity(wanted.len());
        for &(leaf, id, block) in &wanted {
            let sent = found.remove(&leaf);
            match sent {
                Some(sent) if sent.id == id && sent.block == block => {
                    messages.push(OutboxMessage {
                        leaf_index: leaf,
                        id,
                        height: Height(block),
                        encoded_len: sent.encoded_len,
                        packet: Arc::new(sent.packet),
                    })
                }
                _ => return Err(self.inconsistent(leaf, id, block).await),
            }
        }
        let mut recent = self.inner.recent.lock().unwrap_or_else(|e| e.into_inner());
        for m in &messages {
            recent.insert(m.id, m.height.get());
        }
        drop(recent);
        Ok(OutboxPage {
            messages,
            next_leaf,
            outbox_count,
        })
    }

    /// The `Sent` logs of `wanted` leaves (leaf, id, block; in leaf order, so by block), read in
    /// requests of at most `max_log_range` blocks, only of blocks holding a wanted leaf.
    async fn read_packets(
        &self,
        destination: ChainId,
        wanted: &[(u64, MessageId, u64)],
    ) -> Result<BTreeMap<u64, SentLog>, ChainError> {
        let rpc = &self.inner.rpc;
        let range = self.inner.max_log_range;
        let mut found = BTreeMap::new();
        let mut rest = wanted;
        while let Some(&(_, _, first)) = rest.first() {
            let last_block = first.saturating_add(range - 1);
            let take = rest.partition_point(|&(_, _, b)| b <= last_block);
            let to = rest[take - 1].2;
            for log in rpc.sent_logs(first, to, Some(destination)).await? {
                let sent = decode_sent(rpc, &log).map_err(|r| rpc.bad("eth_getLogs", r))?;
                if rest[..take].iter().any(|&(l, _, _)| l == sent.leaf_index) {
                    found.insert(sent.leaf_index, sent);
                }
            }
            rest = &rest[take..];
        }
        Ok(found)
    }

    /// A leaf's log is missing or differs from the index: a reorg beneath the index since the
    /// sync, seen by this sync or another caller's (`Unavailable`: the next request sees the new
    /// history), or a node contradicting itself (`BadData`).
    async fn inconsistent(&self, leaf: u64, id: MessageId, block: u64) -> ChainError {
        let rpc = &self.inner.rpc;
        if let Err(e) = self.sync().await {
            return e;
        }
        let index = self.inner.index.lock().await;
        let still = index
            .leaf(leaf)
            .is_some_and(|l| l.id == id && l.block == block);
        if still {
            rpc.bad(
                "outbox_page",
                format!("the Sent log of leaf {leaf} in block {block} differs from the index"),
            )
        } else {
            rpc.unavailable(
                "outbox_page",
                format!("block {block} of leaf {leaf} was reorganised away: re-indexed"),
            )
        }
    }
}
