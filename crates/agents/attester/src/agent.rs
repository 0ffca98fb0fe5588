//! The attester's loop: follow the source's final heights, sign each new outbox size once, halt on
//! a changed history.
//!
//! A checkpoint is signed at the lowest final height at which the outbox reached its leaf count, so
//! honest attesters that follow one source sign the same checkpoints and their signatures combine
//! into one certificate whatever their polling times.

use core::future::Future;
use core::time::Duration;
use std::sync::Arc;

use strait_attest::Checkpoint;
use strait_chain_client::{Attestation, OutboxHistory, OutboxState};
use strait_primitives::{Hash32, Height};
use strait_runtime::{timeout, Runtime};

use crate::board::Publish;
use crate::record::{Recorded, SigningRecord};
use crate::{AttesterError, AttesterKey};

/// Checkpoints re-published from the record at start (signing a recorded root again is safe).
pub const REPUBLISH_ON_START: usize = 256;

/// What an attester signs for and how it follows its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttesterConfig {
    /// The committee id on the destination (`[STRAIT-ATTEST.3]`).
    pub committee_id: Hash32,
    /// The committee's epoch on the destination.
    pub epoch: u64,
    /// Blocks below the source's latest height a height must be to count as final.
    pub finality_depth: u64,
    /// How often to look at the source.
    pub poll_interval: Duration,
    /// Most source heights examined in one step.
    pub max_heights_per_step: u64,
}

impl AttesterConfig {
    /// A configuration for `committee_id` at `epoch`, with the devnet's finality (2 blocks), a
    /// 500 ms poll and at most 1,024 heights per step.
    pub fn new(committee_id: Hash32, epoch: u64) -> Self {
        Self {
            committee_id,
            epoch,
            finality_depth: 2,
            poll_interval: Duration::from_millis(500),
            max_heights_per_step: 1024,
        }
    }
}

/// What a step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepReport {
    /// The highest final height examined so far.
    pub final_height: Option<Height>,
    /// Checkpoints signed in this step.
    pub signed: usize,
}

/// One attester: a key, its record, its source and where it publishes.
pub struct Attester<S, P> {
    source: S,
    key: AttesterKey,
    record: Arc<SigningRecord>,
    publish: P,
    config: AttesterConfig,
}

impl<S: OutboxHistory, P: Publish> Attester<S, P> {
    /// An attester of `source`; refuses to start if the record says it halted (`Halted`), and
    /// re-publishes its last [`REPUBLISH_ON_START`] recorded checkpoints.
    pub fn start(
        source: S,
        key: AttesterKey,
        record: Arc<SigningRecord>,
        publish: P,
        config: AttesterConfig,
    ) -> Result<Self, AttesterError> {
        if let Some(reason) = record.halted(source.chain_id())? {
            return Err(AttesterError::Halted(reason));
        }
        let attester = Self {
            source,
            key,
            record,
            publish,
            config,
        };
        for checkpoint in attester
            .record
            .last_signed(attester.source.chain_id(), REPUBLISH_ON_START)?
        {
            attester.publish.publish(attester.attestation(&checkpoint));
        }
        Ok(attester)
    }

    /// The key's signature of `checkpoint`, as published.
    fn attestation(&self, checkpoint: &Checkpoint) -> Attestation {
        let message = checkpoint.sign_bytes(&self.config.committee_id, self.config.epoch);
        Attestation {
            checkpoint: *checkpoint,
            kind: self.key.kind(),
            committee_id: self.config.committee_id,
            epoch: self.config.epoch,
            signer: self.key.member(),
            signature: self.key.sign(&message),
        }
    }

    /// `[STRAIT-ATTEST.11]` Records `checkpoint` durably, then signs and publishes it; a record of
    /// another root for its leaf count refuses (`WouldEquivocate`) before any signature exists.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<Attestation, AttesterError> {
        match self.record.record(checkpoint)? {
            Recorded::New => {}
            Recorded::Again(before) if before == *checkpoint => {}
            // Same root and count at another height: sign what was recorded.
            Recorded::Again(before) => return Ok(self.publish_signed(&before)),
        }
        Ok(self.publish_signed(checkpoint))
    }

    fn publish_signed(&self, checkpoint: &Checkpoint) -> Attestation {
        let attestation = self.attestation(checkpoint);
        self.publish.publish(attestation.clone());
        attestation
    }

    /// Records the halt durably and raises the alert; returns `error`.
    fn halt(&self, error: AttesterError) -> AttesterError {
        let chain = self.source.chain_id();
        tracing::error!(%chain, alert = true, %error, "ATTESTER HALTED: the source's final history is not what was signed; an operator must investigate before it signs again");
        if let Err(e) = self.record.halt(chain, &error.to_string()) {
            tracing::error!(%chain, %e, "could not record the halt");
        }
        error
    }

    fn checkpoint(&self, state: OutboxState) -> Checkpoint {
        Checkpoint {
            source_chain: self.source.chain_id(),
            outbox_root: state.root,
            leaf_count: state.count,
            source_height: state.height,
        }
    }

    /// One look at the source: re-checks the last final state examined, then examines the next
    /// final heights (at most `max_heights_per_step`), signing each new leaf count at the height
    /// it first appears. A changed history halts (`HistoryChanged`, `NotAppendOnly`,
    /// `WouldEquivocate`); a source request that failed is returned as is.
    pub async fn step(&self) -> Result<StepReport, AttesterError> {
        let chain = self.source.chain_id();
        if let Some(reason) = self.record.halted(chain)? {
            return Err(AttesterError::Halted(reason));
        }
        let latest = self.source.latest_height().await?;
        let Some(final_height) = latest.get().checked_sub(self.config.finality_depth) else {
            return Ok(StepReport::default());
        };
        let mut tip = self.record.tip(chain)?;
        if let Some(tip) = &tip {
            let now = self.checkpoint(self.source.outbox_at(tip.source_height).await?);
            if now.outbox_root != tip.outbox_root || now.leaf_count != tip.leaf_count {
                return Err(self.halt(AttesterError::HistoryChanged {
                    chain,
                    height: tip.source_height,
                    got: now.outbox_root,
                    expected: tip.outbox_root,
                }));
            }
        }
        let from = tip.map_or(0, |t| t.source_height.get().saturating_add(1));
        let to = final_height
            .min(from.saturating_add(self.config.max_heights_per_step.saturating_sub(1)));
        let mut report = StepReport {
            final_height: tip.map(|t| t.source_height),
            signed: 0,
        };
        // Each new leaf count of the step, recorded all at once before any is signed.
        let mut fresh = Vec::new();
        for height in from..=to {
            let state = self.source.outbox_at(Height(height)).await?;
            if state.height != Height(height) {
                return Err(AttesterError::Chain(
                    strait_chain_client::ChainError::BadData {
                        chain,
                        what: "outbox",
                        reason: format!("asked height {height}, got {}", state.height),
                    },
                ));
            }
            let next = self.checkpoint(state);
            let before_count = tip.map_or(0, |t| t.leaf_count);
            if let Some(before) = tip {
                let changed =
                    next.leaf_count == before.leaf_count && next.outbox_root != before.outbox_root;
                if next.leaf_count < before.leaf_count || changed {
                    return Err(self.halt(AttesterError::NotAppendOnly {
                        chain,
                        before: Box::new(before),
                        after: Box::new(next),
                    }));
                }
            }
            if next.leaf_count > before_count {
                fresh.push(next);
            }
            tip = Some(next);
            report.final_height = Some(Height(height));
        }
        // [STRAIT-ATTEST.11] the record of every checkpoint (and the new tip) is synced, in one
        // commit, before any of their signatures exists.
        let recorded = match self.record.record_all(&fresh, tip.as_ref()) {
            Ok(recorded) => recorded,
            Err(e @ AttesterError::WouldEquivocate { .. }) => return Err(self.halt(e)),
            Err(e) => return Err(e),
        };
        for (next, recorded) in fresh.iter().zip(recorded) {
            match recorded {
                Recorded::New => {}
                Recorded::Again(before) if before == *next => {}
                // Same root and count at another height: sign what was recorded.
                Recorded::Again(before) => {
                    self.publish_signed(&before);
                    report.signed += 1;
                    continue;
                }
            }
            self.publish_signed(next);
            report.signed += 1;
            tracing::debug!(%chain, height = %next.source_height, leaf_count = next.leaf_count, root = %next.outbox_root, "checkpoint signed");
        }
        Ok(report)
    }

    /// Steps every poll interval until `shutdown` completes or the attester halts; a transient
    /// source failure is logged and retried at the next poll.
    pub async fn run<R: Runtime>(
        self,
        rt: R,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), AttesterError> {
        let mut shutdown = Box::pin(shutdown);
        loop {
            match self.step().await {
                Ok(_) => {}
                Err(e) if e.is_transient() => {
                    tracing::warn!(chain = %self.source.chain_id(), %e, "source unavailable, retrying")
                }
                Err(e) => return Err(e),
            }
            if timeout(&rt, self.config.poll_interval, shutdown.as_mut())
                .await
                .is_ok()
            {
                return Ok(());
            }
        }
    }
}
