//! The host's maturity queue at and past its per-block bound, and bonds conserved through it.

use strait_optimistic::{Config, Proposal, MAX_PENDING};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Timestamp};

use super::*;
use crate::extensions::Extensions;
use crate::fees::native_balance;

const WINDOW: u64 = 1_000;

fn proposer() -> Address32 {
    Address32([0x42; 32])
}

/// `clients` optimistic clients of chain 2, each with `per_client` proposals due at `WINDOW`.
fn queued(clients: usize, per_client: usize) -> (State, Vec<BlockEvent>) {
    let verifiers = &Extensions::builtin().verifiers;
    let mut state = State::default();
    crate::fees::fund(&mut state, &proposer(), u128::from(u32::MAX));
    let config = Config {
        window_ms: WINDOW,
        bond: 7,
        proposers: vec![],
        watchers: vec![],
    };
    let mut events = Vec::new();
    for _ in 0..clients {
        let kind = verifiers.get(VerifierKind::OPTIMISTIC).unwrap();
        let client =
            clients::create(&mut state, kind, ChainId(1), ChainId(2), &config.encode()).unwrap();
        for h in 1..=per_client as u64 {
            let proposal = Proposal {
                height: Height(h),
                root: Hash32([h as u8; 32]),
                leaf_count: h,
            };
            propose(
                &mut state,
                verifiers,
                &proposer(),
                client,
                &proposal,
                Timestamp(0),
                &mut events,
            )
            .unwrap();
        }
    }
    (state, events)
}

fn settled(events: &[BlockEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, BlockEvent::Verifier(VerifierEvent::RootSettled { .. })))
        .count()
}

#[test]
fn a_block_settles_at_most_its_bound_and_the_next_block_the_rest() {
    let verifiers = &Extensions::builtin().verifiers;
    // MAX_SETTLE_PER_BLOCK + 1 proposals due at once, over clients of MAX_PENDING each.
    let clients = MAX_SETTLE_PER_BLOCK / MAX_PENDING + 1;
    let (mut state, _) = queued(clients, MAX_PENDING);
    let due = clients * MAX_PENDING;
    assert!(due > MAX_SETTLE_PER_BLOCK);
    let escrowed = native_balance(&state, &bond_escrow());
    assert_eq!(escrowed, 7 * due as u128);
    // Before the window: nothing.
    let mut events = Vec::new();
    end_block(&mut state, verifiers, Timestamp(WINDOW - 1), &mut events).unwrap();
    assert_eq!(settled(&events), 0);
    // At the window: exactly the bound.
    end_block(&mut state, verifiers, Timestamp(WINDOW), &mut events).unwrap();
    assert_eq!(settled(&events), MAX_SETTLE_PER_BLOCK);
    assert_eq!(
        state.count_prefix(keys::MATURITY),
        due - MAX_SETTLE_PER_BLOCK
    );
    // The next block: the rest, in maturity order.
    let mut rest = Vec::new();
    end_block(&mut state, verifiers, Timestamp(WINDOW + 1), &mut rest).unwrap();
    assert_eq!(settled(&rest), due - MAX_SETTLE_PER_BLOCK);
    assert_eq!(state.count_prefix(keys::MATURITY), 0);
    // Every bond back, none twice.
    assert_eq!(native_balance(&state, &bond_escrow()), 0);
    assert_eq!(native_balance(&state, &proposer()), u128::from(u32::MAX));
    for c in 1..=clients as u64 {
        let record = clients::record(&state, ClientId(c)).unwrap().unwrap();
        assert_eq!(record.latest_height, Height(MAX_PENDING as u64));
    }
}

#[test]
fn a_due_proposal_of_a_paused_client_leaves_the_queue_and_a_resume_queues_it_again() {
    let verifiers = &Extensions::builtin().verifiers;
    let (mut state, _) = queued(1, 2);
    let mut scope = Scope::new(&mut state, ClientId(1));
    // The config has no watchers; pause through the kind's state directly.
    let mut client_state = strait_optimistic::state::stored_state(&scope).unwrap();
    client_state.paused = true;
    strait_verifier::ClientStore::put(&mut scope, b"s", client_state.encode());
    let mut events = Vec::new();
    end_block(&mut state, verifiers, Timestamp(WINDOW), &mut events).unwrap();
    assert_eq!(settled(&events), 0);
    assert_eq!(state.count_prefix(keys::MATURITY), 0);
    assert_eq!(native_balance(&state, &bond_escrow()), 14);
    for p in strait_optimistic::resume(&mut Scope::new(&mut state, ClientId(1)), Timestamp(5_000))
        .unwrap()
    {
        state.put(
            keys::maturity(p.matures_at.get(), ClientId(1), p.height.get()),
            Vec::new(),
        );
    }
    end_block(
        &mut state,
        verifiers,
        Timestamp(5_000 + WINDOW),
        &mut events,
    )
    .unwrap();
    assert_eq!(settled(&events), 2);
    assert_eq!(native_balance(&state, &bond_escrow()), 0);
}
