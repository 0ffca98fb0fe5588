//! Sign checkpoints of a source chain's outbox for an attester committee (`docs/SPEC.md` §10,
//! `[STRAIT-ATTEST.10]`, `[STRAIT-ATTEST.11]`).
//!
//! An [`Attester`] follows one source through [`strait_chain_client::OutboxHistory`]: once a height
//! is `finality_depth` blocks below the source's latest, it examines the outbox root and size the
//! header at that height committed, and signs each new leaf count at the lowest height it appears
//! (so attesters agree on what they sign). Before a signature exists, the checkpoint is written to a
//! durable [`SigningRecord`] (redb, synced): the attester never signs two roots for one
//! (chain, leaf count), even across crashes and restarts. Seeing the source's final history change
//! halts it, durably, with an alert. Signatures go to a [`Publish`] sink: a [`Board`] that the
//! `strait attester` command serves over JSON-RPC (`docs/rpc.md`) and that in-process relayers read
//! through [`Boards`].
//!
//! Written against the runtime trait ([`Attester::run`]): tokio in production, the deterministic
//! executor in simulation.

mod agent;
pub mod board;
mod error;
mod key;
pub mod record;

pub use agent::{Attester, AttesterConfig, StepReport, REPUBLISH_ON_START};
pub use board::{Board, Boards, Publish};
pub use error::AttesterError;
pub use key::{committee_of, AttesterKey};
pub use record::SigningRecord;
