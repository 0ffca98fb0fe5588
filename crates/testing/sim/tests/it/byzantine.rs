//! Byzantine validators and attesters with a watcher (`strait_sim::run_byzantine`): below their
//! thresholds nothing forged executes and honest traffic flows; at them, the watcher freezes the
//! lying client with evidence on chain (or alerts where no evidence exists yet), and nothing more
//! executes under it.

use strait_sim::{run_byzantine, Fault};
use strait_watcher::{Finding, Response};

fn run(seed: u64) -> strait_sim::ByzantineReport {
    let report = run_byzantine(seed).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.fault, Fault::of_seed(seed));
    report
}

/// Seeds of the sweep: four of each fault.
const SEEDS: u64 = 24;

#[test]
fn every_fault_holds_for_a_sweep_of_seeds() {
    let (mut fork_by_watcher, mut committee_by_watcher, mut by_conflict) = (0, 0, 0);
    for seed in 0..SEEDS {
        let report = run(seed);
        let submitted = |kind: &str| {
            report.reports.iter().any(
                |r| matches!(r.response, Response::Submitted { evidence, .. } if evidence == kind),
            )
        };
        match report.fault {
            Fault::ValidatorsWeak | Fault::AttesterBelow => {
                // Checked by the run: nothing frozen, nothing forged, all honest traffic.
                assert!(report.frozen.is_empty() && !report.forged_received);
            }
            Fault::ValidatorsStrong => {
                assert_eq!(report.frozen.len(), 1);
                fork_by_watcher += usize::from(report.reports.iter().any(|r| {
                    matches!(r.finding, Finding::Fork { .. })
                        && matches!(r.response, Response::Submitted { .. })
                }));
            }
            Fault::CommitteeEquivocating => {
                assert_eq!(report.frozen.len(), 1);
                committee_by_watcher +=
                    usize::from(submitted("update") || submitted("misbehaviour"));
            }
            Fault::OptimisticForged => {
                // Disputed within its window: the bond goes to the watcher, nothing freezes.
                assert!(report.frozen.is_empty());
                assert!(submitted("conflict"), "{report:?}");
                by_conflict += 1;
            }
            Fault::CommitteeSilent => {
                // No certificate of the truth exists: the watcher proves the lie with a conflict
                // against the BFT client (SPEC §13), and the committee route waits.
                assert_eq!(report.frozen.len(), 1);
                assert!(submitted("conflict"), "{report:?}");
                assert!(report.vault.1 < report.vault.0);
                by_conflict += 1;
            }
        }
    }
    // The watcher, not only a relayer's conflicting update, froze clients in the sweep.
    assert!(
        fork_by_watcher >= 1,
        "the watcher never froze a forked BFT client"
    );
    assert!(
        committee_by_watcher >= 1,
        "the watcher never froze a lying committee client"
    );
    assert_eq!(by_conflict, 2 * SEEDS / 6);
}

#[test]
fn a_seed_reproduces_its_run() {
    assert_eq!(run(3), run(3));
}
