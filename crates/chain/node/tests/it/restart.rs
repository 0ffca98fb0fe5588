//! A stopped node restarts at its last height with the same roots and keeps producing.

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::StraitApiClient;
use strait_merkle::MultiProof;
use strait_packet::Packet;
use strait_primitives::{ChainId, Height, Nonce};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_continues_from_its_height_with_the_same_roots() {
    let specs = specs(2);
    let dir = temp_dir("restart");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let alice = AccountKey::devnet("alice");
    let mut ids = Vec::new();
    for payload in [b"a", b"b"] {
        let tx = sign(
            &client,
            ChainId(1),
            &alice,
            send_body(apps::counter(), payload),
        )
        .await;
        let result = submit(&client, &tx).await;
        assert!(result.success);
        ids.push(result.message_id.unwrap());
    }
    let before = client.chain_info().await.unwrap();
    let block_before = light_block(&client, before.latest_height).await;
    node.stop().await;

    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let restarted = client.chain_info().await.unwrap();
    assert!(restarted.latest_height >= before.latest_height);
    assert_eq!(
        light_block(&client, before.latest_height).await,
        block_before
    );
    let last_stored = light_block(&client, restarted.latest_height).await;
    let next = wait_height(&client, restarted.latest_height.get() + 2).await;
    let after = light_block(&client, Height(restarted.latest_height.get() + 1)).await;
    assert_eq!(after.header().parent_hash, last_stored.header().hash());
    assert!(after.header().timestamp > last_stored.header().timestamp);
    assert!(next > restarted.latest_height);
    assert_eq!(client.outbox(None).await.unwrap().count, 2);
    assert_eq!(
        client.outbox(None).await.unwrap().root,
        block_before.header().outbox_root
    );

    // The state came back: the account nonce and the route nonce continue.
    assert_eq!(client.account_nonce(alice.address()).await.unwrap(), 2);
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"c"),
    )
    .await;
    let result = submit(&client, &tx).await;
    assert!(result.success, "{result:?}");
    ids.push(result.message_id.unwrap());
    let page = client.messages(0, 10, None).await.unwrap();
    assert_eq!(page.messages.iter().map(|m| m.id).collect::<Vec<_>>(), ids);
    assert_eq!(
        Packet::decode(&page.messages[2].packet.0).unwrap().nonce,
        Nonce(3)
    );
    // Proofs against a height from before the restart still verify.
    let proof = client
        .proof(vec![0, 1], before.latest_height)
        .await
        .unwrap();
    MultiProof::decode(&proof.multiproof.0)
        .unwrap()
        .verify(&ids[..2], &block_before.header().outbox_root)
        .unwrap();
    node.stop().await;
}
