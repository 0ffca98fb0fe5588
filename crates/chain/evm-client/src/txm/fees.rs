//! EIP-1559 fees of a transaction and their bumps, without a transport.

/// The two EIP-1559 fees of a transaction, in wei per gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fees {
    /// `maxFeePerGas`.
    pub max_fee_per_gas: u128,
    /// `maxPriorityFeePerGas` (at most `max_fee_per_gas`).
    pub max_priority_fee_per_gas: u128,
}

/// Why no fee fits under the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverCap {
    /// The least `maxFeePerGas` the transaction needs (the base fee plus the tip).
    pub needed: u128,
    /// The cap.
    pub cap: u128,
}

/// The first fees of a transaction from the node's latest base fee and suggested tip: twice the
/// base fee plus the tip (room for six full blocks of base-fee growth), at most `cap`. Refused
/// when even the base fee plus the tip is above the cap: such a transaction cannot be included
/// now, and paying more than the cap is not allowed.
pub fn initial(base_fee: u128, tip: u128, cap: u128) -> Result<Fees, OverCap> {
    let needed = base_fee.saturating_add(tip);
    if needed > cap {
        return Err(OverCap { needed, cap });
    }
    let max_fee = base_fee.saturating_mul(2).saturating_add(tip).min(cap);
    Ok(Fees {
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip.min(max_fee),
    })
}

/// The fees of a replacement: both fees up `percent`% (at least 1 wei each; nodes replace a
/// pooled transaction only when both grow, geth by at least 10%). `None` when the new
/// `maxFeePerGas` would pass `cap`: the bumps stop there.
pub fn bumped(current: Fees, percent: u32, cap: u128) -> Option<Fees> {
    let up = |v: u128| {
        let grown = v.saturating_mul(100 + u128::from(percent)) / 100;
        grown.max(v.saturating_add(1))
    };
    let max_fee = up(current.max_fee_per_gas);
    if max_fee > cap {
        return None;
    }
    Some(Fees {
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: up(current.max_priority_fee_per_gas).min(max_fee),
    })
}

/// `gas` plus `percent`%, saturating.
pub fn with_margin(gas: u64, percent: u32) -> u64 {
    let extra = u128::from(gas) * u128::from(percent) / 100;
    u64::try_from(u128::from(gas) + extra).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_fees_stay_under_the_cap() {
        let f = initial(10, 2, 1_000).unwrap();
        assert_eq!(f.max_fee_per_gas, 22);
        assert_eq!(f.max_priority_fee_per_gas, 2);
        // Clamped to the cap, which still covers base fee + tip.
        assert_eq!(initial(10, 2, 12).unwrap().max_fee_per_gas, 12);
        // At the cap exactly, and one past it.
        assert_eq!(
            initial(10, 3, 12),
            Err(OverCap {
                needed: 13,
                cap: 12
            })
        );
    }

    #[test]
    fn bumps_grow_both_fees_and_stop_at_the_cap() {
        let f = Fees {
            max_fee_per_gas: 100,
            max_priority_fee_per_gas: 10,
        };
        let b = bumped(f, 20, 1_000).unwrap();
        assert_eq!(b.max_fee_per_gas, 120);
        assert_eq!(b.max_priority_fee_per_gas, 12);
        // Exactly at the cap is allowed; one wei past it is not.
        assert_eq!(bumped(f, 20, 120).unwrap().max_fee_per_gas, 120);
        assert_eq!(bumped(f, 20, 119), None);
        // Tiny fees still grow.
        let tiny = Fees {
            max_fee_per_gas: 1,
            max_priority_fee_per_gas: 0,
        };
        assert_eq!(
            bumped(tiny, 10, 10),
            Some(Fees {
                max_fee_per_gas: 2,
                max_priority_fee_per_gas: 1
            })
        );
        assert_eq!(with_margin(100, 25), 125);
        assert_eq!(with_margin(u64::MAX, 25), u64::MAX);
    }
}
