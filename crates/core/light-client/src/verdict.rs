//! The three-way answer of the verifier and why it gave it (`[STRAIT-LC.0]`).

use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::{OptionsError, TrustThreshold};

/// The answer of [`verify`](crate::verify).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// The header is verified: it may be trusted from now on.
    Success,
    /// The header cannot be verified yet, but might be later or through intermediate headers.
    NotYet(NotYetReason),
    /// The header is invalid and will never verify against this trusted state.
    Invalid(VerificationError),
}

impl Verdict {
    /// Whether the header was verified.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }

    /// The SPEC name of the verdict: `Success`, `NotYet` or `Invalid`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::NotYet(_) => "NotYet",
            Self::Invalid(_) => "Invalid",
        }
    }

    /// The SPEC name of the reason, `None` for `Success`.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Self::Success => None,
            Self::NotYet(r) => Some(r.name()),
            Self::Invalid(e) => Some(e.name()),
        }
    }
}

impl NotYetReason {
    /// The SPEC name of the reason (the variant name).
    pub fn name(&self) -> &'static str {
        match self {
            Self::HeaderFromFuture { .. } => "HeaderFromFuture",
            Self::NotEnoughTrust { .. } => "NotEnoughTrust",
        }
    }
}

impl VerificationError {
    /// The SPEC name of the innermost cause (the variant name; options errors delegate).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Options(e) => e.name(),
            Self::ChainIdMismatch { .. } => "ChainIdMismatch",
            Self::ValidatorsHashMismatch { .. } => "ValidatorsHashMismatch",
            Self::NextValidatorsHashMismatch { .. } => "NextValidatorsHashMismatch",
            Self::EmptyCommit => "EmptyCommit",
            Self::SignerIndexOutOfRange { .. } => "SignerIndexOutOfRange",
            Self::DuplicateSigner { .. } => "DuplicateSigner",
            Self::SignersNotAscending { .. } => "SignersNotAscending",
            Self::TrustingPeriodExpired { .. } => "TrustingPeriodExpired",
            Self::HeaderTimeUnreachable { .. } => "HeaderTimeUnreachable",
            Self::NonIncreasingHeight { .. } => "NonIncreasingHeight",
            Self::NonIncreasingTime { .. } => "NonIncreasingTime",
            Self::AdjacentValidatorsMismatch { .. } => "AdjacentValidatorsMismatch",
            Self::InsufficientSigningPower { .. } => "InsufficientSigningPower",
            Self::InvalidSignature { .. } => "InvalidSignature",
            Self::BitmapLengthMismatch { .. } => "BitmapLengthMismatch",
            Self::InvalidAggregateSignature => "InvalidAggregateSignature",
            Self::InvalidProofOfPossession { .. } => "InvalidProofOfPossession",
        }
    }
}

/// Power tallied for a rule, with the total it is compared to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VotingPowerTally {
    /// Power of the counted signers.
    pub tallied: u64,
    /// Total power of the set.
    pub total: u64,
    /// The fraction `tallied` must exceed.
    pub trust_threshold: TrustThreshold,
}

/// Why a header cannot be verified yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotYetReason {
    /// `[STRAIT-LC.3]`: the header's time is not before `now + max_clock_drift`; retry later.
    #[error("header time {header_time} is not before now {now} + drift {max_clock_drift_ms} ms")]
    HeaderFromFuture {
        /// The header's time.
        header_time: Timestamp,
        /// The caller's clock.
        now: Timestamp,
        /// The allowed drift.
        max_clock_drift_ms: u64,
    },
    /// `[STRAIT-LC.5]`: the claimed signers of a skipping update hold too little of the trusted
    /// set's power; verify an intermediate header first (bisect). Bisection ends: an adjacent
    /// header is never answered `NotEnoughTrust`.
    #[error("not enough trust: {} of {} trusted power signed, need more than {}/{}", .tally.tallied, .tally.total, .tally.trust_threshold.numerator, .tally.trust_threshold.denominator)]
    NotEnoughTrust {
        /// The trusted power that signed.
        tally: VotingPowerTally,
    },
}

/// Why a header is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationError {
    /// The verification options are unsafe.
    #[error("invalid options: {0}")]
    Options(#[from] OptionsError),
    /// `[STRAIT-LC.1]`: the header is for another chain.
    #[error("header chain id {got}, expected {expected}")]
    ChainIdMismatch {
        /// The header's chain id.
        got: ChainId,
        /// The trusted chain id.
        expected: ChainId,
    },
    /// `[STRAIT-LC.1]`: the light block's validator set is not the one the header names.
    #[error("validator set hash {got}, header says {expected}")]
    ValidatorsHashMismatch {
        /// Hash of the supplied set.
        got: Hash32,
        /// The header's `validators_hash`.
        expected: Hash32,
    },
    /// `[STRAIT-LC.1]`: the light block's next validator set is not the one the header names.
    #[error("next validator set hash {got}, header says {expected}")]
    NextValidatorsHashMismatch {
        /// Hash of the supplied next set.
        got: Hash32,
        /// The header's `next_validators_hash`.
        expected: Hash32,
    },
    /// `[STRAIT-LC.1]`: the commit has no signature.
    #[error("commit has no signature")]
    EmptyCommit,
    /// `[STRAIT-LC.1]`: a signature names a validator the set does not have.
    #[error("signer index {validator_index} out of range for {validators} validators")]
    SignerIndexOutOfRange {
        /// The index.
        validator_index: u16,
        /// Size of the header's validator set.
        validators: usize,
    },
    /// `[STRAIT-LC.1]`: a validator signed twice; it is never counted twice.
    #[error("validator {validator_index} signed more than once")]
    DuplicateSigner {
        /// The repeated index.
        validator_index: u16,
    },
    /// `[STRAIT-LC.1]`: signer indices are not strictly increasing.
    #[error("signer index {validator_index} follows {previous}: indices must increase")]
    SignersNotAscending {
        /// The out-of-order index.
        validator_index: u16,
        /// The index before it.
        previous: u16,
    },
    /// `[STRAIT-LC.2]`: the trusted state is too old to be trusted.
    #[error("trusted state of {trusted_time} expired at {expires_at:?}, now is {now}")]
    TrustingPeriodExpired {
        /// Time of the trusted header.
        trusted_time: Timestamp,
        /// End of its trusting period.
        expires_at: Timestamp,
        /// The caller's clock.
        now: Timestamp,
    },
    /// `[STRAIT-LC.3]`: the header's time is so far ahead that it can never verify against this
    /// trusted state: the state expires before `now + max_clock_drift` can pass the header's time.
    #[error(
        "header time {header_time} is not before {limit} (trusted time + trusting period + drift)"
    )]
    HeaderTimeUnreachable {
        /// The header's time.
        header_time: Timestamp,
        /// `trusted_time + trusting_period + max_clock_drift`.
        limit: Timestamp,
    },
    /// `[STRAIT-LC.4]`: the header is not above the trusted height.
    #[error("header height {got} is not above the trusted height {trusted}")]
    NonIncreasingHeight {
        /// The header's height.
        got: Height,
        /// The trusted height.
        trusted: Height,
    },
    /// `[STRAIT-LC.4]`: the header is not after the trusted time.
    #[error("header time {got} is not after the trusted time {trusted}")]
    NonIncreasingTime {
        /// The header's time.
        got: Timestamp,
        /// The trusted time.
        trusted: Timestamp,
    },
    /// `[STRAIT-LC.7]`: a signature in the commit does not verify.
    #[error("invalid signature of validator {validator_index}")]
    InvalidSignature {
        /// Index of the first bad signer (found by bisection).
        validator_index: u16,
    },
    /// `[STRAIT-LC.5]`: an adjacent header is not signed by the trusted next validator set.
    #[error("adjacent header validators hash {got}, trusted next validators hash {expected}")]
    AdjacentValidatorsMismatch {
        /// The header's `validators_hash`.
        got: Hash32,
        /// Hash of the trusted next validator set.
        expected: Hash32,
    },
    /// `[STRAIT-LC.6]`: the claimed signers hold at most 2/3 of the header's validator set's
    /// power.
    #[error("signers hold {signed} of {total} power, need more than 2/3")]
    InsufficientSigningPower {
        /// Power of the signers.
        signed: u64,
        /// Total power of the set.
        total: u64,
    },
    /// `[STRAIT-LC-BLS.4]`: a BLS commit's signer bitmap is not `ceil(n / 8)` bytes long.
    #[error("signer bitmap of {got} bytes, expected {expected}")]
    BitmapLengthMismatch {
        /// The bitmap's length.
        got: usize,
        /// `ceil(n / 8)` for the header's BLS set of `n`.
        expected: usize,
    },
    /// `[STRAIT-LC-BLS.5]`: a BLS commit's aggregate signature is not a G2 point of the subgroup,
    /// or does not verify under the signers' aggregate key.
    #[error("invalid aggregate BLS signature")]
    InvalidAggregateSignature,
    /// `[STRAIT-LC-BLS.7]`: a signer of a BLS commit whose key the trusted set does not vouch
    /// for has no valid proof of possession (a rogue key).
    #[error("BLS signer {validator_index} has no valid proof of possession")]
    InvalidProofOfPossession {
        /// The signer's index in the block's BLS set.
        validator_index: u16,
    },
}
