//! Seeded random schedules against the scheduler with tiny bounds, so that routes overflow, the
//! route table fills, passes are cut by page boundaries and messages are answered `Retry`: every
//! message is delivered exactly once, and every bound holds throughout.
//!
//! With bounds this small (down to one route tracked, one message per route) a full route table
//! costs rescans of already delivered messages (the `strait_received` filter drops them), so
//! draining can take thousands of blocks; it always completes.

use strait_primitives::Height;
use strait_relayer::sched::{
    FeePolicy, MessageMeta, MessagePayment, RetryPolicy, Scheduler, SchedulerConfig, TxBudget,
};

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn run(seed: u64) {
    let mut rng = Rng(seed);
    let config = SchedulerConfig {
        max_pending: 1 + rng.below(24) as usize,
        route_share: 1 + rng.below(6) as usize,
        max_routes: 1 + rng.below(5) as usize,
        retry: RetryPolicy {
            first_delay_blocks: 1,
            max_delay_blocks: 4,
            quarantine_after: 3,
            quarantine_blocks: 6,
        },
        fee_policy: FeePolicy::CarryAll,
    };
    let routes = 1 + rng.below(10) as u8;
    let budget = TxBudget {
        max_messages: 1 + rng.below(12) as usize,
        max_batch: 4,
        budget_bytes: usize::MAX,
    };
    let mut s: Scheduler<u8, ()> = Scheduler::new(config);
    // The outbox: (route, ordered); a route is ordered or not for its whole life.
    let mut outbox: Vec<u8> = Vec::new();
    let mut delivered: Vec<bool> = Vec::new();
    let sending_blocks = 60;
    for block in 1..=20_000u64 {
        if block <= sending_blocks {
            for _ in 0..rng.below(6) {
                outbox.push(rng.below(u64::from(routes)) as u8);
                delivered.push(false);
            }
        }
        let ordered = |route: u8| route.is_multiple_of(2);
        let meta = |route: u8| MessageMeta {
            height: Height(1),
            encoded_len: 100,
            ordered: ordered(route),
            payment: MessagePayment::Unknown,
        };
        // Main scan, in pages of random size, at most 3 pages.
        for _ in 0..3 {
            let from = s.scan_position() as usize;
            let page = 1 + rng.below(8) as usize;
            let to = (from + page).min(outbox.len());
            for (leaf, &route) in outbox.iter().enumerate().take(to).skip(from) {
                s.offer_new(leaf as u64, route, meta(route), ()).unwrap();
            }
            if to < from + page {
                break;
            }
        }
        // Rescan, in pages of random size, at most 2 pages.
        for _ in 0..2 {
            let Some(range) = s.rescan_range() else { break };
            let end = range.end.min(range.start + 1 + rng.below(8));
            for leaf in range.start..end {
                let route = outbox[leaf as usize];
                s.offer_rescanned(leaf, route, meta(route), ()).unwrap();
            }
            s.advance_rescan(end);
        }
        assert!(s.len() <= config.max_pending, "seed {seed}");
        assert!(s.routes() <= config.max_routes, "seed {seed}");
        // The destination's `strait_received` filter.
        let done: Vec<u64> = s
            .iter()
            .map(|(l, _)| l)
            .filter(|l| delivered[*l as usize])
            .collect();
        for leaf in done {
            s.remove(leaf);
        }
        // One transaction; until block 400 a route answers `Retry` one time in three.
        let picked = s.select(block, Height(1), budget);
        assert!(picked.len() <= budget.max_messages);
        for leaf in picked {
            let route = outbox[leaf as usize];
            assert!(
                !delivered[leaf as usize],
                "seed {seed}: leaf {leaf} sent twice"
            );
            // An ordered message is received only after every lower one of its route.
            let blocked =
                ordered(route) && (0..leaf as usize).any(|l| outbox[l] == route && !delivered[l]);
            if blocked || (block < 400 && rng.below(3) == 0) {
                s.retry_later(leaf, block);
            } else {
                delivered[leaf as usize] = true;
                s.remove(leaf);
            }
        }
        s.rotate();
        if block > sending_blocks && delivered.iter().all(|d| *d) {
            assert!(s.is_empty(), "seed {seed}");
            return;
        }
    }
    let missing: Vec<usize> = (0..delivered.len()).filter(|l| !delivered[*l]).collect();
    panic!(
        "seed {seed}: {} messages never delivered: {missing:?} ({config:?}, {routes} routes)",
        missing.len()
    );
}

#[test]
fn every_message_is_delivered_once_under_any_schedule() {
    for seed in 0..500 {
        run(seed);
    }
}
