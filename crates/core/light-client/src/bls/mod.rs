//! BLS-signed headers (`docs/SPEC.md` §5.7, `[STRAIT-LC-BLS.*]`, ADR 0012): the chain's validators
//! also sign each header with BLS12-381, and a light client in BLS mode checks one aggregate
//! signature (one key aggregation and one pairing) instead of one ed25519 signature per validator,
//! under the same trust rules.
//!
//! Keys in G1, signatures in G2, hashed to G2 with the proof-of-possession ciphersuite of the IETF
//! BLS draft: the ciphersuite and point encoding of the attester committees (`[STRAIT-ATTEST.BLS]`),
//! so that one EIP-2537 verifier serves both. Points travel uncompressed (ZCash serialization).
//!
//! * [`set`]: [`BlsValidatorSet`], with a proof of possession per key checked when a set is built.
//! * [`commit`]: [`bls_sign_bytes`], [`BlsCommit`] (signer bitmap and aggregate), [`BlsLightBlock`].
//! * [`verify`](mod@verify): [`verify_bls`] and [`check_bls_misbehaviour`].
//! * [`kind`]: [`BlsHeaderVerifier`], the BLS mode as a verifier kind (`bft-bls`, kind 5), with
//!   its stored [`state`].

pub mod commit;
pub mod kind;
pub mod set;
pub mod state;
pub mod verify;

pub use commit::{
    aggregate_signatures, bls_sign_bytes, sign_bls_commit, BlsCommit, BlsLightBlock,
    BLS_COMMIT_TAG, BLS_SIGN_BYTES_LEN, MAX_BLS_BITMAP_LEN,
};
pub use kind::BlsHeaderVerifier;
pub use set::{
    BlsSigner, BlsValidator, BlsValidatorSet, BLS_VALIDATOR_ENCODED_LEN, BLS_VALIDATOR_SET_TAG,
};
pub use state::{BlsClientState, BlsConsensusState, BlsEvidence, HeaderSummary};
pub use verify::{
    check_bls_misbehaviour, signers_are_proven, verify_bls, BlsMisbehaviourError, BlsTrustedState,
};

use strait_primitives::DecodeError;

/// Hash-to-G2 domain separation tag of header signatures (the IETF `POP` ciphersuite's).
pub const SIGNATURE_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// Hash-to-G2 domain separation tag of proofs of possession.
pub const POP_DST: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// Bytes of an uncompressed G1 key.
pub const PUBLIC_KEY_LEN: usize = 96;
/// Bytes of an uncompressed G2 signature.
pub const SIGNATURE_LEN: usize = 192;

/// Why bytes or a list are not a canonical BLS validator set (`[STRAIT-LC-BLS.1]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlsValidatorSetError {
    /// The bytes are malformed.
    #[error("malformed BLS validator set: {0}")]
    Decode(DecodeError),
    /// A set has at least one validator.
    #[error("BLS validator set is empty")]
    Empty,
    /// More than [`MAX_VALIDATORS`](crate::MAX_VALIDATORS) validators.
    #[error("{got} BLS validators, above the maximum {max}")]
    TooManyValidators {
        /// Number given.
        got: usize,
        /// The maximum.
        max: usize,
    },
    /// Keys are not in strictly ascending byte order (this includes a repeated key).
    #[error("BLS validator {index} is not in strictly ascending key order")]
    NotSorted {
        /// Position of the first key not above its predecessor.
        index: usize,
    },
    /// A validator has zero power.
    #[error("BLS validator {index} has zero power")]
    ZeroPower {
        /// Position of the validator.
        index: usize,
    },
    /// The total power exceeds [`MAX_TOTAL_POWER`](crate::MAX_TOTAL_POWER).
    #[error("total power exceeds the maximum {max}")]
    TotalPowerTooLarge {
        /// The maximum.
        max: u64,
    },
    /// A key is not an uncompressed G1 point of the subgroup, or is the identity.
    #[error("BLS validator {index} has an invalid key")]
    InvalidKey {
        /// Position of the validator.
        index: usize,
    },
    /// A proof of possession is not a G2 point or does not verify.
    #[error("BLS validator {index} has an invalid proof of possession")]
    InvalidProofOfPossession {
        /// Position of the validator.
        index: usize,
    },
}

impl BlsValidatorSetError {
    /// The SPEC name of the innermost cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::Empty => "Empty",
            Self::TooManyValidators { .. } => "TooManyValidators",
            Self::NotSorted { .. } => "NotSorted",
            Self::ZeroPower { .. } => "ZeroPower",
            Self::TotalPowerTooLarge { .. } => "TotalPowerTooLarge",
            Self::InvalidKey { .. } => "InvalidKey",
            Self::InvalidProofOfPossession { .. } => "InvalidProofOfPossession",
        }
    }
}

#[cfg(test)]
mod tests;
