//! Cheap checks before signatures (`[STRAIT-LC.3]`, `[STRAIT-LC.5]` to `[STRAIT-LC.7]`), forged
//! headers, the culprit search, and the ed25519 rule inside a commit.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha512};
use strait_light_client::*;
use strait_primitives::{Height, Timestamp};

use crate::support::*;

fn verify_from(block: &LightBlock, trusted: &ConsensusState, now: Timestamp) -> Verdict {
    verify(block, &trusted.trusted_state(CHAIN), &options(), now)
}

/// Every signature of the commit made invalid.
fn forge_all(block: &mut LightBlock) {
    for s in &mut block.signed_header.commit.signatures {
        s.signature[3] ^= 1;
    }
}

#[test]
fn skipping_commit_of_strangers_is_not_enough_trust_before_any_signature() {
    // Signers unknown to the trusted set, with forged signatures: the trust tally (key lookups)
    // answers first. Checking signatures first answered InvalidSignature.
    let chain = static_chain(5);
    let strangers = equal_set(50..=53);
    let mut block = signed_by(
        header(4, &strangers, &strangers, 0),
        &strangers,
        &strangers,
        &[50, 51, 52, 53],
    );
    forge_all(&mut block);
    assert!(matches!(
        verify_from(&block, &chain.consensus(1), now_after(4)),
        Verdict::NotYet(NotYetReason::NotEnoughTrust { tally }) if tally.tallied == 0
    ));
}

#[test]
fn commit_of_too_little_power_is_insufficient_before_any_signature() {
    // Two of four claimed signers, both forged: the power tally answers first.
    let chain = static_chain(5);
    let set = chain.set(2);
    let mut block = signed_by(header(2, &set, &set, 0), &set, &set, &[1, 2]);
    forge_all(&mut block);
    assert_eq!(
        verify_from(&block, &chain.consensus(1), now_after(2)),
        Verdict::Invalid(VerificationError::InsufficientSigningPower {
            signed: 20,
            total: 40
        })
    );
}

#[test]
fn bisection_names_the_first_of_several_bad_signatures() {
    let seeds: Vec<u8> = (1..=40).collect();
    let set = equal_set(seeds.iter().copied());
    let block_of = |bad: &[usize]| {
        let mut block = signed_by(header(2, &set, &set, 0), &set, &set, &seeds);
        for &i in bad {
            block.signed_header.commit.signatures[i].signature[0] ^= 1;
        }
        block
    };
    let trusted = ConsensusState {
        height: Height(1),
        timestamp: time_of(1),
        header_hash: Default::default(),
        app_state_root: Default::default(),
        outbox_root: Default::default(),
        next_validators: set.clone(),
    };
    assert_eq!(
        verify_from(&block_of(&[]), &trusted, now_after(2)),
        Verdict::Success
    );
    for bad in [
        &[0][..],
        &[39],
        &[17, 18, 30],
        &[5, 39],
        &[21, 22, 23, 24, 25, 26],
    ] {
        assert_eq!(
            verify_from(&block_of(bad), &trusted, now_after(2)),
            Verdict::Invalid(VerificationError::InvalidSignature {
                validator_index: bad[0] as u16
            }),
            "{bad:?}"
        );
    }
}

/// Replaces the signature of validator `seed` by one whose R has an order-2 component: valid under
/// the cofactored rule, rejected by a cofactorless single check.
fn resign_with_torsion(block: &mut LightBlock, seed: u8) {
    let header = *block.header();
    let message = vote_sign_bytes(header.chain_id, header.height, &header.hash());
    let key = signer(seed).public_key();
    let (index, _) = block.validators.find(&key).unwrap();
    let a = SigningKey::from_bytes(&[seed; 32]).to_scalar();
    let r = Scalar::from_bytes_mod_order([seed ^ 0x55; 32]);
    let r_bytes = (r * B + EIGHT_TORSION[4]).compress().to_bytes();
    let hram: [u8; 64] = Sha512::new()
        .chain_update(r_bytes)
        .chain_update(key.0)
        .chain_update(message)
        .finalize()
        .into();
    let s = r + Scalar::from_bytes_mod_order_wide(&hram) * a;
    let sig = block
        .signed_header
        .commit
        .signatures
        .iter_mut()
        .find(|s| usize::from(s.validator_index) == index)
        .unwrap();
    sig.signature[..32].copy_from_slice(&r_bytes);
    sig.signature[32..].copy_from_slice(s.as_bytes());
}

#[test]
fn signature_with_order2_r_component_verifies_every_time() {
    // ed25519-dalek's batch accepted such a signature about one time in two (depending on its
    // coefficients), its single check never: the verdict depended on the other inputs.
    let chain = static_chain(12);
    for height in 2..=12 {
        let mut block = chain.block(height);
        resign_with_torsion(&mut block, 3);
        assert_eq!(
            verify_from(&block, &chain.consensus(height - 1), now_after(height)),
            Verdict::Success,
            "height {height}"
        );
        let sig = block
            .signed_header
            .commit
            .signatures
            .iter()
            .find(|s| {
                block.validators.validators()[usize::from(s.validator_index)].pub_key
                    == signer(3).public_key()
            })
            .unwrap();
        let h = block.header();
        let message = vote_sign_bytes(h.chain_id, h.height, &h.hash());
        assert!(ed25519::verify(&signer(3).public_key().0, &message, &sig.signature).is_ok());
    }
}

#[test]
fn timestamp_tampered_past_the_trusting_period_is_invalid_before_any_signature() {
    let chain = static_chain(3);
    let trusted = chain.consensus(1);
    let limit = time_of(1).get() + TRUSTING_PERIOD_MS + MAX_CLOCK_DRIFT_MS;
    let mut block = chain.block(2);
    block.signed_header.header.timestamp = Timestamp(limit);
    assert_eq!(
        verify_from(&block, &trusted, now_after(2)),
        Verdict::Invalid(VerificationError::HeaderTimeUnreachable {
            header_time: Timestamp(limit),
            limit: Timestamp(limit),
        })
    );
    // One millisecond earlier it is only "not yet" (its signatures, now wrong, are not looked at),
    // and no `now` ever makes it verify: the trusted state expires first.
    block.signed_header.header.timestamp = Timestamp(limit - 1);
    assert!(matches!(
        verify_from(&block, &trusted, now_after(2)),
        Verdict::NotYet(NotYetReason::HeaderFromFuture { .. })
    ));
    let expiry = time_of(1).get() + TRUSTING_PERIOD_MS;
    assert!(matches!(
        verify_from(&block, &trusted, Timestamp(expiry - 1)),
        Verdict::NotYet(NotYetReason::HeaderFromFuture { .. })
    ));
    assert!(matches!(
        verify_from(&block, &trusted, Timestamp(expiry)),
        Verdict::Invalid(VerificationError::TrustingPeriodExpired { .. })
    ));
}

#[test]
fn header_resigned_by_another_chains_validators_ends_invalid_when_bisected() {
    // A hostile source serves, at every height, headers of the right chain id re-signed by
    // validators the client never trusted. Skipping answers NotEnoughTrust; a relayer bisecting
    // reaches the adjacent header, which is Invalid, in about log2(distance) steps.
    let real = static_chain(64);
    let forged = TestChain::new(64, |_| (50..=53).collect());
    let mut client = real.client_at(1);
    let now = now_after(64);
    let mut target = 64u64;
    let mut steps = 0;
    let verdict = loop {
        steps += 1;
        assert!(steps <= 8, "bisection does not terminate");
        match update(&mut client, Height(1), &forged.block(target), now) {
            Err(e) if e.is_transient() => {
                assert_eq!(e.name(), "NotEnoughTrust");
                target = 1 + (target - 1) / 2;
            }
            other => break other,
        }
    };
    assert_eq!(target, 2);
    match verdict {
        Err(e) => assert_eq!(e.name(), "AdjacentValidatorsMismatch"),
        Ok(o) => panic!("forged header accepted: {o:?}"),
    }
    assert_eq!(client.state().latest_height, Height(1));
}
