//! A node that serves short pages (it bounds the leaves and bytes of each call) and a route that
//! overflows its share: the rescan goes on from where each page ended, and every message arrives.

use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use strait_primitives::ChainId;

use crate::fake::{quick_config, run_until, FakeNode, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_route_read_in_short_pages_is_delivered_whole() {
    const MESSAGES: u64 = 12;
    let (src, _hs) = FakeNode {
        chain: ChainId(1),
        other: ChainId(2),
        role: Role::Source {
            latest: 10,
            messages: MESSAGES,
            stuck: 0,
            page: 1,
            asked: Arc::default(),
        },
    }
    .serve()
    .await;
    let received = Arc::new(Mutex::new(BTreeMap::new()));
    let (dst, _hd) = FakeNode {
        chain: ChainId(2),
        other: ChainId(1),
        role: Role::Destination {
            client_height: 10,
            failure: None,
            submitted: AtomicU64::new(0),
            results: Mutex::default(),
            received: received.clone(),
            retried: Arc::default(),
            backlogged: None,
        },
    }
    .serve()
    .await;
    let mut config = quick_config(src, dst);
    // One message of the route in memory at a time: every other one is found by a rescan.
    config.max_pending_per_route = 1;
    let metrics = config.metrics.clone();
    run_until(config, 1_000, Duration::ZERO, || {
        received.lock().unwrap().len() as u64 == MESSAGES
    })
    .await;
    let m = metrics.snapshot();
    assert_eq!(received.lock().unwrap().len() as u64, MESSAGES, "{m:?}");
    assert_eq!(m.messages_relayed, MESSAGES, "{m:?}");
    assert_eq!(m.duplicates_skipped, 0, "{m:?}");
}
