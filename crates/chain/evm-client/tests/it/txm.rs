//! The transaction manager against anvil: nonces (sequential, concurrent, after a restart, after
//! another writer), the dry run, fee bumps up to the cap, an underpriced replacement, transactions
//! a reorganisation dropped sent again.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::sol_types::SolCall;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::anvil::{Anvil, AnvilConfig, DEV_KEYS};
use strait_evm_client::deploy;
use strait_evm_client::txm::{self, TxConfig, TxError, TxEvent, TxManager};
use tokio::sync::broadcast;

/// Anvil with an endpoint owned by `DEV_KEYS[0]`, deployed by `DEV_KEYS[1]` (so the owner's
/// nonce starts at 0).
async fn setup() -> (Anvil, DynProvider, Address) {
    let anvil = Anvil::spawn(&AnvilConfig {
        chain_id: 31_337,
        block_time: None,
    })
    .expect("anvil");
    let deployer = deploy::signing_provider(&anvil.url(), DEV_KEYS[1]).unwrap();
    let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
    let endpoint = deploy::deploy_endpoint(
        &deployer,
        deploy::signer_address(DEV_KEYS[1]).unwrap(),
        owner,
    )
    .await
    .unwrap();
    (anvil, deployer, endpoint)
}

fn enable(chain: u64) -> Bytes {
    StraitEndpoint::setRemoteChainCall {
        chain,
        enabled: true,
    }
    .abi_encode()
    .into()
}

fn fast() -> TxConfig {
    TxConfig {
        bump_after: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        receipt_timeout: Duration::from_secs(60),
        ..TxConfig::default()
    }
}

async fn automine(provider: &DynProvider, on: bool) {
    let _: serde_json::Value = provider
        .raw_request("evm_setAutomine".into(), (on,))
        .await
        .unwrap();
}

async fn mine(provider: &DynProvider) {
    let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await.unwrap();
}

/// Replaces the last `depth` blocks with empty ones: their transactions are dropped (anvil puts
/// nothing back in its pool).
async fn reorg(provider: &DynProvider, depth: u64) {
    let txs: Vec<serde_json::Value> = Vec::new();
    let _: serde_json::Value = provider
        .raw_request("anvil_reorg".into(), (depth, txs))
        .await
        .unwrap();
}

/// Whether each of `chains` is a remote chain of `endpoint` now.
async fn enabled(provider: &DynProvider, endpoint: Address, chains: &[u64]) -> Vec<bool> {
    let ep = StraitEndpoint::new(endpoint, provider.clone());
    let mut out = Vec::new();
    for &chain in chains {
        out.push(ep.isRemoteChain(chain).call().await.unwrap());
    }
    out
}

/// The next event matching `pred` (a guard against a hang, not a timing assertion).
async fn wait_for(
    events: &mut broadcast::Receiver<TxEvent>,
    pred: impl Fn(&TxEvent) -> bool,
) -> TxEvent {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let e = events.recv().await.expect("events");
            if pred(&e) {
                return e;
            }
        }
    })
    .await
    .expect("event in time")
}

#[tokio::test]
async fn nonces_are_consecutive_sequential_concurrent_and_after_a_restart() {
    let (anvil, _deployer, endpoint) = setup().await;
    let manager = Arc::new(
        TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
            .await
            .unwrap(),
    );
    let mut nonces = Vec::new();
    for chain in [10, 11] {
        let landed = manager
            .send("enable", endpoint, enable(chain))
            .await
            .unwrap();
        assert!(landed.receipt.status());
        nonces.push(landed.nonce);
    }
    assert_eq!(nonces, [0, 1]);
    let tasks: Vec<_> = (12..16)
        .map(|chain| {
            let m = manager.clone();
            tokio::spawn(async move { m.send("enable", endpoint, enable(chain)).await })
        })
        .collect();
    for task in tasks {
        let landed = task.await.unwrap().unwrap();
        assert!(landed.receipt.status());
        nonces.push(landed.nonce);
    }
    nonces.sort_unstable();
    assert_eq!(nonces, (0..6).collect::<Vec<u64>>());
    drop(manager);

    // A new manager (a restarted process) starts from the chain.
    let restarted = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    let landed = restarted
        .send("enable", endpoint, enable(16))
        .await
        .unwrap();
    assert_eq!(landed.nonce, 6);

    // Another writer of the same key takes nonce 7 behind the manager's back: "nonce too low",
    // re-read, sent with 8.
    let other = deploy::signing_provider(&anvil.url(), DEV_KEYS[0]).unwrap();
    let contract = StraitEndpoint::new(endpoint, other);
    contract
        .setRemoteChain(17, true)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let mut events = restarted.subscribe();
    let landed = restarted
        .send("enable", endpoint, enable(18))
        .await
        .unwrap();
    assert_eq!(landed.nonce, 8);
    assert!(landed.receipt.status());
    let resync = wait_for(&mut events, |e| matches!(e, TxEvent::NonceResynced { .. })).await;
    assert_eq!(
        resync,
        TxEvent::NonceResynced {
            had: Some(7),
            now: 8
        }
    );
}

#[tokio::test]
async fn a_reverting_call_is_refused_at_the_dry_run_and_spends_no_nonce() {
    let (anvil, _deployer, endpoint) = setup().await;
    // DEV_KEYS[2] is not the owner.
    let manager = TxManager::connect(&anvil.url(), DEV_KEYS[2], fast())
        .await
        .unwrap();
    let before = manager.pending_count().await.unwrap();
    let err = manager
        .send("enable", endpoint, enable(10))
        .await
        .unwrap_err();
    let TxError::Reverted { what, reason } = &err else {
        panic!("{err}");
    };
    assert_eq!(*what, "enable");
    assert_eq!(reason.name, "NotOwner");
    assert_eq!(
        reason.detail,
        format!("caller: {}", manager.address()),
        "{err}"
    );
    assert!(!err.is_transient());
    assert_eq!(manager.pending_count().await.unwrap(), before);
    // The owner's next transaction still gets the first nonce.
    let owner = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    assert_eq!(
        owner
            .send("enable", endpoint, enable(10))
            .await
            .unwrap()
            .nonce,
        0
    );
}

/// The first fees the manager will choose now (no block is mined in between).
async fn first_fees(provider: &DynProvider, cap: u128) -> txm::Fees {
    let block = provider
        .get_block_by_number(alloy::rpc::types::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    let base = u128::from(block.header.base_fee_per_gas.unwrap());
    let tip = provider.get_max_priority_fee_per_gas().await.unwrap();
    txm::initial(base, tip, cap).unwrap()
}

#[tokio::test]
async fn a_stuck_transaction_is_bumped_up_to_the_cap_then_lands() {
    let (anvil, deployer, endpoint) = setup().await;
    automine(&deployer, false).await;
    let first = first_fees(&deployer, u128::MAX).await;
    // Room for two bumps of 15%, not three.
    let cap = first.max_fee_per_gas * 150 / 100;
    let manager = Arc::new(
        TxManager::connect(
            &anvil.url(),
            DEV_KEYS[0],
            TxConfig {
                max_fee_per_gas: cap,
                ..fast()
            },
        )
        .await
        .unwrap(),
    );
    let mut events = manager.subscribe();
    let task = {
        let m = manager.clone();
        tokio::spawn(async move { m.send("enable", endpoint, enable(10)).await })
    };
    let capped = wait_for(&mut events, |e| matches!(e, TxEvent::Capped { .. })).await;
    mine(&deployer).await;
    let landed = task.await.unwrap().unwrap();
    assert!(landed.receipt.status());
    assert_eq!(landed.nonce, 0);
    assert_eq!(landed.bumps, 2);
    let TxEvent::Capped { nonce, fees } = capped else {
        unreachable!()
    };
    assert_eq!(nonce, 0);
    assert_eq!(
        Some(fees),
        txm::bumped(first, 15, u128::MAX).and_then(|f| txm::bumped(f, 15, u128::MAX))
    );
    assert!(fees.max_fee_per_gas <= cap);
    assert_eq!(txm::bumped(fees, 15, cap), None);
    // The last bump is what landed.
    let tx = deployer
        .get_transaction_by_hash(landed.hash)
        .await
        .unwrap()
        .unwrap();
    use alloy::consensus::Transaction as _;
    assert_eq!(tx.inner.max_fee_per_gas(), fees.max_fee_per_gas);
}

#[tokio::test]
async fn fees_above_the_cap_are_refused_before_sending() {
    let (anvil, deployer, endpoint) = setup().await;
    let first = first_fees(&deployer, u128::MAX).await;
    let manager = TxManager::connect(
        &anvil.url(),
        DEV_KEYS[0],
        TxConfig {
            max_fee_per_gas: first.max_priority_fee_per_gas,
            ..fast()
        },
    )
    .await
    .unwrap();
    let err = manager
        .send("enable", endpoint, enable(10))
        .await
        .unwrap_err();
    assert!(matches!(err, TxError::FeeAboveCap { .. }), "{err}");
    assert_eq!(manager.pending_count().await.unwrap(), 0);
}

#[tokio::test]
async fn an_underpriced_replacement_is_survived_by_bumping() {
    let (anvil, deployer, endpoint) = setup().await;
    let manager = Arc::new(
        TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
            .await
            .unwrap(),
    );
    // The manager's next nonce is 1.
    assert_eq!(
        manager
            .send("enable", endpoint, enable(10))
            .await
            .unwrap()
            .nonce,
        0
    );
    automine(&deployer, false).await;
    // Another writer of the key puts nonce 1 in the pool at 30% above the manager's fees.
    let first = first_fees(&deployer, u128::MAX).await;
    let other = deploy::signing_provider(&anvil.url(), DEV_KEYS[0]).unwrap();
    let pending = StraitEndpoint::new(endpoint, other)
        .setRemoteChain(99, true)
        .nonce(1)
        .gas(100_000)
        .max_fee_per_gas(first.max_fee_per_gas * 130 / 100)
        .max_priority_fee_per_gas(first.max_priority_fee_per_gas * 130 / 100)
        .send()
        .await
        .unwrap();
    let theirs = *pending.tx_hash();
    let mut events = manager.subscribe();
    let task = {
        let m = manager.clone();
        tokio::spawn(async move { m.send("enable", endpoint, enable(11)).await })
    };
    let sent = wait_for(&mut events, |e| matches!(e, TxEvent::Sent { .. })).await;
    let TxEvent::Sent { nonce, bump, .. } = sent else {
        unreachable!()
    };
    assert_eq!(nonce, 1);
    assert!(bump >= 2, "outbid 30% with 15% bumps: {bump}");
    mine(&deployer).await;
    let landed = task.await.unwrap().unwrap();
    assert_eq!(landed.nonce, 1);
    assert!(landed.receipt.status());
    assert!(deployer
        .get_transaction_receipt(theirs)
        .await
        .unwrap()
        .is_none());
    let contract = StraitEndpoint::new(endpoint, deployer.clone());
    assert!(contract.isRemoteChain(11).call().await.unwrap());
    assert!(!contract.isRemoteChain(99).call().await.unwrap());
}

#[tokio::test]
async fn a_pooled_nonce_above_the_cap_is_left_for_the_next_free_one() {
    let (anvil, deployer, endpoint) = setup().await;
    let first = first_fees(&deployer, u128::MAX).await;
    let cap = first.max_fee_per_gas * 150 / 100;
    let manager = Arc::new(
        TxManager::connect(
            &anvil.url(),
            DEV_KEYS[0],
            TxConfig {
                max_fee_per_gas: cap,
                ..fast()
            },
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        manager
            .send("enable", endpoint, enable(10))
            .await
            .unwrap()
            .nonce,
        0
    );
    automine(&deployer, false).await;
    // Nonce 1 is pooled at three times the manager's fees: outbidding it passes the cap.
    let other = deploy::signing_provider(&anvil.url(), DEV_KEYS[0]).unwrap();
    let theirs = *StraitEndpoint::new(endpoint, other)
        .setRemoteChain(99, true)
        .nonce(1)
        .gas(100_000)
        .max_fee_per_gas(first.max_fee_per_gas * 3)
        .max_priority_fee_per_gas(first.max_priority_fee_per_gas * 3)
        .send()
        .await
        .unwrap()
        .tx_hash();
    let mut events = manager.subscribe();
    let task = {
        let m = manager.clone();
        tokio::spawn(async move { m.send("enable", endpoint, enable(11)).await })
    };
    let capped = wait_for(&mut events, |e| matches!(e, TxEvent::Capped { .. })).await;
    assert!(matches!(capped, TxEvent::Capped { nonce: 1, .. }));
    let sent = wait_for(&mut events, |e| matches!(e, TxEvent::Sent { .. })).await;
    assert!(matches!(sent, TxEvent::Sent { nonce: 2, .. }), "{sent:?}");
    mine(&deployer).await;
    let landed = task.await.unwrap().unwrap();
    assert_eq!(landed.nonce, 2);
    assert!(deployer
        .get_transaction_receipt(theirs)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_transaction_not_included_in_time_is_reported_with_its_hashes() {
    let (anvil, deployer, endpoint) = setup().await;
    automine(&deployer, false).await;
    let first = first_fees(&deployer, u128::MAX).await;
    let manager = TxManager::connect(
        &anvil.url(),
        DEV_KEYS[0],
        TxConfig {
            // No room for a bump.
            max_fee_per_gas: first.max_fee_per_gas,
            receipt_timeout: Duration::from_millis(600),
            ..fast()
        },
    )
    .await
    .unwrap();
    let err = manager
        .send("enable", endpoint, enable(10))
        .await
        .unwrap_err();
    let TxError::NotIncluded {
        nonce,
        hashes,
        capped,
        max_fee_per_gas,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*nonce, 0);
    assert_eq!(hashes.len(), 1);
    assert!(*capped);
    assert_eq!(*max_fee_per_gas, first.max_fee_per_gas);
    assert!(err.is_transient());
    // Still pooled: it lands with the next block, and the next send takes nonce 1.
    mine(&deployer).await;
    assert!(deployer
        .get_transaction_receipt(hashes[0])
        .await
        .unwrap()
        .is_some());
    automine(&deployer, true).await;
    assert_eq!(
        manager
            .send("enable", endpoint, enable(11))
            .await
            .unwrap()
            .nonce,
        1
    );
}

/// A reorganisation drops two landed transactions of the manager: the account's count falls back
/// to 0. The next send first sends them again as they were signed, then its own: all three land,
/// in nonce order, with their effects.
#[tokio::test]
async fn landed_transactions_a_reorganisation_dropped_are_sent_again_before_the_next() {
    let (anvil, provider, endpoint) = setup().await;
    let manager = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    let owner = manager.address();
    let mut events = manager.subscribe();
    for (chain, nonce) in [(7, 0), (8, 1)] {
        let landed = manager
            .send("enable", endpoint, enable(chain))
            .await
            .unwrap();
        assert_eq!(landed.nonce, nonce);
    }
    // One block per transaction: both blocks replaced.
    reorg(&provider, 2).await;
    assert_eq!(provider.get_transaction_count(owner).await.unwrap(), 0);
    assert_eq!(enabled(&provider, endpoint, &[7, 8]).await, [false, false]);

    let landed = manager.send("enable", endpoint, enable(9)).await.unwrap();
    assert_eq!(landed.nonce, 2, "its own nonce, after the two sent again");
    assert_eq!(provider.get_transaction_count(owner).await.unwrap(), 3);
    assert_eq!(
        enabled(&provider, endpoint, &[7, 8, 9]).await,
        [true, true, true]
    );
    // Sent again before the new one was sent, not found later by its wait.
    let mut order = Vec::new();
    while let Ok(e) = events.try_recv() {
        match e {
            TxEvent::Resent { nonce } => order.push(("resent", nonce)),
            TxEvent::Sent { nonce, .. } if nonce == 2 => order.push(("sent", nonce)),
            _ => {}
        }
    }
    assert_eq!(order, [("resent", 0), ("resent", 1), ("sent", 2)]);
    assert_eq!(manager.resent(), 2);
    assert_eq!(manager.reconcile().await.unwrap(), 0, "no gap left");
}

/// A transaction waiting for its receipt behind a gap: the one before it landed, then a
/// reorganisation dropped it, so this one cannot be mined. The wait sends the dropped one again,
/// and both land.
#[tokio::test]
async fn a_wait_behind_a_gap_a_reorganisation_left_fills_it() {
    let (anvil, provider, endpoint) = setup().await;
    let manager = Arc::new(
        TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
            .await
            .unwrap(),
    );
    let mut events = manager.subscribe();
    let first = manager.send("enable", endpoint, enable(7)).await.unwrap();
    assert_eq!(first.nonce, 0);
    automine(&provider, false).await;
    let second = tokio::spawn({
        let m = manager.clone();
        async move { m.send("enable", endpoint, enable(8)).await }
    });
    wait_for(&mut events, |e| matches!(e, TxEvent::Sent { nonce: 1, .. })).await;
    // The first's block is replaced: nonce 1 now waits behind nonce 0, which nobody else sends.
    reorg(&provider, 1).await;
    assert_eq!(enabled(&provider, endpoint, &[7]).await, [false]);
    automine(&provider, true).await;
    wait_for(&mut events, |e| matches!(e, TxEvent::Resent { nonce: 0 })).await;
    mine(&provider).await;
    let landed = second.await.unwrap().unwrap();
    assert_eq!(landed.nonce, 1);
    assert!(landed.receipt.status());
    assert_eq!(enabled(&provider, endpoint, &[7, 8]).await, [true, true]);
}

/// A send that carries value: its dry run carries it (a function that takes no value is refused
/// before anything is sent), it pays what it says with the gas limit it was given, and a
/// reorganisation that drops it has it sent again as signed, paying once.
#[tokio::test]
async fn a_call_carrying_value_pays_it_once_even_across_a_reorganisation() {
    let (anvil, provider, endpoint) = setup().await;
    let manager = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    let err = manager
        .send_call(
            "enable",
            txm::Call::new(endpoint, enable(7)).with_value(U256::from(1)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, TxError::Reverted { what: "enable", .. }),
        "{err}"
    );
    assert_eq!(manager.pending_count().await.unwrap(), 0, "no nonce spent");

    let payee = deploy::signer_address(DEV_KEYS[5]).unwrap();
    let before = provider.get_balance(payee).await.unwrap();
    let paid = U256::from(12_345u64);
    let landed = manager
        .send_call(
            "pay",
            txm::Call::new(payee, Bytes::new())
                .with_value(paid)
                .with_gas_limit(30_000),
        )
        .await
        .unwrap();
    assert_eq!(landed.nonce, 0);
    assert_eq!(
        landed.gas_limit, 30_000,
        "the limit given, not the estimate"
    );
    assert_eq!(landed.receipt.gas_used, 21_000);
    assert_eq!(provider.get_balance(payee).await.unwrap(), before + paid);

    reorg(&provider, 1).await;
    assert_eq!(provider.get_balance(payee).await.unwrap(), before);
    assert_eq!(manager.reconcile().await.unwrap(), 1);
    mine(&provider).await;
    assert_eq!(provider.get_balance(payee).await.unwrap(), before + paid);
    let again = manager.send("enable", endpoint, enable(8)).await.unwrap();
    assert_eq!(again.nonce, 1);
    assert_eq!(provider.get_balance(payee).await.unwrap(), before + paid);
}

/// A manager started after another of the same signer (an agent restarted) keeps only its own
/// transactions. A reorganisation drops one of each: the earlier run's nonce is filled with a
/// transfer of nothing, so that this run's transaction above it lands again.
#[tokio::test]
async fn a_gap_left_by_an_earlier_run_is_filled_so_the_kept_transactions_land() {
    let (anvil, provider, endpoint) = setup().await;
    let earlier = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    assert_eq!(
        earlier
            .send("enable", endpoint, enable(7))
            .await
            .unwrap()
            .nonce,
        0
    );
    drop(earlier);
    let manager = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    let mut events = manager.subscribe();
    assert_eq!(
        manager
            .send("enable", endpoint, enable(8))
            .await
            .unwrap()
            .nonce,
        1
    );
    // Both blocks replaced.
    reorg(&provider, 2).await;
    let owner = manager.address();
    assert_eq!(provider.get_transaction_count(owner).await.unwrap(), 0);
    assert_eq!(manager.reconcile().await.unwrap(), 1, "its own, sent again");
    mine(&provider).await;
    assert_eq!(provider.get_transaction_count(owner).await.unwrap(), 2);
    assert_eq!(
        enabled(&provider, endpoint, &[7, 8]).await,
        [false, true],
        "the earlier run's is gone (its agent must find that), this run's landed again"
    );
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        match e {
            TxEvent::GapFilled { nonce } => seen.push(("filled", nonce)),
            TxEvent::Resent { nonce } => seen.push(("resent", nonce)),
            _ => {}
        }
    }
    assert_eq!(seen, [("filled", 0), ("resent", 1)]);
    assert_eq!(manager.resent(), 1, "a filler is not counted");
    assert_eq!(
        manager
            .send("enable", endpoint, enable(9))
            .await
            .unwrap()
            .nonce,
        2
    );
}

/// A send through an application (the called account) touches the endpoint, a cold account, and
/// its storage: the transaction carries an access list of the endpoint alone (not the
/// application, not the sender), and uses less gas than the same transaction, on the same state,
/// from a manager without access lists.
#[tokio::test]
async fn transactions_carry_the_access_list_that_saves_gas() {
    let (anvil, deployer, endpoint) = setup().await;
    let owner = TxManager::connect(&anvil.url(), DEV_KEYS[0], fast())
        .await
        .unwrap();
    owner.send("enable", endpoint, enable(7)).await.unwrap();
    let counter = deploy::deploy_counter(&deployer, endpoint).await.unwrap();
    let send = Bytes::from(
        strait_evm_client::abi::counter::StraitCounter::sendCall {
            chain: 7,
            receiver: [0x11; 32].into(),
            payload: Bytes::from_static(b"ping"),
        }
        .abi_encode(),
    );
    // The first send writes fresh slots (the route's nonce); measure the second.
    owner.send("send", counter, send.clone()).await.unwrap();
    let snapshot: U256 = deployer
        .raw_request("evm_snapshot".into(), ())
        .await
        .unwrap();

    let with = owner.send("send", counter, send.clone()).await.unwrap();
    assert!(with.receipt.status());
    let tx = deployer
        .get_transaction_by_hash(with.hash)
        .await
        .unwrap()
        .expect("the transaction");
    let list = alloy::consensus::Transaction::access_list(&tx)
        .expect("an access list")
        .clone();
    assert_eq!(
        list.0.iter().map(|item| item.address).collect::<Vec<_>>(),
        vec![endpoint],
        "only the endpoint is cold"
    );
    assert!(!list.0[0].storage_keys.is_empty());

    let _: bool = deployer
        .raw_request("evm_revert".into(), (snapshot,))
        .await
        .unwrap();
    let plain = TxManager::connect(
        &anvil.url(),
        DEV_KEYS[0],
        TxConfig {
            access_lists: false,
            ..fast()
        },
    )
    .await
    .unwrap();
    let without = plain.send("send", counter, send).await.unwrap();
    assert!(without.receipt.status());
    assert_eq!(
        without.nonce, with.nonce,
        "the same transaction on the same state"
    );
    let tx = deployer
        .get_transaction_by_hash(without.hash)
        .await
        .unwrap()
        .expect("the transaction");
    assert!(alloy::consensus::Transaction::access_list(&tx).is_none_or(|l| l.0.is_empty()));
    // The account and each listed key save at least 100 gas each (EIP-2930 against EIP-2929).
    let saved = without
        .receipt
        .gas_used
        .saturating_sub(with.receipt.gas_used);
    let keys = list.0[0].storage_keys.len() as u64;
    assert!(
        saved >= 100 * (1 + keys),
        "saved {saved} gas with the endpoint and {keys} keys listed"
    );
}
