//! The `strait_*` JSON-RPC interface of a devnet chain node (documented in `docs/rpc.md`).
//!
//! jsonrpsee generates `StraitApiServer` (implemented by the node) and `StraitApiClient`
//! (used by the relayer and the CLI, over HTTP or websocket) from the trait below.

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::proc_macros::rpc;
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, Timestamp,
};

pub use crate::results::{DeliveryResult, DeliveryStatus, TxFailure, TxResult};
use crate::HexBytes;

/// Result type of every method.
pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Most leaves in one `strait_getProof` or `strait_getMessages` answer.
pub const MAX_RPC_ITEMS: usize = 4096;

/// JSON-RPC error codes of the `strait_*` methods.
pub mod codes {
    /// The request's parameters are invalid (malformed transaction, out-of-range height, ...).
    pub const INVALID_REQUEST: i32 = -32602;
    /// The transaction's signature does not verify.
    pub const BAD_SIGNATURE: i32 = 4001;
    /// The transaction's nonce is below the account's next nonce (already used).
    pub const NONCE_TOO_LOW: i32 = 4002;
    /// The transaction's nonce is above the account's next nonce (a gap): the sender's view of its
    /// nonce is stale; re-read `strait_accountNonce`.
    pub const NONCE_GAP: i32 = 4005;
    /// The mempool is full; retry later.
    pub const MEMPOOL_FULL: i32 = 4003;
    /// The transaction is for another chain.
    pub const WRONG_CHAIN: i32 = 4004;
    /// The transaction costs more than a whole block may spend (signatures verified or bytes):
    /// it can never be included; split it.
    pub const OVER_BUDGET: i32 = 4006;
    /// The signer cannot pay the transaction's fee (`[STRAIT-FEE.3]`): fund it first.
    pub const INSUFFICIENT_FEE: i32 = 4007;
    /// The requested item does not exist (yet).
    pub const NOT_FOUND: i32 = 4040;
    /// No security config applies to the route (the receiver set none and the chain has no
    /// default for the source): its messages cannot be received (`UnknownRoute`).
    pub const NO_ROUTE: i32 = 4100;
    /// Block production has stopped (a storage failure, or an operator halt): the node answers
    /// reads from its committed data but refuses transactions. The message says why; not
    /// transient: the operator must act.
    pub const NODE_HALTED: i32 = 5001;
    /// The node failed internally (storage); transient.
    pub const INTERNAL: i32 = -32603;
    /// The body is not JSON (also: it ended before its announced length, or its chunked encoding
    /// is malformed).
    pub const PARSE_ERROR: i32 = -32700;
    /// Not a valid JSON-RPC request: an `id` that is neither a string, a number nor `null`, a
    /// batch over its bound, a body over its bound, a subscription over HTTP, a request that
    /// took too long to arrive.
    pub const INVALID_JSON_RPC: i32 = -32600;
}

/// What a node says about its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInfo {
    /// The chain id.
    pub chain_id: ChainId,
    /// Latest committed height.
    pub latest_height: Height,
    /// Its block time.
    pub latest_timestamp: Timestamp,
    /// Hash of the latest committed header.
    pub latest_hash: Hash32,
    /// Target block interval.
    pub block_time_ms: u64,
    /// Number of validators.
    pub validators: usize,
    /// Messages in the outbox at the latest height.
    pub outbox_count: u64,
    /// Chains this chain may send to: those it has light clients of, and foreign remotes (EVM
    /// chains) whose verifiers were created by transaction.
    pub remote_chains: Vec<ChainId>,
    /// Why block production stopped; `null` while the node is healthy (`strait_health`).
    #[serde(default)]
    pub halted: Option<String>,
}

/// Whether the node produces blocks and accepts transactions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Producing blocks and accepting transactions.
    pub healthy: bool,
    /// Latest committed height.
    pub latest_height: Height,
    /// Why block production stopped, when it has.
    pub halted: Option<String>,
    /// Transactions waiting in the mempool.
    pub mempool_txs: usize,
}

/// A committed block, as announced by `strait_subscribeBlocks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSummary {
    /// Chain.
    pub chain_id: ChainId,
    /// Height.
    pub height: Height,
    /// Block time.
    pub timestamp: Timestamp,
    /// Header hash.
    pub hash: Hash32,
    /// Number of transactions.
    pub txs: usize,
    /// Outbox root committed by the header.
    pub outbox_root: Hash32,
    /// Outbox size at this height.
    pub outbox_count: u64,
}

/// A light block (header, commit, validator sets) in its canonical encoding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightBlockResponse {
    /// Height.
    pub height: Height,
    /// `strait_light_client::LightBlock` canonical encoding.
    pub light_block: HexBytes,
    /// The same header's `strait_light_client::bls::BlsLightBlock` encoding (SPEC §5.7), if the
    /// node signed it with BLS; absent from older nodes' answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bls_light_block: Option<HexBytes>,
}

/// The outbox at a height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxInfo {
    /// Height.
    pub height: Height,
    /// Root committed by the header at that height.
    pub root: Hash32,
    /// Number of messages.
    pub count: u64,
}

/// A message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// Position in the outbox.
    pub leaf_index: u64,
    /// Message id.
    pub id: MessageId,
    /// Height of the block that sent it.
    pub height: Height,
    /// Destination chain.
    pub destination_chain: ChainId,
    /// Canonical packet encoding.
    pub packet: HexBytes,
}

/// A page of the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesPage {
    /// Messages with `leaf_index >= from_leaf`, in order, filtered by destination if asked.
    pub messages: Vec<SentMessage>,
    /// Where the next page starts.
    pub next_leaf: u64,
    /// Outbox size at the latest height.
    pub outbox_count: u64,
}

/// A multiproof of some outbox leaves against the root at a height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofResponse {
    /// Height whose header commits to `root`.
    pub height: Height,
    /// The outbox root at that height.
    pub root: Hash32,
    /// The outbox size at that height.
    pub size: u64,
    /// `strait_merkle::MultiProof` canonical encoding.
    pub multiproof: HexBytes,
}

/// How a received message ended, in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutcomeJson {
    /// Executed, with the application's acknowledgement.
    Executed {
        /// Acknowledgement.
        ack: HexBytes,
    },
    /// The application failed.
    Failed {
        /// Application error code.
        code: u32,
        /// Reason.
        reason: String,
    },
    /// Timed out before delivery.
    TimedOut,
}

/// Where a message is, as seen by one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MessageStatus {
    /// This chain neither sent nor received it.
    Unknown,
    /// This chain sent it.
    Sent {
        /// Sending block.
        height: Height,
        /// Outbox position.
        leaf_index: u64,
        /// Destination chain.
        destination_chain: ChainId,
        /// Nonce on its route.
        nonce: Nonce,
        /// Whether it still awaits its outcome from the destination (`[STRAIT-SETTLE.2]`); false
        /// once settled, and for an outcome message, which awaits none.
        #[serde(default)]
        awaiting_outcome: bool,
        /// What it paid (`[STRAIT-FEE.7]`, `[STRAIT-FEE.8]`): locked until it settles, then how
        /// the payment was split; absent for an unpaid message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fee: Option<FeeStatus>,
    },
    /// This chain received it.
    Received {
        /// Receiving block.
        height: Height,
        /// Source chain.
        source_chain: ChainId,
        /// How it ended.
        outcome: OutcomeJson,
        /// A failed execution that is not final yet: it may be retried, or finalized
        /// (`[STRAIT-RETRY.1]`); its outcome goes back when it is final.
        #[serde(default)]
        retryable: bool,
    },
}

/// A sent message's payment (`docs/SPEC.md` §11). Amounts in `sat`, decimal (u128).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FeeStatus {
    /// Locked at send, until the outcome settles (`[STRAIT-FEE.7]`).
    Locked {
        /// Who paid.
        payer: Address32,
        /// Gas bought on the destination.
        gas_limit: u64,
        /// The quote locked.
        amount: String,
    },
    /// Split when the outcome settled (`[STRAIT-FEE.8]`).
    Paid {
        /// The destination's deliverer.
        deliverer: Address32,
        /// Paid to it.
        to_deliverer: String,
        /// The relayer that proved the outcome back.
        ack_relayer: Address32,
        /// Paid to it.
        to_ack_relayer: String,
        /// Who paid.
        payer: Address32,
        /// Refunded to it.
        refunded: String,
    },
}

/// A quote of a message (`[STRAIT-FEE.5]`): the destination's oracle entry and the parts.
/// Amounts in `sat`, decimal (u128).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteJson {
    /// The destination.
    pub destination_chain: ChainId,
    /// Gas bought (0 = unpaid: the quote is 0).
    pub gas_limit: u64,
    /// Payload length quoted.
    pub payload_len: u32,
    /// Oracle: price per unit of gas.
    pub gas_price: String,
    /// Oracle: paid to the deliverer whatever the gas.
    pub base_delivery: String,
    /// Oracle: per payload byte, to the deliverer.
    pub per_byte: String,
    /// Oracle: paid to the relayer that proves the outcome back.
    pub ack_fee: String,
    /// `base_delivery + per_byte × payload_len`.
    pub delivery: String,
    /// `gas_limit × gas_price`.
    pub gas: String,
    /// What a send locks: `delivery + gas + ack_fee`.
    pub total: String,
}

/// The circuit breaker's state (`docs/SPEC.md` §4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseState {
    /// The counter the next approvals sign.
    pub counter: u64,
    /// Whether the whole endpoint is paused.
    pub endpoint_paused: bool,
}

/// A transfer queued by the token application's rate limits (`docs/SPEC.md` §9.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedTransfer {
    /// Queue id (what `cancel` takes).
    pub id: u64,
    /// `"out"` (debited, not sent) or `"in"` (received, credit waiting).
    pub direction: String,
    /// The chain at the other end.
    pub remote_chain: ChainId,
    /// The denomination on this chain.
    pub denom: String,
    /// Amount, a u128 in decimal.
    pub amount: String,
    /// Who may cancel it: the sender (out) or the recipient (in).
    pub owner: Address32,
    /// The recipient (out) or the original sender (in).
    pub counterparty: Address32,
    /// Block time it was queued at, in ms.
    pub queued_ms: u64,
    /// Whether its token is paused now (it is not released while paused).
    pub paused: bool,
}

/// A page of the token application's queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenQueue {
    /// Items still queued with ids in `[from, from + limit)`.
    pub items: Vec<QueuedTransfer>,
    /// The last queue id given (0: none yet).
    pub last_id: u64,
}

/// Where one queued transfer is (`docs/SPEC.md` §9.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedStatus {
    /// The item, while it is queued.
    pub queued: Option<QueuedTransfer>,
    /// How it ended: `"released"`, `"cancelled"` or `"refunded"`; `None` while queued or for an
    /// id never given.
    pub ended: Option<String>,
    /// The message it sent when it ended (an outbound release, or an inbound credit sent back).
    pub sent_as: Option<MessageId>,
}

/// One token of the token application on this chain (`docs/SPEC.md` §9.1): its pause and the
/// sums that conservation is checked with. Amounts are u128 in decimal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenState {
    /// The denomination on this chain.
    pub denom: String,
    /// Whether it is paused (by the guardians or its anomaly breaker).
    pub paused: bool,
    /// Held in escrow here (left this chain, may come back).
    pub escrow: String,
    /// Supply of it as a voucher minted here.
    pub supply: String,
    /// Queued outbound: debited, escrowed or burned, not sent yet.
    pub queued_out: String,
    /// Queued inbound: received, credit not given yet.
    pub queued_in: String,
    /// The breaker's last trip: block height, if it ever tripped.
    pub tripped_at_height: Option<u64>,
}

/// Most accounts one `strait_tokenBooks` call reads.
pub const MAX_BOOK_ACCOUNTS: usize = 256;

/// One token's sums and some accounts' balances of it, read in one snapshot
/// (`strait_tokenBooks`): no block commits between two of its values, so sums over them (a
/// chain's native supply, `[STRAIT-FEE.2]`) hold exactly even while the chain moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBooks {
    /// The height whose state was read.
    pub height: Height,
    /// The token's pause and sums, as `strait_tokenState` reports them.
    pub token: TokenState,
    /// The accounts' balances, in the order asked, u128 in decimal.
    pub balances: Vec<String>,
}

/// The light client this chain keeps of another chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// Client id on this chain.
    pub client_id: ClientId,
    /// Chain followed.
    pub chain_id: ChainId,
    /// Its verifier kind.
    pub kind: strait_verifier::VerifierKind,
    /// Latest verified height of that chain.
    pub latest_height: Height,
    /// Frozen for misbehaviour.
    pub frozen: bool,
}

/// The security config of a route (`[STRAIT-ROUTE.6]`), as `strait_securityConfig` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSecurity {
    /// The receiving application.
    pub receiver: Address32,
    /// The source chain.
    pub source: ChainId,
    /// Whether this is the chain's default for the source (the receiver set none).
    pub is_default: bool,
    /// The config in force.
    pub config: strait_endpoint::SecurityConfig,
    /// Each of its clients, required first, in the config's order.
    pub clients: Vec<ClientInfo>,
}

/// Most entries of one `strait_clients` or `strait_vouched` answer.
pub const MAX_VOUCHED_ITEMS: u32 = 256;

/// One source height a client vouches for (`strait_vouched`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VouchedInfo {
    /// The source height.
    pub height: Height,
    /// The outbox root the client verified there.
    pub root: Hash32,
    /// The verified header's hash (BFT clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_hash: Option<Hash32>,
    /// The certified checkpoint's leaf count (committee clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_count: Option<u64>,
}

/// An endpoint event, as announced by `strait_subscribeEvents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventNotification {
    /// A message was sent.
    Sent {
        /// Chain.
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// Message.
        message: SentMessage,
    },
    /// A message was received.
    Received {
        /// Chain.
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// Message.
        id: MessageId,
        /// Source chain.
        source_chain: ChainId,
        /// How it ended.
        outcome: OutcomeJson,
    },
    /// A received message whose execution had failed became final (retried, or finalized as
    /// failed); its outcome replaces the earlier `failed` one.
    Finalized {
        /// Chain.
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// Message.
        id: MessageId,
        /// Source chain.
        source_chain: ChainId,
        /// Its final outcome.
        outcome: OutcomeJson,
    },
    /// A receiving application set the security config of its route from `source`
    /// (`[STRAIT-ROUTE.6]`).
    SecurityConfigSet {
        /// Chain.
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// The application.
        receiver: Address32,
        /// The source chain.
        source: ChainId,
        /// The config now in force.
        config: strait_endpoint::SecurityConfig,
    },
    /// A message this chain sent had its outcome proven back and handed to its sender.
    Settled {
        /// Chain (the message's source).
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// The message.
        id: MessageId,
        /// How it ended on its destination.
        outcome: OutcomeJson,
    },
    /// Something happened to a client: a proposal, a settlement, a conflict, a pause (SPEC §13).
    Verifier {
        /// Chain.
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// What.
        verifier: crate::optimistic::VerifierEventJson,
    },
    /// A committee member announced where it publishes its signatures (`[STRAIT-ATTEST.13]`).
    AttesterAnnounced {
        /// Chain.
        chain_id: ChainId,
        /// Block.
        height: Height,
        /// The committee client.
        client_id: ClientId,
        /// The member, in its stored form.
        member: HexBytes,
        /// The announcement's sequence.
        sequence: u64,
        /// The announced URL.
        url: String,
    },
}

/// The node's JSON-RPC interface (namespace `strait`).
#[rpc(server, client, namespace = "strait")]
pub trait StraitApi {
    /// Chain id, latest height, validators and outbox size.
    #[method(name = "chainInfo")]
    async fn chain_info(&self) -> RpcResult<ChainInfo>;

    /// Whether the node produces blocks and accepts transactions, and why not.
    #[method(name = "health")]
    async fn health(&self) -> RpcResult<Health>;

    /// Submits a signed transaction (canonical encoding, hex). Returns its hash once it is in the
    /// mempool; malformed, badly signed, replayed or wrong-chain transactions get an error.
    #[method(name = "submitTransaction")]
    async fn submit_transaction(&self, tx: HexBytes) -> RpcResult<Hash32>;

    /// The result of an included transaction; `null` while pending or unknown.
    #[method(name = "transactionResult")]
    async fn transaction_result(&self, hash: Hash32) -> RpcResult<Option<TxResult>>;

    /// The next nonce of an account, counting transactions already in the mempool.
    #[method(name = "accountNonce")]
    async fn account_nonce(&self, account: Address32) -> RpcResult<u64>;

    /// Header, commit and validator sets at a height; `null` above the latest height.
    #[method(name = "lightBlock")]
    async fn light_block(&self, height: Height) -> RpcResult<Option<LightBlockResponse>>;

    /// A committed block's summary; `null` above the latest height.
    #[method(name = "block")]
    async fn block(&self, height: Height) -> RpcResult<Option<BlockSummary>>;

    /// The outbox root and size committed at `height` (latest when omitted).
    #[method(name = "outbox")]
    async fn outbox(&self, height: Option<Height>) -> RpcResult<OutboxInfo>;

    /// Outbox messages from `from_leaf` on (at most `limit`, at most 4096), optionally only those
    /// for `destination`.
    #[method(name = "messages")]
    async fn messages(
        &self,
        from_leaf: u64,
        limit: u32,
        destination: Option<ChainId>,
    ) -> RpcResult<MessagesPage>;

    /// A multiproof of the given outbox leaves against the root committed at `height`.
    #[method(name = "proof")]
    async fn proof(&self, leaf_indices: Vec<u64>, height: Height) -> RpcResult<ProofResponse>;

    /// Where a message is, as seen by this chain.
    #[method(name = "messageStatus")]
    async fn message_status(&self, id: MessageId) -> RpcResult<MessageStatus>;

    /// For each id (at most 4096), whether this chain has received it.
    #[method(name = "received")]
    async fn received(&self, ids: Vec<MessageId>) -> RpcResult<Vec<bool>>;

    /// The light client this chain keeps of `chain`.
    #[method(name = "client")]
    async fn client(&self, chain: ChainId) -> RpcResult<ClientInfo>;

    /// The security config that applies to messages from `source` to `receiver`
    /// (`[STRAIT-ROUTE.6]`): the receiver's own, else the chain's default, with each client's
    /// kind, frozen flag and latest height. `NO_ROUTE` when neither exists.
    #[method(name = "securityConfig")]
    async fn security_config(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> RpcResult<RouteSecurity>;
    /// Clients of this chain with ids from `from` on, in id order, at most `limit` (at most
    /// [`MAX_VOUCHED_ITEMS`]); what a watcher looks at.
    #[method(name = "clients")]
    async fn clients(&self, from: ClientId, limit: u32) -> RpcResult<Vec<ClientInfo>>;

    /// What `client` vouches for at source heights from `from` on, by ascending height, at most
    /// `limit` (at most [`MAX_VOUCHED_ITEMS`]); empty when the client is frozen.
    #[method(name = "vouched")]
    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        limit: u32,
    ) -> RpcResult<Vec<VouchedInfo>>;

    /// The counter the next guardian approvals of a pause or unpause sign (`[STRAIT-PAUSE.3]`), and
    /// whether the endpoint is paused.
    #[method(name = "pauseState")]
    async fn pause_state(&self) -> RpcResult<PauseState>;

    /// `account`'s balance of `denom` in the token application, in decimal (a u128).
    #[method(name = "balance")]
    async fn balance(&self, account: Address32, denom: String) -> RpcResult<String>;

    /// Transfers queued by the token application's rate limits with ids in `[from, from +
    /// limit)`, `limit` at most 1,000.
    #[method(name = "tokenQueue")]
    async fn token_queue(&self, from: u64, limit: u32) -> RpcResult<TokenQueue>;

    /// Where queued transfer `id` is: still queued, or how it ended and the message it sent.
    #[method(name = "queuedTransfer")]
    async fn queued_transfer(&self, id: u64) -> RpcResult<QueuedStatus>;

    /// `denom` in the token application: paused or not, escrow, supply and queued sums.
    #[method(name = "tokenState")]
    async fn token_state(&self, denom: String) -> RpcResult<TokenState>;

    /// `denom`'s sums and the balances of `accounts` (at most [`MAX_BOOK_ACCOUNTS`]), in one
    /// snapshot of the committed state, with its height.
    #[method(name = "tokenBooks")]
    async fn token_books(&self, denom: String, accounts: Vec<Address32>) -> RpcResult<TokenBooks>;

    /// The quote of a message to `destination` buying `gas_limit` gas with a payload of
    /// `payload_len` bytes (`[STRAIT-FEE.5]`): what a `Send` with that gas limit locks.
    #[method(name = "quote")]
    async fn quote(
        &self,
        destination: ChainId,
        gas_limit: u64,
        payload_len: u32,
    ) -> RpcResult<QuoteJson>;

    /// The pending proposals of the optimistic client `client` (SPEC `[STRAIT-OPT.7]`), by height.
    #[method(name = "pendingProposals")]
    async fn pending_proposals(
        &self,
        client: ClientId,
    ) -> RpcResult<Vec<crate::optimistic::PendingProposalJson>>;

    /// The root `client` holds at source height `height`: verified, or for an optimistic client
    /// also pending (what conflict evidence compares, `[STRAIT-CONFLICT.2]`); `null` if none.
    #[method(name = "clientRoot")]
    async fn client_root(&self, client: ClientId, height: Height) -> RpcResult<Option<Hash32>>;

    /// Every newly committed block.
    #[subscription(name = "subscribeBlocks" => "newBlock", unsubscribe = "unsubscribeBlocks", item = BlockSummary)]
    async fn subscribe_blocks(&self) -> SubscriptionResult;

    /// Every endpoint event of newly committed blocks.
    #[subscription(name = "subscribeEvents" => "newEvent", unsubscribe = "unsubscribeEvents", item = EventNotification)]
    async fn subscribe_events(&self) -> SubscriptionResult;
}
