//! A relayer's fee policy (`[STRAIT-FEE.9]`): a paid-only relayer carries a paid message and the
//! outcome that pays it, and leaves an unpaid one alone; a default relayer carries the unpaid one.

use std::sync::Arc;
use std::time::Duration;

use crate::net::{produce, Chains};
use crate::BLOCK_MS;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::devnet_specs;
use strait_node::fees::message;
use strait_packet::DeliveryOptions;
use strait_primitives::{ChainId, Hash32, MessageId, Timestamp};
use strait_relayer::sched::FeePolicy;
use strait_relayer::{poll_heights, relay, Metrics, RelayerError, Settings};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, JoinHandle, Spawner};
use strait_sim::{chains_of, SimChainClient};

type Task = (
    tokio::sync::oneshot::Sender<()>,
    JoinHandle<Result<(), RelayerError>>,
);

fn start(rt: &Runtime, chains: &Chains, account: &str, fee_policy: FeePolicy) -> Task {
    let clients = chains
        .iter()
        .map(|c| {
            let client = SimChainClient::new(
                c.clone(),
                rt.clone(),
                AccountKey::devnet(account),
                Duration::from_millis(10),
            );
            let heights = poll_heights(rt, client.clone(), Duration::from_millis(BLOCK_MS / 2));
            (client, heights)
        })
        .collect();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let settings = Settings {
        poll_interval: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        fee_policy,
        ..Settings::default()
    };
    let task = rt.spawn(
        "relayer",
        relay(
            rt.clone(),
            clients,
            settings,
            Arc::new(Metrics::default()),
            async {
                let _ = stopped.await;
            },
        ),
    );
    (stop, task)
}

async fn stop((stop, task): Task) {
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

fn send(chains: &Chains, who: &AccountKey, gas_limit: u64) -> Hash32 {
    let mut c = chains[0].lock().unwrap();
    let tx = Tx {
        chain_id: c.chain_id(),
        signer: who.address(),
        nonce: c.account_nonce(&who.address()),
        body: TxBody::Send {
            destination_chain: ChainId(2),
            receiver: strait_devnet_api::apps::counter(),
            options: DeliveryOptions::default(),
            payload: b"policy".to_vec(),
            gas_limit,
        },
    }
    .sign(who);
    c.submit(tx).unwrap()
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

async fn scenario(rt: Runtime) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Chains = chains_of(&specs);
    produce(&rt, &chains, || {});
    let alice = AccountKey::devnet("alice");
    let paid_only = start(&rt, &chains, "relayer-a", FeePolicy::MinFee(1));
    let unpaid = send(&chains, &alice, 0);
    let paid = send(&chains, &alice, 100_000);
    let (unpaid, paid) = (
        sent_id(&rt, &chains, unpaid).await,
        sent_id(&rt, &chains, paid).await,
    );
    // The paid message is delivered, and its outcome (unpaid itself) carried back: settled.
    wait(&rt, || {
        message::paid(chains[0].lock().unwrap().state(), &paid).is_some()
    })
    .await;
    // Long after, the unpaid one still waits: the paid-only relayer declined it.
    rt.sleep(Duration::from_millis(40 * BLOCK_MS)).await;
    assert_eq!(
        chains[1].lock().unwrap().received(&[unpaid, paid]),
        [false, true]
    );
    stop(paid_only).await;
    // A default relayer carries it.
    let default = start(&rt, &chains, "relayer-b", FeePolicy::CarryAll);
    wait(&rt, || chains[1].lock().unwrap().received(&[unpaid])[0]).await;
    stop(default).await;
}

#[test]
fn a_paid_only_relayer_leaves_an_unpaid_message_that_a_default_relayer_carries() {
    Executor::seeded(5).run(scenario).unwrap();
}
