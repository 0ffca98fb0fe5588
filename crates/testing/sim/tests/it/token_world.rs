//! The token world (`strait_sim::tokens`): sweeps of seeds of 10,000 random operations on three
//! chains' token applications under every fault, every token conserved after every block and
//! every transfer ended exactly once; a seed replays; planted token bugs are caught.

use std::ops::Range;

use strait_endpoint::AppError;
use strait_node::apps::token::limits::Direction;
use strait_node::apps::token::queue::{item_key, Queued};
use strait_node::apps::token::{balance_key, TokenTransfer, CALL_CANCEL, NATIVE_DENOM};
use strait_node::apps::{App, AppCallError, AppContext, Counter, Echo, PingPong, Router};
use strait_node::extensions::Extensions;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, Hash32, MessageId};
use strait_sim::tokens::{Fates, OpKind, Queues};
use strait_sim::{run_tokens, Checker, TokenConfig, TokenReport};

/// Operations per seed of the CI sweep (issue 8: at least 10,000).
const OPS: u64 = 10_000;

/// Runs `seeds` and returns the totals; a broken invariant fails with its seed and replay line.
fn sweep(seeds: Range<u64>) -> (u64, Fates, Queues) {
    let (mut ops, mut fates, mut queues) = (0, Fates::default(), Queues::default());
    for seed in seeds {
        let report = run_tokens(&TokenConfig::new(seed, OPS)).unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(report.total_ops(), OPS, "{report:?}");
        ops += report.total_ops();
        let f = report.fates;
        fates.sent += f.sent;
        fates.executed += f.executed;
        fates.executed_by_retry += f.executed_by_retry;
        fates.failed += f.failed;
        fates.timed_out += f.timed_out;
        fates.refunded_failed += f.refunded_failed;
        fates.refunded_timed_out += f.refunded_timed_out;
        fates.paid += f.paid;
        fates.fees_split += f.fees_split;
        fates.tx_fees += f.tx_fees;
        fates.held += f.held;
        fates.holds_released += f.holds_released;
        // Every paid message's payment was split once, at its settlement.
        assert_eq!(f.paid, f.fees_split, "{report:?}");
        // Every transfer ended once: executed, or refunded after its failure or timeout.
        assert_eq!(
            f.sent,
            f.executed + f.refunded_failed + f.refunded_timed_out,
            "{report:?}"
        );
        for kind in OpKind::ALL {
            assert!(report.ops[kind.name()] > 0, "no {kind:?} in {report:?}");
        }
        // Every queued transfer ended once: released, or cancelled by its owner.
        let q = report.queues;
        assert_eq!(q.queued, q.released + q.cancelled, "{report:?}");
        queues.add(&q);
        assert!(
            report.crashes > 0 && report.chain_restarts > 0,
            "{report:?}"
        );
    }
    eprintln!("{ops} operations: {fates:?} {queues:?}");
    (ops, fates, queues)
}

fn check_sweep(seeds: Range<u64>) {
    let n = seeds.end - seeds.start;
    let (ops, fates, queues) = sweep(seeds);
    assert_eq!(ops, n * OPS);
    assert!(fates.sent > n * OPS / 2, "{fates:?}");
    assert!(
        fates.failed > n * 100 && fates.timed_out > n * 100,
        "{fates:?}"
    );
    assert!(
        queues.queued > n * 100 && queues.cancelled > n * 10,
        "{queues:?}"
    );
    // Fees were paid: by every transaction, and by paid messages split on settlement.
    assert!(
        fates.paid > n * 1_000
            && fates.tx_fees > u128::from(n * OPS) * 1_000
            && fates.held > n * 10
            && fates.holds_released > 0,
        "{fates:?}"
    );
}

#[test]
fn tokens_are_conserved_through_ten_thousand_operations_seeds_0_to_5() {
    check_sweep(0..5);
}

#[test]
fn tokens_are_conserved_through_ten_thousand_operations_seeds_5_to_10() {
    check_sweep(5..10);
}

#[test]
fn a_token_world_seed_replays_to_the_same_state() {
    let run = || -> TokenReport {
        run_tokens(&TokenConfig::new(3, 1_500)).unwrap_or_else(|v| panic!("{v}"))
    };
    let (first, second) = (run(), run());
    assert_eq!(first, second);
    assert_ne!(
        first.digest,
        run_tokens(&TokenConfig::new(4, 1_500)).unwrap().digest
    );
}

/// A token application with a planted bug.
struct Planted(Bug);

#[derive(Clone, Copy, Debug)]
enum Bug {
    /// Refunds the sender of a transfer that was executed: the tokens exist twice.
    DeliveredRefunded,
    /// Refunds a timed-out transfer to another account than its sender.
    WrongAccountRefunded,
    /// Refunds a cancelled outbound queued transfer twice.
    CancelRefundedTwice,
    /// Moves one `sat` of the collected transaction fees to the fee escrow on every call: the
    /// native supply holds, only the fee accounts' books show it.
    FeeMisplaced,
}

impl App for Planted {
    fn name(&self) -> &'static str {
        "planted-token"
    }
    fn receive(&self, ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
        TokenTransfer.receive(ctx, packet)
    }
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let cancelled = match (self.0, data) {
            (Bug::CancelRefundedTwice, [CALL_CANCEL, id @ ..]) => <[u8; 8]>::try_from(id)
                .ok()
                .and_then(|id| ctx.get(&item_key(u64::from_be_bytes(id))))
                .and_then(|raw| Queued::decode(&raw).ok())
                .filter(|item| item.direction == Direction::Out),
            _ => None,
        };
        TokenTransfer.call(ctx, data)?;
        if let Bug::FeeMisplaced = self.0 {
            let from = balance_key(&strait_node::fees::fee_collector(), NATIVE_DENOM);
            let to = balance_key(&strait_node::fees::fee_escrow(), NATIVE_DENOM);
            let read = |ctx: &AppContext<'_>, k: &[u8]| {
                ctx.get(k)
                    .map_or(0, |v| u128::from_be_bytes(v.try_into().unwrap()))
            };
            let (have, other) = (read(ctx, &from), read(ctx, &to));
            if have > 0 {
                ctx.put(&from, (have - 1).to_be_bytes().to_vec())
                    .map_err(AppCallError::Refused)?;
                ctx.put(&to, (other + 1).to_be_bytes().to_vec())
                    .map_err(AppCallError::Refused)?;
            }
        }
        if let Some(item) = cancelled {
            let key = balance_key(&item.owner, &item.denom);
            let have = ctx
                .get(&key)
                .map_or(0, |v| u128::from_be_bytes(v.try_into().unwrap()));
            ctx.put(&key, (have + item.amount).to_be_bytes().to_vec())
                .map_err(AppCallError::Refused)?;
        }
        Ok(())
    }
    fn topic(&self, chain: ChainId, packet: &Packet) -> Option<Hash32> {
        TokenTransfer.topic(chain, packet)
    }
    fn end_block(&self, ctx: &mut AppContext<'_>) -> Result<(), AppError> {
        TokenTransfer.end_block(ctx)
    }
    fn on_ack(&self, ctx: &mut AppContext<'_>, id: &MessageId, ack: &[u8]) -> Result<(), AppError> {
        match self.0 {
            Bug::DeliveredRefunded => TokenTransfer.on_timeout(ctx, id),
            _ => TokenTransfer.on_ack(ctx, id, ack),
        }
    }
    fn on_failure(
        &self,
        ctx: &mut AppContext<'_>,
        id: &MessageId,
        error: &AppError,
    ) -> Result<(), AppError> {
        TokenTransfer.on_failure(ctx, id, error)
    }
    fn on_timeout(&self, ctx: &mut AppContext<'_>, id: &MessageId) -> Result<(), AppError> {
        let Bug::WrongAccountRefunded = self.0 else {
            return TokenTransfer.on_timeout(ctx, id);
        };
        // The record: how u8 | sender [32] | amount u128 | denom_len u8 | denom.
        let record = ctx.get(&[b"pend/".as_slice(), id.as_bytes()].concat());
        TokenTransfer.on_timeout(ctx, id)?;
        let Some(record) = record else {
            return Ok(());
        };
        let sender = Address32(record[1..33].try_into().unwrap());
        let amount = u128::from_be_bytes(record[33..49].try_into().unwrap());
        let denom = std::str::from_utf8(&record[50..]).unwrap();
        let (from, to) = (
            balance_key(&sender, denom),
            balance_key(&Address32([7; 32]), denom),
        );
        let read = |ctx: &AppContext<'_>, k: &[u8]| {
            ctx.get(k)
                .map_or(0, |v| u128::from_be_bytes(v.try_into().unwrap()))
        };
        let (have, other) = (read(ctx, &from), read(ctx, &to));
        ctx.put(&from, (have - amount).to_be_bytes().to_vec())?;
        ctx.put(&to, (other + amount).to_be_bytes().to_vec())
    }
}

fn planted(bug: Bug) -> &'static Extensions {
    let mut apps = Router::default();
    let builtin: [(Address32, Box<dyn App>); 4] = [
        (strait_devnet_api::apps::counter(), Box::new(Counter)),
        (strait_devnet_api::apps::echo(), Box::new(Echo)),
        (strait_devnet_api::apps::ping_pong(), Box::new(PingPong)),
        (strait_devnet_api::apps::token(), Box::new(Planted(bug))),
    ];
    for (address, app) in builtin {
        apps.register(address, app).unwrap();
    }
    let verifiers = Extensions::devnet().verifiers;
    Box::leak(Box::new(Extensions { verifiers, apps }))
}

/// Most seeds of 1,500 operations a sweep may take to catch a planted bug.
const MAX_SEEDS: u64 = 8;

fn caught(bug: Bug) -> Checker {
    let extensions = planted(bug);
    let (seed, violation) = (0..MAX_SEEDS)
        .find_map(|seed| {
            let config = TokenConfig {
                extensions: Some(extensions),
                ..TokenConfig::new(seed, 1_500)
            };
            run_tokens(&config).err().map(|v| (seed, v))
        })
        .unwrap_or_else(|| panic!("{bug:?} not caught within {MAX_SEEDS} seeds"));
    // A failure names its seed, the command that replays it, and the steps before it.
    let report = violation.to_string();
    assert!(
        report.contains(&format!("sim --tokens --seeds {seed} --ops 1500")),
        "{report}"
    );
    assert!(
        report.contains("last steps:") && violation.log.len() > 1,
        "{report}"
    );
    eprintln!(
        "{bug:?} caught by {} at seed {seed}",
        violation.checker.name()
    );
    violation.checker
}

#[test]
fn a_refund_of_a_delivered_transfer_is_caught() {
    assert_eq!(caught(Bug::DeliveredRefunded), Checker::EscrowBacked);
}

#[test]
fn a_refund_to_the_wrong_account_is_caught() {
    assert_eq!(
        caught(Bug::WrongAccountRefunded),
        Checker::BalancesMatchEvents
    );
}

#[test]
fn a_cancel_refunded_twice_is_caught() {
    let checker = caught(Bug::CancelRefundedTwice);
    assert!(
        matches!(checker, Checker::NativeSupply | Checker::VoucherSupply),
        "{checker:?}"
    );
}

#[test]
fn a_fee_moved_behind_the_books_is_caught() {
    assert_eq!(caught(Bug::FeeMisplaced), Checker::BalancesMatchEvents);
}
