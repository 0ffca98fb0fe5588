//! The devnet's committees on two real chains: the attesters announce themselves, a relayer finds
//! them on chain, messages to the committee counters execute under certified roots, and a restart
//! reuses the clients and the signing records.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use strait_devnet_api::announced::AnnouncedApiClient;
use strait_devnet_api::rpc::{MessageStatus, OutcomeJson, StraitApiClient};
use strait_devnet_client::RelayerConfig;
use strait_node::{devnet_node_config, devnet_specs, NodeHandle};
use strait_packet::DeliveryOptions;
use strait_primitives::{MessageId, Timestamp};

use super::*;

const BLOCK_MS: u64 = 50;

fn temp_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir =
        std::env::temp_dir().join(format!("strait-committees-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn nodes(dir: &Path) -> (Vec<NodeHandle>, Vec<ChainEndpoint>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let specs = devnet_specs(2, 4, Timestamp(now - 10_000), BLOCK_MS);
    let mut nodes = Vec::new();
    for i in 0..2 {
        let config = devnet_node_config(&specs, i, dir, "127.0.0.1:0".parse().unwrap());
        nodes.push(strait_node::start(config).await.unwrap());
    }
    let endpoints = nodes
        .iter()
        .map(|n| ChainEndpoint::new(n.rpc_url(), n.ws_url()))
        .collect();
    (nodes, endpoints)
}

/// Sends one message from chain 1 to `receiver` on chain 2, as `user-0`; returns its id.
async fn send(from: &HttpClient, nonce: u64, receiver: Address32) -> MessageId {
    let key = AccountKey::devnet("user-0");
    let tx = crate::send::send_tx(
        ChainId(1),
        &key,
        nonce,
        ChainId(2),
        receiver,
        DeliveryOptions::default(),
        b"under a committee".to_vec(),
    );
    let hash = from.submit_transaction(tx.into()).await.unwrap();
    let result = wait_tx(from, hash, Duration::from_secs(30)).await.unwrap();
    result.message_id.expect("a message was sent")
}

async fn executed(on: &HttpClient, id: MessageId) -> bool {
    matches!(
        on.message_status(id).await.unwrap(),
        MessageStatus::Received {
            outcome: OutcomeJson::Executed { .. },
            ..
        }
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committee_routes_execute_and_a_restart_reuses_clients_and_records() {
    let dir = temp_dir();
    let (nodes, endpoints) = nodes(&dir).await;
    let clients: Vec<HttpClient> = endpoints
        .iter()
        .map(|e| http_client(&e.rpc_url).unwrap())
        .collect();
    let committees = start(&dir, &endpoints, 0, BLOCK_MS).await.unwrap();
    // Per source chain, 4 ECDSA and 3 ed25519 attesters; per ordered pair, two clients.
    assert_eq!(committees.attesters.len(), 14);
    assert_eq!(committees.attested.clients.len(), 4);

    // Every member announced its own URL on every client's destination; a relayer finds them.
    for client in &committees.attested.clients {
        let d = usize::try_from(client.destination.get() - 1).unwrap();
        let announced = clients[d].attesters(client.client).await.unwrap();
        assert_eq!(announced.kind, client.kind.get());
        assert_eq!(announced.attesters.len(), client.committee.len());
        for a in &announced.attesters {
            assert!(committees
                .attesters
                .iter()
                .any(|m| m.source == client.source && m.url == a.url));
        }
    }
    let rpc_urls: Vec<String> = endpoints.iter().map(|e| e.rpc_url.clone()).collect();
    let discovered = crate::attester::discover_attesters(&rpc_urls, &committees.attested.clients)
        .await
        .unwrap();
    let mut served: Vec<String> = committees.attesters.iter().map(|a| a.url.clone()).collect();
    served.sort();
    let mut found = discovered.clone();
    found.sort();
    assert_eq!(found, served, "every in-process attester is found on chain");

    // A relayer that reads the attesters at the URLs found on chain (over JSON-RPC).
    let mut config = RelayerConfig::new(endpoints.clone(), "relayer-0");
    config.poll_interval = Duration::from_millis(100);
    config.attested = Attested {
        source: Some(Arc::new(
            strait_devnet_client::RpcAttesters::new(&discovered, Duration::from_secs(5)).unwrap(),
        )),
        clients: committees.attested.clients.clone(),
        routes: Vec::new(),
    };
    let (stop_relayer, stopped) = tokio::sync::oneshot::channel::<()>();
    let relayer = tokio::spawn(strait_devnet_client::run_relayer(config, async {
        let _ = stopped.await;
    }));
    let key = AccountKey::devnet("user-0");
    let nonce = clients[0].account_nonce(key.address()).await.unwrap();
    let mut ids = Vec::new();
    for (k, receiver) in [
        apps::counter_ecdsa(),
        apps::counter_ed25519(),
        apps::counter(),
    ]
    .into_iter()
    .enumerate()
    {
        ids.push(send(&clients[0], nonce + k as u64, receiver).await);
    }
    let mut all = false;
    for _ in 0..600 {
        let mut done = true;
        for id in &ids {
            done &= executed(&clients[1], *id).await;
        }
        if done {
            all = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    assert!(all, "messages under the committees did not all execute");
    let _ = stop_relayer.send(());
    relayer.await.unwrap().unwrap();

    // A restart: the same clients (nothing created again), attesters back on their records.
    let before = std::fs::read_to_string(dir.join(FILE)).unwrap();
    let first: Vec<ClientId> = committees
        .attested
        .clients
        .iter()
        .map(|c| c.client)
        .collect();
    committees.stop().await;
    let again = start(&dir, &endpoints, 0, BLOCK_MS).await.unwrap();
    let second: Vec<ClientId> = again.attested.clients.iter().map(|c| c.client).collect();
    assert_eq!(first, second);
    assert_eq!(std::fs::read_to_string(dir.join(FILE)).unwrap(), before);
    // New ports, so new announcements: each member's sequence rose, the URL is the new one.
    for client in &again.attested.clients {
        let d = usize::try_from(client.destination.get() - 1).unwrap();
        for a in clients[d].attesters(client.client).await.unwrap().attesters {
            assert!(again
                .attesters
                .iter()
                .any(|m| m.source == client.source && m.url == a.url));
        }
    }
    again.stop().await;
    for node in nodes {
        node.stop().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
