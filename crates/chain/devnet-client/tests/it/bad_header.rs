//! A relayer whose client updates the destination answers "not yet" or "invalid" for ever: it
//! bisects a bounded number of times, then abandons the header (logged, counted) and stops sending.

use core::time::Duration;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use strait_devnet_api::rpc::TxFailure;
use strait_primitives::ChainId;
use strait_relayer::guard::UpdatePolicy;
use strait_relayer::MetricsSnapshot;

use crate::fake::{quick_config, run_until, FakeNode, Role};

/// Relays from a source at height 1,000 to a destination failing every update with `failure`,
/// until the header is abandoned and 30 more polls pass; returns the counters and the heights of
/// the light blocks the relayer asked for.
async fn relay_against(failure: TxFailure) -> (MetricsSnapshot, Vec<u64>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let (src, _hs) = FakeNode {
        chain: ChainId(1),
        other: ChainId(2),
        role: Role::Source {
            latest: 1_000,
            messages: 1,
            stuck: 0,
            page: 1,
            asked: asked.clone(),
        },
    }
    .serve()
    .await;
    let (dst, _hd) = FakeNode {
        chain: ChainId(2),
        other: ChainId(1),
        role: Role::Destination {
            client_height: 1,
            failure: Some(failure),
            submitted: AtomicU64::new(0),
            results: Mutex::default(),
            received: Arc::default(),
            retried: Arc::default(),
            backlogged: None,
        },
    }
    .serve()
    .await;
    let config = quick_config(src, dst);
    let metrics = config.metrics.clone();
    // After the abandonment rounds go on (every poll): none may send another update from the
    // abandoned height.
    run_until(config, 2_000, Duration::from_millis(300), || {
        metrics.snapshot().headers_abandoned > 0
    })
    .await;
    let asked = asked.lock().unwrap().clone();
    (metrics.snapshot(), asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_that_is_never_verifiable_is_abandoned_after_bounded_bisection() {
    let (m, asked) = relay_against(TxFailure::UpdateNotYet).await;
    assert_eq!(m.headers_abandoned, 1, "{m:?}");
    // It bisected on chain: skips of 64, 32, ... 1 blocks from the client's height 1.
    for height in [1_000, 65, 33, 17, 9, 5, 3, 2] {
        assert!(asked.contains(&height), "{height} not asked");
    }
    assert_eq!(
        m.txs_submitted,
        u64::from(UpdatePolicy::DEFAULT.max_not_yet),
        "{m:?}"
    );
    assert_eq!(m.messages_relayed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_header_is_abandoned_at_once() {
    let (m, _) = relay_against(TxFailure::UpdateInvalid).await;
    assert_eq!(m.headers_abandoned, 1, "{m:?}");
    assert_eq!(m.txs_submitted, 1, "{m:?}");
}
