//! What the transaction manager reports: its errors and its events.

use core::time::Duration;

use alloy::primitives::TxHash;

use super::{Fees, RevertReason};

/// Why a transaction was not sent or did not land.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// The signing key is not a secp256k1 secret key.
    #[error("bad signing key: {0}")]
    Key(String),
    /// The RPC URL does not parse.
    #[error("bad RPC URL {url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The dry run reverted: nothing was sent, no nonce taken.
    #[error("{what} reverts: {reason}")]
    Reverted {
        /// What was being sent.
        what: &'static str,
        /// The decoded revert.
        reason: RevertReason,
    },
    /// The fees the transaction needs now are above the cap: nothing was sent.
    #[error("{what}: needs a max fee per gas of {needed} wei, above the cap of {cap} wei")]
    FeeAboveCap {
        /// What was being sent.
        what: &'static str,
        /// Base fee plus tip.
        needed: u128,
        /// The configured cap.
        cap: u128,
    },
    /// Another transaction of the account holds the nonce in the node's pool at fees the cap
    /// does not allow outbidding, and the node has no free nonce after it: nothing was sent.
    #[error("{what}: nonce {nonce} is held in the pool by another transaction of the account; outbidding it passes the cap ({max_fee_per_gas} wei offered, cap {cap} wei)")]
    ReplacementAboveCap {
        /// What was being sent.
        what: &'static str,
        /// The nonce.
        nonce: u64,
        /// The last fee offered.
        max_fee_per_gas: u128,
        /// The configured cap.
        cap: u128,
    },
    /// No receipt came in time; the last bump (if the cap stopped them, `capped`) is still in
    /// the node's pool and may land later.
    #[error("{what}: nonce {nonce} not included within {waited:?} (last max fee {max_fee_per_gas} wei, capped: {capped}, hashes {hashes:?})")]
    NotIncluded {
        /// What was sent.
        what: &'static str,
        /// Its nonce.
        nonce: u64,
        /// Every hash sent for it, the first first.
        hashes: Vec<TxHash>,
        /// The last fee offered.
        max_fee_per_gas: u128,
        /// Whether bumping stopped at the cap.
        capped: bool,
        /// How long it waited.
        waited: Duration,
    },
    /// The nonce was used by a transaction this manager did not send (the key is shared).
    #[error("{what}: nonce {nonce} was used by another transaction of the account")]
    NonceTaken {
        /// What was sent.
        what: &'static str,
        /// The nonce.
        nonce: u64,
    },
    /// An RPC call failed or timed out (the same request may succeed later).
    #[error("{call}: {reason}")]
    Rpc {
        /// The JSON-RPC method.
        call: &'static str,
        /// Why.
        reason: String,
    },
}

impl TxError {
    /// Whether the same transaction may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Rpc { .. }
                | Self::NotIncluded { .. }
                | Self::NonceTaken { .. }
                | Self::ReplacementAboveCap { .. }
        )
    }
}

/// What the manager does, for logs, metrics and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxEvent {
    /// A transaction was handed to the node.
    Sent {
        /// Its nonce.
        nonce: u64,
        /// Its hash.
        hash: TxHash,
        /// Its fees.
        fees: Fees,
        /// How many bumps before it (0: the first send of the nonce).
        bump: u32,
    },
    /// A kept signed transaction was sent again: a reorganisation had dropped it
    /// ([`super::TxManager::reconcile`]).
    Resent {
        /// Its nonce.
        nonce: u64,
    },
    /// A nonce that a reorganisation left empty, with nothing kept for it (an earlier run of the
    /// agent sent it), was filled with a transfer of nothing to the signer itself, so that the
    /// kept transactions above it land ([`super::TxManager::reconcile`]).
    GapFilled {
        /// The nonce.
        nonce: u64,
    },
    /// The next bump would pass the cap: the last fees stay.
    Capped {
        /// The nonce.
        nonce: u64,
        /// The last fees sent.
        fees: Fees,
    },
    /// The node's nonce was re-read.
    NonceResynced {
        /// The nonce the manager had.
        had: Option<u64>,
        /// The chain's pending count.
        now: u64,
    },
    /// A receipt came.
    Landed {
        /// The nonce.
        nonce: u64,
        /// The hash that landed.
        hash: TxHash,
        /// Whether it succeeded.
        success: bool,
    },
}
