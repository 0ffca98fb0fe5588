//! The token application's rate-limit queues on an EVM chain, released by a relayer when it is
//! idle (SPEC `[STRAIT-AGENT.EVM-QUEUE]`). The native chain releases its queues at the end of each
//! block; an EVM has no such hook, so `release(bucket, max)` is anyone's to call, and without a
//! caller a queued transfer would wait until its owner calls it.
//!
//! The destination adapter given the application ([`EvmDestination::with_token_app`]) learns the
//! buckets with waiting items from the application's `TransferQueued` logs, and in its idle rounds
//! (`tend`, at most once per [`RELEASE_INTERVAL`]) releases each bucket whose release would move
//! something now: a dry run (`eth_call`) answers how many items would go, so a bucket that is
//! still over its limit, or paused, costs a read and no transaction. A bucket whose queue is empty
//! is forgotten. Every step is bounded: [`QUEUE_LOG_RANGE`] blocks of logs, [`MAX_BUCKETS_KEPT`]
//! buckets kept, [`BUCKETS_PER_ROUND`] looked at a round (in turn, from where the last round
//! stopped), [`RELEASES_PER_ROUND`] transactions, [`RELEASE_MAX`] queue positions each.

use std::collections::BTreeSet;
use std::future::IntoFuture;
use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::{SolCall, SolEvent};
use strait_chain_client::{ChainError, DestinationChain};
use tokio::time::Instant;

use super::EvmDestination;
use crate::abi::token_app::StraitTokenApp;
use crate::txm::Call;

/// Most blocks of the application's logs one idle round reads.
pub const QUEUE_LOG_RANGE: u64 = 10_000;
/// Most buckets with waiting items remembered (the lowest ids are forgotten first; their items
/// are still released by anyone, and learned again from their next queued item).
pub const MAX_BUCKETS_KEPT: usize = 256;
/// Most buckets one idle round looks at (two reads each, at most).
pub const BUCKETS_PER_ROUND: usize = 16;
/// Most release transactions one idle round sends.
pub const RELEASES_PER_ROUND: usize = 2;
/// Most queue positions one release looks at (`release(bucket, max)`'s `max`).
pub const RELEASE_MAX: u64 = 16;
/// Least time between two idle rounds that look at the queues.
pub const RELEASE_INTERVAL: Duration = Duration::from_secs(2);

/// What the adapter knows of the application's queues.
#[derive(Debug)]
pub(super) struct QueueWatch {
    /// The token application.
    pub(super) app: Address,
    /// The first block of its logs not read yet.
    next_block: u64,
    /// Buckets that had a waiting item when last looked at.
    buckets: BTreeSet<B256>,
    /// Where the next round starts looking (the bucket after the last one looked at).
    cursor: B256,
    /// When the queues were last looked at.
    last: Option<Instant>,
}

impl QueueWatch {
    pub(super) fn new(app: Address) -> Self {
        Self {
            app,
            next_block: 0,
            buckets: BTreeSet::new(),
            cursor: B256::ZERO,
            last: None,
        }
    }

    /// Remembers `buckets`, read from the blocks before `next_block`; forgets the lowest ids past
    /// [`MAX_BUCKETS_KEPT`].
    fn record(&mut self, next_block: u64, buckets: impl IntoIterator<Item = B256>) {
        self.next_block = self.next_block.max(next_block);
        self.buckets.extend(buckets);
        while self.buckets.len() > MAX_BUCKETS_KEPT {
            self.buckets.pop_first();
        }
    }

    /// This round's buckets: at most [`BUCKETS_PER_ROUND`], from the cursor on and around, each
    /// once; the cursor moves past them.
    fn turn(&mut self) -> Vec<B256> {
        let out: Vec<B256> = self
            .buckets
            .range(self.cursor..)
            .chain(self.buckets.range(..self.cursor))
            .take(BUCKETS_PER_ROUND)
            .copied()
            .collect();
        if let Some(last) = out.last() {
            self.cursor = next_id(*last);
        }
        out
    }
}

/// The bucket id after `b` (wrapping).
fn next_id(b: B256) -> B256 {
    B256::from(U256::from_be_bytes(b.0).wrapping_add(U256::from(1u8)))
}

impl EvmDestination {
    /// Releases, in an idle round, the token application's queues that would move now
    /// ([`QueueWatch`]); returns how many release transactions it sent. Nothing without a token
    /// application, or within [`RELEASE_INTERVAL`] of the last look.
    pub(super) async fn release_queues(&self) -> Result<usize, ChainError> {
        let look = self.with_watch(|watch| {
            let now = Instant::now();
            if watch
                .last
                .is_some_and(|t| now.duration_since(t) < RELEASE_INTERVAL)
            {
                return None;
            }
            watch.last = Some(now);
            Some((watch.app, watch.next_block))
        })?;
        let Some((app, start)) = look.flatten() else {
            return Ok(0);
        };
        let start = start.max(self.logs_from_block);
        let latest = DestinationChain::latest_height(self).await?.get();
        let mut learned = Vec::new();
        let next = if start <= latest {
            let to = latest.min(start.saturating_add(QUEUE_LOG_RANGE - 1));
            let logs = self
                .logs_of(
                    app,
                    StraitTokenApp::TransferQueued::SIGNATURE_HASH,
                    start,
                    to,
                )
                .await?;
            for log in &logs {
                let queued =
                    StraitTokenApp::TransferQueued::decode_log(&log.inner).map_err(|e| {
                        self.bad(
                            "release queues",
                            format!("undecodable TransferQueued log: {e}"),
                        )
                    })?;
                learned.push(queued.bucket);
            }
            to.saturating_add(1)
        } else {
            start
        };
        let buckets: Vec<B256> = self
            .with_watch(|watch| {
                watch.record(next, learned);
                watch.turn()
            })?
            .unwrap_or_default();
        let contract = StraitTokenApp::new(app, self.txm.provider().clone());
        let mut sent = 0;
        for bucket in buckets {
            if sent == RELEASES_PER_ROUND {
                break;
            }
            let fifo = self
                .read("fifo", contract.fifo(bucket).call().into_future())
                .await?;
            if fifo.head == fifo.tail {
                self.forget_bucket(bucket)?;
                continue;
            }
            // The dry run: how many items would go now (a revert, e.g. a paused token, or no
            // answer in time: none this round).
            let would = self
                .read(
                    "release dry run",
                    contract
                        .release(bucket, U256::from(RELEASE_MAX))
                        .call()
                        .into_future(),
                )
                .await;
            match would {
                Ok(n) if n > U256::ZERO => {}
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!(chain = %self.chain, %bucket, error = %e, "queue release would revert");
                    continue;
                }
            }
            let data = StraitTokenApp::releaseCall {
                bucket,
                max: U256::from(RELEASE_MAX),
            }
            .abi_encode();
            let landed = self
                .txm
                .send_call("a queue release", Call::new(app, data.into()))
                .await
                .map_err(|e| self.tx_error("release queues", e))?;
            tracing::info!(chain = %self.chain, %bucket, tx = %landed.hash, ok = landed.receipt.status(), "released a token queue");
            sent += 1;
        }
        Ok(sent)
    }

    fn forget_bucket(&self, bucket: B256) -> Result<(), ChainError> {
        self.with_watch(|watch| watch.buckets.remove(&bucket))
            .map(|_| ())
    }

    /// `f` of the queue watch; `None` without a token application.
    fn with_watch<T>(&self, f: impl FnOnce(&mut QueueWatch) -> T) -> Result<Option<T>, ChainError> {
        let mut guard = self
            .queues
            .lock()
            .map_err(|_| self.unavailable("release queues", "poisoned lock".into()))?;
        Ok(guard.as_mut().map(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buckets_kept_are_bounded_and_the_scan_only_moves_on() {
        let mut w = QueueWatch::new(Address::ZERO);
        w.record(5, []);
        w.record(3, [B256::repeat_byte(1)]);
        assert_eq!(w.next_block, 5, "never back");
        w.record(
            9,
            (0..=MAX_BUCKETS_KEPT as u16).map(|i| B256::left_padding_from(&i.to_be_bytes())),
        );
        assert_eq!(w.next_block, 9);
        assert_eq!(w.buckets.len(), MAX_BUCKETS_KEPT, "at the bound");
        assert!(
            !w.buckets.contains(&B256::ZERO),
            "the lowest id is forgotten first"
        );
    }

    #[test]
    fn each_round_looks_at_the_next_buckets_in_turn_and_all_come_round() {
        let mut w = QueueWatch::new(Address::ZERO);
        let id = |i: u16| B256::left_padding_from(&i.to_be_bytes());
        w.record(1, (0..40).map(id));
        let first = w.turn();
        assert_eq!(
            first,
            (0..16).map(id).collect::<Vec<_>>(),
            "at the bound, in order"
        );
        assert_eq!(w.turn(), (16..32).map(id).collect::<Vec<_>>());
        let wrapped = w.turn();
        assert_eq!(wrapped.len(), BUCKETS_PER_ROUND);
        assert_eq!(
            &wrapped[..8],
            &(32..40).map(id).collect::<Vec<_>>()[..],
            "then around"
        );
        assert_eq!(&wrapped[8..], &(0..8).map(id).collect::<Vec<_>>()[..]);
        // Fewer than a round's worth: each once.
        let mut few = QueueWatch::new(Address::ZERO);
        few.record(1, [id(3), id(9)]);
        assert_eq!(few.turn(), vec![id(3), id(9)]);
        assert_eq!(few.turn(), vec![id(3), id(9)]);
        assert_eq!(next_id(B256::repeat_byte(0xff)), B256::ZERO, "wraps");
    }
}
