//! The fork checkers on hand-built chains: a real freeze, a freeze lost by a restart from a store
//! that dropped it, a freeze without a fork, and a weak fork that must not verify.

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_endpoint::Outcome;
use strait_node::devnet_specs;
use strait_primitives::{ChainId, ClientId, Height, Timestamp};
use strait_runtime::deterministic::{Executor, Runtime};

use super::{forge, ForkAudit};
use crate::world::{Audit, Checker, BLOCK_MS};
use crate::{InProcessChain, Produced};

const GENESIS_MS: u64 = 1_000_000;

/// Chain 1 after three blocks, chain 2 at genesis with its client of chain 1 shown (as one
/// `Misbehaviour`) chain 1's honest header at 3 and a second one signed by more than 2/3 of its
/// validators when `strong`, else by at most 2/3; and whether the transaction applied.
fn shown_a_fork(rt: &Runtime, strong: bool) -> (InProcessChain, bool) {
    let specs = devnet_specs(2, 4, Timestamp(GENESIS_MS), BLOCK_MS);
    let mut source = InProcessChain::genesis(specs[0], vec![specs[1]]);
    let mut destination = InProcessChain::genesis(specs[1], vec![specs[0]]);
    for block in 1..=3 {
        source
            .produce(Timestamp(GENESIS_MS + block * BLOCK_MS))
            .unwrap();
    }
    let forgery = forge(rt, &source, ChainId(2), strong);
    let watcher = AccountKey::devnet("watcher");
    let tx = Tx {
        chain_id: ChainId(2),
        signer: watcher.address(),
        nonce: 0,
        body: TxBody::Misbehaviour {
            client: ClientId(1),
            kind: strait_devnet_api::tx::VerifierKind::BFT,
            evidence: strait_light_client::kind::encode_misbehaviour(
                &strait_light_client::Misbehaviour {
                    trusted_height_1: Height(0),
                    block_1: forgery.honest,
                    trusted_height_2: Height(0),
                    block_2: forgery.forged,
                },
            ),
        },
    }
    .sign(&watcher);
    let hash = destination.submit(tx).unwrap();
    destination
        .produce(Timestamp(GENESIS_MS + 4 * BLOCK_MS))
        .unwrap();
    let applied = destination.tx_result(&hash).unwrap().success;
    (destination, applied)
}

fn on(f: impl FnOnce(Runtime) + Send + 'static) {
    Executor::seeded(1).run(|rt| async move { f(rt) }).unwrap();
}

fn enabled() -> ForkAudit {
    let mut audit = ForkAudit::default();
    audit.enable(vec![ChainId(1), ChainId(2)]);
    audit
}

#[test]
fn a_freeze_after_a_fork_holds_and_a_restart_that_loses_it_is_caught() {
    on(|rt| {
        let (frozen, applied) = shown_a_fork(&rt, true);
        assert!(applied);
        let mut audit = enabled();
        audit.forked.insert((ChainId(2), ChainId(1)));
        audit.must_freeze.insert((ChainId(2), ChainId(1)));
        audit.check_clients(&frozen).unwrap();
        assert!(audit.is_frozen(ChainId(1), ChainId(2)));
        assert!(!audit.is_frozen(ChainId(2), ChainId(1)));
        assert_eq!(audit.frozen_clients(), 1);
        // The same chain restarted from a store that lost the freeze.
        let specs = devnet_specs(2, 4, Timestamp(GENESIS_MS), BLOCK_MS);
        let thawed = InProcessChain::genesis(specs[1], vec![specs[0]]);
        let error = audit.check_clients(&thawed).unwrap_err();
        assert!(error.contains("evidence rolled back"), "{error}");
    });
}

#[test]
fn a_client_shown_a_fork_but_not_frozen_is_caught() {
    let specs = devnet_specs(2, 4, Timestamp(GENESIS_MS), BLOCK_MS);
    let chain = InProcessChain::genesis(specs[1], vec![specs[0]]);
    let mut audit = enabled();
    audit.check_clients(&chain).unwrap();
    audit.must_freeze.insert((ChainId(2), ChainId(1)));
    let error = audit.check_clients(&chain).unwrap_err();
    assert!(error.contains("is not frozen"), "{error}");
}

#[test]
fn a_freeze_without_a_fork_is_caught() {
    on(|rt| {
        let (frozen, _) = shown_a_fork(&rt, true);
        let error = enabled().check_clients(&frozen).unwrap_err();
        assert!(error.contains("no more than 2/3"), "{error}");
    });
}

#[test]
fn a_header_signed_by_at_most_two_thirds_freezes_nothing() {
    on(|rt| {
        let (chain, applied) = shown_a_fork(&rt, false);
        assert!(!applied);
        assert!(!chain.verifier_of(ChainId(1)).unwrap().frozen);
        enabled().check_clients(&chain).unwrap();
    });
}

#[test]
fn forged_messages_are_accepted_only_on_their_route_and_nothing_after_a_freeze() {
    on(|rt| {
        let specs = devnet_specs(2, 4, Timestamp(GENESIS_MS), BLOCK_MS);
        let mut source = InProcessChain::genesis(specs[0], vec![specs[1]]);
        source.produce(Timestamp(GENESIS_MS + BLOCK_MS)).unwrap();
        let id = forge(&rt, &source, ChainId(2), true).batch.packets[0].id();
        let mut fork = enabled();
        fork.forged.insert(id, (ChainId(1), ChainId(2)));
        assert!(!fork.accept_forged(&id, ChainId(2), ChainId(1)));
        assert!(fork.accept_forged(&id, ChainId(1), ChainId(2)));
        assert_eq!(fork.forged_received, 1);

        let mut audit = Audit::default();
        audit.fork = fork;
        let block = |height| Produced {
            height: Height(height),
            sent: vec![],
            received: vec![(id, ChainId(1), Outcome::TimedOut)],
            settled: vec![],
            finalized: vec![],
            tx_fees: vec![],
            fee_locks: vec![],
            fee_splits: vec![],
            fee_holds: vec![],
            bond_moves: Vec::new(),
        };
        audit.check_block(ChainId(2), 0, vec![], &block(1));
        assert_eq!(audit.violation, None);
        // The same message again, after the client froze: both checkers see it; the first wins.
        audit.fork.frozen.insert((ChainId(2), ChainId(1)));
        audit.check_block(ChainId(2), 50, vec![], &block(2));
        assert_eq!(
            audit.violation.as_ref().map(|v| v.0),
            Some(Checker::AtMostOnce)
        );
        let mut fresh = Audit::default();
        fresh.fork.frozen.insert((ChainId(2), ChainId(1)));
        fresh.check_block(ChainId(2), 50, vec![], &block(2));
        assert_eq!(
            fresh.violation.as_ref().map(|v| v.0),
            Some(Checker::NothingAfterFreeze)
        );
    });
}
