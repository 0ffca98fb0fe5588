//! A proposal: what a proposer claims about the source's outbox (`[STRAIT-OPT.2]`).

use strait_primitives::{DecodeError, Hash32, Height, Reader};

/// Length of an encoded proposal.
pub const PROPOSAL_LEN: usize = 48;
/// The most leaves an outbox holds (`[STRAIT-MERKLE.3]`).
pub const MAX_LEAF_COUNT: u64 = 1 << 32;

/// At `height`, the source's outbox held `leaf_count` ids and its root was `root`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The source height.
    pub height: Height,
    /// The source's outbox root at that height.
    pub root: Hash32,
    /// How many ids the outbox held (at most [`MAX_LEAF_COUNT`]).
    pub leaf_count: u64,
}

impl Proposal {
    /// `height u64 | root [32] | leaf_count u64`.
    pub fn encode(&self) -> [u8; PROPOSAL_LEN] {
        let mut out = [0u8; PROPOSAL_LEN];
        out[..8].copy_from_slice(&self.height.to_be_bytes());
        out[8..40].copy_from_slice(&self.root.0);
        out[40..].copy_from_slice(&self.leaf_count.to_be_bytes());
        out
    }

    /// Reads a proposal: each field present (`Truncated`), the leaf count at most
    /// [`MAX_LEAF_COUNT`] (`TooLarge`).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let height = Height(r.u64()?);
        let root = Hash32(r.array()?);
        let leaf_count = r.u64()?;
        if leaf_count > MAX_LEAF_COUNT {
            return Err(DecodeError::TooLarge {
                what: "proposal leaf count",
                got: leaf_count,
                max: MAX_LEAF_COUNT,
            });
        }
        Ok(Self {
            height,
            root,
            leaf_count,
        })
    }

    /// Decodes exactly one proposal.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let proposal = Self::read(&mut r)?;
        r.finish()?;
        Ok(proposal)
    }
}
