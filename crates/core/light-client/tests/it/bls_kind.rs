//! The BLS header mode as a verifier kind (`[STRAIT-VERIFIER.BFT-BLS]`), over a plain ordered
//! store: the BFT kind's trust rules and client state machine with one pairing per header.

use strait_light_client::bls::kind::{
    encode_init, encode_misbehaviour, encode_update, stored_client_state,
};
use strait_light_client::bls::*;
use strait_light_client::{Header, MisbehaviourKind, Options, TrustThreshold};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};
use strait_verifier::{ClientStatus, MemStore as Store, Updated, Verifier, VerifierError};

const CHAIN: ChainId = ChainId(1);
const K: BlsHeaderVerifier = BlsHeaderVerifier;

fn signer(i: u8) -> BlsSigner {
    BlsSigner::from_ikm(&[i; 32])
}

fn set(members: &[u8]) -> BlsValidatorSet {
    let mut v: Vec<BlsValidator> = members.iter().map(|&i| signer(i).validator(10)).collect();
    v.sort_by_key(|v| v.pub_key);
    BlsValidatorSet::new(v).unwrap()
}

fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 1_000_000,
        max_clock_drift_ms: 1_000,
    }
}

fn time(height: u64) -> Timestamp {
    Timestamp(100_000 + height * 1_000)
}

fn now(height: u64) -> Timestamp {
    Timestamp(time(height).get() + 1)
}

fn header(height: u64, salt: u8) -> Header {
    Header {
        chain_id: CHAIN,
        height: Height(height),
        timestamp: time(height),
        parent_hash: Hash32([salt; 32]),
        app_state_root: Hash32([2; 32]),
        outbox_root: Hash32([height as u8 ^ salt; 32]),
        validators_hash: Hash32([4; 32]),
        next_validators_hash: Hash32([4; 32]),
    }
}

/// The block at `height` of members `current`, naming `next`, signed by `signers`.
fn block(height: u64, salt: u8, current: &[u8], next: &[u8], signers: &[u8]) -> BlsLightBlock {
    let (validators, next_validators) = (set(current), set(next));
    let header = header(height, salt);
    let keys: Vec<BlsSigner> = signers.iter().map(|&i| signer(i)).collect();
    let refs: Vec<&BlsSigner> = keys.iter().collect();
    BlsLightBlock {
        commit: sign_bls_commit(&header, &validators, &next_validators, &refs),
        header,
        validators,
        next_validators,
    }
}

const MEMBERS: &[u8] = &[1, 2, 3, 4];

fn created() -> Store {
    let mut store = Store::default();
    let trusted = BlsConsensusState::from_block(&block(1, 0, MEMBERS, MEMBERS, MEMBERS));
    let init = encode_init(&options(), &trusted);
    assert_eq!(K.create_cost(&init), Ok(MEMBERS.len()));
    assert_eq!(K.create(&mut store, CHAIN, &init), Ok(Height(1)));
    store
}

fn name<T: std::fmt::Debug>(r: Result<T, VerifierError>) -> &'static str {
    r.unwrap_err().name()
}

#[test]
fn adjacent_and_skipping_headers_verify_and_a_duplicate_changes_nothing() {
    let mut store = created();
    assert_eq!(K.name(), "bft-bls");
    assert_eq!(K.status(&store), Ok(ClientStatus::Active));
    let b2 = block(2, 0, MEMBERS, MEMBERS, &[1, 2, 3]);
    let adjacent = encode_update(Height(1), &b2);
    // Adjacent: the aggregate's pairing only.
    assert_eq!(K.update_cost(&adjacent), Ok(1));
    assert_eq!(
        K.update(&mut store, &adjacent, now(2)),
        Ok(Updated::Verified {
            height: Height(2),
            root: b2.header.outbox_root
        })
    );
    let before = store.0.clone();
    assert_eq!(
        K.update(&mut store, &adjacent, now(2)),
        Ok(Updated::Duplicate)
    );
    assert_eq!(store.0, before);
    // Skipping: the pairing and, at most, one proof of possession per signer.
    let b9 = block(9, 0, MEMBERS, MEMBERS, &[1, 2, 4]);
    let skipping = encode_update(Height(2), &b9);
    assert_eq!(K.update_cost(&skipping), Ok(1 + 3));
    assert!(matches!(
        K.update(&mut store, &skipping, now(9)),
        Ok(Updated::Verified {
            height: Height(9),
            ..
        })
    ));
    assert_eq!(K.latest_height(&store), Ok(Height(9)));
    assert_eq!(
        K.verified_root(&store, Height(9)),
        Ok(Some(b9.header.outbox_root))
    );
    assert_eq!(K.verified_root(&store, Height(5)), Ok(None));
}

#[test]
fn a_set_change_is_followed_adjacently_and_new_keys_pay_their_proofs_when_skipping() {
    let mut store = created();
    let next: &[u8] = &[3, 4, 5, 6];
    // Block 2 names the next set; block 3 is signed by it.
    let b2 = block(2, 0, MEMBERS, next, MEMBERS);
    K.update(&mut store, &encode_update(Height(1), &b2), now(2))
        .unwrap();
    let b3 = block(3, 0, next, next, next);
    assert!(K
        .update(&mut store, &encode_update(Height(2), &b3), now(3))
        .is_ok());
    // From height 1, skipping to a block of the new set: members 3 and 4 carry the trust, 5 and 6
    // are new keys whose proofs are checked.
    let mut other = created();
    let b4 = block(4, 0, next, next, next);
    assert!(K
        .update(&mut other, &encode_update(Height(1), &b4), now(4))
        .is_ok());
    // An adjacent block of another set than the trusted next one.
    let wrong = block(2, 0, next, next, next);
    assert_eq!(
        name(K.update(&mut created(), &encode_update(Height(1), &wrong), now(2))),
        "AdjacentValidatorsMismatch"
    );
}

#[test]
fn a_new_signer_without_a_valid_proof_of_possession_is_refused() {
    // Members 1, 2 (trusted) and 9 (new) sign honestly, but 9's proof is 1's: a rogue key would
    // need exactly this, since it cannot prove possession of its own key.
    let mut b = block(5, 0, &[1, 2, 9], &[1, 2, 9], &[1, 2, 9]);
    let mut validators = b.validators.validators().to_vec();
    let nine = validators
        .iter()
        .position(|v| v.pub_key == signer(9).public_key())
        .unwrap();
    validators[nine].proof_of_possession = signer(1).proof_of_possession();
    b.validators = BlsValidatorSet::new_unproven(validators.clone()).unwrap();
    b.next_validators = b.validators.clone();
    let message = b.sign_bytes(&b.header.hash());
    let signatures: Vec<_> = [1u8, 2, 9]
        .iter()
        .map(|&i| signer(i).sign(&message))
        .collect();
    b.commit.signature = aggregate_signatures(&signatures).unwrap();
    // The full decoder refuses the set; the kind reads it and refuses the signer.
    assert!(BlsLightBlock::decode(&b.encode()).is_err());
    let mut store = created();
    let before = store.0.clone();
    let error = K
        .update(&mut store, &encode_update(Height(1), &b), now(5))
        .unwrap_err();
    assert_eq!(error.name(), "InvalidProofOfPossession");
    assert!(!error.is_transient());
    assert_eq!(store.0, before);
}

#[test]
fn a_new_signer_whose_key_is_the_identity_is_refused_before_the_pairing() {
    // Members 1 and 2 (trusted) sign; a third validator with the identity as key claims to.
    let mut identity = [0u8; 96];
    identity[0] = 0x40;
    let mut validators: Vec<BlsValidator> =
        [1u8, 2].iter().map(|&i| signer(i).validator(10)).collect();
    validators.push(BlsValidator {
        pub_key: identity,
        proof_of_possession: signer(1).proof_of_possession(),
        power: 10,
    });
    validators.sort_by_key(|v| v.pub_key);
    let set = BlsValidatorSet::new_unproven(validators).unwrap();
    assert!(BlsValidatorSet::decode(&set.encode()).is_err());
    let header = header(5, 0);
    let message = bls_sign_bytes(
        CHAIN,
        header.height,
        &header.hash(),
        &set.hash(),
        &set.hash(),
    );
    let signatures: Vec<_> = [1u8, 2].iter().map(|&i| signer(i).sign(&message)).collect();
    let b = BlsLightBlock {
        header,
        commit: BlsCommit {
            bitmap: vec![0b111],
            signature: aggregate_signatures(&signatures).unwrap(),
        },
        validators: set.clone(),
        next_validators: set,
    };
    assert_eq!(
        name(K.update(&mut created(), &encode_update(Height(1), &b), now(5))),
        "InvalidProofOfPossession"
    );
}

#[test]
fn a_conflicting_header_freezes_and_the_evidence_refreezes_a_reverted_store() {
    let mut store = created();
    let honest = block(3, 0, MEMBERS, MEMBERS, MEMBERS);
    K.update(&mut store, &encode_update(Height(1), &honest), now(3))
        .unwrap();
    let reverted = store.clone();
    let forged = block(3, 7, MEMBERS, MEMBERS, &[1, 2, 3]);
    let Ok(Updated::Misbehaviour { evidence }) =
        K.update(&mut store, &encode_update(Height(1), &forged), now(3))
    else {
        panic!("a conflicting header is misbehaviour");
    };
    assert_eq!(K.status(&store), Ok(ClientStatus::Frozen));
    let frozen = stored_client_state(&store).unwrap().frozen.unwrap();
    assert_eq!(frozen.kind, MisbehaviourKind::ConflictingHeaders);
    assert_eq!(frozen.first.header_hash, honest.header.hash());
    assert_eq!(frozen.second.header_hash, forged.header.hash());
    assert_eq!(BlsEvidence::decode(&evidence), Ok(frozen));
    // Frozen: updates are refused.
    let b4 = block(4, 0, MEMBERS, MEMBERS, MEMBERS);
    assert_eq!(
        name(K.update(&mut store, &encode_update(Height(3), &b4), now(4))),
        "Frozen"
    );
    // The transaction reverted: the host re-applies the freeze from the evidence.
    let mut store = reverted;
    assert_eq!(K.status(&store), Ok(ClientStatus::Active));
    K.freeze(&mut store, &evidence).unwrap();
    assert_eq!(K.status(&store), Ok(ClientStatus::Frozen));
    assert_eq!(name(K.freeze(&mut store, &evidence[1..])), "Malformed");
}

#[test]
fn a_header_out_of_time_order_freezes() {
    let mut store = created();
    K.update(
        &mut store,
        &encode_update(Height(1), &block(5, 0, MEMBERS, MEMBERS, MEMBERS)),
        now(5),
    )
    .unwrap();
    // Height 3 with a time after height 5's.
    let mut late = block(3, 0, MEMBERS, MEMBERS, MEMBERS);
    late.header.timestamp = Timestamp(time(5).get() + 1);
    let refs: Vec<BlsSigner> = MEMBERS.iter().map(|&i| signer(i)).collect();
    let refs: Vec<&BlsSigner> = refs.iter().collect();
    late.commit = sign_bls_commit(&late.header, &late.validators, &late.next_validators, &refs);
    assert!(matches!(
        K.update(&mut store, &encode_update(Height(1), &late), now(6)),
        Ok(Updated::Misbehaviour { .. })
    ));
    let frozen = stored_client_state(&store).unwrap().frozen.unwrap();
    assert_eq!(frozen.kind, MisbehaviourKind::NonMonotonicTime);
}

#[test]
fn standalone_evidence_freezes_only_when_it_holds_and_forgeries_change_nothing() {
    let honest = block(3, 0, MEMBERS, MEMBERS, MEMBERS);
    let forged = block(3, 7, MEMBERS, MEMBERS, &[2, 3, 4]);
    let evidence = encode_misbehaviour((Height(1), &honest), (Height(1), &forged));
    assert_eq!(K.misbehaviour_cost(&evidence), Ok(2 + 4 + 3));
    // Forged: the same block twice; a block whose aggregate is not its signers'; below 2/3; an
    // unknown trusted height; truncated bytes.
    let mut bad_signature = forged.clone();
    bad_signature.commit.signature = honest.commit.signature;
    let below = block(3, 7, MEMBERS, MEMBERS, &[2, 3]);
    for (bytes, expected) in [
        (
            encode_misbehaviour((Height(1), &honest), (Height(1), &honest)),
            "NotMisbehaviour",
        ),
        (
            encode_misbehaviour((Height(1), &honest), (Height(1), &bad_signature)),
            "InvalidAggregateSignature",
        ),
        (
            encode_misbehaviour((Height(1), &honest), (Height(1), &below)),
            "InsufficientSigningPower",
        ),
        (
            encode_misbehaviour((Height(1), &honest), (Height(2), &forged)),
            "ConsensusStateNotFound",
        ),
        (evidence[..evidence.len() - 1].to_vec(), "Malformed"),
    ] {
        let mut store = created();
        let before = store.0.clone();
        assert_eq!(
            name(K.submit_misbehaviour(&mut store, &bytes, now(3))),
            expected
        );
        assert_eq!(store.0, before, "{expected}");
    }
    let mut store = created();
    K.submit_misbehaviour(&mut store, &evidence, now(3))
        .unwrap();
    assert_eq!(K.status(&store), Ok(ClientStatus::Frozen));
    assert_eq!(
        name(K.submit_misbehaviour(&mut store, &evidence, now(3))),
        "Frozen"
    );
}

#[test]
fn a_header_from_the_future_is_transient_and_garbage_is_malformed() {
    let mut store = created();
    let b = block(9, 0, MEMBERS, MEMBERS, MEMBERS);
    let error = K
        .update(&mut store, &encode_update(Height(1), &b), now(2))
        .unwrap_err();
    assert_eq!(error.name(), "HeaderFromFuture");
    assert!(error.is_transient());
    for bytes in [&[][..], &[0; 7], &[0; 8], &[0; 200]] {
        assert_eq!(name(K.update_cost(bytes)), "Malformed");
        assert_eq!(name(K.update(&mut store, bytes, now(2))), "Malformed");
        assert_eq!(name(K.misbehaviour_cost(bytes)), "Malformed");
        assert_eq!(
            name(K.create(&mut Store::default(), CHAIN, bytes)),
            "Malformed"
        );
    }
    // Creation is costed from the set's count alone (here 0 validators: nothing to prove).
    assert_eq!(name(K.create_cost(&[0; 147])), "Malformed");
    assert_eq!(K.create_cost(&[0; 148]), Ok(0));
    // An initial trust whose set has a bad proof of possession is refused at creation.
    let trusted = BlsConsensusState::from_block(&block(1, 0, MEMBERS, MEMBERS, MEMBERS));
    let mut init = encode_init(&options(), &trusted);
    let pop = 32 + 112 + 4 + 96;
    init[pop + 10] ^= 1;
    assert_eq!(
        name(K.create(&mut Store::default(), CHAIN, &init)),
        "Malformed"
    );
}

#[test]
fn creation_costs_one_proof_per_validator_up_to_max_validators() {
    use strait_light_client::MAX_VALIDATORS;
    for (count, ok) in [(MAX_VALIDATORS, true), (MAX_VALIDATORS + 1, false)] {
        let mut init = vec![0u8; 32 + 112];
        init.extend_from_slice(&(count as u32).to_be_bytes());
        let cost = K.create_cost(&init);
        assert_eq!(cost.is_ok(), ok, "{count}");
        if ok {
            assert_eq!(cost, Ok(MAX_VALIDATORS));
        }
    }
}
