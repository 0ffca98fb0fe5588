//! The verifier: the predicates composed in the order of their tags (`[STRAIT-LC.1]` to
//! `[STRAIT-LC.7]`), as tendermint-rs `light-client-verifier` composes its predicates.

use strait_primitives::{ChainId, Height, Timestamp};

use crate::predicates::*;
use crate::{LightBlock, NotYetReason, Options, ValidatorSet, Verdict, VerificationError};

/// What the verifier trusts: a verified header's chain, height and time, and the validator set it
/// named to sign the next header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedState<'a> {
    /// The chain.
    pub chain_id: ChainId,
    /// Height of the trusted header.
    pub height: Height,
    /// Time of the trusted header.
    pub timestamp: Timestamp,
    /// The trusted header's next validator set.
    pub next_validators: &'a ValidatorSet,
}

impl From<VerificationError> for Verdict {
    fn from(e: VerificationError) -> Self {
        Self::Invalid(e)
    }
}

impl From<NotYetReason> for Verdict {
    fn from(r: NotYetReason) -> Self {
        Self::NotYet(r)
    }
}

/// Verifies `untrusted` against `trusted` at time `now`.
///
/// Checks, in order (`docs/SPEC.md` §5.4): options; `[STRAIT-LC.1]` well-formedness (chain id,
/// both validator-set hashes, commit structure); `[STRAIT-LC.2]` the trusted state has not
/// expired; `[STRAIT-LC.3]` the header's time can ever verify, and is not from the future;
/// `[STRAIT-LC.4]` height and time increase; `[STRAIT-LC.5]` an adjacent header is signed by the
/// trusted next set, a skipping one claims signers holding more than the trust threshold of it;
/// `[STRAIT-LC.6]` the claimed signers hold more than 2/3 of the header's own set; `[STRAIT-LC.7]`
/// every signature verifies (one batch). Everything before `[STRAIT-LC.7]` is hashing, comparison
/// and key lookup: a commit that cannot pass costs no signature verification.
pub fn verify(
    untrusted: &LightBlock,
    trusted: &TrustedState<'_>,
    options: &Options,
    now: Timestamp,
) -> Verdict {
    match check(untrusted, trusted, options, now) {
        Ok(()) => Verdict::Success,
        Err(verdict) => verdict,
    }
}

fn check(
    untrusted: &LightBlock,
    trusted: &TrustedState<'_>,
    options: &Options,
    now: Timestamp,
) -> Result<(), Verdict> {
    options.validate().map_err(VerificationError::from)?;
    let header = untrusted.header();
    let commit = &untrusted.signed_header.commit;

    chain_id_matches(header, trusted.chain_id)?;
    validator_sets_match(untrusted)?;
    commit_is_well_formed(commit, &untrusted.validators)?;

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
        adjacent_validators_match(header, trusted.next_validators)?;
    } else {
        has_sufficient_trust(
            commit,
            &untrusted.validators,
            trusted.next_validators,
            options.trust_threshold,
        )?;
    }
    has_sufficient_signing_power(commit, &untrusted.validators)?;
    signatures_are_valid(header, &header.hash(), commit, &untrusted.validators)?;
    Ok(())
}
