//! The client state machine: updates, duplicates, misbehaviour and freezing.

use strait_light_client::*;
use strait_primitives::{Height, Timestamp};

use crate::support::*;

/// The same validators sign two different headers at one height: `salt` changes the roots.
fn equivocating_validators(chain: &TestChain, height: u64, salt: u8) -> LightBlock {
    let (vals, next) = (chain.set(height), chain.set(height + 1));
    signed_by(
        header(height, &vals, &next, salt),
        &vals,
        &next,
        &chain.members[height as usize],
    )
}

/// Validators that sign a higher header with a time before a lower one's.
fn time_travelling_validators(chain: &TestChain, height: u64, time: Timestamp) -> LightBlock {
    let (vals, next) = (chain.set(height), chain.set(height + 1));
    let mut h = header(height, &vals, &next, 0);
    h.timestamp = time;
    signed_by(h, &vals, &next, &chain.members[height as usize])
}

fn assert_frozen_answers_nothing(client: &mut InMemoryClient, chain: &TestChain) {
    assert!(client.state().is_frozen());
    for h in 1..=5 {
        assert_eq!(
            verified_outbox_root(client, Height(h)),
            Err(ClientError::Frozen)
        );
        assert_eq!(
            update(client, Height(1), &chain.block(h), now_after(5)),
            Err(ClientError::Frozen)
        );
    }
    assert_eq!(
        update(client, Height(1), &chain.block(6), now_after(6)),
        Err(ClientError::Frozen)
    );
}

#[test]
fn verified_update_stores_the_outbox_root() {
    let chain = static_chain(5);
    let mut client = chain.client_at(1);
    let outcome = update(&mut client, Height(1), &chain.block(3), now_after(3)).unwrap();
    assert_eq!(outcome, UpdateOutcome::Verified(chain.consensus(3)));
    assert_eq!(client.state().latest_height, Height(3));
    assert_eq!(
        verified_outbox_root(&client, Height(3)),
        Ok(chain.block(3).header().outbox_root)
    );
    assert_eq!(
        verified_outbox_root(&client, Height(2)),
        Err(ClientError::ConsensusStateNotFound { height: Height(2) })
    );
    // Filling in a lower height does not lower the latest height.
    update(&mut client, Height(1), &chain.block(2), now_after(3)).unwrap();
    assert_eq!(client.state().latest_height, Height(3));
    assert_eq!(client.heights().count(), 3);
}

#[test]
fn duplicate_update_is_idempotent() {
    let chain = static_chain(5);
    let mut client = chain.client_at(1);
    update(&mut client, Height(1), &chain.block(3), now_after(3)).unwrap();
    let before = client.clone();
    assert_eq!(
        update(&mut client, Height(1), &chain.block(3), now_after(3)),
        Ok(UpdateOutcome::Duplicate)
    );
    // Answered without verification: even from a height the client does not have.
    assert_eq!(
        update(&mut client, Height(2), &chain.block(3), now_after(3)),
        Ok(UpdateOutcome::Duplicate)
    );
    assert_eq!(client, before);
}

#[test]
fn missing_trusted_height_and_rejections_are_reported() {
    let chain = static_chain(5);
    let mut client = chain.client_at(1);
    assert_eq!(
        update(&mut client, Height(2), &chain.block(3), now_after(3)),
        Err(ClientError::ConsensusStateNotFound { height: Height(2) })
    );
    let mut forged = chain.block(3);
    forged.signed_header.commit.signatures[0].signature[0] ^= 1;
    let err = update(&mut client, Height(1), &forged, now_after(3)).unwrap_err();
    assert_eq!(
        err,
        ClientError::Invalid(VerificationError::InvalidSignature { validator_index: 0 })
    );
    assert!(!err.is_transient());
    let too_early = Timestamp(time_of(3).get() - MAX_CLOCK_DRIFT_MS);
    let err = update(&mut client, Height(1), &chain.block(3), too_early).unwrap_err();
    assert!(matches!(
        err,
        ClientError::NotYet(NotYetReason::HeaderFromFuture { .. })
    ));
    assert!(err.is_transient());
    assert!(!client.state().is_frozen());
}

#[test]
fn conflicting_headers_at_one_height_freeze_the_client() {
    let chain = static_chain(6);
    let mut client = chain.client_at(1);
    update(&mut client, Height(1), &chain.block(3), now_after(3)).unwrap();
    let fork = equivocating_validators(&chain, 3, 0xee);
    let outcome = update(&mut client, Height(1), &fork, now_after(3)).unwrap();
    let UpdateOutcome::Misbehaviour(evidence) = outcome else {
        panic!("expected misbehaviour, got {outcome:?}");
    };
    assert_eq!(evidence.kind, MisbehaviourKind::ConflictingHeaders);
    assert_eq!(evidence.first, chain.consensus(3));
    assert_eq!(evidence.second, ConsensusState::from_light_block(&fork));
    assert_eq!(client.state().frozen, Some(*evidence));
    // Nothing of the fork was stored.
    assert_eq!(client.state().latest_height, Height(3));
    assert_frozen_answers_nothing(&mut client, &chain);
}

#[test]
fn an_unverified_conflicting_header_does_not_freeze() {
    let chain = static_chain(6);
    let mut client = chain.client_at(1);
    update(&mut client, Height(1), &chain.block(3), now_after(3)).unwrap();
    let mut fork = equivocating_validators(&chain, 3, 0xee);
    fork.signed_header.commit.signatures.truncate(2);
    assert!(matches!(
        update(&mut client, Height(1), &fork, now_after(3)),
        Err(ClientError::Invalid(
            VerificationError::InsufficientSigningPower { .. }
        ))
    ));
    assert!(!client.state().is_frozen());
}

#[test]
fn header_out_of_time_order_with_stored_neighbours_freezes() {
    let chain = static_chain(6);
    let mut client = chain.client_at(1);
    update(&mut client, Height(1), &chain.block(4), now_after(4)).unwrap();
    // Height 3 verifies from height 1 but claims a time after height 4's.
    let late = time_travelling_validators(&chain, 3, Timestamp(time_of(4).get() + 1));
    let outcome = update(&mut client, Height(1), &late, now_after(4)).unwrap();
    let UpdateOutcome::Misbehaviour(evidence) = outcome else {
        panic!("expected misbehaviour, got {outcome:?}");
    };
    assert_eq!(evidence.kind, MisbehaviourKind::NonMonotonicTime);
    assert_eq!(evidence.second, chain.consensus(4));
    assert_frozen_answers_nothing(&mut client, &chain);
}

#[test]
fn submitted_misbehaviour_freezes_the_client() {
    let chain = static_chain(6);
    let mut client = chain.client_at(1);
    let misbehaviour = Misbehaviour {
        trusted_height_1: Height(1),
        block_1: chain.block(4),
        trusted_height_2: Height(1),
        block_2: equivocating_validators(&chain, 4, 0x77),
    };
    let evidence = submit_misbehaviour(&mut client, &misbehaviour, now_after(4)).unwrap();
    assert_eq!(evidence.kind, MisbehaviourKind::ConflictingHeaders);
    assert_eq!(client.state().frozen, Some(evidence));
    assert_eq!(
        submit_misbehaviour(&mut client, &misbehaviour, now_after(4)),
        Err(ClientError::Frozen)
    );
    assert_frozen_answers_nothing(&mut client, &chain);
}

#[test]
fn submitted_time_misbehaviour_freezes_the_client() {
    let chain = static_chain(6);
    let mut client = chain.client_at(1);
    let misbehaviour = Misbehaviour {
        trusted_height_1: Height(1),
        block_1: time_travelling_validators(&chain, 5, time_of(2)),
        trusted_height_2: Height(1),
        block_2: chain.block(3),
    };
    let evidence = submit_misbehaviour(&mut client, &misbehaviour, now_after(5)).unwrap();
    assert_eq!(evidence.kind, MisbehaviourKind::NonMonotonicTime);
    assert_eq!(evidence.first.height, Height(3));
    assert!(client.state().is_frozen());
}

#[test]
fn misbehaviour_that_is_not_proven_changes_nothing() {
    let chain = static_chain(6);
    let mut client = chain.client_at(1);
    let before = client.clone();
    // Two honest headers.
    let honest = Misbehaviour {
        trusted_height_1: Height(1),
        block_1: chain.block(3),
        trusted_height_2: Height(1),
        block_2: chain.block(4),
    };
    assert_eq!(
        submit_misbehaviour(&mut client, &honest, now_after(4)),
        Err(ClientError::NotMisbehaviour {
            height_1: Height(3),
            height_2: Height(4)
        })
    );
    // The same header twice.
    let same = Misbehaviour {
        block_2: chain.block(3),
        ..honest.clone()
    };
    assert!(matches!(
        submit_misbehaviour(&mut client, &same, now_after(4)),
        Err(ClientError::NotMisbehaviour { .. })
    ));
    // A conflicting header with a forged signature.
    let mut forged = equivocating_validators(&chain, 3, 0x55);
    forged.signed_header.commit.signatures[1].signature[9] ^= 4;
    let bad = Misbehaviour {
        block_2: forged,
        ..honest
    };
    assert_eq!(
        submit_misbehaviour(&mut client, &bad, now_after(4)),
        Err(ClientError::Invalid(VerificationError::InvalidSignature {
            validator_index: 1
        }))
    );
    assert_eq!(client, before);
}

#[test]
fn store_is_bounded() {
    let chain = static_chain(1);
    let mut client = chain.client_at(1);
    let template = chain.consensus(1);
    for h in 2..(MAX_CONSENSUS_STATES as u64 + 10) {
        client.store_consensus_state(ConsensusState {
            height: Height(h),
            ..template.clone()
        });
    }
    assert_eq!(client.heights().count(), MAX_CONSENSUS_STATES);
    assert_eq!(client.heights().next(), Some(Height(10)));
}

#[test]
fn client_errors_are_named_by_their_innermost_cause() {
    let chain = static_chain(3);
    let mut client = chain.client_at(1);
    let err = update(&mut client, Height(2), &chain.block(3), now_after(3)).unwrap_err();
    assert_eq!(err.name(), "ConsensusStateNotFound");
    let mut forged = chain.block(2);
    forged.signed_header.commit.signatures[0].signature[40] ^= 1;
    let err = update(&mut client, Height(1), &forged, now_after(2)).unwrap_err();
    assert_eq!(
        (err.name(), err.is_transient()),
        ("InvalidSignature", false)
    );
    let early = Timestamp(time_of(2).get() - MAX_CLOCK_DRIFT_MS);
    let err = update(&mut client, Height(1), &chain.block(2), early).unwrap_err();
    assert_eq!((err.name(), err.is_transient()), ("HeaderFromFuture", true));
    assert_eq!(ClientError::Frozen.name(), "Frozen");
    let options = Options {
        trusting_period_ms: 0,
        ..options()
    };
    assert_eq!(
        ClientError::from(options.validate().unwrap_err()).name(),
        "ZeroTrustingPeriod"
    );
}
