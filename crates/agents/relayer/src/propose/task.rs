//! The relayer's proposers as tasks (`[STRAIT-OPT.3]`, `[STRAIT-ROUTE.7]`): one per optimistic
//! client it is told to propose to, each running [`Proposer::step`] whenever its source moves (or
//! every poll interval), backing off after errors, until told to stop.

use core::time::Duration;
use std::collections::BTreeSet;
use std::sync::Arc;

use strait_chain_client::{DisputeChain, OutboxHistory};
use strait_primitives::{Address32, ChainId, ClientId, Height};
use strait_runtime::Runtime;
use tokio::sync::watch;

use super::{ProposePolicy, Proposer};
use crate::plan::Backoff;
use crate::{RelayerError, Settings};

/// Most optimistic clients one relayer proposes to (one task each).
pub const MAX_PROPOSE_TO: usize = 16;

/// An optimistic client on `destination` that the relayer proposes `source`'s outbox roots to
/// (`[STRAIT-OPT.3]`). The bonds are paid by the account the destination's adapter signs with,
/// which must be `account` (it tells the proposer's own pending proposals from others').
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposeTo {
    /// The chain whose outbox roots are proposed.
    pub source: ChainId,
    /// The chain that holds the client.
    pub destination: ChainId,
    /// The optimistic client (kind 6) on `destination`.
    pub client: ClientId,
    /// The account the destination's adapter signs (and bonds) with.
    pub account: Address32,
    /// Pacing: most of its proposals pending at once.
    pub policy: ProposePolicy,
}

/// Checks `targets` against the relayer's chains: at most [`MAX_PROPOSE_TO`], each between two
/// distinct chains of `chains`, no client named twice.
pub fn check_targets(targets: &[ProposeTo], chains: &[ChainId]) -> Result<(), RelayerError> {
    if targets.len() > MAX_PROPOSE_TO {
        return Err(RelayerError::Config(format!(
            "{} optimistic clients to propose to, at most {MAX_PROPOSE_TO}",
            targets.len()
        )));
    }
    let mut seen = BTreeSet::new();
    for t in targets {
        if t.source == t.destination
            || !chains.contains(&t.source)
            || !chains.contains(&t.destination)
        {
            return Err(RelayerError::Config(format!(
                "client {} proposes from {} to {}: not two distinct chains of the relayer",
                t.client, t.source, t.destination
            )));
        }
        if !seen.insert((t.destination, t.client)) {
            return Err(RelayerError::Config(format!(
                "client {} on {} named twice to propose to",
                t.client, t.destination
            )));
        }
    }
    Ok(())
}

/// Proposes `source`'s roots to `target.client` on `destination` until `stop` is set: a step at
/// each new source height (`heights`) or every `settings.poll_interval`, at most one proposal per step.
/// Every `select!` is biased, so a run on the deterministic runtime is reproduced by its seed.
pub async fn drive_proposer<R, S, D>(
    rt: R,
    source: S,
    destination: D,
    target: ProposeTo,
    mut heights: watch::Receiver<Height>,
    settings: Arc<Settings>,
    mut stop: watch::Receiver<bool>,
) where
    R: Runtime,
    S: OutboxHistory,
    D: DisputeChain,
{
    let mut proposer = Proposer::new(target.client, target.account, target.policy);
    let mut backoff = Backoff::new(Duration::from_millis(100), settings.max_backoff);
    let poll_interval = settings.poll_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        let step = proposer.step(&source, &destination);
        tokio::pin!(step);
        let wait = tokio::select! {
            biased;
            _ = stop.changed() => return,
            r = &mut step => match r {
                Ok(Some(report)) => {
                    match &report.applied {
                        Ok(()) => tracing::info!(client = %target.client, dst = %target.destination, height = %report.height, "root proposed"),
                        Err((name, reason)) => tracing::warn!(client = %target.client, dst = %target.destination, %name, %reason, "proposal refused"),
                    }
                    backoff.reset();
                    None
                }
                Ok(None) => {
                    backoff.reset();
                    None
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    tracing::debug!(client = %target.client, dst = %target.destination, error = %e, retry_ms = delay.as_millis() as u64, "proposer step failed");
                    Some(delay)
                }
            },
        };
        let sleep = rt.sleep(wait.unwrap_or(poll_interval));
        tokio::select! {
            biased;
            _ = stop.changed() => return,
            r = heights.changed(), if wait.is_none() => {
                if r.is_err() {
                    rt.sleep(poll_interval).await;
                }
            }
            () = sleep => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(source: u64, destination: u64, client: u64) -> ProposeTo {
        ProposeTo {
            source: ChainId(source),
            destination: ChainId(destination),
            client: ClientId(client),
            account: Address32([1; 32]),
            policy: ProposePolicy::default(),
        }
    }

    #[test]
    fn targets_are_bounded_at_and_past_the_limit_and_name_the_relayers_chains() {
        let chains = [ChainId(1), ChainId(2)];
        let at: Vec<_> = (0..MAX_PROPOSE_TO as u64).map(|c| to(1, 2, c)).collect();
        assert!(check_targets(&at, &chains).is_ok());
        let past: Vec<_> = (0..=MAX_PROPOSE_TO as u64).map(|c| to(1, 2, c)).collect();
        assert!(check_targets(&past, &chains).is_err());
        assert!(check_targets(&[to(1, 1, 0)], &chains).is_err(), "one chain");
        assert!(
            check_targets(&[to(1, 3, 0)], &chains).is_err(),
            "unknown chain"
        );
        assert!(
            check_targets(&[to(1, 2, 0), to(1, 2, 0)], &chains).is_err(),
            "twice"
        );
        assert!(check_targets(&[to(1, 2, 0), to(2, 1, 0)], &chains).is_ok());
    }
}
