//! A delivery transaction's receipt as delivery reports: the endpoint's `Received` and `Skipped`
//! events (SPEC §4.8) by message id, and the statuses of refusals by error name, as the core's
//! `DeliveryStatus::of_rejection` maps the same errors.

use std::collections::BTreeMap;

use alloy::primitives::B256;
use alloy::rpc::types::Log;
use strait_chain_client::{DeliveryReport, DeliveryStatus};
use strait_endpoint::{Outcome, Receipt};
use strait_primitives::MessageId;

use crate::abi::endpoint::StraitEndpoint;
use crate::txm::{decode_revert, RevertReason};

/// The status of a message refused with the error named `name` (SPEC §0 names, as the endpoint's
/// custom errors): `AlreadyReceived`; `OrderingBacklog` asks for a route advance; the transient
/// refusals of `ReceiveError::is_transient` (a root not verified yet, a gap in an ordered route,
/// a pause) retry; anything else is final.
pub fn status_of_error(name: &str) -> DeliveryStatus {
    match name {
        "AlreadyReceived" => DeliveryStatus::AlreadyReceived,
        "OrderingBacklog" => DeliveryStatus::AdvanceRoute,
        "RootNotVerified" | "NotEnoughOptional" | "NotFinal" | "OutOfOrder" | "Paused"
        | "InsufficientGas" => DeliveryStatus::Retry,
        _ => DeliveryStatus::Rejected,
    }
}

/// What a receipt's logs say of each message, by id.
#[derive(Debug, Default)]
pub struct Events {
    by_id: BTreeMap<MessageId, (DeliveryStatus, Option<String>)>,
}

impl Events {
    /// Reads the `Received` and `Skipped` events `endpoint` emitted in `logs`.
    pub fn read(endpoint: alloy::primitives::Address, logs: &[Log]) -> Self {
        let mut by_id = BTreeMap::new();
        for log in logs.iter().filter(|l| l.address() == endpoint) {
            if let Ok(received) = log.log_decode::<StraitEndpoint::Received>() {
                let event = received.inner.data;
                let entry = match Receipt::decode(&event.receipt) {
                    Ok(receipt) => (status_of_outcome(&receipt.outcome), None),
                    Err(e) => (
                        // Received, whatever the outcome: the message is recorded.
                        DeliveryStatus::Executed,
                        Some(format!("receipt does not decode: {e}")),
                    ),
                };
                by_id.insert(id_of(event.id), entry);
            } else if let Ok(skipped) = log.log_decode::<StraitEndpoint::Skipped>() {
                let event = skipped.inner.data;
                let reason = decode_revert(&event.reason);
                by_id.insert(
                    id_of(event.id),
                    (status_of_error(&reason.name), Some(reason.to_string())),
                );
            }
        }
        Self { by_id }
    }

    /// The report of `id`; a message the receipt does not mention was not delivered.
    pub fn report(&self, id: MessageId) -> DeliveryReport {
        match self.by_id.get(&id) {
            Some((status, reason)) => DeliveryReport {
                id,
                status: *status,
                reason: reason.clone(),
            },
            None => DeliveryReport {
                id,
                status: DeliveryStatus::Retry,
                reason: Some("no Received or Skipped event for it".into()),
            },
        }
    }
}

/// Reports for messages a whole batch refusal (`reason`) left undelivered.
pub fn refused(ids: &[MessageId], reason: &RevertReason) -> Vec<DeliveryReport> {
    ids.iter()
        .map(|id| DeliveryReport {
            id: *id,
            status: status_of_error(&reason.name),
            reason: Some(reason.to_string()),
        })
        .collect()
}

fn status_of_outcome(outcome: &Outcome) -> DeliveryStatus {
    DeliveryStatus::of_outcome(outcome)
}

fn id_of(id: B256) -> MessageId {
    MessageId(id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_as_the_core_maps_them() {
        assert_eq!(
            status_of_error("AlreadyReceived"),
            DeliveryStatus::AlreadyReceived
        );
        assert_eq!(
            status_of_error("OrderingBacklog"),
            DeliveryStatus::AdvanceRoute
        );
        for transient in ["RootNotVerified", "OutOfOrder", "Paused", "InsufficientGas"] {
            assert_eq!(status_of_error(transient), DeliveryStatus::Retry);
        }
        for final_ in [
            "RootMismatch",
            "ClientFrozen",
            "WrongDestination",
            "unknown",
        ] {
            assert_eq!(status_of_error(final_), DeliveryStatus::Rejected);
        }
        let missing = Events::default().report(MessageId([1; 32]));
        assert_eq!(missing.status, DeliveryStatus::Retry);
    }
}
