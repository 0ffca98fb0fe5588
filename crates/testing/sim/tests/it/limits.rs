//! The relayer sizes every relay by the destination's `relay_limits()`, not by the devnet's
//! constants: a destination with tight limits (2 batches, 1 update, 48 KiB per relay) gets only
//! relays within them, reaches the batch limit, and still receives every message exactly once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_chain_client::{
    ChainError, DestinationChain, OutboxPage, RelayLimits, RelayReport, RelayWork, SourceChain,
    VerifierInfo,
};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_devnet_client::convert::{relay_body, RELAY_LIMITS};
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_node::apps::{storage_key, Counter};
use strait_node::devnet_specs;
use strait_packet::DeliveryOptions;
use strait_primitives::{ChainId, Height, MessageId, Timestamp};
use strait_relayer::{poll_heights, relay, Metrics, Settings};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Spawner};
use strait_sim::fixtures::produce_every;
use strait_sim::{chains_of, SimChainClient};

const BLOCK_MS: u64 = 50;
const MESSAGES: u64 = 60;
const PAYLOAD_LEN: usize = 2048;
const TIGHT: RelayLimits = RelayLimits {
    max_relay_bytes: 48 * 1024,
    max_updates: 1,
    max_batches: 2,
    ..RELAY_LIMITS
};

/// The largest relay seen, part by part.
#[derive(Debug, Default)]
struct Seen {
    relays: usize,
    max_bytes: usize,
    max_updates: usize,
    max_advances: usize,
    max_batches: usize,
}

/// An in-process chain that states `TIGHT` as its relay limits and records every relay's size.
#[derive(Clone)]
struct TightChain {
    inner: SimChainClient<Runtime>,
    key: Arc<AccountKey>,
    seen: Arc<Mutex<Seen>>,
}

impl SourceChain for TightChain {
    fn chain_id(&self) -> ChainId {
        SourceChain::chain_id(&self.inner)
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        SourceChain::latest_height(&self.inner).await
    }
    async fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        self.inner.outbox_page(destination, from_leaf, limit).await
    }
    async fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        self.inner.multiproof(leaves, height).await
    }
    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        self.inner.light_block(height).await
    }
}

impl DestinationChain for TightChain {
    fn chain_id(&self) -> ChainId {
        DestinationChain::chain_id(&self.inner)
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        DestinationChain::latest_height(&self.inner).await
    }
    async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, ChainError> {
        self.inner.received(ids).await
    }
    async fn verifier_of(&self, source: ChainId) -> Result<VerifierInfo, ChainError> {
        self.inner.verifier_of(source).await
    }
    fn relay_limits(&self) -> RelayLimits {
        TIGHT
    }
    async fn relay(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        let bytes = Tx {
            chain_id: DestinationChain::chain_id(self),
            signer: self.key.address(),
            nonce: u64::MAX,
            body: relay_body(work.clone()),
        }
        .sign(&self.key)
        .encode()
        .len();
        {
            let mut seen = self.seen.lock().unwrap();
            seen.relays += 1;
            seen.max_bytes = seen.max_bytes.max(bytes);
            seen.max_updates = seen.max_updates.max(work.updates.len());
            seen.max_advances = seen.max_advances.max(work.advances.len());
            seen.max_batches = seen.max_batches.max(work.batches.len());
        }
        self.inner.relay(work).await
    }
}

/// Sends `MESSAGES` messages of `PAYLOAD_LEN` bytes from chain 1 to chain 2 and relays them into
/// the tight chain. Returns the messages counted on chain 2 and what the relays looked like.
async fn world(rt: Runtime) -> (u64, Seen) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains = chains_of(&specs);
    produce_every(&rt, &chains, BLOCK_MS);
    let alice = AccountKey::devnet("alice");
    for nonce in 0..MESSAGES {
        let tx = Tx {
            chain_id: specs[0].chain_id,
            signer: alice.address(),
            nonce,
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: specs[1].chain_id,
                receiver: strait_devnet_api::apps::counter(),
                options: DeliveryOptions::default(),
                payload: vec![nonce as u8; PAYLOAD_LEN],
            },
        }
        .sign(&alice);
        chains[0].lock().unwrap().submit(tx).unwrap();
    }
    let key = Arc::new(AccountKey::devnet("relayer-0"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let links = chains
        .iter()
        .map(|c| {
            let chain = TightChain {
                inner: SimChainClient::new(
                    c.clone(),
                    rt.clone(),
                    AccountKey::devnet("relayer-0"),
                    Duration::from_millis(10),
                ),
                key: key.clone(),
                seen: seen.clone(),
            };
            let heights = poll_heights(&rt, chain.clone(), Duration::from_millis(BLOCK_MS / 2));
            (chain, heights)
        })
        .collect();
    let settings = Settings {
        max_batch: 8,
        poll_interval: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        ..Settings::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relayer = rt.spawn(
        "relayer",
        relay(
            rt.clone(),
            links,
            settings,
            Arc::new(Metrics::default()),
            async {
                let _ = stopped.await;
            },
        ),
    );
    let key = storage_key(
        &strait_devnet_api::apps::counter(),
        &Counter::count_key(specs[0].chain_id),
    );
    let count = || chains[1].lock().unwrap().state().get_u64(&key);
    for _ in 0..1_200 {
        if count() >= MESSAGES {
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    let _ = stop.send(());
    relayer.await.unwrap().unwrap();
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    (count(), seen)
}

#[test]
fn relays_stay_within_the_destinations_limits() {
    let (delivered, seen) = Executor::seeded(7).run(world).unwrap();
    assert_eq!(delivered, MESSAGES, "{seen:?}");
    assert!(seen.max_bytes <= TIGHT.max_relay_bytes, "{seen:?}");
    assert!(seen.max_updates <= TIGHT.max_updates, "{seen:?}");
    assert!(seen.max_advances <= TIGHT.max_advances, "{seen:?}");
    // The batch limit is reached, never crossed; the byte limit makes more relays than the counts
    // alone would (at most 16 messages of 2 KiB per relay by count, fewer by bytes).
    assert_eq!(seen.max_batches, TIGHT.max_batches, "{seen:?}");
    assert!(seen.relays as u64 > MESSAGES.div_ceil(16), "{seen:?}");
}
