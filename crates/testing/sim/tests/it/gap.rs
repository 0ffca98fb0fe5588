//! The review's stalling pattern as a simulated fault: a relayer holds back nonce 1 of a route
//! while it delivers 34,000 later messages, then an ordered message follows. Before the fix the
//! route's counter stopped at 16,383 and the ordered message waited for ever; now a fresh relayer
//! delivers the held message, answers `AdvanceRoute` with a route advance, and the ordered message
//! executes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_node::apps::{storage_key, Counter};
use strait_node::devnet_specs;
use strait_node::state::keys;
use strait_packet::{DeliveryOptions, Route};
use strait_primitives::{ChainId, Timestamp};
use strait_relayer::{poll_heights, relay, Metrics, Settings};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, JoinHandle, Spawner};
use strait_sim::fixtures::produce_every;
use strait_sim::{chains_of, InProcessChain, SimChainClient, Sources};

const BLOCK_MS: u64 = 50;
const LATER: u64 = 34_000;

type Chains = Vec<Arc<Mutex<InProcessChain>>>;

fn start_relayer(rt: &Runtime, chains: &Chains, hold_back: Option<&Route>) -> JoinHandle<()> {
    let sources: Sources = Arc::new(
        chains
            .iter()
            .map(|c| (c.lock().unwrap().chain_id(), c.clone()))
            .collect::<BTreeMap<_, _>>(),
    );
    let links = chains
        .iter()
        .map(|c| {
            let mut client = SimChainClient::new(
                c.clone(),
                rt.clone(),
                AccountKey::devnet("relayer"),
                Duration::from_millis(10),
            );
            if let Some(route) = hold_back {
                client = client.holding_back(route.id(), sources.clone());
            }
            let heights = poll_heights(rt, client.clone(), Duration::from_millis(BLOCK_MS));
            (client, heights)
        })
        .collect();
    let settings = Settings {
        poll_interval: Duration::from_millis(100),
        max_backoff: Duration::from_millis(200),
        max_pending: 64 * 1024,
        max_pending_per_route: 64 * 1024,
        ..Settings::default()
    };
    let run = relay(
        rt.clone(),
        links,
        settings,
        Arc::new(Metrics::default()),
        std::future::pending(),
    );
    rt.spawn("relayer", async move {
        let _ = run.await;
    })
}

async fn scenario(rt: Runtime) -> (u64, u64, u64) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Chains = chains_of(&specs);
    produce_every(&rt, &chains, BLOCK_MS);
    let sender = AccountKey::devnet("sender");
    let route = Route {
        source_chain: ChainId(1),
        sender: sender.address(),
        destination_chain: ChainId(2),
        receiver: strait_devnet_api::apps::counter(),
    };
    {
        let mut a = chains[0].lock().unwrap();
        for nonce in 0..=LATER {
            let ordered = nonce == LATER;
            let tx = SignedTx {
                tx: Tx {
                    chain_id: ChainId(1),
                    signer: sender.address(),
                    nonce,
                    body: TxBody::Send {
                        gas_limit: 0,
                        destination_chain: ChainId(2),
                        receiver: route.receiver,
                        options: DeliveryOptions {
                            ordered,
                            ..Default::default()
                        },
                        payload: vec![],
                    },
                },
                signature: [0; 64],
            };
            a.submit_authenticated(tx).unwrap();
        }
    }
    let count = |chains: &Chains| {
        let key = storage_key(&route.receiver, &Counter::count_key(ChainId(1)));
        chains[1].lock().unwrap().state().get_u64(&key)
    };
    let contiguous = |chains: &Chains| {
        chains[1]
            .lock()
            .unwrap()
            .state()
            .get_u64(&keys::contiguous(&route.id()))
    };
    // The withholding relayer delivers everything but nonce 1; the ordered one cannot run.
    let withholder = start_relayer(&rt, &chains, Some(&route));
    for _ in 0..2_000 {
        if count(&chains) == LATER - 1 {
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    let before = (count(&chains), contiguous(&chains));
    rt.sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count(&chains),
        before.0,
        "the ordered message ran with nonce 1 missing"
    );
    withholder.abort();
    // An honest relayer, fresh: nonce 1, then the ordered one after a route advance.
    let honest = start_relayer(&rt, &chains, None);
    for _ in 0..2_000 {
        if count(&chains) == LATER + 1 {
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    honest.abort();
    (before.1, count(&chains), contiguous(&chains))
}

#[test]
fn a_nonce_held_back_across_34000_later_ones_never_stalls_an_ordered_route() {
    let (counter_while_held, executed, counter) = Executor::seeded(4).run(scenario).unwrap();
    assert_eq!(counter_while_held, 0);
    assert_eq!(executed, LATER + 1);
    assert_eq!(counter, LATER + 1);
}
