//! What happened to an included transaction and to each delivery of a relay transaction, in a form
//! agents decide on (`status`, `failure`) next to the human text (`error`).
//!
//! The node fills the kinds from the core's structured errors: a delivery's status from the
//! endpoint's `Outcome` or `ReceiveError` (with `ReceiveError::is_transient`), a failed
//! client update's kind from [`VerifierError::is_transient`]. Relayers never match error text.

use serde::{Deserialize, Serialize};
use strait_primitives::{ClientId, Hash32, Height, MessageId};
use strait_verifier::VerifierError;

use crate::tx::TxKind;

/// How one delivery of a relay transaction ended: the chain-client vocabulary, shared by every
/// chain family.
pub use strait_chain_client::DeliveryStatus;

/// Result of one delivery inside a relay transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryResult {
    /// Message id.
    pub id: MessageId,
    /// How it ended.
    pub status: DeliveryStatus,
    /// `None` when received ([`DeliveryStatus::is_received`]); why it was rejected otherwise.
    pub error: Option<String>,
}

/// Why an included transaction failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxFailure {
    /// The nonce was not the account's next one (the mempool admits none such; defensive).
    Nonce,
    /// A client update cannot be verified yet ([`VerifierError::is_transient`]): the header is
    /// from the future, or the skip lacks trust (verify an intermediate header first).
    UpdateNotYet,
    /// A client update is invalid, or its client is unknown or frozen; it never will verify.
    UpdateInvalid,
    /// The body was rejected for another reason (send, application call, misbehaviour evidence,
    /// validator change); `error` says why.
    Rejected,
    /// The signer could not pay the transaction's fee (`[STRAIT-FEE.3]`): what it held was
    /// taken and the body did not run.
    FeeUnpaid,
}

impl TxFailure {
    /// The kind of a failed client update.
    pub fn of_update(error: &VerifierError) -> Self {
        if error.is_transient() {
            Self::UpdateNotYet
        } else {
            Self::UpdateInvalid
        }
    }

    /// Whether the same transaction body may succeed later (re-signed with a fresh nonce).
    pub fn is_transient(self) -> bool {
        self == Self::UpdateNotYet
    }
}

/// What happened to a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxResult {
    /// Transaction hash.
    pub hash: Hash32,
    /// Kind of transaction.
    pub kind: TxKind,
    /// Block that included it.
    pub height: Height,
    /// Whether it applied. A relay transaction applies when its updates do, even if some
    /// deliveries were rejected (see `deliveries`).
    pub success: bool,
    /// Why it failed, when it did (`None` exactly when `success`).
    pub failure: Option<TxFailure>,
    /// Why it failed, in words, when it did.
    pub error: Option<String>,
    /// Id of the message sent, for a `Send`.
    pub message_id: Option<MessageId>,
    /// Id of the client created, for a `CreateClient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    /// Per-message results of a relay transaction.
    pub deliveries: Vec<DeliveryResult>,
    /// The fee taken from the signer, in `sat`, decimal (`[STRAIT-FEE.2]`); kept when the body
    /// failed.
    #[serde(default)]
    pub fee: String,
}

#[cfg(test)]
mod tests {
    use strait_endpoint::{AppError, Outcome, ReceiveError};
    use strait_primitives::{ClientId, Nonce, RouteId};

    use super::*;

    #[test]
    fn kinds_follow_the_core_errors_and_serialize_in_snake_case() {
        let route = RouteId([1; 32]);
        let cases = [
            (
                ReceiveError::AlreadyReceived {
                    route,
                    nonce: Nonce(1),
                },
                DeliveryStatus::AlreadyReceived,
            ),
            (
                ReceiveError::RootNotVerified {
                    client: ClientId(2),
                    height: Height(9),
                },
                DeliveryStatus::Retry,
            ),
            (
                ReceiveError::OutOfOrder {
                    route,
                    got: Nonce(3),
                    missing: Nonce(2),
                },
                DeliveryStatus::Retry,
            ),
            (
                ReceiveError::ClientFrozen(ClientId(2)),
                DeliveryStatus::Rejected,
            ),
            // [STRAIT-ROUTE.4], [STRAIT-ROUTE.5] a route's missing verifiers or depth: it waits.
            (
                ReceiveError::NotEnoughOptional {
                    got: 1,
                    needed: 2,
                    height: Height(9),
                },
                DeliveryStatus::Retry,
            ),
            (
                ReceiveError::NotFinal {
                    height: Height(9),
                    needed: Height(11),
                    got: Height(10),
                },
                DeliveryStatus::Retry,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(DeliveryStatus::of_rejection(&error), status, "{error}");
        }
        let failed = Outcome::Failed(AppError {
            code: 1,
            reason: "no".into(),
        });
        assert_eq!(DeliveryStatus::of_outcome(&failed), DeliveryStatus::Failed);
        assert!(DeliveryStatus::of_outcome(&Outcome::TimedOut).is_received());
        assert!(!DeliveryStatus::AlreadyReceived.is_received());
        assert_eq!(
            serde_json::to_string(&DeliveryStatus::AlreadyReceived).unwrap(),
            "\"already_received\""
        );
        let refused = |transient| VerifierError::Refused {
            kind: strait_verifier::VerifierKind::BFT,
            name: "HeaderFromFuture",
            reason: String::new(),
            transient,
        };
        assert_eq!(
            TxFailure::of_update(&refused(true)),
            TxFailure::UpdateNotYet
        );
        assert_eq!(
            TxFailure::of_update(&refused(false)),
            TxFailure::UpdateInvalid
        );
        assert_eq!(
            TxFailure::of_update(&VerifierError::UnknownKind(strait_verifier::VerifierKind(
                9
            ))),
            TxFailure::UpdateInvalid
        );
        assert_eq!(
            serde_json::to_string(&TxFailure::UpdateNotYet).unwrap(),
            "\"update_not_yet\""
        );
    }
}
