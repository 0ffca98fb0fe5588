//! Test harness: devnet chains in this process, relayers, senders and an exactly-once checker.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::ws_client::WsClientBuilder;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{EventNotification, MessageStatus, OutcomeJson, StraitApiClient};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_devnet_client::{ChainEndpoint, RelayerConfig};
use strait_node::{devnet_node_config, devnet_specs, ChainSpec, NodeHandle};
use strait_packet::DeliveryOptions;
use strait_primitives::{ChainId, Hash32, MessageId, Timestamp};
use strait_relayer::MetricsSnapshot;

/// Block time of every test chain.
pub const BLOCK_TIME_MS: u64 = 50;
/// Longest a test waits for deliveries.
pub const WAIT: Duration = Duration::from_secs(30);

/// A fresh directory under the system temp dir, removed when dropped unless the thread is
/// panicking (a failed test keeps its chains' data for inspection).
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("keeping {} of the failed test", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A fresh directory under the system temp dir, removed when the guard drops.
pub fn temp_dir(name: &str) -> TempDir {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "strait-it-{name}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    TempDir(dir)
}

/// An HTTP client of a node.
pub trait NodeExt {
    /// The client.
    fn client(&self) -> HttpClient;
}

impl NodeExt for NodeHandle {
    fn client(&self) -> HttpClient {
        HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(10))
            .build(self.rpc_url())
            .expect("http client")
    }
}

/// Devnet chains running in this process.
pub struct TestNet {
    pub specs: Vec<ChainSpec>,
    pub nodes: Vec<NodeHandle>,
    dir: TempDir,
    addrs: Vec<SocketAddr>,
}

impl TestNet {
    /// `n` chains with 4 validators and 50 ms blocks.
    pub async fn start(name: &str, n: u64) -> Self {
        Self::start_with_foreign(name, n, &[]).await
    }

    /// As [`TestNet::start`], each chain also knowing `foreign` as remotes (EVM chains: sends to
    /// them accepted, their verifiers created by transaction).
    pub async fn start_with_foreign(name: &str, n: u64, foreign: &[ChainId]) -> Self {
        let dir = temp_dir(name);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as u64;
        let specs = devnet_specs(n, 4, Timestamp(now), BLOCK_TIME_MS);
        let mut nodes = Vec::new();
        for i in 0..specs.len() {
            let mut config =
                devnet_node_config(&specs, i, &dir, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
            config.foreign_remotes = foreign.to_vec();
            nodes.push(strait_node::start(config).await.expect("start node"));
        }
        let addrs = nodes.iter().map(|n| n.local_addr()).collect();
        Self {
            specs,
            nodes,
            dir,
            addrs,
        }
    }

    /// The block time.
    pub fn block_time(&self) -> Duration {
        Duration::from_millis(BLOCK_TIME_MS)
    }

    /// The relayer's view of the chains.
    pub fn endpoints(&self) -> Vec<ChainEndpoint> {
        self.nodes
            .iter()
            .map(|n| ChainEndpoint::new(n.rpc_url(), n.ws_url()))
            .collect()
    }

    /// Stops node `i` (its data stays); `restart_node(i)` puts it back at index `i`.
    pub async fn stop_node(&mut self, i: usize) {
        self.nodes.remove(i).stop().await;
    }

    /// Restarts node `i` on its old address with its old data.
    pub async fn restart_node(&mut self, i: usize) {
        let config = devnet_node_config(&self.specs, i, &self.dir, self.addrs[i]);
        let mut last_error = None;
        for _ in 0..50 {
            match strait_node::start(config.clone()).await {
                Ok(node) => {
                    self.nodes.insert(i, node);
                    return;
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("restart node {i}: {last_error:?}");
    }

    /// Stops every node and removes the data.
    pub async fn stop(self) {
        for node in self.nodes {
            node.stop().await;
        }
        drop(self.dir);
    }
}

/// A relayer running in this process.
pub struct InProcessRelayer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), strait_devnet_client::DevnetClientError>>,
    metrics: Arc<strait_relayer::Metrics>,
}

impl InProcessRelayer {
    /// Starts a relayer signing with devnet account `label`.
    pub fn start(net: &TestNet, label: &str) -> Self {
        Self::start_with(net.endpoints(), label)
    }

    /// Starts a relayer against the given chain endpoints.
    pub fn start_with(endpoints: Vec<ChainEndpoint>, label: &str) -> Self {
        let mut config = RelayerConfig::new(endpoints, label);
        config.poll_interval = Duration::from_millis(100);
        config.tx_poll_interval = Duration::from_millis(10);
        config.max_backoff = Duration::from_millis(500);
        let metrics = config.metrics.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(strait_devnet_client::run_relayer(config, async {
            let _ = stopped.await;
        }));
        Self {
            stop,
            task,
            metrics,
        }
    }

    /// Stops it and returns its counters.
    pub async fn stop(self) -> MetricsSnapshot {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("relayer stops")
            .expect("relayer task")
            .expect("relayer result");
        self.metrics.snapshot()
    }
}

/// Submits `count` Send transactions from `from` to chain `to` (counter app), signed by devnet
/// account `account`; returns their hashes without waiting.
pub async fn send_messages_no_wait(
    from: &NodeHandle,
    to: ChainId,
    count: usize,
    account: &str,
) -> Vec<Hash32> {
    let client = from.client();
    let key = AccountKey::devnet(account);
    let mut nonce = client
        .account_nonce(key.address())
        .await
        .expect("accountNonce");
    let mut hashes = Vec::with_capacity(count);
    for i in 0..count {
        let tx = Tx {
            chain_id: from.chain_id(),
            signer: key.address(),
            nonce,
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: to,
                receiver: apps::counter(),
                options: DeliveryOptions::default(),
                payload: format!("it-{i}").into_bytes(),
            },
        }
        .sign(&key);
        hashes.push(
            client
                .submit_transaction(tx.encode().into())
                .await
                .expect("submit send"),
        );
        nonce += 1;
    }
    hashes
}

/// The message ids of included Send transactions.
pub async fn resolve_ids(from: &NodeHandle, hashes: &[Hash32]) -> Vec<MessageId> {
    let client = from.client();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut ids = Vec::with_capacity(hashes.len());
    for hash in hashes {
        loop {
            if let Some(result) = client
                .transaction_result(*hash)
                .await
                .expect("transactionResult")
            {
                assert!(result.success, "send failed: {result:?}");
                ids.push(result.message_id.expect("message id"));
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "send {hash} not included"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    ids
}

/// Sends `count` messages from `from` to `to` and returns their ids once included.
pub async fn send_messages(
    from: &NodeHandle,
    to: &NodeHandle,
    count: usize,
    account: &str,
) -> Vec<MessageId> {
    let hashes = send_messages_no_wait(from, to.chain_id(), count, account).await;
    resolve_ids(from, &hashes).await
}

/// Waits until `node` has received every one of `ids`.
pub async fn wait_received(node: &NodeHandle, ids: &[MessageId]) {
    let client = node.client();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let received = client.received(ids.to_vec()).await;
        if let Ok(r) = &received {
            if r.iter().all(|x| *x) {
                return;
            }
        }
        if tokio::time::Instant::now() >= deadline {
            let got = received.map(|r| r.iter().filter(|x| **x).count());
            panic!(
                "only {got:?} of {} messages received on chain {}",
                ids.len(),
                node.chain_id()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until every message of `ids`, sent by `node`'s chain, has its outcome proven back.
pub async fn wait_settled(node: &NodeHandle, ids: &[MessageId]) {
    let client = node.client();
    let deadline = tokio::time::Instant::now() + WAIT;
    for id in ids {
        loop {
            match client.message_status(*id).await {
                Ok(MessageStatus::Sent {
                    awaiting_outcome: false,
                    ..
                }) => break,
                Ok(MessageStatus::Sent { .. }) | Err(_) => {}
                Ok(other) => panic!(
                    "message {id} is not one chain {} sent: {other:?}",
                    node.chain_id()
                ),
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("message {id} of chain {} never settled", node.chain_id());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Counts `Received` and `Settled` events per message id on every chain, from its start on.
pub struct EventCounter {
    counts: Arc<Mutex<HashMap<MessageId, (u64, bool)>>>,
    settled: Arc<Mutex<HashMap<MessageId, u64>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl EventCounter {
    /// Subscribes to every node's events.
    pub async fn start(nodes: &[NodeHandle]) -> Self {
        let counts: Arc<Mutex<HashMap<MessageId, (u64, bool)>>> = Arc::default();
        let settled: Arc<Mutex<HashMap<MessageId, u64>>> = Arc::default();
        let mut tasks = Vec::new();
        for node in nodes {
            let ws = WsClientBuilder::default()
                .max_buffer_capacity_per_subscription(1 << 16)
                .build(node.ws_url())
                .await
                .expect("websocket");
            let mut events = ws.subscribe_events().await.expect("subscribeEvents");
            let (counts, settled) = (counts.clone(), settled.clone());
            tasks.push(tokio::spawn(async move {
                let _ws = ws;
                while let Some(Ok(event)) = events.next().await {
                    match event {
                        EventNotification::Received { id, outcome, .. } => {
                            let executed = matches!(outcome, OutcomeJson::Executed { .. });
                            let mut c = counts.lock().expect("lock");
                            let e = c.entry(id).or_insert((0, executed));
                            e.0 += 1;
                        }
                        EventNotification::Settled { id, .. } => {
                            *settled.lock().expect("lock").entry(id).or_insert(0) += 1;
                        }
                        EventNotification::Sent { .. }
                        | EventNotification::Finalized { .. }
                        | EventNotification::SecurityConfigSet { .. }
                        | EventNotification::Verifier { .. }
                        | EventNotification::AttesterAnnounced { .. } => {}
                    }
                }
            }));
        }
        Self {
            counts,
            settled,
            tasks,
        }
    }

    /// After a few more blocks, checks that each of `ids` was received exactly once and executed,
    /// and settled exactly once on its source, and that nothing else was received but the
    /// outcome messages, each received once: at least one and at most one per message (one per
    /// run of a sender in a delivery, `[STRAIT-SETTLE.3]`). Returns how many outcome messages
    /// were received.
    pub async fn assert_each_executed_and_settled_once(
        self,
        ids: &[MessageId],
        block_time: Duration,
    ) -> usize {
        tokio::time::sleep(block_time * 6).await;
        for t in &self.tasks {
            t.abort();
        }
        let counts = self.counts.lock().expect("lock");
        for id in ids {
            assert_eq!(
                counts.get(id).copied(),
                Some((1, true)),
                "message {id} not executed exactly once"
            );
        }
        let settled = self.settled.lock().expect("lock");
        for id in ids {
            assert_eq!(
                settled.get(id),
                Some(&1),
                "message {id} not settled exactly once"
            );
        }
        assert_eq!(settled.len(), ids.len(), "unexpected settlements");
        let outcome_messages = counts.len() - ids.len();
        assert!(
            (1..=ids.len()).contains(&outcome_messages),
            "{outcome_messages} receptions other than the messages: not their outcome messages"
        );
        assert!(
            counts.values().all(|(n, _)| *n == 1),
            "an outcome message received twice"
        );
        outcome_messages
    }
}

/// Waits for the result of a transaction.
pub async fn wait_tx(client: &HttpClient, hash: Hash32) -> strait_devnet_api::rpc::TxResult {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(result) = client
            .transaction_result(hash)
            .await
            .expect("transactionResult")
        {
            return result;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "transaction {hash} not included"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `node` is at `height` or above.
pub async fn wait_height(node: &NodeHandle, height: u64) {
    let client = node.client();
    let deadline = tokio::time::Instant::now() + WAIT;
    while client
        .chain_info()
        .await
        .expect("chainInfo")
        .latest_height
        .get()
        < height
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "chain {} stuck below {height}",
            node.chain_id()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
