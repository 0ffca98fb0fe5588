//! Unit tests of the optimistic kind and the conflict rule.

use proptest::prelude::*;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Timestamp};
use strait_verifier::{ClientRead, ClientStatus, MemStore, Verifier, VerifierKind};

use crate::*;

const SOURCE: ChainId = ChainId(2);
const WINDOW: u64 = 10_000;
const BOND: u128 = 5_000;

fn addr(b: u8) -> Address32 {
    Address32([b; 32])
}

fn config(proposers: Vec<Address32>, watchers: Vec<Address32>) -> Config {
    Config {
        window_ms: WINDOW,
        bond: BOND,
        proposers,
        watchers,
    }
}

fn client(config: &Config) -> MemStore {
    let mut store = MemStore::default();
    OptimisticVerifier
        .create(&mut store, SOURCE, &config.encode())
        .unwrap();
    store
}

fn proposal(h: u64, root: u8) -> Proposal {
    Proposal {
        height: Height(h),
        root: Hash32([root; 32]),
        leaf_count: h,
    }
}

fn root(store: &MemStore, h: u64) -> Option<Hash32> {
    OptimisticVerifier.verified_root(store, Height(h)).unwrap()
}

#[test]
fn a_root_counts_only_once_its_window_has_passed() {
    let mut store = client(&config(vec![addr(1)], vec![]));
    let p = propose(&mut store, &addr(1), &proposal(5, 7), Timestamp(1_000)).unwrap();
    assert_eq!(p.matures_at, Timestamp(1_000 + WINDOW));
    assert_eq!((p.bond, p.proposer), (BOND, addr(1)));
    assert_eq!(root(&store, 5), None, "pending: not verified");
    // One millisecond before the window ends: nothing settles.
    assert_eq!(
        settle(&mut store, Height(5), Timestamp(1_000 + WINDOW - 1)).unwrap(),
        None
    );
    assert_eq!(root(&store, 5), None);
    assert_eq!(OptimisticVerifier.latest_height(&store).unwrap(), Height(0));
    // At the window's end it settles, once.
    let settled = settle(&mut store, Height(5), Timestamp(1_000 + WINDOW)).unwrap();
    assert_eq!(settled, Some(p));
    assert_eq!(root(&store, 5), Some(Hash32([7; 32])));
    assert_eq!(OptimisticVerifier.latest_height(&store).unwrap(), Height(5));
    assert_eq!(
        settle(&mut store, Height(5), Timestamp(u64::MAX)).unwrap(),
        None
    );
    assert_eq!(
        root_at(&store, Height(5)).unwrap(),
        Some(RootAt::Settled(Hash32([7; 32])))
    );
}

#[test]
fn proposals_are_bounded_per_client_and_strictly_increasing_in_height() {
    let mut store = client(&config(vec![], vec![]));
    for h in 1..=MAX_PENDING as u64 {
        propose(&mut store, &addr(h as u8), &proposal(h, 1), Timestamp(0)).unwrap();
    }
    assert_eq!(pending(&store).unwrap().len(), MAX_PENDING);
    // One past the bound.
    assert_eq!(
        propose(&mut store, &addr(1), &proposal(100, 1), Timestamp(0)),
        Err(OptimisticError::TooManyPending {
            pending: MAX_PENDING,
            max: MAX_PENDING
        })
    );
    // A settled one frees a place.
    settle(&mut store, Height(1), Timestamp(WINDOW))
        .unwrap()
        .unwrap();
    propose(&mut store, &addr(1), &proposal(100, 1), Timestamp(0)).unwrap();
    // Same height, lower height: refused.
    for h in [100, 99, 1] {
        assert_eq!(
            propose(&mut store, &addr(1), &proposal(h, 1), Timestamp(0)),
            Err(OptimisticError::HeightNotIncreasing {
                got: Height(h),
                last: Height(100)
            })
        );
    }
    let heights: Vec<u64> = pending(&store)
        .unwrap()
        .iter()
        .map(|p| p.height.get())
        .collect();
    assert_eq!(heights.len(), MAX_PENDING);
    assert!(heights.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(*heights.last().unwrap(), 100);
}

#[test]
fn only_listed_proposers_propose_when_there_is_a_list() {
    let mut store = client(&config(vec![addr(1), addr(3)], vec![]));
    assert_eq!(
        propose(&mut store, &addr(2), &proposal(1, 1), Timestamp(0)),
        Err(OptimisticError::NotProposer(addr(2)))
    );
    propose(&mut store, &addr(3), &proposal(1, 1), Timestamp(0)).unwrap();
}

#[test]
fn a_discarded_proposal_never_counts_and_heights_stay_monotonic() {
    let mut store = client(&config(vec![], vec![]));
    propose(&mut store, &addr(1), &proposal(5, 7), Timestamp(0)).unwrap();
    let gone = discard(&mut store, Height(5)).unwrap();
    assert_eq!(gone.bond, BOND);
    assert_eq!(
        discard(&mut store, Height(5)),
        Err(OptimisticError::NoPendingProposal(Height(5)))
    );
    assert_eq!(
        settle(&mut store, Height(5), Timestamp(u64::MAX)).unwrap(),
        None
    );
    assert_eq!(root(&store, 5), None);
    assert!(matches!(
        propose(&mut store, &addr(1), &proposal(5, 8), Timestamp(0)),
        Err(OptimisticError::HeightNotIncreasing { .. })
    ));
    propose(&mut store, &addr(1), &proposal(6, 8), Timestamp(0)).unwrap();
}

#[test]
fn a_watcher_pause_stops_roots_and_maturity_until_a_resume_restarts_the_window() {
    let mut store = client(&config(vec![], vec![addr(9)]));
    propose(&mut store, &addr(1), &proposal(1, 1), Timestamp(0)).unwrap();
    settle(&mut store, Height(1), Timestamp(WINDOW))
        .unwrap()
        .unwrap();
    propose(&mut store, &addr(1), &proposal(2, 2), Timestamp(0)).unwrap();
    assert_eq!(
        pause(&mut store, &addr(1)),
        Err(OptimisticError::NotWatcher(addr(1)))
    );
    assert_eq!(
        resume(&mut store, Timestamp(0)),
        Err(OptimisticError::NotPaused)
    );
    pause(&mut store, &addr(9)).unwrap();
    assert_eq!(
        pause(&mut store, &addr(9)),
        Err(OptimisticError::AlreadyPaused)
    );
    assert_eq!(
        root(&store, 1),
        None,
        "a paused client's roots stop counting"
    );
    assert_eq!(
        settle(&mut store, Height(2), Timestamp(WINDOW)).unwrap(),
        None
    );
    assert_eq!(
        propose(&mut store, &addr(1), &proposal(3, 3), Timestamp(0)),
        Err(OptimisticError::Paused)
    );
    // Paused is not frozen.
    assert_eq!(
        OptimisticVerifier.status(&store).unwrap(),
        ClientStatus::Active
    );
    let resumed = resume(&mut store, Timestamp(50_000)).unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].matures_at, Timestamp(50_000 + WINDOW));
    assert_eq!(root(&store, 1), Some(Hash32([1; 32])));
    assert_eq!(
        settle(&mut store, Height(2), Timestamp(50_000 + WINDOW - 1)).unwrap(),
        None
    );
    assert!(settle(&mut store, Height(2), Timestamp(50_000 + WINDOW))
        .unwrap()
        .is_some());
}

#[test]
fn a_frozen_client_takes_no_proposal_and_updates_are_not_its_way() {
    let mut store = client(&config(vec![], vec![]));
    OptimisticVerifier.freeze(&mut store, &[]).unwrap();
    assert_eq!(
        OptimisticVerifier.status(&store).unwrap(),
        ClientStatus::Frozen
    );
    assert_eq!(
        propose(&mut store, &addr(1), &proposal(1, 1), Timestamp(0)),
        Err(OptimisticError::Frozen)
    );
    let refused = OptimisticVerifier
        .update(&mut store, &[], Timestamp(0))
        .unwrap_err();
    assert_eq!(refused.name(), "NotSupported");
    assert_eq!(
        OptimisticVerifier.update_cost(&[]).unwrap_err().name(),
        "NotSupported"
    );
}

#[test]
fn configs_are_checked_in_order_at_and_past_their_bounds() {
    let ok = |c: &Config| Config::decode(&c.encode());
    let full: Vec<Address32> = (1..=MAX_PROPOSERS as u8).map(addr).collect();
    let at_bound = config(full.clone(), full.clone());
    assert_eq!(ok(&at_bound), Ok(at_bound.clone()));
    let mut past = full.clone();
    past.push(addr(200));
    assert_eq!(
        ok(&config(past.clone(), vec![])).unwrap_err().name(),
        "TooLarge"
    );
    assert_eq!(ok(&config(vec![], past)).unwrap_err().name(), "TooLarge");
    let mut c = config(vec![], vec![]);
    c.window_ms = 0;
    assert_eq!(ok(&c), Err(OptimisticError::ZeroWindow));
    c.window_ms = MAX_WINDOW_MS;
    assert!(ok(&c).is_ok());
    c.window_ms = MAX_WINDOW_MS + 1;
    assert_eq!(ok(&c).unwrap_err().name(), "WindowTooLong");
    c.window_ms = 1;
    c.bond = 0;
    assert_eq!(ok(&c), Err(OptimisticError::ZeroBond));
    assert_eq!(
        ok(&config(vec![addr(2), addr(2)], vec![])),
        Err(OptimisticError::NotAscending {
            what: "proposer",
            index: 1
        })
    );
    assert_eq!(
        ok(&config(vec![], vec![addr(3), addr(2)]))
            .unwrap_err()
            .name(),
        "NotAscending"
    );
    let bytes = at_bound.encode();
    assert_eq!(
        Config::decode(&bytes[..bytes.len() - 1])
            .unwrap_err()
            .name(),
        "Truncated"
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(Config::decode(&longer).unwrap_err().name(), "TrailingBytes");
    // A bad config creates nothing.
    let mut store = MemStore::default();
    let refused = OptimisticVerifier
        .create(&mut store, SOURCE, &longer)
        .unwrap_err();
    assert_eq!(refused.name(), "Malformed");
    assert!(store.0.is_empty());
}

#[test]
fn proposals_round_trip_and_leaf_counts_are_bounded() {
    let p = Proposal {
        height: Height(9),
        root: Hash32([4; 32]),
        leaf_count: MAX_LEAF_COUNT,
    };
    assert_eq!(Proposal::decode(&p.encode()), Ok(p));
    let mut past = p;
    past.leaf_count = MAX_LEAF_COUNT + 1;
    assert_eq!(
        Proposal::decode(&past.encode()).unwrap_err().name(),
        "TooLarge"
    );
    assert_eq!(
        Proposal::decode(&p.encode()[..47]).unwrap_err().name(),
        "Truncated"
    );
}

fn side(kind: VerifierKind, root: u8) -> Side {
    Side {
        kind,
        source: SOURCE,
        frozen: false,
        root: Some(Hash32([root; 32])),
        pending: false,
    }
}

const CLAIM: Conflict = Conflict {
    accused: ClientId(7),
    reference: ClientId(1),
    height: Height(5),
};

#[test]
fn a_contradicted_client_is_frozen_and_a_pending_proposal_discarded() {
    let lc = side(VerifierKind::BFT, 1);
    let (verdict, evidence) = check_conflict(
        &CLAIM,
        &side(VerifierKind::ATTEST_ECDSA, 2),
        &lc,
        Some(ClientId(1)),
    )
    .unwrap();
    assert_eq!(verdict, Verdict::Freeze);
    assert_eq!(ConflictEvidence::decode(&evidence.encode()), Ok(evidence));
    assert_eq!(evidence.accused_root, Hash32([2; 32]));
    let mut pending = side(VerifierKind::OPTIMISTIC, 2);
    pending.pending = true;
    pending.frozen = true; // A frozen optimistic client's pending bond is still forfeit.
    assert_eq!(
        check_conflict(&CLAIM, &pending, &lc, Some(ClientId(1)))
            .unwrap()
            .0,
        Verdict::DiscardProposal
    );
    // The BLS-header light client is a reference too.
    assert!(check_conflict(
        &CLAIM,
        &side(VerifierKind(3), 2),
        &side(VerifierKind(5), 1),
        Some(ClientId(1))
    )
    .is_ok());
}

#[test]
fn unfounded_conflicts_are_refused_by_name_in_order() {
    let lc = side(VerifierKind::BFT, 1);
    let accused = side(VerifierKind::ATTEST_ED25519, 2);
    let default = Some(ClientId(1));
    let name = |claim: &Conflict, a: &Side, r: &Side, d| {
        check_conflict(claim, a, r, d).unwrap_err().name()
    };
    let same = Conflict {
        reference: ClientId(7),
        ..CLAIM
    };
    assert_eq!(name(&same, &accused, &lc, Some(ClientId(7))), "SameClient");
    let other_source = Side {
        source: ChainId(3),
        ..lc
    };
    assert_eq!(
        name(&CLAIM, &accused, &other_source, default),
        "SourceMismatch"
    );
    assert_eq!(
        name(&CLAIM, &accused, &lc, Some(ClientId(2))),
        "NotReference"
    );
    assert_eq!(name(&CLAIM, &accused, &lc, None), "NotReference");
    let committee_ref = side(VerifierKind::ATTEST_ECDSA, 1);
    assert_eq!(
        name(&CLAIM, &accused, &committee_ref, default),
        "NotLightClient"
    );
    let frozen_ref = Side { frozen: true, ..lc };
    assert_eq!(
        name(&CLAIM, &accused, &frozen_ref, default),
        "ReferenceFrozen"
    );
    let frozen = Side {
        frozen: true,
        ..accused
    };
    assert_eq!(name(&CLAIM, &frozen, &lc, default), "AlreadyFrozen");
    let no_ref_root = Side { root: None, ..lc };
    assert_eq!(
        name(&CLAIM, &accused, &no_ref_root, default),
        "NoReferenceRoot"
    );
    let no_root = Side {
        root: None,
        ..accused
    };
    assert_eq!(name(&CLAIM, &no_root, &lc, default), "NoAccusedRoot");
    assert_eq!(
        name(&CLAIM, &side(VerifierKind::ATTEST_ED25519, 1), &lc, default),
        "NotConflicting"
    );
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
        let _ = Config::decode(&bytes);
        let _ = Proposal::decode(&bytes);
        let _ = ConflictEvidence::decode(&bytes);
        let _ = ClientState::decode(&bytes);
        let _ = Pending::decode(&bytes);
    }

    #[test]
    fn configs_round_trip(window in 1..=MAX_WINDOW_MS, bond in 1..=u128::MAX, n in 0..=MAX_PROPOSERS, m in 0..=MAX_WATCHERS) {
        let c = Config {
            window_ms: window,
            bond,
            proposers: (0..n as u8).map(addr).collect(),
            watchers: (0..m as u8).map(addr).collect(),
        };
        prop_assert_eq!(Config::decode(&c.encode()), Ok(c));
    }
}

#[test]
fn settled_roots_are_kept_up_to_their_bound_and_the_lowest_go_first() {
    let mut store = client(&config(vec![], vec![]));
    let settle_at = |store: &mut MemStore, h: u64| {
        propose(store, &addr(1), &proposal(h, (h % 251) as u8), Timestamp(0)).unwrap();
        settle(store, Height(h), Timestamp(WINDOW))
            .unwrap()
            .unwrap();
    };
    for h in 1..=MAX_ROOTS as u64 {
        settle_at(&mut store, h);
    }
    // At the bound: every root kept.
    assert_eq!(root(&store, 1), Some(Hash32([1; 32])));
    assert_eq!(store.count_prefix(b"r"), MAX_ROOTS);
    // One past: the lowest goes.
    settle_at(&mut store, MAX_ROOTS as u64 + 1);
    assert_eq!(store.count_prefix(b"r"), MAX_ROOTS);
    assert_eq!(root(&store, 1), None);
    assert!(root(&store, 2).is_some());
    assert!(root(&store, MAX_ROOTS as u64 + 1).is_some());
    assert_eq!(
        OptimisticVerifier.latest_height(&store).unwrap(),
        Height(MAX_ROOTS as u64 + 1)
    );
}
