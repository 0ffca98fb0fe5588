//! Planted bugs, for the simulator's self-test only (feature `mutations`, never in a release
//! build).
//!
//! A simulator proves its checkers by catching bugs planted on purpose (TigerBeetle's VOPR does the
//! same): with the feature on, a test may switch off one receive rule (or the node's rule that
//! evidence survives a failed transaction) for the current thread, and the seed sweep must then
//! find a broken invariant. Without the feature, [`is_planted`] is a constant `false` and the
//! rules cannot be switched off.

/// A rule that a test may switch off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// `[STRAIT-RECV.6]` off: a message received before is received again.
    NoReplayCheck,
    /// `[STRAIT-RECV.7]` off: an ordered message runs before its predecessors.
    NoOrderCheck,
    /// `[STRAIT-RECV.5]` off: a proof that does not lead to the verified root is accepted.
    NoProofCheck,
    /// The devnet node's rule of SPEC §6 off (read by `strait-node`'s `exec.rs`): a transaction
    /// that proved misbehaviour and then failed rolls the freeze back with everything else.
    EvidenceRolledBack,
}

#[cfg(feature = "mutations")]
std::thread_local! {
    static PLANTED: core::cell::Cell<Option<Mutation>> = const { core::cell::Cell::new(None) };
}

/// Plants `mutation` (or removes the planted one, with `None`) for the current thread.
#[cfg(feature = "mutations")]
pub fn plant(mutation: Option<Mutation>) {
    PLANTED.with(|p| p.set(mutation));
}

/// Whether `mutation` is planted on the current thread.
#[inline]
pub fn is_planted(mutation: Mutation) -> bool {
    #[cfg(feature = "mutations")]
    {
        PLANTED.with(|p| p.get() == Some(mutation))
    }
    #[cfg(not(feature = "mutations"))]
    {
        let _ = mutation;
        false
    }
}
