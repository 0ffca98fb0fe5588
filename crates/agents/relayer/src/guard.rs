//! When to stop trying to update a destination's light client from the same trusted height: a
//! relayer must never bisect or retry for ever on a source header that can never verify. Pure: no
//! I/O, no clock; time is the destination's block height, passed in.
//!
//! The guard follows failures *from one trusted height* (the client's latest height when the update
//! was sent): `UpdateNotYet` answers halve the next skip (bisection on chain, 64, 32, ... 1 blocks)
//! until [`UpdatePolicy::max_not_yet`] answers, and an `UpdateInvalid` answer is final at once. Then
//! the source's header is treated as bad: no update is sent from that height for
//! [`UpdatePolicy::abandon_blocks`] blocks (messages the client can already prove still go). Any
//! successful update, or the client moving on, starts afresh.

use strait_primitives::Height;

/// Bounds of an [`UpdateGuard`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdatePolicy {
    /// Largest skip tried after the first `UpdateNotYet` answer; halved after each further one.
    pub first_max_skip: u64,
    /// `UpdateNotYet` answers from one trusted height before its header is treated as bad.
    pub max_not_yet: u32,
    /// Destination blocks without updates from that height once it is.
    pub abandon_blocks: u64,
}

impl UpdatePolicy {
    /// Skips of 64, 32, ... 1 blocks, then three more tries of the adjacent header (10 answers in
    /// all); abandoned for 600 blocks.
    pub const DEFAULT: Self = Self {
        first_max_skip: 64,
        max_not_yet: 10,
        abandon_blocks: 600,
    };
}

/// What the guard decided after a failed update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateVerdict {
    /// Try again, skipping at most `max_skip` blocks per update.
    Bisect {
        /// Largest skip of the next attempt.
        max_skip: u64,
        /// Failures from this trusted height so far.
        attempts: u32,
    },
    /// The header can never verify: no update from `from` before destination height `until`.
    Abandon {
        /// The trusted height the updates started from.
        from: Height,
        /// Destination height before which no update from `from` is tried.
        until: u64,
        /// Whether this answer abandoned it (`false`: it already was, e.g. a late answer).
        newly: bool,
    },
}

/// The bisection and abandonment state of one path's client updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateGuard {
    policy: UpdatePolicy,
    /// Trusted height the failures below are from.
    from: Option<Height>,
    not_yet: u32,
    max_skip: Option<u64>,
    abandoned_until: Option<u64>,
}

impl UpdateGuard {
    /// A guard with no failure recorded.
    pub fn new(policy: UpdatePolicy) -> Self {
        Self {
            policy,
            from: None,
            not_yet: 0,
            max_skip: None,
            abandoned_until: None,
        }
    }

    /// Largest skip of the next update from `trusted` (`None`: as far as the relayer can verify).
    pub fn max_skip(&self, trusted: Height) -> Option<u64> {
        self.max_skip.filter(|_| self.from == Some(trusted))
    }

    /// Whether an update from `trusted` may be sent at destination height `now`.
    pub fn may_update(&self, trusted: Height, now: u64) -> bool {
        self.from != Some(trusted) || self.abandoned_until.is_none_or(|until| now >= until)
    }

    /// An update was applied: forget every failure.
    pub fn succeeded(&mut self) {
        *self = Self::new(self.policy);
    }

    /// An update from `trusted` was answered `UpdateNotYet` at destination height `now`.
    pub fn not_yet(&mut self, trusted: Height, now: u64) -> UpdateVerdict {
        self.restart_if_moved(trusted, now);
        if let Some(until) = self.abandoned_until {
            return UpdateVerdict::Abandon {
                from: trusted,
                until,
                newly: false,
            };
        }
        self.not_yet = self.not_yet.saturating_add(1);
        if self.not_yet >= self.policy.max_not_yet {
            return self.abandon(trusted, now);
        }
        let skip = self
            .max_skip
            .map_or(self.policy.first_max_skip, |s| s / 2)
            .max(1);
        self.max_skip = Some(skip);
        UpdateVerdict::Bisect {
            max_skip: skip,
            attempts: self.not_yet,
        }
    }

    /// An update from `trusted` was answered `UpdateInvalid` at destination height `now`: it never
    /// will verify.
    pub fn invalid(&mut self, trusted: Height, now: u64) -> UpdateVerdict {
        self.restart_if_moved(trusted, now);
        if let Some(until) = self.abandoned_until {
            return UpdateVerdict::Abandon {
                from: trusted,
                until,
                newly: false,
            };
        }
        self.abandon(trusted, now)
    }

    /// Failures are counted per trusted height; an abandonment that ran out starts afresh.
    fn restart_if_moved(&mut self, trusted: Height, now: u64) {
        let expired = self.abandoned_until.is_some_and(|until| now >= until);
        if self.from != Some(trusted) || expired {
            *self = Self::new(self.policy);
            self.from = Some(trusted);
        }
    }

    fn abandon(&mut self, from: Height, now: u64) -> UpdateVerdict {
        let until = now.saturating_add(self.policy.abandon_blocks);
        self.abandoned_until = Some(until);
        self.max_skip = None;
        self.not_yet = 0;
        UpdateVerdict::Abandon {
            from,
            until,
            newly: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: UpdatePolicy = UpdatePolicy::DEFAULT;

    #[test]
    fn not_yet_halves_the_skip_then_abandons_the_header() {
        let mut g = UpdateGuard::new(POLICY);
        let from = Height(100);
        assert_eq!(g.max_skip(from), None);
        let mut skips = Vec::new();
        let mut now = 1_000;
        let verdict = loop {
            match g.not_yet(from, now) {
                UpdateVerdict::Bisect { max_skip, attempts } => {
                    assert_eq!(attempts as usize, skips.len() + 1);
                    assert_eq!(g.max_skip(from), Some(max_skip));
                    assert!(g.may_update(from, now));
                    skips.push(max_skip);
                }
                abandon => break abandon,
            }
            now += 1;
            assert!(skips.len() < 100, "never abandons");
        };
        assert_eq!(skips, vec![64, 32, 16, 8, 4, 2, 1, 1, 1]);
        assert_eq!(skips.len() + 1, POLICY.max_not_yet as usize);
        let until = now + POLICY.abandon_blocks;
        assert_eq!(
            verdict,
            UpdateVerdict::Abandon {
                from,
                until,
                newly: true
            }
        );
        // No update from that height for the whole abandonment, then a fresh start.
        assert!(!g.may_update(from, now));
        assert!(!g.may_update(from, until - 1));
        assert!(g.may_update(from, until));
        assert_eq!(
            g.not_yet(from, until),
            UpdateVerdict::Bisect {
                max_skip: 64,
                attempts: 1
            }
        );
    }

    #[test]
    fn invalid_abandons_at_once_and_the_bound_holds_past_the_limit() {
        let mut g = UpdateGuard::new(POLICY);
        assert_eq!(
            g.invalid(Height(7), 50),
            UpdateVerdict::Abandon {
                from: Height(7),
                until: 650,
                newly: true
            }
        );
        assert!(!g.may_update(Height(7), 649));
        // Another trusted height (the client moved on) is not held back.
        assert!(g.may_update(Height(8), 60));
        // Answers keep arriving while abandoned (a transaction in flight): still abandoned.
        let mut g = UpdateGuard::new(POLICY);
        for _ in 0..POLICY.max_not_yet - 1 {
            assert!(matches!(
                g.not_yet(Height(1), 5),
                UpdateVerdict::Bisect { .. }
            ));
        }
        let until = 5 + POLICY.abandon_blocks;
        for i in 0..3 {
            let newly = i == 0;
            assert_eq!(
                g.not_yet(Height(1), 5 + i),
                UpdateVerdict::Abandon {
                    from: Height(1),
                    until,
                    newly
                }
            );
            assert!(!g.may_update(Height(1), 6 + i));
        }
        assert!(matches!(
            g.invalid(Height(1), 9),
            UpdateVerdict::Abandon { newly: false, .. }
        ));
    }

    #[test]
    fn a_moved_client_or_a_success_starts_afresh() {
        let mut g = UpdateGuard::new(POLICY);
        for _ in 0..5 {
            g.not_yet(Height(10), 1);
        }
        assert_eq!(g.max_skip(Height(10)), Some(4));
        // Another relayer moved the client: the skip no longer applies, counting restarts.
        assert_eq!(g.max_skip(Height(20)), None);
        assert_eq!(
            g.not_yet(Height(20), 2),
            UpdateVerdict::Bisect {
                max_skip: 64,
                attempts: 1
            }
        );
        g.succeeded();
        assert_eq!(g, UpdateGuard::new(POLICY));
    }
}
