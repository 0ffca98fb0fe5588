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

use crate::committees::{devnet_committee, member_key};
use crate::evm_devnet::committee_kind;

/// The running attesters of the EVM chains.
pub(crate) struct EvmAttesters {
    /// Their boards (one per member and chain).
    pub(crate) boards: Vec<Board>,
    tasks: Vec<(watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
}

/// Starts every member of the committee on each of `sources` on `runtime`, polling every `poll`.
pub(crate) fn start<S: OutboxHistory + Clone>(
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
        tasks: Vec::new(),
    };
    for source in sources {
        let chain = source.chain_id();
        for index in kind.first..=kind.first + (kind.members - 1) {
            let path = records_dir.join(format!("{}-{chain}-{index}.redb", kind.label));
            let record = Arc::new(
                SigningRecord::open(&path)
                    .with_context(|| format!("opening {}", path.display()))?,
            );
            let board = Board::default();
            // The source adapter answers only past its confirmation depth: no second depth here.
            let config = AttesterConfig {
                poll_interval: poll,
                finality_depth: 0,
                ..AttesterConfig::new(committee_id, 0)
            };
            let attester = Attester::start(
                source.clone(),
                member_key(kind, index)?,
                record,
                board.clone(),
                config,
            )
            .with_context(|| format!("starting attester {}-{chain}-{index}", kind.label))?;
            let (stop, mut stopped) = watch::channel(false);
            let task = runtime.spawn(async move {
                let shutdown = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                if let Err(e) = attester
                    .run(strait_runtime::tokio::TokioRuntime::new(), shutdown)
                    .await
                {
                    tracing::error!(error = %e, "an EVM chain's attester halted");
                }
            });
            out.boards.push(board);
            out.tasks.push((stop, task));
        }
    }
    Ok(out)
}

impl EvmAttesters {
    /// Stops them and waits (at most 5 s each) for them to release their signing records.
    pub(crate) async fn stop(self) {
        for (stop, _) in &self.tasks {
            let _ = stop.send(true);
        }
        for (_, task) in self.tasks {
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("an EVM chain's attester did not stop within 5 s");
            }
        }
    }
}
