//! Pure decisions of the relayer: how to split messages into batches and transactions, which height
//! to try when a light-client update skips too far, how long to back off. No I/O, no clock.

use core::ops::Range;
use core::time::Duration;

use strait_merkle::DEPTH;
use strait_primitives::Height;

/// Bytes a relay transaction spends outside its updates and batches: version, chain id, signer,
/// nonce, body tag, the two counts and the signature, rounded up generously.
pub const TX_OVERHEAD_BYTES: usize = 1024;

/// Bytes of one batch outside its packets and proof: proof height, packet count, proof length.
const BATCH_OVERHEAD_BYTES: usize = 8 + 2 + 4;

/// Upper bound of the encoded multiproof of `leaves` leaves: `6 + 4 n + 32 m` with at most
/// `DEPTH` sibling hashes per leaf.
pub fn multiproof_bound_bytes(leaves: usize) -> usize {
    6 + 4 * leaves + 32 * DEPTH * leaves
}

/// Bytes one packet adds to a batch: its length prefix and its encoding.
pub fn packet_cost_bytes(encoded_len: usize) -> usize {
    4 + encoded_len
}

/// Bytes that `count` packets, [`packet_cost_bytes`] summing to `packet_bytes`, take in a transaction
/// once split as [`plan_batches`] splits them (batches of `max_batch`, the last one shorter). The
/// order of the packets does not matter, so a selection whose cost fits a budget is planned whole.
pub fn deliveries_cost_bytes(count: usize, packet_bytes: usize, max_batch: usize) -> usize {
    let batches = count.div_ceil(max_batch.max(1));
    batches
        .saturating_mul(BATCH_OVERHEAD_BYTES + multiproof_bound_bytes(0))
        .saturating_add(count.saturating_mul(multiproof_bound_bytes(1) - multiproof_bound_bytes(0)))
        .saturating_add(packet_bytes)
}

/// The limits a relay transaction's deliveries must respect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most packets in one batch (at most `strait_endpoint::MAX_BATCH_LEN`).
    pub max_batch: usize,
    /// Most batches in one transaction.
    pub max_batches_per_tx: usize,
    /// Bytes available for batches in the transaction (the size limit less updates and overhead).
    pub budget_bytes: usize,
}

/// Splits a prefix of `packet_lens` (encoded packet lengths, in delivery order) into batches of one
/// transaction. Returns the index ranges of the batches; their union is a prefix of the input,
/// possibly shorter than the input when a limit is reached (the rest goes into a later transaction).
///
/// A packet too large to fit even alone is never returned; the caller sees it left over at the
/// front and must drop it (it cannot be delivered under these limits).
pub fn plan_batches(packet_lens: &[usize], limits: BatchLimits) -> Vec<Range<usize>> {
    let max_batch = limits.max_batch.max(1);
    let mut batches = Vec::new();
    let mut used = 0usize;
    let mut start = 0usize;
    while start < packet_lens.len() && batches.len() < limits.max_batches_per_tx {
        let mut end = start;
        let mut packets_bytes = 0usize;
        while end < packet_lens.len() && end - start < max_batch {
            let next = packets_bytes + packet_cost_bytes(packet_lens[end]);
            let batch_bytes = BATCH_OVERHEAD_BYTES + next + multiproof_bound_bytes(end + 1 - start);
            if used + batch_bytes > limits.budget_bytes {
                break;
            }
            packets_bytes = next;
            end += 1;
        }
        if end == start {
            break;
        }
        used += BATCH_OVERHEAD_BYTES + packets_bytes + multiproof_bound_bytes(end - start);
        batches.push(start..end);
        start = end;
    }
    batches
}

/// The height to try when an update from `trusted` to `target` cannot be verified yet (not enough
/// of the trusted validator set signed `target`): the midpoint, as tendermint-rs bisects. `None` when
/// the two are adjacent (or out of order): there is nothing in between to try.
pub fn bisect(trusted: Height, target: Height) -> Option<Height> {
    if target.get() <= trusted.get().saturating_add(1) {
        return None;
    }
    let mid = trusted.get() + (target.get() - trusted.get()) / 2;
    debug_assert!(mid > trusted.get() && mid < target.get());
    Some(Height(mid))
}

/// Bounded exponential backoff without jitter: `initial`, `2 initial`, `4 initial`, ... up to `max`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    /// A backoff starting at `initial` and never above `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max: max.max(initial),
            attempt: 0,
        }
    }

    /// The delay before the next attempt; each call doubles the following one, up to the maximum.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        self.attempt = self.attempt.saturating_add(1);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// Attempts made since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the initial delay, after a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_batch: usize, max_batches_per_tx: usize, budget_bytes: usize) -> BatchLimits {
        BatchLimits {
            max_batch,
            max_batches_per_tx,
            budget_bytes,
        }
    }

    #[test]
    fn batches_respect_the_packet_count() {
        let lens = vec![120; 10];
        let plan = plan_batches(&lens, limits(4, 16, usize::MAX));
        assert_eq!(plan, vec![0..4, 4..8, 8..10]);
    }

    #[test]
    fn batches_respect_the_batch_count() {
        let lens = vec![120; 10];
        let plan = plan_batches(&lens, limits(3, 2, usize::MAX));
        assert_eq!(plan, vec![0..3, 3..6]);
    }

    #[test]
    fn batches_respect_the_byte_budget() {
        let lens = vec![1000; 100];
        let per_packet = packet_cost_bytes(1000) + multiproof_bound_bytes(1) - 6;
        let budget = BATCH_OVERHEAD_BYTES + 6 + 10 * per_packet;
        let plan = plan_batches(&lens, limits(1024, 16, budget));
        assert_eq!(plan, vec![0..10]);
        let total: usize = plan
            .iter()
            .map(|r| {
                BATCH_OVERHEAD_BYTES
                    + r.clone().map(|i| packet_cost_bytes(lens[i])).sum::<usize>()
                    + multiproof_bound_bytes(r.len())
            })
            .sum();
        assert!(total <= budget);
    }

    #[test]
    fn a_packet_that_never_fits_is_left_over() {
        let plan = plan_batches(&[10_000, 10], limits(16, 16, 5_000));
        assert!(plan.is_empty());
    }

    #[test]
    fn batches_cover_a_prefix_in_order() {
        let lens: Vec<usize> = (0..300).map(|i| 110 + i % 50).collect();
        let plan = plan_batches(&lens, limits(64, 16, 200_000));
        let mut next = 0;
        for r in &plan {
            assert_eq!(r.start, next);
            assert!(!r.is_empty() && r.len() <= 64);
            next = r.end;
        }
        assert!(next > 0);
    }

    #[test]
    fn a_selection_within_its_cost_is_planned_whole() {
        for (count, max_batch) in [(1, 4), (4, 4), (5, 4), (300, 64), (1000, 1024)] {
            let lens: Vec<usize> = (0..count).map(|i| 100 + (i * 37) % 900).collect();
            let bytes: usize = lens.iter().map(|l| packet_cost_bytes(*l)).sum();
            let cost = deliveries_cost_bytes(count, bytes, max_batch);
            let plan = plan_batches(&lens, limits(max_batch, usize::MAX, cost));
            assert_eq!(
                plan.last().map(|r| r.end),
                Some(count),
                "{count} / {max_batch}"
            );
            assert_eq!(plan.len(), count.div_ceil(max_batch));
            // One byte less and the last packet no longer fits.
            let short = plan_batches(&lens, limits(max_batch, usize::MAX, cost - 1));
            assert!(short.last().map_or(0, |r| r.end) < count);
        }
        assert_eq!(deliveries_cost_bytes(0, 0, 8), 0);
    }

    #[test]
    fn an_empty_input_gives_no_batch() {
        assert!(plan_batches(&[], limits(8, 16, usize::MAX)).is_empty());
    }

    #[test]
    fn bisect_picks_a_height_strictly_between() {
        assert_eq!(bisect(Height(10), Height(20)), Some(Height(15)));
        assert_eq!(bisect(Height(10), Height(12)), Some(Height(11)));
        assert_eq!(bisect(Height(10), Height(11)), None);
        assert_eq!(bisect(Height(10), Height(10)), None);
        assert_eq!(bisect(Height(10), Height(3)), None);
        assert_eq!(
            bisect(Height(0), Height(u64::MAX)),
            Some(Height(u64::MAX / 2))
        );
    }

    #[test]
    fn repeated_bisection_reaches_adjacency_in_logarithmic_steps() {
        let trusted = Height(1);
        let mut target = Height(1_000_001);
        let mut steps = 0;
        while let Some(mid) = bisect(trusted, target) {
            target = mid;
            steps += 1;
        }
        assert_eq!(target, Height(2));
        assert!(steps <= 20, "{steps} steps");
    }

    #[test]
    fn backoff_doubles_up_to_its_bound_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let delays: Vec<_> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.attempts(), 6);
        for _ in 0..100 {
            assert!(b.next_delay() <= Duration::from_secs(1));
        }
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn backoff_max_is_never_below_initial() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(2));
        assert_eq!(b.next_delay(), Duration::from_secs(2));
    }
}
