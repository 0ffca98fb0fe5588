//! Recovery of failed execution (`[STRAIT-RETRY.1]` to `[STRAIT-RETRY.4]`).
//!
//! A message whose application failed is received (replay protection holds) but not final: its
//! receipt says `Failed` and the endpoint keeps a record of the failure. Anyone may retry it with
//! the packet (after the application was fixed, or its state changed); a retry that executes makes
//! the outcome `Executed`. The receiving application at any time, or anyone once the retry window
//! has passed, may finalize it as failed. Either way the final outcome goes back to the sender
//! (`[STRAIT-SETTLE.3]`), once. After [`MAX_ATTEMPTS`] failed executions the message is finalized
//! as failed by the last retry: a poison message ends.

use serde::{Deserialize, Serialize};
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, MessageId, Timestamp};

use crate::{settle, AppError, EndpointEvent, EndpointWriter, Outcome, Receipt};

/// Most executions of one message, the first delivery included (`[STRAIT-RETRY.3]`).
pub const MAX_ATTEMPTS: u32 = 8;

/// How long after its first failure only the receiving application may finalize a message, in
/// milliseconds of host time (`[STRAIT-RETRY.4]`): one hour.
pub const RETRY_WINDOW_MS: u64 = 3_600_000;

/// What the destination keeps of a message whose execution failed, until it is final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedMessage {
    /// The message's source chain: where its outcome goes.
    pub source_chain: ChainId,
    /// Its sender: whom its outcome goes to.
    pub sender: Address32,
    /// Its receiver: who may finalize it before the window ends.
    pub receiver: Address32,
    /// Executions so far, all failed.
    pub attempts: u32,
    /// Host time of the first failure.
    pub first_failed_at: Timestamp,
    /// The last failure.
    pub error: AppError,
}

/// Why a retry or a finalization was refused. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RetryError {
    /// The message is not a failed message awaiting its final outcome here (never received,
    /// executed, or already final).
    #[error("message {0} has no failed execution to retry or finalize")]
    NotRetryable(MessageId),
    /// The endpoint or the message's route is paused: retry after the unpause.
    #[error("paused: {0:?}")]
    Paused(crate::pause::PauseScope),
    /// Only the receiving application may finalize before the retry window ends.
    #[error("only the receiver may finalize message {id} before {until}")]
    WindowOpen {
        /// The message.
        id: MessageId,
        /// When anyone may.
        until: Timestamp,
    },
}

impl RetryError {
    /// The SPEC name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotRetryable(_) => "NotRetryable",
            Self::WindowOpen { .. } => "WindowOpen",
            Self::Paused(_) => "Paused",
        }
    }
}

/// `[STRAIT-RETRY.1]` Records the first failure of a received message.
pub(crate) fn record_failure<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet: &Packet,
    id: &MessageId,
    error: AppError,
) {
    let failed = FailedMessage {
        source_chain: packet.source_chain,
        sender: packet.sender,
        receiver: packet.receiver,
        attempts: 1,
        first_failed_at: ctx.host_timestamp(),
        error,
    };
    ctx.set_failed_message(id, Some(failed));
}

/// Makes the receipt of `id` final with `outcome`, emits it and sends the outcome back.
fn finalize<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet_route: strait_primitives::RouteId,
    nonce: strait_primitives::Nonce,
    id: &MessageId,
    failed: &FailedMessage,
    outcome: Outcome,
    gas_used: u64,
) -> Receipt {
    ctx.set_failed_message(id, None);
    let receipt = Receipt {
        id: *id,
        route: packet_route,
        nonce,
        height: ctx.host_height(),
        outcome,
    };
    ctx.record_receipt(receipt.clone());
    ctx.emit(EndpointEvent::Finalized(receipt.clone()));
    if failed.sender != settle::endpoint_address() {
        settle::send_outcome_to(
            ctx,
            failed.source_chain,
            failed.sender,
            &settle::OutcomeEntry {
                id: *id,
                gas_used,
                outcome: receipt.outcome.clone(),
            },
        );
    }
    receipt
}

/// `[STRAIT-RETRY.2]` Executes a failed message again. `packet` must be the message (its id is
/// checked against the record). Executed: final, the outcome goes back. Failed again: one more
/// attempt recorded, final as failed at [`MAX_ATTEMPTS`] (`[STRAIT-RETRY.3]`). Returns the receipt
/// as it now stands.
pub fn retry<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet: &Packet,
) -> Result<Receipt, RetryError> {
    let id = packet.id();
    let mut failed = ctx
        .failed_message(&id)
        .ok_or(RetryError::NotRetryable(id))?;
    if let Some(scope) = crate::pause::pause_of(ctx, packet) {
        return Err(RetryError::Paused(scope));
    }
    let route = packet.route().id();
    let outcome = crate::receive::run(ctx, packet, &id);
    let gas_used = ctx.app_gas_used();
    match outcome {
        Outcome::Failed(error) => {
            failed.attempts = failed.attempts.saturating_add(1);
            failed.error = error.clone();
            if failed.attempts >= MAX_ATTEMPTS {
                return Ok(finalize(
                    ctx,
                    route,
                    packet.nonce,
                    &id,
                    &failed,
                    Outcome::Failed(error),
                    gas_used,
                ));
            }
            ctx.set_failed_message(&id, Some(failed));
            Ok(Receipt {
                id,
                route,
                nonce: packet.nonce,
                height: ctx.host_height(),
                outcome: Outcome::Failed(error),
            })
        }
        executed => Ok(finalize(
            ctx,
            route,
            packet.nonce,
            &id,
            &failed,
            executed,
            gas_used,
        )),
    }
}

/// `[STRAIT-RETRY.4]` Finalizes a failed message as failed: by its receiving application (`caller`)
/// at any time, by anyone once [`RETRY_WINDOW_MS`] have passed since its first failure. `packet`
/// must be the message. The failure goes back to the sender.
pub fn finalize_failed<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    packet: &Packet,
    caller: &Address32,
) -> Result<Receipt, RetryError> {
    let id = packet.id();
    let failed = ctx
        .failed_message(&id)
        .ok_or(RetryError::NotRetryable(id))?;
    let until = Timestamp(failed.first_failed_at.get().saturating_add(RETRY_WINDOW_MS));
    if *caller != failed.receiver && ctx.host_timestamp() < until {
        return Err(RetryError::WindowOpen { id, until });
    }
    let error = failed.error.clone();
    Ok(finalize(
        ctx,
        packet.route().id(),
        packet.nonce,
        &id,
        &failed,
        Outcome::Failed(error),
        0,
    ))
}
