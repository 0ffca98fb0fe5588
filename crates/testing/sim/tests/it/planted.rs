//! The checkers catch planted bugs: with one receive rule of the endpoint switched off, a sweep of
//! seeds finds a broken invariant within a bounded number of seeds, and names the right one.

use strait_endpoint::mutation::{plant, Mutation};
use strait_sim::{run_world, Checker, WorldConfig};

/// Most seeds a sweep may take to catch a planted bug.
const MAX_SEEDS: u64 = 16;

fn caught(mutation: Mutation) -> (u64, Checker) {
    plant(Some(mutation));
    let found = (0..MAX_SEEDS).find_map(|seed| {
        run_world(&WorldConfig::new(seed, 120)).err().map(|v| {
            // A failure says how to replay it and what led to it.
            let report = v.to_string();
            assert!(report.contains(&format!("--seeds {seed} ")), "{report}");
            assert!(
                report.contains("last steps:") && v.log.len() > 1,
                "{report}"
            );
            (seed, v.checker)
        })
    });
    plant(None);
    if let Some((seed, checker)) = found {
        eprintln!("{mutation:?} caught by {} at seed {seed}", checker.name());
    }
    found.unwrap_or_else(|| panic!("{mutation:?} not caught within {MAX_SEEDS} seeds"))
}

#[test]
fn a_removed_replay_check_is_caught() {
    let (seed, checker) = caught(Mutation::NoReplayCheck);
    assert_eq!(checker, Checker::AtMostOnce, "seed {seed}");
}

#[test]
fn a_removed_ordering_check_is_caught() {
    let (seed, checker) = caught(Mutation::NoOrderCheck);
    assert_eq!(checker, Checker::OrderedInNonceOrder, "seed {seed}");
}

#[test]
fn a_removed_proof_check_is_caught() {
    let (seed, checker) = caught(Mutation::NoProofCheck);
    assert_eq!(checker, Checker::OnlyProven, "seed {seed}");
}
