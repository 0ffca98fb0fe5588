//! Equivocating validators: the devnet keys of chain 1 sign two different blocks at one height (a
//! second node of chain 1 with the same spec and keys, fed other transactions). The evidence
//! freezes chain 2's client of chain 1, and nothing from chain 1 is received any more, not even
//! against a root verified before the freeze.

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, MessageStatus, StraitApiClient, TxFailure};
use strait_devnet_api::tx::{ClientUpdate, TxBody};
use strait_light_client::Misbehaviour;
use strait_primitives::{ChainId, ClientId, Height};
use strait_verifier::VerifierKind;

use crate::support::*;

/// Bisection sends several updates in one transaction. When the first proves conflicting headers
/// (the client freezes) and the next then fails on the frozen client, the transaction fails, but
/// the freeze is kept: evidence of a fork is never rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_proven_by_a_failing_relay_transaction_is_kept() {
    let specs = specs(2);
    let dir = temp_dir("freeze-kept");
    let fork_dir = temp_dir("freeze-kept-fork");
    let (a, b, fork) = (
        start_node(&specs, 0, &dir).await,
        start_node(&specs, 1, &dir).await,
        start_node(&specs, 0, &fork_dir).await,
    );
    let (ca, cb, cf) = (http(&a), http(&b), http(&fork));
    let relayer = AccountKey::devnet("relayer");
    let alice = AccountKey::devnet("alice");
    let mallory = AccountKey::devnet("mallory");
    assert!(
        submit(
            &ca,
            &sign(&ca, ChainId(1), &alice, send_body(apps::echo(), b"real")).await
        )
        .await
        .success
    );
    assert!(
        submit(
            &cf,
            &sign(&cf, ChainId(1), &mallory, send_body(apps::echo(), b"fork")).await
        )
        .await
        .success
    );
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let height = relay.update.block.header().height;
    let update = TxBody::Relay {
        updates: vec![relay.update.wire()],
        advances: vec![],
        batches: vec![],
    };
    assert!(
        submit(&cb, &sign(&cb, ChainId(2), &relayer, update).await)
            .await
            .success
    );
    wait_height(&cf, height.get()).await;
    let conflicting = light_block(&cf, height).await;
    assert_ne!(
        conflicting.header().hash(),
        relay.update.block.header().hash()
    );
    wait_height(&ca, height.get() + 2).await;
    let later = light_block(&ca, Height(height.get() + 2)).await;
    let body = TxBody::Relay {
        updates: vec![
            ClientUpdate::bft(ClientId(1), Height(0), &conflicting),
            ClientUpdate::bft(ClientId(1), height, &later),
        ],
        advances: vec![],
        batches: vec![relay.batch.clone()],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, body).await).await;
    assert!(!result.success, "{result:?}");
    assert_eq!(result.failure, Some(TxFailure::UpdateInvalid));
    let error = result.error.unwrap();
    assert!(error.contains("stays frozen"), "{error}");
    assert!(cb.client(ChainId(1)).await.unwrap().frozen);
    // Nothing else of the transaction applied.
    assert!(result.deliveries.is_empty());
    // Evidence survives a restart from disk: the reopened node's client is still frozen, and
    // still refuses the honest chain's next header.
    b.stop().await;
    let b = start_node(&specs, 1, &dir).await;
    let cb = http(&b);
    assert!(cb.client(ChainId(1)).await.unwrap().frozen);
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let after = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert!(!after.success, "{after:?}");
    assert!(after.error.unwrap().contains("frozen"));
    a.stop().await;
    b.stop().await;
    fork.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equivocating_validators_freeze_the_client_and_stop_relays() {
    let specs = specs(2);
    let dir = temp_dir("misbehaviour");
    let fork_dir = temp_dir("misbehaviour-fork");
    let (a, b, fork) = (
        start_node(&specs, 0, &dir).await,
        start_node(&specs, 1, &dir).await,
        start_node(&specs, 0, &fork_dir).await,
    );
    let (ca, cb, cf) = (http(&a), http(&b), http(&fork));
    let relayer = AccountKey::devnet("relayer");

    // Different transactions on the two instances of chain 1: their outbox roots differ from the
    // block of the send on.
    let alice = AccountKey::devnet("alice");
    let sent = submit(
        &ca,
        &sign(&ca, ChainId(1), &alice, send_body(apps::echo(), b"real")).await,
    )
    .await;
    let id = sent.message_id.unwrap();
    let mallory = AccountKey::devnet("mallory");
    let forged = submit(
        &cf,
        &sign(&cf, ChainId(1), &mallory, send_body(apps::echo(), b"fork")).await,
    )
    .await;
    assert!(sent.success && forged.success);

    // Chain 2 verifies chain 1 up to a height that includes the message (update only).
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let height = relay.update.block.header().height;
    let update = TxBody::Relay {
        updates: vec![relay.update.wire()],
        advances: vec![],
        batches: vec![],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, update).await).await;
    assert!(result.success, "{result:?}");
    assert_eq!(cb.client(ChainId(1)).await.unwrap().latest_height, height);

    // The same height, signed by the same keys, on the fork.
    wait_height(&cf, height.get()).await;
    let real = light_block(&ca, height).await;
    let conflicting = light_block(&cf, height).await;
    assert_eq!(real.header().chain_id, conflicting.header().chain_id);
    assert_ne!(real.header().hash(), conflicting.header().hash());
    assert_eq!(real.validators, conflicting.validators);

    let evidence = TxBody::Misbehaviour {
        client: ClientId(1),
        kind: VerifierKind::BFT,
        evidence: strait_light_client::kind::encode_misbehaviour(&Misbehaviour {
            trusted_height_1: Height(0),
            block_1: real,
            trusted_height_2: Height(0),
            block_2: conflicting,
        }),
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, evidence).await).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.failure, None);
    assert!(cb.client(ChainId(1)).await.unwrap().frozen);

    // The message's root was verified before the freeze: its delivery is still refused.
    let deliver = TxBody::Relay {
        updates: vec![],
        advances: vec![],
        batches: vec![relay.batch.clone()],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, deliver).await).await;
    assert!(result.success, "no update to fail: {result:?}");
    assert_eq!(result.deliveries.len(), 1);
    let delivery = &result.deliveries[0];
    assert_eq!(delivery.id, id);
    assert_eq!(delivery.status, DeliveryStatus::Rejected);
    assert!(
        delivery.error.as_deref().unwrap().contains("frozen"),
        "{delivery:?}"
    );

    // A fresh relay with an update fails as a whole: a frozen client verifies nothing.
    let fresh = build_relay(&ca, &cb, ChainId(2), 0).await;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&fresh)).await,
    )
    .await;
    assert!(!result.success);
    assert_eq!(result.failure, Some(TxFailure::UpdateInvalid));
    assert!(result.error.unwrap().contains("frozen"));

    // Nothing executed.
    assert_eq!(cb.received(vec![id]).await.unwrap(), vec![false]);
    assert_eq!(cb.message_status(id).await.unwrap(), MessageStatus::Unknown);
    a.stop().await;
    b.stop().await;
    fork.stop().await;
}
