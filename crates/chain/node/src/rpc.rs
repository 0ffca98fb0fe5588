//! The `strait_*` JSON-RPC server (`docs/rpc.md`). Every answer reads committed data only: the
//! database, the latest block and the outbox tree. Bad input gets an error object, never a panic.

use std::sync::Arc;
use std::time::Duration;

use jsonrpsee::core::server::SendTimeoutError;
use jsonrpsee::core::{async_trait, SubscriptionResult};
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink};
use redb::Database;
use serde_json::value::RawValue;
use strait_devnet_api::envelope::Envelope;
use strait_devnet_api::rpc::{
    codes, BlockSummary, ChainInfo, ClientInfo, EventNotification, FeeStatus, Health,
    LightBlockResponse, MessageStatus, MessagesPage, OutboxInfo, OutcomeJson, PauseState,
    ProofResponse, QuoteJson, RouteSecurity, RpcResult, SentMessage, StraitApiServer, TxResult,
    MAX_RPC_ITEMS,
};
use strait_devnet_api::tx::{SignedTx, TxError};
use strait_devnet_api::HexBytes;
use strait_endpoint::{Outcome, SecurityConfig};
use strait_merkle::LeafIndex;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, MessageId};

use crate::clients::ClientRecord;
use crate::events::BlockEvent;
use crate::extensions::Extensions;
use crate::feed::Feed;
use crate::host::ReceiptRecord;
use crate::mempool::{AdmitError, PendingTx};
use crate::shared::Shared;
use crate::state::keys;
use crate::store::{BlockRecord, PageBounds, Reads, StoreError};

/// Most outbox records one `strait_messages` call looks at.
pub const MAX_SCAN: usize = 65_536;
/// Most packet bytes one `strait_messages` page returns.
pub const MAX_PAGE_BYTES: usize = 8 << 20;
/// Most stored outbox bytes one `strait_messages` call looks at.
pub const MAX_SCAN_BYTES: usize = 64 << 20;

/// A transaction that failed to parse, authenticate or decode, as an RPC error. The error's own
/// words name what failed ("malformed transaction: ...", "invalid signature"); no prefix is added.
fn tx_error(e: TxError) -> ErrorObjectOwned {
    match e {
        TxError::BadSigner | TxError::BadSignature => {
            error(codes::BAD_SIGNATURE, format!("transaction rejected: {e}"))
        }
        e => error(codes::INVALID_REQUEST, e.to_string()),
    }
}

fn admit_error(e: AdmitError) -> ErrorObjectOwned {
    let code = match e {
        AdmitError::NonceTooLow { .. } => codes::NONCE_TOO_LOW,
        AdmitError::NonceGap { .. } => codes::NONCE_GAP,
        AdmitError::Full { .. } => codes::MEMPOOL_FULL,
        AdmitError::OverBudget { .. } => codes::OVER_BUDGET,
        AdmitError::InsufficientFee { .. } => codes::INSUFFICIENT_FEE,
    };
    error(code, e.to_string())
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn rpc_error(e: crate::optimistic::rpc::ReadError) -> ErrorObjectOwned {
    match e {
        crate::optimistic::rpc::ReadError::Store(e) => internal(e),
        crate::optimistic::rpc::ReadError::Refused(code, words) => error(code, words),
    }
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

    /// A token application amount (a u128) at `key`, 0 when absent.
    fn token_amount(&self, key: &[u8], what: &str) -> RpcResult<u128> {
        let db = self.db()?;
        match Reads(&db).state(key).map_err(internal)? {
            None => Ok(0),
            Some(raw) => Ok(u128::from_be_bytes(raw.as_slice().try_into().map_err(
                |_| {
                    internal(StoreError::Corrupt(format!(
                        "{what} of {} bytes",
                        raw.len()
                    )))
                },
            )?)),
        }
    }

    fn block_record(&self, height: Height) -> RpcResult<Option<BlockRecord>> {
        if height > self.shared.latest().header.height {
            return Ok(None);
        }
        let db = self.db()?;
        Reads(&db).block(height).map_err(internal)
    }

    fn committed_state<T>(
        &self,
        db: &Database,
        key: &[u8],
        decode: impl FnOnce(&[u8]) -> Option<T>,
    ) -> RpcResult<Option<T>> {
        match Reads(db).state(key).map_err(internal)? {
            None => Ok(None),
            Some(raw) => decode(&raw).map(Some).ok_or_else(|| {
                internal(StoreError::Corrupt(format!(
                    "state value of {} bytes at a fee key",
                    raw.len()
                )))
            }),
        }
    }

    /// The committed transaction fee schedule (`[STRAIT-FEE.1]`).
    fn committed_schedule(&self, db: &Database) -> RpcResult<crate::fees::FeeSchedule> {
        Ok(self
            .committed_state(db, keys::FEE_SCHEDULE, |v| {
                crate::fees::FeeSchedule::decode(v).ok()
            })?
            .unwrap_or_default())
    }

    /// `account`'s committed `sat` balance.
    fn committed_sat(&self, db: &Database, account: &Address32) -> RpcResult<u128> {
        let key = keys::app(
            &strait_devnet_api::apps::token(),
            &crate::apps::token::balance_key(account, crate::apps::token::NATIVE_DENOM),
        );
        Ok(self
            .committed_state(db, &key, |v| {
                <[u8; 16]>::try_from(v).ok().map(u128::from_be_bytes)
            })?
            .unwrap_or(0))
    }

    /// A sent message's payment: locked, or how it was split (`[STRAIT-FEE.7]`, `[STRAIT-FEE.8]`).
    fn fee_status(&self, db: &Database, id: &MessageId) -> RpcResult<Option<FeeStatus>> {
        use crate::fees::message::{FeeLock, FeePaid};
        if let Some(p) =
            self.committed_state(db, &keys::fee_paid(id), |v| FeePaid::decode(v).ok())?
        {
            return Ok(Some(FeeStatus::Paid {
                deliverer: p.deliverer,
                to_deliverer: p.to_deliverer.to_string(),
                ack_relayer: p.ack_relayer,
                to_ack_relayer: p.to_ack_relayer.to_string(),
                payer: p.payer,
                refunded: p.refunded.to_string(),
            }));
        }
        Ok(self
            .committed_state(db, &keys::fee_lock(id), |v| FeeLock::decode(v).ok())?
            .map(|l| FeeStatus::Locked {
                payer: l.payer,
                gas_limit: l.gas_limit,
                amount: l.quote.total.to_string(),
            }))
    }

    fn committed_nonce(&self, db: &Database, account: &Address32) -> RpcResult<u64> {
        let raw = Reads(db).state(&keys::account(account)).map_err(internal)?;
        Ok(raw
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes))
    }
}

/// Most time a subscription waits for a client to make room for one notification before it is
/// dropped as not reading.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Forwards `feed` to `sink` from now on. A subscriber whose cursor the feed's byte bound passed,
/// or that does not take a notification within [`SEND_TIMEOUT`], is dropped with an error saying
/// so; it catches up with the paged methods (`strait_block`, `strait_messages`).
async fn forward(sink: SubscriptionSink, feed: &Feed) -> SubscriptionResult {
    let (mut cursor, mut changed) = feed.subscribe();
    loop {
        let items = feed.read(cursor, 64).map_err(|e| e.to_string())?;
        if items.is_empty() {
            tokio::select! {
                _ = sink.closed() => return Ok(()),
                changed = changed.changed() => if changed.is_err() { return Ok(()) },
            }
            continue;
        }
        for item in items {
            let message: Box<RawValue> = RawValue::from_string(item.get().to_owned())?;
            match sink.send_timeout(message, SEND_TIMEOUT).await {
                Ok(()) => cursor += 1,
                Err(SendTimeoutError::Closed(_)) => return Ok(()),
                Err(SendTimeoutError::Timeout(_)) => {
                    return Err(format!(
                        "subscriber did not read for {} s and was dropped",
                        SEND_TIMEOUT.as_secs()
                    )
                    .into())
                }
            }
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
            halted: self.shared.halted(),
        })
    }

    async fn health(&self) -> RpcResult<Health> {
        let halted = self.shared.halted();
        Ok(Health {
            healthy: halted.is_none(),
            latest_height: self.shared.latest().header.height,
            halted,
            mempool_txs: self.shared.mempool.len(),
        })
    }

    /// Cheap checks first, on the runtime: health, size and version, chain id, the account's
    /// nonce (from the envelope's fixed fields). Then, off the runtime and at most
    /// [`MAX_TX_CHECKS`](crate::shared::MAX_TX_CHECKS) at once: the signature, and only if it verifies, the body (whose
    /// validator sets cost key decompression). Then admission under the mempool's lock.
    async fn submit_transaction(&self, tx: HexBytes) -> RpcResult<Hash32> {
        if let Some(reason) = self.shared.halted() {
            return Err(error(
                codes::NODE_HALTED,
                format!("transactions refused: {reason}"),
            ));
        }
        let bytes = tx.0;
        let envelope = Envelope::parse(&bytes).map_err(tx_error)?;
        let local = self.shared.spec.chain_id;
        if envelope.chain_id != local {
            return Err(error(
                codes::WRONG_CHAIN,
                format!(
                    "transaction is for chain {}, this is chain {local}",
                    envelope.chain_id
                ),
            ));
        }
        let signer = envelope.signer;
        let db = self.db()?;
        self.shared
            .mempool
            .check_nonce(&signer, envelope.nonce, || {
                self.committed_nonce(&db, &signer)
            })?
            .map_err(admit_error)?;
        let permit = self
            .shared
            .tx_checks
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| error(codes::INTERNAL, "node is shutting down"))?;
        let len = bytes.len();
        let (signed, hash) = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let hash = Envelope::parse(&bytes)?.verify_signature()?;
            Ok::<_, TxError>((SignedTx::decode(&bytes)?, hash))
        })
        .await
        .map_err(|e| error(codes::INTERNAL, format!("transaction check failed: {e}")))?
        .map_err(tx_error)?;
        let pending = PendingTx::new(signed, hash, len, &Extensions::builtin().verifiers)
            .map_err(|e| error(codes::INVALID_REQUEST, format!("transaction rejected: {e}")))?;
        // [STRAIT-FEE.3] a signer that cannot pay is refused before it takes any room.
        let fee = self.committed_schedule(&db)?.tx_fee(pending.cost);
        let have = self.committed_sat(&db, &signer)?;
        crate::mempool::check_fee(fee, have).map_err(admit_error)?;
        // The committed nonce is read under the mempool's lock (see `mempool`'s docs).
        self.shared
            .mempool
            .admit(pending, || self.committed_nonce(&db, &signer))?
            .map_err(admit_error)?;
        Ok(hash)
    }

    async fn transaction_result(&self, hash: Hash32) -> RpcResult<Option<TxResult>> {
        // `latest` first: a result stored by a block not yet published is not answered.
        let latest = self.shared.latest().header.height;
        let db = self.db()?;
        Ok(Reads(&db)
            .tx_result(&hash)
            .map_err(internal)?
            .filter(|r| r.height <= latest))
    }

    async fn account_nonce(&self, account: Address32) -> RpcResult<u64> {
        let db = self.db()?;
        self.shared
            .mempool
            .next_nonce(&account, || self.committed_nonce(&db, &account))
    }

    async fn light_block(&self, height: Height) -> RpcResult<Option<LightBlockResponse>> {
        let Some(record) = self.block_record(height)? else {
            return Ok(None);
        };
        let db = self.db()?;
        let bls = Reads(&db).bls_light_block(height).map_err(internal)?;
        Ok(Some(LightBlockResponse {
            height,
            light_block: HexBytes(record.light_block.encode()),
            bls_light_block: bls.map(HexBytes),
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
        let outbox_count = self.shared.latest().outbox_count;
        let db = self.db()?;
        let bounds = PageBounds {
            limit: (limit as usize).min(MAX_RPC_ITEMS),
            scan: MAX_SCAN,
            max_bytes: MAX_PAGE_BYTES,
            scan_bytes: MAX_SCAN_BYTES,
        };
        let (records, next_leaf) = Reads(&db)
            .outbox(from_leaf, outbox_count, bounds, destination)
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
        // `latest` first: what a block not yet published stored is not answered.
        let latest = self.shared.latest().header.height;
        let db = self.db()?;
        let reads = Reads(&db);
        let sent = reads
            .sent(&id)
            .map_err(internal)?
            .filter(|(_, r)| r.height <= latest);
        if let Some((leaf_index, record)) = sent {
            let nonce = Packet::decode(&record.packet)
                .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?
                .nonce;
            let awaiting_outcome = reads
                .state(&keys::awaited(&id))
                .map_err(internal)?
                .is_some();
            let fee = self.fee_status(&db, &id)?;
            return Ok(MessageStatus::Sent {
                height: record.height,
                leaf_index,
                destination_chain: record.destination_chain,
                nonce,
                awaiting_outcome,
                fee,
            });
        }
        match reads.state(&keys::receipt(&id)).map_err(internal)? {
            Some(raw) => {
                let receipt = ReceiptRecord::decode(&raw)
                    .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?;
                if receipt.height > latest {
                    return Ok(MessageStatus::Unknown);
                }
                let retryable = reads.state(&keys::failed(&id)).map_err(internal)?.is_some();
                Ok(MessageStatus::Received {
                    height: receipt.height,
                    source_chain: receipt.source_chain,
                    outcome: outcome_json(&receipt.outcome),
                    retryable,
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
        let reads = Reads(&db);
        let not_found = || error(codes::NOT_FOUND, format!("no client of chain {chain}"));
        let raw = reads
            .state(&keys::default_client(chain))
            .map_err(internal)?
            .ok_or_else(not_found)?;
        let client_id = raw
            .try_into()
            .map(|raw: [u8; 8]| ClientId(u64::from_be_bytes(raw)))
            .map_err(|_| internal(StoreError::Corrupt("default client id".into())))?;
        let raw = reads
            .state(&keys::client(client_id))
            .map_err(internal)?
            .ok_or_else(not_found)?;
        let record =
            ClientRecord::decode(&raw).map_err(|e| internal(StoreError::Corrupt(e.to_string())))?;
        Ok(ClientInfo {
            client_id,
            chain_id: record.source,
            kind: record.kind,
            latest_height: record.latest_height,
            frozen: record.frozen,
        })
    }

    async fn security_config(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> RpcResult<RouteSecurity> {
        let db = self.db()?;
        let reads = Reads(&db);
        let own = reads
            .state(&keys::security(&receiver, source))
            .map_err(internal)?;
        let is_default = own.is_none();
        let config = match own {
            Some(raw) => crate::clients::decode_config(&raw)
                .ok_or_else(|| internal(StoreError::Corrupt("security config".into())))?,
            None => {
                let raw = reads
                    .state(&keys::default_client(source))
                    .map_err(internal)?
                    .ok_or_else(|| {
                        error(
                            codes::NO_ROUTE,
                            format!("no security config for {receiver} from chain {source}"),
                        )
                    })?;
                let client = raw
                    .try_into()
                    .map(|raw: [u8; 8]| ClientId(u64::from_be_bytes(raw)))
                    .map_err(|_| internal(StoreError::Corrupt("default client id".into())))?;
                SecurityConfig::single(client)
            }
        };
        let mut clients = Vec::with_capacity(config.required.len() + config.optional.len());
        for client_id in config.clients() {
            let raw = reads
                .state(&keys::client(client_id))
                .map_err(internal)?
                .ok_or_else(|| internal(StoreError::Corrupt("configured client".into())))?;
            let record = ClientRecord::decode(&raw)
                .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?;
            clients.push(ClientInfo {
                client_id,
                chain_id: record.source,
                kind: record.kind,
                latest_height: record.latest_height,
                frozen: record.frozen,
            });
        }
        Ok(RouteSecurity {
            receiver,
            source,
            is_default,
            config,
            clients,
        })
    }

    async fn clients(&self, from: ClientId, limit: u32) -> RpcResult<Vec<ClientInfo>> {
        let db = self.db()?;
        let reads = Reads(&db);
        let mut out = Vec::new();
        let limit = limit.min(strait_devnet_api::rpc::MAX_VOUCHED_ITEMS);
        for id in (from.get().max(1)..).take(limit as usize) {
            let Some(raw) = reads.state(&keys::client(ClientId(id))).map_err(internal)? else {
                break;
            };
            let record = ClientRecord::decode(&raw)
                .map_err(|e| internal(StoreError::Corrupt(e.to_string())))?;
            out.push(ClientInfo {
                client_id: ClientId(id),
                chain_id: record.source,
                kind: record.kind,
                latest_height: record.latest_height,
                frozen: record.frozen,
            });
        }
        Ok(out)
    }

    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        limit: u32,
    ) -> RpcResult<Vec<strait_devnet_api::rpc::VouchedInfo>> {
        let db = self.db()?;
        let limit = limit.min(strait_devnet_api::rpc::MAX_VOUCHED_ITEMS) as usize;
        let entries = crate::vouched::committed(&Reads(&db), client, from, limit)
            .map_err(internal)?
            .ok_or_else(|| error(codes::NOT_FOUND, format!("no client {client}")))?;
        Ok(entries
            .into_iter()
            .map(|e| strait_devnet_api::rpc::VouchedInfo {
                height: e.height,
                root: e.root,
                header_hash: e.header_hash,
                leaf_count: e.checkpoint.map(|c| c.leaf_count),
            })
            .collect())
    }

    async fn pending_proposals(
        &self,
        client: ClientId,
    ) -> RpcResult<Vec<strait_devnet_api::optimistic::PendingProposalJson>> {
        let db = self.db()?;
        crate::optimistic::rpc::pending_proposals(&Reads(&db), client).map_err(rpc_error)
    }

    async fn client_root(&self, client: ClientId, height: Height) -> RpcResult<Option<Hash32>> {
        let db = self.db()?;
        crate::optimistic::rpc::client_root(&Reads(&db), client, height).map_err(rpc_error)
    }

    async fn pause_state(&self) -> RpcResult<PauseState> {
        let db = self.db()?;
        let reads = Reads(&db);
        let counter = reads
            .state(keys::PAUSE_COUNTER)
            .map_err(internal)?
            .and_then(|raw| <[u8; 8]>::try_from(raw.as_slice()).ok())
            .map_or(0, u64::from_be_bytes);
        let endpoint_paused = reads
            .state(&keys::paused(&strait_endpoint::PauseScope::Endpoint))
            .map_err(internal)?
            .is_some();
        Ok(PauseState {
            counter,
            endpoint_paused,
        })
    }

    async fn balance(&self, account: Address32, denom: String) -> RpcResult<String> {
        let key = token_key(&denom, |d| crate::apps::token::balance_key(&account, d))?;
        Ok(self.token_amount(&key, "balance")?.to_string())
    }

    async fn token_queue(
        &self,
        from: u64,
        limit: u32,
    ) -> RpcResult<strait_devnet_api::rpc::TokenQueue> {
        let db = self.db()?;
        crate::apps::token::rpc::token_queue(&Reads(&db), from, limit)
            .map_err(|e| error(codes::INVALID_REQUEST, e))
    }

    async fn queued_transfer(&self, id: u64) -> RpcResult<strait_devnet_api::rpc::QueuedStatus> {
        let db = self.db()?;
        crate::apps::token::rpc::queued_transfer(&Reads(&db), id)
            .map_err(|e| error(codes::INTERNAL, e))
    }

    async fn token_state(&self, denom: String) -> RpcResult<strait_devnet_api::rpc::TokenState> {
        if !crate::apps::token::valid_denom(&denom) {
            return Err(error(
                codes::INVALID_REQUEST,
                format!("invalid denom {denom:?}"),
            ));
        }
        let db = self.db()?;
        crate::apps::token::rpc::token_state(&Reads(&db), denom).map_err(internal)
    }

    async fn token_books(
        &self,
        denom: String,
        accounts: Vec<Address32>,
    ) -> RpcResult<strait_devnet_api::rpc::TokenBooks> {
        use strait_devnet_api::rpc::MAX_BOOK_ACCOUNTS;
        if accounts.len() > MAX_BOOK_ACCOUNTS {
            return Err(error(
                codes::INVALID_REQUEST,
                format!(
                    "asked for {} accounts, at most {MAX_BOOK_ACCOUNTS}",
                    accounts.len()
                ),
            ));
        }
        if !crate::apps::token::valid_denom(&denom) {
            return Err(error(
                codes::INVALID_REQUEST,
                format!("invalid denom {denom:?}"),
            ));
        }
        let db = self.db()?;
        crate::apps::token::rpc::token_books(&Reads(&db), denom, &accounts).map_err(internal)
    }

    async fn quote(
        &self,
        destination: ChainId,
        gas_limit: u64,
        payload_len: u32,
    ) -> RpcResult<QuoteJson> {
        use crate::fees::message::MessageFees;
        let db = self.db()?;
        let fees = self
            .committed_state(&db, &keys::fee_oracle(destination), |v| {
                MessageFees::decode(v).ok()
            })?
            .ok_or_else(|| {
                error(
                    codes::NOT_FOUND,
                    format!("no fee oracle entry for chain {destination}"),
                )
            })?;
        let q = fees.quote(gas_limit, payload_len as usize);
        Ok(QuoteJson {
            destination_chain: destination,
            gas_limit,
            payload_len,
            gas_price: fees.gas_price.to_string(),
            base_delivery: fees.base_delivery.to_string(),
            per_byte: fees.per_byte.to_string(),
            ack_fee: fees.ack_fee.to_string(),
            delivery: q.delivery.to_string(),
            gas: q.gas.to_string(),
            total: q.total.to_string(),
        })
    }

    async fn subscribe_blocks(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let sink = pending.accept().await?;
        forward(sink, &self.shared.blocks).await
    }

    async fn subscribe_events(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let sink = pending.accept().await?;
        forward(sink, &self.shared.events).await
    }
}

/// The state key of the token application's `key_of(denom)`, refusing an invalid denom.
fn token_key(denom: &str, key_of: impl Fn(&str) -> Vec<u8>) -> RpcResult<Vec<u8>> {
    if !crate::apps::token::valid_denom(denom) {
        return Err(error(
            codes::INVALID_REQUEST,
            format!("invalid denom {denom:?}"),
        ));
    }
    Ok(keys::app(&strait_devnet_api::apps::token(), &key_of(denom)))
}

/// The JSON form of an outcome.
pub fn outcome_json(outcome: &Outcome) -> OutcomeJson {
    match outcome {
        Outcome::Executed { ack } => OutcomeJson::Executed {
            ack: HexBytes(ack.clone()),
        },
        Outcome::Failed(e) => OutcomeJson::Failed {
            code: e.code,
            reason: e.reason.clone(),
        },
        Outcome::TimedOut => OutcomeJson::TimedOut,
    }
}

/// The JSON notification of `event` of block `height` of `chain_id`.
pub fn notification(event: &BlockEvent, chain_id: ChainId, height: Height) -> EventNotification {
    match event {
        BlockEvent::Sent {
            id,
            leaf_index,
            destination_chain,
            packet,
        } => EventNotification::Sent {
            chain_id,
            height,
            message: SentMessage {
                leaf_index: *leaf_index,
                id: *id,
                height,
                destination_chain: *destination_chain,
                packet: HexBytes(packet.clone()),
            },
        },
        BlockEvent::Received {
            id,
            source_chain,
            outcome,
        } => EventNotification::Received {
            chain_id,
            height,
            id: *id,
            source_chain: *source_chain,
            outcome: outcome_json(outcome),
        },
        BlockEvent::Finalized {
            id,
            source_chain,
            outcome,
        } => EventNotification::Finalized {
            chain_id,
            height,
            id: *id,
            source_chain: *source_chain,
            outcome: outcome_json(outcome),
        },
        BlockEvent::SecurityConfigSet {
            receiver,
            source,
            config,
        } => EventNotification::SecurityConfigSet {
            chain_id,
            height,
            receiver: *receiver,
            source: *source,
            config: config.clone(),
        },
        BlockEvent::Settled { id, outcome } => EventNotification::Settled {
            chain_id,
            height,
            id: *id,
            outcome: outcome_json(outcome),
        },
        BlockEvent::Verifier(event) => EventNotification::Verifier {
            chain_id,
            height,
            verifier: crate::optimistic::rpc::event_json(event),
        },
        BlockEvent::AttesterAnnounced {
            client,
            member,
            sequence,
            url,
        } => EventNotification::AttesterAnnounced {
            chain_id,
            height,
            client_id: *client,
            member: HexBytes(member.clone()),
            sequence: *sequence,
            url: url.clone(),
        },
    }
}
