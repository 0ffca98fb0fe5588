//! Why an attestation request fails (`[STRAIT-ATTEST.9]`): every variant has a stable SPEC name.

use strait_primitives::{ChainId, DecodeError};
use strait_verifier::StoreError;

/// Why a committee, certificate, update or evidence is refused (`[STRAIT-ATTEST.9]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestError {
    /// The bytes do not decode (`Truncated`, `TooLarge`, `Invalid`, `TrailingBytes`).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A committee without members.
    #[error("a committee has at least one member")]
    EmptyCommittee,
    /// A threshold of zero.
    #[error("the threshold is zero")]
    ZeroThreshold,
    /// A threshold above the number of members.
    #[error("threshold {threshold} is above the committee size {size}")]
    ThresholdAboveSize {
        /// The threshold.
        threshold: u16,
        /// The number of members.
        size: u16,
    },
    /// A threshold that is not a strict majority of the members (`2 m > n` fails).
    #[error("threshold {threshold} is not a strict majority of {size} members")]
    ThresholdNotMajority {
        /// The threshold.
        threshold: u16,
        /// The number of members.
        size: u16,
    },
    /// A member not strictly above the previous one (unsorted or repeated).
    #[error("member {index} is not above the previous member")]
    MembersNotAscending {
        /// The member's index.
        index: usize,
    },
    /// A member's key (or address) is not acceptable for the kind.
    #[error("member {index} has an invalid key")]
    InvalidMemberKey {
        /// The member's index.
        index: usize,
    },
    /// A BLS member's proof of possession does not verify.
    #[error("member {index}'s proof of possession does not verify")]
    InvalidProofOfPossession {
        /// The member's index.
        index: usize,
    },
    /// A certificate names a signer that is not a member.
    #[error("signer {index} is not a member of a committee of {size}")]
    SignerIndexOutOfRange {
        /// The signer's index.
        index: usize,
        /// The committee size.
        size: usize,
    },
    /// A BLS signer bitmap whose length is not `ceil(n / 8)` bytes.
    #[error("signer bitmap of {got} bytes, expected {expected}")]
    BitmapLengthMismatch {
        /// Bytes in the bitmap.
        got: usize,
        /// `ceil(n / 8)`.
        expected: usize,
    },
    /// Fewer signers than the threshold.
    #[error("{got} signers, the threshold is {threshold}")]
    InsufficientSigners {
        /// Signers in the certificate.
        got: usize,
        /// The committee's threshold.
        threshold: u16,
    },
    /// An ECDSA signature whose `v` byte is not 27 or 28.
    #[error("signer {signer}: recovery byte v is not 27 or 28")]
    InvalidRecoveryId {
        /// The signer's member index.
        signer: usize,
    },
    /// An ECDSA signature whose `s` is above `n / 2` (malleable).
    #[error("signer {signer}: s is above n / 2")]
    HighS {
        /// The signer's member index.
        signer: usize,
    },
    /// A signature that does not verify under its signer's key (for BLS: the aggregate).
    #[error("invalid signature{}", signer.map(|s| format!(" by member {s}")).unwrap_or_default())]
    InvalidSignature {
        /// The member whose signature fails; `None` for a BLS aggregate.
        signer: Option<usize>,
    },
    /// The client is frozen: it refuses every update and evidence.
    #[error("the client is frozen")]
    Frozen,
    /// A checkpoint of another source chain than the client's.
    #[error("checkpoint of chain {got}, the client follows {expected}")]
    SourceMismatch {
        /// The checkpoint's source chain.
        got: ChainId,
        /// The client's.
        expected: ChainId,
    },
    /// Evidence whose two checkpoints do not conflict.
    #[error("the two checkpoints do not conflict")]
    NotMisbehaviour,
    /// An epoch that cannot be incremented.
    #[error("the committee's epoch cannot advance")]
    EpochOverflow,
    /// Rotation evidence names an epoch whose committee the client does not keep (only the
    /// current and the previous one, `[STRAIT-ATTEST.12]`).
    #[error("evidence of epoch {got}, the client is at epoch {current}")]
    EpochMismatch {
        /// The evidence's epoch.
        got: u64,
        /// The client's epoch.
        current: u64,
    },
    /// A client may not follow chain `2^64 - 1`: that value marks rotation evidence
    /// (`[STRAIT-ATTEST.12]`).
    #[error("chain id 2^64 - 1 is reserved")]
    ReservedSource,
    /// The client's storage is corrupt.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AttestError {
    /// The SPEC name (`[STRAIT-ERR.1]`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::EmptyCommittee => "EmptyCommittee",
            Self::ZeroThreshold => "ZeroThreshold",
            Self::ThresholdAboveSize { .. } => "ThresholdAboveSize",
            Self::ThresholdNotMajority { .. } => "ThresholdNotMajority",
            Self::MembersNotAscending { .. } => "MembersNotAscending",
            Self::InvalidMemberKey { .. } => "InvalidMemberKey",
            Self::InvalidProofOfPossession { .. } => "InvalidProofOfPossession",
            Self::SignerIndexOutOfRange { .. } => "SignerIndexOutOfRange",
            Self::BitmapLengthMismatch { .. } => "BitmapLengthMismatch",
            Self::InsufficientSigners { .. } => "InsufficientSigners",
            Self::InvalidRecoveryId { .. } => "InvalidRecoveryId",
            Self::HighS { .. } => "HighS",
            Self::InvalidSignature { .. } => "InvalidSignature",
            Self::Frozen => "Frozen",
            Self::SourceMismatch { .. } => "SourceMismatch",
            Self::NotMisbehaviour => "NotMisbehaviour",
            Self::EpochOverflow => "EpochOverflow",
            Self::EpochMismatch { .. } => "EpochMismatch",
            Self::ReservedSource => "ReservedSource",
            Self::Store(_) => "Store",
        }
    }
}
