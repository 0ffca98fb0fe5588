//! What a watcher finds and what it did about it: every finding is raised as an alert (tracing,
//! `alert = true`, structured fields) and reported with its response.

use strait_attest::Checkpoint;
use strait_primitives::{ChainId, ClientId, Hash32, Height};

/// A contradiction the watcher proved to itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A destination's BFT client verified another header at `height` than the source signed
    /// there: the source's validators forked (more than 2/3 signed two headers).
    Fork {
        /// The destination.
        destination: ChainId,
        /// Its client.
        client: ClientId,
        /// The source.
        source: ChainId,
        /// The height.
        height: Height,
        /// The header hash the client verified.
        got: Hash32,
        /// The source's own header hash.
        expected: Hash32,
    },
    /// A destination's client vouches at `height` for an outbox root (or leaf count) that is not
    /// the source's: a committee's threshold, or an optimistic proposer, lied.
    Contradicted {
        /// The destination.
        destination: ChainId,
        /// Its client.
        client: ClientId,
        /// The source.
        source: ChainId,
        /// The height.
        height: Height,
        /// The root the client vouches for.
        got: Hash32,
        /// The source's root.
        expected: Hash32,
    },
    /// A committee member signed two conflicting checkpoints (`[STRAIT-ATTEST.7]`).
    Equivocation {
        /// The source.
        source: ChainId,
        /// The committee.
        committee_id: Hash32,
        /// The member's index.
        member: u16,
        /// One checkpoint it signed.
        first: Checkpoint,
        /// The other.
        second: Checkpoint,
    },
}

/// What the watcher did about a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Evidence was submitted and applied on `destination` (the client is frozen).
    Submitted {
        /// Where.
        destination: ChainId,
        /// Which client.
        client: ClientId,
        /// What: `"update"` (a conflicting update the kind freezes on), `"misbehaviour"` or
        /// `"conflict"`.
        evidence: &'static str,
    },
    /// Nothing could be submitted; the alert stands (the reason says why).
    AlertOnly(String),
}

impl Response {
    /// Logs what was done: evidence applied (a warning: a client froze), or why not (an error:
    /// the alert stands).
    pub(crate) fn log(&self) {
        match self {
            Self::Submitted {
                destination,
                client,
                evidence,
            } => tracing::warn!(
                %destination, %client, evidence,
                "WATCHER: evidence applied, the client is frozen"
            ),
            Self::AlertOnly(reason) => tracing::error!(
                alert = true,
                reason,
                "WATCHER: no evidence applied, the alert stands"
            ),
        }
    }
}

/// A finding and its response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// What was found.
    pub finding: Finding,
    /// What was done.
    pub response: Response,
}

impl Finding {
    /// Raises the alert.
    pub(crate) fn alert(&self) {
        match self {
            Self::Fork {
                destination,
                client,
                source,
                height,
                got,
                expected,
            } => tracing::error!(
                alert = true, finding = "fork", %destination, %client, %source, %height,
                %got, %expected,
                "WATCHER: a client verified a header its source never signed"
            ),
            Self::Contradicted {
                destination,
                client,
                source,
                height,
                got,
                expected,
            } => tracing::error!(
                alert = true, finding = "contradicted_root", %destination, %client, %source,
                %height, %got, %expected,
                "WATCHER: a client vouches for a root its source never committed"
            ),
            Self::Equivocation {
                source,
                committee_id,
                member,
                first,
                second,
            } => tracing::error!(
                alert = true, finding = "equivocation", %source, %committee_id, member,
                first_root = %first.outbox_root, first_count = first.leaf_count,
                first_height = %first.source_height, second_root = %second.outbox_root,
                second_count = second.leaf_count, second_height = %second.source_height,
                "WATCHER: a committee member signed two conflicting checkpoints"
            ),
        }
    }
}
