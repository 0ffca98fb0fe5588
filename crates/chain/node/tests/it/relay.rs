//! Two chains and a relayer built from RPC answers: exactly-once delivery, tampered relays,
//! ping-pong.

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{
    DeliveryStatus, MessageStatus, OutcomeJson, StraitApiClient, TxFailure,
};
use strait_devnet_api::tx::TxBody;
use strait_devnet_api::HexBytes;
use strait_light_client::LightBlock;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::ChainId;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_message_executes_exactly_once() {
    let (_specs, _dir, a, b) = two_nodes("relay").await;
    let (ca, cb) = (http(&a), http(&b));
    let alice = AccountKey::devnet("alice");
    let relayer = AccountKey::devnet("relayer");

    let send = sign(
        &ca,
        ChainId(1),
        &alice,
        TxBody::Send {
            gas_limit: 0,
            destination_chain: ChainId(2),
            receiver: apps::counter(),
            options: DeliveryOptions {
                ordered: true,
                ..Default::default()
            },
            payload: b"count me".to_vec(),
        },
    )
    .await;
    let sent = submit(&ca, &send).await;
    let id = sent.message_id.unwrap();
    assert!(!cb.received(vec![id]).await.unwrap()[0]);

    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let tx = sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await;
    let result = submit(&cb, &tx).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.deliveries.len(), 1);
    assert_eq!(result.deliveries[0].id, id);
    assert_eq!(result.deliveries[0].error, None);
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Executed);
    assert_eq!(cb.received(vec![id]).await.unwrap(), vec![true]);
    match cb.message_status(id).await.unwrap() {
        MessageStatus::Received {
            source_chain,
            outcome,
            ..
        } => {
            assert_eq!(source_chain, ChainId(1));
            assert_eq!(
                outcome,
                OutcomeJson::Executed {
                    ack: HexBytes(1u64.to_be_bytes().to_vec())
                }
            );
        }
        other => panic!("{other:?}"),
    }
    let client = cb.client(ChainId(1)).await.unwrap();
    assert_eq!(client.latest_height, relay.update.block.header().height);
    assert!(!client.frozen);

    // The same relay again: the update is a duplicate (no-op), the message is already received.
    let again = sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await;
    let result = submit(&cb, &again).await;
    assert!(result.success, "{result:?}");
    let error = result.deliveries[0].error.clone().unwrap();
    assert!(error.contains("already received"), "{error}");
    assert_eq!(result.deliveries[0].status, DeliveryStatus::AlreadyReceived);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_relays_are_rejected_and_execute_nothing() {
    let (_specs, _dir, a, b) = two_nodes("tamper").await;
    let (ca, cb) = (http(&a), http(&b));
    let alice = AccountKey::devnet("alice");
    let relayer = AccountKey::devnet("relayer");
    for payload in [b"one".to_vec(), b"two".to_vec()] {
        let send = sign(
            &ca,
            ChainId(1),
            &alice,
            TxBody::Send {
                gas_limit: 0,
                destination_chain: ChainId(2),
                receiver: apps::echo(),
                options: DeliveryOptions::default(),
                payload,
            },
        )
        .await;
        assert!(submit(&ca, &send).await.success);
    }
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let ids: Vec<_> = relay.batch.packets.iter().map(|p| p.id()).collect();
    assert_eq!(ids.len(), 2);

    // A flipped payload byte: the multiproof no longer leads to the verified root.
    let mut payload = Relay {
        update: relay.update.clone(),
        batch: relay.batch.clone(),
    };
    payload.batch.packets[1].payload[0] ^= 1;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&payload)).await,
    )
    .await;
    assert!(result.success, "the update itself is valid: {result:?}");
    for d in &result.deliveries {
        let error = d.error.clone().unwrap();
        assert!(
            error.contains("batch rejected") && error.contains("root mismatch"),
            "{error}"
        );
        assert_eq!(d.status, DeliveryStatus::Rejected);
    }

    // A flipped proof byte.
    let mut proof = Relay {
        update: relay.update.clone(),
        batch: relay.batch.clone(),
    };
    proof.batch.proof.hashes[0].0[7] ^= 1;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&proof)).await,
    )
    .await;
    assert!(
        result.deliveries.iter().all(|d| d
            .error
            .as_deref()
            .is_some_and(|e| e.contains("root mismatch"))),
        "{result:?}"
    );

    // A flipped header byte (the outbox root): the commit no longer verifies; nothing applies.
    let fresh = build_relay(&ca, &cb, ChainId(2), 0).await;
    let mut header = Relay {
        update: fresh.update.clone(),
        batch: fresh.batch.clone(),
    };
    header.update.block.signed_header.header.outbox_root.0[0] ^= 1;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&header)).await,
    )
    .await;
    assert!(!result.success);
    assert_eq!(result.failure, Some(TxFailure::UpdateInvalid));
    let error = result.error.unwrap();
    assert!(
        error.contains("update 0") && error.contains("invalid"),
        "{error}"
    );
    assert!(result.deliveries.is_empty());

    // A flipped commit signature byte.
    let mut signature = Relay {
        update: fresh.update.clone(),
        batch: fresh.batch.clone(),
    };
    signature.update.block.signed_header.commit.signatures[0].signature[3] ^= 1;
    let block: &LightBlock = &signature.update.block;
    assert_eq!(LightBlock::decode(&block.encode()).unwrap(), *block);
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&signature)).await,
    )
    .await;
    assert!(!result.success);
    assert!(result.error.unwrap().contains("signature"));

    assert_eq!(cb.received(ids.clone()).await.unwrap(), vec![false, false]);
    let info = cb.client(ChainId(1)).await.unwrap();
    assert!(info.latest_height < fresh.update.block.header().height);

    // The genuine relay still works.
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&fresh)).await,
    )
    .await;
    assert!(
        result.success && result.deliveries.iter().all(|d| d.error.is_none()),
        "{result:?}"
    );
    assert_eq!(cb.received(ids).await.unwrap(), vec![true, true]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_pong_round_trip_with_manual_relaying() {
    let (_specs, _dir, a, b) = two_nodes("pingpong").await;
    let (ca, cb) = (http(&a), http(&b));
    let player = AccountKey::devnet("player");
    let relayer = AccountKey::devnet("relayer");

    let ping = sign(
        &ca,
        ChainId(1),
        &player,
        TxBody::AppCall {
            app: apps::ping_pong(),
            data: 2u64.to_be_bytes().to_vec(),
        },
    )
    .await;
    let result = submit(&ca, &ping).await;
    assert!(result.success, "{result:?}");
    let ping_id = result.message_id.unwrap();

    // Deliver the ping on chain 2: it answers with a pong from inside the receive.
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert!(
        result.success && result.deliveries[0].error.is_none(),
        "{result:?}"
    );
    assert_eq!(result.deliveries[0].id, ping_id);
    // Chain 2 sent the pong and, after it, the ping's outcome back to the ping-pong app
    // ([STRAIT-SETTLE.3]).
    let page = cb.messages(0, 10, Some(ChainId(1))).await.unwrap();
    assert_eq!(page.messages.len(), 2);
    let pong_id = page.messages[0].id;
    assert_eq!(page.messages[0].height, result.height);
    let outcome = Packet::decode(&page.messages[1].packet.0).unwrap();
    assert_eq!(outcome.sender, strait_endpoint::endpoint_address());
    assert_eq!(outcome.receiver, apps::ping_pong());
    assert_eq!(
        strait_endpoint::settle::decode_outcome_payload(&outcome.payload)
            .unwrap()
            .entries
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![ping_id]
    );

    // Deliver the pong and the ping's outcome on chain 1: the origin counts the pong, and the
    // ping settles.
    let relay = build_relay(&cb, &ca, ChainId(1), 0).await;
    let result = submit(
        &ca,
        &sign(&ca, ChainId(1), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert!(
        result.success && result.deliveries.iter().all(|d| d.error.is_none()),
        "{result:?}"
    );
    assert_eq!(result.deliveries.len(), 2);
    match ca.message_status(pong_id).await.unwrap() {
        MessageStatus::Received { outcome, .. } => {
            assert_eq!(
                outcome,
                OutcomeJson::Executed {
                    ack: HexBytes(1u64.to_be_bytes().to_vec())
                }
            );
        }
        other => panic!("{other:?}"),
    }
    // A ping-pong call with bad data fails cleanly.
    let bad = sign(
        &ca,
        ChainId(1),
        &player,
        TxBody::AppCall {
            app: apps::ping_pong(),
            data: vec![1],
        },
    )
    .await;
    let result = submit(&ca, &bad).await;
    assert!(!result.success && result.error.unwrap().contains("8-byte"));
    a.stop().await;
    b.stop().await;
}
