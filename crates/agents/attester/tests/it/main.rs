//! The attester against scripted sources: what it signs, and that it never signs two roots for
//! one leaf count, across crashes, restarts and a changed history.

mod e2e;
mod support;

use std::sync::Arc;

use strait_attester::{
    Attester, AttesterConfig, AttesterError, AttesterKey, Board, Publish, SigningRecord,
    REPUBLISH_ON_START,
};
use strait_chain_client::{Attestation, VerifierKind};
use strait_primitives::{ChainId, Hash32, Height};

use support::{temp_path, ReorgingChain};

fn key() -> AttesterKey {
    AttesterKey::devnet(VerifierKind::ATTEST_ECDSA, 1).unwrap()
}

fn config() -> AttesterConfig {
    AttesterConfig {
        max_heights_per_step: 4,
        ..AttesterConfig::new(Hash32([7; 32]), 0)
    }
}

/// A sink standing for a process that dies after the record is written and before the signature
/// leaves: it drops everything.
struct CrashingBeforePublish;

impl Publish for CrashingBeforePublish {
    fn publish(&self, _: Attestation) {}
}

#[tokio::test]
async fn signs_each_new_leaf_count_once_at_its_first_final_height() {
    // Counts by height: 0 0 1 1 3 3 3 4, finality depth 2.
    let chain = ReorgingChain::new(ChainId(1), &[0, 0, 1, 1, 3, 3, 3, 4]);
    let record = Arc::new(SigningRecord::open(&temp_path("signs")).unwrap());
    let board = Board::default();
    let attester = Attester::start(chain.clone(), key(), record, board.clone(), config()).unwrap();
    // Latest 7, final 5; four heights a step (the bound): 0..=3, then 4..=5.
    let first = attester.step().await.unwrap();
    assert_eq!(first.final_height, Some(Height(3)));
    assert_eq!(first.signed, 1);
    let second = attester.step().await.unwrap();
    assert_eq!(second.final_height, Some(Height(5)));
    assert_eq!(second.signed, 1);
    let one = board.get(ChainId(1), 1).unwrap();
    assert_eq!(one.checkpoint.source_height, Height(2));
    let three = board.get(ChainId(1), 3).unwrap();
    assert_eq!(three.checkpoint.source_height, Height(4));
    assert_eq!(three.checkpoint.outbox_root, chain.root_at(4));
    // Count 4 is at height 7, not final yet.
    assert!(board.get(ChainId(1), 4).is_none());
    chain.extend(&[4, 4]);
    attester.step().await.unwrap();
    assert_eq!(
        board.get(ChainId(1), 4).unwrap().checkpoint.source_height,
        Height(7)
    );
    assert_eq!(board.len(), 3);
    // The signature verifies under the committee's sign bytes.
    let message = three.checkpoint.sign_bytes(&Hash32([7; 32]), 0);
    assert_eq!(three.signature, key().sign(&message));
}

#[tokio::test]
async fn a_crash_between_record_and_publish_then_another_root_is_refused_after_restart() {
    crash_then_another_root(key(), "crash").await;
}

#[tokio::test]
async fn a_restarted_bls_attester_never_signs_another_root_for_a_leaf_count() {
    let bls = AttesterKey::bls_devnet(1);
    let board = crash_then_another_root(bls.clone(), "crash-bls").await;
    // What it re-published is its own BLS signature of the recorded checkpoint, and verifies.
    let published = board.get(ChainId(1), 2).unwrap();
    let message = published.checkpoint.sign_bytes(&Hash32([7; 32]), 0);
    assert_eq!(published.signature, bls.sign(&message));
    let one = strait_attest::Committee::from_members(1, vec![bls.member()], 96).unwrap();
    let signature: [u8; 192] = published.signature.as_slice().try_into().unwrap();
    let certificate = strait_attest::bls::BlsCertificate::new(1, &[0], signature);
    <strait_attest::bls::Bls as strait_attest::Scheme>::verify(&one, &message, &certificate)
        .unwrap();
}

/// A crash after recording root A for a leaf count, before publishing; the source then shows root
/// B for that count: after the restart only A is ever published. Returns the board.
async fn crash_then_another_root(key: AttesterKey, name: &str) -> Board {
    let key = || key.clone();
    let path = temp_path(name);
    let chain = ReorgingChain::new(ChainId(1), &[0, 2, 2, 2]);
    {
        let record = Arc::new(SigningRecord::open(&path).unwrap());
        let attester = Attester::start(
            chain.clone(),
            key(),
            record,
            CrashingBeforePublish,
            config(),
        )
        .unwrap();
        assert_eq!(attester.step().await.unwrap().signed, 1);
        // The process dies here: the record holds root A for count 2, nothing was published.
    }
    let signed_root = chain.root_at(1);
    // While it was down, the source (or a lying node) shows another root for count 2 at height 1.
    chain.rewrite_from(1, 0xbb);
    assert_ne!(chain.root_at(1), signed_root);
    let record = Arc::new(SigningRecord::open(&path).unwrap());
    assert_eq!(
        record.signed(ChainId(1), 2).unwrap().unwrap().outbox_root,
        signed_root
    );
    let board = Board::default();
    let attester = Attester::start(
        chain.clone(),
        key(),
        record.clone(),
        board.clone(),
        config(),
    )
    .unwrap();
    // At restart only the recorded root is re-published.
    assert_eq!(
        board.get(ChainId(1), 2).unwrap().checkpoint.outbox_root,
        signed_root
    );
    let error = attester.step().await.unwrap_err();
    assert!(
        matches!(error, AttesterError::HistoryChanged { .. }),
        "{error}"
    );
    assert_eq!(board.len(), 1);
    assert_eq!(
        board.get(ChainId(1), 2).unwrap().checkpoint.outbox_root,
        signed_root
    );
    // Signing the other root directly is refused before any signature exists.
    let mut other = board.get(ChainId(1), 2).unwrap().checkpoint;
    other.outbox_root = chain.root_at(1);
    let refused = attester.sign(&other).unwrap_err();
    assert!(
        matches!(refused, AttesterError::WouldEquivocate { .. }),
        "{refused}"
    );
    assert_eq!(
        board.get(ChainId(1), 2).unwrap().checkpoint.outbox_root,
        signed_root
    );
    board
}

#[tokio::test]
async fn the_same_root_is_signed_again_after_a_restart_and_nothing_else() {
    let path = temp_path("again");
    let chain = ReorgingChain::new(ChainId(1), &[0, 1, 1, 1]);
    let first = {
        let record = Arc::new(SigningRecord::open(&path).unwrap());
        let board = Board::default();
        let attester =
            Attester::start(chain.clone(), key(), record, board.clone(), config()).unwrap();
        attester.step().await.unwrap();
        board.get(ChainId(1), 1).unwrap()
    };
    let record = Arc::new(SigningRecord::open(&path).unwrap());
    let board = Board::default();
    let attester = Attester::start(chain.clone(), key(), record, board.clone(), config()).unwrap();
    assert_eq!(board.get(ChainId(1), 1).unwrap(), first);
    assert_eq!(attester.sign(&first.checkpoint).unwrap(), first);
    assert_eq!(attester.step().await.unwrap().signed, 0);
}

#[tokio::test]
async fn a_history_change_below_finality_halts_and_the_halt_survives_a_restart() {
    let path = temp_path("halt");
    let chain = ReorgingChain::new(ChainId(1), &[0, 1, 1, 2, 2, 2]);
    let record = Arc::new(SigningRecord::open(&path).unwrap());
    let board = Board::default();
    let attester = Attester::start(chain.clone(), key(), record, board.clone(), config()).unwrap();
    attester.step().await.unwrap();
    assert_eq!(board.len(), 2);
    // A reorg of final heights 3 on: another message at height 3.
    chain.rewrite_from(3, 0xcc);
    let error = attester.step().await.unwrap_err();
    assert!(
        matches!(
            error,
            AttesterError::HistoryChanged {
                height: Height(3),
                ..
            }
        ),
        "{error}"
    );
    assert!(!error.is_transient());
    assert!(matches!(
        attester.step().await.unwrap_err(),
        AttesterError::Halted(_)
    ));
    drop(attester);
    let record = Arc::new(SigningRecord::open(&path).unwrap());
    let restarted = Attester::start(chain, key(), record, Board::default(), config());
    assert!(matches!(restarted.err().unwrap(), AttesterError::Halted(_)));
}

#[tokio::test]
async fn an_outbox_that_shrinks_between_final_heights_halts() {
    // A source that shows fewer messages later: no honest append-only outbox does.
    let chain = ReorgingChain::new(ChainId(1), &[0, 2, 1, 1, 1]);
    let record = Arc::new(SigningRecord::open(&temp_path("shrink")).unwrap());
    let attester = Attester::start(chain, key(), record, Board::default(), config()).unwrap();
    let error = attester.step().await.unwrap_err();
    assert!(
        matches!(error, AttesterError::NotAppendOnly { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn nothing_is_final_on_a_chain_shorter_than_the_finality_depth() {
    let chain = ReorgingChain::new(ChainId(1), &[0, 1]);
    let record = Arc::new(SigningRecord::open(&temp_path("short")).unwrap());
    let board = Board::default();
    let attester = Attester::start(chain, key(), record, board.clone(), config()).unwrap();
    assert_eq!(attester.step().await.unwrap().final_height, None);
    assert!(board.is_empty());
}

#[tokio::test]
async fn a_restart_republishes_at_most_its_bound_of_recorded_checkpoints() {
    let path = temp_path("republish");
    let chain = ReorgingChain::new(ChainId(1), &[0]);
    let record = Arc::new(SigningRecord::open(&path).unwrap());
    let bound = REPUBLISH_ON_START as u64;
    for count in 1..=bound + 1 {
        let checkpoint = strait_attest::Checkpoint {
            source_chain: ChainId(1),
            outbox_root: Hash32([count as u8; 32]),
            leaf_count: count,
            source_height: Height(count),
        };
        record.record(&checkpoint).unwrap();
    }
    let board = Board::default();
    let _attester = Attester::start(chain, key(), record, board.clone(), config()).unwrap();
    // The most recent `bound` of `bound + 1`: leaf count 1 is not re-published.
    assert_eq!(board.len(), REPUBLISH_ON_START);
    assert!(board.get(ChainId(1), 1).is_none());
    assert!(board.get(ChainId(1), 2).is_some());
    assert_eq!(
        board.latest(ChainId(1)).unwrap().checkpoint.leaf_count,
        bound + 1
    );
}

#[test]
fn a_batch_with_one_equivocating_checkpoint_records_nothing() {
    use strait_attest::Checkpoint;
    use strait_attester::record::Recorded;
    let path = temp_path("batch");
    let record = SigningRecord::open(&path).unwrap();
    let checkpoint = |count: u64, root: u8| Checkpoint {
        source_chain: ChainId(1),
        outbox_root: Hash32([root; 32]),
        leaf_count: count,
        source_height: Height(count),
    };
    let recorded = record
        .record_all(
            &[checkpoint(1, 1), checkpoint(2, 2)],
            Some(&checkpoint(2, 2)),
        )
        .unwrap();
    assert_eq!(recorded, [Recorded::New, Recorded::New]);
    assert_eq!(record.tip(ChainId(1)).unwrap(), Some(checkpoint(2, 2)));
    // Leaf count 3 is new, but 2 with another root would equivocate: neither is written, nor
    // the tip.
    let refused = record.record_all(
        &[checkpoint(3, 3), checkpoint(2, 9)],
        Some(&checkpoint(3, 3)),
    );
    assert!(matches!(
        refused,
        Err(AttesterError::WouldEquivocate { leaf_count: 2, .. })
    ));
    assert_eq!(record.signed(ChainId(1), 3).unwrap(), None);
    assert_eq!(record.tip(ChainId(1)).unwrap(), Some(checkpoint(2, 2)));
    // The same root again is signed again.
    let again = record.record_all(&[checkpoint(2, 2)], None).unwrap();
    assert_eq!(again, [Recorded::Again(checkpoint(2, 2))]);
}
