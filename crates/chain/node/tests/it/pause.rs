//! The circuit breaker over RPC (`[STRAIT-PAUSE.*]`): guardians pause a route with two approvals,
//! its message waits (nothing executes, nothing is lost), three approvals unpause it, and the same
//! message then executes once.

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, StraitApiClient};
use strait_devnet_api::tx::{pause_digest, TxBody};
use strait_endpoint::PauseScope;
use strait_primitives::ChainId;

use crate::support::*;

fn approvals(
    scope: &PauseScope,
    paused: bool,
    counter: u64,
    who: &[usize],
) -> Vec<(u16, [u8; 64])> {
    let digest = pause_digest(ChainId(2), scope, paused, counter);
    strait_node::guardians::guardian_approvals(who, &digest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_route_waits_and_runs_after_guardians_unpause_it() {
    let (_specs, _dir, a, b) = two_nodes("pause").await;
    let (ca, cb) = (http(&a), http(&b));
    let alice = AccountKey::devnet("alice");
    let relayer = AccountKey::devnet("relayer");
    let sent = submit(
        &ca,
        &sign(&ca, ChainId(1), &alice, send_body(apps::counter(), b"x")).await,
    )
    .await;
    let id = sent.message_id.unwrap();
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let scope = PauseScope::Route(relay.batch.packets[0].route().id());
    let set = |paused: bool, approvals| TxBody::SetPause {
        scope,
        paused,
        approvals,
    };

    // One guardian cannot pause; two can.
    let one = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            set(true, approvals(&scope, true, 0, &[0])),
        )
        .await,
    )
    .await;
    assert!(!one.success && one.error.unwrap().contains("2 needed"));
    let paused = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            set(true, approvals(&scope, true, 0, &[1, 3])),
        )
        .await,
    )
    .await;
    assert!(paused.success, "{paused:?}");

    // The message waits: refused for now, not received.
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Retry);
    assert!(result.deliveries[0]
        .error
        .as_deref()
        .unwrap()
        .contains("paused"));
    assert_eq!(cb.received(vec![id]).await.unwrap(), vec![false]);

    // Unpausing takes three: two are refused, and the approvals of the pause are spent.
    let two = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            set(false, approvals(&scope, false, 1, &[0, 1])),
        )
        .await,
    )
    .await;
    assert!(!two.success && two.error.unwrap().contains("3 needed"));
    let replayed = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            set(true, approvals(&scope, true, 0, &[1, 3])),
        )
        .await,
    )
    .await;
    assert!(!replayed.success && replayed.error.unwrap().contains("does not verify"));
    let unpaused = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            set(false, approvals(&scope, false, 1, &[0, 2, 4])),
        )
        .await,
    )
    .await;
    assert!(unpaused.success, "{unpaused:?}");

    // The same message now executes, once.
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Executed);
    assert_eq!(cb.received(vec![id]).await.unwrap(), vec![true]);
    a.stop().await;
    b.stop().await;
}
