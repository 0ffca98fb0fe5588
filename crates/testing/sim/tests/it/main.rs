//! In-process chains on the deterministic runtime, relayed through the chain-client traits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_chain_client::{
    DeliveryStatus, DestinationChain, RelayWork, SourceChain, VerifierUpdate,
};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_endpoint::BatchDelivery;
use strait_node::devnet_specs;
use strait_node::state::keys;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{ChainId, Hash32, MessageId, Timestamp};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Spawner};
use strait_sim::{InProcessChain, SimChainClient};

mod attest;
mod byzantine;
mod equivocation;
mod fee_policy;
mod fees;
mod gap;
mod limits;
mod net;
mod optimistic;
mod paging;
mod planted;
mod registry;
mod relayer;
mod route;
mod route_kinds;
mod support;
mod token;
mod token_sweep;
mod token_world;
mod world;

const BLOCK_MS: u64 = 50;

/// Two chains producing blocks every 50 simulated ms; `n` messages sent on chain 1 and relayed to
/// chain 2 through the traits. Returns both chains' final header hashes.
async fn scenario(rt: Runtime, n: u64) -> (Hash32, Hash32, usize) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Vec<Arc<Mutex<InProcessChain>>> = (0..2)
        .map(|i| {
            let remotes = specs
                .iter()
                .filter(|s| s.chain_id != specs[i].chain_id)
                .copied()
                .collect();
            Arc::new(Mutex::new(InProcessChain::genesis(specs[i], remotes)))
        })
        .collect();
    for chain in &chains {
        let (chain, rt2) = (chain.clone(), rt.clone());
        rt.spawn("producer", async move {
            loop {
                rt2.sleep(Duration::from_millis(BLOCK_MS)).await;
                let now = Timestamp(rt2.unix_time_ms());
                chain.lock().unwrap().produce(now).unwrap();
            }
        });
    }
    let alice = AccountKey::devnet("alice");
    for nonce in 0..n {
        let tx = Tx {
            chain_id: ChainId(1),
            signer: alice.address(),
            nonce,
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: ChainId(2),
                receiver: strait_devnet_api::apps::counter(),
                options: DeliveryOptions {
                    ordered: nonce.is_multiple_of(2),
                    ..Default::default()
                },
                payload: nonce.to_be_bytes().to_vec(),
            },
        }
        .sign(&alice);
        chains[0].lock().unwrap().submit(tx).unwrap();
    }
    let poll = Duration::from_millis(10);
    let src = SimChainClient::new(
        chains[0].clone(),
        rt.clone(),
        AccountKey::devnet("relayer"),
        poll,
    );
    let dst = SimChainClient::new(
        chains[1].clone(),
        rt.clone(),
        AccountKey::devnet("relayer"),
        poll,
    );
    // Wait for the sends to be in a block, then relay them in one submission.
    rt.sleep(Duration::from_millis(2 * BLOCK_MS)).await;
    let height = SourceChain::latest_height(&src).await.unwrap();
    let page = src.outbox_page(ChainId(2), 0, 4096).await.unwrap();
    assert_eq!(page.messages.len() as u64, n);
    let ids: Vec<_> = page.messages.iter().map(|m| m.id).collect();
    // Nothing received yet: the chain's mirror of its receipts starts empty.
    assert!(dst.received(&ids).await.unwrap().iter().all(|r| !r));
    let verifier = dst.verifier_of(ChainId(1)).await.unwrap();
    let leaves: Vec<u64> = page.messages.iter().map(|m| m.leaf_index).collect();
    let proof = src.multiproof(&leaves, height).await.unwrap();
    let report = dst
        .relay(RelayWork {
            updates: vec![VerifierUpdate::bft(
                verifier.client,
                verifier.latest_height,
                &src.light_block(height).await.unwrap(),
            )],
            advances: vec![],
            batches: vec![BatchDelivery {
                packets: page
                    .messages
                    .iter()
                    .map(|m| Packet::clone(&m.packet))
                    .collect(),
                proof,
                proof_height: height,
            }],
        })
        .await
        .unwrap();
    assert_eq!(report.applied, Ok(()));
    assert!(
        report
            .deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Executed),
        "{report:?}"
    );
    assert!(dst.received(&ids).await.unwrap().iter().all(|r| *r));
    // The answers are the state's receipt keys, for these ids and for one never sent.
    let mut asked = ids.clone();
    asked.push(MessageId([7; 32]));
    let answers = dst.received(&asked).await.unwrap();
    assert_eq!(answers.last(), Some(&false));
    {
        let chain = chains[1].lock().unwrap();
        for (id, answer) in asked.iter().zip(answers) {
            let stored = chain.state().get(&keys::receipt(id)).is_some();
            assert_eq!(answer, stored, "{id}");
        }
    }
    // A second delivery of the same batch is refused as a duplicate, message by message.
    let again = dst
        .relay(RelayWork {
            batches: vec![BatchDelivery {
                packets: page
                    .messages
                    .iter()
                    .map(|m| Packet::clone(&m.packet))
                    .collect(),
                proof: src.multiproof(&leaves, height).await.unwrap(),
                proof_height: height,
            }],
            ..RelayWork::default()
        })
        .await
        .unwrap();
    assert!(again
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::AlreadyReceived));
    rt.sleep(Duration::from_millis(3 * BLOCK_MS)).await;
    let tip = |c: &Arc<Mutex<InProcessChain>>| {
        let c = c.lock().unwrap();
        c.light_block(c.latest_height()).unwrap().header().hash()
    };
    (tip(&chains[0]), tip(&chains[1]), report.deliveries.len())
}

#[test]
fn messages_relay_through_the_traits_between_in_process_chains() {
    let (_, _, delivered) = Executor::seeded(5).run(|rt| scenario(rt, 40)).unwrap();
    assert_eq!(delivered, 40);
}

#[test]
fn the_same_seed_gives_the_same_chains() {
    let one = Executor::seeded(11).run(|rt| scenario(rt, 10)).unwrap();
    let two = Executor::seeded(11).run(|rt| scenario(rt, 10)).unwrap();
    assert_eq!(one, two);
}
