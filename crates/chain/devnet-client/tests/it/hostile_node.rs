//! A relayer against a node whose answers are hostile: it reports an error and keeps running,
//! it never panics on a node's numbers.

use core::time::Duration;

use strait_devnet_client::{ChainEndpoint, RelayerConfig};
use strait_primitives::ChainId;

use crate::fake::{FakeNode, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaf_without_successor_is_bad_data_not_a_panic() {
    let (a, _ha) = FakeNode {
        chain: ChainId(1),
        other: ChainId(2),
        role: Role::LastLeaf,
    }
    .serve()
    .await;
    let (b, _hb) = FakeNode {
        chain: ChainId(2),
        other: ChainId(1),
        role: Role::LastLeaf,
    }
    .serve()
    .await;
    let mut config = RelayerConfig::new(vec![ChainEndpoint::http(a), ChainEndpoint::http(b)], "x");
    config.poll_interval = Duration::from_millis(10);
    config.max_backoff = Duration::from_millis(20);
    let metrics = config.metrics.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relayer = tokio::spawn(strait_devnet_client::run_relayer(config, async {
        let _ = stopped.await;
    }));
    // Both paths hit the leaf: each round fails with an error, and the paths keep running (a
    // panicking path would stop counting).
    for _ in 0..1_000 {
        if metrics.snapshot().round_errors >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop.send(());
    relayer.await.unwrap().unwrap();
    let m = metrics.snapshot();
    assert!(m.round_errors >= 6, "{m:?}");
    assert_eq!((m.txs_submitted, m.messages_relayed), (0, 0));
}
