//! What a watcher asks of chains, besides the chain-client traits: a destination's verifiers as
//! it reads them ([`VerifierReader`]) and where it submits evidence ([`EvidenceSink`]). Narrow on
//! purpose: a watcher reads what clients vouch for and submits proofs, nothing else.

use core::future::Future;

use strait_attest::Checkpoint;
use strait_chain_client::{ChainError, PendingProposal, SubmitReport, VerifierInfo};
use strait_primitives::{ChainId, ClientId, Hash32, Height};
use strait_verifier::VerifierKind;

/// Most clients a watcher looks at on one destination, and most entries one read returns.
pub const MAX_READ_ITEMS: usize = 256;

/// What a destination's client vouches for at one source height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vouched {
    /// A BFT light client's consensus state (`[STRAIT-LC-CLIENT.1]`).
    Header {
        /// The source height.
        height: Height,
        /// The verified header's hash.
        header_hash: Hash32,
        /// The outbox root it committed.
        outbox_root: Hash32,
    },
    /// A committee client's certified checkpoint (`[STRAIT-ATTEST.8]`).
    Checkpoint(Checkpoint),
    /// Another kind's verified root.
    Root {
        /// The source height.
        height: Height,
        /// The root.
        root: Hash32,
    },
}

impl Vouched {
    /// The source height it is about.
    pub fn height(&self) -> Height {
        match self {
            Self::Header { height, .. } | Self::Root { height, .. } => *height,
            Self::Checkpoint(c) => c.source_height,
        }
    }

    /// The outbox root messages are proven against.
    pub fn root(&self) -> Hash32 {
        match self {
            Self::Header { outbox_root, .. } => *outbox_root,
            Self::Checkpoint(c) => c.outbox_root,
            Self::Root { root, .. } => *root,
        }
    }
}

/// A destination's verifiers, read.
pub trait VerifierReader: Send + Sync + 'static {
    /// The destination's id.
    fn chain_id(&self) -> ChainId;

    /// Its clients with ids from `from` on, in id order, at most `limit` (at most
    /// [`MAX_READ_ITEMS`]).
    fn clients(
        &self,
        from: ClientId,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<VerifierInfo>, ChainError>> + Send;

    /// What `client` vouches for at source heights from `from` on, by ascending height, at most
    /// `limit` (at most [`MAX_READ_ITEMS`]); empty for a frozen client.
    fn vouched(
        &self,
        client: ClientId,
        from: Height,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Vouched>, ChainError>> + Send;
}

/// How a submission ended on the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The transaction's hash.
    pub hash: Hash32,
    /// The height that included it.
    pub height: Height,
    /// `Err(why)` when the chain refused it in its block.
    pub applied: Result<(), String>,
}

impl From<SubmitReport> for Submitted {
    /// A dispute transaction's report; a refusal reads `"<SPEC name>: <the chain's words>"`.
    fn from(report: SubmitReport) -> Self {
        Self {
            hash: report.hash,
            height: report.height,
            applied: report
                .applied
                .map_err(|(name, words)| format!("{name}: {words}")),
        }
    }
}

/// An optimistic client's pending proposals from `from` on, at most `limit` (and
/// [`MAX_READ_ITEMS`]), as the roots it vouches for: a pending root is what a conflict discards,
/// paying its bond to the watcher.
pub fn pending_roots(pending: Vec<PendingProposal>, from: Height, limit: usize) -> Vec<Vouched> {
    pending
        .into_iter()
        .map(|p| p.proposal)
        .filter(|p| p.height >= from)
        .take(limit.min(MAX_READ_ITEMS))
        .map(|p| Vouched::Root {
            height: p.height,
            root: p.root,
        })
        .collect()
}

/// Where a watcher submits evidence. Submitting is permissionless: the chain verifies the evidence
/// purely and refuses a forgery; the watcher verifies it first so that it never pays for one.
pub trait EvidenceSink: Send + Sync + 'static {
    /// The chain's id.
    fn chain_id(&self) -> ChainId;

    /// Submits `evidence` of `client`'s kind (`[STRAIT-VERIFIER.2]`: for the BFT kind two
    /// conflicting light blocks, for a committee two conflicting certified checkpoints) and waits
    /// for its inclusion.
    fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> impl Future<Output = Result<Submitted, ChainError>> + Send;

    /// Submits that `accused` vouches, at `height`, for a root that `reference` (a BFT light
    /// client of the same source, updated to `height`) contradicts, and waits for its inclusion.
    /// A chain without that transaction refuses (`ChainError::Refused`): the watcher then alerts.
    fn submit_conflict(
        &self,
        accused: ClientId,
        reference: ClientId,
        height: Height,
    ) -> impl Future<Output = Result<Submitted, ChainError>> + Send;
}
