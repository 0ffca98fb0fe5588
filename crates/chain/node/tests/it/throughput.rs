//! A throughput probe (ignored by default; run with `--ignored --nocapture`): N sends on chain 1,
//! relayed to chain 2 in batches of up to 1000 with multiproofs. Prints messages per second; asserts
//! only correctness (speed is never asserted in tests).

use std::time::Instant;

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_devnet_api::HexBytes;
use strait_packet::DeliveryOptions;
use strait_primitives::ChainId;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "throughput probe; run explicitly"]
async fn relay_throughput_probe() {
    const N: usize = 4000;
    let (_specs, _dir, a, b) = two_nodes("throughput").await;
    let (ca, cb) = (http(&a), http(&b));
    let relayer = AccountKey::devnet("relayer");
    let senders: Vec<AccountKey> = (0..8)
        .map(|i| AccountKey::devnet(&format!("load-{i}")))
        .collect();
    let start = Instant::now();
    let mut last = None;
    for i in 0..N {
        let key = &senders[i % senders.len()];
        let tx = Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce: (i / senders.len()) as u64,
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: ChainId(2),
                receiver: apps::counter(),
                options: DeliveryOptions::default(),
                payload: vec![7; 32],
            },
        }
        .sign(key);
        last = Some(ca.submit_transaction(HexBytes(tx.encode())).await.unwrap());
    }
    let submitted = start.elapsed();
    wait_result(&ca, last.unwrap()).await;
    let mut from = 0u64;
    let mut delivered = 0usize;
    while delivered < N {
        let relay = build_relay(&ca, &cb, ChainId(2), from).await;
        from = relay.batch.proof.leaf_indices.last().unwrap().get() + 1;
        let tx = sign(&cb, ChainId(2), &relayer, relay_body(&relay)).await;
        let result = submit(&cb, &tx).await;
        assert!(result.success && result.deliveries.iter().all(|d| d.error.is_none()));
        delivered += result.deliveries.len();
    }
    let elapsed = start.elapsed();
    println!(
        "{N} messages: submitted in {:?}, delivered end to end in {:?}: {:.0} msg/s",
        submitted,
        elapsed,
        N as f64 / elapsed.as_secs_f64()
    );
    a.stop().await;
    b.stop().await;
}
