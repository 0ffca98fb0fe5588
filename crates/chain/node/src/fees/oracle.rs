//! Changing the fee oracle (`[STRAIT-FEE.5]`): only with guardian approvals, as many as an
//! unpause needs (three of the devnet's five), each single-use through the oracle change counter.
//! No single key sets prices.

use strait_devnet_api::tx::{fee_oracle_digest, OracleEntry};
use strait_primitives::{Address32, ChainId};

use super::message::{set_oracle, MessageFees};
use crate::guardians::{guardian_keys, GUARDIANS, UNPAUSE_THRESHOLD};
use crate::state::{keys, State};

/// Approvals needed to change an oracle entry: the unpause threshold.
pub const ORACLE_THRESHOLD: usize = UNPAUSE_THRESHOLD;

/// Why an oracle change was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OracleError {
    /// Fewer approvals than [`ORACLE_THRESHOLD`].
    #[error("{got} approvals, {needed} needed to change a fee oracle entry")]
    Threshold {
        /// Approvals given.
        got: usize,
        /// Needed.
        needed: usize,
    },
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
}

impl OracleError {
    /// The SPEC name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Threshold { .. } => "Threshold",
            Self::BadIndex { .. } => "BadIndex",
            Self::BadSignature(_) => "BadSignature",
        }
    }
}

/// The entry as the node keeps it.
pub fn fees_of(entry: &OracleEntry) -> MessageFees {
    MessageFees {
        gas_price: entry.gas_price,
        base_delivery: entry.base_delivery,
        per_byte: entry.per_byte,
        ack_fee: entry.ack_fee,
    }
}

/// Checks the approvals (count, then indices, then signatures) and sets the entry of
/// `destination`; advances the oracle change counter. Locks already taken keep their quote.
pub fn change(
    state: &mut State,
    chain: ChainId,
    destination: ChainId,
    entry: &OracleEntry,
    approvals: &[(u16, [u8; 64])],
) -> Result<(), OracleError> {
    if approvals.len() < ORACLE_THRESHOLD {
        return Err(OracleError::Threshold {
            got: approvals.len(),
            needed: ORACLE_THRESHOLD,
        });
    }
    for (position, (index, _)) in approvals.iter().enumerate() {
        let increasing = position == 0 || *index > approvals[position - 1].0;
        if !increasing || usize::from(*index) >= GUARDIANS {
            return Err(OracleError::BadIndex {
                position,
                index: *index,
            });
        }
    }
    let counter = state.get_u64(keys::FEE_ORACLE_COUNTER);
    let digest = fee_oracle_digest(chain, destination, entry, counter);
    let keys_by_index: Vec<Address32> = guardian_keys();
    for (index, signature) in approvals {
        let key = keys_by_index[usize::from(*index)];
        strait_light_client::ed25519::verify(key.as_bytes(), digest.as_bytes(), signature)
            .map_err(|_| OracleError::BadSignature(*index))?;
    }
    state.put_u64(keys::FEE_ORACLE_COUNTER.to_vec(), counter + 1);
    set_oracle(state, destination, &fees_of(entry));
    Ok(())
}

/// Approvals of guardians `signers` for the chain's next oracle change (devnet keys).
pub fn approve(
    state: &State,
    chain: ChainId,
    destination: ChainId,
    entry: &OracleEntry,
    signers: &[usize],
) -> Vec<(u16, [u8; 64])> {
    let digest = fee_oracle_digest(
        chain,
        destination,
        entry,
        state.get_u64(keys::FEE_ORACLE_COUNTER),
    );
    crate::guardians::guardian_approvals(signers, &digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(gas_price: u128) -> OracleEntry {
        OracleEntry {
            gas_price,
            base_delivery: 10,
            per_byte: 2,
            ack_fee: 5,
        }
    }

    /// Three guardian approvals change an entry, two do not, and an approval is single-use.
    #[test]
    fn only_three_guardians_change_an_entry_and_approvals_are_single_use() {
        let mut state = State::default();
        let (chain, dest) = (ChainId(1), ChainId(2));
        let two = approve(&state, chain, dest, &entry(7), &[0, 1]);
        assert_eq!(
            change(&mut state, chain, dest, &entry(7), &two),
            Err(OracleError::Threshold { got: 2, needed: 3 })
        );
        assert_eq!(super::super::message::oracle(&state, dest), None);
        let three = approve(&state, chain, dest, &entry(7), &[0, 2, 4]);
        // Approvals of another entry do not verify.
        assert_eq!(
            change(&mut state, chain, dest, &entry(8), &three),
            Err(OracleError::BadSignature(0))
        );
        let unordered = vec![three[1], three[0], three[2]];
        assert_eq!(
            change(&mut state, chain, dest, &entry(7), &unordered)
                .unwrap_err()
                .name(),
            "BadIndex"
        );
        change(&mut state, chain, dest, &entry(7), &three).unwrap();
        assert_eq!(
            super::super::message::oracle(&state, dest),
            Some(fees_of(&entry(7)))
        );
        // Replayed: the counter moved on.
        assert_eq!(
            change(&mut state, chain, dest, &entry(7), &three),
            Err(OracleError::BadSignature(0))
        );
    }
}
