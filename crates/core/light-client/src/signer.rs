//! Deterministic signing of commits, for the devnet chain and for tests (`[STRAIT-LC-BLOCK.1]`).
//!
//! ed25519 signing is deterministic, so this stays pure: the same seed and header always give the
//! same commit.

use core::fmt;

use ed25519_dalek::{Signer as _, SigningKey};
use strait_primitives::{ChainId, Hash32, Height};

use crate::{vote_sign_bytes, Commit, CommitSig, Header, PublicKey, ValidatorSet};

/// A validator's signing key.
#[derive(Clone)]
pub struct Signer(SigningKey);

impl Signer {
    /// The key whose RFC 8032 secret seed is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs arbitrary bytes.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// Signs the commit vote for `header_hash` at `height` of `chain_id`.
    pub fn sign_vote(&self, chain_id: ChainId, height: Height, header_hash: &Hash32) -> [u8; 64] {
        self.sign(&vote_sign_bytes(chain_id, height, header_hash))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        write!(f, "Signer({})", self.public_key())
    }
}

/// The canonical commit of `header` by `signers`, each of which must be in `validators` (the
/// header's own set). Signatures are ordered by validator index; a signer given twice signs once.
///
/// # Panics
///
/// If a signer is not in `validators`: a commit can only be signed by the set's members.
pub fn sign_commit(header: &Header, validators: &ValidatorSet, signers: &[&Signer]) -> Commit {
    let hash = header.hash();
    let mut indexed: Vec<(u16, &Signer)> = signers
        .iter()
        .map(|s| {
            let (index, _) = validators
                .find(&s.public_key())
                .expect("signer is not a member of the validator set");
            // `index < MAX_VALIDATORS <= u16::MAX`.
            (index as u16, *s)
        })
        .collect();
    indexed.sort_by_key(|(i, _)| *i);
    indexed.dedup_by_key(|(i, _)| *i);
    Commit {
        signatures: indexed
            .into_iter()
            .map(|(validator_index, s)| CommitSig {
                validator_index,
                signature: s.sign_vote(header.chain_id, header.height, &hash),
            })
            .collect(),
    }
}
