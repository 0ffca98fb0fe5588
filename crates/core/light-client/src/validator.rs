//! Validators and canonical validator sets (`[STRAIT-LC-VALSET.1]`, `[STRAIT-LC-VALSET.2]`).
//!
//! A [`ValidatorSet`] can only be built through [`ValidatorSet::new`] (or decoded, which calls it),
//! so every set in memory is canonical: 1 to [`MAX_VALIDATORS`] validators in strictly ascending
//! public-key order, every power positive, the total at most [`MAX_TOTAL_POWER`], and every key a
//! canonically encoded ed25519 point of large order. Its decompressed keys, total power and hash are
//! computed once at construction, so verifying a commit never decompresses a key again.

use core::fmt;
use core::str::FromStr;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strait_primitives::{domain, keccak256_concat, DecodeError, Hash32, Reader};

/// Largest number of validators in a set (`[STRAIT-LC-VALSET.1]`).
pub const MAX_VALIDATORS: usize = 512;
/// Largest total voting power of a set: `i64::MAX / 8`, as in CometBFT, so that power sums and the
/// threshold products computed by any implementation (including the EVM contracts) cannot overflow.
pub const MAX_TOTAL_POWER: u64 = (i64::MAX / 8) as u64;
/// Bytes of one encoded validator: public key and big-endian power.
pub const VALIDATOR_ENCODED_LEN: usize = 32 + 8;

/// Why a list of validators is not a canonical validator set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorSetError {
    /// The bytes are not a well-formed validator set encoding.
    #[error("malformed validator set: {0}")]
    Decode(#[from] DecodeError),
    /// A set must have at least one validator.
    #[error("validator set is empty")]
    Empty,
    /// More than [`MAX_VALIDATORS`] validators.
    #[error("{got} validators, above the maximum {max}")]
    TooManyValidators {
        /// Number of validators given.
        got: usize,
        /// [`MAX_VALIDATORS`].
        max: usize,
    },
    /// Keys are not in strictly ascending order (this includes a repeated key).
    #[error("validator {index} is not in strictly ascending public-key order")]
    NotSorted {
        /// Position of the first key not greater than its predecessor.
        index: usize,
    },
    /// A validator has zero power.
    #[error("validator {index} has zero power")]
    ZeroPower {
        /// Position of the validator.
        index: usize,
    },
    /// The total power exceeds [`MAX_TOTAL_POWER`].
    #[error("total power exceeds the maximum {max}")]
    TotalPowerTooLarge {
        /// [`MAX_TOTAL_POWER`].
        max: u64,
    },
    /// A key is not the canonical encoding of an ed25519 point, or is of small order.
    #[error("validator {index} has an invalid or weak public key {key}")]
    InvalidKey {
        /// Position of the validator.
        index: usize,
        /// The rejected key.
        key: PublicKey,
    },
}

impl ValidatorSetError {
    /// The SPEC name of the innermost cause (the variant name; decode errors delegate).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::Empty => "Empty",
            Self::TooManyValidators { .. } => "TooManyValidators",
            Self::NotSorted { .. } => "NotSorted",
            Self::ZeroPower { .. } => "ZeroPower",
            Self::TotalPowerTooLarge { .. } => "TotalPowerTooLarge",
            Self::InvalidKey { .. } => "InvalidKey",
        }
    }
}

/// An ed25519 public key, as its 32-byte compressed encoding.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Decompresses the key, rejecting non-canonical encodings and small-order points.
    pub fn to_verifying_key(&self) -> Option<VerifyingKey> {
        // `from_bytes` accepts a y coordinate >= p: two encodings of one point would let one
        // validator appear twice in a sorted set, so only the canonical encoding is accepted.
        // (The other non-canonical form, x = 0 with the sign bit set, only encodes points of
        // small order, which are refused below.)
        if !self.y_is_canonical() {
            return None;
        }
        let key = VerifyingKey::from_bytes(&self.0).ok()?;
        (!key.is_weak()).then_some(key)
    }

    /// Whether the little-endian y coordinate (the low 255 bits) is below p = 2^255 - 19.
    fn y_is_canonical(&self) -> bool {
        let b = &self.0;
        let top_all_ones = b[31] & 0x7f == 0x7f && b[1..31].iter().all(|&x| x == 0xff);
        !(top_all_ones && b[0] >= 0xed)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl FromStr for PublicKey {
    type Err = strait_primitives::ids::ParseHexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // A public key has the same text form as a 32-byte hash.
        Ok(Self(s.parse::<Hash32>()?.0))
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A validator: its key and its voting power.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Validator {
    /// The key the validator signs commits with.
    pub pub_key: PublicKey,
    /// Voting power, positive.
    pub power: u64,
}

/// A canonical, weighted set of validators (`[STRAIT-LC-VALSET.1]`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "Vec<Validator>", into = "Vec<Validator>")]
pub struct ValidatorSet {
    validators: Vec<Validator>,
    keys: Vec<VerifyingKey>,
    total_power: u64,
    hash: Hash32,
}

impl ValidatorSet {
    /// Checks that `validators` is canonical and builds the set.
    pub fn new(validators: Vec<Validator>) -> Result<Self, ValidatorSetError> {
        if validators.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        if validators.len() > MAX_VALIDATORS {
            return Err(ValidatorSetError::TooManyValidators {
                got: validators.len(),
                max: MAX_VALIDATORS,
            });
        }
        let mut total_power = 0u64;
        let mut keys = Vec::with_capacity(validators.len());
        for (index, v) in validators.iter().enumerate() {
            if index > 0 && v.pub_key <= validators[index - 1].pub_key {
                return Err(ValidatorSetError::NotSorted { index });
            }
            if v.power == 0 {
                return Err(ValidatorSetError::ZeroPower { index });
            }
            total_power = total_power
                .checked_add(v.power)
                .filter(|&t| t <= MAX_TOTAL_POWER)
                .ok_or(ValidatorSetError::TotalPowerTooLarge {
                    max: MAX_TOTAL_POWER,
                })?;
            let key = v
                .pub_key
                .to_verifying_key()
                .ok_or(ValidatorSetError::InvalidKey {
                    index,
                    key: v.pub_key,
                })?;
            keys.push(key);
        }
        let hash = keccak256_concat(&[domain::VALIDATOR_SET, &encode_list(&validators)]);
        Ok(Self {
            validators,
            keys,
            total_power,
            hash,
        })
    }

    /// The validators, in ascending public-key order.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// Number of validators.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Always false: a set has at least one validator.
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// The validator at `index`.
    pub fn get(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }

    /// Sum of the validators' powers, at most [`MAX_TOTAL_POWER`].
    pub fn total_power(&self) -> u64 {
        self.total_power
    }

    /// `keccak256("STRAIT/VALSET/v1" || encode(self))` (`[STRAIT-LC-VALSET.2]`), computed once.
    pub fn hash(&self) -> Hash32 {
        self.hash
    }

    /// The position and entry of the validator with key `pub_key` (binary search).
    pub fn find(&self, pub_key: &PublicKey) -> Option<(usize, &Validator)> {
        let index = self
            .validators
            .binary_search_by(|v| v.pub_key.cmp(pub_key))
            .ok()?;
        Some((index, &self.validators[index]))
    }

    /// The decompressed key of the validator at `index`.
    pub(crate) fn verifying_key(&self, index: usize) -> Option<&VerifyingKey> {
        self.keys.get(index)
    }

    /// Length of the canonical encoding.
    pub fn encoded_len(&self) -> usize {
        4 + VALIDATOR_ENCODED_LEN * self.validators.len()
    }

    /// Appends the canonical encoding: `u32 count || (pub_key || u64 power)*`, big-endian.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        encode_list_into(&self.validators, out);
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        encode_list(&self.validators)
    }

    /// Decodes untrusted bytes; never panics, checks the count before allocating.
    pub fn decode(bytes: &[u8]) -> Result<Self, ValidatorSetError> {
        let mut r = Reader::new(bytes);
        let set = Self::read(&mut r)?;
        r.finish()?;
        Ok(set)
    }

    /// Reads one validator set from `r`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, ValidatorSetError> {
        let count = r.len_u32("validator count", MAX_VALIDATORS)?;
        let mut validators = Vec::with_capacity(count);
        for _ in 0..count {
            let pub_key = PublicKey(r.array()?);
            let power = r.u64()?;
            validators.push(Validator { pub_key, power });
        }
        Self::new(validators)
    }
}

fn encode_list_into(validators: &[Validator], out: &mut Vec<u8>) {
    debug_assert!(validators.len() <= MAX_VALIDATORS, "set over the maximum");
    out.reserve(4 + VALIDATOR_ENCODED_LEN * validators.len());
    out.extend_from_slice(&(validators.len() as u32).to_be_bytes());
    for v in validators {
        out.extend_from_slice(&v.pub_key.0);
        out.extend_from_slice(&v.power.to_be_bytes());
    }
}

fn encode_list(validators: &[Validator]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_list_into(validators, &mut out);
    out
}

impl PartialEq for ValidatorSet {
    fn eq(&self, other: &Self) -> bool {
        // Everything else is derived from the list.
        self.validators == other.validators
    }
}

impl Eq for ValidatorSet {}

impl fmt::Debug for ValidatorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidatorSet")
            .field("hash", &self.hash)
            .field("total_power", &self.total_power)
            .field("validators", &self.validators)
            .finish()
    }
}

impl TryFrom<Vec<Validator>> for ValidatorSet {
    type Error = ValidatorSetError;

    fn try_from(validators: Vec<Validator>) -> Result<Self, Self::Error> {
        Self::new(validators)
    }
}

impl From<ValidatorSet> for Vec<Validator> {
    fn from(set: ValidatorSet) -> Self {
        set.validators
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The byte test of canonical y agrees with decompressing and recompressing.
        #[test]
        fn canonical_check_matches_recompression(mut bytes in any::<[u8; 32]>(), high in any::<bool>(), low in 0xe0u8..=0xff) {
            if high {
                // Concentrate on the values near p.
                bytes[1..31].fill(0xff);
                bytes[31] |= 0x7f;
                bytes[0] = low;
            }
            let key = PublicKey(bytes);
            if let Ok(point) = VerifyingKey::from_bytes(&bytes) {
                if !point.is_weak() {
                    let recompressed = point.to_edwards().compress().to_bytes() == bytes;
                    prop_assert_eq!(key.to_verifying_key().is_some(), recompressed);
                }
            }
        }
    }

    #[test]
    fn near_p_encodings() {
        let mut p_minus_1 = [0xffu8; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        assert!(PublicKey(p_minus_1).y_is_canonical());
        let mut p = p_minus_1;
        p[0] = 0xed;
        assert!(!PublicKey(p).y_is_canonical());
        p[31] = 0xff;
        assert!(!PublicKey(p).y_is_canonical());
    }
}
