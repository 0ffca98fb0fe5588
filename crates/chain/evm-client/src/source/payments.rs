//! What paged messages paid (`[STRAIT-FEE.9]`, `[STRAIT-EVM-SRC.4]`): the `FeeLocked` log of
//! `StraitFees` in the block that sent the message, if any.

use std::collections::{HashMap, VecDeque};

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use strait_chain_client::{ChainError, MessagePayment, MAX_PAGE_ITEMS};
use strait_primitives::MessageId;

use super::EvmSource;
use crate::abi::endpoint::StraitEndpoint;
use crate::abi::fees::StraitFees;

/// Paged messages whose block is remembered for `SourceChain::payments` (oldest forgotten first):
/// about 56 bytes each.
pub const RECENT_MESSAGES: usize = 65_536;

/// The blocks of recently paged messages, at most `RECENT_MESSAGES`.
#[derive(Debug, Default)]
pub(crate) struct Recent {
    order: VecDeque<MessageId>,
    blocks: HashMap<MessageId, u64>,
}

impl Recent {
    /// Remembers that `id` was sent in `block`.
    pub fn insert(&mut self, id: MessageId, block: u64) {
        if self.blocks.insert(id, block).is_none() {
            self.order.push_back(id);
            if self.order.len() > RECENT_MESSAGES {
                if let Some(old) = self.order.pop_front() {
                    self.blocks.remove(&old);
                }
            }
        }
    }

    /// The block `id` was sent in, if remembered.
    pub fn block(&self, id: &MessageId) -> Option<u64> {
        self.blocks.get(id).copied()
    }

    /// Forgets everything (after a reorg beneath the index).
    pub fn clear(&mut self) {
        self.order.clear();
        self.blocks.clear();
    }
}

impl EvmSource {
    /// The endpoint's `StraitFees` contract, asked once.
    async fn fees_contract(&self) -> Result<Address, ChainError> {
        let rpc = &self.inner.rpc;
        self.inner
            .fees
            .get_or_try_init(|| async {
                let endpoint = StraitEndpoint::new(rpc.endpoint, &rpc.provider);
                let what = "eth_call";
                match tokio::time::timeout(rpc.timeout, endpoint.fees().call()).await {
                    Err(_) => Err(rpc.unavailable(what, "no answer in time")),
                    Ok(Err(alloy::contract::Error::TransportError(e))) => Err(rpc.error(what, &e)),
                    Ok(Err(e)) => Err(rpc.bad(what, e.to_string())),
                    Ok(Ok(fees)) => Ok(fees),
                }
            })
            .await
            .copied()
    }

    /// `[STRAIT-EVM-SRC.4]` For each of `ids`, what it paid: the amount of the `FeeLocked` log
    /// in the block that sent it (a message this source paged recently), `Unpaid` when that
    /// block has none for it, `Unknown` for a message not paged recently.
    pub(crate) async fn paid(&self, ids: &[MessageId]) -> Result<Vec<MessagePayment>, ChainError> {
        let rpc = &self.inner.rpc;
        if ids.len() > MAX_PAGE_ITEMS {
            return Err(rpc.refused(
                "payments",
                format!("{} ids (at most {MAX_PAGE_ITEMS})", ids.len()),
            ));
        }
        let mut known: Vec<(u64, MessageId)> = {
            let recent = self.inner.recent.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter()
                .filter_map(|id| recent.block(id).map(|block| (block, *id)))
                .collect()
        };
        if known.is_empty() {
            return Ok(vec![MessagePayment::Unknown; ids.len()]);
        }
        known.sort();
        known.dedup();
        let fees = self.fees_contract().await?;
        let mut amounts: HashMap<MessageId, u128> = HashMap::new();
        let range = self.inner.max_log_range;
        let mut rest = &known[..];
        while let Some(&(first, _)) = rest.first() {
            let take = rest.partition_point(|&(b, _)| b <= first.saturating_add(range - 1));
            let group = &rest[..take];
            let topics: Vec<B256> = group.iter().map(|(_, id)| B256::from(id.0)).collect();
            let filter = Filter::new()
                .address(fees)
                .event_signature(StraitFees::FeeLocked::SIGNATURE_HASH)
                .topic1(topics)
                .from_block(first)
                .to_block(group[take - 1].0);
            let what = "eth_getLogs";
            let logs = match tokio::time::timeout(rpc.timeout, rpc.provider.get_logs(&filter)).await
            {
                Err(_) => return Err(rpc.unavailable(what, "no answer in time")),
                Ok(result) => result.map_err(|e| rpc.error(what, &e))?,
            };
            for log in logs {
                let locked = log
                    .log_decode::<StraitFees::FeeLocked>()
                    .map_err(|e| rpc.bad(what, format!("undecodable FeeLocked log: {e}")))?
                    .inner
                    .data;
                let id = MessageId(locked.id.0);
                let expected = group.iter().find(|(_, i)| *i == id).map(|(b, _)| *b);
                if log.address() != fees || log.removed || expected != log.block_number {
                    return Err(rpc.bad(what, format!("a FeeLocked log of {id} not asked for")));
                }
                let amount = u128::try_from(locked.amount)
                    .map_err(|_| rpc.bad(what, format!("{id} locked {} wei", locked.amount)))?;
                amounts.insert(id, amount);
            }
            rest = &rest[take..];
        }
        let recent = self.inner.recent.lock().unwrap_or_else(|e| e.into_inner());
        Ok(ids
            .iter()
            .map(|id| match (amounts.get(id), recent.block(id)) {
                (Some(&amount), _) => MessagePayment::Paid { amount },
                (None, Some(_)) => MessagePayment::Unpaid,
                (None, None) => MessagePayment::Unknown,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_at_most_the_recent_messages() {
        let mut recent = Recent::default();
        let id = |i: u32| {
            let mut b = [0u8; 32];
            b[..4].copy_from_slice(&i.to_be_bytes());
            MessageId(b)
        };
        for i in 0..=RECENT_MESSAGES as u32 {
            recent.insert(id(i), u64::from(i));
        }
        // One past the bound: the oldest is forgotten, the newest kept.
        assert_eq!(recent.block(&id(0)), None);
        assert_eq!(recent.block(&id(1)), Some(1));
        assert_eq!(
            recent.block(&id(RECENT_MESSAGES as u32)),
            Some(RECENT_MESSAGES as u64)
        );
        assert_eq!(recent.order.len(), RECENT_MESSAGES);
        // Again: nothing moves.
        recent.insert(id(1), 1);
        assert_eq!(recent.order.len(), RECENT_MESSAGES);
        recent.clear();
        assert_eq!(recent.block(&id(1)), None);
    }
}
