//! What a committee client keeps in its store (`[STRAIT-ATTEST.8]`).
//!
//! ```text
//! "s"                 -> client state = source u64 | committee_id [32] | epoch u64
//!                        | latest_height u64 | frozen u8 (0, 1 or 2) | evidence (when 1 or 2)
//! "m"                 -> the current committee, stored form ([STRAIT-ATTEST.3])
//! "p"                 -> the previous epoch's committee, stored form (after a rotation)
//! "r" || height u64   -> the checkpoint verified at that source height ([STRAIT-ATTEST.1])
//! "n" || leaf_count u64 -> the checkpoint of lowest stored height with that leaf count
//! evidence (1)        = checkpoint | checkpoint   (the two conflicting checkpoints)
//! evidence (2)        = epoch u64 | hash [32] | hash [32]   (two rotations of one epoch, the
//!                        next committees' hashes in ascending order, [STRAIT-ATTEST.12])
//! ```

use strait_primitives::{ChainId, DecodeError, Hash32, Height, Reader};

/// What froze a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frozen {
    /// Two certified checkpoints an append-only outbox cannot both have produced
    /// (`[STRAIT-ATTEST.7]`).
    Conflict(Checkpoint, Checkpoint),
    /// Two different rotations certified for one epoch (`[STRAIT-ATTEST.12]`).
    Rotations {
        /// The epoch both rotations hand over from.
        epoch: u64,
        /// The lower of the two next committees' hashes.
        first: Hash32,
        /// The higher one.
        second: Hash32,
    },
}
use strait_verifier::{ClientRead, StoreError};

use crate::checkpoint::{Checkpoint, CHECKPOINT_LEN};
use crate::committee::Committee;

pub(crate) const STATE: &[u8] = b"s";
pub(crate) const COMMITTEE: &[u8] = b"m";
pub(crate) const PREVIOUS: &[u8] = b"p";
pub(crate) const ROOT: u8 = b'r';
pub(crate) const COUNT: u8 = b'n';

/// The most checkpoints a client keeps; storing one more deletes the lowest height.
pub const MAX_CHECKPOINTS: usize = 8192;

/// The key of a record of `prefix` at `value`.
pub(crate) fn at(prefix: u8, value: u64) -> [u8; 9] {
    let mut key = [prefix; 9];
    key[1..].copy_from_slice(&value.to_be_bytes());
    key
}

/// A committee client's own state (`[STRAIT-ATTEST.8]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientState {
    /// The source chain it follows.
    pub source: ChainId,
    /// Its committee's id, fixed at creation.
    pub committee_id: Hash32,
    /// The committee's epoch: 0 at creation, one more per rotation.
    pub epoch: u64,
    /// The highest source height it verified (0 before any).
    pub latest_height: Height,
    /// The evidence that froze it, if any.
    pub frozen: Option<Frozen>,
}

impl ClientState {
    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(57 + 2 * CHECKPOINT_LEN);
        out.extend_from_slice(&self.source.to_be_bytes());
        out.extend_from_slice(&self.committee_id.0);
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.latest_height.to_be_bytes());
        match &self.frozen {
            None => out.push(0),
            Some(Frozen::Conflict(a, b)) => {
                out.push(1);
                out.extend_from_slice(&a.encode());
                out.extend_from_slice(&b.encode());
            }
            Some(Frozen::Rotations {
                epoch,
                first,
                second,
            }) => {
                out.push(2);
                out.extend_from_slice(&epoch.to_be_bytes());
                out.extend_from_slice(&first.0);
                out.extend_from_slice(&second.0);
            }
        }
        out
    }

    /// Decodes the stored encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let source = ChainId(r.u64()?);
        let committee_id = Hash32(r.array()?);
        let epoch = r.u64()?;
        let latest_height = Height(r.u64()?);
        let frozen = match r.u8()? {
            0 => None,
            1 => Some(Frozen::Conflict(
                Checkpoint::read(&mut r)?,
                Checkpoint::read(&mut r)?,
            )),
            2 => Some(Frozen::Rotations {
                epoch: r.u64()?,
                first: Hash32(r.array()?),
                second: Hash32(r.array()?),
            }),
            flag => {
                return Err(DecodeError::Invalid {
                    what: "frozen flag",
                    value: flag.into(),
                })
            }
        };
        r.finish()?;
        Ok(Self {
            source,
            committee_id,
            epoch,
            latest_height,
            frozen,
        })
    }
}

fn corrupt(what: &'static str, reason: impl ToString) -> StoreError {
    StoreError {
        what,
        reason: reason.to_string(),
    }
}

/// The client state in `store`.
pub fn stored_state(store: &(impl ClientRead + ?Sized)) -> Result<ClientState, StoreError> {
    let raw = store
        .get(STATE)
        .ok_or_else(|| corrupt("attest client state", "the client has no stored state"))?;
    ClientState::decode(raw).map_err(|e| corrupt("attest client state", e))
}

/// The current committee in `store`, members of `member_len` bytes.
pub fn stored_committee(
    store: &(impl ClientRead + ?Sized),
    member_len: usize,
) -> Result<Committee, StoreError> {
    let raw = store
        .get(COMMITTEE)
        .ok_or_else(|| corrupt("attest committee", "the client has no stored committee"))?;
    Committee::decode_stored(raw, member_len).map_err(|e| corrupt("attest committee", e))
}

/// The previous epoch's committee in `store`, if the client rotated.
pub fn stored_previous_committee(
    store: &(impl ClientRead + ?Sized),
    member_len: usize,
) -> Result<Option<Committee>, StoreError> {
    store
        .get(PREVIOUS)
        .map(|raw| {
            Committee::decode_stored(raw, member_len).map_err(|e| corrupt("attest committee", e))
        })
        .transpose()
}

/// Decodes a stored checkpoint record.
pub(crate) fn checkpoint_record(raw: &[u8]) -> Result<Checkpoint, StoreError> {
    Checkpoint::decode(raw).map_err(|e| corrupt("attest checkpoint", e))
}

/// The checkpoint stored at `height`, if any.
pub fn stored_checkpoint(
    store: &(impl ClientRead + ?Sized),
    height: Height,
) -> Result<Option<Checkpoint>, StoreError> {
    store
        .get(&at(ROOT, height.get()))
        .map(checkpoint_record)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_state_round_trips_and_refuses_a_bad_flag() {
        let cp = Checkpoint {
            source_chain: ChainId(1),
            outbox_root: Hash32([3; 32]),
            leaf_count: 4,
            source_height: Height(5),
        };
        let rotations = Frozen::Rotations {
            epoch: 3,
            first: Hash32([1; 32]),
            second: Hash32([2; 32]),
        };
        for frozen in [None, Some(Frozen::Conflict(cp, cp)), Some(rotations)] {
            let state = ClientState {
                source: ChainId(1),
                committee_id: Hash32([9; 32]),
                epoch: 2,
                latest_height: Height(5),
                frozen,
            };
            assert_eq!(ClientState::decode(&state.encode()).unwrap(), state);
        }
        let mut bad = ClientState {
            source: ChainId(1),
            committee_id: Hash32::ZERO,
            epoch: 0,
            latest_height: Height(0),
            frozen: None,
        }
        .encode();
        *bad.last_mut().unwrap() = 3;
        assert_eq!(ClientState::decode(&bad).unwrap_err().name(), "Invalid");
    }
}
