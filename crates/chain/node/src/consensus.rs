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
}

impl Validator {
    /// A validator whose view starts at `last`.
    pub fn new(signer: Signer, last: Header) -> Self {
        Self { signer, last }
    }

    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }

    /// Checks `proposal` against this validator's view and `next` (the state's next set), then
    /// signs its commit vote.
    pub fn check_and_sign(
        &self,
        proposal: &Header,
        next: &ValidatorSet,
    ) -> Result<[u8; 64], ProposalError> {
        let expected = Height(self.last.height.get() + 1);
        if proposal.height != expected {
            return Err(ProposalError::Height {
                got: proposal.height,
                expected,
            });
        }
        let parent = self.last.hash();
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
        Ok(self
            .signer
            .sign_vote(proposal.chain_id, proposal.height, &proposal.hash()))
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
        let mut signatures = Vec::new();
        let mut signed = 0u64;
        for validator in &self.validators {
            let Some((index, member)) = current.find(&validator.public_key()) else {
                continue;
            };
            let signature = validator.check_and_sign(proposal, next)?;
            signatures.push(CommitSig {
                validator_index: index as u16,
                signature,
            });
            signed += member.power;
        }
        if u128::from(signed) * 3 <= u128::from(current.total_power()) * 2 {
            return Err(ProposalError::NoQuorum {
                signed,
                total: current.total_power(),
            });
        }
        signatures.sort_by_key(|s| s.validator_index);
        Ok(Commit { signatures })
    }

    /// Every validator learns that `header` committed.
    pub fn committed(&mut self, header: &Header) {
        for v in &mut self.validators {
            v.last = *header;
        }
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
