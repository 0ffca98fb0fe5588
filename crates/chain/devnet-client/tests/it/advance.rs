//! A destination whose route has an ordering backlog answers `AdvanceRoute`: the relayer sends an
//! advance of that route with its next transaction, and the messages then execute.

use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use strait_packet::Route;
use strait_primitives::{Address32, ChainId};

use crate::fake::{quick_config, run_until, FakeNode, Role, STUCK_RECEIVER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordering_backlog_gets_the_route_advanced_and_the_messages_delivered() {
    const MESSAGES: u64 = 6;
    let (src, _hs) = FakeNode {
        chain: ChainId(1),
        other: ChainId(2),
        role: Role::Source {
            latest: 10,
            messages: MESSAGES,
            stuck: MESSAGES,
            page: 1024,
            asked: Arc::default(),
        },
    }
    .serve()
    .await;
    let received = Arc::new(Mutex::new(BTreeMap::new()));
    let log = Arc::new(Mutex::new(Vec::new()));
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
            backlogged: Some(log.clone()),
        },
    }
    .serve()
    .await;
    let config = quick_config(src, dst);
    run_until(config, 1_000, Duration::ZERO, || {
        received.lock().unwrap().len() as u64 == MESSAGES
    })
    .await;
    assert_eq!(received.lock().unwrap().len() as u64, MESSAGES);
    let route = Route {
        source_chain: ChainId(1),
        sender: Address32([1; 32]),
        destination_chain: ChainId(2),
        receiver: STUCK_RECEIVER,
    }
    .id();
    let log = log.lock().unwrap();
    // First without an advance (answered AdvanceRoute), then with exactly this route's.
    assert_eq!(log[0], vec![]);
    assert_eq!(log[1], vec![route]);
    // Delivered by the transaction that advanced the route: no backoff in between.
    assert!(received.lock().unwrap().values().all(|tx| *tx == 2));
}
