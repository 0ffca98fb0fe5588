//! Commits, signed headers and light blocks, with their canonical encodings
//! (`[STRAIT-LC-BLOCK.1]` to `[STRAIT-LC-BLOCK.3]`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strait_primitives::{DecodeError, Reader};

use crate::{Header, ValidatorSet, ValidatorSetError, MAX_VALIDATORS};

/// Bytes of one encoded commit signature: u16 validator index and the 64-byte signature.
pub const COMMIT_SIG_ENCODED_LEN: usize = 2 + 64;

/// Length in bytes of the largest light block (`[STRAIT-LC-BLOCK.3]`): a header, a commit of
/// [`MAX_VALIDATORS`] signatures and two sets of [`MAX_VALIDATORS`] validators, 74,949 bytes.
pub const LARGEST_LIGHT_BLOCK_LEN: usize = crate::HEADER_ENCODED_LEN
    + 4
    + MAX_VALIDATORS * COMMIT_SIG_ENCODED_LEN
    + 2 * (4 + MAX_VALIDATORS * crate::VALIDATOR_ENCODED_LEN);

/// Why bytes are not a canonical commit, signed header or light block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The bytes are malformed.
    #[error("malformed block: {0}")]
    Decode(#[from] DecodeError),
    /// One of the validator sets is not canonical.
    #[error("invalid validator set: {0}")]
    ValidatorSet(#[from] ValidatorSetError),
}

impl BlockError {
    /// The SPEC name of the innermost cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::ValidatorSet(e) => e.name(),
        }
    }
}

/// The signature of one validator on a header (`[STRAIT-LC-BLOCK.1]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommitSig {
    /// Position of the signer in the header's own validator set.
    pub validator_index: u16,
    /// ed25519 signature over [`vote_sign_bytes`](crate::vote_sign_bytes) of the header.
    #[serde(with = "hex64")]
    pub signature: [u8; 64],
}

/// The signatures that commit a header. Canonical form: validator indices strictly increasing, at
/// most [`MAX_VALIDATORS`] signatures (`[STRAIT-LC-BLOCK.1]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Commit {
    /// The signatures, by increasing validator index.
    pub signatures: Vec<CommitSig>,
}

impl Commit {
    /// Length of the canonical encoding.
    pub fn encoded_len(&self) -> usize {
        4 + COMMIT_SIG_ENCODED_LEN * self.signatures.len()
    }

    /// Appends `u32 count || (u16 validator_index || signature)*`.
    ///
    /// A commit built in memory with more than [`MAX_VALIDATORS`] signatures is a bug.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        debug_assert!(self.signatures.len() <= MAX_VALIDATORS, "commit too large");
        out.reserve(self.encoded_len());
        out.extend_from_slice(&(self.signatures.len() as u32).to_be_bytes());
        for sig in &self.signatures {
            out.extend_from_slice(&sig.validator_index.to_be_bytes());
            out.extend_from_slice(&sig.signature);
        }
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics. Rejects indices that are not strictly increasing.
    pub fn decode(bytes: &[u8]) -> Result<Self, BlockError> {
        let mut r = Reader::new(bytes);
        let commit = Self::read(&mut r)?;
        r.finish()?;
        Ok(commit)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let count = r.len_u32("commit signature count", MAX_VALIDATORS)?;
        let mut signatures = Vec::with_capacity(count);
        for _ in 0..count {
            let validator_index = r.u16()?;
            if signatures
                .last()
                .is_some_and(|prev: &CommitSig| prev.validator_index >= validator_index)
            {
                return Err(DecodeError::Invalid {
                    what: "commit validator index order",
                    value: validator_index.into(),
                });
            }
            signatures.push(CommitSig {
                validator_index,
                signature: r.array()?,
            });
        }
        Ok(Self { signatures })
    }
}

/// A header and the commit that signs it (`[STRAIT-LC-BLOCK.2]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedHeader {
    /// The header.
    pub header: Header,
    /// Signatures of the header's validators on it.
    pub commit: Commit,
}

impl SignedHeader {
    /// Appends `header (185 bytes) || commit`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        self.header.encode_into(out);
        self.commit.encode_into(out);
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(crate::HEADER_ENCODED_LEN + self.commit.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, BlockError> {
        let mut r = Reader::new(bytes);
        let signed = Self::read(&mut r)?;
        r.finish()?;
        Ok(signed)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            header: Header::read(r)?,
            commit: Commit::read(r)?,
        })
    }
}

/// Everything a light client needs to verify one header (`[STRAIT-LC-BLOCK.3]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightBlock {
    /// The header and its commit.
    pub signed_header: SignedHeader,
    /// The set whose hash is the header's `validators_hash`.
    pub validators: ValidatorSet,
    /// The set whose hash is the header's `next_validators_hash`.
    pub next_validators: ValidatorSet,
}

impl LightBlock {
    /// The header.
    pub fn header(&self) -> &crate::Header {
        &self.signed_header.header
    }

    /// Appends `signed_header || validators || next_validators`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        self.signed_header.encode_into(out);
        self.validators.encode_into(out);
        self.next_validators.encode_into(out);
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics, every count is bounded before allocation.
    ///
    /// Building a set checks and decompresses every key (about 7 us each). When the next set is
    /// byte for byte the current one, the usual case, it is cloned instead of checked twice.
    pub fn decode(bytes: &[u8]) -> Result<Self, BlockError> {
        let mut r = Reader::new(bytes);
        let signed_header = SignedHeader::read(&mut r)?;
        let start = r.offset();
        let validators = ValidatorSet::read(&mut r)?;
        let current = &bytes[start..r.offset()];
        let next_validators = if bytes[r.offset()..].starts_with(current) {
            r.bytes(current.len())?;
            validators.clone()
        } else {
            ValidatorSet::read(&mut r)?
        };
        r.finish()?;
        Ok(Self {
            signed_header,
            validators,
            next_validators,
        })
    }
}

/// Serde of a 64-byte array as `0x`-prefixed hex.
mod hex64 {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8; 64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("0x{}", hex::encode(bytes)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 64], D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let mut out = [0u8; 64];
        hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(&s), &mut out)
            .map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}
