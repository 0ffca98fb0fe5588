//! The relayer's path against a destination where one route is stuck (every delivery answered
//! `Retry`) with 2,000 messages ahead of a healthy route's: the healthy messages go in the first
//! transaction, the stuck route keeps only its share in memory and in flight.

use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use strait_primitives::ChainId;

use crate::fake::{quick_config, run_until, FakeNode, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_route_ahead_does_not_hold_back_a_healthy_one() {
    const STUCK: u64 = 2_000;
    const HEALTHY: u64 = 20;
    const SHARE: usize = 64;
    let (src, _hs) = FakeNode {
        chain: ChainId(1),
        other: ChainId(2),
        role: Role::Source {
            latest: 10,
            messages: STUCK + HEALTHY,
            stuck: STUCK,
            page: 1024,
            asked: Arc::default(),
        },
    }
    .serve()
    .await;
    let received = Arc::new(Mutex::new(BTreeMap::new()));
    let retried = Arc::new(Mutex::new(Default::default()));
    let (dst, _hd) = FakeNode {
        chain: ChainId(2),
        other: ChainId(1),
        role: Role::Destination {
            client_height: 10,
            failure: None,
            submitted: AtomicU64::new(0),
            results: Mutex::default(),
            received: received.clone(),
            retried: retried.clone(),
            backlogged: None,
        },
    }
    .serve()
    .await;
    let mut config = quick_config(src, dst);
    // Before, the stuck route filled all 512 places, and the healthy messages were never read.
    config.max_pending = 512;
    config.max_pending_per_route = SHARE;
    let metrics = config.metrics.clone();
    run_until(config, 1_000, Duration::ZERO, || {
        received.lock().unwrap().len() as u64 == HEALTHY
    })
    .await;
    let m = metrics.snapshot();
    let received = received.lock().unwrap();
    assert_eq!(received.len() as u64, HEALTHY, "{m:?}");
    assert!(received.values().all(|tx| *tx == 1), "{received:?}");
    // The stuck route had its share in memory and in the transaction, no more; each answered
    // `Retry` is backed off (the destination makes no block without a transaction here).
    let retried = retried.lock().unwrap().len();
    assert_eq!(retried, SHARE, "{m:?}");
    assert_eq!(m.deliveries_retried, SHARE as u64, "{m:?}");
    assert_eq!(m.messages_relayed, HEALTHY, "{m:?}");
}
