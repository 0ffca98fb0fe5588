//! `strait sim --byzantine`: sweep seeds of the byzantine validators-and-attesters simulation with
//! a watcher (`strait_sim::run_byzantine`, one fault per seed) and report what the watcher found.

use std::ops::Range;

use anyhow::bail;
use serde::Serialize;
use strait_sim::run_byzantine;
use strait_watcher::Response;

/// Totals of a byzantine sweep.
#[derive(Debug, Default, Serialize)]
pub struct ByzantineSweep {
    seeds: u64,
    /// Runs by fault.
    faults: std::collections::BTreeMap<String, u64>,
    clients_frozen: u64,
    /// Evidence the watcher submitted and the chain applied.
    evidence_submitted: u64,
    /// Findings with no evidence to submit (alerts only).
    alerts_only: u64,
    forged_messages_received: u64,
}

/// Runs the sweep; the first broken check stops it with its seed.
pub fn run(seeds: Range<u64>, json: bool) -> anyhow::Result<()> {
    let mut totals = ByzantineSweep::default();
    for seed in seeds {
        let report = match run_byzantine(seed) {
            Ok(report) => report,
            Err(failure) => {
                eprintln!("{failure}");
                bail!("seed {seed} broke a byzantine check");
            }
        };
        totals.seeds += 1;
        *totals
            .faults
            .entry(format!("{:?}", report.fault))
            .or_default() += 1;
        totals.clients_frozen += report.frozen.len() as u64;
        for r in &report.reports {
            match r.response {
                Response::Submitted { .. } => totals.evidence_submitted += 1,
                Response::AlertOnly(_) => totals.alerts_only += 1,
            }
        }
        totals.forged_messages_received += u64::from(report.forged_received);
    }
    if json {
        out!("{}", serde_json::to_string(&totals)?);
    } else {
        eprintln!("{}", serde_json::to_string_pretty(&totals)?);
    }
    Ok(())
}
