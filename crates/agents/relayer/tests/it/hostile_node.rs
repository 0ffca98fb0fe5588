//! A relayer against a node whose answers are hostile: it reports an error and keeps running,
//! it never panics on a node's numbers.

use core::time::Duration;

use jsonrpsee::core::{async_trait, RpcResult, SubscriptionResult};
use jsonrpsee::server::Server;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::PendingSubscriptionSink;
use strait_chain_api::rpc::{
    codes, BlockSummary, ChainInfo, ClientInfo, LightBlockResponse, MessageStatus, MessagesPage,
    OutboxInfo, ProofResponse, SentMessage, StraitApiServer, TxResult,
};
use strait_chain_api::HexBytes;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Hash32, Height, MessageId, Nonce, Timestamp};
use strait_relayer::{ChainEndpoint, RelayerConfig};

/// A node of `chain` whose outbox holds one message for `other` at leaf `u64::MAX`, which has no
/// successor. Every other call fails.
struct LastLeafNode {
    chain: ChainId,
    other: ChainId,
}

fn unsupported() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        codes::INVALID_REQUEST,
        "not served by this node",
        None::<()>,
    )
}

#[async_trait]
impl StraitApiServer for LastLeafNode {
    async fn chain_info(&self) -> RpcResult<ChainInfo> {
        Ok(ChainInfo {
            chain_id: self.chain,
            latest_height: Height(10),
            latest_timestamp: Timestamp(1),
            latest_hash: Hash32([0; 32]),
            block_time_ms: 100,
            validators: 1,
            outbox_count: 1,
            remote_chains: vec![self.other],
        })
    }
    async fn submit_transaction(&self, _tx: HexBytes) -> RpcResult<Hash32> {
        Err(unsupported())
    }
    async fn transaction_result(&self, _hash: Hash32) -> RpcResult<Option<TxResult>> {
        Err(unsupported())
    }
    async fn account_nonce(&self, _account: Address32) -> RpcResult<u64> {
        Err(unsupported())
    }
    async fn light_block(&self, _height: Height) -> RpcResult<Option<LightBlockResponse>> {
        Err(unsupported())
    }
    async fn block(&self, _height: Height) -> RpcResult<Option<BlockSummary>> {
        Err(unsupported())
    }
    async fn outbox(&self, _height: Option<Height>) -> RpcResult<OutboxInfo> {
        Err(unsupported())
    }
    async fn messages(
        &self,
        from_leaf: u64,
        _limit: u32,
        destination: Option<ChainId>,
    ) -> RpcResult<MessagesPage> {
        let packet = Packet {
            nonce: Nonce(1),
            source_chain: self.chain,
            sender: Address32([1; 32]),
            destination_chain: self.other,
            receiver: Address32([2; 32]),
            options: DeliveryOptions::default(),
            payload: b"hi".to_vec(),
        };
        let messages = if destination == Some(self.other) {
            vec![SentMessage {
                leaf_index: u64::MAX,
                id: packet.id(),
                height: Height(1),
                destination_chain: self.other,
                packet: HexBytes(packet.encode()),
            }]
        } else {
            Vec::new()
        };
        Ok(MessagesPage {
            messages,
            next_leaf: from_leaf,
            outbox_count: 1,
        })
    }
    async fn proof(&self, _leaves: Vec<u64>, _height: Height) -> RpcResult<ProofResponse> {
        Err(unsupported())
    }
    async fn message_status(&self, _id: MessageId) -> RpcResult<MessageStatus> {
        Err(unsupported())
    }
    async fn received(&self, ids: Vec<MessageId>) -> RpcResult<Vec<bool>> {
        Ok(vec![false; ids.len()])
    }
    async fn client(&self, _chain: ChainId) -> RpcResult<ClientInfo> {
        Err(unsupported())
    }
    async fn subscribe_blocks(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        pending.reject(unsupported()).await;
        Ok(())
    }
    async fn subscribe_events(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        pending.reject(unsupported()).await;
        Ok(())
    }
}

async fn serve(node: LastLeafNode) -> (String, jsonrpsee::server::ServerHandle) {
    let server = Server::builder().build("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    (url, server.start(node.into_rpc()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaf_without_successor_is_bad_data_not_a_panic() {
    let (a, _ha) = serve(LastLeafNode {
        chain: ChainId(1),
        other: ChainId(2),
    })
    .await;
    let (b, _hb) = serve(LastLeafNode {
        chain: ChainId(2),
        other: ChainId(1),
    })
    .await;
    let mut config = RelayerConfig::new(vec![ChainEndpoint::http(a), ChainEndpoint::http(b)], "x");
    config.poll_interval = Duration::from_millis(10);
    config.max_backoff = Duration::from_millis(20);
    let metrics = config.metrics.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relayer = tokio::spawn(strait_relayer::run(config, async {
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
