//! Token rate limits, queues and the token pause over RPC (`[STRAIT-LIMIT.*]`,
//! `[STRAIT-PAUSE.4]`): two real nodes; after every step, escrow of `sat` on chain 1 = vouchers
//! `1/sat` on chain 2 + value in flight + value queued outbound; and `strait_tokenBooks`, which
//! reads a token's sums and balances in one snapshot.

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{codes, DeliveryStatus, StraitApiClient, MAX_BOOK_ACCOUNTS};
use strait_devnet_api::tx::{pause_digest, TxBody};
use strait_devnet_api::HexBytes;
use strait_endpoint::PauseScope;
use strait_node::apps::token::limits::{denom_topic, AnomalyRule, Bucket, Direction, LimitConfig};
use strait_node::apps::token::{
    anomaly_digest, limit_digest, SetAnomalyCall, SetLimitCall, TransferCall, CALL_CANCEL,
};
use strait_primitives::ChainId;

use crate::support::*;

type Client = jsonrpsee::http_client::HttpClient;

async fn amount(
    client: &Client,
    denom: &str,
    field: fn(&strait_devnet_api::rpc::TokenState) -> &str,
) -> u128 {
    let state = client.token_state(denom.into()).await.unwrap();
    field(&state).parse().unwrap()
}

/// Escrow on chain 1 = vouchers on chain 2 + in flight + queued outbound on either chain.
async fn check(ca: &Client, cb: &Client, in_flight: u128) {
    let escrow = amount(ca, "sat", |s| &s.escrow).await;
    let vouchers = amount(cb, "1/sat", |s| &s.supply).await;
    let queued =
        amount(ca, "sat", |s| &s.queued_out).await + amount(cb, "1/sat", |s| &s.queued_out).await;
    assert_eq!(escrow, vouchers + in_flight + queued, "conservation");
}

async fn set_limit(ca: &Client, capacity: u128, refill_per_s: u128) {
    let bucket = Bucket {
        direction: Direction::Out,
        remote: ChainId(2),
        denom: "sat".into(),
    };
    let limit = LimitConfig {
        capacity,
        refill_per_s,
    };
    let counter = ca.pause_state().await.unwrap().counter;
    let digest = limit_digest(ChainId(1), &bucket, &limit, counter);
    let call = SetLimitCall {
        bucket,
        limit,
        approvals: strait_node::guardians::guardian_approvals(&[0usize, 2, 4], &digest),
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let relayer = AccountKey::devnet("relayer");
    let result = submit(ca, &sign(ca, ChainId(1), &relayer, body).await).await;
    assert!(result.success, "{result:?}");
}

/// Alice's transfer of `amount` sat to Bob on chain 2; the transaction's fee (`[STRAIT-FEE.2]`)
/// is added to `fees`.
async fn transfer(
    ca: &Client,
    amount: u128,
    fees: &mut u128,
) -> Option<strait_primitives::MessageId> {
    let alice = AccountKey::devnet("alice");
    let call = TransferCall {
        destination: ChainId(2),
        recipient: AccountKey::devnet("bob").address(),
        denom: "sat".into(),
        amount,
        timeout_height: None,
        timeout_timestamp: None,
        gas_limit: 0,
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let result = submit(ca, &sign(ca, ChainId(1), &alice, body).await).await;
    *fees += result.fee.parse::<u128>().unwrap();
    assert!(result.success, "{result:?}");
    result.message_id
}

/// `who`'s cancel of queued transfer `id`; the transaction's fee, kept whether or not the cancel
/// succeeds, is added to `fees`.
async fn cancel(ca: &Client, who: &str, id: u64, fees: &mut u128) -> bool {
    let body = TxBody::AppCall {
        app: apps::token(),
        data: [&[CALL_CANCEL][..], &id.to_be_bytes()].concat(),
    };
    let key = AccountKey::devnet(who);
    let result = submit(ca, &sign(ca, ChainId(1), &key, body).await).await;
    *fees += result.fee.parse::<u128>().unwrap();
    result.success
}

async fn set_token_pause(cb: &Client, paused: bool, who: &[usize]) -> bool {
    let scope = PauseScope::App {
        app: apps::token(),
        topic: denom_topic("1/sat"),
    };
    let counter = cb.pause_state().await.unwrap().counter;
    let digest = pause_digest(ChainId(2), &scope, paused, counter);
    let body = TxBody::SetPause {
        scope,
        paused,
        approvals: strait_node::guardians::guardian_approvals(who, &digest),
    };
    let relayer = AccountKey::devnet("relayer");
    submit(cb, &sign(cb, ChainId(2), &relayer, body).await)
        .await
        .success
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_limit_transfers_queue_a_paused_token_waits_and_all_completes() {
    let (_specs, _dir, a, b) = two_nodes("limits").await;
    let (ca, cb) = (http(&a), http(&b));
    let relayer = AccountKey::devnet("relayer");
    let bob = AccountKey::devnet("bob").address();
    let alice = AccountKey::devnet("alice").address();
    let start = ca
        .balance(alice, "sat".into())
        .await
        .unwrap()
        .parse::<u128>()
        .unwrap();
    check(&ca, &cb, 0).await;

    // A limit of 100 that does not refill: the first 100 leave, the rest queue.
    set_limit(&ca, 100, 0).await;
    // Alice's transaction fees, to account for her balance exactly.
    let mut fees = 0u128;
    assert!(transfer(&ca, 100, &mut fees).await.is_some());
    check(&ca, &cb, 100).await;
    assert!(
        transfer(&ca, 50, &mut fees).await.is_none(),
        "queued, not sent"
    );
    assert!(transfer(&ca, 30, &mut fees).await.is_none());
    let queue = ca.token_queue(1, 10).await.unwrap();
    assert_eq!(queue.items.len(), 2);
    assert_eq!(
        (queue.items[0].amount.as_str(), queue.items[0].owner),
        ("50", alice)
    );
    check(&ca, &cb, 100).await;

    // Only its sender cancels, once, for an exact refund.
    let second = queue.items[1].id;
    assert!(!cancel(&ca, "bob", second, &mut 0).await);
    assert!(cancel(&ca, "alice", second, &mut fees).await);
    assert!(!cancel(&ca, "alice", second, &mut fees).await);
    let balance = ca
        .balance(alice, "sat".into())
        .await
        .unwrap()
        .parse::<u128>()
        .unwrap();
    assert_eq!(balance, start - 150 - fees);
    check(&ca, &cb, 100).await;

    // The guardians pause 1/sat on chain 2: the delivery waits, nothing is lost.
    assert!(
        !set_token_pause(&cb, true, &[1]).await,
        "one guardian cannot pause"
    );
    assert!(set_token_pause(&cb, true, &[1, 3]).await);
    assert!(cb.token_state("1/sat".into()).await.unwrap().paused);
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Retry);
    check(&ca, &cb, 100).await;
    assert!(
        !set_token_pause(&cb, false, &[0, 1]).await,
        "two cannot unpause"
    );
    assert!(set_token_pause(&cb, false, &[0, 2, 4]).await);
    let relay = build_relay(&ca, &cb, ChainId(2), 0).await;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Executed);
    check(&ca, &cb, 0).await;
    assert_eq!(cb.balance(bob, "1/sat".into()).await.unwrap(), "100");

    // Capacity returns: the end of a block releases the queued 50 by itself.
    set_limit(&ca, 1_000, 1_000).await;
    let mut polls = 0;
    while !ca.token_queue(1, 10).await.unwrap().items.is_empty() {
        polls += 1;
        assert!(polls < 400, "the queue never drained");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    check(&ca, &cb, 50).await;
    let relay = build_relay(&ca, &cb, ChainId(2), 1).await;
    let result = submit(
        &cb,
        &sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await,
    )
    .await;
    assert_eq!(result.deliveries[0].status, DeliveryStatus::Executed);
    check(&ca, &cb, 0).await;
    assert_eq!(cb.balance(bob, "1/sat".into()).await.unwrap(), "150");
    a.stop().await;
    b.stop().await;
}

async fn set_anomaly(ca: &Client, rule: AnomalyRule) {
    let counter = ca.pause_state().await.unwrap().counter;
    let digest = anomaly_digest(ChainId(1), &rule, counter);
    let call = SetAnomalyCall {
        rule,
        approvals: strait_node::guardians::guardian_approvals(&[1usize, 2, 3], &digest),
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let relayer = AccountKey::devnet("relayer");
    let result = submit(ca, &sign(ca, ChainId(1), &relayer, body).await).await;
    assert!(result.success, "{result:?}");
}

async fn relay_all(
    src: &Client,
    dst: &Client,
    dst_chain: ChainId,
    from: u64,
) -> Vec<DeliveryStatus> {
    let relayer = AccountKey::devnet("relayer");
    let relay = build_relay(src, dst, dst_chain, from).await;
    let result = submit(
        dst,
        &sign(dst, dst_chain, &relayer, relay_body(&relay)).await,
    )
    .await;
    result.deliveries.iter().map(|d| d.status).collect()
}

/// `[STRAIT-LIMIT.6]` The guardians set a rule; a return draining more than half of the escrow
/// trips sat's pause on chain 1 by itself: its credit is held, the next return waits, nothing is
/// lost, and all completes after three guardians unpause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_anomaly_breaker_trips_by_itself_and_all_completes_after_the_unpause() {
    let (_specs, _dir, a, b) = two_nodes("anomaly").await;
    let (ca, cb) = (http(&a), http(&b));
    let alice = AccountKey::devnet("alice").address();
    let bob = AccountKey::devnet("bob");
    let start = ca
        .balance(alice, "sat".into())
        .await
        .unwrap()
        .parse::<u128>()
        .unwrap();
    let mut fees = 0u128;
    assert!(transfer(&ca, 1_000, &mut fees).await.is_some());
    assert_eq!(
        relay_all(&ca, &cb, ChainId(2), 0).await,
        [DeliveryStatus::Executed]
    );
    check(&ca, &cb, 0).await;
    // Every block a new window (1 ms), so each window starts with the escrow of 1,000.
    set_anomaly(
        &ca,
        AnomalyRule {
            window_ms: 1,
            max_outflow_bps: 5_000,
        },
    )
    .await;
    let back = |amount: u128| TxBody::AppCall {
        app: apps::token(),
        data: TransferCall {
            destination: ChainId(1),
            recipient: alice,
            denom: "1/sat".into(),
            amount,
            timeout_height: None,
            timeout_timestamp: None,
            gas_limit: 0,
        }
        .encode(),
    };
    for amount in [600, 100] {
        let sent = submit(&cb, &sign(&cb, ChainId(2), &bob, back(amount)).await).await;
        assert!(sent.success, "{sent:?}");
    }
    check(&ca, &cb, 700).await;
    // Relayed back to chain 1: the outcome of the first transfer settles, the return of 600
    // trips the breaker (received, its credit held, sat paused), the return of 100 waits.
    let page = cb.messages(0, 10, Some(ChainId(1))).await.unwrap();
    let first_leaf = page.messages[0].leaf_index;
    let statuses = relay_all(&cb, &ca, ChainId(1), first_leaf).await;
    assert_eq!(
        statuses,
        [
            DeliveryStatus::Executed,
            DeliveryStatus::Executed,
            DeliveryStatus::Retry
        ]
    );
    let state = ca.token_state("sat".into()).await.unwrap();
    assert!(
        state.paused && state.tripped_at_height.is_some(),
        "{state:?}"
    );
    assert_eq!(state.queued_in, "600");
    check(&ca, &cb, 100).await;
    assert_eq!(
        ca.balance(alice, "sat".into())
            .await
            .unwrap()
            .parse::<u128>()
            .unwrap(),
        start - 1_000 - fees
    );
    // Two guardians cannot unpause; three can. Then the held credit is released and the waiting
    // return executes.
    let scope = PauseScope::App {
        app: apps::token(),
        topic: denom_topic("sat"),
    };
    let unpause = |who: &'static [usize]| {
        let ca = ca.clone();
        async move {
            let counter = ca.pause_state().await.unwrap().counter;
            let digest = pause_digest(ChainId(1), &scope, false, counter);
            let body = TxBody::SetPause {
                scope,
                paused: false,
                approvals: strait_node::guardians::guardian_approvals(who, &digest),
            };
            let relayer = AccountKey::devnet("relayer");
            submit(&ca, &sign(&ca, ChainId(1), &relayer, body).await)
                .await
                .success
        }
    };
    assert!(!unpause(&[0, 1]).await);
    assert!(unpause(&[0, 1, 4]).await);
    let mut polls = 0;
    while ca.token_state("sat".into()).await.unwrap().queued_in != "0" {
        polls += 1;
        assert!(polls < 400, "the held credit was never released");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    check(&ca, &cb, 100).await;
    let statuses = relay_all(&cb, &ca, ChainId(1), first_leaf + 2).await;
    assert_eq!(statuses, [DeliveryStatus::Executed]);
    check(&ca, &cb, 0).await;
    assert_eq!(
        ca.balance(alice, "sat".into())
            .await
            .unwrap()
            .parse::<u128>()
            .unwrap(),
        start - 300 - fees
    );
    a.stop().await;
    b.stop().await;
}

/// `strait_tokenBooks` reads a token's sums and balances in one snapshot: the native supply (every
/// holder's `sat`, escrow and queued inbound) is exact at every read while transactions move fees
/// between holders, its parts are what `strait_balance` and `strait_tokenState` answer, and the
/// accounts asked are bounded at and past [`MAX_BOOK_ACCOUNTS`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_books_are_one_snapshot_bounded_at_and_past_their_limit() {
    let (_specs, _dir, a, b) = two_nodes("books").await;
    let ca = http(&a);
    let holders = strait_node::fees::native_holders();
    let supply = strait_node::fees::genesis_native_supply();
    // Senders pay a fee to the collector with every transaction while the books are read.
    let sender = tokio::spawn({
        let ca = ca.clone();
        async move {
            let keys: Vec<AccountKey> = (3..7)
                .map(|i| AccountKey::devnet(&format!("sender-{i}")))
                .collect();
            for i in 0..15u8 {
                let mut sent = Vec::new();
                for key in &keys {
                    let tx = sign(&ca, ChainId(1), key, send_body(apps::counter(), &[i])).await;
                    sent.push(ca.submit_transaction(HexBytes(tx.encode())).await.unwrap());
                }
                for hash in sent {
                    assert!(wait_result(&ca, hash).await.fee != "0");
                }
            }
        }
    });
    let mut heights = std::collections::BTreeSet::new();
    let mut collected = std::collections::BTreeSet::new();
    while !sender.is_finished() {
        let books = ca.token_books("sat".into(), holders.clone()).await.unwrap();
        assert_eq!(books.balances.len(), holders.len());
        let held: u128 = books
            .balances
            .iter()
            .map(|b| b.parse::<u128>().unwrap())
            .sum();
        let escrow: u128 = books.token.escrow.parse().unwrap();
        let queued: u128 = books.token.queued_in.parse().unwrap();
        assert_eq!(held + escrow + queued, supply, "at height {}", books.height);
        heights.insert(books.height);
        let collector = holders
            .iter()
            .position(|h| *h == strait_node::fees::fee_collector())
            .unwrap();
        collected.insert(books.balances[collector].clone());
    }
    sender.await.unwrap();
    assert!(
        heights.len() > 1 && collected.len() > 1,
        "the fees moved while read: heights {heights:?}, collector {collected:?}"
    );

    // The parts are the single reads' (nothing moves alice's balance or the escrow here).
    let alice = AccountKey::devnet("alice").address();
    let books = ca.token_books("sat".into(), vec![alice]).await.unwrap();
    assert_eq!(
        books.balances,
        vec![ca.balance(alice, "sat".into()).await.unwrap()]
    );
    assert_eq!(books.token, ca.token_state("sat".into()).await.unwrap());
    assert!(books.height >= *heights.last().unwrap());

    // At the bound: unknown accounts hold 0; past it, and a bad denom: the caller's mistake.
    let many = |n: usize| -> Vec<strait_primitives::Address32> {
        (0..n)
            .map(|i| strait_primitives::Address32([i as u8; 32]))
            .collect()
    };
    let at = ca
        .token_books("sat".into(), many(MAX_BOOK_ACCOUNTS))
        .await
        .unwrap();
    assert_eq!(at.balances.len(), MAX_BOOK_ACCOUNTS);
    for (denom, accounts) in [
        ("sat", many(MAX_BOOK_ACCOUNTS + 1)),
        ("not a denom!", many(1)),
    ] {
        match ca.token_books(denom.into(), accounts).await {
            Err(jsonrpsee::core::ClientError::Call(e)) => {
                assert_eq!(e.code(), codes::INVALID_REQUEST, "{}", e.message());
            }
            other => panic!("expected a refusal of {denom}, got {other:?}"),
        }
    }
    a.stop().await;
    b.stop().await;
}
