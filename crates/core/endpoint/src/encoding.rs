//! Canonical encodings of receipts and endpoint events (`docs/SPEC.md` §4.4, `[STRAIT-EVENT.*]`).
//!
//! ```text
//! outcome  = 0x00 | ack_len u32 (<= 4,096) | ack                        Executed
//!          | 0x01 | code u32 | reason_len u32 (<= 256) | reason (UTF-8) Failed
//!          | 0x02                                                        TimedOut
//! receipt  = id [32] | route [32] | nonce u64 (>= 1) | height u64 | outcome
//! event    = 0x01 | leaf_index u32 | packet (§2, the rest of the input)  Sent
//!          | 0x02 | receipt                                              Received
//!          | 0x03 | id [32] | outcome                                     Settled
//!          | 0x04 | receipt                                              Finalized
//! ```
//!
//! A `Sent` event carries only what cannot be derived: its id, destination chain and nonce are
//! those of the packet, so an encoding can never contradict itself. Decoders are bounded, never
//! panic, reject trailing bytes, and whatever decodes re-encodes to the same bytes.

use strait_merkle::LeafIndex;
use strait_packet::{Packet, PacketError};
use strait_primitives::{DecodeError, Height, MessageId, Nonce, Reader, RouteId};

use crate::{AppError, EndpointEvent, Outcome, Receipt, MAX_ACK_LEN};

/// Longest failure reason kept in a receipt, in bytes (`[STRAIT-EVENT.1]`). A longer reason is cut
/// at the last UTF-8 character boundary at or below this length when encoded.
pub const MAX_REASON_LEN: usize = 256;

const OUTCOME_EXECUTED: u8 = 0;
const OUTCOME_FAILED: u8 = 1;
const OUTCOME_TIMED_OUT: u8 = 2;
const EVENT_SENT: u8 = 1;
const EVENT_RECEIVED: u8 = 2;
const EVENT_SETTLED: u8 = 3;
const EVENT_FINALIZED: u8 = 4;

/// Why bytes are not a canonical receipt, outcome or event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// Truncated, trailing bytes, or a length above its bound.
    #[error("malformed encoding: {0}")]
    Decode(#[from] DecodeError),
    /// The packet of a `Sent` event does not decode.
    #[error("malformed packet: {0}")]
    Packet(#[from] PacketError),
    /// The outcome kind is not 0, 1 or 2.
    #[error("unknown outcome kind {kind}")]
    UnknownOutcome {
        /// The kind byte.
        kind: u8,
    },
    /// The event kind is not 1 or 2.
    #[error("unknown event kind {kind}")]
    UnknownEvent {
        /// The kind byte.
        kind: u8,
    },
    /// A failure reason is not valid UTF-8.
    #[error("failure reason is not UTF-8 (valid up to byte {valid_up_to})")]
    ReasonNotUtf8 {
        /// Length of the longest valid prefix.
        valid_up_to: usize,
    },
    /// A receipt's nonce is 0; nonces start at 1.
    #[error("receipt nonce 0 is invalid")]
    ZeroNonce,
}

impl EncodingError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0), of the innermost cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::Packet(e) => e.name(),
            Self::UnknownOutcome { .. } => "UnknownOutcome",
            Self::UnknownEvent { .. } => "UnknownEvent",
            Self::ReasonNotUtf8 { .. } => "ReasonNotUtf8",
            Self::ZeroNonce => "ZeroNonce",
        }
    }
}

/// `reason` cut to at most [`MAX_REASON_LEN`] bytes at a character boundary.
/// `reason` cut to at most [`MAX_REASON_LEN`] bytes, at a character boundary.
pub fn bounded_reason(reason: &str) -> &str {
    let mut end = reason.len().min(MAX_REASON_LEN);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

impl Outcome {
    /// Appends the canonical encoding (`[STRAIT-EVENT.1]`). An acknowledgement is at most
    /// [`MAX_ACK_LEN`] bytes (the endpoint records a longer one as `Failed`); a reason longer than
    /// [`MAX_REASON_LEN`] bytes is cut.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Executed { ack } => {
                debug_assert!(ack.len() <= MAX_ACK_LEN, "acknowledgement over the maximum");
                out.push(OUTCOME_EXECUTED);
                put_bytes(out, ack);
            }
            Self::Failed(e) => {
                out.push(OUTCOME_FAILED);
                out.extend_from_slice(&e.code.to_be_bytes());
                put_bytes(out, bounded_reason(&e.reason).as_bytes());
            }
            Self::TimedOut => out.push(OUTCOME_TIMED_OUT),
        }
    }

    /// Reads an outcome; the caller checks that nothing follows.
    pub fn decode_from(r: &mut Reader<'_>) -> Result<Self, EncodingError> {
        Ok(match r.u8()? {
            OUTCOME_EXECUTED => {
                let len = r.len_u32("acknowledgement length", MAX_ACK_LEN)?;
                Self::Executed {
                    ack: r.bytes(len)?.to_vec(),
                }
            }
            OUTCOME_FAILED => {
                let code = r.u32()?;
                let len = r.len_u32("failure reason length", MAX_REASON_LEN)?;
                let reason = std::str::from_utf8(r.bytes(len)?)
                    .map_err(|e| EncodingError::ReasonNotUtf8 {
                        valid_up_to: e.valid_up_to(),
                    })?
                    .to_owned();
                Self::Failed(AppError { code, reason })
            }
            OUTCOME_TIMED_OUT => Self::TimedOut,
            kind => return Err(EncodingError::UnknownOutcome { kind }),
        })
    }
}

impl Receipt {
    /// Appends the canonical encoding (`[STRAIT-EVENT.2]`).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(self.route.as_bytes());
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.height.to_be_bytes());
        self.outcome.encode_into(out);
    }

    /// The canonical encoding (`[STRAIT-EVENT.2]`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        self.encode_into(&mut out);
        out
    }

    fn decode_from(r: &mut Reader<'_>) -> Result<Self, EncodingError> {
        let id = MessageId(r.array()?);
        let route = RouteId(r.array()?);
        let nonce = Nonce(r.u64()?);
        if nonce.get() == 0 {
            return Err(EncodingError::ZeroNonce);
        }
        let height = Height(r.u64()?);
        let outcome = Outcome::decode_from(r)?;
        Ok(Self {
            id,
            route,
            nonce,
            height,
            outcome,
        })
    }

    /// Decodes untrusted bytes (`[STRAIT-EVENT.2]`). Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader::new(bytes);
        let receipt = Self::decode_from(&mut r)?;
        r.finish()?;
        Ok(receipt)
    }
}

impl EndpointEvent {
    /// The canonical encoding (`[STRAIT-EVENT.3]`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::Sent {
                leaf_index, packet, ..
            } => {
                debug_assert!(leaf_index.is_in_tree(), "leaf index above 2^32");
                out.push(EVENT_SENT);
                out.extend_from_slice(&(leaf_index.get() as u32).to_be_bytes());
                out.extend_from_slice(packet);
            }
            Self::Received(receipt) => {
                out.push(EVENT_RECEIVED);
                receipt.encode_into(&mut out);
            }
            Self::Finalized(receipt) => {
                out.push(EVENT_FINALIZED);
                receipt.encode_into(&mut out);
            }
            Self::Settled { id, outcome } => {
                out.push(EVENT_SETTLED);
                out.extend_from_slice(id.as_bytes());
                outcome.encode_into(&mut out);
            }
        }
        out
    }

    /// Decodes untrusted bytes (`[STRAIT-EVENT.3]`). Never panics. A `Sent` event's id,
    /// destination chain and nonce are derived from its packet.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader::new(bytes);
        match r.u8()? {
            EVENT_SENT => {
                let leaf_index = LeafIndex(r.u32()?.into());
                let encoded = r.bytes(r.remaining())?;
                let packet = Packet::decode(encoded)?;
                Ok(Self::Sent {
                    id: Packet::id_of_encoding(encoded),
                    destination_chain: packet.destination_chain,
                    nonce: packet.nonce,
                    leaf_index,
                    packet: encoded.to_vec(),
                })
            }
            EVENT_RECEIVED => {
                let receipt = Receipt::decode_from(&mut r)?;
                r.finish()?;
                Ok(Self::Received(receipt))
            }
            EVENT_FINALIZED => {
                let receipt = Receipt::decode_from(&mut r)?;
                r.finish()?;
                Ok(Self::Finalized(receipt))
            }
            EVENT_SETTLED => {
                let id = MessageId(r.array()?);
                let outcome = Outcome::decode_from(&mut r)?;
                r.finish()?;
                Ok(Self::Settled { id, outcome })
            }
            kind => Err(EncodingError::UnknownEvent { kind }),
        }
    }
}

impl crate::FailedMessage {
    /// The canonical encoding (`[STRAIT-RETRY.1]`): `source_chain u64 | sender [32] |
    /// receiver [32] | attempts u32 | first_failed_at u64 | the failure as a Failed outcome`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        out.extend_from_slice(&self.source_chain.to_be_bytes());
        out.extend_from_slice(self.sender.as_bytes());
        out.extend_from_slice(self.receiver.as_bytes());
        out.extend_from_slice(&self.attempts.to_be_bytes());
        out.extend_from_slice(&self.first_failed_at.to_be_bytes());
        Outcome::Failed(self.error.clone()).encode_into(&mut out);
        out
    }

    /// Decodes a stored record; never panics, bounded, rejects trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader::new(bytes);
        let source_chain = strait_primitives::ChainId(r.u64()?);
        let sender = strait_primitives::Address32(r.array()?);
        let receiver = strait_primitives::Address32(r.array()?);
        let attempts = r.u32()?;
        let first_failed_at = strait_primitives::Timestamp(r.u64()?);
        let Outcome::Failed(error) = Outcome::decode_from(&mut r)? else {
            return Err(DecodeError::Invalid {
                what: "failed message outcome",
                value: 0,
            }
            .into());
        };
        r.finish()?;
        Ok(Self {
            source_chain,
            sender,
            receiver,
            attempts,
            first_failed_at,
            error,
        })
    }
}

impl crate::AwaitedOutcome {
    /// The canonical encoding (`[STRAIT-SETTLE.2]`): `sender [32] | destination_chain u64`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(40);
        out.extend_from_slice(self.sender.as_bytes());
        out.extend_from_slice(&self.destination_chain.to_be_bytes());
        out
    }

    /// Decodes a stored record; never panics, rejects trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader::new(bytes);
        let sender = strait_primitives::Address32(r.array()?);
        let destination_chain = strait_primitives::ChainId(r.u64()?);
        r.finish()?;
        Ok(Self {
            sender,
            destination_chain,
        })
    }
}
