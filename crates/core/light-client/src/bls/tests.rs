//! Tests of BLS mode: every rule, at and past its bound.

use strait_primitives::{ChainId, DecodeError, Hash32, Height, Timestamp};

use super::*;
use crate::{
    Header, MisbehaviourKind, NotYetReason, Options, TrustThreshold, Verdict, VerificationError,
    MAX_TOTAL_POWER, MAX_VALIDATORS,
};

const CHAIN: ChainId = ChainId(7);

fn signer(i: usize) -> BlsSigner {
    let mut ikm = [0x42u8; 32];
    ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
    BlsSigner::from_ikm(&ikm)
}

/// Signers `range` with the given powers, and their set (signers sorted in set order).
fn set_of(
    range: std::ops::Range<usize>,
    power: impl Fn(usize) -> u64,
) -> (Vec<BlsSigner>, BlsValidatorSet) {
    let mut signers: Vec<(BlsSigner, u64)> = range.map(|i| (signer(i), power(i))).collect();
    signers.sort_by_key(|(s, _)| s.public_key());
    let set = BlsValidatorSet::new(signers.iter().map(|(s, p)| s.validator(*p)).collect()).unwrap();
    (signers.into_iter().map(|(s, _)| s).collect(), set)
}

fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 1_000_000,
        max_clock_drift_ms: 1_000,
    }
}

fn header(height: u64) -> Header {
    Header {
        chain_id: CHAIN,
        height: Height(height),
        timestamp: Timestamp(10_000 + height),
        parent_hash: Hash32([1; 32]),
        app_state_root: Hash32([2; 32]),
        outbox_root: Hash32([3; 32]),
        validators_hash: Hash32([4; 32]),
        next_validators_hash: Hash32([4; 32]),
    }
}

fn block(height: u64, set: &BlsValidatorSet, signers: &[&BlsSigner]) -> BlsLightBlock {
    let header = header(height);
    BlsLightBlock {
        commit: sign_bls_commit(&header, set, set, signers),
        header,
        validators: set.clone(),
        next_validators: set.clone(),
    }
}

fn trusted(set: &BlsValidatorSet) -> BlsTrustedState<'_> {
    BlsTrustedState {
        chain_id: CHAIN,
        height: Height(1),
        timestamp: Timestamp(10_001),
        next_validators: set,
    }
}

const NOW: Timestamp = Timestamp(20_000);

fn invalid(v: Verdict) -> VerificationError {
    match v {
        Verdict::Invalid(e) => e,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn adjacent_and_skipping_blocks_signed_by_everyone_verify() {
    let (signers, set) = set_of(0..4, |_| 10);
    let all: Vec<&BlsSigner> = signers.iter().collect();
    for height in [2, 100] {
        let b = block(height, &set, &all);
        assert_eq!(
            verify_bls(&b, &trusted(&set), &options(), NOW),
            Verdict::Success
        );
        assert_eq!(BlsLightBlock::decode(&b.encode()).unwrap(), b);
    }
}

#[test]
fn signing_power_exactly_two_thirds_fails_just_above_passes() {
    // Powers 1, 1, 1: two signers hold 2/3 exactly; 3 of 3 is above.
    let (signers, set) = set_of(0..3, |_| 1);
    let two = block(2, &set, &[&signers[0], &signers[1]]);
    assert_eq!(
        invalid(verify_bls(&two, &trusted(&set), &options(), NOW)),
        VerificationError::InsufficientSigningPower {
            signed: 2,
            total: 3
        }
    );
    // Powers 2, 1, 1 of 4 (sorted order varies): 3 of 4 > 2/3.
    let (signers, set) = set_of(0..3, |i| if i == 0 { 2 } else { 1 });
    let heavy = signers
        .iter()
        .find(|s| set.find(&s.public_key()).unwrap().1.power == 2)
        .unwrap();
    let light = signers
        .iter()
        .find(|s| set.find(&s.public_key()).unwrap().1.power == 1)
        .unwrap();
    let b = block(2, &set, &[heavy, light]);
    assert_eq!(
        verify_bls(&b, &trusted(&set), &options(), NOW),
        Verdict::Success
    );
}

#[test]
fn skipping_needs_more_than_the_trust_threshold_of_the_trusted_set() {
    // Trusted: validators 0..3 (power 1 each). New set: 2..8; only validator 2 is trusted.
    let (_, old) = set_of(0..3, |_| 1);
    let (signers, new) = set_of(2..8, |_| 1);
    let all: Vec<&BlsSigner> = signers.iter().collect();
    let b = block(10, &new, &all);
    match verify_bls(&b, &trusted(&old), &options(), NOW) {
        Verdict::NotYet(NotYetReason::NotEnoughTrust { tally }) => {
            assert_eq!((tally.tallied, tally.total), (1, 3))
        }
        other => panic!("{other:?}"),
    }
    // Two trusted signers of three: above 1/3.
    let (signers, new) = set_of(1..5, |_| 1);
    let all: Vec<&BlsSigner> = signers.iter().collect();
    let b = block(10, &new, &all);
    assert_eq!(
        verify_bls(&b, &trusted(&old), &options(), NOW),
        Verdict::Success
    );
    // Adjacent, the set must be the trusted next set.
    let b = block(2, &new, &all);
    assert!(matches!(
        invalid(verify_bls(&b, &trusted(&old), &options(), NOW)),
        VerificationError::AdjacentValidatorsMismatch { .. }
    ));
}

#[test]
fn bitmap_bounds() {
    let (signers, set) = set_of(0..9, |_| 1);
    let all: Vec<&BlsSigner> = signers.iter().collect();
    let good = block(2, &set, &all);
    assert_eq!(good.commit.bitmap, vec![0xff, 0x01]);
    let check = |b: &BlsLightBlock| invalid(verify_bls(b, &trusted(&set), &options(), NOW));
    for len in [1, 3] {
        let mut b = good.clone();
        b.commit.bitmap.resize(len, 0);
        assert_eq!(
            check(&b),
            VerificationError::BitmapLengthMismatch {
                got: len,
                expected: 2
            }
        );
    }
    // Bit 9 is the first past the set; bit 8 is the last in it.
    let mut b = good.clone();
    b.commit.bitmap[1] = 0b11;
    assert_eq!(
        check(&b),
        VerificationError::SignerIndexOutOfRange {
            validator_index: 9,
            validators: 9
        }
    );
    let mut b = good.clone();
    b.commit.bitmap = vec![0, 0];
    assert_eq!(check(&b), VerificationError::EmptyCommit);
    // Decoding: a bitmap of MAX_BLS_BITMAP_LEN bytes is read, one more is refused.
    let mut bytes = vec![MAX_BLS_BITMAP_LEN as u8];
    bytes.extend(vec![0u8; MAX_BLS_BITMAP_LEN]);
    bytes.extend([0u8; SIGNATURE_LEN]);
    assert_eq!(BlsCommit::decode(&bytes).unwrap().bitmap.len(), 64);
    let mut bytes = vec![MAX_BLS_BITMAP_LEN as u8 + 1];
    bytes.extend(vec![0u8; MAX_BLS_BITMAP_LEN + 1]);
    bytes.extend([0u8; SIGNATURE_LEN]);
    assert!(matches!(
        BlsCommit::decode(&bytes),
        Err(DecodeError::TooLarge { .. })
    ));
}

#[test]
fn forged_aggregates_are_refused() {
    let (signers, set) = set_of(0..4, |_| 1);
    let check = |b: &BlsLightBlock| invalid(verify_bls(b, &trusted(&set), &options(), NOW));
    // A bit claimed for a validator that did not sign.
    let mut b = block(2, &set, &[&signers[0], &signers[1], &signers[2]]);
    b.commit.bitmap[0] = 0x0f;
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
    // A bit dropped for a validator that signed (the aggregate no longer matches the key sum).
    let mut b = block(2, &set, &signers.iter().collect::<Vec<_>>());
    let full = b.clone();
    b.commit.bitmap[0] = 0x07;
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
    // Not a point; the identity (compressed infinity is not accepted uncompressed either).
    let mut b = full.clone();
    b.commit.signature[100] ^= 1;
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
    let mut b = full.clone();
    b.commit.signature = [0; SIGNATURE_LEN];
    b.commit.signature[0] = 0x40;
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
    // Every signed field is bound: another header, another next set.
    let mut b = full.clone();
    b.header.outbox_root = Hash32([9; 32]);
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
    let (_, other) = set_of(10..11, |_| 1);
    let mut b = full.clone();
    b.next_validators = other;
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
    // The ed25519 vote tag's message does not verify (domain separation).
    let mut b = full;
    let vote = crate::vote_sign_bytes(CHAIN, Height(2), &b.header.hash());
    let sigs: Vec<_> = signers.iter().map(|s| s.sign(&vote)).collect();
    b.commit.signature = aggregate_signatures(&sigs).unwrap();
    assert_eq!(check(&b), VerificationError::InvalidAggregateSignature);
}

#[test]
fn time_and_height_rules_apply() {
    let (signers, set) = set_of(0..2, |_| 1);
    let b = block(2, &set, &signers.iter().collect::<Vec<_>>());
    let opts = options();
    // Expired at exactly trusted time + period.
    let at_expiry = Timestamp(10_001 + opts.trusting_period_ms);
    assert!(matches!(
        invalid(verify_bls(&b, &trusted(&set), &opts, at_expiry)),
        VerificationError::TrustingPeriodExpired { .. }
    ));
    let mut t = trusted(&set);
    t.height = Height(2);
    assert!(matches!(
        invalid(verify_bls(&b, &t, &opts, NOW)),
        VerificationError::NonIncreasingHeight { .. }
    ));
    t.chain_id = ChainId(8);
    assert!(matches!(
        invalid(verify_bls(&b, &t, &opts, NOW)),
        VerificationError::ChainIdMismatch { .. }
    ));
    // From the future: header time 10_002 == now + drift is refused, one more ms of now is not.
    assert!(matches!(
        verify_bls(&b, &trusted(&set), &opts, Timestamp(10_002 - 1_000)),
        Verdict::NotYet(NotYetReason::HeaderFromFuture { .. })
    ));
    assert_eq!(
        verify_bls(&b, &trusted(&set), &opts, Timestamp(10_003 - 1_000)),
        Verdict::Success
    );
}

#[test]
fn set_rules_at_and_past_their_bounds() {
    let v = |i: usize, p: u64| signer(i).validator(p);
    let mut sorted = vec![v(0, 1), v(1, 1)];
    sorted.sort_by_key(|x| x.pub_key);
    assert_eq!(
        BlsValidatorSet::new(vec![]),
        Err(BlsValidatorSetError::Empty)
    );
    let reversed: Vec<_> = sorted.iter().rev().copied().collect();
    assert_eq!(
        BlsValidatorSet::new(reversed),
        Err(BlsValidatorSetError::NotSorted { index: 1 })
    );
    assert_eq!(
        BlsValidatorSet::new(vec![sorted[0], sorted[0]]),
        Err(BlsValidatorSetError::NotSorted { index: 1 })
    );
    assert_eq!(
        BlsValidatorSet::new(vec![v(0, 0)]),
        Err(BlsValidatorSetError::ZeroPower { index: 0 })
    );
    // Total power: exactly the maximum is accepted, one more is refused.
    let mut max = sorted.clone();
    max[0].power = MAX_TOTAL_POWER - 1;
    assert!(BlsValidatorSet::new(max.clone()).is_ok());
    max[1].power = 2;
    assert_eq!(
        BlsValidatorSet::new(max),
        Err(BlsValidatorSetError::TotalPowerTooLarge {
            max: MAX_TOTAL_POWER
        })
    );
    // Another key's proof of possession; a key off the curve; the identity key.
    let mut stolen = sorted.clone();
    stolen[1].proof_of_possession = stolen[0].proof_of_possession;
    assert_eq!(
        BlsValidatorSet::new(stolen),
        Err(BlsValidatorSetError::InvalidProofOfPossession { index: 1 })
    );
    let mut off = sorted.clone();
    off[1].pub_key[95] ^= 1;
    assert_eq!(
        BlsValidatorSet::new(off),
        Err(BlsValidatorSetError::InvalidKey { index: 1 })
    );
    let mut identity = [0u8; PUBLIC_KEY_LEN];
    identity[0] = 0x40;
    let bad = BlsValidator {
        pub_key: identity,
        ..sorted[0]
    };
    assert_eq!(
        BlsValidatorSet::new(vec![bad]),
        Err(BlsValidatorSetError::InvalidKey { index: 0 })
    );
    // Count: MAX_VALIDATORS + 1 is refused before any key is read; one over by list too.
    let mut bytes = ((MAX_VALIDATORS + 1) as u32).to_be_bytes().to_vec();
    bytes.extend(vec![0u8; 8]);
    assert!(matches!(
        BlsValidatorSet::decode(&bytes),
        Err(BlsValidatorSetError::Decode(DecodeError::TooLarge { .. }))
    ));
    assert_eq!(
        BlsValidatorSet::new(vec![sorted[0]; MAX_VALIDATORS + 1]),
        Err(BlsValidatorSetError::TooManyValidators {
            got: MAX_VALIDATORS + 1,
            max: MAX_VALIDATORS
        })
    );
}

#[test]
fn a_full_set_of_max_validators_signs_and_verifies() {
    let (signers, set) = set_of(0..MAX_VALIDATORS, |_| 1);
    let all: Vec<&BlsSigner> = signers.iter().collect();
    let b = block(2, &set, &all);
    assert_eq!(b.commit.bitmap.len(), MAX_BLS_BITMAP_LEN);
    assert_eq!(
        verify_bls(&b, &trusted(&set), &options(), NOW),
        Verdict::Success
    );
    let bytes = b.encode();
    // SPEC [STRAIT-LC-BLS.3]: the largest BLS light block.
    assert_eq!(bytes.len(), 303_554);
    assert_eq!(BLS_SIGN_BYTES_LEN, 136);
    assert_eq!(BlsLightBlock::decode(&bytes).unwrap(), b);
}

#[test]
fn decoding_never_panics_on_truncation_or_trailing_bytes() {
    let (signers, set) = set_of(0..2, |_| 1);
    let bytes = block(2, &set, &signers.iter().collect::<Vec<_>>()).encode();
    for len in 0..bytes.len() {
        assert!(BlsLightBlock::decode(&bytes[..len]).is_err(), "{len}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        BlsLightBlock::decode(&long),
        Err(BlsValidatorSetError::Decode(DecodeError::TrailingBytes {
            extra: 1
        }))
    );
}

#[test]
fn misbehaviour_is_two_verified_conflicting_headers() {
    let (signers, set) = set_of(0..4, |_| 1);
    let all: Vec<&BlsSigner> = signers.iter().collect();
    let a = block(5, &set, &all);
    let mut fork_header = header(5);
    fork_header.outbox_root = Hash32([0xee; 32]);
    let fork = BlsLightBlock {
        commit: sign_bls_commit(&fork_header, &set, &set, &all),
        header: fork_header,
        ..a.clone()
    };
    let t = trusted(&set);
    assert_eq!(
        check_bls_misbehaviour((&a, &t), (&fork, &t), &options(), NOW),
        Ok(MisbehaviourKind::ConflictingHeaders)
    );
    assert_eq!(
        check_bls_misbehaviour((&a, &t), (&a, &t), &options(), NOW),
        Err(BlsMisbehaviourError::NotMisbehaviour {
            height_1: Height(5),
            height_2: Height(5)
        })
    );
    // A higher header not after a lower one in time.
    let mut late_header = header(6);
    late_header.timestamp = a.header.timestamp;
    let late = BlsLightBlock {
        commit: sign_bls_commit(&late_header, &set, &set, &all),
        header: late_header,
        ..a.clone()
    };
    assert_eq!(
        check_bls_misbehaviour((&late, &t), (&a, &t), &options(), NOW),
        Ok(MisbehaviourKind::NonMonotonicTime)
    );
    // Forged evidence (one block without a valid aggregate) harms no one.
    let mut forged = fork;
    forged.commit.bitmap[0] = 0x07;
    assert!(matches!(
        check_bls_misbehaviour((&a, &t), (&forged, &t), &options(), NOW),
        Err(BlsMisbehaviourError::Unverified { which: 2, .. })
    ));
}
