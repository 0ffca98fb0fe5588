//! `strait devnet --seed`: one `u64` from which everything random in a devnet run is drawn (the
//! EVM routes' token transfers and, with `--faults`, the fault schedule), so that a failing run is
//! replayed by its seed (TigerBeetle's VOPR, `strait sim`). Real processes do not run on a
//! deterministic clock, so a replay repeats the workload and the schedule exactly (both are in
//! the JSON report, to compare), not the interleaving of blocks and relays.
//!
//! The generator is the deterministic runtime's splitmix64 (`strait_runtime::splitmix64`):
//! no dependency, the same sequence on every platform. Each consumer draws from its own stream
//! ([`SeededRng::stream`]), so adding a fault does not change the workload of a seed.

use serde::Serialize;

/// Streams of a seed: one per consumer.
pub(crate) mod streams {
    /// The EVM routes' token transfers (`crate::evm_transfers::plan`).
    pub(crate) const TRANSFERS: u64 = 1;
    /// The fault schedule ([`super::fault_schedule`]).
    pub(crate) const FAULTS: u64 = 2;
}

/// A seeded generator (splitmix64).
#[derive(Clone, Debug)]
pub(crate) struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// The generator of `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Stream `stream` of `seed`, independent of the seed's other streams.
    pub(crate) fn stream(seed: u64, stream: u64) -> Self {
        let mut mix = Self::new(seed ^ stream.wrapping_mul(0xd6e8_feb8_6659_fd93));
        Self::new(mix.next_u64())
    }

    /// The next uniformly random `u64`.
    pub(crate) fn next_u64(&mut self) -> u64 {
        strait_runtime::splitmix64(&mut self.state)
    }

    /// A number in `lo..=hi` (`lo` when the range is empty). The modulo's bias is below 2^-40
    /// for the small ranges drawn here, and a bias changes no invariant.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        match hi.checked_sub(lo).and_then(|d| d.checked_add(1)) {
            Some(span) => lo + self.next_u64() % span,
            None if hi >= lo => self.next_u64(),
            None => lo,
        }
    }

    /// Shuffles `items` (Fisher-Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.between(0, i as u64) as usize;
            items.swap(i, j);
        }
    }
}

/// A seed from the clock, for a run given none (printed, so it can be replayed all the same).
pub(crate) fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Mixed, so that runs a few nanoseconds apart get unrelated seeds.
    SeededRng::new(nanos as u64 ^ (nanos >> 64) as u64).next_u64()
}

/// What a scheduled fault does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FaultKind {
    /// The relayer's task is aborted (its paths stop at their next await point, its queues,
    /// caches and nonces are dropped) and, after `down_ms`, a new relayer starts from the chains'
    /// state alone, with new adapters of every chain.
    RelayerRestart,
    /// One EVM chain's attester (of the devnet's ECDSA committee) is aborted (its task dropped
    /// at its next await point, its signing record closed) and, after `down_ms`, started again
    /// from its configuration and signing record alone.
    AttesterRestart,
    /// One EVM chain's last `depth` blocks are replaced by empty ones (anvil's `anvil_reorg`):
    /// their transactions are dropped, not put back in the node's pool. `depth` is below the
    /// devnet's confirmation depth, so no agent has acted on a replaced block; what they and the
    /// load sent in it must be sent again.
    Reorg,
}

/// One fault of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct FaultEvent {
    /// When, in milliseconds after the load starts.
    pub(crate) at_ms: u64,
    /// What.
    pub(crate) kind: FaultKind,
    /// How long the faulty part stays down, in milliseconds.
    pub(crate) down_ms: u64,
    /// For an attester restart, which attester: this number modulo the run's number of EVM
    /// attesters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) attester: Option<u64>,
    /// For a reorganisation, which EVM chain: this number modulo the run's number of EVM chains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) chain: Option<u64>,
    /// For a reorganisation, how many blocks it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) depth: Option<u64>,
}

/// Most relayer restarts a schedule holds.
pub(crate) const MAX_RELAYER_RESTARTS: u64 = 3;
/// The first fault comes this long after the load starts at the earliest: sends are under way.
const FIRST_FAULT_MS: u64 = 1_000;
/// Faults fall within this many milliseconds after the load starts, while messages are in flight
/// (a seeded run's load takes longer than this on the devnet's 1 s EVM blocks).
const FAULT_WINDOW_MS: u64 = 12_000;
/// Longest downtime of a crashed part.
const MAX_DOWN_MS: u64 = 3_000;
/// Most reorganisations a schedule holds.
pub(crate) const MAX_REORGS: u64 = 2;
/// Deepest reorganisation: below the devnet's confirmation depth
/// ([`crate::evm_devnet::CONFIRMATIONS`]), under which the agents read an EVM chain.
pub(crate) const MAX_REORG_DEPTH: u64 = crate::evm_devnet::CONFIRMATIONS - 1;

/// The fault schedule of `seed`: 1 to [`MAX_RELAYER_RESTARTS`] relayer restarts at seeded moments
/// in the first [`FAULT_WINDOW_MS`] of the load, each down for a seeded time, in order and not
/// overlapping (a restart's relayer is up before the next crash); and one attester restart in the
/// first half of the window (so that its attester has checkpoints to sign after it), of a seeded
/// attester, down for a seeded time; then 1 to [`MAX_REORGS`] reorganisations of seeded EVM
/// chains, at seeded moments in the window, 1 to [`MAX_REORG_DEPTH`] blocks deep. In order of
/// their moments. Each kind draws after the kinds before it, so a new kind leaves a seed's
/// earlier faults as they were.
pub(crate) fn fault_schedule(seed: u64) -> Vec<FaultEvent> {
    let mut rng = SeededRng::stream(seed, streams::FAULTS);
    let n = rng.between(1, MAX_RELAYER_RESTARTS);
    let mut at: Vec<u64> = (0..n)
        .map(|_| rng.between(FIRST_FAULT_MS, FAULT_WINDOW_MS))
        .collect();
    at.sort_unstable();
    let mut out: Vec<FaultEvent> = Vec::with_capacity(at.len());
    for t in at {
        let down_ms = rng.between(0, MAX_DOWN_MS);
        // Not before the previous restart's relayer is up again.
        let at_ms = out
            .last()
            .map_or(t, |p| t.max(p.at_ms + p.down_ms + FIRST_FAULT_MS));
        out.push(FaultEvent {
            at_ms,
            kind: FaultKind::RelayerRestart,
            down_ms,
            attester: None,
            chain: None,
            depth: None,
        });
    }
    let attester = FaultEvent {
        at_ms: rng.between(FIRST_FAULT_MS, FAULT_WINDOW_MS / 2),
        kind: FaultKind::AttesterRestart,
        down_ms: rng.between(0, MAX_DOWN_MS),
        attester: Some(rng.next_u64()),
        chain: None,
        depth: None,
    };
    let at = out.partition_point(|e| e.at_ms <= attester.at_ms);
    out.insert(at, attester);
    for _ in 0..rng.between(1, MAX_REORGS) {
        let reorg = FaultEvent {
            at_ms: rng.between(FIRST_FAULT_MS, FAULT_WINDOW_MS),
            kind: FaultKind::Reorg,
            down_ms: 0,
            attester: None,
            chain: Some(rng.next_u64()),
            depth: Some(rng.between(1, MAX_REORG_DEPTH)),
        };
        let at = out.partition_point(|e| e.at_ms <= reorg.at_ms);
        out.insert(at, reorg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_numbers_and_streams_differ() {
        let a: Vec<u64> = (0..4).map(|_| SeededRng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = SeededRng::stream(7, streams::TRANSFERS);
        let mut y = SeededRng::stream(7, streams::FAULTS);
        assert_ne!(x.next_u64(), y.next_u64());
        // splitmix64's first output for seed 0, as the deterministic runtime's.
        assert_eq!(SeededRng::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
        let mut r = SeededRng::new(3);
        for _ in 0..1000 {
            assert!((5..=9).contains(&r.between(5, 9)));
        }
        assert_eq!(r.between(4, 4), 4);
        assert_eq!(r.between(9, 2), 9, "an empty range gives its low end");
        let mut v: Vec<u32> = (0..20).collect();
        r.shuffle(&mut v);
        v.sort_unstable();
        assert_eq!(v, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn a_fault_schedule_is_the_seeds_ordered_and_not_overlapping() {
        for seed in 0..200 {
            let all = fault_schedule(seed);
            assert_eq!(all, fault_schedule(seed), "seed {seed}");
            assert!(
                all.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
                "seed {seed}"
            );
            let of = |kind| -> Vec<FaultEvent> {
                all.iter().filter(|e| e.kind == kind).cloned().collect()
            };
            let (s, attesters, reorgs) = (
                of(FaultKind::RelayerRestart),
                of(FaultKind::AttesterRestart),
                of(FaultKind::Reorg),
            );
            assert_eq!(s.len() + attesters.len() + reorgs.len(), all.len());
            assert!((1..=MAX_RELAYER_RESTARTS as usize).contains(&s.len()));
            assert!(s[0].at_ms >= FIRST_FAULT_MS && s[0].at_ms <= FAULT_WINDOW_MS);
            for w in s.windows(2) {
                assert!(w[1].at_ms >= w[0].at_ms + w[0].down_ms + FIRST_FAULT_MS);
            }
            assert!(all.iter().all(|e| e.down_ms <= MAX_DOWN_MS));
            assert!(s.iter().all(|e| e.attester.is_none()));
            let [a] = attesters.as_slice() else {
                panic!("seed {seed}: one attester restart: {all:?}")
            };
            assert!(a.attester.is_some());
            assert!((FIRST_FAULT_MS..=FAULT_WINDOW_MS / 2).contains(&a.at_ms));
            assert!(
                (1..=MAX_REORGS as usize).contains(&reorgs.len()),
                "seed {seed}"
            );
            for r in &reorgs {
                assert!((FIRST_FAULT_MS..=FAULT_WINDOW_MS).contains(&r.at_ms));
                assert!(r.chain.is_some() && r.attester.is_none() && r.down_ms == 0);
                let depth = r.depth.expect("a depth");
                assert!((1..crate::evm_devnet::CONFIRMATIONS).contains(&depth));
            }
            assert!(s
                .iter()
                .chain(&attesters)
                .all(|e| e.chain.is_none() && e.depth.is_none()));
        }
        assert_ne!(fault_schedule(1), fault_schedule(2));
    }
}
