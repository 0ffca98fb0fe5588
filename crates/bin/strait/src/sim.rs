//! `strait sim`: sweep seeds of the whole-system simulator (`strait-sim`) and report.
//!
//! Each seed runs three in-process chains, racing and crashing relayers, a byzantine relayer, a
//! bad network, chain restarts and validator-set changes on the deterministic runtime, with every
//! invariant checked after every block; with `--equivocation`, one chain's validators also sign a
//! conflicting header that a byzantine party shows to another chain's light client, and the fork
//! checkers (`fork_frozen`, `nothing_after_freeze`) run. With `--tokens`, each seed runs the token
//! world instead (`strait_sim::tokens`): `--ops` random token operations (transfers, onward hops
//! and returns, refused transfers, retries, finalizes, timeouts, guardian pauses of endpoints,
//! routes and tokens, rate limits that queue transfers, cancels) under the same
//! faults, with the conservation checkers after every block and every transfer ending exactly
//! once. A broken invariant stops the sweep with its seed, the command that replays it and the
//! last steps before it.

use std::ops::Range;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::Args;
use serde::Serialize;
use strait_sim::{run_tokens, run_world, Faults, TokenConfig, WorldConfig};

/// Arguments of `strait sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Seeds to run: one (`7`) or a half-open range (`0..100`).
    #[arg(long, default_value = "0..10")]
    pub seeds: String,
    /// Messages sent per seed.
    #[arg(long, default_value_t = 500)]
    pub messages: u64,
    /// Chains per seed (at least 3).
    #[arg(long, default_value_t = 3)]
    pub chains: u64,
    /// Relayers per seed.
    #[arg(long, default_value_t = 3)]
    pub relayers: usize,
    /// Simulated milliseconds of traffic and faults per seed.
    #[arg(long, default_value_t = 5_000)]
    pub fault_ms: u64,
    /// Most executor steps (task polls) per seed; a run that needs more fails as a livelock.
    #[arg(long, default_value_t = 50_000_000)]
    pub steps: u64,
    /// Run without any fault.
    #[arg(long)]
    pub no_faults: bool,
    /// Also let one chain's validators sign a conflicting header, shown to another chain's light
    /// client (the client must freeze; its routes leave the liveness checker).
    #[arg(long)]
    pub equivocation: bool,
    /// Run the byzantine validators-and-attesters simulation with a watcher instead (one fault per
    /// seed: below or at the thresholds; `strait_sim::run_byzantine`).
    #[arg(long)]
    pub byzantine: bool,
    /// Run the token world: random token operations with the conservation checkers.
    #[arg(long)]
    pub tokens: bool,
    /// With `--tokens`: operations per seed.
    #[arg(long, default_value_t = 10_000)]
    pub ops: u64,
    /// Print one JSON object with the totals.
    #[arg(long)]
    pub json: bool,
}

/// Totals of a token-world sweep.
#[derive(Debug, Default, Serialize)]
pub struct TokenSweepReport {
    seeds: Vec<u64>,
    operations: u64,
    operations_by_kind: std::collections::BTreeMap<&'static str, u64>,
    transfers_sent: u64,
    transfers_executed: u64,
    executed_by_retry: u64,
    failed_on_destination: u64,
    timed_out: u64,
    refunded_after_failure: u64,
    refunded_after_timeout: u64,
    paid_messages: u64,
    payments_split: u64,
    /// Transaction fees taken, `sat`, decimal.
    tx_fees: String,
    transfers_queued: u64,
    queued_released: u64,
    queued_cancelled: u64,
    tokens_tripped: u64,
    blocks: u64,
    relayer_crashes: u64,
    chain_restarts: u64,
    validator_changes: u64,
    simulated_ms: u64,
    /// Every token conserved after every block, every transfer ended exactly once.
    conservation: &'static str,
    wall_ms: u64,
}

/// Totals of a sweep.
#[derive(Debug, Default, Serialize)]
pub struct SweepReport {
    seeds: u64,
    messages_sent: u64,
    messages_ended: u64,
    messages_executed: u64,
    messages_settled: u64,
    executor_steps: u64,
    simulated_ms: u64,
    relayer_crashes: u64,
    chain_restarts: u64,
    validator_changes: u64,
    equivocations: u64,
    frozen_clients: u64,
    forged_messages_received: u64,
    wall_ms: u64,
    simulated_messages_per_second: u64,
}

fn parse_seeds(text: &str) -> anyhow::Result<Range<u64>> {
    let range = match text.split_once("..") {
        Some((a, b)) => {
            a.trim().parse::<u64>().context("first seed")?
                ..b.trim().parse::<u64>().context("end seed")?
        }
        None => {
            let seed = text.trim().parse::<u64>().context("seed")?;
            seed..seed.checked_add(1).context("seed too large")?
        }
    };
    if range.is_empty() {
        bail!("no seed in {text:?}");
    }
    Ok(range)
}

/// Runs `strait sim --tokens`.
fn run_token_world(
    args: &SimArgs,
    seeds: Range<u64>,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut totals = TokenSweepReport::default();
    let mut tx_fees = 0u128;
    for seed in seeds {
        let config = TokenConfig {
            relayers: args.relayers,
            max_steps: args.steps,
            faults: if args.no_faults {
                Faults::NONE
            } else {
                Faults::ALL
            },
            ..TokenConfig::new(seed, args.ops)
        };
        let report = match run_tokens(&config) {
            Ok(report) => report,
            Err(violation) => {
                progress.abandon();
                eprintln!("{violation}");
                bail!(
                    "seed {seed} broke invariant {}: {}",
                    violation.checker.name(),
                    violation.replay()
                );
            }
        };
        totals.seeds.push(seed);
        totals.operations += report.total_ops();
        for (kind, n) in &report.ops {
            *totals.operations_by_kind.entry(kind).or_default() += n;
        }
        let f = report.fates;
        totals.transfers_sent += f.sent;
        totals.transfers_executed += f.executed;
        totals.executed_by_retry += f.executed_by_retry;
        totals.failed_on_destination += f.failed;
        totals.timed_out += f.timed_out;
        totals.refunded_after_failure += f.refunded_failed;
        totals.refunded_after_timeout += f.refunded_timed_out;
        totals.paid_messages += f.paid;
        totals.payments_split += f.fees_split;
        tx_fees = tx_fees.saturating_add(f.tx_fees);
        totals.transfers_queued += report.queues.queued;
        totals.queued_released += report.queues.released;
        totals.queued_cancelled += report.queues.cancelled;
        totals.tokens_tripped += report.queues.tokens_tripped;
        totals.blocks += report.blocks;
        totals.relayer_crashes += report.crashes;
        totals.chain_restarts += report.chain_restarts;
        totals.validator_changes += report.validator_changes;
        totals.simulated_ms += report.sim_ms;
        progress.set_message(format!("{} operations", totals.operations));
        progress.inc(1);
    }
    progress.finish();
    totals.conservation = "held";
    totals.tx_fees = tx_fees.to_string();
    totals.wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if args.json {
        out!("{}", serde_json::to_string(&totals)?);
    } else {
        eprintln!("{}", serde_json::to_string_pretty(&totals)?);
    }
    Ok(())
}

/// Runs `strait sim`.
pub fn run(args: SimArgs) -> anyhow::Result<()> {
    let seeds = parse_seeds(&args.seeds)?;
    if args.chains < 3 {
        bail!("a simulation runs at least 3 chains");
    }
    let progress = indicatif::ProgressBar::new(seeds.end - seeds.start);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if args.json {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    if args.byzantine {
        return crate::sim_byzantine::run(seeds, args.json);
    }
    if args.tokens {
        if args.chains != 3 || args.equivocation {
            bail!("the token world runs 3 chains, without equivocation");
        }
        return run_token_world(&args, seeds, &progress);
    }
    let started = Instant::now();
    let mut totals = SweepReport::default();
    for seed in seeds {
        let config = WorldConfig {
            chains: args.chains,
            relayers: args.relayers,
            fault_ms: args.fault_ms,
            max_steps: args.steps,
            faults: if args.no_faults {
                Faults::NONE
            } else {
                Faults::ALL
            },
            equivocation: args.equivocation,
            ..WorldConfig::new(seed, args.messages)
        };
        let report = match run_world(&config) {
            Ok(report) => report,
            Err(violation) => {
                progress.abandon();
                eprintln!("{violation}");
                bail!("seed {seed} broke invariant {}", violation.checker.name());
            }
        };
        totals.seeds += 1;
        totals.messages_sent += report.sent;
        totals.messages_ended += report.ended;
        totals.messages_executed += report.executed;
        totals.messages_settled += report.settled;
        totals.executor_steps += report.steps;
        totals.simulated_ms += report.sim_ms;
        totals.relayer_crashes += report.crashes;
        totals.chain_restarts += report.chain_restarts;
        totals.validator_changes += report.validator_changes;
        totals.equivocations += report.equivocations;
        totals.frozen_clients += report.frozen_clients;
        totals.forged_messages_received += report.forged_received;
        progress.set_message(format!("{} messages", totals.messages_sent));
        progress.inc(1);
    }
    progress.finish();
    totals.wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    totals.simulated_messages_per_second =
        totals.messages_sent.saturating_mul(1000) / totals.wall_ms.max(1);
    if args.json {
        out!("{}", serde_json::to_string(&totals)?);
    } else {
        eprintln!("{}", serde_json::to_string_pretty(&totals)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_as_one_or_a_range() {
        assert_eq!(parse_seeds("7").unwrap(), 7..8);
        assert_eq!(parse_seeds("0..100").unwrap(), 0..100);
        assert!(parse_seeds("5..5").is_err());
        assert!(parse_seeds("x").is_err());
        assert!(parse_seeds(&u64::MAX.to_string()).is_err());
    }
}
