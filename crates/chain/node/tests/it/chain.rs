//! One chain: blocks verify with the core light client, sends are provable, bad transactions get
//! clear errors and never stop the chain.

use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{codes, BlockSummary, MessageStatus, StraitApiClient};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_devnet_api::HexBytes;
use strait_light_client::{verify, TrustedState, Verdict};
use strait_merkle::MultiProof;
use strait_node::ChainSpec;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_are_produced_and_verify_adjacent_and_skipping() {
    let specs = specs(2);
    let dir = temp_dir("blocks");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let ws = WsClientBuilder::default()
        .build(node.ws_url())
        .await
        .unwrap();
    let mut sub = ws
        .subscribe::<BlockSummary, _>(
            "strait_subscribeBlocks",
            rpc_params![],
            "strait_unsubscribeBlocks",
        )
        .await
        .unwrap();
    let first = sub.next().await.unwrap().unwrap();
    let second = sub.next().await.unwrap().unwrap();
    assert_eq!(second.height.get(), first.height.get() + 1);

    wait_height(&client, 6).await;
    let options = ChainSpec::client_options(&specs[0]);
    let genesis = light_block(&client, Height(0)).await;
    let mut previous = genesis.clone();
    for h in 1..=6 {
        let block = light_block(&client, Height(h)).await;
        assert_eq!(block.header().parent_hash, previous.header().hash());
        assert!(block.header().timestamp > previous.header().timestamp);
        let trusted = TrustedState {
            chain_id: specs[0].chain_id,
            height: previous.header().height,
            timestamp: previous.header().timestamp,
            next_validators: &previous.next_validators,
        };
        let near_now = Timestamp(block.header().timestamp.get() + 1);
        assert_eq!(
            verify(&block, &trusted, &options, near_now),
            Verdict::Success,
            "height {h}"
        );
        previous = block;
    }
    let skipping = TrustedState {
        chain_id: specs[0].chain_id,
        height: Height(0),
        timestamp: genesis.header().timestamp,
        next_validators: &genesis.next_validators,
    };
    let near_now = Timestamp(previous.header().timestamp.get() + 1);
    assert_eq!(
        verify(&previous, &skipping, &options, near_now),
        Verdict::Success
    );
    assert_eq!(*genesis.header(), strait_node::genesis_header(&specs[0]));
    let info = client.chain_info().await.unwrap();
    assert_eq!(info.validators, 4);
    assert_eq!(info.remote_chains, vec![ChainId(2)]);
    assert!(client.light_block(Height(1 << 40)).await.unwrap().is_none());
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_commits_and_is_provable_against_the_outbox_root() {
    let specs = specs(2);
    let dir = temp_dir("send");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let alice = AccountKey::devnet("alice");
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"hello"),
    )
    .await;
    let result = submit(&client, &tx).await;
    assert!(result.success, "{result:?}");
    let id = result.message_id.unwrap();

    let page = client.messages(0, 10, None).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    let message = &page.messages[0];
    assert_eq!(message.id, id);
    assert_eq!(message.height, result.height);
    let packet = Packet::decode(&message.packet.0).unwrap();
    assert_eq!(packet.id(), id);
    assert_eq!(packet.sender, alice.address());
    assert_eq!(packet.payload, b"hello");
    assert!(client
        .messages(0, 10, Some(ChainId(3)))
        .await
        .unwrap()
        .messages
        .is_empty());

    // Provable against the root committed at the sending height and at later heights.
    let later = wait_height(&client, result.height.get() + 2).await;
    for height in [result.height, later] {
        let outbox = client.outbox(Some(height)).await.unwrap();
        let proof = client.proof(vec![0], height).await.unwrap();
        assert_eq!(proof.root, outbox.root);
        let proof = MultiProof::decode(&proof.multiproof.0).unwrap();
        proof.verify(&[id], &outbox.root).unwrap();
        assert_eq!(
            light_block(&client, height).await.header().outbox_root,
            outbox.root
        );
    }
    // Before the send, the leaf did not exist.
    let err = client
        .proof(vec![0], Height(result.height.get() - 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot prove"), "{err}");
    assert!(matches!(
        client.message_status(id).await.unwrap(),
        MessageStatus::Sent {
            destination_chain: ChainId(2),
            ..
        }
    ));
    assert_eq!(
        client
            .message_status(strait_primitives::MessageId([9; 32]))
            .await
            .unwrap(),
        MessageStatus::Unknown
    );
    // A send to an unknown chain fails, consumes the nonce, and says why.
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        TxBody::Send {
            gas_limit: 0,
            destination_chain: ChainId(77),
            receiver: apps::counter(),
            options: DeliveryOptions::default(),
            payload: vec![],
        },
    )
    .await;
    let result = submit(&client, &tx).await;
    assert!(!result.success);
    assert!(result
        .error
        .unwrap()
        .contains("unknown destination chain 77"));
    assert_eq!(client.account_nonce(alice.address()).await.unwrap(), 2);
    node.stop().await;
}

fn error_code(err: &jsonrpsee::core::client::Error) -> i32 {
    match err {
        jsonrpsee::core::client::Error::Call(e) => e.code(),
        other => panic!("not a call error: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_transactions_get_clear_errors_and_the_chain_goes_on() {
    let specs = specs(2);
    let dir = temp_dir("badtx");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let alice = AccountKey::devnet("alice");
    let good = Tx {
        chain_id: ChainId(1),
        signer: alice.address(),
        nonce: 0,
        body: send_body(apps::counter(), b"x"),
    }
    .sign(&alice);

    let err = client
        .request::<Hash32, _>("strait_submitTransaction", rpc_params!["0xzz"])
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::INVALID_REQUEST, "{err}");

    // The signature (the last 64 bytes, over every byte before them) is checked before the body
    // is decoded: a cut transaction fails the signature...
    let bytes = good.encode();
    let err = client
        .submit_transaction(HexBytes(bytes[..bytes.len() - 3].to_vec()))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::BAD_SIGNATURE, "{err}");
    // ...and a correctly signed one whose body is cut is malformed, said once.
    let unsigned = good.tx.encode_unsigned();
    let cut = &unsigned[..unsigned.len() - 3];
    let digest = strait_primitives::keccak256_concat(&[strait_devnet_api::tx::TX_DOMAIN, cut]);
    let err = client
        .submit_transaction(HexBytes([cut, &alice.sign_digest(&digest)[..]].concat()))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::INVALID_REQUEST);
    assert!(err.to_string().contains("malformed transaction"), "{err}");
    assert_eq!(
        err.to_string().matches("malformed transaction").count(),
        1,
        "{err}"
    );

    let mut bad_sig = good.clone();
    bad_sig.signature[5] ^= 1;
    let err = client
        .submit_transaction(HexBytes(bad_sig.encode()))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::BAD_SIGNATURE, "{err}");

    let wrong_chain = Tx {
        chain_id: ChainId(2),
        signer: alice.address(),
        nonce: 0,
        body: send_body(apps::counter(), b"x"),
    }
    .sign(&alice);
    let err = client
        .submit_transaction(HexBytes(wrong_chain.encode()))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::WRONG_CHAIN, "{err}");

    let gap = Tx {
        chain_id: ChainId(1),
        signer: alice.address(),
        nonce: 5,
        body: send_body(apps::counter(), b"x"),
    }
    .sign(&alice);
    let err = client
        .submit_transaction(HexBytes(gap.encode()))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::NONCE_GAP, "{err}");

    assert!(submit(&client, &good).await.success);
    let err = client
        .submit_transaction(HexBytes(good.encode()))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::NONCE_TOO_LOW, "{err}");

    // Bounded requests.
    let err = client
        .received(vec![strait_primitives::MessageId::ZERO; 5000])
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), codes::INVALID_REQUEST);
    let err = client.proof(vec![], Height(1)).await.unwrap_err();
    assert_eq!(error_code(&err), codes::INVALID_REQUEST);
    let err = client.outbox(Some(Height(1 << 40))).await.unwrap_err();
    assert_eq!(error_code(&err), codes::NOT_FOUND);
    let err = client.client(ChainId(99)).await.unwrap_err();
    assert_eq!(error_code(&err), codes::NOT_FOUND);

    let height = client.chain_info().await.unwrap().latest_height;
    wait_height(&client, height.get() + 3).await;
    node.stop().await;
}

/// The load generator's report, end to end: a sender submitting nonce `n` right after `n - 1` was
/// accepted was once refused as skipping ahead, when a block committed between the node's read of
/// the committed nonce and its admission. Blocks every 20 ms, back-to-back submissions: none is
/// refused. (The race window is narrow over HTTP; `mempool::tests` reproduces it reliably.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_submissions_are_never_refused_while_blocks_commit() {
    const TXS: u64 = 1_500;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let specs = strait_node::devnet_specs(1, 4, Timestamp(now - 10_000), 20);
    let dir = temp_dir("sequential");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let alice = AccountKey::devnet("alice");
    let mut last = None;
    for nonce in 0..TXS {
        let tx = Tx {
            chain_id: ChainId(1),
            signer: alice.address(),
            nonce,
            body: TxBody::AppCall {
                app: apps::counter(),
                data: Vec::new(),
            },
        }
        .sign(&alice);
        match client.submit_transaction(HexBytes(tx.encode())).await {
            Ok(hash) => last = Some(hash),
            Err(e) => panic!("nonce {nonce} refused: {e}"),
        }
    }
    let result = wait_result(&client, last.unwrap()).await;
    assert!(result.height.get() > 1, "blocks committed meanwhile");
    assert_eq!(client.account_nonce(alice.address()).await.unwrap(), TXS);
    node.stop().await;
}

/// SPEC §5.7: every block, genesis included, carries a BLS light block of the same header, and
/// the chain verifies block by block and by skipping in BLS mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_carry_a_bls_commit_that_verifies_in_bls_mode() {
    use strait_light_client::bls::{verify_bls, BlsLightBlock, BlsTrustedState};

    let specs = specs(2);
    let dir = temp_dir("bls-blocks");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    wait_height(&client, 4).await;
    let options = ChainSpec::client_options(&specs[0]);
    let mut blocks = Vec::new();
    for h in 0..=4 {
        let response = client.light_block(Height(h)).await.unwrap().unwrap();
        let ed = strait_light_client::LightBlock::decode(&response.light_block.0).unwrap();
        let bls = BlsLightBlock::decode(&response.bls_light_block.unwrap().0).unwrap();
        assert_eq!(bls.header, *ed.header(), "height {h}");
        assert_eq!(
            bls.commit.signers().count(),
            ed.signed_header.commit.signatures.len()
        );
        blocks.push(bls);
    }
    for pair in blocks.windows(2) {
        let trusted = BlsTrustedState {
            chain_id: specs[0].chain_id,
            height: pair[0].header.height,
            timestamp: pair[0].header.timestamp,
            next_validators: &pair[0].next_validators,
        };
        let near_now = Timestamp(pair[1].header.timestamp.get() + 1);
        assert_eq!(
            verify_bls(&pair[1], &trusted, &options, near_now),
            Verdict::Success
        );
    }
    let skipping = BlsTrustedState {
        chain_id: specs[0].chain_id,
        height: Height(0),
        timestamp: blocks[0].header.timestamp,
        next_validators: &blocks[0].next_validators,
    };
    let last = &blocks[4];
    let near_now = Timestamp(last.header.timestamp.get() + 1);
    assert_eq!(
        verify_bls(last, &skipping, &options, near_now),
        Verdict::Success
    );
    node.stop().await;
}
