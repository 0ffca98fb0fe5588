//! Fees of the devnet chain (`docs/SPEC.md` §11, `[STRAIT-FEE.1]` to `[STRAIT-FEE.10]`).
//!
//! * Transaction fees ([`FeeSchedule`]): every transaction pays, in the native token `sat`, a fee
//!   fixed by the chain spec from what the mempool's [`TxCost`] says it may cost: a base, its
//!   encoded bytes, the signatures its execution may verify. The fee is taken before the body
//!   runs and kept when the body fails, so a hostile caller pays for the work it causes.
//! * Message fees ([`message`]): a per-destination oracle quotes delivery; a paid message's quote
//!   is locked with the send and split on its settlement between the destination's deliverer, the
//!   relayer that proved the outcome back, and the payer (the rest).
//!
//! Fees are never burned: taken fees go to [`fee_collector`], locked payments to [`fee_escrow`],
//! both plain `sat` balances of the token application, so a chain's native supply stays exactly
//! the sum of its balances plus the token escrow.

pub mod message;
pub mod oracle;

use serde::{Deserialize, Serialize};
use strait_primitives::{keccak256, Address32, Reader};

use crate::apps::token::{balance_key, NATIVE_DENOM};
use crate::mempool::TxCost;
use crate::state::{keys, State};

/// What a transaction pays (`[STRAIT-FEE.1]`), in `sat`: `base + per_byte × encoded length +
/// per_signature × signatures its execution may verify` ([`TxCost`]), computed with saturation
/// (an unpayable fee, never a wrap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    /// Paid by every transaction.
    pub base: u128,
    /// Per encoded byte.
    pub per_byte: u128,
    /// Per signature execution may verify (client updates, evidence, approvals).
    pub per_signature: u128,
}

impl FeeSchedule {
    /// No fees: for harnesses whose signers hold no `sat` (they say why where they use it).
    pub const ZERO: Self = Self {
        base: 0,
        per_byte: 0,
        per_signature: 0,
    };

    /// The devnet's schedule: a transfer of a few hundred bytes costs about 1,500 `sat`; a relay
    /// with one 4-validator commit about 1,000 + bytes + 400.
    pub const DEVNET: Self = Self {
        base: 1_000,
        per_byte: 1,
        per_signature: 100,
    };

    /// The fee of a transaction costing `cost`.
    pub fn tx_fee(&self, cost: TxCost) -> u128 {
        self.base
            .saturating_add(self.per_byte.saturating_mul(cost.bytes as u128))
            .saturating_add(self.per_signature.saturating_mul(cost.signatures as u128))
    }

    /// `base u128 | per_byte u128 | per_signature u128`.
    pub fn encode(&self) -> Vec<u8> {
        [self.base, self.per_byte, self.per_signature]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect()
    }

    /// Decodes [`FeeSchedule::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, strait_primitives::DecodeError> {
        let mut r = Reader::new(bytes);
        let mut next = || r.array().map(u128::from_be_bytes);
        let schedule = Self {
            base: next()?,
            per_byte: next()?,
            per_signature: next()?,
        };
        r.finish()?;
        Ok(schedule)
    }
}

/// Why a fee could not be paid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// The account holds less `sat` than it must pay (`[STRAIT-FEE.3]`).
    #[error("account {account} holds {have} sat, {need} needed")]
    InsufficientBalance {
        /// The payer.
        account: Address32,
        /// What it must pay.
        need: u128,
        /// What it holds.
        have: u128,
    },
    /// No fee oracle entry for the destination, so a paid message cannot be quoted
    /// (`[STRAIT-FEE.5]`).
    #[error("no fee oracle entry for chain {0}")]
    NoOracle(strait_primitives::ChainId),
    /// A payment would overflow a balance (impossible with a bounded supply; refused anyway).
    #[error("a balance would overflow")]
    Overflow,
    /// A payment is already held under this hold id, or the message already has a lock
    /// (`[STRAIT-FEE.10]`): nothing is overwritten.
    #[error("a payment is already held or locked for hold {0}")]
    HoldInUse(u64),
}

impl FeeError {
    /// The SPEC name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InsufficientBalance { .. } => "InsufficientBalance",
            Self::NoOracle(_) => "NoOracle",
            Self::Overflow => "FeeOverflow",
            Self::HoldInUse(_) => "HoldInUse",
        }
    }
}

/// Where transaction fees go (`[STRAIT-FEE.2]`): `H("STRAIT/DEVNET/FEE-COLLECTOR/v1")`, an
/// account no key holds.
pub fn fee_collector() -> Address32 {
    Address32(keccak256(b"STRAIT/DEVNET/FEE-COLLECTOR/v1").0)
}

/// Where locked message payments wait for their settlement (`[STRAIT-FEE.7]`):
/// `H("STRAIT/DEVNET/FEE-ESCROW/v1")`, an account no key holds.
pub fn fee_escrow() -> Address32 {
    Address32(keccak256(b"STRAIT/DEVNET/FEE-ESCROW/v1").0)
}

/// Devnet key labels funded at genesis besides the token accounts
/// ([`crate::builder::GENESIS_ACCOUNTS`]): every devnet key that signs transactions, so that
/// fees apply everywhere and no harness needs a zero schedule (`[STRAIT-FEE.4]`). Public seeds:
/// devnet only.
pub const GENESIS_SIGNERS: [&str; 25] = [
    "relayer",
    "relayer-a",
    "relayer-b",
    "relayer-k",
    "relayer-poll",
    "relayer-supervisor",
    "relayer-fresh",
    "user-a",
    "user-b",
    "user-load",
    "sender",
    "governor",
    "gov",
    "guardian-0",
    "guardian-1",
    "guardian-2",
    "guardian-3",
    "guardian-4",
    "finalizer",
    "player",
    "no-app",
    "mallory",
    "watcher",
    "equivocator",
    "fuzz",
];

/// Families of numbered devnet labels funded at genesis: `<family>-0` to
/// `<family>-<GENESIS_NUMBERED - 1>`.
pub const GENESIS_FAMILIES: [&str; 4] = ["relayer", "user", "load", "sender"];
/// How many of each numbered family are funded.
pub const GENESIS_NUMBERED: usize = 16;

/// Every devnet label funded at genesis, the token accounts first.
pub fn genesis_labels() -> Vec<String> {
    let mut labels: Vec<String> = crate::builder::GENESIS_ACCOUNTS
        .iter()
        .chain(GENESIS_SIGNERS.iter())
        .map(|s| (*s).to_owned())
        .collect();
    for family in GENESIS_FAMILIES {
        labels.extend((0..GENESIS_NUMBERED).map(|i| format!("{family}-{i}")));
    }
    labels
}

/// Every account that holds native `sat` at genesis or receives fees: the token accounts, the
/// funded signers, the collector, the fee escrow and the bond escrow of optimistic proposals
/// (`[STRAIT-OPT.3]`). A chain's native supply is their balances plus
/// the token escrow (what conservation checks sum).
pub fn native_holders() -> Vec<Address32> {
    genesis_labels()
        .iter()
        .map(|n| strait_devnet_api::keys::AccountKey::devnet(n).address())
        .chain([
            fee_collector(),
            fee_escrow(),
            crate::optimistic::bond_escrow(),
        ])
        .collect()
}

/// A devnet chain's native supply at genesis: every funded label's balance. Fees move `sat`
/// between holders and never change it.
pub fn genesis_native_supply() -> u128 {
    genesis_labels().len() as u128 * crate::builder::GENESIS_BALANCE
}

fn balance_state_key(account: &Address32) -> Vec<u8> {
    keys::app(
        &strait_devnet_api::apps::token(),
        &balance_key(account, NATIVE_DENOM),
    )
}

/// `account`'s `sat` balance (0 when unset or unreadable).
pub fn native_balance(state: &State, account: &Address32) -> u128 {
    state
        .get(&balance_state_key(account))
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .map_or(0, u128::from_be_bytes)
}

fn set_native_balance(state: &mut State, account: &Address32, amount: u128) {
    state.put(balance_state_key(account), amount.to_be_bytes().to_vec());
}

/// Moves `amount` of `sat` from `from` to `to`; refuses, changing nothing, when `from` holds
/// less or `to` would overflow.
pub fn transfer(
    state: &mut State,
    from: &Address32,
    to: &Address32,
    amount: u128,
) -> Result<(), FeeError> {
    if amount == 0 || from == to {
        return Ok(());
    }
    let have = native_balance(state, from);
    let left = have
        .checked_sub(amount)
        .ok_or(FeeError::InsufficientBalance {
            account: *from,
            need: amount,
            have,
        })?;
    let credited = native_balance(state, to)
        .checked_add(amount)
        .ok_or(FeeError::Overflow)?;
    set_native_balance(state, from, left);
    set_native_balance(state, to, credited);
    Ok(())
}

/// Credits `amount` of `sat` to `account` at genesis.
pub(crate) fn fund(state: &mut State, account: &Address32, amount: u128) {
    set_native_balance(state, account, amount);
}

/// The chain's transaction fee schedule (`[STRAIT-FEE.1]`), written at genesis from the spec;
/// [`FeeSchedule::ZERO`] when the state has none.
pub fn schedule(state: &State) -> FeeSchedule {
    state
        .get(keys::FEE_SCHEDULE)
        .and_then(|v| FeeSchedule::decode(v).ok())
        .unwrap_or_default()
}

/// Writes the transaction fee schedule (genesis).
pub(crate) fn set_schedule(state: &mut State, schedule: &FeeSchedule) {
    state.put(keys::FEE_SCHEDULE.to_vec(), schedule.encode());
}

/// `[STRAIT-FEE.2]` Takes `fee` from `signer` to the collector. When the signer holds less, it
/// takes what it holds and says what was missing (the transaction then does nothing more).
pub fn charge_tx(state: &mut State, signer: &Address32, fee: u128) -> Result<(), FeeError> {
    let have = native_balance(state, signer);
    if have < fee {
        transfer(state, signer, &fee_collector(), have)?;
        return Err(FeeError::InsufficientBalance {
            account: *signer,
            need: fee,
            have,
        });
    }
    transfer(state, signer, &fee_collector(), fee)
}

#[cfg(test)]
mod tests;
