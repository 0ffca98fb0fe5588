//! Attester committees as verifier kinds (`docs/SPEC.md` §10, `[STRAIT-ATTEST.*]`).
//!
//! A committee of `n` members with threshold `m` certifies [`Checkpoint`]s of a source chain's
//! outbox (chain, root, leaf count, height): a checkpoint signed by at least `m` members, over sign
//! bytes bound to the committee's id and epoch, becomes a root the destination trusts. The committee
//! hands over to its next epoch by its own threshold (a rotation), which makes every older
//! signature worthless on the destination. Two certified checkpoints that an append-only outbox
//! cannot both have produced freeze the client.
//!
//! Three signature schemes, each a [`strait_verifier::Verifier`] through [`CommitteeVerifier`]:
//!
//! * [`ecdsa::Ecdsa`]: secp256k1 with EVM-compatible recovery (members are EVM addresses);
//! * [`ed25519::Ed25519`]: the protocol's ed25519 rule, batch-verified;
//! * [`bls::Bls`]: BLS12-381, keys in G1 with proofs of possession, one aggregate signature and
//!   one pairing check per certificate.
//!
//! The crate is pure, like the rest of the core: no I/O, clock or randomness.

pub mod announce;
pub mod bls;
pub mod checkpoint;
pub mod committee;
pub mod ecdsa;
pub mod ed25519;
pub mod error;
pub mod kind;
pub mod scheme;
pub mod state;
pub mod wire;

pub use checkpoint::{committee_id, rotation_sign_bytes, Checkpoint};
pub use committee::{Committee, MAX_MEMBERS};
pub use error::AttestError;
pub use kind::CommitteeVerifier;
pub use scheme::{Scheme, SignatureList};

/// The ECDSA committee kind.
pub type EcdsaCommittee = CommitteeVerifier<ecdsa::Ecdsa>;
/// The ed25519 committee kind.
pub type Ed25519Committee = CommitteeVerifier<ed25519::Ed25519>;
/// The BLS committee kind.
pub type BlsCommittee = CommitteeVerifier<bls::Bls>;
