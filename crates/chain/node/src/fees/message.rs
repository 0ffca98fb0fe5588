//! Message fees (`[STRAIT-FEE.5]` to `[STRAIT-FEE.10]`): the per-destination oracle, quotes, the
//! payment locked with the send, and its split when the outcome settles.

use serde::{Deserialize, Serialize};
use strait_primitives::{Address32, ChainId, MessageId, Reader};

use super::{fee_escrow, transfer, FeeError};
use crate::state::{keys, State};

/// What delivering to one destination costs (`[STRAIT-FEE.5]`), in `sat`: set at genesis,
/// changed only with guardian approvals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFees {
    /// Per unit of gas the destination meters.
    pub gas_price: u128,
    /// Paid to the deliverer whatever the gas.
    pub base_delivery: u128,
    /// Per payload byte, paid to the deliverer (the bytes it carries and proves).
    pub per_byte: u128,
    /// Paid to the relayer that proves the outcome back to the source.
    pub ack_fee: u128,
}

impl MessageFees {
    /// The devnet's fees to every remote chain.
    pub const DEVNET: Self = Self {
        gas_price: 1,
        base_delivery: 2_000,
        per_byte: 1,
        ack_fee: 1_000,
    };

    /// `[STRAIT-FEE.5]` The quote of a message with `gas_limit` and a payload of `payload_len`
    /// bytes: nothing for `gas_limit` 0 (unpaid), else `base_delivery + per_byte × payload_len +
    /// gas_limit × gas_price + ack_fee`, saturating.
    pub fn quote(&self, gas_limit: u64, payload_len: usize) -> Quote {
        if gas_limit == 0 {
            return Quote::default();
        }
        let delivery = self
            .base_delivery
            .saturating_add(self.per_byte.saturating_mul(payload_len as u128));
        let gas = self.gas_price.saturating_mul(u128::from(gas_limit));
        Quote {
            delivery,
            gas,
            ack: self.ack_fee,
            total: delivery.saturating_add(gas).saturating_add(self.ack_fee),
        }
    }

    /// `gas_price u128 | base_delivery u128 | per_byte u128 | ack_fee u128`.
    pub fn encode(&self) -> Vec<u8> {
        [
            self.gas_price,
            self.base_delivery,
            self.per_byte,
            self.ack_fee,
        ]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
    }

    /// Decodes [`MessageFees::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, strait_primitives::DecodeError> {
        let mut r = Reader::new(bytes);
        let mut next = || r.array().map(u128::from_be_bytes);
        let fees = Self {
            gas_price: next()?,
            base_delivery: next()?,
            per_byte: next()?,
            ack_fee: next()?,
        };
        r.finish()?;
        Ok(fees)
    }
}

/// A quote, by part (`[STRAIT-FEE.5]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// `base_delivery + per_byte × payload length`: the deliverer's whatever the gas.
    pub delivery: u128,
    /// `gas_limit × gas_price`: the most the deliverer's gas may earn.
    pub gas: u128,
    /// The ack relayer's.
    pub ack: u128,
    /// The sum: what is locked.
    pub total: u128,
}

/// The oracle entry of `destination`, if the chain has one.
pub fn oracle(state: &State, destination: ChainId) -> Option<MessageFees> {
    MessageFees::decode(state.get(&keys::fee_oracle(destination))?).ok()
}

/// Sets the oracle entry of `destination` (genesis, or guardian-approved change).
pub fn set_oracle(state: &mut State, destination: ChainId, fees: &MessageFees) {
    state.put(keys::fee_oracle(destination), fees.encode());
}

/// `[STRAIT-FEE.5]` The quote of a message to `destination`.
pub fn quote(
    state: &State,
    destination: ChainId,
    gas_limit: u64,
    payload_len: usize,
) -> Result<Quote, FeeError> {
    if gas_limit == 0 {
        return Ok(Quote::default());
    }
    let fees = oracle(state, destination).ok_or(FeeError::NoOracle(destination))?;
    Ok(fees.quote(gas_limit, payload_len))
}

/// What is locked for a paid message until its outcome settles (`[STRAIT-FEE.7]`), stored at
/// `'$' 'l' || id`: the payer, the gas bought, and the quote's parts at send time (a later oracle
/// change does not touch it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLock {
    /// Who paid: refunded what is not earned.
    pub payer: Address32,
    /// Gas bought.
    pub gas_limit: u64,
    /// Price per unit of gas.
    pub gas_price: u128,
    /// The quote, by part.
    pub quote: Quote,
}

impl FeeLock {
    /// `payer [32] | gas_limit u64 | gas_price u128 | delivery u128 | gas u128 | ack u128 |
    /// total u128`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + 8 + 16 * 5);
        out.extend_from_slice(self.payer.as_bytes());
        out.extend_from_slice(&self.gas_limit.to_be_bytes());
        for v in [
            self.gas_price,
            self.quote.delivery,
            self.quote.gas,
            self.quote.ack,
            self.quote.total,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// Decodes [`FeeLock::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, strait_primitives::DecodeError> {
        let mut r = Reader::new(bytes);
        let payer = Address32(r.array()?);
        let gas_limit = r.u64()?;
        let mut next = || r.array().map(u128::from_be_bytes);
        let gas_price = next()?;
        let quote = Quote {
            delivery: next()?,
            gas: next()?,
            ack: next()?,
            total: next()?,
        };
        r.finish()?;
        Ok(Self {
            payer,
            gas_limit,
            gas_price,
            quote,
        })
    }
}

/// The fee locked for message `id`, if any (not yet settled).
pub fn locked(state: &State, id: &MessageId) -> Option<FeeLock> {
    FeeLock::decode(state.get(&keys::fee_lock(id))?).ok()
}

/// `[STRAIT-FEE.7]` Debits `payer` the quote of a message `id` to `destination` with
/// `gas_limit` and a payload of `payload_len` bytes, and locks it under `id` in the fee escrow.
/// An unpaid message (`gas_limit` 0) locks nothing. The caller makes this atomic with the send.
pub fn lock(
    state: &mut State,
    id: &MessageId,
    payer: &Address32,
    destination: ChainId,
    gas_limit: u64,
    payload_len: usize,
) -> Result<Option<FeeLock>, FeeError> {
    if gas_limit == 0 {
        return Ok(None);
    }
    let fees = oracle(state, destination).ok_or(FeeError::NoOracle(destination))?;
    let quote = fees.quote(gas_limit, payload_len);
    transfer(state, payer, &fee_escrow(), quote.total)?;
    let lock = FeeLock {
        payer: *payer,
        gas_limit,
        gas_price: fees.gas_price,
        quote,
    };
    state.put(keys::fee_lock(id), lock.encode());
    Ok(Some(lock))
}

/// `[STRAIT-FEE.10]` Holds a payment for a message `holder` (an application) will send later,
/// under its own `hold` id: debits `payer` the quote as [`lock`] does, into the same fee escrow,
/// and stores the lock at `'$' 'h' || holder || hold` until [`attach`] moves it to the message or
/// [`release_hold`] refunds it. `gas_limit` 0 holds nothing. A hold id in use is refused
/// ([`FeeError::HoldInUse`]): a hold is never overwritten, so no payment is lost.
pub fn hold(
    state: &mut State,
    holder: &Address32,
    hold: u64,
    payer: &Address32,
    destination: ChainId,
    gas_limit: u64,
    payload_len: usize,
) -> Result<Option<FeeLock>, FeeError> {
    if gas_limit == 0 {
        return Ok(None);
    }
    let key = keys::fee_hold(holder, hold);
    if state.get(&key).is_some() {
        return Err(FeeError::HoldInUse(hold));
    }
    let fees = oracle(state, destination).ok_or(FeeError::NoOracle(destination))?;
    let quote = fees.quote(gas_limit, payload_len);
    transfer(state, payer, &fee_escrow(), quote.total)?;
    let lock = FeeLock {
        payer: *payer,
        gas_limit,
        gas_price: fees.gas_price,
        quote,
    };
    state.put(key, lock.encode());
    Ok(Some(lock))
}

/// The payment `holder` holds under `hold`, if any.
pub fn held(state: &State, holder: &Address32, hold: u64) -> Option<FeeLock> {
    FeeLock::decode(state.get(&keys::fee_hold(holder, hold))?).ok()
}

/// `[STRAIT-FEE.10]` Moves the payment held under (`holder`, `hold`) to message `id`, as if it
/// had been locked at its send ([`lock`]): no balance moves (the escrow already holds it). Returns
/// the lock moved; `None` when nothing is held (an unpaid message). A message that already has a
/// lock keeps it and the hold stays, refused ([`FeeError::HoldInUse`]).
pub fn attach(
    state: &mut State,
    holder: &Address32,
    hold: u64,
    id: &MessageId,
) -> Result<Option<FeeLock>, FeeError> {
    let Some(lock) = held(state, holder, hold) else {
        return Ok(None);
    };
    if state.get(&keys::fee_lock(id)).is_some() {
        return Err(FeeError::HoldInUse(hold));
    }
    state.delete(&keys::fee_hold(holder, hold));
    state.put(keys::fee_lock(id), lock.encode());
    Ok(Some(lock))
}

/// `[STRAIT-FEE.10]` Refunds the payment held under (`holder`, `hold`) to its payer, whole, and
/// deletes the hold. Returns the amount refunded (0 when nothing is held).
pub fn release_hold(state: &mut State, holder: &Address32, hold: u64) -> Result<u128, FeeError> {
    let Some(lock) = held(state, holder, hold) else {
        return Ok(0);
    };
    transfer(state, &fee_escrow(), &lock.payer, lock.quote.total)?;
    state.delete(&keys::fee_hold(holder, hold));
    Ok(lock.quote.total)
}

/// How a locked fee was split (`[STRAIT-FEE.8]`), stored at `'$' 'p' || id` once settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeePaid {
    /// The destination's deliverer.
    pub deliverer: Address32,
    /// Paid to it: `delivery + min(gas_used, gas_limit) × gas_price`.
    pub to_deliverer: u128,
    /// The relayer that proved the outcome back.
    pub ack_relayer: Address32,
    /// Paid to it: the ack fee.
    pub to_ack_relayer: u128,
    /// The payer.
    pub payer: Address32,
    /// Refunded to it: the rest.
    pub refunded: u128,
}

impl FeePaid {
    /// `deliverer [32] | to_deliverer u128 | ack_relayer [32] | to_ack_relayer u128 | payer [32]
    /// | refunded u128`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 * 48);
        for (who, amount) in [
            (self.deliverer, self.to_deliverer),
            (self.ack_relayer, self.to_ack_relayer),
            (self.payer, self.refunded),
        ] {
            out.extend_from_slice(who.as_bytes());
            out.extend_from_slice(&amount.to_be_bytes());
        }
        out
    }

    /// Decodes [`FeePaid::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, strait_primitives::DecodeError> {
        let mut r = Reader::new(bytes);
        let mut next = || -> Result<(Address32, u128), strait_primitives::DecodeError> {
            Ok((Address32(r.array()?), u128::from_be_bytes(r.array()?)))
        };
        let (deliverer, to_deliverer) = next()?;
        let (ack_relayer, to_ack_relayer) = next()?;
        let (payer, refunded) = next()?;
        r.finish()?;
        Ok(Self {
            deliverer,
            to_deliverer,
            ack_relayer,
            to_ack_relayer,
            payer,
            refunded,
        })
    }
}

/// How message `id`'s fee was split, once settled.
pub fn paid(state: &State, id: &MessageId) -> Option<FeePaid> {
    FeePaid::decode(state.get(&keys::fee_paid(id))?).ok()
}

/// `[STRAIT-FEE.8]` Splits the fee locked for `id`: the deliverer `delivery + min(gas_used,
/// gas_limit) × gas_price`, the ack relayer the ack fee, the payer the rest; deletes the lock and
/// records the split. Nothing locked (unpaid, or already settled): nothing happens. The escrow
/// holds every locked amount, so the transfers cannot fail short of a corrupt state, in which
/// case the lock is kept and nothing moves.
pub fn settle(
    state: &mut State,
    id: &MessageId,
    deliverer: &Address32,
    gas_used: u64,
    ack_relayer: &Address32,
) -> Option<FeePaid> {
    let lock = locked(state, id)?;
    let earned_gas = lock
        .gas_price
        .saturating_mul(u128::from(gas_used.min(lock.gas_limit)))
        .min(lock.quote.gas);
    let to_deliverer = lock.quote.delivery.saturating_add(earned_gas);
    let to_ack_relayer = lock.quote.ack;
    let refunded = lock
        .quote
        .total
        .saturating_sub(to_deliverer)
        .saturating_sub(to_ack_relayer);
    let cp = state.checkpoint();
    let escrow = fee_escrow();
    let moved = transfer(state, &escrow, deliverer, to_deliverer)
        .and_then(|()| transfer(state, &escrow, ack_relayer, to_ack_relayer))
        .and_then(|()| transfer(state, &escrow, &lock.payer, refunded));
    if moved.is_err() {
        state.revert(cp);
        return None;
    }
    let paid = FeePaid {
        deliverer: *deliverer,
        to_deliverer,
        ack_relayer: *ack_relayer,
        to_ack_relayer,
        payer: lock.payer,
        refunded,
    };
    state.delete(&keys::fee_lock(id));
    state.put(keys::fee_paid(id), paid.encode());
    Some(paid)
}
