//! Message fees end to end (`[STRAIT-FEE.5]` to `[STRAIT-FEE.8]`): paid messages whose outcomes
//! are executed, failed (then finalized) and timed out, each payment locked at send and split
//! exactly once between the destination's deliverer, the relayer that proved the outcome back
//! and the payer, while two relayers race over the same messages; an unpaid message is still
//! delivered by relayers that choose to (the default); `sat` is conserved on every chain.

use std::time::Duration;

use crate::net::{produce, Chains, TestRelayer};
use crate::BLOCK_MS;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_endpoint::settle::decode_outcome_payload;
use strait_endpoint::{endpoint_address, Outcome};
use strait_node::devnet_specs;
use strait_node::fees::message::{self, MessageFees};
use strait_node::fees::{genesis_native_supply, native_balance, native_holders};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Hash32, MessageId, Timestamp};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::Clock;
use strait_sim::chains_of;

const GAS_LIMIT: u64 = 100_000;

fn submit(chains: &Chains, chain: usize, who: &AccountKey, body: TxBody) -> Hash32 {
    let mut c = chains[chain].lock().unwrap();
    let tx = Tx {
        chain_id: c.chain_id(),
        signer: who.address(),
        nonce: c.account_nonce(&who.address()),
        body,
    }
    .sign(who);
    c.submit(tx).unwrap()
}

fn send(receiver: Address32, options: DeliveryOptions, gas_limit: u64) -> TxBody {
    TxBody::Send {
        destination_chain: ChainId(2),
        receiver,
        options,
        payload: b"fee".to_vec(),
        gas_limit,
    }
}

async fn wait(rt: &Runtime, mut done: impl FnMut() -> bool) {
    for _ in 0..4_000 {
        if done() {
            return;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    panic!("not done in time");
}

/// The message id a transaction sent, once included.
async fn sent_id(rt: &Runtime, chains: &Chains, hash: Hash32) -> MessageId {
    let mut id = None;
    wait(rt, || {
        id = chains[0]
            .lock()
            .unwrap()
            .tx_result(&hash)
            .and_then(|r| r.message_id);
        id.is_some()
    })
    .await;
    id.unwrap()
}

fn conserved(chains: &Chains) {
    for chain in chains {
        let c = chain.lock().unwrap();
        let total: u128 = native_holders()
            .iter()
            .map(|a| native_balance(c.state(), a))
            .sum();
        assert_eq!(total, genesis_native_supply(), "chain {}", c.chain_id());
    }
}

/// The deliverer and entry of the outcome message chain 2 sent for `id`, decoded.
fn outcome_of(chains: &Chains, id: &MessageId) -> (Address32, strait_endpoint::OutcomeEntry) {
    let c = chains[1].lock().unwrap();
    (0..c.outbox_count())
        .filter_map(|leaf| c.sent_packet(leaf))
        .filter(|p: &Packet| p.sender == endpoint_address())
        .filter_map(|p| decode_outcome_payload(&p.payload).ok())
        .find_map(|o| {
            let deliverer = o.deliverer;
            o.entries
                .into_iter()
                .find(|e| e.id == *id)
                .map(|e| (deliverer, e))
        })
        .expect("chain 2 sent the outcome")
}

async fn scenario(rt: Runtime) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Chains = chains_of(&specs);
    produce(&rt, &chains, || {});
    let relayers = ["relayer-a", "relayer-b"].map(|n| TestRelayer::start(&rt, &chains, n, true));
    let relayer_keys = ["relayer-a", "relayer-b"].map(|n| AccountKey::devnet(n).address());
    let alice = AccountKey::devnet("alice");
    let no_app = AccountKey::devnet("no-app");
    let fees = MessageFees::DEVNET;
    let quote = fees.quote(GAS_LIMIT, 3);

    let counter = strait_devnet_api::apps::counter();
    let ok = submit(
        &chains,
        0,
        &alice,
        send(counter, DeliveryOptions::default(), GAS_LIMIT),
    );
    let bad = submit(
        &chains,
        0,
        &alice,
        send(no_app.address(), DeliveryOptions::default(), GAS_LIMIT),
    );
    let late = submit(
        &chains,
        0,
        &alice,
        send(
            counter,
            DeliveryOptions {
                timeout_timestamp: Some(Timestamp(rt.unix_time_ms() + 1)),
                ..DeliveryOptions::default()
            },
            GAS_LIMIT,
        ),
    );
    let unpaid = submit(
        &chains,
        0,
        &alice,
        send(counter, DeliveryOptions::default(), 0),
    );
    let ids = [
        sent_id(&rt, &chains, ok).await,
        sent_id(&rt, &chains, bad).await,
        sent_id(&rt, &chains, late).await,
        sent_id(&rt, &chains, unpaid).await,
    ];
    // [STRAIT-FEE.7] locked at send: the quote, for the paid ones only.
    {
        let c = chains[0].lock().unwrap();
        for id in &ids[..3] {
            let lock = message::locked(c.state(), id).expect("locked");
            assert_eq!(lock.quote, quote);
            assert_eq!(lock.payer, alice.address());
        }
        assert_eq!(message::locked(c.state(), &ids[3]), None);
    }
    // The failed message is finalized by its receiver (the account `no-app`), and its failure
    // goes back.
    wait(&rt, || {
        chains[1]
            .lock()
            .unwrap()
            .state()
            .get(&[&b"f"[..], ids[1].as_bytes()].concat())
            .is_some()
    })
    .await;
    let packet = {
        let c = chains[0].lock().unwrap();
        (0..c.outbox_count())
            .filter_map(|leaf| c.sent_packet(leaf))
            .find(|p| p.id() == ids[1])
            .unwrap()
    };
    submit(&chains, 1, &no_app, TxBody::FinalizeFailed { packet });
    // Every message settles, the unpaid one too (the relayers carry everything by default).
    wait(&rt, || {
        chains[0].lock().unwrap().state().count_prefix(b"p") == 0
    })
    .await;
    // Duplicates keep racing for a while: nothing is paid twice.
    rt.sleep(Duration::from_millis(20 * BLOCK_MS)).await;
    for r in relayers {
        r.stop().await;
    }
    assert!(chains[1].lock().unwrap().received(&ids).iter().all(|r| *r));

    // [STRAIT-FEE.8] each paid message split exactly once, by the outcome it reported.
    let tx_fees: u128 = [ok, bad, late, unpaid]
        .iter()
        .map(|h| {
            let c = chains[0].lock().unwrap();
            c.tx_result(h).unwrap().fee.parse::<u128>().unwrap()
        })
        .sum();
    let reports: Vec<_> = ids[..3].iter().map(|id| outcome_of(&chains, id)).collect();
    let guard = chains[0].lock().unwrap();
    let source = guard.state();
    let mut refunded = 0u128;
    for (n, (id, (deliverer, report))) in ids[..3].iter().zip(reports).enumerate() {
        let paid = message::paid(source, id).expect("paid once");
        assert_eq!(message::locked(source, id), None);
        assert_eq!(paid.deliverer, deliverer);
        let gas = u128::from(report.gas_used.min(GAS_LIMIT)) * fees.gas_price;
        assert_eq!(paid.to_deliverer, quote.delivery + gas);
        assert_eq!(paid.to_ack_relayer, fees.ack_fee);
        assert_eq!(paid.refunded, quote.gas - gas);
        assert_eq!(paid.payer, alice.address());
        assert!(relayer_keys.contains(&paid.ack_relayer), "{paid:?}");
        match (n, &report.outcome) {
            (0, Outcome::Executed { .. }) => {
                assert!(report.gas_used > 0 && report.gas_used < GAS_LIMIT);
                assert!(relayer_keys.contains(&deliverer));
            }
            (1, Outcome::Failed(_)) => {
                assert_eq!(report.gas_used, 0);
                assert_eq!(deliverer, no_app.address());
            }
            (2, Outcome::TimedOut) => {
                assert_eq!(report.gas_used, 0);
                assert!(relayer_keys.contains(&deliverer));
            }
            other => panic!("unexpected outcome {other:?}"),
        }
        refunded += paid.refunded;
    }
    assert_eq!(message::paid(source, &ids[3]), None);
    // Alice paid her transaction fees and three quotes, and got the refunds back.
    assert_eq!(
        native_balance(source, &alice.address()),
        strait_node::builder::GENESIS_BALANCE - tx_fees - 3 * quote.total + refunded
    );
    assert_eq!(native_balance(source, &strait_node::fees::fee_escrow()), 0);
    drop(guard);
    conserved(&chains);
}

#[test]
fn paid_messages_are_split_exactly_once_and_unpaid_ones_still_delivered() {
    Executor::seeded(11).run(scenario).unwrap();
}
