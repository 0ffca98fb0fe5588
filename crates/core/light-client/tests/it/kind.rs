//! The BFT light client as a verifier kind (`[STRAIT-VERIFIER.BFT]`), over a plain ordered store.

use strait_light_client::kind::{
    decode_update, encode_init, encode_misbehaviour, encode_update, stored_client_state,
    BftVerifier,
};
use strait_light_client::*;
use strait_primitives::{Height, Timestamp};
use strait_verifier::{ClientStatus, MemStore as Store, Updated, Verifier, VerifierError};

use crate::support::*;

fn created(chain: &TestChain) -> Store {
    let mut store = Store::default();
    let height = BftVerifier
        .create(
            &mut store,
            CHAIN,
            &encode_init(&options(), &chain.consensus(1)),
        )
        .unwrap();
    assert_eq!(height, Height(1));
    store
}

#[test]
fn updates_verify_roots_and_a_duplicate_changes_nothing() {
    let chain = static_chain(6);
    let mut store = created(&chain);
    assert_eq!(BftVerifier.status(&store), Ok(ClientStatus::Active));
    let block = chain.block(5);
    let update = encode_update(Height(1), &block);
    assert_eq!(BftVerifier.update_cost(&update), Ok(4));
    assert_eq!(
        BftVerifier.update(&mut store, &update, now_after(5)),
        Ok(Updated::Verified {
            height: Height(5),
            root: block.header().outbox_root
        })
    );
    assert_eq!(BftVerifier.latest_height(&store), Ok(Height(5)));
    assert_eq!(
        BftVerifier.verified_root(&store, Height(5)),
        Ok(Some(block.header().outbox_root))
    );
    assert_eq!(BftVerifier.verified_root(&store, Height(4)), Ok(None));
    let before = store.0.clone();
    assert_eq!(
        BftVerifier.update(&mut store, &update, now_after(5)),
        Ok(Updated::Duplicate)
    );
    assert_eq!(store.0, before);
}

#[test]
fn a_conflicting_header_freezes_and_the_evidence_refreezes_a_reverted_store() {
    let chain = static_chain(6);
    let mut store = created(&chain);
    BftVerifier
        .update(
            &mut store,
            &encode_update(Height(1), &chain.block(4)),
            now_after(4),
        )
        .unwrap();
    let reverted = Store(store.0.clone());
    let (vals, next) = (chain.set(4), chain.set(5));
    let fork = signed_by(header(4, &vals, &next, 9), &vals, &next, &[1, 2, 3, 4]);
    let Ok(Updated::Misbehaviour { evidence }) =
        BftVerifier.update(&mut store, &encode_update(Height(1), &fork), now_after(4))
    else {
        panic!("a verified conflicting header is misbehaviour");
    };
    assert_eq!(BftVerifier.status(&store), Ok(ClientStatus::Frozen));
    // What a host does when the rest of the transaction fails: revert, then re-apply the freeze.
    let mut store = reverted;
    assert_eq!(BftVerifier.status(&store), Ok(ClientStatus::Active));
    BftVerifier.freeze(&mut store, &evidence).unwrap();
    assert_eq!(BftVerifier.status(&store), Ok(ClientStatus::Frozen));
    assert!(stored_client_state(&store).unwrap().is_frozen());
    let refused = BftVerifier.update(
        &mut store,
        &encode_update(Height(4), &chain.block(5)),
        now_after(5),
    );
    assert!(
        matches!(
            refused,
            Err(VerifierError::Refused {
                name: "Frozen",
                transient: false,
                ..
            })
        ),
        "{refused:?}"
    );
}

#[test]
fn standalone_evidence_freezes_and_evidence_that_does_not_conflict_is_refused() {
    let chain = static_chain(6);
    let (vals, next) = (chain.set(3), chain.set(4));
    let fork = signed_by(header(3, &vals, &next, 7), &vals, &next, &[1, 2, 3, 4]);
    let same = Misbehaviour {
        trusted_height_1: Height(1),
        block_1: chain.block(3),
        trusted_height_2: Height(1),
        block_2: chain.block(3),
    };
    let mut store = created(&chain);
    assert_eq!(
        BftVerifier.misbehaviour_cost(&encode_misbehaviour(&same)),
        Ok(8)
    );
    let refused =
        BftVerifier.submit_misbehaviour(&mut store, &encode_misbehaviour(&same), now_after(3));
    assert!(
        matches!(
            refused,
            Err(VerifierError::Refused {
                name: "NotMisbehaviour",
                ..
            })
        ),
        "{refused:?}"
    );
    let real = Misbehaviour {
        block_2: fork,
        ..same
    };
    BftVerifier
        .submit_misbehaviour(&mut store, &encode_misbehaviour(&real), now_after(3))
        .unwrap();
    assert_eq!(BftVerifier.status(&store), Ok(ClientStatus::Frozen));
}

#[test]
fn malformed_bytes_are_named_and_change_nothing() {
    let chain = static_chain(3);
    let mut store = created(&chain);
    let before = store.0.clone();
    let good = encode_update(Height(1), &chain.block(2));
    for bad in [
        vec![],
        vec![1],
        good[..good.len() - 1].to_vec(),
        [&good[..], &[0]].concat(),
    ] {
        let got = BftVerifier.update(&mut store, &bad, now_after(2));
        assert!(
            matches!(got, Err(VerifierError::Malformed { .. })),
            "{got:?}"
        );
        assert!(decode_update(&bad).is_err());
    }
    assert!(matches!(
        BftVerifier.update_cost(&[1, 2, 3]),
        Err(VerifierError::Malformed { .. })
    ));
    assert!(matches!(
        BftVerifier.misbehaviour_cost(&good),
        Err(VerifierError::Malformed { .. })
    ));
    assert_eq!(store.0, before);
    // A client whose initial trust is malformed or unsafe is not created.
    let mut fresh = Store::default();
    assert!(matches!(
        BftVerifier.create(&mut fresh, CHAIN, &[0; 10]),
        Err(VerifierError::Malformed { .. })
    ));
    let unsafe_options = Options {
        trust_threshold: TrustThreshold {
            numerator: 0,
            denominator: 3,
        },
        ..options()
    };
    assert!(matches!(
        BftVerifier.create(
            &mut fresh,
            CHAIN,
            &encode_init(&unsafe_options, &chain.consensus(1))
        ),
        Err(VerifierError::Refused { .. })
    ));
    assert!(fresh.0.is_empty());
    // A store without a client state is corrupt, not a verdict.
    assert!(matches!(
        BftVerifier.status(&fresh),
        Err(VerifierError::Store(_))
    ));
}

#[test]
fn at_most_max_consensus_states_are_kept_lowest_deleted_first() {
    let chain = static_chain(2);
    let mut store = created(&chain);
    let base = chain.consensus(1);
    let consensus_keys = |s: &Store| s.0.keys().filter(|k| k[0] == b'c').count();
    let root_keys = |s: &Store| s.0.keys().filter(|k| k[0] == b'r').count();
    // Fill to exactly the bound (height 1 is already stored), by adjacent updates from the last.
    let store_at = |store: &mut Store, h: u64| {
        let mut state = base.clone();
        state.height = Height(h);
        state.timestamp = Timestamp(base.timestamp.get() + h);
        state.outbox_root = strait_primitives::keccak256(&h.to_be_bytes());
        // The kind's own writes, through the update path's storage rule: a verified state.
        let mut s = Store(std::mem::take(&mut store.0));
        kind_store(&mut s, state);
        store.0 = s.0;
    };
    for h in 2..=MAX_CONSENSUS_STATES as u64 {
        store_at(&mut store, h);
    }
    assert_eq!(consensus_keys(&store), MAX_CONSENSUS_STATES);
    assert_eq!(root_keys(&store), MAX_CONSENSUS_STATES);
    assert!(BftVerifier
        .verified_root(&store, Height(1))
        .unwrap()
        .is_some());
    // One past the bound deletes the lowest height, state and root together.
    store_at(&mut store, MAX_CONSENSUS_STATES as u64 + 1);
    assert_eq!(consensus_keys(&store), MAX_CONSENSUS_STATES);
    assert_eq!(root_keys(&store), MAX_CONSENSUS_STATES);
    assert_eq!(BftVerifier.verified_root(&store, Height(1)), Ok(None));
    assert!(BftVerifier
        .verified_root(&store, Height(2))
        .unwrap()
        .is_some());
}

/// Stores `state` through the kind's storage rules.
fn kind_store(store: &mut Store, state: ConsensusState) {
    strait_light_client::kind::client_store(store).store_consensus_state(state);
}
