//! Verification parameters (`[STRAIT-LC-OPTIONS.1]`).

use serde::{Deserialize, Serialize};

/// Why verification parameters are unsafe or meaningless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// The trust threshold is not in `[1/3, 1)`.
    #[error("trust threshold {numerator}/{denominator} is not in [1/3, 1)")]
    InvalidTrustThreshold {
        /// Numerator given.
        numerator: u64,
        /// Denominator given.
        denominator: u64,
    },
    /// A zero trusting period would trust nothing.
    #[error("trusting period is zero")]
    ZeroTrustingPeriod,
}

impl OptionsError {
    /// The SPEC name of the error (the variant name).
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidTrustThreshold { .. } => "InvalidTrustThreshold",
            Self::ZeroTrustingPeriod => "ZeroTrustingPeriod",
        }
    }
}

/// The fraction of a trusted set's power that must sign a header for a skipping update to be
/// trusted. Must be in `[1/3, 1)`: below 1/3 a coalition that cannot break safety could still forge
/// an update; at 1 a single absent validator would stall the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrustThreshold {
    /// Numerator.
    pub numerator: u64,
    /// Denominator, positive.
    pub denominator: u64,
}

impl TrustThreshold {
    /// One third, the default and the minimum.
    pub const ONE_THIRD: Self = Self {
        numerator: 1,
        denominator: 3,
    };
    /// Two thirds.
    pub const TWO_THIRDS: Self = Self {
        numerator: 2,
        denominator: 3,
    };

    /// A checked threshold.
    pub fn new(numerator: u64, denominator: u64) -> Result<Self, OptionsError> {
        let t = Self {
            numerator,
            denominator,
        };
        t.validate()?;
        Ok(t)
    }

    /// Checks `1/3 <= numerator/denominator < 1`.
    pub fn validate(&self) -> Result<(), OptionsError> {
        let at_least_third = u128::from(self.numerator) * 3 >= u128::from(self.denominator);
        if self.denominator == 0 || !at_least_third || self.numerator >= self.denominator {
            return Err(OptionsError::InvalidTrustThreshold {
                numerator: self.numerator,
                denominator: self.denominator,
            });
        }
        Ok(())
    }

    /// Whether `tally` is strictly more than this fraction of `total`.
    pub fn is_exceeded_by(&self, tally: u64, total: u64) -> bool {
        u128::from(tally) * u128::from(self.denominator)
            > u128::from(total) * u128::from(self.numerator)
    }
}

impl Default for TrustThreshold {
    fn default() -> Self {
        Self::ONE_THIRD
    }
}

/// Parameters of verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Options {
    /// Power of a trusted set that must sign a skipping update.
    pub trust_threshold: TrustThreshold,
    /// How long a verified header may be trusted, in milliseconds; must be shorter than the chain's
    /// unbonding period so that misbehaving validators can still be punished.
    pub trusting_period_ms: u64,
    /// How far ahead of `now` a header's time may be, in milliseconds.
    pub max_clock_drift_ms: u64,
}

impl Options {
    /// Checks the threshold and the trusting period.
    pub fn validate(&self) -> Result<(), OptionsError> {
        self.trust_threshold.validate()?;
        if self.trusting_period_ms == 0 {
            return Err(OptionsError::ZeroTrustingPeriod);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_bounds() {
        assert!(TrustThreshold::new(1, 3).is_ok());
        assert!(TrustThreshold::new(2, 3).is_ok());
        assert!(TrustThreshold::new(99, 100).is_ok());
        assert!(TrustThreshold::new(1, 4).is_err());
        assert!(TrustThreshold::new(1, 1).is_err());
        assert!(TrustThreshold::new(0, 0).is_err());
        assert!(TrustThreshold::new(u64::MAX, u64::MAX).is_err());
        assert!(TrustThreshold::new(u64::MAX - 1, u64::MAX).is_ok());
    }

    #[test]
    fn exceeded_is_strict_and_does_not_overflow() {
        let t = TrustThreshold::ONE_THIRD;
        assert!(!t.is_exceeded_by(1, 3));
        assert!(t.is_exceeded_by(2, 4));
        assert!(t.is_exceeded_by(u64::MAX, u64::MAX));
        assert!(!t.is_exceeded_by(u64::MAX / 3, u64::MAX));
    }
}
