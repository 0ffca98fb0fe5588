//! The verification rules, one small function each (`[STRAIT-LC.1]` to `[STRAIT-LC.7]`).
//!
//! [`verify`](crate::verify) calls them in the order of their tags, the cheap ones (hashes,
//! comparisons, key lookups) before the signatures; each can also be called on its
//! own. A rule that can never pass again answers a [`VerificationError`], a rule that may pass later
//! (or through an intermediate header) a [`NotYetReason`].

use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::ed25519::{self, BatchItem};
use crate::{
    vote_sign_bytes, Commit, Header, LightBlock, NotYetReason, TrustThreshold, ValidatorSet,
    VerificationError, VotingPowerTally, MAX_VALIDATORS,
};

/// `[STRAIT-LC.1]` The header belongs to the trusted chain.
pub fn chain_id_matches(header: &Header, trusted: ChainId) -> Result<(), VerificationError> {
    if header.chain_id != trusted {
        return Err(VerificationError::ChainIdMismatch {
            got: header.chain_id,
            expected: trusted,
        });
    }
    Ok(())
}

/// `[STRAIT-LC.1]` The block's validator sets are the ones its header names.
pub fn validator_sets_match(block: &LightBlock) -> Result<(), VerificationError> {
    let header = block.header();
    if block.validators.hash() != header.validators_hash {
        return Err(VerificationError::ValidatorsHashMismatch {
            got: block.validators.hash(),
            expected: header.validators_hash,
        });
    }
    if block.next_validators.hash() != header.next_validators_hash {
        return Err(VerificationError::NextValidatorsHashMismatch {
            got: block.next_validators.hash(),
            expected: header.next_validators_hash,
        });
    }
    Ok(())
}

/// `[STRAIT-LC.1]` The commit is non-empty, and its signer indices are in range and strictly
/// increasing, so that no validator can be counted twice.
pub fn commit_is_well_formed(
    commit: &Commit,
    validators: &ValidatorSet,
) -> Result<(), VerificationError> {
    if commit.signatures.is_empty() {
        return Err(VerificationError::EmptyCommit);
    }
    let mut seen = SignerSet::default();
    let mut previous: Option<u16> = None;
    for sig in &commit.signatures {
        let index = sig.validator_index;
        if usize::from(index) >= validators.len() {
            return Err(VerificationError::SignerIndexOutOfRange {
                validator_index: index,
                validators: validators.len(),
            });
        }
        if !seen.insert(index) {
            return Err(VerificationError::DuplicateSigner {
                validator_index: index,
            });
        }
        if let Some(previous) = previous.filter(|&p| p > index) {
            return Err(VerificationError::SignersNotAscending {
                validator_index: index,
                previous,
            });
        }
        previous = Some(index);
    }
    Ok(())
}

/// `[STRAIT-LC.2]` The trusted state is still within its trusting period:
/// `now < trusted_time + trusting_period`. An expiry past `u64::MAX` never expires.
pub fn is_within_trust_period(
    trusted_time: Timestamp,
    trusting_period_ms: u64,
    now: Timestamp,
) -> Result<(), VerificationError> {
    match trusted_time.get().checked_add(trusting_period_ms) {
        Some(expires_at) if now.get() >= expires_at => {
            Err(VerificationError::TrustingPeriodExpired {
                trusted_time,
                expires_at: Timestamp(expires_at),
                now,
            })
        }
        _ => Ok(()),
    }
}

/// `[STRAIT-LC.3]`, first part: the header's time is one that can ever verify against this
/// trusted state: `header_time < trusted_time + trusting_period + max_clock_drift` (no limit if
/// the sum exceeds `u64::MAX`). A later header needs `now + max_clock_drift > header_time` (second
/// part) while `now < trusted_time + trusting_period` (`[STRAIT-LC.2]`), which no `now` satisfies.
pub fn is_header_time_reachable(
    header_time: Timestamp,
    trusted_time: Timestamp,
    trusting_period_ms: u64,
    max_clock_drift_ms: u64,
) -> Result<(), VerificationError> {
    let limit = trusted_time
        .get()
        .checked_add(trusting_period_ms)
        .and_then(|t| t.checked_add(max_clock_drift_ms));
    match limit {
        Some(limit) if header_time.get() >= limit => {
            Err(VerificationError::HeaderTimeUnreachable {
                header_time,
                limit: Timestamp(limit),
            })
        }
        _ => Ok(()),
    }
}

/// `[STRAIT-LC.3]`, second part: the header is not from the future:
/// `header_time < now + max_clock_drift`.
pub fn is_header_from_past(
    header_time: Timestamp,
    max_clock_drift_ms: u64,
    now: Timestamp,
) -> Result<(), NotYetReason> {
    match now.get().checked_add(max_clock_drift_ms) {
        Some(limit) if header_time.get() >= limit => Err(NotYetReason::HeaderFromFuture {
            header_time,
            now,
            max_clock_drift_ms,
        }),
        _ => Ok(()),
    }
}

/// `[STRAIT-LC.4]` The header is strictly after the trusted one, in height and in time.
pub fn is_monotonic(
    header: &Header,
    trusted_height: Height,
    trusted_time: Timestamp,
) -> Result<(), VerificationError> {
    if header.height <= trusted_height {
        return Err(VerificationError::NonIncreasingHeight {
            got: header.height,
            trusted: trusted_height,
        });
    }
    if header.timestamp <= trusted_time {
        return Err(VerificationError::NonIncreasingTime {
            got: header.timestamp,
            trusted: trusted_time,
        });
    }
    Ok(())
}

/// `[STRAIT-LC.5]`, adjacent case: a header right after the trusted one is signed by the trusted
/// header's next validator set.
pub fn adjacent_validators_match(
    header: &Header,
    trusted_next_validators: &ValidatorSet,
) -> Result<(), VerificationError> {
    if header.validators_hash != trusted_next_validators.hash() {
        return Err(VerificationError::AdjacentValidatorsMismatch {
            got: header.validators_hash,
            expected: trusted_next_validators.hash(),
        });
    }
    Ok(())
}

/// `[STRAIT-LC.5]`, skipping case: the commit's claimed signers that are also in the trusted next
/// validator set (matched by public key, counted with their trusted power) hold strictly more than
/// `trust_threshold` of its total power.
///
/// Only key lookups: it runs before any signature is verified, so a commit that could not pass
/// even with valid signatures costs no signature verification. Signatures are checked after
/// (`[STRAIT-LC.7]`).
pub fn has_sufficient_trust(
    commit: &Commit,
    validators: &ValidatorSet,
    trusted_next_validators: &ValidatorSet,
    trust_threshold: TrustThreshold,
) -> Result<(), NotYetReason> {
    let tallied = tally(commit, validators, |v| {
        trusted_next_validators
            .find(&v.pub_key)
            .map_or(0, |(_, t)| t.power)
    });
    let total = trusted_next_validators.total_power();
    if trust_threshold.is_exceeded_by(tallied, total) {
        return Ok(());
    }
    Err(NotYetReason::NotEnoughTrust {
        tally: VotingPowerTally {
            tallied,
            total,
            trust_threshold,
        },
    })
}

/// `[STRAIT-LC.6]` The commit's claimed signers hold strictly more than 2/3 of the header's
/// validator set's power; exactly 2/3 is not enough. Runs before the signatures are verified.
pub fn has_sufficient_signing_power(
    commit: &Commit,
    validators: &ValidatorSet,
) -> Result<(), VerificationError> {
    let signed = tally(commit, validators, |v| v.power);
    let total = validators.total_power();
    if !TrustThreshold::TWO_THIRDS.is_exceeded_by(signed, total) {
        return Err(VerificationError::InsufficientSigningPower { signed, total });
    }
    Ok(())
}

/// `[STRAIT-LC.7]` Every signature of the commit verifies (`[STRAIT-ED25519.1]`), all checked in
/// one batch (`[STRAIT-ED25519.2]`).
///
/// Validity is decided by the batch alone. When it fails, the first invalid signature is found by
/// bisection ([`ed25519::first_invalid`]): at most about one more batch of the whole commit,
/// however many signatures are bad and wherever they are. Requires [`commit_is_well_formed`]; an out-of-range index is
/// reported as an invalid signature.
pub fn signatures_are_valid(
    header: &Header,
    header_hash: &Hash32,
    commit: &Commit,
    validators: &ValidatorSet,
) -> Result<(), VerificationError> {
    let message = vote_sign_bytes(header.chain_id, header.height, header_hash);
    let mut items: Vec<BatchItem<'_>> = Vec::with_capacity(commit.signatures.len());
    for sig in &commit.signatures {
        let key = validators.verifying_key(sig.validator_index.into()).ok_or(
            VerificationError::InvalidSignature {
                validator_index: sig.validator_index,
            },
        )?;
        items.push(BatchItem {
            key,
            message: &message,
            signature: &sig.signature,
        });
    }
    match ed25519::first_invalid(&items) {
        None => Ok(()),
        Some(culprit) => Err(VerificationError::InvalidSignature {
            validator_index: commit
                .signatures
                .get(culprit)
                .map_or(0, |s| s.validator_index),
        }),
    }
}

/// Sum of `power` over the commit's distinct, in-range signers. Each validator is counted at most
/// once even if the commit were not well formed; the sum cannot overflow because a set's total is
/// at most [`MAX_TOTAL_POWER`](crate::MAX_TOTAL_POWER).
fn tally(
    commit: &Commit,
    validators: &ValidatorSet,
    power: impl Fn(&crate::Validator) -> u64,
) -> u64 {
    let mut seen = SignerSet::default();
    commit
        .signatures
        .iter()
        .filter(|s| seen.insert(s.validator_index))
        .filter_map(|s| validators.get(s.validator_index.into()))
        .map(power)
        .fold(0u64, u64::saturating_add)
}

/// A bitset of validator indices below [`MAX_VALIDATORS`].
#[derive(Default)]
struct SignerSet([u64; MAX_VALIDATORS / 64]);

impl SignerSet {
    /// Inserts `index`; false if it was already present or is out of range.
    fn insert(&mut self, index: u16) -> bool {
        let (word, bit) = (usize::from(index) / 64, index % 64);
        match self.0.get_mut(word) {
            Some(w) if *w & (1 << bit) == 0 => {
                *w |= 1 << bit;
                true
            }
            _ => false,
        }
    }
}
