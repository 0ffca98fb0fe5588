//! An attester over an EVM source signs checkpoints of confirmed blocks only.

use std::path::PathBuf;
use std::sync::Arc;

use strait_attester::{Attester, AttesterConfig, AttesterKey, Board, SigningRecord};
use strait_chain_client::{OutboxHistory, VerifierKind};
use strait_primitives::{ChainId, Hash32, Height};

use crate::support::{Chain, CHAIN};

/// A signing record's file, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn an_attester_signs_evm_checkpoints_only_past_the_confirmation_depth() {
    let chain = Chain::start().await;
    let source = chain.source(3, 1_000).await;
    let path =
        TempFile(std::env::temp_dir().join(format!("strait-evm-attester-{}", std::process::id())));
    let _ = std::fs::remove_file(&path.0);
    let record = Arc::new(SigningRecord::open(&path.0).unwrap());
    let board = Board::default();
    let key = AttesterKey::devnet(VerifierKind::ATTEST_ECDSA, 1).unwrap();
    // The source's depth is the only finality the attester needs.
    let config = AttesterConfig {
        finality_depth: 0,
        ..AttesterConfig::new(Hash32([7; 32]), 0)
    };
    let attester = Attester::start(source.clone(), key, record, board.clone(), config).unwrap();
    let (_, block) = chain.send(7, b"attested").await;
    // Sent, not yet 3 deep: nothing to sign.
    for _ in 0..3 {
        let report = attester.step().await.unwrap();
        assert_eq!(report.signed, 0);
        assert!(board.latest(ChainId(CHAIN)).is_none());
        chain.mine(1).await;
    }
    // 3 deep now: signed at the block that sent it.
    let report = attester.step().await.unwrap();
    assert_eq!(report.signed, 1);
    assert_eq!(report.final_height, Some(Height(block)));
    let signed = board.get(ChainId(CHAIN), 1).unwrap();
    assert_eq!(signed.checkpoint.source_height, Height(block));
    let state = source.outbox_at(Height(block)).await.unwrap();
    assert_eq!(signed.checkpoint.outbox_root, state.root);
    assert_eq!(signed.checkpoint.leaf_count, 1);
    // The next message is signed once it is 3 deep too, not before.
    let (_, second) = chain.send(8, b"again").await;
    assert_eq!(attester.step().await.unwrap().signed, 0);
    chain.mine(3).await;
    assert_eq!(attester.step().await.unwrap().signed, 1);
    assert_eq!(
        board
            .get(ChainId(CHAIN), 2)
            .unwrap()
            .checkpoint
            .source_height,
        Height(second)
    );
}
