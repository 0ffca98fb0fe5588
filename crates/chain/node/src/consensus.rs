//! In-process validators: each checks a proposed header against its own view of the chain before
//! signing it. A block commits once signers of more than 2/3 of the current
//! set's power have signed, so every header verifies with the core light client.

use strait_light_client::bls::{sign_bls_commit, BlsLightBlock, BlsSigner, BlsValidatorSet};
use strait_light_client::{Commit, CommitSig, Header, PublicKey, Signer, ValidatorSet};
use strait_primitives::{keccak256_concat, Hash32, Height, Timestamp};

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
    /// The BLS keys of held validators derived so far, by ed25519 key (`devnet_bls_signer`):
    /// derived on first use, so that a committee that never signs with BLS costs nothing more.
    bls: Vec<(PublicKey, BlsSigner)>,
    /// The BLS set of the last ed25519 sets seen, by their hash: building one checks every proof
    /// of possession (one pairing each), so it is done once per set change.
    bls_sets: Vec<(Hash32, BlsValidatorSet)>,
}

/// How many BLS sets [`Committee`] keeps built (current and next, and one change ahead).
const BLS_SETS_KEPT: usize = 3;

/// Domain tag from which a devnet validator's BLS key is derived.
const DEVNET_BLS_KEY_TAG: &[u8] = b"STRAIT/DEVNET/BLS-KEY/v1";

/// The BLS key of a devnet validator (SPEC §5.7): the IETF `KeyGen` of
/// `keccak256("STRAIT/DEVNET/BLS-KEY/v1" || ed25519 signature of that tag)`. ed25519 signing is
/// deterministic, so the key follows from the validator's public seed, as its ed25519 key does.
/// Devnet only: a real validator generates its BLS key independently.
pub fn devnet_bls_signer(signer: &Signer) -> BlsSigner {
    let ikm = keccak256_concat(&[DEVNET_BLS_KEY_TAG, &signer.sign(DEVNET_BLS_KEY_TAG)]);
    BlsSigner::from_ikm(&ikm.0)
}

impl Committee {
    /// Validators for `signers`, all viewing `last` as the last committed header.
    pub fn new(signers: Vec<Signer>, last: Header) -> Self {
        Self {
            bls: Vec::new(),
            bls_sets: Vec::new(),
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

    /// The BLS set of `set`: each validator's BLS key with its power, in BLS key order
    /// (`[STRAIT-LC-BLS.1]`). `None` if a validator's key is not held here (its BLS key is then
    /// unknown; a devnet set only holds keys of the public pool).
    pub fn bls_set(&mut self, set: &ValidatorSet) -> Option<BlsValidatorSet> {
        if let Some((_, built)) = self.bls_sets.iter().find(|(h, _)| *h == set.hash()) {
            return Some(built.clone());
        }
        let mut validators = Vec::with_capacity(set.len());
        for v in set.validators() {
            validators.push(self.bls_signer(&v.pub_key)?.validator(v.power));
        }
        validators.sort_by_key(|v| v.pub_key);
        // Keys derived by `KeyGen` are valid and distinct, their proofs of possession genuine.
        let built = BlsValidatorSet::new(validators).ok()?;
        if self.bls_sets.len() == BLS_SETS_KEPT {
            self.bls_sets.remove(0);
        }
        self.bls_sets.push((set.hash(), built.clone()));
        Some(built)
    }

    /// The BLS key of the held validator with ed25519 key `key`, derived on first use.
    fn bls_signer(&mut self, key: &PublicKey) -> Option<&BlsSigner> {
        if let Some(i) = self.bls.iter().position(|(k, _)| k == key) {
            return Some(&self.bls[i].1);
        }
        let validator = self.validators.iter().find(|v| v.public_key() == *key)?;
        self.bls.push((*key, devnet_bls_signer(validator.signer())));
        self.bls.last().map(|(_, b)| b)
    }

    /// The BLS light block of `proposal` (`[STRAIT-LC-BLS.3]`), signed by the held members of
    /// `current` that approve it, as [`Self::commit`] signs the ed25519 commit. `None` if a BLS set
    /// cannot be built ([`Self::bls_set`]) or the proposal is not approved.
    pub fn bls_commit(
        &mut self,
        proposal: &Header,
        current: &ValidatorSet,
        next: &ValidatorSet,
    ) -> Option<BlsLightBlock> {
        let validators = self.bls_set(current)?;
        let next_validators = self.bls_set(next)?;
        let approved: Vec<PublicKey> = self
            .approve(proposal, current, next)
            .ok()?
            .iter()
            .map(|(_, s)| s.public_key())
            .collect();
        let mut signers = Vec::with_capacity(approved.len());
        for key in &approved {
            signers.push(self.bls_signer(key)?.clone());
        }
        let signers: Vec<&BlsSigner> = signers.iter().collect();
        let commit = sign_bls_commit(proposal, &validators, &next_validators, &signers);
        Some(BlsLightBlock {
            header: *proposal,
            commit,
            validators,
            next_validators,
        })
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

/// The BLS light block of the genesis `header` signed by all `signers` (the genesis set `set`,
/// current and next), as the genesis ed25519 commit is; `None` if a member is not among them.
pub fn genesis_bls_light_block(
    signers: &[Signer],
    header: &Header,
    set: &ValidatorSet,
) -> Option<BlsLightBlock> {
    let mut committee = Committee::new(signers.to_vec(), *header);
    let validators = committee.bls_set(set)?;
    let bls: Vec<BlsSigner> = signers.iter().map(devnet_bls_signer).collect();
    let bls: Vec<&BlsSigner> = bls.iter().collect();
    Some(BlsLightBlock {
        header: *header,
        commit: sign_bls_commit(header, &validators, &validators, &bls),
        next_validators: validators.clone(),
        validators,
    })
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
    use strait_light_client::bls::{verify_bls, BlsTrustedState};
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
        // The BLS commit of the same header verifies in BLS mode.
        let mut committee = committee;
        let bls = committee.bls_commit(&header, &set, &set).unwrap();
        let bls_set = committee.bls_set(&set).unwrap();
        assert_eq!(bls.commit.signers().count(), 4);
        let bls_trusted = BlsTrustedState {
            chain_id: spec.chain_id,
            height: Height(0),
            timestamp: genesis.timestamp,
            next_validators: &bls_set,
        };
        assert_eq!(
            verify_bls(&bls, &bls_trusted, &spec.client_options(), Timestamp(2_000)),
            Verdict::Success
        );
        let stale = Header {
            timestamp: genesis.timestamp,
            ..header
        };
        assert!(committee.bls_commit(&stale, &set, &set).is_none());
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

    #[test]
    fn no_bls_commit_for_a_set_with_a_key_the_node_does_not_hold() {
        let spec = ChainSpec::devnet(ChainId(1), 4, Timestamp(1_000), 50);
        let genesis = genesis_header(&spec);
        let set = spec.genesis_validators();
        // Three of the four keys: still an ed25519 quorum, but no BLS set can be built.
        let pool = devnet_key_pool(spec.chain_id);
        let held: Vec<Signer> = pool
            .iter()
            .filter(|s| s.public_key() != set.validators()[0].pub_key)
            .cloned()
            .collect();
        let mut committee = Committee::new(held, genesis);
        let header = Header {
            height: Height(1),
            timestamp: Timestamp(1_001),
            parent_hash: genesis.hash(),
            ..genesis
        };
        assert!(committee.commit(&header, &set, &set).is_ok());
        assert!(committee.bls_set(&set).is_none());
        assert!(committee.bls_commit(&header, &set, &set).is_none());
        // The BLS key follows from the ed25519 seed alone.
        assert_eq!(
            devnet_bls_signer(&pool[0]).public_key(),
            devnet_bls_signer(&pool[0].clone()).public_key()
        );
    }
}
