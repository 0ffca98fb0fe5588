//! Token transfers between three in-process chains, relayed by the real relayer on the
//! deterministic runtime: onward hops and returns, a refused transfer refunded once finalized, a
//! timed-out one refunded, and conservation of every token at the end.

use std::time::Duration;

use crate::net::{produce, Chains, TestRelayer};
use crate::BLOCK_MS;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::apps::storage_key;
use strait_node::apps::token::{
    balance_key, escrow_key, supply_key, TransferCall, CALL_FINALIZE, NATIVE_DENOM,
};
use strait_node::builder::GENESIS_BALANCE;
use strait_node::devnet_specs;
use strait_primitives::{Address32, ChainId, Timestamp};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::Clock;
use strait_sim::{chains_of, InProcessChain};

fn token_u128(chain: &InProcessChain, key: &[u8]) -> u128 {
    chain
        .state()
        .get(&storage_key(&strait_devnet_api::apps::token(), key))
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .map_or(0, u128::from_be_bytes)
}

fn balance(chains: &Chains, chain: usize, who: &Address32, denom: &str) -> u128 {
    token_u128(&chains[chain].lock().unwrap(), &balance_key(who, denom))
}

fn call(chains: &Chains, chain: usize, who: &AccountKey, data: Vec<u8>) {
    let mut c = chains[chain].lock().unwrap();
    let tx = Tx {
        chain_id: c.chain_id(),
        signer: who.address(),
        nonce: c.account_nonce(&who.address()),
        body: TxBody::AppCall {
            app: strait_devnet_api::apps::token(),
            data,
        },
    }
    .sign(who);
    c.submit(tx).unwrap();
}

fn transfer(to: u64, recipient: Address32, denom: &str, amount: u128) -> TransferCall {
    TransferCall {
        destination: ChainId(to),
        recipient,
        denom: denom.into(),
        amount,
        timeout_height: None,
        timeout_timestamp: None,
        gas_limit: 0,
    }
}

async fn wait(rt: &Runtime, mut done: impl FnMut() -> bool) {
    for _ in 0..2_000 {
        if done() {
            return;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    panic!("not done in time");
}

fn no_transfer_awaits(chains: &Chains) -> bool {
    chains
        .iter()
        .all(|c| c.lock().unwrap().state().count_prefix(b"p") == 0)
}

async fn scenario(rt: Runtime) {
    // No transaction fees here: this scenario checks exact token amounts per account; fees and
    // their conservation are checked by strait-node's fee tests and the token sweep.
    let specs: Vec<_> = devnet_specs(3, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS)
        .into_iter()
        .map(|s| s.with_fees(strait_node::fees::FeeSchedule::ZERO))
        .collect();
    let chains: Chains = chains_of(&specs);
    produce(&rt, &chains, || {});
    let relayer = TestRelayer::start(&rt, &chains, "relayer-0", false);
    let (alice, bob, carol) = (
        AccountKey::devnet("alice"),
        AccountKey::devnet("bob"),
        AccountKey::devnet("carol"),
    );
    let (a, b, c) = (alice.address(), bob.address(), carol.address());

    // Chain 1's native tokens to chain 2: escrowed on 1, a voucher `1/sat` minted on 2.
    call(
        &chains,
        0,
        &alice,
        transfer(2, b, NATIVE_DENOM, 100).encode(),
    );
    wait(&rt, || balance(&chains, 1, &b, "1/sat") == 100).await;
    assert_eq!(balance(&chains, 0, &a, NATIVE_DENOM), GENESIS_BALANCE - 100);
    // Onwards to chain 3 (escrowed on 2, `2/1/sat` minted on 3), then part of it back to 2.
    call(&chains, 1, &bob, transfer(3, c, "1/sat", 40).encode());
    wait(&rt, || balance(&chains, 2, &c, "2/1/sat") == 40).await;
    call(&chains, 2, &carol, transfer(2, a, "2/1/sat", 15).encode());
    wait(&rt, || balance(&chains, 1, &a, "1/sat") == 15).await;
    // And home to chain 1: burned on 2, released from escrow on 1.
    call(&chains, 1, &alice, transfer(1, c, "1/sat", 5).encode());
    wait(&rt, || {
        balance(&chains, 0, &c, NATIVE_DENOM) == GENESIS_BALANCE + 5
    })
    .await;

    // A transfer the destination refuses for good (to the zero address): refunded once the
    // destination's token app finalizes it, which anyone may ask for.
    call(
        &chains,
        0,
        &bob,
        transfer(3, Address32([0; 32]), NATIVE_DENOM, 9).encode(),
    );
    let failed = loop {
        let found = chains[2]
            .lock()
            .unwrap()
            .state()
            .first_with_prefix(b"f")
            .map(|(k, _)| k.to_vec());
        if let Some(key) = found {
            break strait_primitives::MessageId(key[1..].try_into().unwrap());
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    };
    assert_eq!(
        balance(&chains, 0, &bob.address(), NATIVE_DENOM),
        GENESIS_BALANCE - 9
    );
    let packet = {
        let chain = chains[0].lock().unwrap();
        (0..chain.outbox_count())
            .filter_map(|leaf| chain.sent_packet(leaf))
            .find(|p| p.id() == failed)
            .expect("chain 1 sent it")
    };
    let mut data = vec![CALL_FINALIZE];
    data.extend_from_slice(&packet.encode());
    call(&chains, 2, &carol, data);
    wait(&rt, || {
        balance(&chains, 0, &b, NATIVE_DENOM) == GENESIS_BALANCE
    })
    .await;

    // A transfer that times out before it is delivered: never executed, refunded.
    let past = Timestamp(rt.unix_time_ms() + 1);
    call(
        &chains,
        1,
        &bob,
        TransferCall {
            timeout_timestamp: Some(past),
            ..transfer(3, c, "1/sat", 20)
        }
        .encode(),
    );
    wait(&rt, || no_transfer_awaits(&chains)).await;
    relayer.stop().await;

    // Every transfer settled; every token is conserved.
    let accounts = [a, b, c];
    let total = |chain: usize, denom: &str| -> u128 {
        accounts
            .iter()
            .map(|who| balance(&chains, chain, who, denom))
            .sum::<u128>()
    };
    let held = |chain: usize, key: Vec<u8>| token_u128(&chains[chain].lock().unwrap(), &key);
    // Chain 1's native supply: balances plus escrow.
    assert_eq!(
        total(0, NATIVE_DENOM) + held(0, escrow_key(NATIVE_DENOM)),
        3 * GENESIS_BALANCE
    );
    // Escrow on 1 backs the `1/sat` vouchers on 2; escrow of `1/sat` on 2 backs `2/1/sat` on 3.
    assert_eq!(
        held(0, escrow_key(NATIVE_DENOM)),
        held(1, supply_key("1/sat"))
    );
    assert_eq!(
        held(1, supply_key("1/sat")),
        total(1, "1/sat") + held(1, escrow_key("1/sat"))
    );
    assert_eq!(held(1, escrow_key("1/sat")), held(2, supply_key("2/1/sat")));
    assert_eq!(held(2, supply_key("2/1/sat")), total(2, "2/1/sat"));
    // The figures: 100 out, 5 back home; 40 onward, 15 back to 2; the timed-out 20 refunded.
    assert_eq!(held(0, escrow_key(NATIVE_DENOM)), 95);
    assert_eq!(total(1, "1/sat"), 100 - 40 + 15 - 5);
    assert_eq!(total(2, "2/1/sat"), 25);
    assert_eq!(balance(&chains, 1, &b, "1/sat"), 60);
}

#[test]
fn tokens_travel_onward_and_back_and_refunds_keep_every_token_conserved() {
    Executor::seeded(5).run(scenario).unwrap();
}
