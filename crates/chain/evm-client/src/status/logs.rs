//! The endpoint's logs of one message id, and its fee contract's, decoded and checked one by one,
//! then folded into what the chain says of the message. Pure: the logs come from an untrusted
//! node, so every field is checked against what was asked and nothing here panics.

use alloy::primitives::{Address, B256};
use alloy::rpc::types::Log;
use alloy::sol_types::SolEvent;
use strait_endpoint::encoding::EncodingError;
use strait_endpoint::{Outcome, Receipt};
use strait_packet::Packet;
use strait_primitives::{MessageId, Reader};

use super::{EvmFee, EvmFeeSplit};
use crate::abi::endpoint::StraitEndpoint;
use crate::abi::fees::StraitFees;
use crate::source::rpc::SourceRpc;

/// The events of the endpoint, then of its fee contract, that carry a message id as their first
/// topic, by signature hash.
pub(crate) const ID_EVENTS: [B256; 7] = [
    StraitEndpoint::Sent::SIGNATURE_HASH,
    StraitEndpoint::Received::SIGNATURE_HASH,
    StraitEndpoint::RetryFailed::SIGNATURE_HASH,
    StraitEndpoint::Finalized::SIGNATURE_HASH,
    StraitEndpoint::Settled::SIGNATURE_HASH,
    StraitFees::FeeLocked::SIGNATURE_HASH,
    StraitFees::FeeSplit::SIGNATURE_HASH,
];

/// Logs of one message an answer may hold: one `Sent`, one `Settled`, one `FeeLocked`, one
/// `FeeSplit`, one `Received`, at most 7 `RetryFailed` (`MAX_ATTEMPTS` 8) and one `Finalized` are
/// 13; more is a lying node.
pub const MAX_LOGS_PER_MESSAGE: usize = 16;

/// Why a log of the message cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The node marked it removed (reorged out).
    #[error("a removed log")]
    Removed,
    /// Emitted by another contract than the endpoint (its fee contract for a fee event).
    #[error("a log of {got} instead of {expected}")]
    WrongAddress {
        /// The log's address.
        got: Address,
        /// The endpoint, or its fee contract.
        expected: Address,
    },
    /// Without a block number, transaction or log index.
    #[error("a log without its {missing}")]
    Incomplete {
        /// The missing field.
        missing: &'static str,
    },
    /// From a block outside the range asked.
    #[error("a log of block {block} for blocks {from}..={to}")]
    OutOfRange {
        /// The log's block.
        block: u64,
        /// First block asked.
        from: u64,
        /// Last block asked.
        to: u64,
    },
    /// Not one of the id events, or its topics or data do not decode as the event.
    #[error("block {block}: not an event of message {id}: {reason}")]
    Undecodable {
        /// The message asked.
        id: MessageId,
        /// The log's block.
        block: u64,
        /// What did not decode.
        reason: String,
    },
    /// The event is of another message.
    #[error("block {block}: an event of message {got} for {expected}")]
    WrongId {
        /// The id the event names.
        got: MessageId,
        /// The id asked.
        expected: MessageId,
        /// The log's block.
        block: u64,
    },
    /// A `Sent` log whose packet does not check out (`[STRAIT-EVM-SRC.2]`).
    #[error("block {block}: Sent: {reason}")]
    BadSent {
        /// The log's block.
        block: u64,
        /// What is wrong.
        reason: String,
    },
    /// A receipt or outcome that does not decode (`[STRAIT-EVENT.1]`, `[STRAIT-EVENT.2]`).
    #[error("block {block}: {event}: {source}")]
    BadEncoding {
        /// The event.
        event: &'static str,
        /// The log's block.
        block: u64,
        /// The decoding error.
        source: EncodingError,
    },
    /// A receipt whose height is not its log's block.
    #[error("a receipt of height {got} in block {expected}")]
    HeightMismatch {
        /// The receipt's height.
        got: u64,
        /// The log's block.
        expected: u64,
    },
    /// An event the message can have once, twice (the message executed twice, or a lying node).
    #[error("two {event} events of message {id}")]
    Duplicate {
        /// The event.
        event: &'static str,
        /// The message.
        id: MessageId,
    },
    /// The chain both sent and received the message: its source and destination are distinct.
    #[error("message {id} both sent and received on one chain")]
    BothEnds {
        /// The message.
        id: MessageId,
    },
    /// A later event without the one it follows: the log scan started after it (a first block
    /// later than the endpoint's deployment).
    #[error("a {event} event of message {id} without its {needs}: scan from an earlier block")]
    Missing {
        /// The event found.
        event: &'static str,
        /// The event it follows.
        needs: &'static str,
        /// The message.
        id: MessageId,
    },
    /// A payment that cannot be the message's: locked in another block than the one that sent
    /// it, or split without the outcome settling in the same transaction (`[STRAIT-FEE.7]`,
    /// `[STRAIT-FEE.8]`).
    #[error("message {id}: {reason}")]
    BadFee {
        /// The message.
        id: MessageId,
        /// What is wrong.
        reason: String,
    },
    /// More logs than one message can have.
    #[error("more than {max} logs of message {id}")]
    TooMany {
        /// The message.
        id: MessageId,
        /// [`MAX_LOGS_PER_MESSAGE`].
        max: usize,
    },
}

/// One event of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IdEvent {
    /// Sent here, in `block`.
    Sent {
        block: u64,
        leaf_index: u64,
        packet: Packet,
    },
    /// Received here: the receipt, and the transaction that delivered it.
    Received { receipt: Receipt, tx: B256 },
    /// A retry failed again.
    RetryFailed { outcome: Outcome },
    /// A failed message became final.
    Finalized { receipt: Receipt },
    /// Its outcome was handed to its sender here.
    Settled,
    /// Its payment was locked here, in `block` (`[STRAIT-FEE.7]`).
    FeeLocked { block: u64, fee: EvmFee },
    /// Its payment was split here (`[STRAIT-FEE.8]`).
    FeeSplit(EvmFeeSplit),
}

/// The data of `log` as event `E` (its signature already matched), or why not.
fn event_data<E: SolEvent>(log: &Log) -> Result<E, String> {
    log.log_decode::<E>()
        .map(|decoded| decoded.inner.data)
        .map_err(|e| e.to_string())
}

/// Decodes and checks one log of message `id` from blocks `from..=to` of the endpoint `rpc`
/// names (its chain and address) or of its fee contract `fees`.
pub(crate) fn decode(
    rpc: &SourceRpc,
    fees: Address,
    id: MessageId,
    log: &Log,
    from: u64,
    to: u64,
) -> Result<IdEvent, LogError> {
    if log.removed {
        return Err(LogError::Removed);
    }
    let topic0 = log.topic0().copied().unwrap_or_default();
    let expected = match topic0 {
        StraitFees::FeeLocked::SIGNATURE_HASH | StraitFees::FeeSplit::SIGNATURE_HASH => fees,
        _ => rpc.endpoint,
    };
    if log.address() != expected {
        return Err(LogError::WrongAddress {
            got: log.address(),
            expected,
        });
    }
    let block = log.block_number.ok_or(LogError::Incomplete {
        missing: "block number",
    })?;
    if !(from..=to).contains(&block) {
        return Err(LogError::OutOfRange { block, from, to });
    }
    let undecodable = |reason: String| LogError::Undecodable { id, block, reason };
    let named = |got: B256| {
        let got = MessageId(got.0);
        if got == id {
            Ok(())
        } else {
            Err(LogError::WrongId {
                got,
                expected: id,
                block,
            })
        }
    };
    let bad = |event, source| LogError::BadEncoding {
        event,
        block,
        source,
    };
    let event = match topic0 {
        StraitEndpoint::Sent::SIGNATURE_HASH => {
            let sent = crate::source::scan::decode_sent(rpc, log)
                .map_err(|reason| LogError::BadSent { block, reason })?;
            named(B256::from(sent.id.0))?;
            IdEvent::Sent {
                block,
                leaf_index: sent.leaf_index,
                packet: sent.packet,
            }
        }
        StraitEndpoint::Received::SIGNATURE_HASH => {
            let event = event_data::<StraitEndpoint::Received>(log).map_err(undecodable)?;
            named(event.id)?;
            let receipt = receipt_of(id, block, &event.receipt).map_err(|e| match e {
                Decoded::Encoding(e) => bad("Received", e),
                Decoded::Other(e) => e,
            })?;
            let tx = log.transaction_hash.ok_or(LogError::Incomplete {
                missing: "transaction hash",
            })?;
            IdEvent::Received { receipt, tx }
        }
        StraitEndpoint::Finalized::SIGNATURE_HASH => {
            let event = event_data::<StraitEndpoint::Finalized>(log).map_err(undecodable)?;
            named(event.id)?;
            let receipt = receipt_of(id, block, &event.receipt).map_err(|e| match e {
                Decoded::Encoding(e) => bad("Finalized", e),
                Decoded::Other(e) => e,
            })?;
            IdEvent::Finalized { receipt }
        }
        StraitEndpoint::RetryFailed::SIGNATURE_HASH => {
            let event = event_data::<StraitEndpoint::RetryFailed>(log).map_err(undecodable)?;
            named(event.id)?;
            let outcome = decode_outcome(&event.outcome).map_err(|e| bad("RetryFailed", e))?;
            IdEvent::RetryFailed { outcome }
        }
        StraitEndpoint::Settled::SIGNATURE_HASH => {
            let event = event_data::<StraitEndpoint::Settled>(log).map_err(undecodable)?;
            named(event.id)?;
            decode_outcome(&event.outcome).map_err(|e| bad("Settled", e))?;
            IdEvent::Settled
        }
        StraitFees::FeeLocked::SIGNATURE_HASH => {
            let event = event_data::<StraitFees::FeeLocked>(log).map_err(undecodable)?;
            named(event.id)?;
            IdEvent::FeeLocked {
                block,
                fee: EvmFee {
                    payer: event.payer,
                    gas_limit: event.gasLimit,
                    amount: event.amount,
                    split: None,
                },
            }
        }
        StraitFees::FeeSplit::SIGNATURE_HASH => {
            let event = event_data::<StraitFees::FeeSplit>(log).map_err(undecodable)?;
            named(event.id)?;
            IdEvent::FeeSplit(EvmFeeSplit {
                deliverer: event.deliverer,
                to_deliverer: event.delivererFee,
                relayer: event.relayer,
                ack_fee: event.ackFee,
                refund: event.refund,
            })
        }
        other => return Err(undecodable(format!("unknown event {other}"))),
    };
    Ok(event)
}

enum Decoded {
    Encoding(EncodingError),
    Other(LogError),
}

/// A receipt of message `id` emitted in `block` (`[STRAIT-EVENT.2]`).
fn receipt_of(id: MessageId, block: u64, bytes: &[u8]) -> Result<Receipt, Decoded> {
    let receipt = Receipt::decode(bytes).map_err(Decoded::Encoding)?;
    if receipt.id != id {
        return Err(Decoded::Other(LogError::WrongId {
            got: receipt.id,
            expected: id,
            block,
        }));
    }
    if receipt.height.get() != block {
        return Err(Decoded::Other(LogError::HeightMismatch {
            got: receipt.height.get(),
            expected: block,
        }));
    }
    Ok(receipt)
}

/// An outcome alone (`[STRAIT-EVENT.1]`), nothing after it.
pub(crate) fn decode_outcome(bytes: &[u8]) -> Result<Outcome, EncodingError> {
    let mut r = Reader::new(bytes);
    let outcome = Outcome::decode_from(&mut r)?;
    r.finish()?;
    Ok(outcome)
}

/// What a chain's logs say of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fold {
    /// `(block, leaf index, packet)` of its `Sent`.
    pub sent: Option<(u64, u64, Packet)>,
    /// Its `Settled`.
    pub settled: bool,
    /// Its `Received` receipt and delivering transaction.
    pub received: Option<(Receipt, B256)>,
    /// Its latest outcome: the receipt's, a later `RetryFailed`'s, or its `Finalized` receipt's.
    pub outcome: Option<Outcome>,
    /// Its `Finalized`.
    pub finalized: bool,
    /// Its payment: its `FeeLocked`, with its `FeeSplit` once settled.
    pub fee: Option<EvmFee>,
}

/// Folds the events of message `id`, in chain order.
pub(crate) fn fold(id: MessageId, events: Vec<IdEvent>) -> Result<Fold, LogError> {
    if events.len() > MAX_LOGS_PER_MESSAGE {
        return Err(LogError::TooMany {
            id,
            max: MAX_LOGS_PER_MESSAGE,
        });
    }
    let mut f = Fold::default();
    let duplicate = |event| LogError::Duplicate { event, id };
    let mut locked_in = None;
    let mut split = None;
    for event in events {
        match event {
            IdEvent::Sent {
                block,
                leaf_index,
                packet,
            } => {
                if f.sent.replace((block, leaf_index, packet)).is_some() {
                    return Err(duplicate("Sent"));
                }
            }
            IdEvent::Settled => {
                if f.sent.is_none() {
                    return Err(LogError::Missing {
                        event: "Settled",
                        needs: "Sent",
                        id,
                    });
                }
                if std::mem::replace(&mut f.settled, true) {
                    return Err(duplicate("Settled"));
                }
            }
            IdEvent::Received { receipt, tx } => {
                if f.received.is_some() {
                    return Err(duplicate("Received"));
                }
                f.outcome = Some(receipt.outcome.clone());
                f.received = Some((receipt, tx));
            }
            IdEvent::RetryFailed { outcome } => {
                if f.received.is_none() {
                    return Err(LogError::Missing {
                        event: "RetryFailed",
                        needs: "Received",
                        id,
                    });
                }
                if f.finalized {
                    return Err(duplicate("RetryFailed after Finalized"));
                }
                f.outcome = Some(outcome);
            }
            IdEvent::Finalized { receipt } => {
                if f.received.is_none() {
                    return Err(LogError::Missing {
                        event: "Finalized",
                        needs: "Received",
                        id,
                    });
                }
                if std::mem::replace(&mut f.finalized, true) {
                    return Err(duplicate("Finalized"));
                }
                f.outcome = Some(receipt.outcome);
            }
            // The fee contract logs in the endpoint's transactions, before or after the
            // endpoint's own: checked against them once all are in.
            IdEvent::FeeLocked { block, fee } => {
                if f.fee.replace(fee).is_some() {
                    return Err(duplicate("FeeLocked"));
                }
                locked_in = Some(block);
            }
            IdEvent::FeeSplit(s) => {
                if split.replace(s).is_some() {
                    return Err(duplicate("FeeSplit"));
                }
            }
        }
    }
    let bad_fee = |reason: String| LogError::BadFee { id, reason };
    match (locked_in, &f.sent) {
        (Some(_), None) => {
            return Err(LogError::Missing {
                event: "FeeLocked",
                needs: "Sent",
                id,
            })
        }
        (Some(locked), Some((sent, _, _))) if locked != *sent => {
            return Err(bad_fee(format!(
                "payment locked in block {locked}, sent in block {sent}"
            )))
        }
        _ => {}
    }
    if let Some(split) = split {
        let Some(fee) = f.fee.as_mut().filter(|_| f.settled) else {
            return Err(bad_fee(
                "a payment split without its lock and settlement".into(),
            ));
        };
        fee.split = Some(split);
    }
    if f.sent.is_some() && f.received.is_some() {
        return Err(LogError::BothEnds { id });
    }
    Ok(f)
}
