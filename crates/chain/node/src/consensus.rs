//! In-process validators: each checks a proposed header against its own view of the chain before
//! signing it. A block commits once signers of more than 2/3 of the current
//! set's power have signed, so every header verifies with the core light client.

use strait_light_client::{Commit, CommitSig, Header, PublicKey, Signer, ValidatorSet};
use strait_primitives::{Hash32, Height, Timestamp};

/// Why a validator refused to sign a proposal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    /// Not the next height.
    #[error("height mismatch: got {got}, expected {expected}")]
    Height {
        /// Proposed.
        got: Height,
        /// Last committed + 1.
        expected: Height,
    },
    /// Does not extend the last committed header.
    #[error("parent hash mismatch: got {got}, expected {expected}")]
    Parent {
        /// Proposed.
        got: Hash32,
        /// Hash of the last committed header.
        expected: Hash32,
    },
    /// Time does not increase.
    #[error("timestamp {got} is not after the parent's {parent}")]
    Timestamp {
        /// Proposed.
        got: Timestamp,
        /// Parent time.
        parent: Timestamp,
    },
    /// The signing set is not the one the parent named.
    #[error("validators hash mismatch: got {got}, expected {expected}")]
    Validators {
        /// Proposed.
        got: Hash32,
        /// The parent's `next_validators_hash`.
        expected: Hash32,
    },
    /// The next set is not the one the state holds.
    #[error("next validators hash mismatch: got {got}, expected {expected}")]
    NextValidators {
        /// Proposed.
        got: Hash32,
        /// Hash of the state's next set.
        expected: Hash32,
    },
    /// The signers hold at most 2/3 of the power.
    #[error("only {signed} of {total} power signed")]
    NoQuorum {
        /// Power that signed.
        signed: u64,
        /// Total power.
        total: u64,
    },
}

/// One validator: its key and the last header it saw committed.
#[derive(Debug)]
pub struct Validator {
    signer: Signer,
    last: Header,
    /// `last.hash()`, computed once per committed header.
    last_hash: Hash32,
}

impl Validator {
    /// A validator whose view starts at `last`.
    pub fn new(signer: Signer, last: Header) -> Self {
        Self {
            signer,
            last,
            last_hash: last.hash(),
        }
    }

    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }

    /// Its signing key.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Checks `proposal` against this validator's view and `next` (the state's next set), then
    /// signs its commit vote.
    pub fn check_and_sign(
        &self,
        proposal: &Header,
        next: &ValidatorSet,
    ) -> Result<[u8; 64], ProposalError> {
        self.check(proposal, next)?;
        Ok(self
            .signer
            .sign_vote(proposal.chain_id, proposal.height, &proposal.hash()))
    }

    /// The checks of [`Self::check_and_sign`], without signing.
    pub fn check(&self, proposal: &Header, next: &ValidatorSet) -> Result<(), ProposalError> {
        let expected = Height(self.last.height.get() + 1);
        if proposal.height != expected {
            return Err(ProposalError::Height {
                got: proposal.height,
                expected,
            });
        }
        let parent = self.last_hash;
        if proposal.parent_hash != parent {
            return Err(ProposalError::Parent {
                got: proposal.parent_hash,
                expected: parent,
            });
        }
        if proposal.timestamp <= self.last.timestamp {
            return Err(ProposalError::Timestamp {
                got: proposal.timestamp,
                parent: self.last.timestamp,
            });
        }
        if proposal.validators_hash != self.last.next_validators_hash {
            return Err(ProposalError::Validators {
                got: proposal.validators_hash,
                expected: self.last.next_validators_hash,
            });
        }
        if proposal.next_validators_hash != next.hash() {
            return Err(ProposalError::NextValidators {
                got: proposal.next_validators_hash,
                expected: next.hash(),
            });
        }
        Ok(())
    }
}

/// Every validator key this node holds.
#[derive(Debug)]
pub struct Committee {
    validators: Vec<Validator>,
}

impl Committee {
    /// Validators for `signers`, all viewing `last` as the last committed header.
    pub fn new(signers: Vec<Signer>, last: Header) -> Self {
        Self {
            validators: signers
                .into_iter()
                .map(|s| Validator::new(s, last))
                .collect(),
        }
    }

    /// The public keys held.
    pub fn keys(&self) -> Vec<PublicKey> {
        self.validators.iter().map(Validator::public_key).collect()
    }

    /// The proposer of `height`: `current[height % n]`.
    pub fn proposer(current: &ValidatorSet, height: Height) -> PublicKey {
        let index = (height.get() % current.len() as u64) as usize;
        current.validators()[index].pub_key
    }

    /// Asks every held member of `current` to check and sign `proposal`; succeeds with the commit
    /// once more than 2/3 of the power signed.
    pub fn commit(
        &self,
        proposal: &Header,
        current: &ValidatorSet,
        next: &ValidatorSet,
    ) -> Result<Commit, ProposalError> {
        let signers = self.approve(proposal, current, next)?;
        Ok(sign_approved(proposal, &signers))
    }

    /// What [`Self::commit`] checks, without signing: every held member of `current` checks
    /// `proposal`; succeeds, once members of more than 2/3 of the power agree, with their
    /// validator indices and keys by ascending index. [`sign_approved`] then signs the very commit
    /// [`Self::commit`] returns (ed25519 is deterministic), at any later time: a simulation signs
    /// only the headers someone reads.
    pub fn approve(
        &self,
        proposal: &Header,
        current: &ValidatorSet,
        next: &ValidatorSet,
    ) -> Result<Vec<(u16, &Signer)>, ProposalError> {
        let mut signers = Vec::new();
        let mut signed = 0u64;
        for validator in &self.validators {
            let Some((index, member)) = current.find(&validator.public_key()) else {
                continue;
            };
            validator.check(proposal, next)?;
            signers.push((index as u16, validator.signer()));
            signed += member.power;
        }
        if u128::from(signed) * 3 <= u128::from(current.total_power()) * 2 {
            return Err(ProposalError::NoQuorum {
                signed,
                total: current.total_power(),
            });
        }
        signers.sort_by_key(|(index, _)| *index);
        Ok(signers)
    }

    /// Every validator learns that `header` committed.
    pub fn committed(&mut self, header: &Header) {
        let hash = header.hash();
        for v in &mut self.validators {
            v.last = *header;
            v.last_hash = hash;
        }
    }
}

/// The commit of `proposal` by `signers` (validator index and key, ascending index), as
/// [`Committee::approve`] returns them.
pub fn sign_approved(proposal: &Header, signers: &[(u16, &Signer)]) -> Commit {
    let hash = proposal.hash();
    Commit {
        signatures: signers
            .iter()
            .map(|(validator_index, signer)| CommitSig {
                validator_index: *validator_index,
                signature: signer.sign_vote(proposal.chain_id, proposal.height, &hash),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use strait_light_client::{verify, LightBlock, SignedHeader, TrustedState, Verdict};
    use strait_primitives::ChainId;

    use super::*;
    use crate::spec::{devnet_key_pool, genesis_header, ChainSpec};

    #[test]
    fn committee_signs_only_consistent_proposals_and_the_commit_verifies() {
        let spec = ChainSpec::devnet(ChainId(1), 4, Timestamp(1_000), 50);
        let genesis = genesis_header(&spec);
        let set = spec.genesis_validators();
        let committee = Committee::new(devnet_key_pool(spec.chain_id), genesis);
        let header = Header {
            height: Height(1),
            timestamp: Timestamp(1_001),
            parent_hash: genesis.hash(),
            ..genesis
        };
        let commit = committee.commit(&header, &set, &set).unwrap();
        assert_eq!(commit.signatures.len(), 4);
        // Approving, then signing later, gives the very same commit.
        let approved = committee.approve(&header, &set, &set).unwrap();
        assert_eq!(sign_approved(&header, &approved), commit);
        let block = LightBlock {
            signed_header: SignedHeader { header, commit },
            validators: set.clone(),
            next_validators: set.clone(),
        };
        let trusted = TrustedState {
            chain_id: spec.chain_id,
            height: Height(0),
            timestamp: genesis.timestamp,
            next_validators: &set,
        };
        assert_eq!(
            verify(&block, &trusted, &spec.client_options(), Timestamp(2_000)),
            Verdict::Success
        );
        let stale = Header {
            timestamp: genesis.timestamp,
            ..header
        };
        assert!(matches!(
            committee.commit(&stale, &set, &set),
            Err(ProposalError::Timestamp { .. })
        ));
        let forked = Header {
            parent_hash: Hash32([1; 32]),
            ..header
        };
        assert!(matches!(
            committee.commit(&forked, &set, &set),
            Err(ProposalError::Parent { .. })
        ));
    }
}
