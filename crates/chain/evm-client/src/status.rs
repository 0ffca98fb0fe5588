//! Where a message is, as one EVM chain's endpoint tells it (`docs/evm.md`, "Follow a message"):
//! read only, bounded, every request with a timeout.
//!
//! Logs are the only index by message id: the endpoint's `Sent`, `Received`, `RetryFailed`,
//! `Finalized` and `Settled` events and its fee contract's `FeeLocked` and `FeeSplit` carry the id
//! as their first topic, so one filter (the two contracts, the seven signatures, the id) in
//! bounded block ranges from a first block (the endpoint's deployment) to the head finds all of
//! them. Every log is checked against what was
//! asked and its receipt or packet decoded (`[STRAIT-EVENT.1]`, `[STRAIT-EVENT.2]`); the state
//! comes from `eth_call`s: `isAwaiting`, `failure`, `verifierOf` with the verifier's `rootAt` and
//! `latestHeight`, `endpointPaused`, `routePaused`, and the token application's `queued`.

mod logs;
#[cfg(test)]
mod tests;

use core::time::Duration;

use alloy::primitives::{Address, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolCall;
use strait_chain_client::ChainError;
use strait_endpoint::Outcome;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, Height, MessageId, Nonce, RouteId};

pub use self::logs::{LogError, MAX_LOGS_PER_MESSAGE};
use crate::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use crate::abi::endpoint::StraitEndpoint;
use crate::abi::token_app::StraitTokenApp;
use crate::source::rpc::SourceRpc;
use crate::source::{DEFAULT_MAX_LOG_RANGE, DEFAULT_RPC_TIMEOUT};

/// Most queue ids one [`EvmStatusReader::token_queue`] page looks at (the native chain's
/// `tokenQueue` bound).
pub const MAX_QUEUE_PAGE: u32 = 1_000;

/// Log requests one status query makes at most by default: 1,024,000 blocks with the default
/// range. A longer chain needs a later first block (the endpoint's deployment).
pub const DEFAULT_MAX_LOG_REQUESTS: u64 = 1_024;

alloy::sol! {
    /// What status reads of any verifier (`contracts/src/IStrait.sol`).
    interface IVerifierView {
        function rootAt(uint64 height) external view returns (uint64 chain, bool frozen, bytes32 root);
        function latestHeight() external view returns (uint64);
    }
}

/// Which EVM chain to ask, and how far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmStatusConfig {
    /// The node's JSON-RPC URL (HTTP).
    pub url: String,
    /// The `StraitEndpoint` contract.
    pub endpoint: Address,
    /// The token application, for a transfer's queued credit (`None`: not asked).
    pub token_app: Option<Address>,
    /// The first block of the log scan: the endpoint's deployment (0: genesis).
    pub from_block: u64,
    /// Most blocks of one `eth_getLogs` request (at least 1).
    pub max_log_range: u64,
    /// Most log requests of one query (at least 1): a longer scan is refused
    /// ([`StatusError::TooManyBlocks`]).
    pub max_log_requests: u64,
    /// How long one request may take.
    pub rpc_timeout: Duration,
}

impl EvmStatusConfig {
    /// Asks `endpoint` at `url`, scanning from genesis with the default bounds.
    pub fn new(url: impl Into<String>, endpoint: Address) -> Self {
        Self {
            url: url.into(),
            endpoint,
            token_app: None,
            from_block: 0,
            max_log_range: DEFAULT_MAX_LOG_RANGE,
            max_log_requests: DEFAULT_MAX_LOG_REQUESTS,
            rpc_timeout: DEFAULT_RPC_TIMEOUT,
        }
    }
}

/// Why a status query failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// A request failed or its answer does not decode (`is_transient` tells which may succeed
    /// later).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A log of the message does not check out: a faulty or hostile node.
    #[error("chain {chain}: {source}")]
    BadLog {
        /// The chain.
        chain: ChainId,
        /// What is wrong.
        source: LogError,
    },
    /// The blocks to scan need more log requests than allowed.
    #[error("chain {chain}: blocks {from}..={head} need {needed} log requests of {range} blocks, more than {max}: give a later first block")]
    TooManyBlocks {
        /// The chain.
        chain: ChainId,
        /// First block.
        from: u64,
        /// The head.
        head: u64,
        /// Blocks per request.
        range: u64,
        /// Requests needed.
        needed: u64,
        /// Requests allowed.
        max: u64,
    },
    /// A queue page larger than [`MAX_QUEUE_PAGE`] ids.
    #[error("a queue page of {limit} ids: at most {MAX_QUEUE_PAGE}")]
    PageTooLarge {
        /// The ids asked for.
        limit: u32,
    },
    /// The token application's queue was asked of a reader given none.
    #[error("no token application given")]
    NoTokenApp,
}

impl StatusError {
    /// Whether the same query may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Chain(e) if e.is_transient())
    }
}

/// What a message sent from this chain paid (`[STRAIT-EVM-SRC.4]`), amounts in wei: the payment
/// its `FeeLocked` log locked, and once its outcome settled how its `FeeSplit` log split it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmFee {
    /// Who paid.
    pub payer: Address,
    /// Gas bought on the destination.
    pub gas_limit: u64,
    /// Locked (the call's value, the quote and any excess).
    pub amount: U256,
    /// How it was split at settlement (`[STRAIT-FEE.8]`), once settled.
    pub split: Option<EvmFeeSplit>,
}

/// How a payment was split at settlement (`[STRAIT-FEE.8]`), amounts in wei.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmFeeSplit {
    /// The destination's deliverer.
    pub deliverer: Address,
    /// Owed to it.
    pub to_deliverer: U256,
    /// The relayer that proved the outcome back.
    pub relayer: Address,
    /// Owed to it.
    pub ack_fee: U256,
    /// Owed back to the payer.
    pub refund: U256,
}

/// What one EVM chain says of a message, in the terms of the native chains' `messageStatus`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvmMessageStatus {
    /// This chain neither sent nor received it (in the blocks scanned).
    Unknown,
    /// This chain sent it.
    Sent {
        /// The block of its `Sent` log.
        height: Height,
        /// Its outbox leaf.
        leaf_index: u64,
        /// Its packet (checked against the id).
        packet: Packet,
        /// Whether it still awaits its outcome (`isAwaiting`).
        awaiting_outcome: bool,
        /// What it paid (`None`: sent unpaid).
        fee: Option<Box<EvmFee>>,
    },
    /// This chain received it.
    Received {
        /// The block of its `Received` log (its receipt's height).
        height: Height,
        /// Its source chain, from the packet of the delivering transaction (`None`: delivered
        /// through a contract whose call this reader does not decode).
        source_chain: Option<ChainId>,
        /// Its route.
        route: RouteId,
        /// Its nonce on the route.
        nonce: Nonce,
        /// Its latest outcome: the receipt's, a later retry's, or the final one.
        outcome: Outcome,
        /// A failed execution not final yet (`failure(id)` attempts > 0, no `Finalized`).
        retryable: bool,
    },
}

/// The destination's verifier of a receiver's messages from a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierView {
    /// The verifier (`verifierOf`).
    pub verifier: Address,
    /// Its latest verified source height (`None`: it has no `latestHeight`).
    pub latest_height: Option<Height>,
    /// Whether it is frozen (its `rootAt` at the latest height).
    pub frozen: bool,
    /// Whether it has a root at the latest height.
    pub has_root: bool,
}

impl VerifierView {
    /// Whether a message sent at `sent_at` can be delivered under this verifier now.
    pub fn proves(&self, sent_at: Height) -> bool {
        !self.frozen && self.has_root && self.latest_height.is_some_and(|h| h >= sent_at)
    }
}

/// A transfer queued by the token application's rate limits on an EVM chain (`docs/SPEC.md`
/// §9.1, `TokenLimits.Item`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmQueuedTransfer {
    /// Queue id (what `cancel` takes).
    pub id: u64,
    /// Outbound (debited, not sent), else inbound (received, the credit waiting).
    pub outbound: bool,
    /// The chain at the other end.
    pub remote_chain: ChainId,
    /// The ERC-20 (a voucher or a registered token).
    pub token: Address,
    /// Its denomination on this chain.
    pub denom: String,
    /// The amount.
    pub amount: u128,
    /// Who may cancel it: the sender (out) or the recipient (in).
    pub owner: Address,
    /// The recipient (out) or the original sender (in).
    pub counterparty: Address32,
    /// The transfer's timeout height and timestamp (ms) when sent (0: none).
    pub timeout_height: u64,
    /// See `timeout_height`.
    pub timeout_timestamp_ms: u64,
    /// Whether its denomination is paused now (it is not released while paused).
    pub paused: bool,
}

/// A page of the token application's queue on an EVM chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvmTokenQueue {
    /// Items still queued with ids in the page's range.
    pub items: Vec<EvmQueuedTransfer>,
    /// The last queue id given (0: none yet).
    pub last_id: u64,
}

/// Reads where messages are on one EVM chain.
#[derive(Clone, Debug)]
pub struct EvmStatusReader {
    rpc: SourceRpc,
    /// The endpoint's fee contract (`fees()`), whose logs say what messages paid.
    fees: Address,
    token_app: Option<Address>,
    from_block: u64,
    max_log_range: u64,
    max_log_requests: u64,
}

impl EvmStatusReader {
    /// Connects: reads the chain id and checks that the endpoint has code.
    pub async fn connect(config: EvmStatusConfig) -> Result<Self, StatusError> {
        let url = config.url.parse().map_err(|e| ChainError::Refused {
            chain: ChainId(0),
            what: "connect",
            reason: format!("bad RPC URL {}: {e}", config.url),
        })?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(url)
            .erased();
        let mut rpc = SourceRpc {
            provider,
            chain: ChainId(0),
            endpoint: config.endpoint,
            timeout: config.rpc_timeout,
        };
        rpc.chain = ChainId(rpc.chain_id().await?);
        if !rpc.endpoint_deployed().await? {
            return Err(rpc
                .refused(
                    "connect",
                    format!("no contract at the endpoint address {}", rpc.endpoint),
                )
                .into());
        }
        let fees = rpc
            .call(rpc.endpoint, StraitEndpoint::feesCall {}.abi_encode())
            .await?;
        let fees = StraitEndpoint::feesCall::abi_decode_returns(&fees)
            .map_err(|e| rpc.bad("eth_call", format!("fees() returned {e}")))?;
        Ok(Self {
            rpc,
            fees,
            token_app: config.token_app,
            from_block: config.from_block,
            max_log_range: config.max_log_range.max(1),
            max_log_requests: config.max_log_requests.max(1),
        })
    }

    /// The chain's id (its EIP-155 id).
    pub fn chain_id(&self) -> ChainId {
        self.rpc.chain
    }

    /// The endpoint.
    pub fn endpoint(&self) -> Address {
        self.rpc.endpoint
    }

    /// Where message `id` is, as this chain tells it.
    pub async fn message_status(&self, id: MessageId) -> Result<EvmMessageStatus, StatusError> {
        let events = self.events_of(id).await?;
        let bad = |source| StatusError::BadLog {
            chain: self.rpc.chain,
            source,
        };
        let f = logs::fold(id, events).map_err(bad)?;
        if let Some((block, leaf_index, packet)) = f.sent {
            let awaiting_outcome = self
                .call(
                    self.rpc.endpoint,
                    StraitEndpoint::isAwaitingCall {
                        id: B256::from(id.0),
                    },
                )
                .await?;
            // [STRAIT-SETTLE.4] a Settled log and an awaiting record cannot both be.
            if f.settled && awaiting_outcome {
                return Err(self
                    .rpc
                    .bad(
                        "isAwaiting",
                        format!("message {id} settled and still awaiting"),
                    )
                    .into());
            }
            return Ok(EvmMessageStatus::Sent {
                height: Height(block),
                leaf_index,
                packet,
                awaiting_outcome,
                fee: f.fee.map(Box::new),
            });
        }
        let (Some((receipt, tx)), Some(outcome)) = (f.received, f.outcome) else {
            return Ok(EvmMessageStatus::Unknown);
        };
        let retryable = matches!(outcome, Outcome::Failed(_))
            && !f.finalized
            && self
                .call(
                    self.rpc.endpoint,
                    StraitEndpoint::failureCall {
                        id: B256::from(id.0),
                    },
                )
                .await?
                .attempts
                > 0;
        Ok(EvmMessageStatus::Received {
            height: receipt.height,
            source_chain: self.source_of(id, tx).await?,
            route: receipt.route,
            nonce: receipt.nonce,
            outcome,
            retryable,
        })
    }

    /// The verifier this endpoint applies to `receiver`'s messages from `source`, and how far it
    /// verified (`None`: no verifier, nothing can be delivered).
    pub async fn verifier_of(
        &self,
        receiver: Address32,
        source: ChainId,
    ) -> Result<Option<VerifierView>, StatusError> {
        let verifier = self
            .call(
                self.rpc.endpoint,
                StraitEndpoint::verifierOfCall {
                    receiver: B256::from(receiver.0),
                    sourceChain: source.get(),
                },
            )
            .await?;
        if verifier.is_zero() {
            return Ok(None);
        }
        // A verifier without `latestHeight` (not every kind has it) proves nothing here.
        let latest = match self
            .call(verifier, IVerifierView::latestHeightCall {})
            .await
        {
            Ok(latest) => latest,
            Err(e) if e.is_transient() => return Err(e),
            Err(_) => {
                return Ok(Some(VerifierView {
                    verifier,
                    latest_height: None,
                    frozen: false,
                    has_root: false,
                }))
            }
        };
        let at = self
            .call(verifier, IVerifierView::rootAtCall { height: latest })
            .await?;
        if at.chain != source.get() && !at.root.is_zero() {
            return Err(self
                .rpc
                .bad(
                    "rootAt",
                    format!("the verifier of chain {source} follows chain {}", at.chain),
                )
                .into());
        }
        Ok(Some(VerifierView {
            verifier,
            latest_height: Some(Height(latest)),
            frozen: at.frozen,
            has_root: !at.root.is_zero(),
        }))
    }

    /// Whether a delivery waits for an unpause: `endpointPaused`, or `routePaused` of `route`
    /// when given.
    pub async fn paused(&self, route: Option<RouteId>) -> Result<bool, StatusError> {
        let endpoint = self
            .call(self.rpc.endpoint, StraitEndpoint::endpointPausedCall {})
            .await?;
        let Some(route) = route.filter(|_| !endpoint) else {
            return Ok(endpoint);
        };
        self.call(
            self.rpc.endpoint,
            StraitEndpoint::routePausedCall {
                route: B256::from(route.0),
            },
        )
        .await
    }

    /// Whether the token application's queued item `queue_id` still waits (`None`: no token
    /// application given).
    pub async fn credit_waiting(&self, queue_id: u64) -> Result<Option<bool>, StatusError> {
        let Some(app) = self.token_app else {
            return Ok(None);
        };
        let item = self
            .call(app, StraitTokenApp::queuedCall { id: queue_id })
            .await?;
        Ok(Some(!item.token.is_zero()))
    }

    /// The token application's items still queued with ids in `[from, from + limit)`
    /// (`limit` at most [`MAX_QUEUE_PAGE`]), as the native chain's `tokenQueue` pages them: the
    /// last id given, then each id's `queued` item (a cancelled or released one is empty), its
    /// denomination and whether it is paused, one `eth_call` each, in order.
    pub async fn token_queue(&self, from: u64, limit: u32) -> Result<EvmTokenQueue, StatusError> {
        if limit > MAX_QUEUE_PAGE {
            return Err(StatusError::PageTooLarge { limit });
        }
        let app = self.token_app.ok_or(StatusError::NoTokenApp)?;
        let last_id = self.call(app, StraitTokenApp::lastQueueIdCall {}).await?;
        let from = from.max(1);
        let mut page = EvmTokenQueue {
            items: Vec::new(),
            last_id,
        };
        // Denomination and pause switch per token, read once a page.
        let mut tokens: Vec<(Address, String, bool)> = Vec::new();
        for id in (from..from.saturating_add(u64::from(limit))).take_while(|id| *id <= last_id) {
            let item = self.call(app, StraitTokenApp::queuedCall { id }).await?;
            if item.token.is_zero() {
                continue;
            }
            let (denom, paused) = match tokens.iter().find(|(t, _, _)| *t == item.token) {
                Some((_, denom, paused)) => (denom.clone(), *paused),
                None => {
                    let denom = self
                        .call(app, StraitTokenApp::denomOfCall { token: item.token })
                        .await?;
                    let topic = self
                        .call(
                            app,
                            StraitTokenApp::topicOfCall {
                                denom: denom.clone(),
                            },
                        )
                        .await?;
                    let paused = self
                        .call(app, StraitTokenApp::topicPausedCall { topic })
                        .await?;
                    tokens.push((item.token, denom.clone(), paused));
                    (denom, paused)
                }
            };
            page.items.push(EvmQueuedTransfer {
                id,
                outbound: item.direction == 0,
                remote_chain: ChainId(item.remote),
                token: item.token,
                denom,
                amount: item.amount,
                owner: item.owner,
                counterparty: Address32(item.counterparty.0),
                timeout_height: item.timeoutHeight,
                timeout_timestamp_ms: item.timeoutTimestamp,
                paused,
            });
        }
        Ok(page)
    }

    /// Every log of message `id` from the first block to the head, in chain order, checked.
    async fn events_of(&self, id: MessageId) -> Result<Vec<logs::IdEvent>, StatusError> {
        let head = self.rpc.head().await?;
        let from = self.from_block;
        if from > head {
            return Ok(Vec::new());
        }
        let range = self.max_log_range;
        let needed = (head - from) / range + 1;
        if needed > self.max_log_requests {
            return Err(StatusError::TooManyBlocks {
                chain: self.rpc.chain,
                from,
                head,
                range,
                needed,
                max: self.max_log_requests,
            });
        }
        let mut found = Vec::new();
        let mut start = from;
        while start <= head {
            let end = start.saturating_add(range - 1).min(head);
            let filter = Filter::new()
                .address(vec![self.rpc.endpoint, self.fees])
                .event_signature(logs::ID_EVENTS.to_vec())
                .topic1(B256::from(id.0))
                .from_block(start)
                .to_block(end);
            let page = self.rpc.logs(&filter).await?;
            if found.len() + page.len() > MAX_LOGS_PER_MESSAGE {
                return Err(StatusError::BadLog {
                    chain: self.rpc.chain,
                    source: LogError::TooMany {
                        id,
                        max: MAX_LOGS_PER_MESSAGE,
                    },
                });
            }
            for log in &page {
                let index = log.log_index.ok_or(LogError::Incomplete {
                    missing: "log index",
                });
                let event =
                    logs::decode(&self.rpc, self.fees, id, log, start, end).and_then(|event| {
                        let block = log.block_number.unwrap_or_default();
                        Ok(((block, index?), event))
                    });
                found.push(event.map_err(|source| StatusError::BadLog {
                    chain: self.rpc.chain,
                    source,
                })?);
            }
            if end == u64::MAX {
                break;
            }
            start = end + 1;
        }
        found.sort_by_key(|(at, _)| *at);
        Ok(found.into_iter().map(|(_, event)| event).collect())
    }

    /// The source chain of message `id`, from the packet of the transaction that delivered it
    /// (`receiveBatch` or `receiveMessage` on the endpoint, maybe through a verifier's
    /// `verifyAndCall`, `verifyAndCallPacked` or `verifyAndCallCompact`; `None` for another call).
    async fn source_of(&self, id: MessageId, tx: B256) -> Result<Option<ChainId>, StatusError> {
        let Some(input) = self.rpc.transaction_input(tx).await? else {
            return Ok(None);
        };
        Ok(source_in_calldata(&input, id))
    }

    /// `eth_call` of `call` on `to` at the head, its return decoded.
    async fn call<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, StatusError> {
        let out = self.rpc.call(to, call.abi_encode()).await?;
        C::abi_decode_returns(&out).map_err(|e| {
            self.rpc
                .bad("eth_call", format!("{} returned {e}", C::SIGNATURE))
                .into()
        })
    }
}

alloy::sol! {
    /// The native light client's compact verify-and-deliver call (its `verifyAndCall` and the
    /// committees' share the committee binding's selector): an update, then `data` called on
    /// `target` (ADR 0013, ADR 0027).
    function verifyAndCallCompact(bytes u, address target, bytes data);
}

/// Most verify-and-deliver calls one delivery is looked for inside (one per verifier of a
/// route's config that a relayer could nest).
const MAX_WRAPPED_CALLS: usize = 4;

/// The source chain of message `id` if `input` is a `receiveBatch` or `receiveMessage` call
/// carrying its packet, or a verifier's `verifyAndCall`, `verifyAndCallPacked` or
/// `verifyAndCallCompact` wrapping one
/// (at most [`MAX_WRAPPED_CALLS`] deep).
pub(crate) fn source_in_calldata(input: &[u8], id: MessageId) -> Option<ChainId> {
    let mut input = alloy::primitives::Bytes::copy_from_slice(input);
    for _ in 0..MAX_WRAPPED_CALLS {
        input = if let Some((_, _, data)) = crate::abi::packed::split(&input) {
            alloy::primitives::Bytes::copy_from_slice(data)
        } else if let Ok(call) = EcdsaCommitteeVerifier::verifyAndCallCall::abi_decode(&input) {
            call.data
        } else if let Ok(call) = verifyAndCallCompactCall::abi_decode(&input) {
            call.data
        } else {
            break;
        };
    }
    let packets: Vec<alloy::primitives::Bytes> =
        if let Ok(call) = StraitEndpoint::receiveBatchCall::abi_decode(&input) {
            call.packets
        } else if let Ok(call) = StraitEndpoint::receiveMessageCall::abi_decode(&input) {
            vec![call.packet]
        } else {
            return None;
        };
    packets.iter().find_map(|encoded| {
        (Packet::id_of_encoding(encoded) == id)
            .then(|| Packet::decode(encoded).ok())
            .flatten()
            .map(|p| p.source_chain)
    })
}
