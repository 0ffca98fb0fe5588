//! The way back: outcomes proven to the source (`[STRAIT-SETTLE.1]` to `[STRAIT-SETTLE.5]`).
//!
//! The destination commits each message's outcome the way it commits anything it sends: as an
//! **outcome message** in its own outbox, sent by the endpoint itself ([`endpoint_address`]) to the
//! message's sender on the source chain. Relayers carry it back like any message, proven against the
//! destination's outbox root that the source's client verified, batched and replay-protected the
//! same way. The source endpoint keeps a record of every message awaiting its outcome, and hands
//! the outcome to the sending application exactly once (`on_ack`, `on_failure`, `on_timeout`),
//! deleting the record. An outcome message has no outcome of its own.

use serde::{Deserialize, Serialize};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{keccak256, Address32, ChainId, MessageId, Reader};

use crate::encoding::EncodingError;
use crate::{AppError, EndpointEvent, EndpointWriter, Outcome, SendRequest};

/// The endpoint's own address: the sender of every outcome message (`[STRAIT-SETTLE.1]`),
/// `H("STRAIT/ENDPOINT/v1")`. No account or application can have it: account addresses are keys
/// and application addresses are hashes under other domains; `send` refuses it as a sender.
pub fn endpoint_address() -> Address32 {
    Address32(keccak256(b"STRAIT/ENDPOINT/v1").0)
}

/// Version byte of an outcome message's payload (2: with the deliverer and the gas used,
/// `[STRAIT-FEE.6]`).
pub const OUTCOME_PAYLOAD_VERSION: u8 = 2;

/// Error code of an outcome message that settles nothing (malformed, or for no awaited message).
pub const SETTLE_REFUSED: u32 = 0xffff_fff0;

/// What the source keeps of a sent message until its outcome is proven back (`[STRAIT-SETTLE.2]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitedOutcome {
    /// The sending application: whose callback the outcome goes to.
    pub sender: Address32,
    /// The destination chain: the only chain whose endpoint may settle it.
    pub destination_chain: ChainId,
}

/// What an outcome message says (`[STRAIT-SETTLE.3]`, `[STRAIT-FEE.6]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomePayload {
    /// The message whose outcome this is.
    pub id: MessageId,
    /// The account whose transaction on the destination made the outcome final (delivered,
    /// retried or finalized the message): the same account on the source, paid there.
    pub deliverer: Address32,
    /// Gas the destination metered for the execution that made the outcome final (0 for a
    /// timeout or a finalization, which run nothing).
    pub gas_used: u64,
    /// The outcome.
    pub outcome: Outcome,
}

impl OutcomePayload {
    /// `version u8 (2) | message id [32] | deliverer [32] | gas_used u64 | outcome
    /// ([STRAIT-EVENT.1])`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 32 + 32 + 8 + 8);
        out.push(OUTCOME_PAYLOAD_VERSION);
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(self.deliverer.as_bytes());
        out.extend_from_slice(&self.gas_used.to_be_bytes());
        self.outcome.encode_into(&mut out);
        out
    }

    /// Decodes an outcome message's payload; never panics, bounded, rejects other versions and
    /// trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != OUTCOME_PAYLOAD_VERSION {
            return Err(strait_primitives::DecodeError::UnsupportedVersion {
                got: version,
                expected: OUTCOME_PAYLOAD_VERSION,
            }
            .into());
        }
        let id = MessageId(r.array()?);
        let deliverer = Address32(r.array()?);
        let gas_used = r.u64()?;
        let outcome = Outcome::decode_from(&mut r)?;
        r.finish()?;
        Ok(Self {
            id,
            deliverer,
            gas_used,
            outcome,
        })
    }
}

/// [`OutcomePayload::encode`].
pub fn encode_outcome_payload(payload: &OutcomePayload) -> Vec<u8> {
    payload.encode()
}

/// [`OutcomePayload::decode`].
pub fn decode_outcome_payload(bytes: &[u8]) -> Result<OutcomePayload, EncodingError> {
    OutcomePayload::decode(bytes)
}

/// Whether `packet` is an outcome message (`[STRAIT-SETTLE.1]`).
pub fn is_outcome_message(packet: &Packet) -> bool {
    packet.sender == endpoint_address()
}

/// `[STRAIT-SETTLE.3]` Sends the outcome of the received message `packet` (id `id`) back to its
/// sender, unless `packet` is itself an outcome message. Unordered, no timeout. The payload names
/// the host's deliverer and `gas_used` (`[STRAIT-FEE.6]`). Returns whether it was sent: only a
/// full outbox or an exhausted route refuses it (the receipt stands either way).
pub fn send_outcome<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet: &Packet,
    id: &MessageId,
    outcome: &Outcome,
    gas_used: u64,
) -> bool {
    if is_outcome_message(packet) {
        return false;
    }
    send_outcome_to(
        ctx,
        packet.source_chain,
        packet.sender,
        id,
        outcome,
        gas_used,
    )
}

/// Sends `outcome` of message `id` to `sender` on `source_chain`.
pub(crate) fn send_outcome_to<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    source_chain: ChainId,
    sender: Address32,
    id: &MessageId,
    outcome: &Outcome,
    gas_used: u64,
) -> bool {
    let payload = OutcomePayload {
        id: *id,
        deliverer: ctx.deliverer(),
        gas_used,
        outcome: outcome.clone(),
    };
    let request = SendRequest {
        sender: endpoint_address(),
        destination_chain: source_chain,
        receiver: sender,
        options: DeliveryOptions::default(),
        payload: payload.encode(),
    };
    crate::send::validate_send_unchecked(ctx, request)
        .and_then(|packet| crate::send::execute_send(ctx, packet))
        .is_ok()
}

/// `[STRAIT-SETTLE.4]` Settles the sent message an outcome message reports: checks the payload,
/// that the message awaits an outcome from this destination and was sent by the receiver, deletes
/// the record, then hands the outcome to the application. What the receipt of the outcome message
/// records: `Ok(())` when settled, else why not. When the application's callback fails, the host
/// reverts its writes and the record is put back: the message still awaits its outcome, and the
/// outcome message's failed receipt says why. Settled, the message's locked fee is paid out
/// (`[STRAIT-FEE.8]`).
pub fn settle<C: EndpointWriter + ?Sized>(ctx: &mut C, packet: &Packet) -> Result<(), AppError> {
    let refused = |reason: String| AppError {
        code: SETTLE_REFUSED,
        reason,
    };
    let OutcomePayload {
        id,
        deliverer,
        gas_used,
        outcome,
    } = OutcomePayload::decode(&packet.payload)
        .map_err(|e| refused(format!("malformed outcome message: {e}")))?;
    let awaited = ctx
        .awaited_outcome(&id)
        .ok_or_else(|| refused(format!("message {id} awaits no outcome")))?;
    if awaited.sender != packet.receiver || awaited.destination_chain != packet.source_chain {
        return Err(refused(format!(
            "message {id} was sent by {} to chain {}, not by {} to chain {}",
            awaited.sender, awaited.destination_chain, packet.receiver, packet.source_chain
        )));
    }
    // Effects first: the record is gone while the application runs, so a re-entrant application
    // cannot settle the message again.
    ctx.set_awaited_outcome(&id, None);
    if let Err(e) = ctx.call_app_outcome(&awaited.sender, &id, &outcome) {
        ctx.set_awaited_outcome(&id, Some(awaited));
        return Err(e);
    }
    // [STRAIT-FEE.8] the locked fee is paid out once, with the settlement.
    ctx.settle_fee(&id, &deliverer, gas_used);
    ctx.emit(EndpointEvent::Settled { id, outcome });
    Ok(())
}
