//! The attesters of the devnet's EVM chains: the devnet's 3-of-4 ECDSA committee (the members of
//! the native chains' ECDSA committees, devnet keys from public seeds) signs each EVM chain's
//! outbox checkpoints, following it through its source adapter's outbox history (past the
//! adapter's confirmation depth, then the attester's own finality depth), each member with its
//! signing record under `<data-dir>/evm-attesters/` and its board, read by the in-process relayer.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use strait_attester::{Attester, AttesterConfig, Board, SigningRecord};
use strait_chain_client::OutboxHistory;
use tokio::sync::watch;

use crate::committees::{devnet_committee, member_key, spawn_attester};
use crate::evm_devnet::committee_kind;

/// A member's attester task: the sender that stops it, and the task.
type Running = (watch::Sender<bool>, tokio::task::JoinHandle<()>);
/// Starts a member's attester from its configuration and signing record alone.
type Spawn = Box<dyn Fn() -> anyhow::Result<Running> + Send + Sync>;

/// The running attesters of the EVM chains.
pub(crate) struct EvmAttesters {
    /// Their boards (one per member and chain).
    pub(crate) boards: Vec<Board>,
    /// Per board, the member's name, how to start it, and its running task.
    members: Vec<(String, Spawn, Option<Running>)>,
}

/// Starts every member of the committee on each of `sources` on `runtime`, polling every `poll`.
pub(crate) fn start<S: OutboxHistory + Clone + Send + Sync + 'static>(
    sources: &[S],
    records_dir: &Path,
    poll: Duration,
    runtime: &tokio::runtime::Handle,
) -> anyhow::Result<EvmAttesters> {
    let kind = committee_kind();
    let (_, committee_id) = devnet_committee(kind)?;
    std::fs::create_dir_all(records_dir)
        .with_context(|| format!("creating {}", records_dir.display()))?;
    let mut out = EvmAttesters {
        boards: Vec::new(),
        members: Vec::new(),
    };
    for source in sources {
        let chain = source.chain_id();
        for index in kind.first..=kind.first + (kind.members - 1) {
            let name = format!("{}-{chain}-{index}", kind.label);
            let path = records_dir.join(format!("{name}.redb"));
            let board = Board::default();
            // The source adapter answers only past its confirmation depth: no second depth here.
            let config = AttesterConfig {
                poll_interval: poll,
                finality_depth: 0,
                ..AttesterConfig::new(committee_id, 0)
            };
            let (source, published, runtime) = (source.clone(), board.clone(), runtime.clone());
            let label = name.clone();
            let spawn: Spawn = Box::new(move || {
                let record = Arc::new(
                    SigningRecord::open(&path)
                        .with_context(|| format!("opening {}", path.display()))?,
                );
                let attester = Attester::start(
                    source.clone(),
                    member_key(kind, index)?,
                    record,
                    published.clone(),
                    config,
                )
                .with_context(|| format!("starting attester {label}"))?;
                Ok(spawn_attester(
                    &runtime,
                    attester,
                    "an EVM chain's attester halted",
                ))
            });
            let running = spawn()?;
            out.boards.push(board);
            out.members.push((name, spawn, Some(running)));
        }
    }
    Ok(out)
}

impl EvmAttesters {
    /// How many attesters run (members times chains).
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// The name of attester `i` (`<kind>-<chain>-<member>`).
    pub(crate) fn name(&self, i: usize) -> &str {
        self.members.get(i).map_or("", |m| m.0.as_str())
    }

    /// Crashes attester `i` (its task aborted at its next await point: whatever it held in
    /// memory is gone, its signing record closed) and, after `down`, starts it again from its
    /// configuration and signing record alone.
    pub(crate) async fn restart(&mut self, i: usize, down: Duration) -> anyhow::Result<()> {
        let (name, spawn, running) = self
            .members
            .get_mut(i)
            .with_context(|| format!("no attester {i}"))?;
        if let Some((_, task)) = running.take() {
            task.abort();
            let _ = task.await;
        }
        tokio::time::sleep(down).await;
        *running = Some(spawn().with_context(|| format!("restarting attester {name}"))?);
        Ok(())
    }

    /// Stops them and waits (at most 5 s each) for them to release their signing records.
    pub(crate) async fn stop(self) {
        let tasks: Vec<Running> = self.members.into_iter().filter_map(|m| m.2).collect();
        for (stop, _) in &tasks {
            let _ = stop.send(true);
        }
        for (_, task) in tasks {
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("an EVM chain's attester did not stop within 5 s");
            }
        }
    }
}
