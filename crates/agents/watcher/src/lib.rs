//! Watch verifiers across chains and submit the evidence that freezes a lying one (`docs/SPEC.md`
//! §7, `[STRAIT-AGENT.7]`; `docs/adr/0017-watcher.md`).
//!
//! A [`Watcher`] follows every chain it is given both as a source and as a destination. Each step
//! it reads what every unfrozen client of every destination vouches for ([`VerifierReader`]),
//! height by height, and compares it with the source's own record:
//!
//! * a BFT client that verified another header than the source signed at a height (a fork of more
//!   than 2/3 of the validators): the source's header, verified locally from the last height at
//!   which the client agreed, goes to the client as an update, which proves `ConflictingHeaders`
//!   and freezes it;
//! * a committee client whose checkpoint contradicts the source: the true checkpoint, if the
//!   committee's threshold signed it too, as an update that conflicts (`[STRAIT-ATTEST.7]`);
//!   otherwise, and for any other kind's contradicted root (an optimistic client's pending
//!   proposal), a conflict against the destination's BFT client of the same source, brought to the
//!   height first ([`EvidenceSink::submit_conflict`]);
//! * attesters' boards ([`strait_chain_client::AttestationSource`]) read into bounded
//!   [`Ledger`]s, every signature verified: a member that signed two conflicting checkpoints is an
//!   alert, and when the threshold signed both, standalone evidence to every client of the
//!   committee ([`EvidenceSink::submit_misbehaviour`]).
//!
//! Every finding is an alert on `tracing` (`alert = true`, structured fields) and a [`Report`].
//! Every call has a deadline; memory is bounded (clients, heights per step, ledger leaf counts,
//! remembered attempts). The watcher keeps no durable state: after a restart it rescans the last
//! `rescan_heights` of every client, and frozen clients are skipped. Written against the
//! chain-client and runtime traits only: tokio in production, the deterministic executor in
//! simulation.
//!
//! # Examples
//!
//! ```no_run
//! use std::future::Future;
//!
//! use strait_runtime::tokio::TokioRuntime;
//! use strait_watcher::{WatchedChain, Watcher, WatcherConfig};
//!
//! /// Watches `chains` (any adapter) on tokio, without attester boards, until `shutdown`.
//! async fn watch<C: WatchedChain>(chains: Vec<C>, shutdown: impl Future<Output = ()> + Send) {
//!     let watcher = Watcher::new(TokioRuntime::new(), chains, None, Vec::new(), WatcherConfig::default());
//!     watcher.run(shutdown).await;
//! }
//! ```

mod agent;
mod chain;
mod finding;
pub mod ledger;
mod respond;

pub use agent::{
    WatchedChain, Watcher, WatcherConfig, MAX_ATTEMPTS, MAX_COUNTS_PER_STEP, MAX_REMEMBERED,
};
pub use chain::{pending_roots, EvidenceSink, Submitted, VerifierReader, Vouched, MAX_READ_ITEMS};
pub use finding::{Finding, Report, Response};
pub use ledger::{Equivocation, Ledger, WatchedCommittee};
