//! The `strait_*` JSON-RPC server (`docs/rpc.md`). Every answer reads committed data only: the
//! database, the latest block and the outbox tree. Bad input gets an error object, never a panic.

use std::sync::Arc;

use jsonrpsee::core::{async_trait, SubscriptionResult};
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink};
use redb::Database;
use serde::Serialize;
use strait_chain_api::rpc::{
    codes, BlockSummary, ChainInfo, ClientInfo, LightBlockResponse, MessageStatus, MessagesPage,
    OutboxInfo, ProofResponse, RpcResult, StraitApiServer, TxResult, MAX_RPC_ITEMS,
};
use strait_chain_api::tx::{SignedTx, MAX_TX_LEN};
use strait_chain_api::HexBytes;
use strait_light_client::ClientState;
use strait_merkle::LeafIndex;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, MessageId};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::host::{outcome_json, ReceiptRecord};
use crate::mempool::{AdmitError, PendingTx};
use crate::node::Shared;
use crate::state::keys;
use crate::store::{BlockRecord, PageBounds, Reads, StoreError};

/// Most outbox records one `strait_messages` call looks at.
pub const MAX_SCAN: usize = 65_536;
/// Most packet bytes one `strait_messages` page returns.
pub const MAX_PAGE_BYTES: usize = 8 << 20;

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn internal(e: StoreError) -> ErrorObjectOwned {
    tracing::warn!(error = %e, "rpc storage error");
    error(codes::INTERNAL, e.to_string())
}

/// The server: a view of the node's shared state.
pub struct RpcServer {
    shared: Arc<Shared>,
}

impl RpcServer {
    /// A server over `shared`.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn db(&self) -> RpcResult<Arc<Database>> {
        self.shared
            .db()
            .ok_or_else(|| error(codes::INTERNAL, "node is shutting down"))
    }

    fn block_record(&self, height: Height) -> RpcResult<Option<BlockRecord>> {
        if height > self.shared.latest().header.height {
            return Ok(None);
        }
        let db = self.db()?;
        Reads(&db).block(height).map_err(internal)
    }

    fn committed_nonce(&self, db: &Database, account: &Address32) -> RpcResult<u64> {
        let raw = Reads(db).state(&keys::account(account)).map_err(internal)?;
        Ok(raw
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes))
    }
}

async fn forward<T: Serialize + Clone>(
    sink: SubscriptionSink,
    mut rx: broadcast::Receiver<T>,
) -> SubscriptionResult {
    loop {
        tokio::select! {
            _ = sink.closed() => return Ok(()),
            item = rx.recv() => match item {
                Ok(item) => {
                    let message = serde_json::value::to_raw_value(&item)?;
                    if sink.send(message).await.is_err() {
                        return Ok(());
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    return Err(format!("subscriber fell {missed} items behind and was dropped").into());
                }
                Err(RecvError::Closed) => return Ok(()),
            },
        }
    }
}

#[async_trait]
impl StraitApiServer for RpcServer {
    async fn chain_info(&self) -> RpcResult<ChainInfo> {
        let latest = self.shared.latest();
        Ok(ChainInfo {
            chain_id: self.shared.spec.chain_id,
            latest_height: latest.header.height,
            latest_timestamp: latest.header.timestamp,
            latest_hash: latest.header.hash(),
            block_time_ms: self.shared.spec.block_time_ms,
            validators: latest.validators,
            outbox_count: latest.outbox_count,
            remote_chains: self.shared.remotes.clone(),
        })
    }

    async fn submit_transaction(&self, tx: HexBytes) -> RpcResult<Hash32> {
        let bytes = tx.0;
        if bytes.len() > MAX_TX_LEN {
            return Err(error(
                codes::INVALID_REQUEST,
                format!("transaction of {} bytes exceeds {MAX_TX_LEN}", bytes.len()),
            ));
        }
        let signed = SignedTx::decode(&bytes).map_err(|e| {
            error(
                codes::INVALID_REQUEST,
                format!("malformed transaction: {e}"),
            )
        })?;
        let local = self.shared.spec.chain_id;
        if signed.tx.chain_id != local {
            return Err(error(
                codes::WRONG_CHAIN,
                format!(
                    "transaction is for chain {}, this is chain {local}",
                    signed.tx.chain_id
                ),
            ));
        }
        signed
            .verify_signature()
            .map_err(|e| error(codes::BAD_SIGNATURE, format!("transaction rejected: {e}")))?;
        let hash = signed.hash();
        let db = self.db()?;
        let signer = signed.tx.signer;
        let pending = PendingTx {
            tx: signed,
            hash,
            len: bytes.len(),
        };
        // The committed nonce is read under the mempool's lock (see `mempool`'s docs).
        self.shared
            .mempool
            .admit(pending, || self.committed_nonce(&db, &signer))?
            .map_err(|e| match e {
                AdmitError::NonceTooLow { .. } => error(codes::NONCE_TOO_LOW, e.to_string()),
                AdmitError::NonceGap { .. } => error(codes::NONCE_GAP, e.to_string()),
                AdmitError::Full { .. } => error(codes::MEMPOOL_FULL, e.to_string()),
            })?;
        Ok(hash)
    }

    async fn transaction_result(&self, hash: Hash32) -> RpcResult<Option<TxResult>> {
        let db = self.db()?;
        Reads(&db).tx_result(&hash).map_err(internal)
    }

    async fn account_nonce(&self, account: Address32) -> RpcResult<u64> {
        let db = self.db()?;
        self.shared
            .mempool
            .next_nonce(&account, || self.committed_nonce(&db, &account))
    }

    async fn light_block(&self, height: Height) -> RpcResult<Option<LightBlockResponse>> {
        Ok(self.block_record(height)?.map(|r| LightBlockResponse {
            height,
            light_block: HexBytes(r.light_block.encode()),
        }))
    }

    async fn block(&self, height: Height) -> RpcResult<Option<BlockSummary>> {
        Ok(self.block_record(height)?.map(|r| {
            let header = r.light_block.header();
            BlockSummary {
                chain_id: header.chain_id,
                height,
                timestamp: header.timestamp,
                hash: header.hash(),
                txs: r.tx_count as usize,
                outbox_root: header.outbox_root,
                outbox_count: r.outbox_count,
            }
        }))
    }

    async fn outbox(&self, height: Option<Height>) -> RpcResult<OutboxInfo> {
        let latest = self.shared.latest();
        let Some(height) = height else {
            return Ok(OutboxInfo {
                height: latest.header.height,
                root: latest.header.outbox_root,
                count: latest.outbox_count,
            });
        };
        let record = self.block_record(height)?.ok_or_else(|| {
            error(
                codes::NOT_FOUND,
                format!(
                    "no block at height {height}; latest is {}",
                    latest.header.height
                ),
            )
        })?;
        Ok(OutboxInfo {
            height,
            root: record.light_block.header().outbox_root,
            count: record.outbox_count,
        })
    }

    async fn messages(
        &self,
        from_leaf: u64,
        limit: u32,
        destination: Option<ChainId>,
    ) -> RpcResult<MessagesPage> {
        let db = self.db()?;
        let outbox_count = self.shared.latest().outbox_count;
        let bounds = PageBounds {
            limit: (limit as usize).min(MAX_RPC_ITEMS),
            scan: MAX_SCAN,
            max_bytes: MAX_PAGE_BYTES,
        };
        let (records, next_leaf) = Reads(&db)
            .outbox(from_leaf, outbox_count, bounds, |r| {
                destination.is_none_or(|d| d == r.destination_chain)
            })
            .map_err(internal)?;
        Ok(MessagesPage {
            messages: records
                .iter()
                .map(|(leaf, r)| r.to_sent_message(*leaf))
                .collect(),
            next_leaf,
            outbox_count,
        })
    }

    async fn proof(&self, leaf_indices: Vec<u64>, height: Height) -> RpcResult<ProofResponse> {
        if leaf_indices.is_empty() || leaf_indices.len() > MAX_RPC_ITEMS {
            return Err(error(
                codes::INVALID_REQUEST,
                format!(
                    "asked for {} leaves, allowed 1..={MAX_RPC_ITEMS}",
                    leaf_indices.len()
                ),
            ));
        }
        let record = self
            .block_record(height)?
            .ok_or_else(|| error(codes::NOT_FOUND, format!("no block at height {height}")))?;
        let size = record.outbox_count;
        let indices: Vec<LeafIndex> = leaf_indices.into_iter().map(LeafIndex).collect();
        let proof = self
            .shared
            .tree
            .read()
            .expect("tree lock")
            .multiproof(&indices, size)
            .map_err(|e| error(codes::INVALID_REQUEST, format!("cannot prove: {e}")))?;
        Ok(ProofResponse {
            height,
            root: record.light_block.header().outbox_root,
            size,
            multiproof: HexBytes(proof.encode()),
        })
    }

    async fn message_status(&self, id: MessageId) -> RpcResult<MessageStatus> {
        let db = self.db()?;
        let reads = Reads(&db);
        if let Some((leaf_index, record)) = reads.sent(&id).map_err(internal)? {
            let nonce = Packet::decode(&record.packet)
                .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?
                .nonce;
            return Ok(MessageStatus::Sent {
                height: record.height,
                leaf_index,
                destination_chain: record.destination_chain,
                nonce,
            });
        }
        match reads.state(&keys::receipt(&id)).map_err(internal)? {
            Some(raw) => {
                let receipt = ReceiptRecord::decode(&raw)
                    .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?;
                Ok(MessageStatus::Received {
                    height: receipt.height,
                    source_chain: receipt.source_chain,
                    outcome: outcome_json(&receipt.outcome),
                })
            }
            None => Ok(MessageStatus::Unknown),
        }
    }

    async fn received(&self, ids: Vec<MessageId>) -> RpcResult<Vec<bool>> {
        if ids.len() > MAX_RPC_ITEMS {
            return Err(error(
                codes::INVALID_REQUEST,
                format!("asked for {} ids, at most {MAX_RPC_ITEMS}", ids.len()),
            ));
        }
        let db = self.db()?;
        let keys: Vec<Vec<u8>> = ids.iter().map(keys::receipt).collect();
        Ok(Reads(&db)
            .states(&keys)
            .map_err(internal)?
            .into_iter()
            .map(|v| v.is_some())
            .collect())
    }

    async fn client(&self, chain: ChainId) -> RpcResult<ClientInfo> {
        let db = self.db()?;
        let client_id = ClientId(chain.get());
        let raw = Reads(&db)
            .state(&keys::client_state(client_id))
            .map_err(internal)?
            .ok_or_else(|| {
                error(
                    codes::NOT_FOUND,
                    format!("no light client of chain {chain}"),
                )
            })?;
        let state: ClientState = serde_json::from_slice(&raw)
            .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?;
        Ok(ClientInfo {
            client_id,
            chain_id: state.chain_id,
            latest_height: state.latest_height,
            frozen: state.is_frozen(),
        })
    }

    async fn subscribe_blocks(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let rx = self.shared.blocks.subscribe();
        let sink = pending.accept().await?;
        forward(sink, rx).await
    }

    async fn subscribe_events(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let rx = self.shared.events.subscribe();
        let sink = pending.accept().await?;
        forward(sink, rx).await
    }
}
