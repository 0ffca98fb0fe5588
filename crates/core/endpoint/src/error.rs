//! Endpoint errors: one enum per handler.

use strait_merkle::MerkleError;
use strait_packet::PacketError;
use strait_primitives::{Address32, ChainId, ClientId, Height, Nonce, RouteId};

/// Why a send was refused. Nothing was written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// The packet would be invalid (oversize payload).
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// Messages cannot be sent to the local chain.
    #[error("destination {0} is the local chain")]
    DestinationIsLocal(ChainId),
    /// The destination is not a configured remote chain.
    #[error("unknown destination chain {0}")]
    UnknownChain(ChainId),
    /// The route has used every nonce.
    #[error("route {0} has exhausted its nonces")]
    NonceOverflow(RouteId),
    /// The endpoint is paused by the circuit breaker (`[STRAIT-PAUSE.2]`).
    #[error("the endpoint is paused")]
    Paused,
    /// The sender is the endpoint's own address, which only the endpoint sends as
    /// (`[STRAIT-SETTLE.1]`).
    #[error("{0} is the endpoint's own address")]
    ReservedSender(Address32),
    /// The outbox is full.
    #[error(transparent)]
    Outbox(#[from] MerkleError),
}

/// Why a delivery was refused. Nothing was written and the application was not called.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReceiveError {
    /// The packet breaks a bound of the packet format.
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// The endpoint or the message's route is paused (`[STRAIT-PAUSE.2]`): transient, the message
    /// waits for the unpause.
    #[error("paused: {0:?}")]
    Paused(crate::pause::PauseScope),
    /// The packet is addressed to another chain.
    #[error("packet is for chain {got}, this is chain {expected}")]
    WrongDestination {
        /// Destination in the packet.
        got: ChainId,
        /// This chain.
        expected: ChainId,
    },
    /// No security config can verify messages from this source for this receiver.
    #[error("unknown route: no verifier for source chain {source_chain}")]
    UnknownRoute {
        /// The packet's source chain.
        source_chain: ChainId,
    },
    /// The configured client does not exist.
    #[error("unknown client {0}")]
    UnknownClient(ClientId),
    /// The configured client follows another chain.
    #[error("client {client} follows chain {got}, packet comes from {expected}")]
    ClientChainMismatch {
        /// The client.
        client: ClientId,
        /// Chain the client follows.
        got: ChainId,
        /// The packet's source chain.
        expected: ChainId,
    },
    /// The client was frozen for misbehaviour.
    #[error("client {0} is frozen")]
    ClientFrozen(ClientId),
    /// The client has not verified a header at the proof height (a relayer should update it first).
    #[error("client {client} has no verified root at height {height}")]
    RootNotVerified {
        /// The client.
        client: ClientId,
        /// The proof height.
        height: Height,
    },
    /// Fewer optional clients of the route's config than its threshold verified the proof's root
    /// at the proof height (`[STRAIT-ROUTE.4]`): transient, more may verify it.
    #[error(
        "{got} of the {needed} optional verifiers needed verified the root at height {height}"
    )]
    NotEnoughOptional {
        /// Optional clients that vouch.
        got: usize,
        /// The config's threshold.
        needed: usize,
        /// The proof height.
        height: Height,
    },
    /// A client that counts has not yet verified the source that far above the proof height
    /// (`[STRAIT-ROUTE.5]`): transient, the clients follow the source upwards.
    #[error("root at height {height} not final: needs a verified height {needed}, got {got}")]
    NotFinal {
        /// The proof height.
        height: Height,
        /// The source height the config requires verified.
        needed: Height,
        /// The latest height verified (of the required client, or the threshold-th best optional).
        got: Height,
    },
    /// The inclusion proof does not lead to the verified root.
    #[error("invalid inclusion proof: {0}")]
    Proof(#[from] MerkleError),
    /// The message was received before (replay or duplicate delivery).
    #[error("message {nonce} of route {route} was already received")]
    AlreadyReceived {
        /// The route.
        route: RouteId,
        /// The nonce.
        nonce: Nonce,
    },
    /// An ordered message arrived before an earlier message of its route.
    #[error("ordered message {got} of route {route} waits for nonce {missing}")]
    OutOfOrder {
        /// The route.
        route: RouteId,
        /// Nonce delivered.
        got: Nonce,
        /// Lowest earlier nonce not yet received.
        missing: Nonce,
    },
    /// An ordered message's predecessors could not all be checked within the scan bound: the
    /// route's contiguous counter is too far behind. Transient: an advance of the route
    /// (`[STRAIT-RECV.11]`, permissionless) moves the counter, then the same delivery succeeds if
    /// every earlier nonce was received.
    #[error("ordered message {got} of route {route}: counter at {contiguous}, checked up to {scanned_to}; advance the route first")]
    OrderingBacklog {
        /// The route.
        route: RouteId,
        /// Nonce delivered.
        got: Nonce,
        /// The route's contiguous counter.
        contiguous: Nonce,
        /// Every nonce up to this one was found received before the scan bound.
        scanned_to: Nonce,
    },
    /// The batch is empty or larger than [`crate::MAX_BATCH_LEN`].
    #[error("batch of {got} messages, allowed 1..={max}")]
    BatchSize {
        /// Messages in the batch.
        got: usize,
        /// The maximum.
        max: usize,
    },
    /// Messages of one batch must all come from the same source chain.
    #[error("batch mixes source chains {first} and {other}")]
    MixedBatch {
        /// Source of the first message.
        first: ChainId,
        /// A different source.
        other: ChainId,
    },
    /// A message appears twice in one batch.
    #[error("message {nonce} of route {route} appears twice in the batch")]
    DuplicateInBatch {
        /// The route.
        route: RouteId,
        /// The nonce.
        nonce: Nonce,
    },
}

impl ReceiveError {
    /// Whether the same delivery may succeed later without changing its bytes: the root may get
    /// verified by a header update (of a required client, of more optional ones, of clients above
    /// the finality depth), an earlier ordered message may arrive, the route's counter may be
    /// advanced. Relayers retry only these.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RootNotVerified { .. }
                | Self::NotEnoughOptional { .. }
                | Self::NotFinal { .. }
                | Self::OutOfOrder { .. }
                | Self::OrderingBacklog { .. }
                | Self::Paused(_)
        )
    }
}

impl SendError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0), of the innermost cause: a packet
    /// or outbox failure is named by its own `name()`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Packet(e) => e.name(),
            Self::DestinationIsLocal(_) => "DestinationIsLocal",
            Self::UnknownChain(_) => "UnknownChain",
            Self::NonceOverflow(_) => "NonceOverflow",
            Self::ReservedSender(_) => "ReservedSender",
            Self::Paused => "Paused",
            Self::Outbox(e) => e.name(),
        }
    }
}

impl ReceiveError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0), of the innermost cause: a packet
    /// or proof failure is named by its own `name()`. Every variant is listed, so a new one must be
    /// named here.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Packet(e) => e.name(),
            Self::WrongDestination { .. } => "WrongDestination",
            Self::Paused(_) => "Paused",
            Self::UnknownRoute { .. } => "UnknownRoute",
            Self::UnknownClient(_) => "UnknownClient",
            Self::ClientChainMismatch { .. } => "ClientChainMismatch",
            Self::ClientFrozen(_) => "ClientFrozen",
            Self::RootNotVerified { .. } => "RootNotVerified",
            Self::NotEnoughOptional { .. } => "NotEnoughOptional",
            Self::NotFinal { .. } => "NotFinal",
            Self::Proof(e) => e.name(),
            Self::AlreadyReceived { .. } => "AlreadyReceived",
            Self::OutOfOrder { .. } => "OutOfOrder",
            Self::OrderingBacklog { .. } => "OrderingBacklog",
            Self::BatchSize { .. } => "BatchSize",
            Self::MixedBatch { .. } => "MixedBatch",
            Self::DuplicateInBatch { .. } => "DuplicateInBatch",
        }
    }
}
