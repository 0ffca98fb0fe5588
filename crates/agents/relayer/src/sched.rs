//! Which scanned messages a path keeps in memory and which go into its next relay transaction, so
//! that one stuck route cannot starve the others of its chain pair. Pure: no I/O, no clock; time is
//! the destination's block height, passed in.
//!
//! * Memory: at most `max_pending` messages, at most `route_share` of them per route, at most
//!   `max_routes` routes tracked. A message beyond a route's share is not kept: the route remembers
//!   the lowest leaf it skipped, and once it has room again a *rescan pass* reads the outbox again from
//!   there (the main scan meanwhile keeps reading new messages for the other routes).
//! * Transactions: [`Scheduler::select`] takes eligible messages round-robin across routes, one at a
//!   time, until the transaction is full, so every route with work gets an equal share of it.
//! * Fees (`[STRAIT-FEE.9]`): a message its [`FeePolicy`] does not carry is declined when offered:
//!   not kept, and not found again.
//! * Retries: a message answered `Retry` waits `1, 2, 4, ...` blocks (capped) before it is sent
//!   again; after [`RetryPolicy::quarantine_after`] consecutive `Retry` answers it is quarantined:
//!   kept, but tried only every [`RetryPolicy::quarantine_blocks`] blocks. An ordered message that
//!   waits holds back the later ordered messages of its route (they could only answer `Retry`).

use std::collections::{BTreeMap, BTreeSet};

pub use strait_chain_client::MessagePayment;
use strait_primitives::Height;

use crate::plan::deliveries_cost_bytes;

/// When a message answered `Retry` is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Blocks to wait after the first `Retry` answer; doubled after each further one.
    pub first_delay_blocks: u64,
    /// Largest wait of a message not quarantined.
    pub max_delay_blocks: u64,
    /// Consecutive `Retry` answers after which a message is quarantined.
    pub quarantine_after: u32,
    /// Blocks between two attempts of a quarantined message.
    pub quarantine_blocks: u64,
}

impl RetryPolicy {
    /// 1, 2, 4, ... 32 blocks; quarantined after 10 answers (about 190 blocks of retries), then
    /// tried every 128 blocks.
    pub const DEFAULT: Self = Self {
        first_delay_blocks: 1,
        max_delay_blocks: 32,
        quarantine_after: 10,
        quarantine_blocks: 128,
    };

    /// Blocks to wait after the `retries`-th consecutive `Retry` answer (`retries >= 1`).
    pub fn delay_blocks(&self, retries: u32) -> u64 {
        if retries >= self.quarantine_after {
            return self.quarantine_blocks.max(1);
        }
        let doublings = retries.saturating_sub(1).min(63);
        self.first_delay_blocks
            .max(1)
            .saturating_mul(1 << doublings)
            .min(self.max_delay_blocks.max(1))
    }
}

/// The bounds of a [`Scheduler`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Most messages in memory.
    pub max_pending: usize,
    /// Most messages of one route in memory.
    pub route_share: usize,
    /// Most routes tracked (with messages in memory or skipped ones to find again).
    pub max_routes: usize,
    /// Backoff and quarantine of messages answered `Retry`.
    pub retry: RetryPolicy,
    /// Which messages this relayer carries, by what they paid.
    pub fee_policy: FeePolicy,
}

/// Which messages a relayer carries, by what they paid on their source (`[STRAIT-FEE.9]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FeePolicy {
    /// Every message, paid or not (the default: as the devnet does).
    #[default]
    CarryAll,
    /// Only messages that paid at least this much (1: any paid message). A message whose payment
    /// the source does not report ([`MessagePayment::Unknown`]) is carried: this relayer cannot
    /// judge it, and a chain without message fees keeps being relayed.
    MinFee(u128),
}

impl FeePolicy {
    /// Whether a message that paid `payment` is carried.
    pub fn carries(&self, payment: MessagePayment) -> bool {
        match (self, payment) {
            (Self::CarryAll, _) | (Self::MinFee(_), MessagePayment::Unknown) => true,
            (Self::MinFee(_), MessagePayment::Unpaid) => false,
            (Self::MinFee(min), MessagePayment::Paid { amount }) => amount >= *min,
        }
    }

    /// Whether the policy looks at payments at all (if not, nobody needs to ask the source).
    pub fn needs_payments(&self) -> bool {
        *self != Self::CarryAll
    }
}

/// What the scheduler needs to know of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageMeta {
    /// Source height of the block that sent it (a proof needs a height at least this).
    pub height: Height,
    /// Length of its canonical encoding.
    pub encoded_len: usize,
    /// Whether the destination delivers it only after every lower nonce of its route.
    pub ordered: bool,
    /// What it paid on its source, as far as the relayer asked ([`FeePolicy`]).
    pub payment: MessagePayment,
}

/// The room one relay transaction has for deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxBudget {
    /// Most messages (batches per transaction times `max_batch`).
    pub max_messages: usize,
    /// Most messages per batch.
    pub max_batch: usize,
    /// Bytes available for batches (see [`deliveries_cost_bytes`]).
    pub budget_bytes: usize,
}

/// What [`Scheduler::offer_new`] or [`Scheduler::offer_rescanned`] did with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Kept in memory.
    Admitted,
    /// Not kept: its route, the path or the route table is full. It will be found again.
    Skipped,
    /// Not kept: already in memory, or (rescan) already handled.
    Ignored,
    /// Not kept, for good: the relayer's [`FeePolicy`] does not carry it (`[STRAIT-FEE.9]`).
    Declined,
}

/// What a `Retry` answer did to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryVerdict {
    /// It waits this many blocks.
    Backoff {
        /// Blocks to wait.
        blocks: u64,
        /// Consecutive `Retry` answers so far.
        retries: u32,
    },
    /// It is (still) quarantined and waits this many blocks.
    Quarantined {
        /// Blocks to wait.
        blocks: u64,
        /// Whether this answer put it in quarantine.
        newly: bool,
    },
}

/// A message offered out of order: the node's pages are inconsistent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// A leaf below the scan position.
    #[error("leaf {got} offered at scan position {expected}")]
    OutOfOrder {
        /// The leaf offered.
        got: u64,
        /// The lowest acceptable leaf.
        expected: u64,
    },
    /// Leaf `u64::MAX`: no outbox holds it, and no leaf could follow it.
    #[error("leaf {leaf} has no successor")]
    LastLeaf {
        /// The leaf offered.
        leaf: u64,
    },
}

struct Entry<R, P> {
    route: R,
    meta: MessageMeta,
    retries: u32,
    not_before: u64,
    payload: P,
}

#[derive(Default)]
struct RouteState {
    /// Leaves in memory, in order.
    queue: BTreeSet<u64>,
    /// Lowest leaf of the route skipped (not in memory, not handled), if any.
    skipped: Option<u64>,
    /// During a rescan pass: the `skipped` the pass is resolving.
    resolving: Option<u64>,
}

impl RouteState {
    fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.skipped.is_none() && self.resolving.is_none()
    }
}

/// A rescan pass over `pos..end` (`end`: the scan position when it began).
#[derive(Clone, Copy, Debug)]
struct Pass {
    pos: u64,
    end: u64,
}

/// The pending messages of one path, by route, with their retry state. `R`: a route key; `P`: what
/// the caller keeps with each message.
pub struct Scheduler<R, P> {
    config: SchedulerConfig,
    entries: BTreeMap<u64, Entry<R, P>>,
    routes: BTreeMap<R, RouteState>,
    /// Next leaf of the main scan: every lower leaf was offered once.
    scanned_to: u64,
    /// Lowest leaf skipped because the route table was full (its route has no state).
    untracked_skipped: Option<u64>,
    untracked_resolving: Option<u64>,
    pass: Option<Pass>,
    /// Where round-robin starts; advanced by [`Scheduler::rotate`].
    rotation: usize,
}

impl<R: Ord + Clone, P> Scheduler<R, P> {
    /// An empty scheduler scanning from leaf 0.
    pub fn new(config: SchedulerConfig) -> Self {
        Self {
            config,
            entries: BTreeMap::new(),
            routes: BTreeMap::new(),
            scanned_to: 0,
            untracked_skipped: None,
            untracked_resolving: None,
            pass: None,
            rotation: 0,
        }
    }

    /// Messages in memory.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no message is in memory.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Routes tracked.
    pub fn routes(&self) -> usize {
        self.routes.len()
    }

    /// Messages of `route` in memory.
    pub fn route_len(&self, route: &R) -> usize {
        self.routes.get(route).map_or(0, |r| r.queue.len())
    }

    /// The lowest skipped leaf of `route` still to find again, if any.
    pub fn route_skipped(&self, route: &R) -> Option<u64> {
        self.routes
            .get(route)
            .and_then(|r| match (r.skipped, r.resolving) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            })
    }

    /// Messages in memory that are quarantined.
    pub fn quarantined(&self) -> usize {
        let after = self.config.retry.quarantine_after;
        self.entries.values().filter(|e| e.retries >= after).count()
    }

    /// The caller's data of the message at `leaf`.
    pub fn get(&self, leaf: u64) -> Option<&P> {
        self.entries.get(&leaf).map(|e| &e.payload)
    }

    /// What the scheduler knows of the message at `leaf`.
    pub fn meta(&self, leaf: u64) -> Option<&MessageMeta> {
        self.entries.get(&leaf).map(|e| &e.meta)
    }

    /// The route of the message at `leaf`.
    pub fn route_of(&self, leaf: u64) -> Option<&R> {
        self.entries.get(&leaf).map(|e| &e.route)
    }

    /// Every message in memory, by leaf.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &P)> {
        self.entries.iter().map(|(l, e)| (*l, &e.payload))
    }

    /// Next leaf the main scan reads.
    pub fn scan_position(&self) -> u64 {
        self.scanned_to
    }

    /// Offers the next message of the main scan (leaves in increasing order, at or above
    /// [`Self::scan_position`]).
    pub fn offer_new(
        &mut self,
        leaf: u64,
        route: R,
        meta: MessageMeta,
        payload: P,
    ) -> Result<Admission, ScanError> {
        if leaf < self.scanned_to {
            return Err(ScanError::OutOfOrder {
                got: leaf,
                expected: self.scanned_to,
            });
        }
        self.scanned_to = leaf.checked_add(1).ok_or(ScanError::LastLeaf { leaf })?;
        if !self.config.fee_policy.carries(meta.payment) {
            return Ok(Admission::Declined);
        }
        let room = self.entries.len() < self.config.max_pending;
        let share = self.config.route_share;
        // A route with skipped messages takes none behind them: they go first, found by a rescan.
        let admit = self
            .track(&route)
            .map(|r| room && r.skipped.is_none() && r.resolving.is_none() && r.queue.len() < share);
        Ok(self.admit_or_skip(admit, leaf, route, meta, payload))
    }

    /// Moves the main scan to `next` (a page ended past leaves for other destinations).
    pub fn advance_scan(&mut self, next: u64) {
        self.scanned_to = self.scanned_to.max(next);
    }

    /// The leaves a rescan must read next, `pos..end`, starting a pass when a route with skipped
    /// messages has room again; `None` when there is nothing to rescan.
    pub fn rescan_range(&mut self) -> Option<core::ops::Range<u64>> {
        if let Some(p) = self.pass {
            return Some(p.pos..p.end);
        }
        let has_room = self.entries.len() < self.config.max_pending;
        let route_ready = self.routes.values().any(|r| {
            r.skipped.is_some_and(|s| s < self.scanned_to)
                && r.queue.len() < self.config.route_share
        });
        let untracked_ready =
            self.untracked_skipped.is_some() && self.routes.len() < self.config.max_routes;
        if !has_room || !(route_ready || untracked_ready) {
            return None;
        }
        let start = self
            .routes
            .values()
            .filter_map(|r| r.skipped)
            .chain(self.untracked_skipped)
            .min()?;
        for r in self.routes.values_mut() {
            r.resolving = r.skipped.take();
        }
        self.untracked_resolving = self.untracked_skipped.take();
        let end = self.scanned_to;
        self.pass = Some(Pass { pos: start, end });
        Some(start..end)
    }

    /// Offers a message read by the rescan pass (leaves in increasing order within
    /// [`Self::rescan_range`]). A leaf outside the range is ignored.
    pub fn offer_rescanned(
        &mut self,
        leaf: u64,
        route: R,
        meta: MessageMeta,
        payload: P,
    ) -> Result<Admission, ScanError> {
        let Some(pass) = self.pass else {
            return Ok(Admission::Ignored);
        };
        if leaf < pass.pos {
            return Err(ScanError::OutOfOrder {
                got: leaf,
                expected: pass.pos,
            });
        }
        if leaf >= pass.end || self.entries.contains_key(&leaf) {
            return Ok(Admission::Ignored);
        }
        self.pass = Some(Pass {
            pos: leaf.saturating_add(1),
            end: pass.end,
        });
        if !self.config.fee_policy.carries(meta.payment) {
            return Ok(Admission::Declined);
        }
        // An untracked route is a candidate by the table's marker; a tracked one by its own.
        let by_table = self.untracked_resolving.is_some_and(|m| m <= leaf);
        if !by_table && !self.routes.contains_key(&route) {
            return Ok(Admission::Ignored);
        }
        let room = self.entries.len() < self.config.max_pending;
        let share = self.config.route_share;
        let admit = match self.track(&route) {
            Some(r) if r.resolving.is_none_or(|m| m > leaf) => return Ok(Admission::Ignored),
            Some(r) => Some(room && r.skipped.is_none_or(|s| s > leaf) && r.queue.len() < share),
            None => None,
        };
        Ok(self.admit_or_skip(admit, leaf, route, meta, payload))
    }

    /// Moves the rescan pass to `next`; ends it at its end, or once no route can take any more of
    /// it (every route resolving has skipped a message again in this pass).
    pub fn advance_rescan(&mut self, next: u64) {
        let Some(pass) = self.pass.as_mut() else {
            return;
        };
        pass.pos = pass.pos.max(next);
        let (pos, end) = (pass.pos, pass.end);
        let open = |resolving: Option<u64>, skipped: Option<u64>| {
            resolving.is_some() && skipped.is_none_or(|s| s >= end)
        };
        let still_open = open(self.untracked_resolving, self.untracked_skipped)
            || self.routes.values().any(|r| open(r.resolving, r.skipped));
        if pos >= end || !still_open {
            self.pass = None;
            self.untracked_resolving = None;
            for r in self.routes.values_mut() {
                r.resolving = None;
            }
            self.routes.retain(|_, r| !r.is_idle());
        }
    }

    /// The state of `route`, created if the table has room. A route created while messages of
    /// untracked routes wait to be found again inherits the table's markers: some of them may be
    /// its own.
    fn track(&mut self, route: &R) -> Option<&mut RouteState> {
        if !self.routes.contains_key(route) {
            if self.routes.len() >= self.config.max_routes {
                return None;
            }
            let state = RouteState {
                queue: BTreeSet::new(),
                skipped: self.untracked_skipped,
                resolving: self.untracked_resolving,
            };
            self.routes.insert(route.clone(), state);
        }
        self.routes.get_mut(route)
    }

    /// Keeps the message (`admit == Some(true)`), or records it skipped by its route
    /// (`Some(false)`) or by the table (`None`: its route could not be tracked).
    fn admit_or_skip(
        &mut self,
        admit: Option<bool>,
        leaf: u64,
        route: R,
        meta: MessageMeta,
        payload: P,
    ) -> Admission {
        let skipped = match admit {
            Some(true) => {
                if let Some(r) = self.routes.get_mut(&route) {
                    r.queue.insert(leaf);
                }
                self.entries.insert(
                    leaf,
                    Entry {
                        route,
                        meta,
                        retries: 0,
                        not_before: 0,
                        payload,
                    },
                );
                return Admission::Admitted;
            }
            Some(false) => match self.routes.get_mut(&route) {
                Some(r) => &mut r.skipped,
                None => &mut self.untracked_skipped,
            },
            None => &mut self.untracked_skipped,
        };
        *skipped = Some(skipped.map_or(leaf, |s| s.min(leaf)));
        Admission::Skipped
    }

    /// Forgets the message at `leaf` (delivered, received by someone else, rejected for good).
    pub fn remove(&mut self, leaf: u64) -> Option<P> {
        let entry = self.entries.remove(&leaf)?;
        if let Some(r) = self.routes.get_mut(&entry.route) {
            r.queue.remove(&leaf);
            if entry.meta.ordered {
                // The next ordered message answered `Retry` only because this one was missing.
                let entries = &mut self.entries;
                let next = r.queue.range(leaf..).find(|l| entries[*l].meta.ordered);
                if let Some(next) = next.and_then(|l| entries.get_mut(l)) {
                    next.retries = 0;
                    next.not_before = 0;
                }
            }
            if r.is_idle() {
                self.routes.remove(&entry.route);
            }
        }
        Some(entry.payload)
    }

    /// Records a `Retry` answer for the message at `leaf`, given at destination height `now`.
    pub fn retry_later(&mut self, leaf: u64, now: u64) -> Option<RetryVerdict> {
        let policy = self.config.retry;
        let entry = self.entries.get_mut(&leaf)?;
        entry.retries = entry.retries.saturating_add(1);
        let blocks = policy.delay_blocks(entry.retries);
        entry.not_before = now.saturating_add(blocks);
        Some(if entry.retries >= policy.quarantine_after {
            RetryVerdict::Quarantined {
                blocks,
                newly: entry.retries == policy.quarantine_after,
            }
        } else {
            RetryVerdict::Backoff {
                blocks,
                retries: entry.retries,
            }
        })
    }

    /// The messages of the next transaction at destination height `now`, provable at `max_height`:
    /// round-robin across routes (one message per route per sweep, in leaf order within a route),
    /// until `budget` is full. Returned in increasing leaf order.
    pub fn select(&self, now: u64, max_height: Height, budget: TxBudget) -> Vec<u64> {
        let mut queues: Vec<Vec<u64>> = self
            .routes
            .values()
            .map(|r| self.eligible(r, now, max_height))
            .filter(|q| !q.is_empty())
            .collect();
        let n = queues.len();
        if n > 0 {
            queues.rotate_left(self.rotation % n);
        }
        let mut cursors = vec![0usize; n];
        let mut open = vec![true; n];
        let mut chosen = Vec::new();
        let mut packet_bytes = 0usize;
        while chosen.len() < budget.max_messages && open.iter().any(|o| *o) {
            for i in 0..n {
                if !open[i] || chosen.len() >= budget.max_messages {
                    continue;
                }
                let Some(&leaf) = queues[i].get(cursors[i]) else {
                    open[i] = false;
                    continue;
                };
                let len = self.entries[&leaf].meta.encoded_len;
                let bytes = packet_bytes.saturating_add(crate::plan::packet_cost_bytes(len));
                let cost = deliveries_cost_bytes(chosen.len() + 1, bytes, budget.max_batch);
                if cost > budget.budget_bytes {
                    open[i] = false;
                    continue;
                }
                packet_bytes = bytes;
                chosen.push(leaf);
                cursors[i] += 1;
            }
        }
        chosen.sort_unstable();
        chosen
    }

    /// The leaves of a route that may be sent now, in order.
    fn eligible(&self, route: &RouteState, now: u64, max_height: Height) -> Vec<u64> {
        let mut out = Vec::new();
        let mut ordered_blocked = false;
        let mut first_ordered = true;
        for &leaf in &route.queue {
            let e = &self.entries[&leaf];
            let ready = e.meta.height <= max_height && e.not_before <= now;
            if e.meta.ordered {
                // A later ordered message could only answer `Retry` while this one waits; and once
                // the route's first one was answered `Retry`, it is tried alone until it goes
                // through.
                if !ready || ordered_blocked {
                    ordered_blocked = true;
                    continue;
                }
                ordered_blocked = first_ordered && e.retries > 0;
                first_ordered = false;
            } else if !ready {
                continue;
            }
            out.push(leaf);
        }
        out
    }

    /// At most `max` routes whose first ordered message in memory was answered `Retry` (its
    /// route's ordered delivery may be waiting for the destination's counter to advance), in
    /// route order.
    pub fn stalled_ordered_routes(&self, max: usize) -> Vec<R> {
        self.routes
            .iter()
            .filter(|(_, r)| {
                r.queue
                    .iter()
                    .map(|l| &self.entries[l])
                    .find(|e| e.meta.ordered)
                    .is_some_and(|e| e.retries > 0)
            })
            .map(|(route, _)| route.clone())
            .take(max)
            .collect()
    }

    /// Moves the round-robin start to the next route (call once per transaction sent).
    pub fn rotate(&mut self) {
        self.rotation = self.rotation.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests;
