//! Proposing source outbox roots to optimistic clients (`docs/SPEC.md` `[STRAIT-OPT.3]`): the
//! decision is the pure [`plan`]; [`Proposer::step`] reads the source's outbox and the client's
//! pending proposals through the chain-client traits and submits the proposal it plans.
//!
//! A proposer bonds value with every proposal, so it proposes only when the source's outbox grew
//! since its last proposal (new messages to carry), keeps at most `max_pending` of its proposals
//! in their window at once, and proposes only heights the source committed (an honest proposal is
//! never disputable).
//!
//! A relayer runs its proposers as tasks of its own ([`drive_proposer`]) when told which clients
//! to propose to ([`ProposeTo`], `strait_relayer::relay_proposing`).

use strait_chain_client::{
    ChainError, DisputeChain, OutboxHistory, PendingProposal, Proposal, SubmitReport,
};
use strait_primitives::{Address32, ClientId, Height};

mod task;

pub use task::{check_targets, drive_proposer, ProposeTo, MAX_PROPOSE_TO};

/// How a proposer paces its proposals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposePolicy {
    /// Most of its own proposals pending at once (its bond exposure), at least 1.
    pub max_pending: usize,
}

impl Default for ProposePolicy {
    fn default() -> Self {
        Self { max_pending: 4 }
    }
}

/// What the proposer knows of the source's outbox at its latest height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceTip {
    /// The height.
    pub height: Height,
    /// The outbox size there.
    pub leaf_count: u64,
}

/// The height to propose at, if any: the source's tip, when it is above every height proposed to
/// the client (pending, or proposed by this proposer before), when the outbox grew since this
/// proposer's last proposal, and when fewer than `policy.max_pending` of its proposals are pending.
pub fn plan(
    tip: SourceTip,
    pending: &[PendingProposal],
    me: &Address32,
    last: Option<Proposal>,
    policy: ProposePolicy,
) -> Option<Height> {
    let mine = pending.iter().filter(|p| p.proposer == *me).count();
    if mine >= policy.max_pending.max(1) {
        return None;
    }
    let highest = pending
        .iter()
        .map(|p| p.proposal.height)
        .chain(last.map(|p| p.height))
        .max()
        .unwrap_or(Height(0));
    if tip.height <= highest {
        return None;
    }
    if last.is_some_and(|l| tip.leaf_count <= l.leaf_count) {
        return None;
    }
    if last.is_none() && tip.leaf_count == 0 {
        return None;
    }
    Some(tip.height)
}

/// A proposer of one source's roots to one optimistic client on a destination.
#[derive(Clone, Debug)]
pub struct Proposer {
    /// The optimistic client on the destination.
    pub client: ClientId,
    /// The proposing account (as the destination adapter signs).
    pub account: Address32,
    /// Pacing.
    pub policy: ProposePolicy,
    last: Option<Proposal>,
}

impl Proposer {
    /// A proposer to `client`, signing as `account`.
    pub fn new(client: ClientId, account: Address32, policy: ProposePolicy) -> Self {
        Self {
            client,
            account,
            policy,
            last: None,
        }
    }

    /// The last proposal this proposer had accepted.
    pub fn last(&self) -> Option<Proposal> {
        self.last
    }

    /// One round: proposes the source's outbox at its latest height when [`plan`] says so.
    /// Returns the submission's report, `None` when there was nothing to propose.
    pub async fn step<S, D>(
        &mut self,
        source: &S,
        destination: &D,
    ) -> Result<Option<SubmitReport>, ChainError>
    where
        S: OutboxHistory,
        D: DisputeChain,
    {
        let height = source.latest_height().await?;
        let outbox = source.outbox_at(height).await?;
        let pending = destination.pending_proposals(self.client).await?;
        let tip = SourceTip {
            height,
            leaf_count: outbox.count,
        };
        let Some(height) = plan(tip, &pending, &self.account, self.last, self.policy) else {
            return Ok(None);
        };
        let proposal = Proposal {
            height,
            root: outbox.root,
            leaf_count: outbox.count,
        };
        let report = destination.propose_root(self.client, proposal).await?;
        match &report.applied {
            Ok(()) => self.last = Some(proposal),
            // Someone proposed at or above it: never propose below again.
            Err((name, _)) if name == "HeightNotIncreasing" => self.last = Some(proposal),
            Err(_) => {}
        }
        Ok(Some(report))
    }
}

#[cfg(test)]
mod tests {
    use strait_primitives::Hash32;

    use super::*;

    fn pending(height: u64, proposer: u8) -> PendingProposal {
        PendingProposal {
            proposal: Proposal {
                height: Height(height),
                root: Hash32([1; 32]),
                leaf_count: height,
            },
            proposer: Address32([proposer; 32]),
            bond: 5,
            matures_at_ms: 0,
        }
    }

    fn tip(height: u64, leaf_count: u64) -> SourceTip {
        SourceTip {
            height: Height(height),
            leaf_count,
        }
    }

    const ME: Address32 = Address32([7; 32]);

    #[test]
    fn it_proposes_the_tip_only_above_every_known_height_and_when_the_outbox_grew() {
        let policy = ProposePolicy::default();
        assert_eq!(
            plan(tip(5, 0), &[], &ME, None, policy),
            None,
            "nothing to carry"
        );
        assert_eq!(plan(tip(5, 1), &[], &ME, None, policy), Some(Height(5)));
        assert_eq!(plan(tip(5, 1), &[pending(5, 1)], &ME, None, policy), None);
        assert_eq!(
            plan(tip(6, 1), &[pending(5, 1)], &ME, None, policy),
            Some(Height(6))
        );
        let last = Some(pending(6, 7).proposal);
        assert_eq!(
            plan(tip(9, 6), &[], &ME, last, policy),
            None,
            "no new message"
        );
        assert_eq!(plan(tip(9, 7), &[], &ME, last, policy), Some(Height(9)));
        assert_eq!(
            plan(tip(6, 9), &[], &ME, last, policy),
            None,
            "not above its last"
        );
    }

    #[test]
    fn its_pending_proposals_are_bounded_at_and_past_the_policy() {
        let policy = ProposePolicy { max_pending: 2 };
        let one = [pending(1, 7), pending(2, 1)];
        assert_eq!(plan(tip(9, 9), &one, &ME, None, policy), Some(Height(9)));
        let two = [pending(1, 7), pending(2, 7)];
        assert_eq!(plan(tip(9, 9), &two, &ME, None, policy), None);
        let zero = ProposePolicy { max_pending: 0 };
        assert_eq!(
            plan(tip(9, 9), &[], &ME, None, zero),
            Some(Height(9)),
            "at least one"
        );
        assert_eq!(plan(tip(9, 9), &[pending(1, 7)], &ME, None, zero), None);
    }
}
