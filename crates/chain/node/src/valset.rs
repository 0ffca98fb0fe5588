//! Validator-set changes: approvals by more than 2/3 of the current set's
//! power over [`valset_change_digest`], applied through the next-validator-set mechanism.
//!
//! A change executed in block `h` is stored as pending; block `h + 1` names it as
//! `next_validators`, and it signs from block `h + 2` on, so a light client follows it with
//! ordinary adjacent or skipping verification.

use ed25519_dalek::VerifyingKey;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{
    new_bls_set, valset_change_digest, SignedTx, Tx, TxBody, ValidatorBlsKey,
};
use strait_light_client::ed25519::{verify_batch, BatchItem};
use strait_light_client::{PublicKey, Signer, ValidatorSet};
use strait_primitives::{ChainId, Hash32};

use crate::state::{keys, Memo, State};

/// Why a validator-set change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValsetError {
    /// Approval indices must be strictly increasing.
    #[error("approval index {index} is not above the previous one")]
    NotAscending {
        /// The offending index.
        index: u16,
    },
    /// An approval names a validator the current set does not have.
    #[error("approval index {index} out of range for {validators} validators")]
    UnknownApprover {
        /// The index.
        index: u16,
        /// Size of the current set.
        validators: usize,
    },
    /// An approval signature does not verify.
    #[error("an approval signature does not verify")]
    BadApproval,
    /// The approvers hold at most 2/3 of the current power.
    #[error("approvals hold {approved} of {total} power, need more than 2/3")]
    InsufficientPower {
        /// Power of the approvers.
        approved: u64,
        /// Total current power.
        total: u64,
    },
    /// The new set's BLS keys do not form a canonical BLS set (a key not a G1 point, a repeated
    /// key, a proof of possession that does not verify: `[STRAIT-LC-BLS.1]`). Named by the cause.
    #[error("BLS keys of the new set: {0}")]
    BlsKeys(strait_light_client::bls::BlsValidatorSetError),
    /// A validator whose key this devnet node holds comes with another BLS key than the one the
    /// node derives for it: the node could not sign for it in BLS.
    #[error("validator {index}'s BLS key is not the one this devnet node derives for it")]
    BlsKeyNotHeld {
        /// The validator's index in the new set.
        index: usize,
    },
    /// This devnet node holds too few keys of the new set to keep producing blocks.
    #[error("this devnet node holds {held} of {total} power of the new set, need more than 2/3")]
    NotSignable {
        /// Power of the keys the node holds.
        held: u64,
        /// Total power of the new set.
        total: u64,
    },
}

fn more_than_two_thirds(part: u64, total: u64) -> bool {
    u128::from(part) * 3 > u128::from(total) * 2
}

/// The BLS keys the devnet derives for `set`'s validators, in its order (`[STRAIT-LC-BLS.1]`,
/// devnet key derivation of §5.7); `None` if a validator is not of `chain`'s public key pool.
pub fn devnet_bls_keys(chain: ChainId, set: &ValidatorSet) -> Option<Vec<ValidatorBlsKey>> {
    let pool = crate::spec::devnet_key_pool(chain);
    set.validators()
        .iter()
        .map(|v| {
            let signer = pool.iter().find(|s| s.public_key() == v.pub_key)?;
            let bls = crate::consensus::devnet_bls_signer(signer);
            Some(ValidatorBlsKey {
                pub_key: bls.public_key(),
                proof_of_possession: bls.proof_of_possession(),
            })
        })
        .collect()
}

/// Signs the change from `current` to `new` with BLS keys `bls_keys` (the `counter`-th change of
/// `chain`) with `signers`, each of which must be in `current`; returns approvals by ascending
/// index.
///
/// # Panics
///
/// If a BLS key is not a curve point (the caller builds the change).
pub fn approve(
    chain: ChainId,
    current: &ValidatorSet,
    new: &ValidatorSet,
    bls_keys: &[ValidatorBlsKey],
    counter: u64,
    signers: &[&Signer],
) -> Vec<(u16, [u8; 64])> {
    let bls = new_bls_set(new, bls_keys, false).expect("BLS keys of the change are curve points");
    let digest = valset_change_digest(chain, &current.hash(), &new.hash(), &bls.hash(), counter);
    let mut approvals: Vec<(u16, [u8; 64])> = signers
        .iter()
        .filter_map(|s| {
            let (index, _) = current.find(&s.public_key())?;
            Some((index as u16, s.sign(digest.as_bytes())))
        })
        .collect();
    approvals.sort_by_key(|(i, _)| *i);
    approvals.dedup_by_key(|(i, _)| *i);
    approvals
}

/// A signed `SetValidators` transaction from `account` (its `nonce`), approved by `signers`, with
/// the BLS keys the devnet derives for `new` ([`devnet_bls_keys`]).
///
/// # Panics
///
/// If a validator of `new` is not of `chain`'s devnet key pool.
pub fn set_validators_tx(
    chain: ChainId,
    account: &AccountKey,
    nonce: u64,
    current: &ValidatorSet,
    new: ValidatorSet,
    counter: u64,
    signers: &[&Signer],
) -> SignedTx {
    let bls_keys = devnet_bls_keys(chain, &new).expect("devnet sets hold pool keys");
    let approvals = approve(chain, current, &new, &bls_keys, counter, signers);
    Tx {
        chain_id: chain,
        signer: account.address(),
        nonce,
        body: TxBody::SetValidators {
            validators: new,
            bls_keys,
            approvals,
        },
    }
    .sign(account)
}

/// Checks the approvals of a change to `new`, whose BLS set hashes to `new_bls` (one batch
/// verification).
pub fn check_approvals(
    chain: ChainId,
    current: &ValidatorSet,
    new: &ValidatorSet,
    new_bls: &Hash32,
    counter: u64,
    approvals: &[(u16, [u8; 64])],
) -> Result<(), ValsetError> {
    let digest: Hash32 =
        valset_change_digest(chain, &current.hash(), &new.hash(), new_bls, counter);
    let mut approved = 0u64;
    let mut keys: Vec<VerifyingKey> = Vec::with_capacity(approvals.len());
    for (position, (index, _)) in approvals.iter().enumerate() {
        if position > 0 && *index <= approvals[position - 1].0 {
            return Err(ValsetError::NotAscending { index: *index });
        }
        let validator = current
            .get(usize::from(*index))
            .ok_or(ValsetError::UnknownApprover {
                index: *index,
                validators: current.len(),
            })?;
        keys.push(
            validator
                .pub_key
                .to_verifying_key()
                .ok_or(ValsetError::BadApproval)?,
        );
        approved += validator.power;
    }
    if !more_than_two_thirds(approved, current.total_power()) {
        return Err(ValsetError::InsufficientPower {
            approved,
            total: current.total_power(),
        });
    }
    // The protocol's one ed25519 rule, batched (`[STRAIT-ED25519.2]`).
    let items: Vec<BatchItem<'_>> = keys
        .iter()
        .zip(approvals)
        .map(|(key, (_, signature))| BatchItem {
            key,
            message: digest.as_bytes(),
            signature,
        })
        .collect();
    verify_batch(&items).map_err(|_| ValsetError::BadApproval)
}

/// Checks that the node holds more than 2/3 of `new`'s power among `pool`.
pub fn check_signable(new: &ValidatorSet, pool: &[PublicKey]) -> Result<(), ValsetError> {
    let held: u64 = new
        .validators()
        .iter()
        .filter(|v| pool.contains(&v.pub_key))
        .map(|v| v.power)
        .sum();
    if !more_than_two_thirds(held, new.total_power()) {
        return Err(ValsetError::NotSignable {
            held,
            total: new.total_power(),
        });
    }
    Ok(())
}

/// The stored set at `key`.
pub fn load(state: &State, key: &[u8]) -> Option<ValidatorSet> {
    let raw = state.get(key).filter(|v| !v.is_empty())?;
    Some(decode_stored(raw))
}

/// Decodes a stored set through a per-thread memo: every block loads its signing set.
fn decode_stored(raw: &[u8]) -> ValidatorSet {
    thread_local! {
        static DECODED: Memo<ValidatorSet> = const { Memo::new() };
    }
    DECODED
        .with(|memo| memo.decode(raw, ValidatorSet::decode))
        .expect("the node's own validator set is canonical")
}

/// The number of changes executed so far (the counter the next change is approved under).
pub fn counter(state: &State) -> u64 {
    state.get_u64(keys::VALSET_COUNTER)
}

/// `[STRAIT-DEVNET.4]` Every validator of `new` whose key the node holds (`pool`) comes with the
/// BLS key the node derives for it, so the node can sign the change's blocks in BLS too.
pub fn check_bls_keys_held(
    chain: ChainId,
    new: &ValidatorSet,
    bls_keys: &[ValidatorBlsKey],
    pool: &[PublicKey],
) -> Result<(), ValsetError> {
    let signers = crate::spec::devnet_key_pool(chain);
    for (index, (v, key)) in new.validators().iter().zip(bls_keys).enumerate() {
        if !pool.contains(&v.pub_key) {
            continue;
        }
        let derived = signers
            .iter()
            .find(|s| s.public_key() == v.pub_key)
            .map(|s| crate::consensus::devnet_bls_signer(s).public_key());
        if derived != Some(key.pub_key) {
            return Err(ValsetError::BlsKeyNotHeld { index });
        }
    }
    Ok(())
}

/// Executes an approved change: checks it and stores `new` as pending. Cheap checks first: the
/// BLS keys are curve points (the BLS set's hash is part of what approvers sign), the approvals
/// (one ed25519 batch), the node holds enough of the new set (and its BLS keys); then every BLS
/// key's proof of possession (one pairing each), so no rogue key enters a set BLS-mode light
/// clients trust.
pub fn execute(
    state: &mut State,
    chain: ChainId,
    new: &ValidatorSet,
    bls_keys: &[ValidatorBlsKey],
    approvals: &[(u16, [u8; 64])],
    pool: &[PublicKey],
) -> Result<(), ValsetError> {
    let current = load(state, keys::VALSET_CURRENT).expect("the current set is stored at genesis");
    let count = counter(state);
    let unproven = new_bls_set(new, bls_keys, false).map_err(ValsetError::BlsKeys)?;
    check_approvals(chain, &current, new, &unproven.hash(), count, approvals)?;
    check_signable(new, pool)?;
    check_bls_keys_held(chain, new, bls_keys, pool)?;
    new_bls_set(new, bls_keys, true).map_err(ValsetError::BlsKeys)?;
    state.put(keys::VALSET_PENDING.to_vec(), new.encode());
    state.put_u64(keys::VALSET_COUNTER.to_vec(), count + 1);
    Ok(())
}

/// At the start of a block: the previous `next` set signs it, and a pending set (if any) becomes
/// the new `next`. Returns `(current, next)`.
pub fn begin_block(state: &mut State) -> (ValidatorSet, ValidatorSet) {
    let current = load(state, keys::VALSET_NEXT).expect("the next set is stored at genesis");
    // The encoding is canonical: equal sets have equal bytes, so comparing the stored bytes
    // spares decoding (decompressing every key of) the current set each block.
    if state.get(keys::VALSET_CURRENT) != state.get(keys::VALSET_NEXT) {
        state.put(keys::VALSET_CURRENT.to_vec(), current.encode());
    }
    let next = match load(state, keys::VALSET_PENDING) {
        Some(pending) => {
            state.put(keys::VALSET_NEXT.to_vec(), pending.encode());
            state.put(keys::VALSET_PENDING.to_vec(), Vec::new());
            pending
        }
        None => current.clone(),
    };
    (current, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{devnet_key_pool, devnet_validator_set};

    #[test]
    fn stored_sets_load_as_decoded_past_the_memo() {
        let mut state = State::default();
        // More distinct sets than the memo holds, loaded twice round: each loads as it decodes.
        let sets: Vec<ValidatorSet> = (0..Memo::<ValidatorSet>::ENTRIES as u32 + 3)
            .map(|i| devnet_validator_set(ChainId(1), i..i + 4, 10))
            .collect();
        for _ in 0..2 {
            for set in &sets {
                state.put(keys::VALSET_NEXT.to_vec(), set.encode());
                let loaded = load(&state, keys::VALSET_NEXT).unwrap();
                assert_eq!(&loaded, set);
                assert_eq!(loaded.hash(), set.hash());
                assert_eq!(loaded.total_power(), set.total_power());
            }
        }
        state.put(keys::VALSET_PENDING.to_vec(), Vec::new());
        assert!(load(&state, keys::VALSET_PENDING).is_none());
    }

    #[test]
    fn approvals_need_more_than_two_thirds_and_the_right_counter() {
        let chain = ChainId(1);
        let current = devnet_validator_set(chain, 0..4, 10);
        let new = devnet_validator_set(chain, 4..8, 10);
        let pool = devnet_key_pool(chain);
        let three: Vec<&Signer> = pool[..3].iter().collect();
        let bls = devnet_bls_keys(chain, &new).unwrap();
        let bls_hash = new_bls_set(&new, &bls, true).unwrap().hash();
        let ok = approve(chain, &current, &new, &bls, 0, &three);
        assert_eq!(
            check_approvals(chain, &current, &new, &bls_hash, 0, &ok),
            Ok(())
        );
        assert_eq!(
            check_approvals(chain, &current, &new, &bls_hash, 1, &ok),
            Err(ValsetError::BadApproval)
        );
        // Approvals bind the BLS keys: the same approvals with other BLS keys do not verify.
        assert_eq!(
            check_approvals(chain, &current, &new, &Hash32([1; 32]), 0, &ok),
            Err(ValsetError::BadApproval)
        );
        let two = approve(chain, &current, &new, &bls, 0, &three[..2]);
        assert_eq!(
            check_approvals(chain, &current, &new, &bls_hash, 0, &two),
            Err(ValsetError::InsufficientPower {
                approved: 20,
                total: 40
            })
        );
        let mut reversed = ok.clone();
        reversed.reverse();
        assert!(matches!(
            check_approvals(chain, &current, &new, &bls_hash, 0, &reversed),
            Err(ValsetError::NotAscending { .. })
        ));
        let keys: Vec<PublicKey> = pool.iter().map(Signer::public_key).collect();
        assert_eq!(check_signable(&new, &keys), Ok(()));
        assert!(check_signable(&new, &keys[..4]).is_err());
        assert_eq!(check_bls_keys_held(chain, &new, &bls, &keys), Ok(()));
        let mut swapped = bls.clone();
        swapped.swap(0, 1);
        assert_eq!(
            check_bls_keys_held(chain, &new, &swapped, &keys),
            Err(ValsetError::BlsKeyNotHeld { index: 0 })
        );
    }

    /// `[STRAIT-DEVNET.4]` A change is executed only with a valid proof of possession for every
    /// BLS key: a rogue key (one without a proof of its own) is refused, and nothing is stored.
    #[test]
    fn a_change_needs_a_proof_of_possession_for_every_bls_key() {
        let chain = ChainId(1);
        let current = devnet_validator_set(chain, 0..4, 10);
        let new = devnet_validator_set(chain, 4..8, 10);
        let pool = devnet_key_pool(chain);
        let keys: Vec<PublicKey> = pool.iter().map(Signer::public_key).collect();
        let three: Vec<&Signer> = pool[..3].iter().collect();
        let mut state = State::default();
        state.put(keys::VALSET_CURRENT.to_vec(), current.encode());
        let good = devnet_bls_keys(chain, &new).unwrap();
        // Validator 3's proof replaced by validator 2's.
        let mut rogue = good.clone();
        rogue[3].proof_of_possession = good[2].proof_of_possession;
        let approvals = approve(chain, &current, &new, &rogue, 0, &three);
        let refused = execute(&mut state, chain, &new, &rogue, &approvals, &keys[..8]);
        assert!(
            matches!(&refused, Err(ValsetError::BlsKeys(e)) if e.name() == "InvalidProofOfPossession"),
            "{refused:?}"
        );
        assert!(load(&state, keys::VALSET_PENDING).is_none());
        assert_eq!(counter(&state), 0);
        // A key that is not a curve point is refused before any approval is checked.
        let mut garbage = good.clone();
        garbage[1].pub_key[40] ^= 1;
        assert!(matches!(
            execute(&mut state, chain, &new, &garbage, &approvals, &keys[..8]),
            Err(ValsetError::BlsKeys(_))
        ));
        let approvals = approve(chain, &current, &new, &good, 0, &three);
        assert_eq!(
            execute(&mut state, chain, &new, &good, &approvals, &keys[..8]),
            Ok(())
        );
        assert_eq!(load(&state, keys::VALSET_PENDING), Some(new));
    }
}
