//! The way back: outcomes proven to the source (`[STRAIT-SETTLE.1]` to `[STRAIT-SETTLE.5]`).
//!
//! The destination commits each message's outcome the way it commits anything it sends: in an
//! **outcome message** in its own outbox, sent by the endpoint itself ([`endpoint_address`]) to the
//! message's sender on the source chain; the outcomes of consecutive messages of one delivery
//! that share a sender go in one ([`PendingOutcomes`], ADR 0024). Relayers carry it back like any
//! message, proven against the destination's outbox root that the source's client verified, and
//! batched the same way. It takes no route nonce (its nonce is its outbox position plus one) and is
//! received while it has something to settle ([`has_open_entry`], ADR 0033): its settled entries,
//! not a bitmap, keep it from settling twice. The source endpoint keeps a record of every message
//! awaiting its outcome, and hands
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

/// Version byte of an outcome message's payload (3: entries under one deliverer, `[STRAIT-SETTLE.3]`,
/// ADR 0024).
pub const OUTCOME_PAYLOAD_VERSION: u8 = 3;

/// Most entries in one outcome message: a batch's messages (`[STRAIT-SETTLE.3]`).
pub const MAX_OUTCOME_ENTRIES: usize = crate::MAX_BATCH_LEN;

/// Bytes of an outcome payload before its entries: version, deliverer, count.
const PAYLOAD_HEADER_LEN: usize = 1 + 32 + 2;

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

/// One message's outcome in an outcome message (`[STRAIT-SETTLE.3]`, `[STRAIT-FEE.6]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeEntry {
    /// The message whose outcome this is.
    pub id: MessageId,
    /// Gas the destination metered for the execution that made the outcome final (0 for a
    /// timeout or a finalization, which run nothing).
    pub gas_used: u64,
    /// The outcome.
    pub outcome: Outcome,
}

impl OutcomeEntry {
    /// `message id [32] | gas_used u64 | outcome ([STRAIT-EVENT.1])`, appended to `out`.
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.gas_used.to_be_bytes());
        self.outcome.encode_into(out);
    }
}

/// What an outcome message says (`[STRAIT-SETTLE.3]`, `[STRAIT-FEE.6]`): the outcomes of
/// consecutive messages of one delivery that share a sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomePayload {
    /// The account whose transaction on the destination made the outcomes final (delivered,
    /// retried or finalized the messages): the same account on the source, paid there.
    pub deliverer: Address32,
    /// The outcomes, `1..=`[`MAX_OUTCOME_ENTRIES`] of them, in the order they became final.
    pub entries: Vec<OutcomeEntry>,
}

impl OutcomePayload {
    /// `version u8 (3) | deliverer [32] | count u16 | count × (message id [32] | gas_used u64 |
    /// outcome ([STRAIT-EVENT.1]))`. The count is written as the entries' number; keeping it
    /// within `1..=`[`MAX_OUTCOME_ENTRIES`] is the caller's (the grouping rule does).
    pub fn encode(&self) -> Vec<u8> {
        let mut entries = Vec::with_capacity(self.entries.len() * 48);
        for entry in &self.entries {
            entry.encode_into(&mut entries);
        }
        let count = u16::try_from(self.entries.len()).unwrap_or(u16::MAX);
        encode_payload(&self.deliverer, count, &entries)
    }

    /// Decodes an outcome message's payload; never panics, bounded (the count is checked before
    /// anything is allocated), rejects other versions and trailing bytes.
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
        let deliverer = Address32(r.array()?);
        let count = r.u16()?;
        if count == 0 {
            return Err(strait_primitives::DecodeError::Invalid {
                what: "outcome entry count",
                value: 0,
            }
            .into());
        }
        if usize::from(count) > MAX_OUTCOME_ENTRIES {
            return Err(strait_primitives::DecodeError::TooLarge {
                what: "outcome entry count",
                got: u64::from(count),
                max: MAX_OUTCOME_ENTRIES as u64,
            }
            .into());
        }
        let mut entries = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let id = MessageId(r.array()?);
            let gas_used = r.u64()?;
            let outcome = Outcome::decode_from(&mut r)?;
            entries.push(OutcomeEntry {
                id,
                gas_used,
                outcome,
            });
        }
        r.finish()?;
        Ok(Self { deliverer, entries })
    }
}

/// The payload of `count` entries already encoded one after the other in `entries`.
fn encode_payload(deliverer: &Address32, count: u16, entries: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PAYLOAD_HEADER_LEN + entries.len());
    out.push(OUTCOME_PAYLOAD_VERSION);
    out.extend_from_slice(deliverer.as_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(entries);
    out
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

/// The outcome message being filled during one delivery (`[STRAIT-SETTLE.3]`): outcomes join it
/// while they go to the same sender on the same chain and it stays within the payload bound and
/// [`MAX_OUTCOME_ENTRIES`]; [`Self::flush`] sends it when the delivery ends.
#[derive(Debug, Default)]
pub struct PendingOutcomes {
    open: Option<OpenOutcome>,
}

#[derive(Debug)]
struct OpenOutcome {
    source_chain: ChainId,
    sender: Address32,
    count: u16,
    /// The payload's entries, encoded (the header is written when it is sent).
    entries: Vec<u8>,
}

impl PendingOutcomes {
    /// Adds the outcome of the received message `packet` (id `id`), unless `packet` is itself an
    /// outcome message (which gets none): it joins the open outcome message or, when it cannot,
    /// the open one is sent and a new one opened with it.
    pub fn push<C: EndpointWriter + ?Sized>(
        &mut self,
        ctx: &mut C,
        packet: &Packet,
        entry: OutcomeEntry,
    ) {
        if is_outcome_message(packet) {
            return;
        }
        self.push_to(ctx, packet.source_chain, packet.sender, &entry);
    }

    pub(crate) fn push_to<C: EndpointWriter + ?Sized>(
        &mut self,
        ctx: &mut C,
        source_chain: ChainId,
        sender: Address32,
        entry: &OutcomeEntry,
    ) {
        let mut encoded = Vec::with_capacity(48);
        entry.encode_into(&mut encoded);
        if let Some(open) = &mut self.open {
            let fits = open.source_chain == source_chain
                && open.sender == sender
                && usize::from(open.count) < MAX_OUTCOME_ENTRIES
                && PAYLOAD_HEADER_LEN + open.entries.len() + encoded.len()
                    <= strait_packet::MAX_PAYLOAD_LEN;
            if fits {
                open.count += 1;
                open.entries.extend_from_slice(&encoded);
                return;
            }
        }
        self.flush(ctx);
        self.open = Some(OpenOutcome {
            source_chain,
            sender,
            count: 1,
            entries: encoded,
        });
    }

    /// Sends the open outcome message, if any: sender [`endpoint_address`], unordered, no
    /// timeout, the host's deliverer (`[STRAIT-FEE.6]`). Only a full outbox or an exhausted route
    /// refuses it (the receipts stand either way).
    pub fn flush<C: EndpointWriter + ?Sized>(&mut self, ctx: &mut C) {
        let Some(open) = self.open.take() else {
            return;
        };
        let payload = encode_payload(&ctx.deliverer(), open.count, &open.entries);
        let request = SendRequest {
            sender: endpoint_address(),
            destination_chain: open.source_chain,
            receiver: open.sender,
            options: DeliveryOptions::default(),
            payload,
        };
        // Refused only by a full outbox or an exhausted route; the receipts stand either way.
        let _sent = crate::send::validate_send_unchecked(ctx, request)
            .and_then(|packet| crate::send::execute_send(ctx, packet))
            .is_ok();
    }
}

/// `[STRAIT-SETTLE.3]` Sends `outcome` of message `id` to `sender` on `source_chain` as an outcome
/// message of one entry (a retry or a finalization: a delivery of its own).
pub(crate) fn send_outcome_to<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    source_chain: ChainId,
    sender: Address32,
    entry: &OutcomeEntry,
) {
    let mut pending = PendingOutcomes::default();
    pending.push_to(ctx, source_chain, sender, entry);
    pending.flush(ctx);
}

/// `[STRAIT-RECV.6]` for outcome message `packet` (id `id`, ADR 0033): whether it may be received,
/// that is, it has no failure record (a failed one is retried, `[STRAIT-RETRY.2]`) and one of its
/// entries is open: its message awaits an outcome, sent by `packet`'s receiver to `packet`'s source
/// chain. A payload that does not decode has none. So an outcome message is received again only
/// while it has something to settle, and a settled entry never settles again: its record is gone.
pub fn has_open_entry<C: crate::EndpointReader + ?Sized>(
    ctx: &C,
    packet: &Packet,
    id: &MessageId,
) -> bool {
    if ctx.failed_message(id).is_some() {
        return false;
    }
    let Ok(payload) = OutcomePayload::decode(&packet.payload) else {
        return false;
    };
    payload.entries.iter().any(|entry| {
        ctx.awaited_outcome(&entry.id).is_some_and(|awaited| {
            awaited.sender == packet.receiver && awaited.destination_chain == packet.source_chain
        })
    })
}

/// `[STRAIT-SETTLE.4]` Settles the sent messages an outcome message reports, each entry on its own:
/// one that awaits no outcome was settled already (by an earlier execution of this outcome
/// message, or an entry before it) and is skipped; one sent by another sender or to another chain
/// is refused and stays awaiting; otherwise the record is deleted and the application's callback
/// runs (its writes reverted by the host and the record put back if it fails), then the locked
/// fee is paid out (`[STRAIT-FEE.8]`) and `Settled` emitted. What the receipt of the outcome
/// message records: `Ok(())` when nothing was refused or failed, else the first refusal or
/// failure; a retry settles what still awaits.
pub fn settle<C: EndpointWriter + ?Sized>(ctx: &mut C, packet: &Packet) -> Result<(), AppError> {
    let refused = |reason: String| AppError {
        code: SETTLE_REFUSED,
        reason,
    };
    let OutcomePayload { deliverer, entries } = OutcomePayload::decode(&packet.payload)
        .map_err(|e| refused(format!("malformed outcome message: {e}")))?;
    let mut first_error = None;
    for OutcomeEntry {
        id,
        gas_used,
        outcome,
    } in entries
    {
        let Some(awaited) = ctx.awaited_outcome(&id) else {
            continue;
        };
        if awaited.sender != packet.receiver || awaited.destination_chain != packet.source_chain {
            first_error.get_or_insert_with(|| {
                refused(format!(
                    "message {id} was sent by {} to chain {}, not by {} to chain {}",
                    awaited.sender, awaited.destination_chain, packet.receiver, packet.source_chain
                ))
            });
            continue;
        }
        // Effects first: the record is gone while the application runs, so a re-entrant
        // application cannot settle the message again.
        ctx.set_awaited_outcome(&id, None);
        if let Err(e) = ctx.call_app_outcome(&awaited.sender, &id, &outcome) {
            ctx.set_awaited_outcome(&id, Some(awaited));
            first_error.get_or_insert(e);
            continue;
        }
        // [STRAIT-FEE.8] the locked fee is paid out once, with the settlement.
        ctx.settle_fee(&id, &deliverer, gas_used);
        ctx.emit(EndpointEvent::Settled { id, outcome });
    }
    first_error.map_or(Ok(()), Err)
}
