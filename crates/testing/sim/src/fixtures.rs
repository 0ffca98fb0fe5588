//! Pieces of test setup shared by the simulator's scenarios and the agents' end-to-end tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_devnet_api::keys::AccountKey;
use strait_endpoint::AppError;
use strait_node::apps::{App, AppCallError, AppContext};
use strait_node::extensions::Extensions;
use strait_node::ChainSpec;
use strait_packet::Packet;
use strait_primitives::{ChainId, ClientId, Height, Timestamp};
use strait_relayer::{poll_heights, Settings};
use strait_runtime::deterministic::Runtime;
use strait_runtime::{Clock, Spawner};
use tokio::sync::watch;

use crate::{InProcessChain, SimChainClient};

/// A receiver that acks every message and trusts, for `source`, whichever client a call names
/// (the call's data: the client id, 8 bytes big-endian).
#[derive(Clone, Copy, Debug)]
pub struct ChoosingVault {
    /// The app's name, as the chain reports it.
    pub name: &'static str,
    /// The chain whose client a call chooses.
    pub source: ChainId,
}

impl ChoosingVault {
    /// The vault called `name`, choosing clients of `source`.
    pub const fn new(name: &'static str, source: ChainId) -> Self {
        Self { name, source }
    }
}

impl App for ChoosingVault {
    fn name(&self) -> &'static str {
        self.name
    }
    fn receive(&self, _: &mut AppContext<'_>, _: &Packet) -> Result<Vec<u8>, AppError> {
        Ok(b"ok".to_vec())
    }
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let client: [u8; 8] = data
            .try_into()
            .map_err(|_| AppCallError::BadData("client id"))?;
        ctx.choose_client(self.source, ClientId(u64::from_be_bytes(client)))
            .map_err(AppCallError::Refused)
    }
}

/// A chain shared between the test, its producer and its clients.
pub type Shared = Arc<Mutex<InProcessChain>>;

/// The first two chains of `specs` at genesis, each knowing the other: the source, and the
/// destination running `ext` (leaked: a chain's extensions live as long as the test).
pub fn source_and_dest(specs: &[ChainSpec], ext: Extensions) -> (Shared, Shared) {
    let source = InProcessChain::genesis(specs[0], vec![specs[1]]);
    let dest = InProcessChain::genesis_with(specs[1], vec![specs[0]], Box::leak(Box::new(ext)));
    (Arc::new(Mutex::new(source)), Arc::new(Mutex::new(dest)))
}

/// Each of `chains` produces a block every `block_ms` of `rt`'s clock, stamped with that clock's
/// time; a block the chain refuses to produce is a bug of the test and panics.
pub fn produce_every<'a>(
    rt: &Runtime,
    chains: impl IntoIterator<Item = &'a Shared>,
    block_ms: u64,
) {
    for chain in chains {
        let (chain, clock) = (chain.clone(), rt.clone());
        rt.spawn("producer", async move {
            loop {
                clock.sleep(Duration::from_millis(block_ms)).await;
                let now = Timestamp(clock.unix_time_ms());
                chain.lock().unwrap().produce(now).unwrap();
            }
        });
    }
}

/// The relayer's clients of `chains`, signing as `who` and polling every 10 ms, each with a
/// watch of its chain's height polled every `heights_ms`.
pub fn relayer_links<'a>(
    rt: &Runtime,
    chains: impl IntoIterator<Item = &'a Shared>,
    who: &str,
    heights_ms: u64,
) -> Vec<(SimChainClient<Runtime>, watch::Receiver<Height>)> {
    chains
        .into_iter()
        .map(|chain| {
            let client = SimChainClient::new(
                chain.clone(),
                rt.clone(),
                AccountKey::devnet(who),
                Duration::from_millis(10),
            );
            let heights = poll_heights(rt, client.clone(), Duration::from_millis(heights_ms));
            (client, heights)
        })
        .collect()
}

/// The relayer's settings in these scenarios: a round every 100 ms, backing off 200 ms at most.
pub fn quick_settings() -> Settings {
    Settings {
        poll_interval: Duration::from_millis(100),
        max_backoff: Duration::from_millis(200),
        ..Settings::default()
    }
}
