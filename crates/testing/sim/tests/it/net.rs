//! What the scenario tests share: chains that produce a block every [`BLOCK_MS`] and a relayer that
//! stops on request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_devnet_api::keys::AccountKey;
use strait_primitives::Timestamp;
use strait_relayer::{poll_heights, relay, Metrics, RelayerError, Settings};
use strait_runtime::deterministic::Runtime;
use strait_runtime::{Clock, JoinHandle, Spawner};
use strait_sim::{InProcessChain, SimChainClient};

use crate::BLOCK_MS;

/// Chains shared by the tasks of a run.
pub type Chains = Vec<Arc<Mutex<InProcessChain>>>;

/// Every chain produces a block every [`BLOCK_MS`]; `after` runs after each block.
pub fn produce(rt: &Runtime, chains: &Chains, after: impl Fn() + Clone + Send + 'static) {
    for chain in chains {
        let (chain, clock, after) = (chain.clone(), rt.clone(), after.clone());
        rt.spawn("producer", async move {
            loop {
                clock.sleep(Duration::from_millis(BLOCK_MS)).await;
                let now = Timestamp(clock.unix_time_ms());
                chain.lock().unwrap().produce(now).unwrap();
                after();
            }
        });
    }
}

/// A relayer between every pair of `chains`, signing as `account`.
pub struct TestRelayer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<Result<(), RelayerError>>,
}

impl TestRelayer {
    /// Starts it; over a bad network when `network_faults`.
    pub fn start(rt: &Runtime, chains: &Chains, account: &str, network_faults: bool) -> Self {
        let clients = chains
            .iter()
            .map(|c| {
                let mut client = SimChainClient::new(
                    c.clone(),
                    rt.clone(),
                    AccountKey::devnet(account),
                    Duration::from_millis(10),
                );
                if network_faults {
                    client = client.with_network_faults();
                }
                let heights = poll_heights(rt, client.clone(), Duration::from_millis(BLOCK_MS / 2));
                (client, heights)
            })
            .collect();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let settings = Settings {
            poll_interval: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
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
        Self { stop, task }
    }

    /// Stops it and waits for it; it must not have failed.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}
