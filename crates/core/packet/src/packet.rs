//! Packet layout, encoding and bounded decoding.

use serde::{Deserialize, Serialize};
use strait_primitives::{
    domain, keccak256_concat, Address32, ChainId, DecodeError, Height, MessageId, Nonce, Reader,
    Timestamp,
};

use crate::Route;

/// The only packet version this implementation reads and writes.
pub const VERSION: u8 = 1;
/// Length of the fixed header that precedes the payload (`[STRAIT-PACKET.1]`).
pub const HEADER_LEN: usize = 110;
/// Largest payload a packet may carry: 64 KiB (`[STRAIT-PACKET.3]`).
pub const MAX_PAYLOAD_LEN: usize = 64 * 1024;
/// Flag bit: the message must execute after every earlier message of its route.
pub const FLAG_ORDERED: u8 = 0x01;
const KNOWN_FLAGS: u8 = FLAG_ORDERED;

/// Errors of packet decoding and validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// The bytes are not a well-formed packet.
    #[error("malformed packet: {0}")]
    Decode(#[from] DecodeError),
    /// The payload is larger than [`MAX_PAYLOAD_LEN`].
    #[error("payload of {got} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// Payload length.
        got: usize,
        /// [`MAX_PAYLOAD_LEN`].
        max: usize,
    },
    /// The nonce is 0; the first nonce of a route is 1 (`[STRAIT-PACKET.5]`).
    #[error("nonce 0 is invalid: the first nonce of a route is 1")]
    ZeroNonce,
    /// A flag bit other than the known ones is set (`[STRAIT-PACKET.1]`).
    #[error("unknown flag bits in {flags:#04x}")]
    UnknownFlags {
        /// The flags byte.
        flags: u8,
    },
}

impl PacketError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0), of the innermost cause: a
    /// decoding failure is named by its [`DecodeError::name`].
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::PayloadTooLarge { .. } => "PayloadTooLarge",
            Self::ZeroNonce => "ZeroNonce",
            Self::UnknownFlags { .. } => "UnknownFlags",
        }
    }
}

/// How the destination must deliver a message (`[STRAIT-PACKET.2]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeliveryOptions {
    /// Execute only after every lower nonce of the route has been received.
    pub ordered: bool,
    /// The message times out once the destination chain reaches this height. `None`: no height limit.
    pub timeout_height: Option<Height>,
    /// The message times out once the destination chain's block time reaches this. `None`: no limit.
    pub timeout_timestamp: Option<Timestamp>,
}

impl DeliveryOptions {
    /// Whether a destination block at `height` and `time` is past either timeout
    /// (`[STRAIT-PACKET.4]`: a timeout is reached when the destination value is `>=` it).
    pub fn is_timed_out(&self, height: Height, time: Timestamp) -> bool {
        self.timeout_height.is_some_and(|h| height >= h)
            || self.timeout_timestamp.is_some_and(|t| time >= t)
    }

    fn flags(&self) -> u8 {
        if self.ordered {
            FLAG_ORDERED
        } else {
            0
        }
    }
}

/// A message on its way from one application to another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Packet {
    /// Sequence number on the route, assigned by the source endpoint; the first is 1.
    pub nonce: Nonce,
    /// Chain the message is sent from.
    pub source_chain: ChainId,
    /// Sending application.
    pub sender: Address32,
    /// Chain the message is delivered to.
    pub destination_chain: ChainId,
    /// Receiving application.
    pub receiver: Address32,
    /// Ordering and timeouts.
    pub options: DeliveryOptions,
    /// Application data, at most [`MAX_PAYLOAD_LEN`] bytes.
    pub payload: Vec<u8>,
}

impl Packet {
    /// The route this packet travels along.
    pub fn route(&self) -> Route {
        Route {
            source_chain: self.source_chain,
            sender: self.sender,
            destination_chain: self.destination_chain,
            receiver: self.receiver,
        }
    }

    /// Checks the rules that [`Packet::decode`] enforces, for a packet built in memory: nonce 0 is
    /// refused with the same error as when decoding, then the payload bound (`[STRAIT-PACKET.5]`).
    pub fn validate(&self) -> Result<(), PacketError> {
        if self.nonce.get() == 0 {
            return Err(PacketError::ZeroNonce);
        }
        if self.payload.len() > MAX_PAYLOAD_LEN {
            return Err(PacketError::PayloadTooLarge {
                got: self.payload.len(),
                max: MAX_PAYLOAD_LEN,
            });
        }
        Ok(())
    }

    /// Length of the canonical encoding.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }

    /// Appends the canonical encoding to `out` (`[STRAIT-PACKET.1]`).
    ///
    /// The caller must have checked [`Packet::validate`]; an oversize payload is a bug.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        debug_assert!(
            self.payload.len() <= MAX_PAYLOAD_LEN,
            "payload over the maximum"
        );
        out.reserve(self.encoded_len());
        out.push(VERSION);
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.source_chain.to_be_bytes());
        out.extend_from_slice(self.sender.as_bytes());
        out.extend_from_slice(&self.destination_chain.to_be_bytes());
        out.extend_from_slice(self.receiver.as_bytes());
        out.push(self.options.flags());
        out.extend_from_slice(
            &self
                .options
                .timeout_height
                .map_or(0, Height::get)
                .to_be_bytes(),
        );
        out.extend_from_slice(
            &self
                .options
                .timeout_timestamp
                .map_or(0, Timestamp::get)
                .to_be_bytes(),
        );
        out.extend_from_slice(&(self.payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.payload);
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes. Never panics; every length is checked against its bound before use
    /// (`[STRAIT-PACKET.5]`). Fields are read in order and each is checked as it is read, so the
    /// first failing check names the error (`docs/SPEC.md` §0): `Truncated` for a field that does
    /// not fit, `UnsupportedVersion`, `ZeroNonce`, `UnknownFlags`, `TooLarge` (payload length), then
    /// `Truncated` (payload) and `TrailingBytes`.
    pub fn decode(bytes: &[u8]) -> Result<Self, PacketError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != VERSION {
            return Err(DecodeError::UnsupportedVersion {
                got: version,
                expected: VERSION,
            }
            .into());
        }
        let nonce = Nonce(r.u64()?);
        if nonce.get() == 0 {
            return Err(PacketError::ZeroNonce);
        }
        let source_chain = ChainId(r.u64()?);
        let sender = Address32(r.array()?);
        let destination_chain = ChainId(r.u64()?);
        let receiver = Address32(r.array()?);
        let flags = r.u8()?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(PacketError::UnknownFlags { flags });
        }
        let timeout_height = match r.u64()? {
            0 => None,
            h => Some(Height(h)),
        };
        let timeout_timestamp = match r.u64()? {
            0 => None,
            t => Some(Timestamp(t)),
        };
        let len = r.len_u32("payload length", MAX_PAYLOAD_LEN)?;
        let payload = r.bytes(len)?.to_vec();
        r.finish()?;
        Ok(Self {
            nonce,
            source_chain,
            sender,
            destination_chain,
            receiver,
            options: DeliveryOptions {
                ordered: flags & FLAG_ORDERED != 0,
                timeout_height,
                timeout_timestamp,
            },
            payload,
        })
    }

    /// The message id (`[STRAIT-ID.1]`): `keccak256("STRAIT/MESSAGE/v1" || encode(self))`.
    pub fn id(&self) -> MessageId {
        Self::id_of_encoding(&self.encode())
    }

    /// The message id of an already encoded packet, without decoding it.
    pub fn id_of_encoding(encoded: &[u8]) -> MessageId {
        keccak256_concat(&[domain::MESSAGE_ID, encoded]).into()
    }
}

#[cfg(test)]
mod tests;
