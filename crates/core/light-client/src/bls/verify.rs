//! The BLS-mode verifier (`[STRAIT-LC-BLS.4]`, `[STRAIT-LC-BLS.5]`): the rules of `[STRAIT-LC.1]`
//! to `[STRAIT-LC.6]` over a BLS set and a signer bitmap, then one key aggregation and one pairing
//! check instead of one ed25519 signature per validator.

use blst::min_pk::{AggregatePublicKey, Signature};
use blst::BLST_ERROR;
use strait_primitives::{ChainId, Height, Timestamp};

use super::{BlsCommit, BlsLightBlock, BlsValidatorSet, SIGNATURE_DST};
use crate::predicates::{
    chain_id_matches, is_header_from_past, is_header_time_reachable, is_monotonic,
    is_within_trust_period,
};
use crate::{
    MisbehaviourKind, NotYetReason, Options, TrustThreshold, Verdict, VerificationError,
    VotingPowerTally,
};

/// What a BLS-mode verifier trusts: a verified header's chain, height and time, and the BLS set
/// its commit named to sign the next header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlsTrustedState<'a> {
    /// The chain.
    pub chain_id: ChainId,
    /// Height of the trusted header.
    pub height: Height,
    /// Time of the trusted header.
    pub timestamp: Timestamp,
    /// The BLS set named by the trusted header's BLS commit as the next one.
    pub next_validators: &'a BlsValidatorSet,
}

/// `[STRAIT-LC-BLS.4]` The bitmap is `ceil(n / 8)` bytes for the set of `n`, sets no bit at or past
/// `n`, and sets at least one bit.
pub fn bitmap_is_well_formed(
    commit: &BlsCommit,
    validators: &BlsValidatorSet,
) -> Result<(), VerificationError> {
    let expected = validators.len().div_ceil(8);
    if commit.bitmap.len() != expected {
        return Err(VerificationError::BitmapLengthMismatch {
            got: commit.bitmap.len(),
            expected,
        });
    }
    if let Some(index) = commit.signers().find(|&i| i >= validators.len()) {
        return Err(VerificationError::SignerIndexOutOfRange {
            // `index < 8 * MAX_BLS_BITMAP_LEN <= u16::MAX`.
            validator_index: index as u16,
            validators: validators.len(),
        });
    }
    if commit.bitmap.iter().all(|&b| b == 0) {
        return Err(VerificationError::EmptyCommit);
    }
    Ok(())
}

/// `[STRAIT-LC.5]` for BLS, skipping case: the signers that are also in the trusted next BLS set
/// (by key, with their trusted power) hold more than `trust_threshold` of its power.
pub fn bls_has_sufficient_trust(
    commit: &BlsCommit,
    validators: &BlsValidatorSet,
    trusted_next_validators: &BlsValidatorSet,
    trust_threshold: TrustThreshold,
) -> Result<(), NotYetReason> {
    let tallied = commit
        .signers()
        .filter_map(|i| validators.validators().get(i))
        .filter_map(|v| trusted_next_validators.find(&v.pub_key))
        .fold(0u64, |sum, (_, t)| sum.saturating_add(t.power));
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

/// `[STRAIT-LC.6]` for BLS: the signers hold more than 2/3 of the header's BLS set's power.
pub fn bls_has_sufficient_signing_power(
    commit: &BlsCommit,
    validators: &BlsValidatorSet,
) -> Result<(), VerificationError> {
    let signed = commit
        .signers()
        .filter_map(|i| validators.validators().get(i))
        .fold(0u64, |sum, v| sum.saturating_add(v.power));
    let total = validators.total_power();
    if !TrustThreshold::TWO_THIRDS.is_exceeded_by(signed, total) {
        return Err(VerificationError::InsufficientSigningPower { signed, total });
    }
    Ok(())
}

/// `[STRAIT-LC-BLS.7]` Every signer's key is vouched for before it is added into an aggregate:
/// by the block's set if that set's proofs of possession were checked when it was built, else by
/// the trusted next set holding the same key (the chain checked its proof when it admitted it), else
/// by the signer's own proof of possession, checked here (one pairing). A rogue key (one chosen to
/// cancel honest keys out of the sum) has no proof and fails. An adjacent block's set is the
/// trusted one, so it checks no proof; only keys a skipping block brings in cost a pairing.
pub fn signers_are_proven(
    commit: &BlsCommit,
    validators: &BlsValidatorSet,
    trusted_next_validators: &BlsValidatorSet,
) -> Result<(), VerificationError> {
    if validators.is_proven() {
        return Ok(());
    }
    for i in commit.signers() {
        let Some(v) = validators.validators().get(i) else {
            continue;
        };
        if trusted_next_validators.find(&v.pub_key).is_none()
            && validators.check_proof_of_possession(i).is_err()
        {
            return Err(VerificationError::InvalidProofOfPossession {
                // `i < 8 * MAX_BLS_BITMAP_LEN <= u16::MAX`.
                validator_index: i as u16,
            });
        }
    }
    Ok(())
}

/// `[STRAIT-LC-BLS.5]` The aggregate signature is a G2 point in the subgroup, not the identity, and
/// verifies under the sum of the signers' keys on the block's [`bls_sign_bytes`](super::bls_sign_bytes):
/// one key aggregation and one pairing check. Requires [`bitmap_is_well_formed`].
pub fn aggregate_signature_is_valid(
    block: &BlsLightBlock,
    header_hash: &strait_primitives::Hash32,
) -> Result<(), VerificationError> {
    let invalid = VerificationError::InvalidAggregateSignature;
    let keys = block
        .commit
        .signers()
        .map(|i| block.validators.key(i))
        .collect::<Option<Vec<_>>>()
        .ok_or(invalid.clone())?;
    // The keys were checked (in G1, not the identity, proof of possession) when the set was built.
    let aggregate = AggregatePublicKey::aggregate(&keys, false)
        .map_err(|_| invalid.clone())?
        .to_public_key();
    let signature = Signature::deserialize(&block.commit.signature).map_err(|_| invalid.clone())?;
    signature.validate(true).map_err(|_| invalid.clone())?;
    let message = block.sign_bytes(header_hash);
    match signature.verify(false, &message, SIGNATURE_DST, &[], &aggregate, false) {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        _ => Err(invalid),
    }
}

/// Verifies `untrusted` against `trusted` at time `now` in BLS mode (`docs/SPEC.md` §5.7).
///
/// The order of [`verify`](crate::verify), with the BLS set and bitmap in place of the ed25519 set
/// and signature list: options; `[STRAIT-LC.1]` chain id and `[STRAIT-LC-BLS.4]` bitmap;
/// `[STRAIT-LC.2]` to `[STRAIT-LC.4]` times and heights; `[STRAIT-LC.5]` an adjacent block is
/// signed by the trusted next BLS set, a skipping one by more than the trust threshold of it;
/// `[STRAIT-LC.6]` more than 2/3 of the block's BLS set; `[STRAIT-LC-BLS.7]` every signer's key
/// vouched for (sets built by [`BlsValidatorSet::new`] always are); `[STRAIT-LC-BLS.5]` the
/// aggregate.
pub fn verify_bls(
    untrusted: &BlsLightBlock,
    trusted: &BlsTrustedState<'_>,
    options: &Options,
    now: Timestamp,
) -> Verdict {
    match check(untrusted, trusted, options, now) {
        Ok(()) => Verdict::Success,
        Err(verdict) => verdict,
    }
}

fn check(
    untrusted: &BlsLightBlock,
    trusted: &BlsTrustedState<'_>,
    options: &Options,
    now: Timestamp,
) -> Result<(), Verdict> {
    options.validate().map_err(VerificationError::from)?;
    let header = &untrusted.header;
    let commit = &untrusted.commit;

    chain_id_matches(header, trusted.chain_id)?;
    bitmap_is_well_formed(commit, &untrusted.validators)?;

    is_within_trust_period(trusted.timestamp, options.trusting_period_ms, now)?;
    is_header_time_reachable(
        header.timestamp,
        trusted.timestamp,
        options.trusting_period_ms,
        options.max_clock_drift_ms,
    )?;
    is_header_from_past(header.timestamp, options.max_clock_drift_ms, now)?;
    is_monotonic(header, trusted.height, trusted.timestamp)?;

    if trusted.height.checked_next() == Some(header.height) {
        if untrusted.validators.hash() != trusted.next_validators.hash() {
            return Err(VerificationError::AdjacentValidatorsMismatch {
                got: untrusted.validators.hash(),
                expected: trusted.next_validators.hash(),
            }
            .into());
        }
    } else {
        bls_has_sufficient_trust(
            commit,
            &untrusted.validators,
            trusted.next_validators,
            options.trust_threshold,
        )?;
    }
    bls_has_sufficient_signing_power(commit, &untrusted.validators)?;
    signers_are_proven(commit, &untrusted.validators, trusted.next_validators)?;
    aggregate_signature_is_valid(untrusted, &header.hash())?;
    Ok(())
}

/// Why two BLS light blocks are not misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlsMisbehaviourError {
    /// One of the blocks does not verify from its trusted state.
    #[error("block {which} does not verify: {verdict:?}")]
    Unverified {
        /// 1 or 2.
        which: u8,
        /// Its verdict.
        verdict: Verdict,
    },
    /// Both verify and do not conflict.
    #[error("blocks at heights {height_1} and {height_2} do not conflict")]
    NotMisbehaviour {
        /// Height of the first block.
        height_1: Height,
        /// Height of the second block.
        height_2: Height,
    },
}

/// `[STRAIT-LC-BLS.6]` Two BLS light blocks, each verified from a trusted state, that cannot both
/// be honest: two different headers at one height, or a higher header whose time is not after the
/// lower one's (the rule of `[STRAIT-LC-CLIENT.5]`).
pub fn check_bls_misbehaviour(
    first: (&BlsLightBlock, &BlsTrustedState<'_>),
    second: (&BlsLightBlock, &BlsTrustedState<'_>),
    options: &Options,
    now: Timestamp,
) -> Result<MisbehaviourKind, BlsMisbehaviourError> {
    for (which, (block, trusted)) in [(1u8, first), (2, second)] {
        let verdict = verify_bls(block, trusted, options, now);
        if !verdict.is_success() {
            return Err(BlsMisbehaviourError::Unverified { which, verdict });
        }
    }
    let (a, b) = (&first.0.header, &second.0.header);
    let (low, high) = if a.height <= b.height { (a, b) } else { (b, a) };
    let kind = if low.height == high.height {
        (low.hash() != high.hash()).then_some(MisbehaviourKind::ConflictingHeaders)
    } else {
        (low.timestamp >= high.timestamp).then_some(MisbehaviourKind::NonMonotonicTime)
    };
    kind.ok_or(BlsMisbehaviourError::NotMisbehaviour {
        height_1: a.height,
        height_2: b.height,
    })
}
