//! Shared helpers: temp dirs, nodes, clients, relay transactions built from RPC answers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{StraitApiClient, TxResult};
use strait_devnet_api::tx::{ClientUpdate, SignedTx, Tx, TxBody};
use strait_devnet_api::HexBytes;
use strait_endpoint::BatchDelivery;
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_node::{devnet_node_config, devnet_specs, start, ChainSpec, NodeHandle};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Timestamp};

pub const BLOCK_MS: u64 = 50;

/// A fresh directory under the system temp dir, removed when dropped unless the thread is
/// panicking (a failed test keeps its nodes' data for inspection).
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

/// A fresh directory under the system temp dir, unique per call, removed when the guard drops.
pub fn temp_dir(name: &str) -> TempDir {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "strait-node-it-{name}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Specs of `n` fast chains with 4 validators, genesis a little in the past.
pub fn specs(n: u64) -> Vec<ChainSpec> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    devnet_specs(n, 4, Timestamp(now - 10_000), BLOCK_MS)
}

pub async fn start_node(specs: &[ChainSpec], index: usize, dir: &std::path::Path) -> NodeHandle {
    let config = devnet_node_config(specs, index, dir, "127.0.0.1:0".parse().unwrap());
    start(config).await.expect("node starts")
}

/// Chains 1 and 2 of one fast devnet, a node each, data under one temp dir (keep the guard alive).
pub async fn two_nodes(name: &str) -> (Vec<ChainSpec>, TempDir, NodeHandle, NodeHandle) {
    let specs = specs(2);
    let dir = temp_dir(name);
    let a = start_node(&specs, 0, &dir).await;
    let b = start_node(&specs, 1, &dir).await;
    (specs, dir, a, b)
}

/// A `Send` of `payload` to application `receiver` on chain 2, unordered, no timeout.
pub fn send_body(receiver: Address32, payload: &[u8]) -> TxBody {
    TxBody::Send {
        gas_limit: 0,
        destination_chain: ChainId(2),
        receiver,
        options: DeliveryOptions::default(),
        payload: payload.to_vec(),
    }
}

pub fn http(node: &NodeHandle) -> HttpClient {
    HttpClientBuilder::default()
        .max_request_size(64 << 20)
        .max_response_size(64 << 20)
        .build(node.rpc_url())
        .unwrap()
}

/// Waits (bounded) until the chain is at least at `height`.
pub async fn wait_height(client: &HttpClient, height: u64) -> Height {
    for _ in 0..400 {
        let info = client.chain_info().await.unwrap();
        if info.latest_height.get() >= height {
            return info.latest_height;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("chain did not reach height {height}");
}

/// Submits `tx` and waits (bounded) for its result.
pub async fn submit(client: &HttpClient, tx: &SignedTx) -> TxResult {
    let hash = client
        .submit_transaction(HexBytes(tx.encode()))
        .await
        .unwrap();
    wait_result(client, hash).await
}

pub async fn wait_result(client: &HttpClient, hash: Hash32) -> TxResult {
    for _ in 0..400 {
        if let Some(result) = client.transaction_result(hash).await.unwrap() {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("transaction {hash} not included");
}

/// Signs `body` for `chain` with `key` at the account's next nonce.
pub async fn sign(client: &HttpClient, chain: ChainId, key: &AccountKey, body: TxBody) -> SignedTx {
    let nonce = client.account_nonce(key.address()).await.unwrap();
    Tx {
        chain_id: chain,
        signer: key.address(),
        nonce,
        body,
    }
    .sign(key)
}

pub async fn light_block(client: &HttpClient, height: Height) -> LightBlock {
    let response = client
        .light_block(height)
        .await
        .unwrap()
        .expect("block exists");
    LightBlock::decode(&response.light_block.0).unwrap()
}

/// A BFT client update, before it is encoded for the wire.
#[derive(Clone, Debug)]
pub struct BftUpdate {
    pub client: ClientId,
    pub trusted_height: Height,
    pub block: LightBlock,
}

impl BftUpdate {
    /// The update as a relay transaction carries it.
    pub fn wire(&self) -> ClientUpdate {
        ClientUpdate::bft(self.client, self.trusted_height, &self.block)
    }
}

/// The pieces of a relay of every message from `src` to `dst_chain` in leaves `from..`:
/// an update of `dst`'s client of `src` to the latest height and one batch with a multiproof.
pub struct Relay {
    pub update: BftUpdate,
    pub batch: BatchDelivery,
}

pub async fn build_relay(
    src: &HttpClient,
    dst: &HttpClient,
    dst_chain: ChainId,
    from: u64,
) -> Relay {
    let src_info = src.chain_info().await.unwrap();
    let client = dst.client(src_info.chain_id).await.unwrap();
    let height = src_info.latest_height;
    let page = src.messages(from, 1000, Some(dst_chain)).await.unwrap();
    assert!(!page.messages.is_empty(), "nothing to relay");
    let leaves: Vec<u64> = page.messages.iter().map(|m| m.leaf_index).collect();
    let packets: Vec<Packet> = page
        .messages
        .iter()
        .map(|m| Packet::decode(&m.packet.0).unwrap())
        .collect();
    let proof = src.proof(leaves, height).await.unwrap();
    Relay {
        update: BftUpdate {
            client: client.client_id,
            trusted_height: client.latest_height,
            block: light_block(src, height).await,
        },
        batch: BatchDelivery {
            packets,
            proof: MultiProof::decode(&proof.multiproof.0).unwrap(),
            proof_height: height,
        },
    }
}

pub fn relay_body(relay: &Relay) -> TxBody {
    TxBody::Relay {
        updates: vec![relay.update.wire()],
        advances: vec![],
        batches: vec![relay.batch.clone()],
    }
}
