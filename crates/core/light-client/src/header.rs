//! Block headers and the bytes validators sign (`[STRAIT-LC-HEADER.1]` to `[STRAIT-LC-HEADER.3]`).

use serde::{Deserialize, Serialize};
use strait_primitives::{
    domain, keccak256_concat, ChainId, DecodeError, Hash32, Height, Reader, Timestamp,
};

/// The only header version this implementation reads and writes.
pub const HEADER_VERSION: u8 = 1;
/// Length of the canonical header encoding: version, three u64 and five 32-byte hashes.
pub const HEADER_ENCODED_LEN: usize = 1 + 3 * 8 + 5 * 32;
/// Length of [`vote_sign_bytes`]: the `STRAIT/BFT/COMMIT/v1` tag, chain id, height, header hash.
pub const VOTE_SIGN_BYTES_LEN: usize = domain::COMMIT_VOTE.len() + 8 + 8 + 32;

/// The header of a block of a Strait BFT chain (`[STRAIT-LC-HEADER.1]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Header {
    /// Chain the block belongs to.
    pub chain_id: ChainId,
    /// Height of the block.
    pub height: Height,
    /// Block time, Unix milliseconds.
    pub timestamp: Timestamp,
    /// Hash of the previous block's header.
    pub parent_hash: Hash32,
    /// Root of the application state after this block.
    pub app_state_root: Hash32,
    /// Root of the Merkle tree of messages sent by this chain up to this block.
    pub outbox_root: Hash32,
    /// [`ValidatorSet::hash`](crate::ValidatorSet::hash) of the set that signs this header.
    pub validators_hash: Hash32,
    /// Hash of the set that signs the next header.
    pub next_validators_hash: Hash32,
}

impl Header {
    /// The canonical encoding (`[STRAIT-LC-HEADER.1]`): version byte `1`, then every field in
    /// declaration order, integers as big-endian u64; always [`HEADER_ENCODED_LEN`] bytes.
    pub fn encode(&self) -> [u8; HEADER_ENCODED_LEN] {
        let mut out = [0u8; HEADER_ENCODED_LEN];
        out[0] = HEADER_VERSION;
        out[1..9].copy_from_slice(&self.chain_id.to_be_bytes());
        out[9..17].copy_from_slice(&self.height.to_be_bytes());
        out[17..25].copy_from_slice(&self.timestamp.to_be_bytes());
        let hashes = [
            &self.parent_hash,
            &self.app_state_root,
            &self.outbox_root,
            &self.validators_hash,
            &self.next_validators_hash,
        ];
        for (i, h) in hashes.into_iter().enumerate() {
            out[25 + 32 * i..57 + 32 * i].copy_from_slice(h.as_bytes());
        }
        out
    }

    /// Appends the canonical encoding to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.encode());
    }

    /// Decodes untrusted bytes; never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = Self::read(&mut r)?;
        r.finish()?;
        Ok(header)
    }

    /// Reads one header from `r`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.u8()?;
        if version != HEADER_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                got: version,
                expected: HEADER_VERSION,
            });
        }
        Ok(Self {
            chain_id: ChainId(r.u64()?),
            height: Height(r.u64()?),
            timestamp: Timestamp(r.u64()?),
            parent_hash: Hash32(r.array()?),
            app_state_root: Hash32(r.array()?),
            outbox_root: Hash32(r.array()?),
            validators_hash: Hash32(r.array()?),
            next_validators_hash: Hash32(r.array()?),
        })
    }

    /// `keccak256("STRAIT/HEADER/v1" || encode(self))` (`[STRAIT-LC-HEADER.2]`).
    pub fn hash(&self) -> Hash32 {
        keccak256_concat(&[domain::HEADER, &self.encode()])
    }
}

/// The message a validator signs to commit the header `header_hash` at `height` of `chain_id`
/// (`[STRAIT-LC-HEADER.3]`): `"STRAIT/BFT/COMMIT/v1" || u64 chain_id || u64 height || header_hash`.
///
/// The tag separates commit votes from every other signed Strait message, and the chain id binds
/// the vote to one chain even if two chains ever produced headers with equal hashes.
pub fn vote_sign_bytes(
    chain_id: ChainId,
    height: Height,
    header_hash: &Hash32,
) -> [u8; VOTE_SIGN_BYTES_LEN] {
    let tag = domain::COMMIT_VOTE.len();
    let mut out = [0u8; VOTE_SIGN_BYTES_LEN];
    out[..tag].copy_from_slice(domain::COMMIT_VOTE);
    out[tag..tag + 8].copy_from_slice(&chain_id.to_be_bytes());
    out[tag + 8..tag + 16].copy_from_slice(&height.to_be_bytes());
    out[tag + 16..].copy_from_slice(header_hash.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            chain_id: ChainId(7),
            height: Height(9),
            timestamp: Timestamp(11),
            parent_hash: Hash32([1; 32]),
            app_state_root: Hash32([2; 32]),
            outbox_root: Hash32([3; 32]),
            validators_hash: Hash32([4; 32]),
            next_validators_hash: Hash32([5; 32]),
        }
    }

    #[test]
    fn layout_is_fixed() {
        let bytes = sample().encode();
        assert_eq!(HEADER_ENCODED_LEN, 185);
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..9], &7u64.to_be_bytes());
        assert_eq!(&bytes[17..25], &11u64.to_be_bytes());
        assert_eq!(&bytes[153..185], &[5u8; 32]);
        assert_eq!(Header::decode(&bytes).unwrap(), sample());
    }

    #[test]
    fn truncation_trailing_and_version_are_rejected() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(matches!(
                Header::decode(&bytes[..len]),
                Err(DecodeError::Truncated { .. })
            ));
        }
        let mut long = bytes.to_vec();
        long.push(0);
        assert_eq!(
            Header::decode(&long),
            Err(DecodeError::TrailingBytes { extra: 1 })
        );
        let mut bad = bytes;
        bad[0] = 2;
        assert!(matches!(
            Header::decode(&bad),
            Err(DecodeError::UnsupportedVersion { got: 2, .. })
        ));
    }

    #[test]
    fn hash_commits_to_every_byte_and_vote_binds_chain() {
        let h = sample();
        let hash = h.hash();
        let bytes = h.encode();
        for i in 1..bytes.len() {
            let mut t = bytes;
            t[i] ^= 1;
            assert_ne!(Header::decode(&t).unwrap().hash(), hash, "byte {i}");
        }
        let vote = vote_sign_bytes(ChainId(1), Height(2), &hash);
        assert_eq!(VOTE_SIGN_BYTES_LEN, 68);
        assert!(vote.starts_with(b"STRAIT/BFT/COMMIT/v1"));
        assert_ne!(vote, vote_sign_bytes(ChainId(2), Height(2), &hash));
    }
}
