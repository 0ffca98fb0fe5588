//! Checkpoints and the bytes a committee signs (`[STRAIT-ATTEST.1]`, `[STRAIT-ATTEST.2]`,
//! `[STRAIT-ATTEST.5]`).

use strait_primitives::{keccak256_concat, ChainId, DecodeError, Hash32, Height, Reader};

/// Tag of the bytes an attester signs to certify a checkpoint (`[STRAIT-ATTEST.2]`).
pub const CHECKPOINT_TAG: &[u8] = b"STRAIT/ATTEST/CHECKPOINT/v1";
/// Tag of the bytes a committee signs to hand over to its next epoch (`[STRAIT-ATTEST.5]`).
pub const ROTATION_TAG: &[u8] = b"STRAIT/ATTEST/ROTATION/v1";
/// Tag of the preimage of a committee id (`[STRAIT-ATTEST.3]`).
pub const COMMITTEE_TAG: &[u8] = b"STRAIT/ATTEST/COMMITTEE/v1";

/// Length of an encoded checkpoint.
pub const CHECKPOINT_LEN: usize = 56;
/// Length of the checkpoint sign bytes.
pub const CHECKPOINT_SIGN_BYTES_LEN: usize = 27 + 32 + 8 + CHECKPOINT_LEN;
/// Length of the rotation sign bytes.
pub const ROTATION_SIGN_BYTES_LEN: usize = 25 + 32 + 8 + 32;
/// The most leaves an outbox holds (`[STRAIT-MERKLE.3]`): a checkpoint's leaf count is at most this.
pub const MAX_LEAF_COUNT: u64 = 1 << 32;

/// A statement about a source chain's outbox (`[STRAIT-ATTEST.1]`): at `source_height`, the outbox
/// of `source_chain` held `leaf_count` message ids and its root was `outbox_root`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The chain whose outbox this is.
    pub source_chain: ChainId,
    /// The outbox root.
    pub outbox_root: Hash32,
    /// How many ids the outbox held (at most [`MAX_LEAF_COUNT`]).
    pub leaf_count: u64,
    /// The source height at which it did.
    pub source_height: Height,
}

impl Checkpoint {
    /// `source_chain u64 | outbox_root [32] | leaf_count u64 | source_height u64`.
    pub fn encode(&self) -> [u8; CHECKPOINT_LEN] {
        let mut out = [0u8; CHECKPOINT_LEN];
        out[..8].copy_from_slice(&self.source_chain.to_be_bytes());
        out[8..40].copy_from_slice(&self.outbox_root.0);
        out[40..48].copy_from_slice(&self.leaf_count.to_be_bytes());
        out[48..].copy_from_slice(&self.source_height.to_be_bytes());
        out
    }

    /// Reads a checkpoint; a leaf count above [`MAX_LEAF_COUNT`] is `TooLarge`.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let source_chain = ChainId(r.u64()?);
        let outbox_root = Hash32(r.array()?);
        let leaf_count = r.u64()?;
        if leaf_count > MAX_LEAF_COUNT {
            return Err(DecodeError::TooLarge {
                what: "checkpoint leaf count",
                got: leaf_count,
                max: MAX_LEAF_COUNT,
            });
        }
        let source_height = Height(r.u64()?);
        Ok(Self {
            source_chain,
            outbox_root,
            leaf_count,
            source_height,
        })
    }

    /// Decodes exactly one checkpoint.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let checkpoint = Self::read(&mut r)?;
        r.finish()?;
        Ok(checkpoint)
    }

    /// The bytes every member signs to certify this checkpoint to the committee `committee_id` at
    /// `epoch` (`[STRAIT-ATTEST.2]`): `"STRAIT/ATTEST/CHECKPOINT/v1" || committee_id || epoch u64 ||
    /// checkpoint`.
    pub fn sign_bytes(&self, committee_id: &Hash32, epoch: u64) -> [u8; CHECKPOINT_SIGN_BYTES_LEN] {
        let mut out = [0u8; CHECKPOINT_SIGN_BYTES_LEN];
        out[..27].copy_from_slice(CHECKPOINT_TAG);
        out[27..59].copy_from_slice(&committee_id.0);
        out[59..67].copy_from_slice(&epoch.to_be_bytes());
        out[67..].copy_from_slice(&self.encode());
        out
    }

    /// Whether an append-only outbox cannot have produced both checkpoints (`[STRAIT-ATTEST.7]`):
    /// of one source, either at one height with another root or leaf count, or with one leaf count
    /// and another root, or with more leaves at the lower height.
    pub fn conflicts_with(&self, other: &Self) -> bool {
        if self.source_chain != other.source_chain {
            return false;
        }
        let same_height = self.source_height == other.source_height
            && (self.outbox_root != other.outbox_root || self.leaf_count != other.leaf_count);
        let same_count =
            self.leaf_count == other.leaf_count && self.outbox_root != other.outbox_root;
        let shrinking = (self.source_height < other.source_height
            && self.leaf_count > other.leaf_count)
            || (other.source_height < self.source_height && other.leaf_count > self.leaf_count);
        same_height || same_count || shrinking
    }
}

/// The bytes every member of the committee `committee_id` at `epoch` signs to hand over to the
/// committee whose stored encoding hashes to `next_committee_hash` (`[STRAIT-ATTEST.5]`):
/// `"STRAIT/ATTEST/ROTATION/v1" || committee_id || epoch u64 || next_committee_hash`.
pub fn rotation_sign_bytes(
    committee_id: &Hash32,
    epoch: u64,
    next_committee_hash: &Hash32,
) -> [u8; ROTATION_SIGN_BYTES_LEN] {
    let mut out = [0u8; ROTATION_SIGN_BYTES_LEN];
    out[..25].copy_from_slice(ROTATION_TAG);
    out[25..57].copy_from_slice(&committee_id.0);
    out[57..65].copy_from_slice(&epoch.to_be_bytes());
    out[65..].copy_from_slice(&next_committee_hash.0);
    out
}

/// A committee id: `keccak256("STRAIT/ATTEST/COMMITTEE/v1" || kind u16 || genesis committee)`
/// over the stored encoding of the committee at epoch 0 (`[STRAIT-ATTEST.3]`).
pub fn committee_id(kind: u16, genesis_committee: &[u8]) -> Hash32 {
    keccak256_concat(&[COMMITTEE_TAG, &kind.to_be_bytes(), genesis_committee])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(height: u64, count: u64, root: u8) -> Checkpoint {
        Checkpoint {
            source_chain: ChainId(1),
            outbox_root: Hash32([root; 32]),
            leaf_count: count,
            source_height: Height(height),
        }
    }

    #[test]
    fn sign_bytes_have_their_documented_lengths_and_tags() {
        let c = cp(7, 3, 9);
        let bytes = c.sign_bytes(&Hash32([1; 32]), 5);
        assert!(bytes.starts_with(CHECKPOINT_TAG));
        assert_eq!(&bytes[67..], &c.encode());
        assert_eq!(Checkpoint::decode(&bytes[67..]).unwrap(), c);
        let rotation = rotation_sign_bytes(&Hash32([1; 32]), 5, &Hash32([2; 32]));
        assert!(rotation.starts_with(ROTATION_TAG));
        assert_eq!(CHECKPOINT_TAG.len(), 27);
        assert_eq!(ROTATION_TAG.len(), 25);
    }

    #[test]
    fn leaf_count_is_bounded_at_and_past_the_outbox_capacity() {
        let mut at = cp(1, MAX_LEAF_COUNT, 1).encode();
        assert!(Checkpoint::decode(&at).is_ok());
        at[40..48].copy_from_slice(&(MAX_LEAF_COUNT + 1).to_be_bytes());
        assert_eq!(Checkpoint::decode(&at).unwrap_err().name(), "TooLarge");
    }

    #[test]
    fn conflicts_are_exactly_what_an_append_only_outbox_cannot_do() {
        let a = cp(10, 5, 1);
        assert!(!a.conflicts_with(&a));
        // Same height, another root or count.
        assert!(a.conflicts_with(&cp(10, 5, 2)));
        assert!(a.conflicts_with(&cp(10, 6, 1)));
        // Same count, another root, at any height.
        assert!(a.conflicts_with(&cp(12, 5, 2)));
        // Same count and root at another height: nothing was sent in between.
        assert!(!a.conflicts_with(&cp(12, 5, 1)));
        // Fewer leaves later, or more leaves earlier.
        assert!(a.conflicts_with(&cp(11, 4, 3)));
        assert!(cp(11, 4, 3).conflicts_with(&a));
        assert!(!a.conflicts_with(&cp(11, 6, 3)));
        // Another source never conflicts.
        let mut other = cp(10, 5, 2);
        other.source_chain = ChainId(2);
        assert!(!a.conflicts_with(&other));
    }
}
