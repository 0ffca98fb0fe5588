//! A light client of a Strait BFT chain (`docs/SPEC.md`, `[STRAIT-LC.*]`).
//!
//! A BFT chain is run by a weighted [`ValidatorSet`]; a block is final once validators holding more
//! than 2/3 of the power have signed its [`Header`] (a [`Commit`] of ed25519 signatures over
//! [`vote_sign_bytes`]). Starting from a trusted header, [`verify`] decides whether a later header
//! can be trusted too, either adjacently (signed by the set the trusted header named) or by skipping
//! (signed by more than a trust threshold of that set). It follows the rules and their order in
//! tendermint-rs `light-client-verifier`, but verifies every signature of a commit, in one ed25519
//! batch.
//!
//! * [`validator`], [`header`], [`block`]: the data and their canonical encodings.
//! * [`predicates`]: one function per verification rule; [`verifier`] composes them into [`verify`],
//!   which answers a three-way [`Verdict`]. Hashes, comparisons and power tallies come before any
//!   signature is verified.
//! * [`ed25519`]: the one ed25519 rule (ZIP 215) of the protocol, single and batch, which agree.
//! * [`client`]: the host-agnostic client state machine (update, misbehaviour, freezing), with
//!   [`InMemoryClient`] as a host.
//! * [`bls`]: BLS-signed headers, verified with one aggregate signature (BLS mode).
//! * [`signer`]: deterministic commit signing for the devnet and tests.
//!
//! This crate is pure: no I/O, no clock (`now` is an argument), no randomness.

pub mod block;
pub mod bls;
pub mod client;
pub mod ed25519;
pub mod header;
pub mod in_memory;
pub mod kind;
pub mod options;
pub mod predicates;
pub mod signer;
pub mod state_codec;
pub mod validator;
pub mod verdict;
pub mod verifier;

pub use block::{
    BlockError, Commit, CommitSig, LightBlock, SignedHeader, COMMIT_SIG_ENCODED_LEN,
    LARGEST_LIGHT_BLOCK_LEN,
};
pub use client::{
    execute_misbehaviour, execute_update, submit_misbehaviour, update, validate_misbehaviour,
    validate_update, verified_outbox_root, ClientError, ClientReader, ClientState, ClientWriter,
    ConsensusState, Evidence, Misbehaviour, MisbehaviourKind, StoreError, UpdateOutcome,
};
pub use header::{
    vote_sign_bytes, Header, HEADER_ENCODED_LEN, HEADER_VERSION, VOTE_SIGN_BYTES_LEN,
};
pub use in_memory::{InMemoryClient, MAX_CONSENSUS_STATES};
pub use options::{Options, OptionsError, TrustThreshold};
pub use signer::{sign_commit, Signer};
pub use validator::{
    PublicKey, Validator, ValidatorSet, ValidatorSetError, MAX_TOTAL_POWER, MAX_VALIDATORS,
    VALIDATOR_ENCODED_LEN,
};
pub use verdict::{NotYetReason, Verdict, VerificationError, VotingPowerTally};
pub use verifier::{verify, TrustedState};
