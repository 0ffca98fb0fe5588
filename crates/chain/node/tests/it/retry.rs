//! Failed execution over RPC (`[STRAIT-RETRY.*]`): a failed message is retryable, anyone retries
//! it, its receiver finalizes it, and only then does its failure go back to the sender.

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, MessageStatus, OutcomeJson, StraitApiClient};
use strait_devnet_api::tx::TxBody;
use strait_packet::Packet;
use strait_primitives::ChainId;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_message_is_retried_then_finalized_by_its_receiver_and_its_failure_goes_back() {
    let (_specs, _dir, a, b) = two_nodes("retry").await;
    let (ca, cb) = (http(&a), http(&b));
    let alice = AccountKey::devnet("alice");
    let relayer = AccountKey::devnet("relayer");
    // A receiver with no application: every execution fails (code 404).
    let receiver = AccountKey::devnet("no-app");
    let sent = submit(
        &ca,
        &sign(&ca, ChainId(1), &alice, send_body(receiver.address(), b"x")).await,
    )
    .await;
    let id = sent.message_id.unwrap();
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let packet: Packet = relay.batch.packets[0].clone();
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Failed);
    let retryable = |status| {
        matches!(
            status,
            MessageStatus::Received {
                retryable: true,
                ..
            }
        )
    };
    assert!(retryable(cb.message_status(id).await.unwrap()));
    // Not final: no outcome message went back yet.
    let back = cb.messages(0, 10, Some(ChainId(1))).await.unwrap();
    assert!(back.messages.is_empty());

    // Anyone may retry; it fails again and stays retryable.
    let retried = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            TxBody::RetryMessage {
                packet: packet.clone(),
            },
        )
        .await,
    )
    .await;
    assert!(retried.success, "{retried:?}");
    assert_eq!(retried.deliveries[0].status, DeliveryStatus::Failed);
    assert!(retryable(cb.message_status(id).await.unwrap()));
    // A stranger may not finalize within the window.
    let early = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            TxBody::FinalizeFailed {
                packet: packet.clone(),
            },
        )
        .await,
    )
    .await;
    assert!(!early.success);
    assert!(early.error.unwrap().contains("only the receiver"));
    // The receiver may: the failure is final and goes back to the sender.
    let done = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &receiver,
            TxBody::FinalizeFailed {
                packet: packet.clone(),
            },
        )
        .await,
    )
    .await;
    assert!(done.success, "{done:?}");
    match cb.message_status(id).await.unwrap() {
        MessageStatus::Received {
            outcome: OutcomeJson::Failed { code, .. },
            retryable: false,
            ..
        } => assert_eq!(code, 404),
        other => panic!("{other:?}"),
    }
    let back = cb.messages(0, 10, Some(ChainId(1))).await.unwrap();
    assert_eq!(back.messages.len(), 1);
    let outcome = Packet::decode(&back.messages[0].packet.0).unwrap();
    let settles: Vec<_> = strait_endpoint::settle::decode_outcome_payload(&outcome.payload)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(settles, vec![id]);
    // Final: neither retried nor finalized again.
    for body in [
        TxBody::RetryMessage {
            packet: packet.clone(),
        },
        TxBody::FinalizeFailed { packet },
    ] {
        let again = submit(&cb, &sign(&cb, ChainId(2), &receiver, body).await).await;
        assert!(!again.success);
        assert!(again.error.unwrap().contains("no failed execution"));
    }
    a.stop().await;
    b.stop().await;
}
