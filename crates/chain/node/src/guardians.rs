//! The devnet's guardian set: who may pause and unpause (`[STRAIT-PAUSE.3]`).
//!
//! Five guardians whose keys come from public seeds (`AccountKey::devnet("guardian-<i>")`, devnet
//! only). Two approvals pause; three unpause: stopping damage must be quick, resuming deliberate.
//! Approvals sign [`pause_digest`] with the chain's pause counter, so each is single-use. Changing
//! the set is governance's (a later issue); no single key can pause or unpause.

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::pause_digest;
use strait_endpoint::PauseScope;
use strait_primitives::{Address32, ChainId};

use crate::state::{keys, State};

/// Guardians of every devnet chain.
pub const GUARDIANS: usize = 5;
/// Approvals needed to pause.
pub const PAUSE_THRESHOLD: usize = 2;
/// Approvals needed to unpause.
pub const UNPAUSE_THRESHOLD: usize = 3;

/// The guardians' keys (their addresses), by index.
pub fn guardian_keys() -> Vec<Address32> {
    (0..GUARDIANS).map(|i| guardian(i).address()).collect()
}

/// Guardian `i`'s devnet key (public seed: devnet only).
pub fn guardian(i: usize) -> AccountKey {
    AccountKey::devnet(&format!("guardian-{i}"))
}

/// Why a pause or unpause was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PauseError {
    /// Approval indices must be strictly increasing and name guardians.
    #[error("approval {position} names guardian {index}: indices strictly increasing, below {GUARDIANS}")]
    BadIndex {
        /// Position in the list.
        position: usize,
        /// The index.
        index: u16,
    },
    /// A signature does not verify.
    #[error("guardian {0}'s approval does not verify")]
    BadSignature(u16),
    /// Not enough approvals.
    #[error("{got} approvals, {needed} needed to {what}")]
    Threshold {
        /// Approvals given.
        got: usize,
        /// Needed.
        needed: usize,
        /// Pause or unpause.
        what: &'static str,
    },
}

/// Checks the approvals and sets `scope` paused or not; advances the pause counter.
pub fn execute(
    state: &mut State,
    chain: ChainId,
    scope: &PauseScope,
    paused: bool,
    approvals: &[(u16, [u8; 64])],
) -> Result<(), PauseError> {
    let (needed, what) = if paused {
        (PAUSE_THRESHOLD, "pause")
    } else {
        (UNPAUSE_THRESHOLD, "unpause")
    };
    approve_with(state, approvals, needed, what, |counter| {
        pause_digest(chain, scope, paused, counter)
    })?;
    if paused {
        state.put(keys::paused(scope), vec![1]);
    } else {
        state.delete(&keys::paused(scope));
    }
    Ok(())
}

/// Checks that at least `needed` guardians approved the digest `digest_of(counter)` (the chain's
/// pause counter, shared by every guardian decision so each approval is single-use), then
/// advances the counter. `what` names the decision in errors.
pub fn approve_with(
    state: &mut State,
    approvals: &[(u16, [u8; 64])],
    needed: usize,
    what: &'static str,
    digest_of: impl FnOnce(u64) -> strait_primitives::Hash32,
) -> Result<(), PauseError> {
    // Cheap checks first: the count, then the indices, then the signatures.
    if approvals.len() < needed {
        return Err(PauseError::Threshold {
            got: approvals.len(),
            needed,
            what,
        });
    }
    let keys_by_index = guardian_keys();
    for (position, (index, _)) in approvals.iter().enumerate() {
        let increasing = position == 0 || *index > approvals[position - 1].0;
        if !increasing || usize::from(*index) >= GUARDIANS {
            return Err(PauseError::BadIndex {
                position,
                index: *index,
            });
        }
    }
    let counter = state.get_u64(keys::PAUSE_COUNTER);
    let digest = digest_of(counter);
    for (index, signature) in approvals {
        let key = keys_by_index[usize::from(*index)];
        strait_light_client::ed25519::verify(key.as_bytes(), digest.as_bytes(), signature)
            .map_err(|_| PauseError::BadSignature(*index))?;
    }
    state.put_u64(keys::PAUSE_COUNTER.to_vec(), counter + 1);
    Ok(())
}

/// Guardians `signers`' approvals of `digest` (devnet keys from public seeds), as transactions and
/// application calls carry them: `(index, signature)`.
pub fn guardian_approvals(
    signers: &[usize],
    digest: &strait_primitives::Hash32,
) -> Vec<(u16, [u8; 64])> {
    signers
        .iter()
        .map(|i| (*i as u16, guardian(*i).sign_digest(digest)))
        .collect()
}

/// Approvals of guardians `signers` for setting `scope` paused or not at the chain's next pause.
pub fn approve(
    state: &State,
    chain: ChainId,
    scope: &PauseScope,
    paused: bool,
    signers: &[usize],
) -> Vec<(u16, [u8; 64])> {
    let digest = pause_digest(chain, scope, paused, state.get_u64(keys::PAUSE_COUNTER));
    guardian_approvals(signers, &digest)
}
