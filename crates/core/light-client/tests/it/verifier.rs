//! The verifier rule by rule, with real signatures.

use strait_light_client::predicates::has_sufficient_signing_power;
use strait_light_client::*;
use strait_primitives::{ChainId, Height, Timestamp};

use crate::support::*;

fn verify_from(block: &LightBlock, trusted: &ConsensusState, now: Timestamp) -> Verdict {
    verify(block, &trusted.trusted_state(CHAIN), &options(), now)
}

fn invalid(v: Verdict) -> VerificationError {
    match v {
        Verdict::Invalid(e) => e,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn adjacent_header_signed_by_all_verifies() {
    let chain = static_chain(3);
    assert_eq!(
        verify_from(&chain.block(2), &chain.consensus(1), now_after(2)),
        Verdict::Success
    );
}

#[test]
fn forged_signature_is_invalid_and_names_the_forger() {
    let chain = static_chain(3);
    let mut block = chain.block(2);
    block.signed_header.commit.signatures[2].signature[5] ^= 1;
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::InvalidSignature { validator_index: 2 }
    );
    // A signature by the right key over another header counts as forged too.
    let other = chain.block(3);
    block = chain.block(2);
    block.signed_header.commit.signatures[0] = other.signed_header.commit.signatures[0];
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::InvalidSignature { validator_index: 0 }
    );
}

#[test]
fn every_signature_is_checked_even_beyond_two_thirds() {
    // Three of four already exceed 2/3; the fourth, forged, still fails the header.
    let chain = static_chain(3);
    let mut block = chain.block(2);
    block.signed_header.commit.signatures[3].signature[40] ^= 0x80;
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::InvalidSignature { validator_index: 3 }
    );
}

#[test]
fn signer_outside_the_set_is_rejected() {
    let chain = static_chain(3);
    let mut block = chain.block(2);
    block.signed_header.commit.signatures[3].validator_index = 4;
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::SignerIndexOutOfRange {
            validator_index: 4,
            validators: 4
        }
    );
}

#[test]
fn empty_commit_is_rejected() {
    let chain = static_chain(3);
    let mut block = chain.block(2);
    block.signed_header.commit.signatures.clear();
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::EmptyCommit
    );
}

#[test]
fn duplicate_signer_is_rejected_and_never_double_counted() {
    // Powers 1, 1, 1 and 3 (total 6): seeds 1 and 4 hold exactly 4/6 = 2/3.
    let set = set_of(&[(1, 1), (2, 1), (3, 1), (4, 3)]);
    let block = signed_by(header(2, &set, &set, 0), &set, &set, &[1, 4]);
    let (index_1, _) = set.find(&signer(1).public_key()).unwrap();
    let sig_1 = *block
        .signed_header
        .commit
        .signatures
        .iter()
        .find(|s| usize::from(s.validator_index) == index_1)
        .unwrap();
    let mut dup = block.clone();
    dup.signed_header.commit.signatures.push(sig_1);
    dup.signed_header
        .commit
        .signatures
        .sort_by_key(|s| s.validator_index);
    // Counted twice, seed 1 would lift the commit above 2/3; it is counted once.
    assert_eq!(
        has_sufficient_signing_power(&dup.signed_header.commit, &set),
        Err(VerificationError::InsufficientSigningPower {
            signed: 4,
            total: 6
        })
    );
    let trusted = ConsensusState {
        height: Height(1),
        timestamp: time_of(1),
        ..ConsensusState::from_light_block(&block)
    };
    assert_eq!(
        invalid(verify_from(&dup, &trusted, now_after(2))),
        VerificationError::DuplicateSigner {
            validator_index: index_1 as u16
        }
    );
    // Out of order but distinct indices have their own error.
    let mut swapped = signed_by(header(2, &set, &set, 0), &set, &set, &[1, 2, 3, 4]);
    swapped.signed_header.commit.signatures.swap(1, 2);
    assert!(matches!(
        invalid(verify_from(&swapped, &trusted, now_after(2))),
        VerificationError::SignersNotAscending { .. }
    ));
    // The canonical decoder refuses both.
    assert!(LightBlock::decode(&dup.encode()).is_err());
    assert!(LightBlock::decode(&swapped.encode()).is_err());
}

#[test]
fn exactly_two_thirds_fails_and_just_above_passes() {
    let trusted_for = |set: &ValidatorSet| ConsensusState {
        height: Height(1),
        timestamp: time_of(1),
        header_hash: Default::default(),
        app_state_root: Default::default(),
        outbox_root: Default::default(),
        next_validators: set.clone(),
    };
    let equal = set_of(&[(1, 100), (2, 100), (3, 100)]);
    let block = signed_by(header(2, &equal, &equal, 0), &equal, &equal, &[1, 2]);
    assert_eq!(
        invalid(verify_from(&block, &trusted_for(&equal), now_after(2))),
        VerificationError::InsufficientSigningPower {
            signed: 200,
            total: 300
        }
    );
    let skewed = set_of(&[(1, 101), (2, 100), (3, 99)]);
    let block = signed_by(header(2, &skewed, &skewed, 0), &skewed, &skewed, &[1, 2]);
    assert_eq!(
        verify_from(&block, &trusted_for(&skewed), now_after(2)),
        Verdict::Success
    );
}

#[test]
fn adjacent_header_with_wrong_validators_is_rejected() {
    let chain = static_chain(3);
    // Self-consistent and fully signed, but by a set the trusted header did not name.
    let usurpers = equal_set([5, 6, 7, 8]);
    let block = signed_by(
        header(2, &usurpers, &usurpers, 0),
        &usurpers,
        &usurpers,
        &[5, 6, 7, 8],
    );
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::AdjacentValidatorsMismatch {
            got: usurpers.hash(),
            expected: chain.set(2).hash()
        }
    );
}

#[test]
fn block_with_sets_its_header_does_not_name_is_rejected() {
    let chain = static_chain(3);
    let mut block = chain.block(2);
    block.validators = equal_set([5, 6, 7, 8]);
    assert!(matches!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::ValidatorsHashMismatch { .. }
    ));
    let mut block = chain.block(2);
    block.next_validators = equal_set([5, 6, 7, 8]);
    assert!(matches!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::NextValidatorsHashMismatch { .. }
    ));
}

#[test]
fn header_of_another_chain_is_rejected() {
    let chain = static_chain(3);
    let set = chain.set(2);
    let mut h = header(2, &set, &set, 0);
    h.chain_id = ChainId(2);
    let block = signed_by(h, &set, &set, &[1, 2, 3, 4]);
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::ChainIdMismatch {
            got: ChainId(2),
            expected: CHAIN
        }
    );
}

#[test]
fn vote_signed_for_another_chain_is_rejected() {
    let chain = static_chain(3);
    let mut block = chain.block(2);
    let h = *block.header();
    let hash = h.hash();
    for sig in &mut block.signed_header.commit.signatures {
        let seed = [1u8, 2, 3, 4]
            .into_iter()
            .find(|&s| {
                Some(signer(s).public_key())
                    == chain
                        .set(2)
                        .get(sig.validator_index.into())
                        .map(|v| v.pub_key)
            })
            .unwrap();
        sig.signature = signer(seed).sign(&vote_sign_bytes(ChainId(2), h.height, &hash));
    }
    assert!(matches!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(2))),
        VerificationError::InvalidSignature { .. }
    ));
}

#[test]
fn expired_trusted_state_is_rejected() {
    let chain = static_chain(3);
    let trusted = chain.consensus(1);
    let expiry = time_of(1).get() + TRUSTING_PERIOD_MS;
    assert_eq!(
        invalid(verify_from(&chain.block(2), &trusted, Timestamp(expiry))),
        VerificationError::TrustingPeriodExpired {
            trusted_time: time_of(1),
            expires_at: Timestamp(expiry),
            now: Timestamp(expiry)
        }
    );
    assert_eq!(
        verify_from(&chain.block(2), &trusted, Timestamp(expiry - 1)),
        Verdict::Success
    );
}

#[test]
fn header_from_the_future_is_not_yet_and_just_inside_the_drift_passes() {
    let chain = static_chain(3);
    let header_time = time_of(2).get();
    let now = Timestamp(header_time - MAX_CLOCK_DRIFT_MS);
    assert_eq!(
        verify_from(&chain.block(2), &chain.consensus(1), now),
        Verdict::NotYet(NotYetReason::HeaderFromFuture {
            header_time: time_of(2),
            now,
            max_clock_drift_ms: MAX_CLOCK_DRIFT_MS
        })
    );
    let now = Timestamp(header_time - MAX_CLOCK_DRIFT_MS + 1);
    assert_eq!(
        verify_from(&chain.block(2), &chain.consensus(1), now),
        Verdict::Success
    );
}

#[test]
fn non_monotonic_height_and_time_are_rejected() {
    let chain = static_chain(4);
    assert_eq!(
        invalid(verify_from(
            &chain.block(2),
            &chain.consensus(2),
            now_after(2)
        )),
        VerificationError::NonIncreasingHeight {
            got: Height(2),
            trusted: Height(2)
        }
    );
    assert!(matches!(
        invalid(verify_from(
            &chain.block(2),
            &chain.consensus(3),
            now_after(3)
        )),
        VerificationError::NonIncreasingHeight { .. }
    ));
    let set = chain.set(3);
    let mut h = header(3, &set, &set, 0);
    h.timestamp = time_of(1);
    let block = signed_by(h, &set, &set, &[1, 2, 3, 4]);
    assert_eq!(
        invalid(verify_from(&block, &chain.consensus(1), now_after(3))),
        VerificationError::NonIncreasingTime {
            got: time_of(1),
            trusted: time_of(1)
        }
    );
}

#[test]
fn unsafe_options_are_rejected() {
    let chain = static_chain(3);
    let trusted = chain.consensus(1);
    let mut opts = options();
    opts.trust_threshold = TrustThreshold {
        numerator: 1,
        denominator: 4,
    };
    assert!(matches!(
        verify(
            &chain.block(3),
            &trusted.trusted_state(CHAIN),
            &opts,
            now_after(3)
        ),
        Verdict::Invalid(VerificationError::Options(_))
    ));
}

/// Six equal validators; half of them are replaced at every height, so a set shares only half its
/// power with the next and none with the one after.
fn rotating_chain(max_height: u64) -> TestChain {
    TestChain::new(max_height, |h| {
        (0..6).map(|i| (3 * h + i + 1) as u8).collect()
    })
}

#[test]
fn skipping_over_a_fast_rotating_set_is_not_yet() {
    let chain = rotating_chain(10);
    let trusted = chain.consensus(1);
    // Height 3 is signed by set(3), which shares half of trusted next set(2): enough.
    assert_eq!(
        verify_from(&chain.block(3), &trusted, now_after(3)),
        Verdict::Success
    );
    // Height 4 is signed by set(4), which shares nothing with set(2).
    assert_eq!(
        verify_from(&chain.block(4), &trusted, now_after(4)),
        Verdict::NotYet(NotYetReason::NotEnoughTrust {
            tally: VotingPowerTally {
                tallied: 0,
                total: 60,
                trust_threshold: TrustThreshold::ONE_THIRD
            }
        })
    );
}

/// Verifies `target` from the client's latest state, bisecting on `NotYet` as a relayer would.
fn bisect(client: &mut InMemoryClient, chain: &TestChain, target: u64, now: Timestamp) -> usize {
    let mut steps = 0;
    let mut pending = vec![target];
    while let Some(&next) = pending.last() {
        let trusted = client.state().latest_height;
        steps += 1;
        assert!(steps < 64, "bisection does not converge");
        match update(client, trusted, &chain.block(next), now) {
            Ok(UpdateOutcome::Verified(_)) => {
                pending.pop();
            }
            Err(e) if e.is_transient() => {
                let mid = (trusted.get() + next) / 2;
                assert!(mid > trusted.get(), "adjacent headers never need trust");
                pending.push(mid);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    steps
}

#[test]
fn bisection_through_intermediate_headers_succeeds() {
    let chain = rotating_chain(20);
    let mut client = chain.client_at(1);
    let steps = bisect(&mut client, &chain, 20, now_after(20));
    assert_eq!(client.state().latest_height, Height(20));
    assert!(steps > 1);
    // With a static set, one skip suffices.
    let chain = static_chain(20);
    let mut client = chain.client_at(1);
    assert_eq!(bisect(&mut client, &chain, 20, now_after(20)), 1);
}

#[test]
fn skipping_with_exactly_one_third_overlap_fails_and_just_above_passes() {
    let untrusted = set_of(&[(1, 10), (4, 10), (5, 10)]);
    let block = signed_by(
        header(5, &untrusted, &untrusted, 0),
        &untrusted,
        &untrusted,
        &[1, 4, 5],
    );
    let trusted_with = |next: ValidatorSet| ConsensusState {
        height: Height(3),
        timestamp: time_of(3),
        header_hash: Default::default(),
        app_state_root: Default::default(),
        outbox_root: Default::default(),
        next_validators: next,
    };
    // Seed 1 holds exactly a third of the trusted power.
    let exact = trusted_with(set_of(&[(1, 100), (2, 100), (3, 100)]));
    assert_eq!(
        verify_from(&block, &exact, now_after(5)),
        Verdict::NotYet(NotYetReason::NotEnoughTrust {
            tally: VotingPowerTally {
                tallied: 100,
                total: 300,
                trust_threshold: TrustThreshold::ONE_THIRD
            }
        })
    );
    // One unit more: its trusted power (not its power in the new set) is what counts.
    let above = trusted_with(set_of(&[(1, 100), (2, 100), (3, 99)]));
    assert_eq!(verify_from(&block, &above, now_after(5)), Verdict::Success);
}
