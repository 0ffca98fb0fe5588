//! The watcher's loop: each step reads attesters' boards into the committees' ledgers, then every
//! destination's clients, height by height, against their sources.

use core::future::Future;
use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::Arc;

use strait_chain_client::{
    AttestationSource, ChainError, DestinationChain, OutboxHistory, SourceChain, VerifierInfo,
};
use strait_light_client::{Options, TrustThreshold};
use strait_primitives::{ChainId, ClientId, Height};
use strait_runtime::{timeout, Runtime};

use crate::chain::{EvidenceSink, VerifierReader, Vouched, MAX_READ_ITEMS};
use crate::ledger::{Ledger, WatchedCommittee};
use crate::{Finding, Report, Response};

/// Leaf counts of one committee asked of the boards in one step.
pub const MAX_COUNTS_PER_STEP: u64 = 64;
/// Leaf counts below the last one read that are read again each step: attesters publish when a
/// height is final on their side, so a lower count may appear after a higher one.
pub const LATE_COUNTS: u64 = 8;
/// Times one piece of evidence is submitted before the watcher only alerts.
pub const MAX_ATTEMPTS: u8 = 3;
/// Findings remembered (so evidence is not submitted again every step); the oldest go first.
pub const MAX_REMEMBERED: usize = 4096;

/// A chain the watcher follows, both as a source and as a destination.
pub trait WatchedChain:
    SourceChain + OutboxHistory + DestinationChain + VerifierReader + EvidenceSink + Clone
{
}

impl<T> WatchedChain for T where
    T: SourceChain + OutboxHistory + DestinationChain + VerifierReader + EvidenceSink + Clone
{
}

/// How a watcher paces and bounds itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatcherConfig {
    /// How often to step.
    pub poll_interval: Duration,
    /// Deadline of every chain or board request.
    pub call_timeout: Duration,
    /// Source heights below a client's latest looked at again after a (re)start: the watcher
    /// keeps no durable state, it recomputes from chain state.
    pub rescan_heights: u64,
    /// Most heights of one client checked in one step.
    pub max_heights_per_step: usize,
    /// Options the watcher verifies a BFT light block with before submitting it (the
    /// destination's client checks it again with its own).
    pub bft_options: Options,
}

impl Default for WatcherConfig {
    /// A 500 ms poll, 10 s deadlines, 1,024 heights rescanned, 64 heights per client and step,
    /// and the devnet's BFT options (one third, two weeks, 10 s of drift).
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            call_timeout: Duration::from_secs(10),
            rescan_heights: 1024,
            max_heights_per_step: 64,
            bft_options: Options {
                trust_threshold: TrustThreshold::ONE_THIRD,
                trusting_period_ms: 14 * 24 * 3600 * 1000,
                max_clock_drift_ms: 10_000,
            },
        }
    }
}

/// Where the watcher is in one client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor {
    /// The next source height to check.
    pub(crate) next: Height,
    /// The highest height at which the client agreed with its source (a BFT update's trusted
    /// height).
    pub(crate) agreed: Option<Height>,
}

/// A watcher of `chains` (every one a source and a destination), with optional attester boards.
pub struct Watcher<C, R> {
    pub(crate) rt: R,
    pub(crate) chains: Vec<C>,
    pub(crate) boards: Option<Arc<dyn AttestationSource>>,
    pub(crate) ledgers: Vec<Ledger>,
    /// Per committee, the next leaf count to ask the boards for.
    asked: Vec<u64>,
    pub(crate) cursors: BTreeMap<(ChainId, ClientId), Cursor>,
    /// Evidence attempts by (destination, client, height).
    pub(crate) attempts: BTreeMap<(ChainId, ClientId, Height), u8>,
    /// Committee clients found vouching for a contradicted checkpoint and not frozen yet: each
    /// step looks for a certificate of the truth that conflicts with it (the committee may sign
    /// the truth later).
    pub(crate) open: BTreeMap<(ChainId, ClientId), strait_attest::Checkpoint>,
    pub(crate) config: WatcherConfig,
}

impl<C: WatchedChain, R: Runtime> Watcher<C, R> {
    /// A watcher of `chains`; `boards` and `committees` for attester committees.
    pub fn new(
        rt: R,
        chains: Vec<C>,
        boards: Option<Arc<dyn AttestationSource>>,
        committees: Vec<WatchedCommittee>,
        config: WatcherConfig,
    ) -> Self {
        let asked = vec![0; committees.len()];
        Self {
            rt,
            chains,
            boards,
            ledgers: committees.into_iter().map(Ledger::new).collect(),
            asked,
            cursors: BTreeMap::new(),
            attempts: BTreeMap::new(),
            open: BTreeMap::new(),
            config,
        }
    }

    /// `future` under the call deadline; a deadline is a transient failure.
    pub(crate) async fn call<T>(
        &self,
        chain: ChainId,
        what: &'static str,
        future: impl Future<Output = Result<T, ChainError>>,
    ) -> Result<T, ChainError> {
        timeout(&self.rt, self.config.call_timeout, future)
            .await
            .unwrap_or_else(|_| {
                Err(ChainError::Unavailable {
                    chain,
                    what,
                    reason: "deadline elapsed".into(),
                })
            })
    }

    /// The attestations read so far, per watched committee.
    pub fn ledgers(&self) -> &[Ledger] {
        &self.ledgers
    }

    /// The clients whose vouched heights it compares with their sources, as `(destination,
    /// client)`: every unfrozen client it read whose source it watches too.
    pub fn followed(&self) -> impl Iterator<Item = (ChainId, ClientId)> + '_ {
        self.cursors.keys().copied()
    }

    pub(crate) fn chain(&self, id: ChainId) -> Option<&C> {
        self.chains.iter().find(|c| SourceChain::chain_id(*c) == id)
    }

    /// One look at every board and every client; returns what was found and done.
    pub async fn step(&mut self) -> Vec<Report> {
        let mut reports = Vec::new();
        self.read_boards(&mut reports).await;
        for index in 0..self.chains.len() {
            let destination = self.chains[index].clone();
            let id = DestinationChain::chain_id(&destination);
            let clients = match self
                .call(
                    id,
                    "clients",
                    destination.clients(ClientId(1), MAX_READ_ITEMS),
                )
                .await
            {
                Ok(clients) => clients,
                Err(e) => {
                    tracing::warn!(destination = %id, %e, "cannot read clients");
                    continue;
                }
            };
            for info in clients.iter().filter(|c| !c.frozen) {
                if let Err(e) = self
                    .check_client(&destination, info, &clients, &mut reports)
                    .await
                {
                    tracing::warn!(destination = %id, client = %info.client, %e, "cannot check client");
                }
                if let Some(report) = self.settle_open(&destination, info).await {
                    reports.push(report);
                }
            }
        }
        reports
    }

    /// Reads new attestations of every committee; an equivocation is a finding, and evidence
    /// when both checkpoints are certified.
    async fn read_boards(&mut self, reports: &mut Vec<Report>) {
        let Some(boards) = self.boards.clone() else {
            return;
        };
        for i in 0..self.ledgers.len() {
            let source = self.ledgers[i].watched.source;
            let mut seen = timeout(&self.rt, self.config.call_timeout, boards.latest(source))
                .await
                .unwrap_or_default();
            let top = seen
                .iter()
                .map(|a| a.checkpoint.leaf_count)
                .max()
                .unwrap_or(0);
            let from = self.asked[i]
                .saturating_sub(LATE_COUNTS)
                .max(top.saturating_sub(MAX_COUNTS_PER_STEP));
            for count in from..=top.min(from.saturating_add(MAX_COUNTS_PER_STEP)) {
                let found = timeout(
                    &self.rt,
                    self.config.call_timeout,
                    boards.attestations(source, count),
                )
                .await
                .unwrap_or_default();
                seen.extend(found);
            }
            // The top is asked again next step: an equivocating signer may publish late.
            self.asked[i] = top.max(self.asked[i]);
            let mut equivocations = Vec::new();
            for attestation in &seen {
                equivocations.extend(self.ledgers[i].add(attestation));
            }
            for e in equivocations {
                let watched = &self.ledgers[i].watched;
                let finding = Finding::Equivocation {
                    source,
                    committee_id: watched.committee_id,
                    member: e.member,
                    first: e.first,
                    second: e.second,
                };
                finding.alert();
                for response in self.submit_equivocation(i, &e.first, &e.second).await {
                    reports.push(Report {
                        finding: finding.clone(),
                        response,
                    });
                }
            }
        }
    }

    /// Checks `info`'s next heights against its source.
    async fn check_client(
        &mut self,
        destination: &C,
        info: &VerifierInfo,
        clients: &[VerifierInfo],
        reports: &mut Vec<Report>,
    ) -> Result<(), ChainError> {
        let dest = DestinationChain::chain_id(destination);
        let Some(source) = self.chain(info.source).cloned() else {
            return Ok(());
        };
        let key = (dest, info.client);
        let rescan = self.config.rescan_heights;
        let cursor = *self.cursors.entry(key).or_insert_with(|| Cursor {
            next: Height(info.latest_height.get().saturating_sub(rescan)),
            agreed: None,
        });
        let limit = self.config.max_heights_per_step.min(MAX_READ_ITEMS);
        let entries = self
            .call(
                dest,
                "vouched",
                destination.vouched(info.client, cursor.next, limit),
            )
            .await?;
        if entries.is_empty() {
            return Ok(());
        }
        let tip = self
            .call(
                info.source,
                "latest_height",
                SourceChain::latest_height(&source),
            )
            .await?;
        let mut cursor = cursor;
        for entry in entries {
            let height = entry.height();
            if height > tip {
                // Ahead of what the source shows: asked again once it is there.
                break;
            }
            let contradiction = match entry {
                Vouched::Header { header_hash, .. } => {
                    let honest = self
                        .call(info.source, "light_block", source.light_block(height))
                        .await?;
                    let expected = honest.header().hash();
                    if header_hash == expected {
                        cursor.agreed = Some(height);
                        None
                    } else {
                        let finding = Finding::Fork {
                            destination: dest,
                            client: info.client,
                            source: info.source,
                            height,
                            got: header_hash,
                            expected,
                        };
                        finding.alert();
                        let response = self
                            .submit_fork(destination, &source, info, cursor.agreed, &honest)
                            .await;
                        Some(Report { finding, response })
                    }
                }
                Vouched::Checkpoint(_) | Vouched::Root { .. } => {
                    let truth = self
                        .call(info.source, "outbox", source.outbox_at(height))
                        .await?;
                    let stored = match entry {
                        Vouched::Checkpoint(c) => Some(c),
                        _ => None,
                    };
                    let agrees = truth.root == entry.root()
                        && stored.is_none_or(|c| c.leaf_count == truth.count);
                    if agrees {
                        None
                    } else {
                        let finding = Finding::Contradicted {
                            destination: dest,
                            client: info.client,
                            source: info.source,
                            height,
                            got: entry.root(),
                            expected: truth.root,
                        };
                        finding.alert();
                        let response = self
                            .submit_contradiction(
                                destination,
                                &source,
                                info,
                                clients,
                                height,
                                stored,
                            )
                            .await;
                        Some(Report { finding, response })
                    }
                }
            };
            if let Some(report) = contradiction {
                let frozen = matches!(report.response, Response::Submitted { .. });
                let gave_up = self
                    .attempts
                    .get(&(dest, info.client, height))
                    .is_none_or(|&n| n >= MAX_ATTEMPTS);
                reports.push(report);
                if frozen {
                    // A frozen client vouches for nothing more.
                    self.cursors.remove(&key);
                    return Ok(());
                }
                if !gave_up {
                    // Looked at again next step, until evidence lands or attempts run out.
                    break;
                }
            }
            cursor.next = Height(height.get().saturating_add(1));
        }
        self.cursors.insert(key, cursor);
        Ok(())
    }

    /// Steps every poll interval until `shutdown` completes.
    pub async fn run(mut self, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = Box::pin(shutdown);
        loop {
            let reports = self.step().await;
            if !reports.is_empty() {
                tracing::info!(findings = reports.len(), "watcher step");
            }
            for report in &reports {
                report.response.log();
            }
            let rt = self.rt.clone();
            if timeout(&rt, self.config.poll_interval, shutdown.as_mut())
                .await
                .is_ok()
            {
                return;
            }
        }
    }
}
