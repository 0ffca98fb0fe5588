//! Counters of a running relayer, readable by its caller.

use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters, updated with relaxed atomics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Messages this relayer delivered and the destination executed (or recorded as failed or
    /// timed out).
    pub messages_relayed: AtomicU64,
    /// Relay transactions accepted into a destination's mempool.
    pub txs_submitted: AtomicU64,
    /// Messages not delivered by this relayer because the destination had already received them
    /// (found by `strait_received`, or rejected as already received after a race).
    pub duplicates_skipped: AtomicU64,
    /// Deliveries the destination rejected for good (bad proof, unknown route, ...).
    pub deliveries_rejected: AtomicU64,
    /// Rounds that ended with an error (transient or not).
    pub round_errors: AtomicU64,
    /// Deliveries the destination answered `Retry` (the message is backed off and sent again).
    pub deliveries_retried: AtomicU64,
    /// Messages put in quarantine after repeated `Retry` answers (kept, tried rarely).
    pub messages_quarantined: AtomicU64,
    /// Source headers given up on: updates from one trusted height answered "not yet" too often,
    /// or invalid (no update from that height for a long while).
    pub headers_abandoned: AtomicU64,
}

/// The counters at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// See [`Metrics::messages_relayed`].
    pub messages_relayed: u64,
    /// See [`Metrics::txs_submitted`].
    pub txs_submitted: u64,
    /// See [`Metrics::duplicates_skipped`].
    pub duplicates_skipped: u64,
    /// See [`Metrics::deliveries_rejected`].
    pub deliveries_rejected: u64,
    /// See [`Metrics::round_errors`].
    pub round_errors: u64,
    /// See [`Metrics::deliveries_retried`].
    pub deliveries_retried: u64,
    /// See [`Metrics::messages_quarantined`].
    pub messages_quarantined: u64,
    /// See [`Metrics::headers_abandoned`].
    pub headers_abandoned: u64,
}

impl Metrics {
    /// Reads every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            messages_relayed: self.messages_relayed.load(Ordering::Relaxed),
            txs_submitted: self.txs_submitted.load(Ordering::Relaxed),
            duplicates_skipped: self.duplicates_skipped.load(Ordering::Relaxed),
            deliveries_rejected: self.deliveries_rejected.load(Ordering::Relaxed),
            round_errors: self.round_errors.load(Ordering::Relaxed),
            deliveries_retried: self.deliveries_retried.load(Ordering::Relaxed),
            messages_quarantined: self.messages_quarantined.load(Ordering::Relaxed),
            headers_abandoned: self.headers_abandoned.load(Ordering::Relaxed),
        }
    }
}
