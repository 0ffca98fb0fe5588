//! The token application's rate-limit queues, released by an idle relayer's destination adapter
//! (SPEC `[STRAIT-AGENT.EVM-QUEUE]`), a paid transfer's with its held payment
//! (`[STRAIT-FEE.10]`).

use alloy::primitives::{Address, FixedBytes, U256};
use alloy::providers::Provider;
use strait_chain_client::DestinationChain;
use strait_evm_client::abi::token_app::{StraitTokenApp, TokenLimits};
use strait_evm_client::anvil::DEV_KEYS;
use strait_evm_client::deploy;
use strait_evm_client::destination::{EvmDestination, RELEASE_INTERVAL};
use strait_evm_client::{EvmStatusConfig, EvmStatusReader, StatusError, MAX_QUEUE_PAGE};
use strait_primitives::{Address32, ChainId};

use crate::support::{fees_with_oracle, mined, relayer_txm, Chain};

/// Chain 7's gas limit for the paid transfer.
const GAS_LIMIT: u64 = 50_000;

#[tokio::test]
async fn an_idle_destination_releases_the_queues_that_fit_and_a_held_payment_pays_its_message() {
    let chain = Chain::start().await;
    let url = chain.anvil.url();
    let provider = deploy::signing_provider(&url, DEV_KEYS[0]).unwrap();
    let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
    let fees = fees_with_oracle(&provider, chain.endpoint).await;

    // Every bucket: 100 units, refilled 1 a second of block time.
    let limit = TokenLimits::Limit {
        capacity: 100,
        refillPerS: 1,
    };
    let peer = (7, FixedBytes::repeat_byte(0x33));
    let (app, usd) = deploy::deploy_limited_token_route(
        &provider,
        chain.endpoint,
        owner,
        limit,
        peer,
        "usd",
        U256::from(1_000),
    )
    .await
    .unwrap();
    let app = StraitTokenApp::new(app, provider.clone());
    let recipient = FixedBytes::repeat_byte(0x44);

    // 100 empties the bucket; a paid 50 and an unpaid 30 then queue.
    mined!(app.sendTransfer(usd, 7, recipient, 100, 0, 0));
    let quote = fees
        .quote(7, GAS_LIMIT, U256::from(2 + 3 + 80))
        .call()
        .await
        .unwrap();
    mined!(app
        .sendTransferPaid(usd, 7, recipient, 50, 0, 0, GAS_LIMIT)
        .value(quote));
    mined!(app.sendTransfer(usd, 7, recipient, 30, 0, 0));
    let bucket = app.bucketId(0, 7, "usd".into()).call().await.unwrap();
    let fifo = app.fifo(bucket).call().await.unwrap();
    assert_eq!(fifo.tail - fifo.head, 2, "two queued");
    let held = fees.heldFee(*app.address(), 1).call().await.unwrap();
    assert_eq!(
        held.payer, owner,
        "the paid one's payment held for its sender"
    );

    // `strait queue list --evm` reads them: a page of every id, one of the second only, and a
    // page past its bound refused.
    let mut config = EvmStatusConfig::new(url.clone(), chain.endpoint);
    config.token_app = Some(*app.address());
    let reader = EvmStatusReader::connect(config).await.unwrap();
    let page = reader.token_queue(1, MAX_QUEUE_PAGE).await.unwrap();
    assert_eq!(page.last_id, 2);
    let listed: Vec<(u64, u128)> = page.items.iter().map(|i| (i.id, i.amount)).collect();
    assert_eq!(listed, [(1, 50), (2, 30)]);
    for item in &page.items {
        assert!(item.outbound);
        assert_eq!(item.remote_chain, ChainId(7));
        assert_eq!((item.token, item.denom.as_str()), (usd, "usd"));
        assert_eq!(item.owner, owner);
        assert_eq!(item.counterparty, Address32(recipient.0));
        assert!(!item.paused);
    }
    let second = reader.token_queue(2, 1).await.unwrap();
    assert_eq!(second.items, page.items[1..]);
    assert!(reader.token_queue(3, 10).await.unwrap().items.is_empty());
    assert!(matches!(
        reader.token_queue(1, MAX_QUEUE_PAGE + 1).await,
        Err(StatusError::PageTooLarge { limit }) if limit == MAX_QUEUE_PAGE + 1
    ));

    let txm = relayer_txm(&url).await;
    let relayer = txm.address();
    let dst = EvmDestination::new(txm, chain.endpoint)
        .await
        .unwrap()
        .with_token_app(*app.address());

    // Nothing fits yet: the dry run says so, and no transaction goes.
    dst.tend().await.unwrap();
    assert_eq!(provider.get_transaction_count(relayer).await.unwrap(), 0);
    assert_eq!(app.fifo(bucket).call().await.unwrap().head, fifo.head);

    // 100 seconds of block time refill the bucket: the next idle round after the interval
    // releases both in one transaction.
    let _: serde_json::Value = provider
        .raw_request("evm_increaseTime".into(), (100u64,))
        .await
        .unwrap();
    chain.mine(1).await;
    tokio::time::sleep(RELEASE_INTERVAL).await;
    dst.tend().await.unwrap();
    assert_eq!(provider.get_transaction_count(relayer).await.unwrap(), 1);
    let after = app.fifo(bucket).call().await.unwrap();
    assert_eq!(after.head, fifo.tail, "both released");
    let page = reader.token_queue(1, 10).await.unwrap();
    assert_eq!(
        (page.items.len(), page.last_id),
        (0, 2),
        "released: no longer listed"
    );

    // Released: the paid one's message carries the held payment, unchanged; the unpaid one none.
    let ended = app.QueueEnded_filter().from_block(0).query().await.unwrap();
    assert_eq!(ended.len(), 2);
    let sent: Vec<FixedBytes<32>> = ended.iter().map(|(e, _)| e.sent).collect();
    let paid = fees.feeLock(sent[0]).call().await.unwrap();
    assert_eq!(paid.payer, owner);
    assert_eq!(paid.amount, held.amount);
    assert_eq!(paid.gasLimit, GAS_LIMIT);
    assert_eq!(
        fees.heldFee(*app.address(), 1).call().await.unwrap().payer,
        Address::ZERO,
        "no longer held"
    );
    assert_eq!(
        fees.feeLock(sent[1]).call().await.unwrap().payer,
        Address::ZERO,
        "the unpaid one: unpaid"
    );

    // An empty queue is forgotten: later idle rounds send nothing.
    tokio::time::sleep(RELEASE_INTERVAL).await;
    dst.tend().await.unwrap();
    assert_eq!(provider.get_transaction_count(relayer).await.unwrap(), 1);
}
