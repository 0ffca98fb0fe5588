//! An EVM chain's endpoint as a source: pages, multiproofs, confirmation depth and reorgs, against
//! a real anvil node.

use strait_chain_client::{ChainError, OutboxHistory, SourceChain};
use strait_merkle::LeafIndex;
use strait_primitives::{ChainId, Height, MessageId};

use crate::support::{Chain, CHAIN};

#[tokio::test]
async fn pages_and_multiproofs_check_against_the_outbox_at_their_height() {
    let chain = Chain::start().await;
    let mut sent = Vec::new();
    for i in 0..7u8 {
        let destination = if i % 3 == 2 { 8 } else { 7 };
        let (id, block) = chain.send(destination, &[i; 5]).await;
        sent.push((id, block, destination));
    }
    chain.mine(2).await;
    // Two blocks per log request: the scan and the pages cross many ranges.
    let source = chain.source(2, 2).await;
    let latest = SourceChain::latest_height(&source).await.unwrap();
    assert_eq!(latest.get(), chain.head().await - 2);
    let to_7: Vec<u64> = (0..7).filter(|i| i % 3 != 2).collect();
    let first = source.outbox_page(ChainId(7), 0, 3).await.unwrap();
    assert_eq!(first.outbox_count, 7);
    let leaves: Vec<u64> = first.messages.iter().map(|m| m.leaf_index).collect();
    assert_eq!(leaves, to_7[..3]);
    assert_eq!(first.next_leaf, to_7[2] + 1);
    let second = source
        .outbox_page(ChainId(7), first.next_leaf, 3)
        .await
        .unwrap();
    let leaves: Vec<u64> = second.messages.iter().map(|m| m.leaf_index).collect();
    assert_eq!(leaves, to_7[3..]);
    assert_eq!(second.next_leaf, 7);
    for m in first.messages.iter().chain(&second.messages) {
        let (id, block, destination) = sent[m.leaf_index as usize];
        assert_eq!(m.id, id);
        assert_eq!(m.packet.id(), id);
        assert_eq!(m.height, Height(block));
        assert_eq!(m.packet.destination_chain, ChainId(destination));
        assert_eq!(m.packet.source_chain, ChainId(CHAIN));
        assert_eq!(m.encoded_len, m.packet.encode().len());
    }
    let to_8 = source.outbox_page(ChainId(8), 0, 10).await.unwrap();
    assert_eq!(to_8.messages.len(), 2);
    assert!(source
        .outbox_page(ChainId(9), 0, 10)
        .await
        .unwrap()
        .messages
        .is_empty());

    // At the latest height, and at the height of the fourth message (four leaves then).
    for (height, leaves) in [(latest, to_7.clone()), (Height(sent[3].1), vec![0, 2, 3])] {
        let state = source.outbox_at(height).await.unwrap();
        let proof = source.multiproof(&leaves, height).await.unwrap();
        let ids: Vec<MessageId> = leaves.iter().map(|&l| sent[l as usize].0).collect();
        proof.verify(&ids, &state.root).unwrap();
        let indices: Vec<LeafIndex> = leaves.iter().map(|&l| LeafIndex(l)).collect();
        assert_eq!(proof.leaf_indices, indices);
    }
    // A leaf past the outbox at that height, an unsorted list, an empty one: refused.
    let at_fourth = Height(sent[3].1);
    for leaves in [&[0, 4][..], &[2, 1], &[]] {
        let e = source.multiproof(leaves, at_fourth).await.unwrap_err();
        assert!(matches!(e, ChainError::Refused { .. }), "{leaves:?}: {e}");
    }
    // Past the confirmed head: not yet (transient), not refused.
    let past = source
        .multiproof(&[0], latest.checked_next().unwrap())
        .await;
    assert!(
        matches!(past, Err(ChainError::Unavailable { .. })),
        "{past:?}"
    );
    assert!(matches!(
        source.light_block(latest).await,
        Err(ChainError::Refused { .. })
    ));
}

#[tokio::test]
async fn the_confirmation_depth_hides_the_newest_blocks() {
    let chain = Chain::start().await;
    let source = chain.source(3, 1_000).await;
    let (id, block) = chain.send(7, b"hello").await;
    for wait in 0..3 {
        let latest = OutboxHistory::latest_height(&source).await.unwrap();
        assert_eq!(latest, Height(block + wait - 3));
        assert_eq!(source.outbox_at(latest).await.unwrap().count, 0);
        let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
        assert!(page.messages.is_empty(), "{wait}");
        assert_eq!(page.outbox_count, 0);
        // The unconfirmed heights are not answered yet: a transient error, to ask again (an
        // agent must not stop on it: a reorganisation can take the head back below a height it
        // had confirmed).
        let e = source.outbox_at(Height(block)).await.unwrap_err();
        assert!(matches!(e, ChainError::Unavailable { .. }), "{e}");
        assert!(e.is_transient(), "{e}");
        let e = source.multiproof(&[0], Height(block)).await.unwrap_err();
        assert!(e.is_transient(), "{e}");
        chain.mine(1).await;
    }
    let latest = OutboxHistory::latest_height(&source).await.unwrap();
    assert_eq!(latest, Height(block));
    assert_eq!(source.outbox_at(latest).await.unwrap().count, 1);
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    assert_eq!(page.messages[0].id, id);
    // Before the endpoint existed, the outbox was empty.
    let genesis = source.outbox_at(Height(0)).await.unwrap();
    assert_eq!(genesis.count, 0);
}

#[tokio::test]
async fn a_message_reorged_out_before_the_depth_is_never_exposed() {
    let chain = Chain::start().await;
    let source = chain.source(3, 1_000).await;
    let (kept, _) = chain.send(7, b"kept").await;
    chain.mine(3).await;
    let (dropped, _) = chain.send(7, b"dropped").await;
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    let ids: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, [kept]);
    // The block of `dropped` is replaced (within the depth: nothing exposed changes).
    chain.reorg(1).await;
    let (replacement, _) = chain.send(7, b"replacement").await;
    chain.mine(3).await;
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    let ids: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, [kept, replacement]);
    assert!(!ids.contains(&dropped));
    assert_eq!(page.outbox_count, 2);
    let latest = SourceChain::latest_height(&source).await.unwrap();
    let state = source.outbox_at(latest).await.unwrap();
    source
        .multiproof(&[0, 1], latest)
        .await
        .unwrap()
        .verify(&ids, &state.root)
        .unwrap();
}

#[tokio::test]
async fn a_reorg_deeper_than_the_depth_is_re_indexed_past_the_fork() {
    let chain = Chain::start().await;
    // Depth 0: every block is exposed, so a one-block reorg changes an indexed block.
    let source = chain.source(0, 1_000).await;
    let (first, _) = chain.send(7, b"first").await;
    // Indexed in two syncs: the block of `first` is a remembered range end, where the re-index
    // resumes.
    assert_eq!(
        source
            .outbox_page(ChainId(7), 0, 10)
            .await
            .unwrap()
            .messages
            .len(),
        1
    );
    let (dropped, _) = chain.send(7, b"dropped").await;
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    assert_eq!(page.messages.len(), 2);
    assert_eq!(source.indexed_leaves().await, 2);
    chain.reorg(1).await;
    let (replacement, _) = chain.send(7, b"replacement").await;
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    let ids: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, [first, replacement]);
    assert!(!ids.contains(&dropped));
    let latest = SourceChain::latest_height(&source).await.unwrap();
    let state = source.outbox_at(latest).await.unwrap();
    source
        .multiproof(&[0, 1], latest)
        .await
        .unwrap()
        .verify(&ids, &state.root)
        .unwrap();
}
