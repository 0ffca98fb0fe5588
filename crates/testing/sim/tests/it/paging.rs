//! Outbox pages of an in-process chain read only their destination's messages, and answer like a
//! scan of the whole outbox from the first leaf asked for.

use strait_chain_client::OutboxPage;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_node::devnet_specs;
use strait_packet::DeliveryOptions;
use strait_primitives::{ChainId, Timestamp};
use strait_sim::{chains_of, InProcessChain};

/// The page a scan of every leaf from `from_leaf` gives: the reference.
fn scanned(
    chain: &InProcessChain,
    destination: ChainId,
    from_leaf: u64,
    limit: usize,
) -> OutboxPage {
    let count = chain.outbox_count();
    let mut leaves = Vec::new();
    let mut next = from_leaf.min(count);
    while next < count && leaves.len() < limit {
        let packet = chain.sent_packet(next).expect("every leaf has its packet");
        if packet.destination_chain == destination {
            leaves.push(next);
        }
        next += 1;
    }
    let mut page = chain.outbox_page(destination, 0, 0);
    page.messages = leaves
        .iter()
        .map(|&leaf| chain.outbox_page(destination, leaf, 1).messages.remove(0))
        .collect();
    page.next_leaf = next;
    page.outbox_count = count;
    page
}

fn leaves(page: &OutboxPage) -> Vec<u64> {
    page.messages.iter().map(|m| m.leaf_index).collect()
}

#[test]
fn pages_answer_like_a_scan_of_the_outbox() {
    let chains = chains_of(&devnet_specs(3, 4, Timestamp(1_000_000), 50));
    let mut chain = chains[0].lock().unwrap();
    let sender = AccountKey::devnet("sender");
    // Destinations 2 and 3 in an irregular pattern, over two blocks.
    for (nonce, to) in [2, 2, 3, 2, 3, 3, 3, 2, 2, 3, 2].into_iter().enumerate() {
        let tx = SignedTx {
            tx: Tx {
                chain_id: ChainId(1),
                signer: sender.address(),
                nonce: nonce as u64,
                body: TxBody::Send {
                    gas_limit: 0,
                    destination_chain: ChainId(to),
                    receiver: strait_devnet_api::apps::counter(),
                    options: DeliveryOptions::default(),
                    payload: vec![nonce as u8],
                },
            },
            signature: [0; 64],
        };
        chain.submit_authenticated(tx).unwrap();
        if nonce == 4 {
            chain.produce(Timestamp(1_000_050)).unwrap();
        }
    }
    chain.produce(Timestamp(1_000_100)).unwrap();
    assert_eq!(chain.outbox_count(), 11);
    for destination in [ChainId(2), ChainId(3), ChainId(9)] {
        for from_leaf in 0..14 {
            for limit in [0, 1, 2, 3, 5, 100] {
                let page = chain.outbox_page(destination, from_leaf, limit);
                let expected = scanned(&chain, destination, from_leaf, limit);
                let what = format!("to {destination} from {from_leaf} limit {limit}");
                assert_eq!(leaves(&page), leaves(&expected), "{what}");
                assert_eq!(page.next_leaf, expected.next_leaf, "{what}");
                assert_eq!(page.outbox_count, expected.outbox_count, "{what}");
                for (got, want) in page.messages.iter().zip(&expected.messages) {
                    assert_eq!(got.packet, want.packet, "{what}");
                    assert_eq!(got.id, want.id, "{what}");
                    assert_eq!(got.height, want.height, "{what}");
                    assert_eq!(got.encoded_len, want.encoded_len, "{what}");
                }
            }
        }
    }
}
