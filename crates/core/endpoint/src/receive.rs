//! Receiving: `[STRAIT-RECV.1]` to `[STRAIT-RECV.10]`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use strait_merkle::{InclusionProof, MultiProof};
use strait_packet::Packet;
use strait_primitives::{Hash32, Height, MessageId, Nonce, RouteId};

use crate::security::check_route;
use crate::{
    mutation, replay, retry, settle, AppError, EndpointEvent, EndpointReader, EndpointWriter,
    Outcome, Receipt, ReceiveError, MAX_ACK_LEN,
};

/// Most messages in one batch delivery.
pub const MAX_BATCH_LEN: usize = 1024;

/// One message with its inclusion proof against the source outbox root at `proof_height`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The packet as sent.
    pub packet: Packet,
    /// Inclusion of its id in the source outbox.
    pub proof: InclusionProof,
    /// Source height whose verified header carries the outbox root the proof leads to.
    pub proof_height: Height,
}

/// Many messages of one source chain proven by one multiproof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchDelivery {
    /// The packets, in the order of `proof.leaf_indices`.
    pub packets: Vec<Packet>,
    /// Inclusion of all their ids under one root.
    pub proof: MultiProof,
    /// Source height whose verified header carries that root.
    pub proof_height: Height,
}

/// A message that passed every check and may be executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedReceive {
    /// The packet.
    pub packet: Packet,
    /// Its id.
    pub id: MessageId,
    /// Its route id.
    pub route: RouteId,
    /// Whether the destination is past the message's timeout (`[STRAIT-RECV.8]`).
    pub timed_out: bool,
}

/// Checks one delivery without writing anything.
pub fn validate_receive<C: EndpointReader + ?Sized>(
    ctx: &C,
    delivery: &Delivery,
) -> Result<ValidatedReceive, ReceiveError> {
    delivery.packet.validate()?;
    let id = delivery.packet.id();
    // [STRAIT-RECV.5] the proof leads from the id to a root ...
    let root = delivery.proof.compute_root(&id)?;
    check_message(ctx, &delivery.packet, id, &root, delivery.proof_height)
}

/// Every per-message rule, given the root the message's proof leads to.
fn check_message<C: EndpointReader + ?Sized>(
    ctx: &C,
    packet: &Packet,
    id: MessageId,
    root: &Hash32,
    proof_height: Height,
) -> Result<ValidatedReceive, ReceiveError> {
    // [STRAIT-RECV.2] the packet is for this chain.
    let local = ctx.chain_id();
    if packet.destination_chain != local {
        return Err(ReceiveError::WrongDestination {
            got: packet.destination_chain,
            expected: local,
        });
    }
    // [STRAIT-PAUSE.2] nothing of a paused endpoint or route executes; the message waits.
    if let Some(scope) = crate::pause::pause_of(ctx, packet) {
        return Err(ReceiveError::Paused(scope));
    }
    let route = packet.route().id();
    // [STRAIT-RECV.3] the route is known: the receiver (or the host default) has a security config
    // for the source chain; [STRAIT-RECV.4], [STRAIT-RECV.5], [STRAIT-ROUTE.3]-[STRAIT-ROUTE.5]
    // its clients vouch for the root at the proof height.
    let source_chain = packet.source_chain;
    let config = ctx
        .security_config(&packet.receiver, source_chain)
        .ok_or(ReceiveError::UnknownRoute { source_chain })?;
    check_route(ctx, &config, source_chain, root, proof_height)?;
    // [STRAIT-RECV.6] never received before; an outcome message, while it has something to
    // settle and no failure record ([STRAIT-SETTLE.4], ADR 0033).
    let received = if settle::is_outcome_message(packet) {
        !settle::has_open_entry(ctx, packet, &id)
    } else {
        replay::is_received(ctx, &route, packet.nonce)
    };
    if received && !mutation::is_planted(mutation::Mutation::NoReplayCheck) {
        return Err(ReceiveError::AlreadyReceived {
            route,
            nonce: packet.nonce,
        });
    }
    // [STRAIT-RECV.7] an ordered message waits for every earlier nonce of its route: the
    // contiguous counter, then at most MAX_SCAN_WORDS bitmap words above it.
    if packet.options.ordered && !mutation::is_planted(mutation::Mutation::NoOrderCheck) {
        replay::check_order(ctx, &route, packet.nonce)?;
    }
    // [STRAIT-RECV.8] past its timeout, the message is recorded as timed out and not executed.
    let timed_out = packet
        .options
        .is_timed_out(ctx.host_height(), ctx.host_timestamp());
    Ok(ValidatedReceive {
        packet: packet.clone(),
        id,
        route,
        timed_out,
    })
}

/// Marks the message received, calls the application (unless timed out), records the receipt and
/// emits [`EndpointEvent::Received`] (`[STRAIT-RECV.9]`, `[STRAIT-RECV.10]`).
///
/// Effects come before the application call, so a re-entrant application cannot replay the message.
pub fn execute_receive<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    valid: ValidatedReceive,
) -> Receipt {
    let mut outcomes = settle::PendingOutcomes::default();
    let receipt = execute_into(ctx, valid, &mut outcomes);
    outcomes.flush(ctx);
    receipt
}

/// [`execute_receive`] with the outcome joining `outcomes`, the delivery's open outcome message
/// (`[STRAIT-SETTLE.3]`): a batch sends it after its last message.
fn execute_into<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    valid: ValidatedReceive,
    outcomes: &mut settle::PendingOutcomes,
) -> Receipt {
    // An outcome message is marked by nothing: its settled entries are ([STRAIT-SETTLE.4]).
    if !settle::is_outcome_message(&valid.packet) {
        replay::mark_received(ctx, &valid.route, valid.packet.nonce);
    }
    let (outcome, gas_used) = if valid.timed_out && !settle::is_outcome_message(&valid.packet) {
        (Outcome::TimedOut, 0)
    } else {
        let outcome = run(ctx, &valid.packet, &valid.id);
        (outcome, ctx.app_gas_used())
    };
    let receipt = Receipt {
        id: valid.id,
        route: valid.route,
        nonce: valid.packet.nonce,
        height: ctx.host_height(),
        outcome,
    };
    ctx.record_receipt(receipt.clone());
    ctx.emit(EndpointEvent::Received(receipt.clone()));
    if let Outcome::Failed(error) = &receipt.outcome {
        // [STRAIT-RETRY.1] a failed execution is not final yet: it may be retried, and its
        // outcome goes back when it is finalized.
        retry::record_failure(ctx, &valid.packet, &valid.id, error.clone());
    } else {
        // [STRAIT-SETTLE.3] the outcome goes back to the sender.
        outcomes.push(
            ctx,
            &valid.packet,
            settle::OutcomeEntry {
                id: valid.id,
                gas_used,
                outcome: receipt.outcome.clone(),
            },
        );
    }
    receipt
}

/// Executes a message that is not timed out: settles an outcome message (`[STRAIT-SETTLE.4]`:
/// no timeout, no outcome of its own), or calls the receiving application.
pub(crate) fn run<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet: &Packet,
    id: &MessageId,
) -> Outcome {
    let result = if settle::is_outcome_message(packet) {
        settle::settle(ctx, packet).map(|()| Vec::new())
    } else {
        ctx.call_app(packet, id)
    };
    match result {
        Ok(ack) if ack.len() <= MAX_ACK_LEN => Outcome::Executed { ack },
        Ok(ack) => Outcome::Failed(AppError {
            code: u32::MAX,
            reason: format!(
                "acknowledgement of {} bytes exceeds {MAX_ACK_LEN}",
                ack.len()
            ),
        }),
        // The recorded reason is bounded as its encoding is (`[STRAIT-EVENT.1]`), so the
        // receipt in memory is the receipt stored and proven.
        Err(e) => Outcome::Failed(AppError {
            code: e.code,
            reason: crate::encoding::bounded_reason(&e.reason).to_owned(),
        }),
    }
}

/// What a permissionless advance did to a route's contiguous counter (`[STRAIT-RECV.11]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advanced {
    /// The route.
    pub route: RouteId,
    /// The counter before.
    pub from: Nonce,
    /// The counter after.
    pub to: Nonce,
}

/// Moves the contiguous counter of an inbound route through received nonces, reading at most
/// [`replay::MAX_ADVANCE_WORDS`] bitmap words (`[STRAIT-RECV.11]`). Anyone may call it, any number
/// of times: it only ever records what the bitmap already proves, and never fails.
pub fn advance_inbound<C: EndpointWriter + ?Sized>(ctx: &mut C, route: &RouteId) -> Advanced {
    let (from, to) = replay::advance(ctx, route, replay::MAX_ADVANCE_WORDS);
    Advanced {
        route: *route,
        from,
        to,
    }
}

/// [`validate_receive`] then [`execute_receive`].
pub fn receive<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    delivery: &Delivery,
) -> Result<Receipt, ReceiveError> {
    let valid = validate_receive(ctx, delivery)?;
    Ok(execute_receive(ctx, valid))
}

/// Checks the shape of a batch and its multiproof; returns the message ids and the root.
pub fn validate_batch(batch: &BatchDelivery) -> Result<(Vec<MessageId>, Hash32), ReceiveError> {
    let n = batch.packets.len();
    if n == 0 || n > MAX_BATCH_LEN {
        return Err(ReceiveError::BatchSize {
            got: n,
            max: MAX_BATCH_LEN,
        });
    }
    let first = batch.packets[0].source_chain;
    let mut seen = BTreeSet::new();
    let mut ids = Vec::with_capacity(n);
    for packet in &batch.packets {
        if packet.source_chain != first {
            return Err(ReceiveError::MixedBatch {
                first,
                other: packet.source_chain,
            });
        }
        packet.validate()?;
        let route = packet.route().id();
        if !seen.insert((route, packet.nonce)) {
            return Err(ReceiveError::DuplicateInBatch {
                route,
                nonce: packet.nonce,
            });
        }
        ids.push(packet.id());
    }
    let root = batch.proof.compute_root(&ids)?;
    Ok((ids, root))
}

/// Delivers a batch: the multiproof is checked once, then each message is checked and executed in
/// order, so an ordered message may follow its predecessor in the same batch. A message that fails
/// its own checks (for example one another relayer delivered first) is skipped with its error; the
/// others still execute. A batch-level error (shape, proof) rejects the whole batch.
pub fn receive_batch<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    batch: &BatchDelivery,
) -> Result<Vec<Result<Receipt, ReceiveError>>, ReceiveError> {
    let (ids, root) = validate_batch(batch)?;
    // A proof that does not lead to the root verified for the first message fails the whole batch
    // cheaply; every message is still checked against its own receiver's config below.
    let first = &batch.packets[0];
    if let Some(config) = ctx.security_config(&first.receiver, first.source_chain) {
        check_route(ctx, &config, first.source_chain, &root, batch.proof_height)?;
    }
    let mut results = Vec::with_capacity(ids.len());
    let mut outcomes = settle::PendingOutcomes::default();
    for (packet, id) in batch.packets.iter().zip(ids) {
        let checked = check_message(ctx, packet, id, &root, batch.proof_height);
        results.push(checked.map(|valid| execute_into(ctx, valid, &mut outcomes)));
    }
    // [STRAIT-SETTLE.3] the last open outcome message goes when the batch ends.
    outcomes.flush(ctx);
    Ok(results)
}
