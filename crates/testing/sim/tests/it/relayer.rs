//! The real relayer (the same code as over JSON-RPC, `strait_relayer::relay`) on the deterministic
//! runtime, relaying between three in-process chains: every message executes exactly once, and a
//! seed reproduces the run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::apps::{storage_key, Counter};
use strait_node::devnet_specs;
use strait_packet::DeliveryOptions;
use strait_primitives::{ChainId, Hash32, Timestamp};
use strait_relayer::{relay, Metrics, Settings};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Entropy, Spawner};
use strait_sim::fixtures::{produce_every, relayer_links};
use strait_sim::{chains_of, InProcessChain};

const BLOCK_MS: u64 = 50;

/// Three chains, `per_pair` messages on every ordered pair (ordered or not at random), relayed by
/// one relayer. Returns each chain's tip hash and the relayer's count of messages relayed.
async fn world(rt: Runtime, per_pair: u64) -> (Vec<Hash32>, u64, u64) {
    let specs = devnet_specs(3, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Vec<Arc<Mutex<InProcessChain>>> = chains_of(&specs);
    produce_every(&rt, &chains, BLOCK_MS);
    // Senders: one account per chain, messages to every other chain's counter.
    let alice = AccountKey::devnet("alice");
    for (i, chain) in chains.iter().enumerate() {
        let mut chain = chain.lock().unwrap();
        let mut nonce = 0;
        for to in specs.iter().filter(|s| s.chain_id != specs[i].chain_id) {
            for _ in 0..per_pair {
                let tx = Tx {
                    chain_id: specs[i].chain_id,
                    signer: alice.address(),
                    nonce,
                    body: TxBody::Send {
                        gas_limit: 0,
                        destination_chain: to.chain_id,
                        receiver: strait_devnet_api::apps::counter(),
                        options: DeliveryOptions {
                            ordered: rt.next_u64().is_multiple_of(2),
                            ..Default::default()
                        },
                        payload: nonce.to_be_bytes().to_vec(),
                    },
                }
                .sign(&alice);
                chain.submit(tx).unwrap();
                nonce += 1;
            }
        }
    }
    let clients = relayer_links(&rt, &chains, "relayer-0", BLOCK_MS / 2);
    let metrics = Arc::new(Metrics::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let settings = Settings {
        poll_interval: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        ..Settings::default()
    };
    let relayer = rt.spawn(
        "relayer",
        relay(rt.clone(), clients, settings, metrics.clone(), async {
            let _ = stopped.await;
        }),
    );
    let expected = per_pair;
    let count_of = |dst: usize, src: ChainId| {
        let key = storage_key(
            &strait_devnet_api::apps::counter(),
            &Counter::count_key(src),
        );
        chains[dst].lock().unwrap().state().get_u64(&key)
    };
    let done = || {
        (0..3).all(|d| {
            specs
                .iter()
                .filter(|s| s.chain_id != specs[d].chain_id)
                .all(|s| count_of(d, s.chain_id) >= expected)
                // ... and every outcome came back: no sent message awaits one.
                && chains[d].lock().unwrap().state().count_prefix(b"p") == 0
        })
    };
    for _ in 0..1_200 {
        if done() {
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    let _ = stop.send(());
    relayer.await.unwrap().unwrap();
    // Exactly once: every counter saw each of its source's messages once, none twice.
    for d in 0..3 {
        for s in specs.iter().filter(|s| s.chain_id != specs[d].chain_id) {
            assert_eq!(
                count_of(d, s.chain_id),
                expected,
                "chain {} from {}",
                d + 1,
                s.chain_id
            );
        }
    }
    let tips = chains
        .iter()
        .map(|c| {
            let c = c.lock().unwrap();
            c.light_block(c.latest_height()).unwrap().header().hash()
        })
        .collect();
    // The outcome messages the chains sent back ([STRAIT-SETTLE.3]: one per run of a sender in a
    // delivery), each relayed once too.
    let outcome_messages = chains
        .iter()
        .map(|c| {
            let c = c.lock().unwrap();
            (0..c.outbox_count())
                .filter_map(|leaf| c.sent_packet(leaf))
                .filter(|p| p.sender == strait_endpoint::endpoint_address())
                .count() as u64
        })
        .sum::<u64>();
    (tips, metrics.snapshot().messages_relayed, outcome_messages)
}

#[test]
fn the_relayer_runs_unchanged_on_in_process_chains_and_delivers_exactly_once() {
    let (_, relayed, outcome_messages) = Executor::seeded(21).run(|rt| world(rt, 30)).unwrap();
    // Each message once, and the outcome messages back: at least one a route, at most one a
    // message.
    assert_eq!(relayed, 6 * 30 + outcome_messages);
    assert!(
        (6..=6 * 30).contains(&outcome_messages),
        "{outcome_messages}"
    );
}

#[test]
fn a_seed_reproduces_the_whole_run() {
    let one = Executor::seeded(99).run(|rt| world(rt, 8)).unwrap();
    let two = Executor::seeded(99).run(|rt| world(rt, 8)).unwrap();
    assert_eq!(one, two);
}
