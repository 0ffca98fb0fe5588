//! Sending: `[STRAIT-SEND.1]` to `[STRAIT-SEND.4]`.

use serde::{Deserialize, Serialize};
use strait_merkle::{LeafIndex, MerkleError, MAX_LEAVES};
use strait_packet::{DeliveryOptions, Packet, MAX_PAYLOAD_LEN};
use strait_primitives::{Address32, ChainId, MessageId, Nonce};

use crate::settle::{endpoint_address, is_outcome_message, AwaitedOutcome};
use crate::{EndpointEvent, EndpointReader, EndpointWriter, SendError};

/// What an application asks the endpoint to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRequest {
    /// The sending application (the caller, as authenticated by the host).
    pub sender: Address32,
    /// Destination chain.
    pub destination_chain: ChainId,
    /// Receiving application.
    pub receiver: Address32,
    /// Ordering and timeouts.
    pub options: DeliveryOptions,
    /// Application data.
    pub payload: Vec<u8>,
}

/// A message that was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// Its id.
    pub id: MessageId,
    /// Its position in the outbox.
    pub leaf_index: LeafIndex,
    /// The packet, with its nonce.
    pub packet: Packet,
}

/// Checks a send request and builds its packet with the route's next nonce. Writes nothing.
pub fn validate_send<C: EndpointReader + ?Sized>(
    ctx: &C,
    request: SendRequest,
) -> Result<Packet, SendError> {
    // [STRAIT-PAUSE.2] a paused endpoint sends nothing.
    if ctx.paused(&crate::pause::PauseScope::Endpoint) {
        return Err(SendError::Paused);
    }
    // [STRAIT-SETTLE.1] only the endpoint itself sends as the endpoint.
    if request.sender == endpoint_address() {
        return Err(SendError::ReservedSender(request.sender));
    }
    validate_send_unchecked(ctx, request)
}

/// [`validate_send`] without the reserved-sender check: the endpoint's own outcome messages.
pub(crate) fn validate_send_unchecked<C: EndpointReader + ?Sized>(
    ctx: &C,
    request: SendRequest,
) -> Result<Packet, SendError> {
    let local = ctx.chain_id();
    // [STRAIT-SEND.1] the destination is a configured remote chain.
    if request.destination_chain == local {
        return Err(SendError::DestinationIsLocal(local));
    }
    if !ctx.is_known_chain(request.destination_chain) {
        return Err(SendError::UnknownChain(request.destination_chain));
    }
    // [STRAIT-SEND.2] the payload is within bounds.
    if request.payload.len() > MAX_PAYLOAD_LEN {
        return Err(strait_packet::PacketError::PayloadTooLarge {
            got: request.payload.len(),
            max: MAX_PAYLOAD_LEN,
        }
        .into());
    }
    let mut packet = Packet {
        nonce: Nonce(0),
        source_chain: local,
        sender: request.sender,
        destination_chain: request.destination_chain,
        receiver: request.receiver,
        options: request.options,
        payload: request.payload,
    };
    let outcome = is_outcome_message(&packet);
    if !outcome {
        // [STRAIT-SEND.3] the next nonce of the route; nonces start at 1 and never wrap.
        let route = packet.route().id();
        packet.nonce = ctx
            .last_outbound_nonce(&route)
            .checked_next()
            .ok_or(SendError::NonceOverflow(route))?;
    }
    // [STRAIT-SEND.4] the outbox has room.
    let count = ctx.outbox_count();
    if count >= MAX_LEAVES {
        return Err(MerkleError::TreeFull { max: MAX_LEAVES }.into());
    }
    if outcome {
        // [STRAIT-SETTLE.3] an outcome message takes no route nonce: its nonce is its outbox
        // position plus one (ADR 0033).
        packet.nonce = Nonce(count + 1);
    }
    Ok(packet)
}

/// Records the nonce, appends the id to the outbox and emits [`EndpointEvent::Sent`].
pub fn execute_send<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet: Packet,
) -> Result<Sent, SendError> {
    let encoded = packet.encode();
    let id = Packet::id_of_encoding(&encoded);
    let leaf_index = ctx.append_outbox(&id)?;
    // [STRAIT-SETTLE.2] the message awaits its outcome (an outcome message awaits none, and has
    // no route nonce: [STRAIT-SETTLE.3]).
    if !is_outcome_message(&packet) {
        ctx.set_last_outbound_nonce(&packet.route().id(), packet.nonce);
        ctx.set_awaited_outcome(
            &id,
            Some(AwaitedOutcome {
                sender: packet.sender,
                destination_chain: packet.destination_chain,
            }),
        );
    }
    ctx.emit(EndpointEvent::Sent {
        id,
        destination_chain: packet.destination_chain,
        nonce: packet.nonce,
        leaf_index,
        packet: encoded,
    });
    Ok(Sent {
        id,
        leaf_index,
        packet,
    })
}

/// [`validate_send`] then [`execute_send`].
pub fn send<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    request: SendRequest,
) -> Result<Sent, SendError> {
    let packet = validate_send(ctx, request)?;
    execute_send(ctx, packet)
}
