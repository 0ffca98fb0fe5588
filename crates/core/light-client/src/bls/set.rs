//! BLS validator sets (`[STRAIT-LC-BLS.1]`): a key in G1 and a proof of possession per validator.

use blst::min_pk::{PublicKey as G1Key, SecretKey, Signature};
use blst::BLST_ERROR;
use strait_primitives::{keccak256_concat, DecodeError, Hash32, Reader};

use super::{BlsValidatorSetError, POP_DST, PUBLIC_KEY_LEN, SIGNATURE_DST, SIGNATURE_LEN};
use crate::{MAX_TOTAL_POWER, MAX_VALIDATORS};

/// Domain tag of a BLS validator set's hash (`[STRAIT-LC-BLS.1]`).
pub const BLS_VALIDATOR_SET_TAG: &[u8] = b"STRAIT/BLS-VALSET/v1";
/// Bytes of one validator in the hashed form: key and big-endian power.
pub const BLS_VALIDATOR_HASHED_LEN: usize = PUBLIC_KEY_LEN + 8;
/// Bytes of one validator on the wire: key, proof of possession and big-endian power.
pub const BLS_VALIDATOR_ENCODED_LEN: usize = PUBLIC_KEY_LEN + SIGNATURE_LEN + 8;

/// One validator of a BLS set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlsValidator {
    /// The key, uncompressed G1 (ZCash serialization: big-endian `x | y`, flag bits clear).
    pub pub_key: [u8; PUBLIC_KEY_LEN],
    /// Signature of the key's compressed form under [`POP_DST`], uncompressed G2.
    pub proof_of_possession: [u8; SIGNATURE_LEN],
    /// Voting power, positive.
    pub power: u64,
}

/// A canonical BLS validator set (`[STRAIT-LC-BLS.1]`): 1 to [`MAX_VALIDATORS`] validators in
/// strictly ascending key-byte order, powers positive with a total at most [`MAX_TOTAL_POWER`],
/// every key in G1 and not the identity, every proof of possession valid. Only
/// [`BlsValidatorSet::new`] builds one, so the checks (one pairing per validator) run once per set.
///
/// [`BlsValidatorSet::new_unproven`] builds a set whose proofs of possession are not checked yet
/// ([`BlsValidatorSet::is_proven`] is false): the BLS header kind reads sets so, and checks the
/// proof of a signer only when the trusted set does not vouch for its key (`[STRAIT-LC-BLS.7]`).
#[derive(Clone)]
pub struct BlsValidatorSet {
    validators: Vec<BlsValidator>,
    keys: Vec<G1Key>,
    total_power: u64,
    hash: Hash32,
    proven: bool,
}

impl BlsValidatorSet {
    /// Checks that `validators` is canonical, verifies every proof of possession, builds the set.
    pub fn new(validators: Vec<BlsValidator>) -> Result<Self, BlsValidatorSetError> {
        Self::build(validators, true)
    }

    /// Checks that `validators` is canonical except that keys are only checked to be points of
    /// the curve and proofs of possession not at all (no subgroup check, no pairing):
    /// [`BlsValidatorSet::check_proof_of_possession`] checks the rest for one validator.
    pub fn new_unproven(validators: Vec<BlsValidator>) -> Result<Self, BlsValidatorSetError> {
        Self::build(validators, false)
    }

    /// Whether every proof of possession was checked when the set was built.
    pub fn is_proven(&self) -> bool {
        self.proven
    }

    /// Checks validator `index`'s key (in G1, not the identity) and its proof of possession (one
    /// pairing); `InvalidProofOfPossession` for either, and for an index out of range.
    pub fn check_proof_of_possession(&self, index: usize) -> Result<(), BlsValidatorSetError> {
        let bad_pop = BlsValidatorSetError::InvalidProofOfPossession { index };
        let (Some(v), Some(key)) = (self.validators.get(index), self.keys.get(index)) else {
            return Err(bad_pop);
        };
        let pop = Signature::deserialize(&v.proof_of_possession).map_err(|_| bad_pop.clone())?;
        // `pk_validate`: the subgroup and identity checks an unproven set skipped.
        if pop.verify(true, &key.compress(), POP_DST, &[], key, true) != BLST_ERROR::BLST_SUCCESS {
            return Err(bad_pop);
        }
        Ok(())
    }

    fn build(validators: Vec<BlsValidator>, prove: bool) -> Result<Self, BlsValidatorSetError> {
        if validators.is_empty() {
            return Err(BlsValidatorSetError::Empty);
        }
        if validators.len() > MAX_VALIDATORS {
            return Err(BlsValidatorSetError::TooManyValidators {
                got: validators.len(),
                max: MAX_VALIDATORS,
            });
        }
        let mut total_power = 0u64;
        let mut keys = Vec::with_capacity(validators.len());
        for (index, v) in validators.iter().enumerate() {
            if index > 0 && v.pub_key <= validators[index - 1].pub_key {
                return Err(BlsValidatorSetError::NotSorted { index });
            }
            if v.power == 0 {
                return Err(BlsValidatorSetError::ZeroPower { index });
            }
            total_power = total_power
                .checked_add(v.power)
                .filter(|&t| t <= MAX_TOTAL_POWER)
                .ok_or(BlsValidatorSetError::TotalPowerTooLarge {
                    max: MAX_TOTAL_POWER,
                })?;
            // Proven: on the curve, in G1, not the identity. Unproven: on the curve only (a few
            // microseconds instead of a subgroup check); `check_proof_of_possession` checks the
            // rest of a key before it is trusted (`[STRAIT-LC-BLS.7]`).
            let key = if prove {
                G1Key::key_validate(&v.pub_key)
            } else {
                G1Key::deserialize(&v.pub_key)
            }
            .map_err(|_| BlsValidatorSetError::InvalidKey { index })?;
            keys.push(key);
            if prove {
                let bad_pop = BlsValidatorSetError::InvalidProofOfPossession { index };
                let pop =
                    Signature::deserialize(&v.proof_of_possession).map_err(|_| bad_pop.clone())?;
                if pop.verify(
                    true,
                    &keys[index].compress(),
                    POP_DST,
                    &[],
                    &keys[index],
                    false,
                ) != BLST_ERROR::BLST_SUCCESS
                {
                    return Err(bad_pop);
                }
            }
        }
        let mut hashed = Vec::with_capacity(4 + BLS_VALIDATOR_HASHED_LEN * validators.len());
        hashed.extend_from_slice(&(validators.len() as u32).to_be_bytes());
        for v in &validators {
            hashed.extend_from_slice(&v.pub_key);
            hashed.extend_from_slice(&v.power.to_be_bytes());
        }
        let hash = keccak256_concat(&[BLS_VALIDATOR_SET_TAG, &hashed]);
        Ok(Self {
            validators,
            keys,
            total_power,
            hash,
            proven: prove,
        })
    }

    /// The validators, in ascending key order.
    pub fn validators(&self) -> &[BlsValidator] {
        &self.validators
    }

    /// Number of validators (at least one).
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Always false: a set has at least one validator.
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// Sum of the powers.
    pub fn total_power(&self) -> u64 {
        self.total_power
    }

    /// `keccak256("STRAIT/BLS-VALSET/v1" || u32 count || (pub_key || u64 power)*)`: the proofs of
    /// possession are not hashed (`[STRAIT-LC-BLS.1]`).
    pub fn hash(&self) -> Hash32 {
        self.hash
    }

    /// The position and entry of the validator with key `pub_key` (binary search).
    pub fn find(&self, pub_key: &[u8; PUBLIC_KEY_LEN]) -> Option<(usize, &BlsValidator)> {
        let index = self
            .validators
            .binary_search_by(|v| v.pub_key.cmp(pub_key))
            .ok()?;
        Some((index, &self.validators[index]))
    }

    pub(crate) fn key(&self, index: usize) -> Option<&G1Key> {
        self.keys.get(index)
    }

    /// Length of the wire encoding.
    pub fn encoded_len(&self) -> usize {
        4 + BLS_VALIDATOR_ENCODED_LEN * self.validators.len()
    }

    /// Appends `u32 count || (pub_key [96] || proof_of_possession [192] || u64 power)*`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.extend_from_slice(&(self.validators.len() as u32).to_be_bytes());
        for v in &self.validators {
            out.extend_from_slice(&v.pub_key);
            out.extend_from_slice(&v.proof_of_possession);
            out.extend_from_slice(&v.power.to_be_bytes());
        }
    }

    /// The wire encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics, checks the count before allocating.
    pub fn decode(bytes: &[u8]) -> Result<Self, BlsValidatorSetError> {
        let mut r = Reader::new(bytes);
        let set = Self::read(&mut r)?;
        r.finish()?;
        Ok(set)
    }

    /// Decodes untrusted bytes as [`BlsValidatorSet::new_unproven`] builds: no proof checked.
    pub fn decode_unproven(bytes: &[u8]) -> Result<Self, BlsValidatorSetError> {
        let mut r = Reader::new(bytes);
        let set = Self::read_with(&mut r, false)?;
        r.finish()?;
        Ok(set)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, BlsValidatorSetError> {
        Self::read_with(r, true)
    }

    pub(crate) fn read_with(r: &mut Reader<'_>, prove: bool) -> Result<Self, BlsValidatorSetError> {
        let count = r.len_u32("BLS validator count", MAX_VALIDATORS)?;
        let mut validators = Vec::with_capacity(count);
        for _ in 0..count {
            validators.push(BlsValidator {
                pub_key: r.array()?,
                proof_of_possession: r.array()?,
                power: r.u64()?,
            });
        }
        Self::build(validators, prove)
    }
}

impl PartialEq for BlsValidatorSet {
    fn eq(&self, other: &Self) -> bool {
        self.validators == other.validators
    }
}

impl Eq for BlsValidatorSet {}

impl core::fmt::Debug for BlsValidatorSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BlsValidatorSet")
            .field("hash", &self.hash)
            .field("len", &self.validators.len())
            .field("total_power", &self.total_power)
            .finish()
    }
}

/// A validator's BLS signing key, derived deterministically (devnet and tests).
#[derive(Clone)]
pub struct BlsSigner(SecretKey);

impl BlsSigner {
    /// The key derived from `ikm` by the IETF `KeyGen`.
    pub fn from_ikm(ikm: &[u8; 32]) -> Self {
        // `key_gen` fails only for fewer than 32 bytes of key material.
        Self(SecretKey::key_gen(ikm, &[]).expect("32 bytes of key material"))
    }

    /// The key, uncompressed.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.sk_to_pk().serialize()
    }

    /// The key's signature of its own compressed form under [`POP_DST`].
    pub fn proof_of_possession(&self) -> [u8; SIGNATURE_LEN] {
        self.0
            .sign(&self.0.sk_to_pk().compress(), POP_DST, &[])
            .serialize()
    }

    /// This signer as a validator of `power`.
    pub fn validator(&self, power: u64) -> BlsValidator {
        BlsValidator {
            pub_key: self.public_key(),
            proof_of_possession: self.proof_of_possession(),
            power,
        }
    }

    /// Signs `message` under [`SIGNATURE_DST`], uncompressed.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(message, SIGNATURE_DST, &[]).serialize()
    }
}

impl core::fmt::Debug for BlsSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print the secret.
        f.write_str("BlsSigner(..)")
    }
}

impl From<DecodeError> for BlsValidatorSetError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}
