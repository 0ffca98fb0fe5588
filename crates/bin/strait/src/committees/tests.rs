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

use crate::send::wait_tx;

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
    // Per source chain, 4 + 3 + 3 attesters; per ordered pair, a client for each committee
    // counter and the composite route's three.
    assert_eq!(committees.attesters.len(), 20);
    assert_eq!(committees.attested.clients.len(), 4);
    // Per ordered pair, the composite route (three committee clients), the kind-5 route and the
    // optimistic route, which the relayer proposes to.
    assert_eq!(committees.attested.routes.len(), 6);
    for route in &committees.attested.routes {
        match route.committees.len() {
            3 => assert_eq!(route.receivers, [apps::counter_composite()]),
            0 => assert!(
                route.receivers == [apps::counter_bls()]
                    || route.receivers == [apps::counter_optimistic()]
            ),
            n => panic!("a route with {n} committee clients"),
        }
    }
    assert_eq!(committees.propose.len(), 2);
    let every_client: Vec<AttestedClient> = committees
        .attested
        .clients
        .iter()
        .chain(
            committees
                .attested
                .routes
                .iter()
                .flat_map(|r| &r.committees),
        )
        .cloned()
        .collect();

    // Every member announced its own URL on every client's destination; a relayer finds them.
    for client in &every_client {
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
    let discovered = crate::attester::discover_attesters(&rpc_urls, &every_client)
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
        routes: committees.attested.routes.clone(),
    };
    for &(source, destination, client) in &committees.propose {
        config.propose_to(source, destination, client);
    }
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
        apps::counter_composite(),
        apps::counter_bls(),
        apps::counter_optimistic(),
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

/// Waits up to 30 s for `id` to execute on `on`.
async fn wait_executed(on: &HttpClient, id: MessageId) -> bool {
    for _ in 0..600 {
        if executed(on, id).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composite_route_needs_the_light_client_and_two_of_three_committees() {
    let dir = temp_dir();
    let (nodes, endpoints) = nodes(&dir).await;
    let clients: Vec<HttpClient> = endpoints
        .iter()
        .map(|e| http_client(&e.rpc_url).unwrap())
        .collect();
    let mut committees = start(&dir, &endpoints, 0, BLOCK_MS).await.unwrap();
    // The route's config on chain 2: its BFT light client of chain 1 required, 2 of the three
    // committee clients of the route.
    let route = committees
        .attested
        .routes
        .iter()
        .find(|r| r.source == ChainId(1) && r.receivers == [apps::counter_composite()])
        .unwrap()
        .clone();
    let security = clients[1]
        .security_config(apps::counter_composite(), ChainId(1))
        .await
        .unwrap();
    assert!(!security.is_default);
    let bft = clients[1].client(ChainId(1)).await.unwrap().client_id;
    let expected = composite_config(bft, route.committees.iter().map(|c| c.client).collect());
    assert_eq!(security.config, expected);
    assert_eq!(security.config.optional.len(), 3);
    assert_eq!(security.config.threshold, 2);

    let mut config = RelayerConfig::new(endpoints.clone(), "relayer-0");
    config.poll_interval = Duration::from_millis(100);
    config.attested = committees.attested.clone();
    let (stop_relayer, stopped) = tokio::sync::oneshot::channel::<()>();
    let relayer = tokio::spawn(strait_devnet_client::run_relayer(config, async {
        let _ = stopped.await;
    }));
    let key = AccountKey::devnet("user-0");
    let mut nonce = clients[0].account_nonce(key.address()).await.unwrap();
    let mut send_one = || {
        nonce += 1;
        send(&clients[0], nonce - 1, apps::counter_composite())
    };

    // All pieces: the light client and the three committees.
    let all = send_one().await;
    assert!(wait_executed(&clients[1], all).await, "with every piece");
    // Every client of the route vouches in turn: the light client and the ECDSA, ed25519 and BLS
    // committees (kinds 1 to 4); the relayer turns the optional ones by height.
    let mut vouched = clients[1]
        .security_config(apps::counter_composite(), ChainId(1))
        .await
        .unwrap();
    for _ in 0..8 {
        if vouched.clients.iter().all(|c| c.latest_height.get() > 0) {
            break;
        }
        let more = send_one().await;
        assert!(wait_executed(&clients[1], more).await, "with every piece");
        vouched = clients[1]
            .security_config(apps::counter_composite(), ChainId(1))
            .await
            .unwrap();
    }
    let kinds: Vec<u16> = vouched.clients.iter().map(|c| c.kind.get()).collect();
    assert_eq!(kinds.len(), 4);
    for kind in 1..=4 {
        assert!(kinds.contains(&kind), "kind {kind} in {kinds:?}");
    }
    for client in &vouched.clients {
        assert!(
            client.latest_height.get() > 0,
            "client {} of kind {} verified nothing",
            client.client_id,
            client.kind
        );
    }

    // One committee's attesters stopped: 2 of 3 still certify.
    committees.stop_committee(ChainId(1), "attest_bls").await;
    let two = send_one().await;
    assert!(
        wait_executed(&clients[1], two).await,
        "with 2 of 3 committees"
    );

    // Two stopped: the message waits, however many blocks pass...
    committees
        .stop_committee(ChainId(1), "attest_ed25519")
        .await;
    let one = send_one().await;
    let from = clients[1].chain_info().await.unwrap().latest_height;
    while clients[1].chain_info().await.unwrap().latest_height.get() < from.get() + 20 {
        tokio::time::sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    assert!(!executed(&clients[1], one).await, "with 1 of 3 committees");

    // One restarted: 2 of 3 again, and it executes.
    committees
        .restart_committee(ChainId(1), "attest_ed25519")
        .await
        .unwrap();
    assert!(wait_executed(&clients[1], one).await, "after a restart");

    let _ = stop_relayer.send(());
    relayer.await.unwrap().unwrap();
    committees.stop().await;
    for node in nodes {
        node.stop().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
