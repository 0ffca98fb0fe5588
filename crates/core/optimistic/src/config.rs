//! An optimistic client's configuration, its `init` (`[STRAIT-OPT.1]`).
//!
//! ```text
//! config = window_ms u64 | bond u128 | n_proposers u16 (<= 16) | n_proposers x address [32]
//!          | n_watchers u16 (<= 16) | n_watchers x address [32]
//! ```

use strait_primitives::{Address32, DecodeError, Reader};

use crate::error::OptimisticError;

/// Most proposers a client names.
pub const MAX_PROPOSERS: usize = 16;
/// Most watchers a client names.
pub const MAX_WATCHERS: usize = 16;
/// The longest dispute window: 30 days, in milliseconds.
pub const MAX_WINDOW_MS: u64 = 30 * 24 * 3600 * 1000;

/// What a client of the optimistic kind is configured with at creation; it never changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// How long a proposal waits, in milliseconds of destination time (block timestamps), before
    /// it counts: `1..=MAX_WINDOW_MS`.
    pub window_ms: u64,
    /// What each proposal bonds, in the destination's native unit (devnet: `sat`), at least 1.
    pub bond: u128,
    /// Who may propose, strictly ascending; empty: anyone who bonds.
    pub proposers: Vec<Address32>,
    /// Who may pause the client, strictly ascending; empty: nobody.
    pub watchers: Vec<Address32>,
}

fn addresses(
    r: &mut Reader<'_>,
    what: &'static str,
    max: usize,
) -> Result<Vec<Address32>, DecodeError> {
    let n = r.len_u16(what, max)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Address32(r.array()?));
    }
    Ok(out)
}

fn ascending(list: &[Address32], what: &'static str) -> Result<(), OptimisticError> {
    match list.windows(2).position(|w| w[0] >= w[1]) {
        Some(i) => Err(OptimisticError::NotAscending { what, index: i + 1 }),
        None => Ok(()),
    }
}

impl Config {
    /// The encoding above.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(28 + 32 * (self.proposers.len() + self.watchers.len()));
        out.extend_from_slice(&self.window_ms.to_be_bytes());
        out.extend_from_slice(&self.bond.to_be_bytes());
        for list in [&self.proposers, &self.watchers] {
            out.extend_from_slice(&(list.len() as u16).to_be_bytes());
            for a in list {
                out.extend_from_slice(a.as_bytes());
            }
        }
        out
    }

    /// Decodes and checks a configuration, in this order: each field present (`Truncated`), each
    /// count at most its bound as soon as it is read (`TooLarge`), nothing after the watchers
    /// (`TrailingBytes`); then `window_ms >= 1` (`ZeroWindow`), `window_ms <= MAX_WINDOW_MS`
    /// (`WindowTooLong`), `bond >= 1` (`ZeroBond`), proposers then watchers strictly ascending
    /// (`NotAscending`).
    pub fn decode(bytes: &[u8]) -> Result<Self, OptimisticError> {
        let mut r = Reader::new(bytes);
        let window_ms = r.u64()?;
        let bond = u128::from_be_bytes(r.array()?);
        let proposers = addresses(&mut r, "proposers", MAX_PROPOSERS)?;
        let watchers = addresses(&mut r, "watchers", MAX_WATCHERS)?;
        r.finish()?;
        let config = Self {
            window_ms,
            bond,
            proposers,
            watchers,
        };
        config.check()?;
        Ok(config)
    }

    /// The value checks of [`Config::decode`], after decoding.
    pub fn check(&self) -> Result<(), OptimisticError> {
        if self.window_ms == 0 {
            return Err(OptimisticError::ZeroWindow);
        }
        if self.window_ms > MAX_WINDOW_MS {
            return Err(OptimisticError::WindowTooLong {
                got: self.window_ms,
                max: MAX_WINDOW_MS,
            });
        }
        if self.bond == 0 {
            return Err(OptimisticError::ZeroBond);
        }
        ascending(&self.proposers, "proposer")?;
        ascending(&self.watchers, "watcher")
    }

    /// Whether `who` may propose.
    pub fn may_propose(&self, who: &Address32) -> bool {
        self.proposers.is_empty() || self.proposers.binary_search(who).is_ok()
    }

    /// Whether `who` may pause.
    pub fn may_pause(&self, who: &Address32) -> bool {
        self.watchers.binary_search(who).is_ok()
    }
}
