//! Per-route security (`[STRAIT-ROUTE.*]`): a receiver requiring "the light client AND 2 of 3
//! committees, 2 blocks final" executes a message only when every piece holds; each missing piece
//! is its own transient error. The config's bounds and its codec.

use strait_endpoint::security::SECURITY_CONFIG_VERSION;
use strait_endpoint::testkit::TrustedRoots;

use super::*;

const COMMITTEES: [ClientId; 3] = [ClientId(21), ClientId(22), ClientId(23)];
const FINALITY: u64 = 2;

/// The light client of the net required, the three committees optional with threshold 2.
fn strict() -> SecurityConfig {
    SecurityConfig {
        required: vec![CLIENT_OF_A_ON_B],
        optional: COMMITTEES.to_vec(),
        threshold: 2,
        finality_blocks: FINALITY,
    }
}

/// A net whose COUNTER app chose [`strict`], one message sent to it, and A's root not yet relayed
/// to anyone. Returns the net, the message, and the proof height the root will be verified at.
fn strict_net() -> (Net, Sent, Height) {
    let mut n = net();
    for c in COMMITTEES {
        n.b.clients.insert(
            c,
            TrustedRoots {
                chain: A,
                ..Default::default()
            },
        );
    }
    n.b.app_configs.insert((COUNTER, A), strict());
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"guarded");
    n.a.height = Height(10);
    n.proof_height = n.a.height;
    (n, sent, Height(10))
}

/// `client` verifies A's current root at `height`, and a header `FINALITY` blocks above it.
fn vouch(n: &mut Net, client: ClientId, height: Height) {
    let root = n.a.outbox.root();
    n.b.record_verified_root(client, height, root);
    n.b.record_verified_root(client, Height(height.get() + FINALITY), Hash32([0xee; 32]));
}

fn assert_waits(n: &mut Net, sent: &Sent, expected: ReceiveError) {
    let err = n.deliver(sent).unwrap_err();
    assert_eq!(err, expected);
    assert!(err.is_transient(), "{} must be transient", err.name());
    assert!(n.executed.borrow().is_empty());
}

#[test]
fn executes_when_the_light_client_and_two_of_three_committees_vouch_and_it_is_final() {
    let (mut n, sent, h) = strict_net();
    vouch(&mut n, CLIENT_OF_A_ON_B, h);
    vouch(&mut n, COMMITTEES[0], h);
    vouch(&mut n, COMMITTEES[2], h);
    assert!(n.deliver(&sent).unwrap().outcome.is_executed());
    assert_eq!(*n.executed.borrow(), vec![b"guarded".to_vec()]);
}

#[test]
fn waits_for_the_light_client_at_the_proof_height() {
    let (mut n, sent, h) = strict_net();
    for c in COMMITTEES {
        vouch(&mut n, c, h);
    }
    // Updated, but at other heights only: it does not vouch at the proof height.
    let root = n.a.outbox.root();
    n.b.record_verified_root(CLIENT_OF_A_ON_B, Height(9), root);
    n.b.record_verified_root(CLIENT_OF_A_ON_B, Height(12), root);
    assert_waits(
        &mut n,
        &sent,
        ReceiveError::RootNotVerified {
            client: CLIENT_OF_A_ON_B,
            height: h,
        },
    );
    vouch(&mut n, CLIENT_OF_A_ON_B, h);
    assert!(n.deliver(&sent).unwrap().outcome.is_executed());
}

#[test]
fn waits_while_only_one_of_three_committees_vouches() {
    let (mut n, sent, h) = strict_net();
    vouch(&mut n, CLIENT_OF_A_ON_B, h);
    vouch(&mut n, COMMITTEES[1], h);
    let one = ReceiveError::NotEnoughOptional {
        got: 1,
        needed: 2,
        height: h,
    };
    assert_waits(&mut n, &sent, one.clone());
    // A second committee at another height does not count.
    vouch(&mut n, COMMITTEES[2], Height(11));
    assert_waits(&mut n, &sent, one);
    vouch(&mut n, COMMITTEES[2], h);
    assert!(n.deliver(&sent).unwrap().outcome.is_executed());
}

#[test]
fn a_frozen_required_client_stops_the_route_and_a_frozen_optional_one_does_not_count() {
    let (mut n, sent, h) = strict_net();
    for c in [CLIENT_OF_A_ON_B, COMMITTEES[0], COMMITTEES[1]] {
        vouch(&mut n, c, h);
    }
    n.b.clients.get_mut(&COMMITTEES[1]).unwrap().frozen = true;
    assert_waits(
        &mut n,
        &sent,
        ReceiveError::NotEnoughOptional {
            got: 1,
            needed: 2,
            height: h,
        },
    );
    vouch(&mut n, COMMITTEES[2], h);
    n.b.clients.get_mut(&CLIENT_OF_A_ON_B).unwrap().frozen = true;
    let err = n.deliver(&sent).unwrap_err();
    assert_eq!(err, ReceiveError::ClientFrozen(CLIENT_OF_A_ON_B));
    assert!(!err.is_transient());
    assert!(n.executed.borrow().is_empty());
}

#[test]
fn a_committee_root_that_differs_does_not_count_and_a_required_one_rejects() {
    let (mut n, sent, h) = strict_net();
    vouch(&mut n, CLIENT_OF_A_ON_B, h);
    vouch(&mut n, COMMITTEES[0], h);
    // The second committee certified another root at the proof height.
    n.b.record_verified_root(COMMITTEES[1], h, Hash32([0xbd; 32]));
    n.b.record_verified_root(COMMITTEES[1], Height(h.get() + FINALITY), Hash32([1; 32]));
    assert_waits(
        &mut n,
        &sent,
        ReceiveError::NotEnoughOptional {
            got: 1,
            needed: 2,
            height: h,
        },
    );
    // The required light client with another root: the proof is refused outright.
    vouch(&mut n, COMMITTEES[2], h);
    n.b.record_verified_root(CLIENT_OF_A_ON_B, h, Hash32([0xbd; 32]));
    let err = n.deliver(&sent).unwrap_err();
    assert_eq!(err.name(), "RootMismatch");
    assert!(!err.is_transient());
    assert!(n.executed.borrow().is_empty());
}

#[test]
fn waits_until_the_counting_clients_are_final() {
    let (mut n, sent, h) = strict_net();
    let root = n.a.outbox.root();
    let needed = Height(h.get() + FINALITY);
    for c in [CLIENT_OF_A_ON_B, COMMITTEES[0], COMMITTEES[1]] {
        n.b.record_verified_root(c, h, root);
    }
    assert_waits(
        &mut n,
        &sent,
        ReceiveError::NotFinal {
            height: h,
            needed,
            got: h,
        },
    );
    // The light client final; one committee one block short, the other final: the 2nd best of
    // the vouching committees is short.
    n.b.record_verified_root(CLIENT_OF_A_ON_B, needed, root);
    n.b.record_verified_root(COMMITTEES[0], Height(needed.get() - 1), root);
    n.b.record_verified_root(COMMITTEES[1], Height(needed.get() + 5), root);
    assert_waits(
        &mut n,
        &sent,
        ReceiveError::NotFinal {
            height: h,
            needed,
            got: Height(needed.get() - 1),
        },
    );
    // A committee final but vouching for nothing at h does not help.
    n.b.record_verified_root(COMMITTEES[2], Height(needed.get() + 9), root);
    assert!(matches!(
        n.deliver(&sent),
        Err(ReceiveError::NotFinal { .. })
    ));
    n.b.record_verified_root(COMMITTEES[0], needed, root);
    assert!(n.deliver(&sent).unwrap().outcome.is_executed());
}

#[test]
fn a_batch_under_a_strict_route_waits_whole_then_executes_with_one_root() {
    let (mut n, first, h) = strict_net();
    let second = n.send(COUNTER, DeliveryOptions::default(), b"second");
    let count = n.a.outbox.count();
    let batch = BatchDelivery {
        packets: vec![first.packet.clone(), second.packet.clone()],
        proof: n
            .a
            .outbox
            .multiproof(&[LeafIndex(0), LeafIndex(1)], count)
            .unwrap(),
        proof_height: h,
    };
    vouch(&mut n, CLIENT_OF_A_ON_B, h);
    vouch(&mut n, COMMITTEES[0], h);
    let err = receive_batch(&mut n.b, &batch).unwrap_err();
    assert_eq!(err.name(), "NotEnoughOptional");
    assert!(err.is_transient());
    vouch(&mut n, COMMITTEES[1], h);
    let results = receive_batch(&mut n.b, &batch).unwrap();
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap().outcome.is_executed()));
    assert_eq!(n.executed.borrow().len(), 2);
}

fn config(required: &[u64], optional: &[u64], threshold: u8, finality: u64) -> SecurityConfig {
    SecurityConfig {
        required: required.iter().copied().map(ClientId).collect(),
        optional: optional.iter().copied().map(ClientId).collect(),
        threshold,
        finality_blocks: finality,
    }
}

#[test]
fn every_bound_holds_at_its_limit_and_fails_past_it() {
    let ok = |c: SecurityConfig| {
        c.validate().unwrap();
        assert_eq!(SecurityConfig::decode(&c.encode()), Ok(c));
    };
    let name = |c: SecurityConfig| {
        let name = c.validate().unwrap_err().name();
        // The decoder refuses what validation refuses, with the same name.
        assert_eq!(
            SecurityConfig::decode(&c.encode()).unwrap_err().name(),
            name
        );
        name
    };
    ok(SecurityConfig::single(ClientId(1)));
    ok(config(&[1, 2, 3, 4], &[5, 6, 7, 8], 4, MAX_FINALITY_BLOCKS));
    ok(config(&[], &[1, 2, 3, 4, 5, 6, 7, 8], 1, 0));
    ok(config(&[1, 2, 3, 4, 5, 6, 7, 8], &[], 0, 0));
    assert_eq!(
        name(config(&[1, 2, 3, 4], &[5, 6, 7, 8, 9], 4, 0)),
        "TooManyVerifiers"
    );
    assert_eq!(name(config(&[1], &[5, 6], 3, 0)), "ThresholdOutOfRange");
    assert_eq!(name(config(&[1], &[5, 6], 0, 0)), "ThresholdOutOfRange");
    assert_eq!(name(config(&[1], &[], 1, 0)), "ThresholdOutOfRange");
    assert_eq!(name(config(&[], &[], 0, 0)), "NoVerifier");
    assert_eq!(name(config(&[2, 1], &[], 0, 0)), "NotCanonical");
    assert_eq!(name(config(&[1], &[3, 3], 1, 0)), "NotCanonical");
    assert_eq!(name(config(&[3], &[1, 3], 1, 0)), "DuplicateVerifier");
    assert_eq!(
        name(config(&[1], &[], 0, MAX_FINALITY_BLOCKS + 1)),
        "FinalityTooLarge"
    );
}

#[test]
fn the_decoder_checks_each_field_as_it_reads_it() {
    let full = config(&[1, 2, 3, 4], &[5, 6, 7, 8], 4, 9).encode();
    assert_eq!(full.len(), MAX_SECURITY_CONFIG_LEN);
    let name = |bytes: &[u8]| SecurityConfig::decode(bytes).unwrap_err().name();
    assert_eq!(name(&[]), "Truncated");
    assert_eq!(name(&[SECURITY_CONFIG_VERSION + 1]), "UnsupportedVersion");
    // A count past the bound is refused before its ids are read.
    assert_eq!(name(&[SECURITY_CONFIG_VERSION, 9]), "TooLarge");
    assert_eq!(name(&[SECURITY_CONFIG_VERSION, 1, 0, 0]), "Truncated");
    for cut in 0..full.len() {
        assert_eq!(name(&full[..cut]), "Truncated", "cut at {cut}");
    }
    assert_eq!(name(&[&full[..], &[0]].concat()), "TrailingBytes");
}

proptest! {
    #[test]
    fn decoding_arbitrary_config_bytes_never_panics_and_is_canonical(
        bytes in proptest::collection::vec(any::<u8>(), 0..90),
    ) {
        if let Ok(config) = SecurityConfig::decode(&bytes) {
            prop_assert_eq!(config.encode(), bytes);
        }
    }

    #[test]
    fn valid_configs_round_trip(
        mut ids in proptest::collection::btree_set(1u64..40, 1..=MAX_ROUTE_VERIFIERS),
        split in 0usize..=MAX_ROUTE_VERIFIERS,
        threshold in 1u8..=8,
        finality in 0..=MAX_FINALITY_BLOCKS,
    ) {
        let all: Vec<u64> = std::mem::take(&mut ids).into_iter().collect();
        let split = split.min(all.len());
        let (required, optional) = all.split_at(split);
        let threshold = if optional.is_empty() { 0 } else { threshold.min(optional.len() as u8) };
        let c = config(required, optional, threshold, finality);
        prop_assert_eq!(c.validate(), Ok(()));
        prop_assert_eq!(SecurityConfig::decode(&c.encode()), Ok(c));
    }
}
