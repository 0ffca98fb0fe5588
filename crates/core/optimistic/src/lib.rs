//! Optimistic verification (`docs/SPEC.md` §13, `[STRAIT-OPT.*]`, `[STRAIT-CONFLICT.*]`).
//!
//! A bonded proposer posts a [`Proposal`] (source height, outbox root, leaf count) to an optimistic
//! client. It is *pending*: the client vouches for nothing at that height until the dispute window
//! of its [`Config`] has passed; then the host [`settle`]s it into a verified root and returns the
//! bond. Before that, anyone who shows that the source's light client on the same host verified
//! another root at that height ([`conflict`]) has the proposal [`discard`]ed and is paid its bond.
//! A watcher named in the config may [`pause`] the client (its roots stop counting, nothing
//! matures) until the host's guardians [`resume`] it.
//!
//! The kind implements [`strait_verifier::Verifier`] ([`OptimisticVerifier`], kind
//! [`strait_verifier::VerifierKind::OPTIMISTIC`]) for what the registry asks of every kind; the
//! operations that need the signer or move value are plain functions the host calls with the
//! client's scoped store, and the host moves the bonds.
//!
//! The crate is pure, like the rest of the core: no I/O, clock or randomness.

pub mod config;
pub mod conflict;
pub mod error;
pub mod kind;
pub mod proposal;
pub mod state;

pub use config::{Config, MAX_PROPOSERS, MAX_WATCHERS, MAX_WINDOW_MS};
pub use conflict::{
    check_conflict, Conflict, ConflictError, ConflictEvidence, Side, Verdict, CONFLICT_LEN,
    LIGHT_CLIENT_KINDS,
};
pub use error::OptimisticError;
pub use kind::{
    create_client, discard, pause, pending, propose, resume, root_at, settle, OptimisticVerifier,
    Pending, RootAt, MAX_PENDING,
};
pub use proposal::{Proposal, MAX_LEAF_COUNT, PROPOSAL_LEN};
pub use state::{ClientState, MAX_ROOTS};

#[cfg(test)]
mod tests;
