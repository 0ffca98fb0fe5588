//! What an optimistic client keeps in its store (`[STRAIT-OPT.7]`).
//!
//! ```text
//! "s"               -> client state = source u64 | latest_height u64 | last_proposed u64
//!                      | paused u8 (0|1) | frozen u8 (0|1)
//! "g"               -> the configuration ([STRAIT-OPT.1])
//! "p" || height u64 -> a pending proposal = height u64 | root [32] | leaf_count u64
//!                      | proposer [32] | bond u128 | matures_at u64 (ms)
//! "r" || height u64 -> a settled root = root [32] | leaf_count u64
//! ```

use strait_primitives::{Address32, ChainId, DecodeError, Hash32, Height, Reader, Timestamp};
use strait_verifier::{ClientRead, StoreError};

use crate::config::Config;

pub(crate) const STATE: &[u8] = b"s";
pub(crate) const CONFIG: &[u8] = b"g";
pub(crate) const PENDING: u8 = b'p';
pub(crate) const ROOT: u8 = b'r';

/// The most settled roots a client keeps; settling one more deletes the lowest height.
pub const MAX_ROOTS: usize = 8192;

/// The key of a record of `prefix` at `height`.
pub(crate) fn at(prefix: u8, height: Height) -> [u8; 9] {
    let mut key = [prefix; 9];
    key[1..].copy_from_slice(&height.to_be_bytes());
    key
}

fn flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, DecodeError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(DecodeError::Invalid {
            what,
            value: v.into(),
        }),
    }
}

/// An optimistic client's own state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientState {
    /// The source chain it follows.
    pub source: ChainId,
    /// The highest height of a settled root (0 before any).
    pub latest_height: Height,
    /// The highest height ever proposed (accepted): the next proposal must be above it.
    pub last_proposed: Height,
    /// Paused by a watcher.
    pub paused: bool,
    /// Frozen (`[STRAIT-VERIFIER.5]`).
    pub frozen: bool,
}

impl ClientState {
    /// The stored encoding, 26 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(26);
        out.extend_from_slice(&self.source.to_be_bytes());
        out.extend_from_slice(&self.latest_height.to_be_bytes());
        out.extend_from_slice(&self.last_proposed.to_be_bytes());
        out.push(u8::from(self.paused));
        out.push(u8::from(self.frozen));
        out
    }

    /// Decodes the stored encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let state = Self {
            source: ChainId(r.u64()?),
            latest_height: Height(r.u64()?),
            last_proposed: Height(r.u64()?),
            paused: flag(&mut r, "paused flag")?,
            frozen: flag(&mut r, "frozen flag")?,
        };
        r.finish()?;
        Ok(state)
    }
}

/// A proposal waiting for its window to pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The source height.
    pub height: Height,
    /// The proposed root.
    pub root: Hash32,
    /// The proposed leaf count.
    pub leaf_count: u64,
    /// Who proposed it and gets the bond back.
    pub proposer: Address32,
    /// The bond it locked (the configuration's, when it was proposed).
    pub bond: u128,
    /// From this destination time on it may settle.
    pub matures_at: Timestamp,
}

impl Pending {
    /// The stored encoding, 104 bytes (the height too, so a walk by neighbours knows it).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(104);
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.root.0);
        out.extend_from_slice(&self.leaf_count.to_be_bytes());
        out.extend_from_slice(self.proposer.as_bytes());
        out.extend_from_slice(&self.bond.to_be_bytes());
        out.extend_from_slice(&self.matures_at.get().to_be_bytes());
        out
    }

    /// Decodes a stored record.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let pending = Self {
            height: Height(r.u64()?),
            root: Hash32(r.array()?),
            leaf_count: r.u64()?,
            proposer: Address32(r.array()?),
            bond: u128::from_be_bytes(r.array()?),
            matures_at: Timestamp(r.u64()?),
        };
        r.finish()?;
        Ok(pending)
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
        .ok_or_else(|| corrupt("optimistic client state", "the client has no stored state"))?;
    ClientState::decode(raw).map_err(|e| corrupt("optimistic client state", e))
}

/// The configuration in `store`.
pub fn stored_config(store: &(impl ClientRead + ?Sized)) -> Result<Config, StoreError> {
    let raw = store
        .get(CONFIG)
        .ok_or_else(|| corrupt("optimistic config", "the client has no stored config"))?;
    Config::decode(raw).map_err(|e| corrupt("optimistic config", e))
}

/// The pending proposal at `height`, if any.
pub fn stored_pending(
    store: &(impl ClientRead + ?Sized),
    height: Height,
) -> Result<Option<Pending>, StoreError> {
    store
        .get(&at(PENDING, height))
        .map(pending_record)
        .transpose()
}

/// Decodes a stored pending proposal.
pub(crate) fn pending_record(raw: &[u8]) -> Result<Pending, StoreError> {
    Pending::decode(raw).map_err(|e| corrupt("optimistic proposal", e))
}

/// The settled root at `height`, if any: `(root, leaf_count)`.
pub fn stored_root(
    store: &(impl ClientRead + ?Sized),
    height: Height,
) -> Result<Option<(Hash32, u64)>, StoreError> {
    let Some(raw) = store.get(&at(ROOT, height)) else {
        return Ok(None);
    };
    let mut r = Reader::new(raw);
    let decoded = (|| {
        let root = Hash32(r.array()?);
        let count = r.u64()?;
        r.clone().finish()?;
        Ok::<_, DecodeError>((root, count))
    })();
    decoded
        .map(Some)
        .map_err(|e| corrupt("optimistic settled root", e))
}

/// The settled-root record.
pub(crate) fn encode_root(root: &Hash32, leaf_count: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    out.extend_from_slice(&root.0);
    out.extend_from_slice(&leaf_count.to_be_bytes());
    out
}
