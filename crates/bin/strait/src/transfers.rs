//! The token transfers of `strait devnet --messages N`: a share of the N messages move the native
//! token in every direction between the genesis accounts, and the run ends with a conservation
//! check over RPC (`crate::ledger`).
//!
//! Per ordered pair of chains `(s, d)`, and `t` a third chain when there are three or more, one
//! round is, in three phases (each waits until the previous one's tokens arrived):
//! 1. alice on `s` sends `sat` to bob on `d` (executed, bob gets the voucher `s/sat`); alice sends
//!    `sat` to the zero address (refused on `d`, finalized as failed, refunded); alice sends `sat`
//!    with a timeout already passed (timed out on `d`, refunded);
//! 2. bob on `d` sends `s/sat` on to carol on `t` (she gets `d/s/sat`), and some home to alice on
//!    `s` (burned on `d`, released from escrow on `s`);
//! 3. carol on `t` returns `d/s/sat` to bob on `d` (burned on `t`, released from escrow on `d`).
//!
//! Every amount is unique in the run, so a transfer's `Sent` event names its index.

use anyhow::Context as _;
use serde::Serialize;
use strait_devnet_api::rpc::StraitApiClient;
use strait_node::apps::token::NATIVE_DENOM;
use strait_node::builder::GENESIS_ACCOUNTS;
use strait_primitives::{Address32, ChainId};

use crate::ledger::{self, Ledger, NativeMove, Transfer, Violation};
use crate::rpc_client::HttpClient;

/// Default share of `--messages` that are token transfers, in percent.
pub const DEFAULT_PERCENT: u8 = 10;
/// At most this many transfers in one run (their amounts must stay fundable by the genesis
/// allocation).
pub const MAX_TRANSFERS: usize = 200_000;
/// The zero address: no one can receive tokens there (`BAD_RECIPIENT`).
pub const ZERO: Address32 = Address32([0; 32]);

/// What a transfer of the demo is for, and so the outcome it must end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Native tokens out to another chain.
    Out,
    /// A voucher onward to a third chain.
    Onward,
    /// A voucher home.
    Return,
    /// A voucher of a voucher back one hop.
    OnwardBack,
    /// To the zero address: refused, finalized as failed, refunded.
    ToZero,
    /// With a timeout already passed: timed out, refunded.
    Expired,
}

/// How a message ended on its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Executed.
    Executed,
    /// Failed (and, for a settled one, finalized as failed).
    Failed,
    /// Timed out.
    TimedOut,
}

impl Kind {
    /// The outcome it must end with.
    pub fn expected(self) -> Ending {
        match self {
            Self::ToZero => Ending::Failed,
            Self::Expired => Ending::TimedOut,
            _ => Ending::Executed,
        }
    }

    /// The phase it is sent in (1 to 3).
    pub fn phase(self) -> u8 {
        match self {
            Self::Out | Self::ToZero | Self::Expired => 1,
            Self::Onward | Self::Return => 2,
            Self::OnwardBack => 3,
        }
    }
}

/// One planned transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// Its round: a round's phases wait for each other, rounds do not.
    pub round: usize,
    /// What it is for.
    pub kind: Kind,
    /// The devnet account that signs it.
    pub signer: &'static str,
    /// The transfer.
    pub transfer: Transfer,
}

/// Transfers per round: per ordered pair, six with a third chain, four without.
pub fn per_round(chains: usize) -> usize {
    let pairs = chains * chains.saturating_sub(1);
    pairs * if chains >= 3 { 6 } else { 4 }
}

/// How many of `n` messages are transfers at `percent`: whole rounds, at least one when the
/// share leaves room for one and the rest, none for `percent` 0.
pub fn count(n: usize, percent: u8, chains: usize) -> usize {
    let round = per_round(chains);
    if percent == 0 || round == 0 || n < 2 * round {
        return 0;
    }
    let share = n.saturating_mul(usize::from(percent.min(100))) / 100;
    (share / round)
        .max(1)
        .saturating_mul(round)
        .min(MAX_TRANSFERS / round * round)
}

/// Plans `count` transfers (whole rounds) over `chains`, round by round, phase by phase. Amounts
/// are unique: returns and refunded ones `1 + u`, onward ones `T + 1 + u`, outgoing ones
/// `4T + 1 + u` (`u` the transfer's place, `T` the count), so that what a round sends on is less
/// than what the same round received.
pub fn plan(chains: &[ChainId], count: usize) -> Vec<Planned> {
    let who = |label: &'static str| {
        (
            label,
            strait_devnet_api::keys::AccountKey::devnet(label).address(),
        )
    };
    let (alice, bob, carol) = (who("alice"), who("bob"), who("carol"));
    let round = per_round(chains.len());
    let rounds = count.checked_div(round).unwrap_or(0);
    let total = (rounds * round) as u128;
    let mut out = Vec::with_capacity(rounds * round);
    let mut next = 0u128;
    let mut amount = |kind: Kind| {
        let u = next;
        next += 1;
        1 + u
            + match kind {
                Kind::Out => 4 * total,
                Kind::Onward => total,
                _ => 0,
            }
    };
    let n = chains.len();
    for r in 0..rounds {
        for phase in 1..=3u8 {
            for s in 0..n {
                for d in (0..n).filter(|d| *d != s) {
                    let (cs, cd) = (chains[s], chains[d]);
                    let third = (0..n).map(|k| (d + k) % n).find(|t| *t != s && *t != d);
                    let voucher = format!("{cs}/{NATIVE_DENOM}");
                    let mut add = |kind: Kind,
                                   signer: (&'static str, Address32),
                                   src,
                                   dst,
                                   to,
                                   denom: String| {
                        if kind.phase() == phase {
                            let amount = amount(kind);
                            out.push(Planned {
                                round: r,
                                kind,
                                signer: signer.0,
                                transfer: Transfer {
                                    source: src,
                                    destination: dst,
                                    sender: signer.1,
                                    recipient: to,
                                    denom,
                                    amount,
                                },
                            });
                        }
                    };
                    let native = || NATIVE_DENOM.to_owned();
                    add(Kind::Out, alice, cs, cd, bob.1, native());
                    add(Kind::ToZero, alice, cs, cd, ZERO, native());
                    add(Kind::Expired, alice, cs, cd, bob.1, native());
                    add(Kind::Return, bob, cd, cs, alice.1, voucher.clone());
                    if let Some(t) = third {
                        let ct = chains[t];
                        add(Kind::Onward, bob, cd, ct, carol.1, voucher.clone());
                        add(
                            Kind::OnwardBack,
                            carol,
                            ct,
                            cd,
                            bob.1,
                            format!("{cd}/{voucher}"),
                        );
                    }
                }
            }
        }
    }
    out
}

/// What the JSON summary reports of the transfers.
#[derive(Debug, Default, Serialize)]
pub struct TransferReport {
    /// Transfers sent.
    pub sent: u64,
    /// Executed on their destination (outcome proven back).
    pub executed: u64,
    /// Refunded on their source after a failure or timeout outcome proven back.
    pub refunded: u64,
    /// Of those, failures finalized (the zero recipient).
    pub refunded_failed: u64,
    /// Of those, timeouts.
    pub refunded_timed_out: u64,
    /// Transfers whose outcome was not the one planned (must be 0).
    pub unexpected_outcomes: u64,
    /// Transfers whose outcome was handed to the sender more than once (must be 0).
    pub settled_twice: u64,
    /// Transfers with no outcome proven back by the end (must be 0).
    pub unsettled: u64,
    /// Transfers sent paid: their payment locked at send and split at settlement
    /// (`[STRAIT-FEE.7]`, `[STRAIT-FEE.8]`).
    pub paid: u64,
    /// Transaction fees the demo's transfers and finalizations paid, in `sat`, decimal
    /// (`[STRAIT-FEE.2]`).
    pub tx_fees: String,
    /// The check of the chains' token state after the run.
    pub conservation: Conservation,
}

/// The conservation check's result.
#[derive(Debug, Default, Serialize)]
pub struct Conservation {
    /// Whether every rule held.
    pub ok: bool,
    /// Escrows and voucher supplies read (`(chain, denom)`).
    pub holdings_checked: u64,
    /// Account balances read.
    pub balances_checked: u64,
    /// What broke, in words.
    pub violations: Vec<String>,
}

impl TransferReport {
    /// Whether every transfer ended as planned, once, and the books balance.
    pub fn ok(&self) -> bool {
        self.conservation.ok
            && self.unexpected_outcomes == 0
            && self.settled_twice == 0
            && self.unsettled == 0
            && self.executed + self.refunded == self.sent
    }
}

/// Most reads [`read_stable_state`] makes.
const MAX_STABLE_READS: usize = 40;

/// [`read_state`] again and again (every `pause`) until two reads in a row agree, at most
/// [`MAX_STABLE_READS`] times: each token of each chain is read in one snapshot, but the chains
/// and tokens one after the other, so a transfer still settling between two of them would show
/// on one side and not the other. Returns the last read if none agreed.
pub async fn read_stable_state(
    clients: &[HttpClient],
    chains: &[ChainId],
    plan: &[Planned],
    pause: std::time::Duration,
) -> anyhow::Result<Ledger> {
    let mut last = read_state(clients, chains, plan).await?;
    for _ in 1..MAX_STABLE_READS {
        tokio::time::sleep(pause).await;
        let next = read_state(clients, chains, plan).await?;
        if next == last {
            return Ok(next);
        }
        last = next;
    }
    tracing::warn!("the token books kept moving while read; checking the last read");
    Ok(last)
}

/// The genesis accounts' balances, escrows and voucher supplies of every denom `plan` touches,
/// and each chain's native `sat` held by everyone else, read from `clients` (indexed like
/// `chains`). Each `(chain, denom)` is one `strait_tokenBooks` snapshot: the native supply is a
/// sum over holders that fees, bonds and their refunds keep moving between (the relayers run on),
/// so reading them one request at a time could straddle a block and miss or double-count a move
/// while the sum of two such reads still agrees.
pub async fn read_state(
    clients: &[HttpClient],
    chains: &[ChainId],
    plan: &[Planned],
) -> anyhow::Result<Ledger> {
    let transfers: Vec<Transfer> = plan.iter().map(|p| p.transfer.clone()).collect();
    let mut denoms = Ledger::denoms_touched(&transfers);
    for chain in chains {
        denoms.insert((*chain, NATIVE_DENOM.to_owned()));
    }
    let accounts: Vec<Address32> = GENESIS_ACCOUNTS
        .iter()
        .map(|a| strait_devnet_api::keys::AccountKey::devnet(a).address())
        .collect();
    // Every other account that may hold `sat` (relayers and other signers, the fee collector and
    // escrow): the native supply counts them ([STRAIT-FEE.2]).
    let others: Vec<Address32> = strait_node::fees::native_holders()
        .into_iter()
        .filter(|a| !accounts.contains(a))
        .collect();
    let with_others: Vec<Address32> = accounts.iter().chain(&others).copied().collect();
    anyhow::ensure!(
        with_others.len() <= strait_devnet_api::rpc::MAX_BOOK_ACCOUNTS,
        "{} native holders, more than one snapshot reads",
        with_others.len()
    );
    let mut state = Ledger::default();
    for (chain, denom) in denoms {
        let Some(client) = chains.iter().position(|c| *c == chain).map(|i| &clients[i]) else {
            continue;
        };
        let parse = |s: &str, what: &str| {
            s.parse::<u128>()
                .with_context(|| format!("{what} of {denom} on chain {chain}: {s:?}"))
        };
        let native = denom == NATIVE_DENOM;
        let asked = if native { &with_others } else { &accounts };
        let books = client
            .token_books(denom.clone(), asked.clone())
            .await
            .with_context(|| format!("tokenBooks {denom} on chain {chain}"))?;
        anyhow::ensure!(
            books.balances.len() == asked.len(),
            "tokenBooks {denom} on chain {chain}: {} balances for {} accounts",
            books.balances.len(),
            asked.len()
        );
        let held = &books.token;
        state
            .escrow
            .insert((chain, denom.clone()), parse(&held.escrow, "escrow")?);
        state
            .supply
            .insert((chain, denom.clone()), parse(&held.supply, "supply")?);
        let (checked, rest) = books.balances.split_at(accounts.len());
        for (account, balance) in accounts.iter().zip(checked) {
            state
                .balances
                .insert((chain, *account, denom.clone()), parse(balance, "balance")?);
        }
        if !native {
            continue;
        }
        state
            .queued_in
            .insert(chain, parse(&held.queued_in, "queued in")?);
        let mut sum = 0u128;
        for balance in rest {
            sum = sum.saturating_add(parse(balance, "balance")?);
        }
        state.others.insert(chain, sum);
    }
    Ok(state)
}

/// What the demo's transactions paid (`docs/SPEC.md` §11), read from their results and their
/// messages' status.
#[derive(Debug, Default)]
pub struct FeeBook {
    /// Every fee's move of `sat`, in the order it happened per account.
    pub moves: Vec<NativeMove>,
    /// Transaction fees, in `sat`.
    pub tx_fees: u128,
    /// Transfers sent paid.
    pub paid: u64,
    /// What was wrong with them (a result missing, a payment split wrong or never).
    pub violations: Vec<String>,
}

/// Builds the report from the plan, each transfer's settlements (the outcomes handed back to its
/// sender, in order), the fees paid, and the state read before and after the run.
pub fn conclude(
    plan: &[Planned],
    settlements: &[Vec<Ending>],
    fees: FeeBook,
    before: &Ledger,
    after: &Ledger,
) -> TransferReport {
    let mut report = TransferReport {
        sent: plan.len() as u64,
        paid: fees.paid,
        tx_fees: fees.tx_fees.to_string(),
        ..TransferReport::default()
    };
    let mut expected = before.clone();
    let mut violations: Vec<String> = fees.violations;
    for (p, settled) in plan.iter().zip(settlements) {
        if let Err(e) = expected.send(&p.transfer) {
            violations.push(format!("the plan cannot be funded: {e}"));
            continue;
        }
        let Some(first) = settled.first() else {
            report.unsettled += 1;
            continue;
        };
        report.settled_twice += u64::from(settled.len() > 1);
        if *first != p.kind.expected() {
            report.unexpected_outcomes += 1;
        }
        let applied = match first {
            Ending::Executed => {
                report.executed += 1;
                expected.execute(&p.transfer)
            }
            Ending::Failed | Ending::TimedOut => {
                report.refunded += 1;
                if *first == Ending::Failed {
                    report.refunded_failed += 1;
                } else {
                    report.refunded_timed_out += 1;
                }
                expected.refund(&p.transfer)
            }
        };
        if let Err(e) = applied {
            violations.push(format!("an outcome cannot be applied: {e}"));
        }
    }
    for m in &fees.moves {
        if let Err(e) = expected.move_native(m) {
            violations.push(format!("a fee cannot be applied: {e}"));
        }
    }
    let found: Vec<Violation> = ledger::check(before, &expected, after);
    violations.extend(found.iter().map(ToString::to_string));
    report.conservation = Conservation {
        ok: violations.is_empty(),
        holdings_checked: (after.escrow.len() + after.supply.len()) as u64,
        balances_checked: after.balances.len() as u64,
        violations,
    };
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_whole_rounds_and_bounded() {
        assert_eq!(per_round(2), 8);
        assert_eq!(per_round(3), 36);
        assert_eq!(count(300, 10, 3), 36, "at least one round");
        assert_eq!(
            count(71, 10, 3),
            0,
            "too few messages for a round and the rest"
        );
        assert_eq!(count(200, 10, 2), 16);
        assert_eq!(count(1000, 10, 3), 72);
        assert_eq!(count(20_000, 10, 3), 1980);
        assert_eq!(count(20_000, 0, 3), 0);
        let huge = count(usize::MAX / 200, 100, 2);
        assert!(
            huge <= MAX_TRANSFERS && huge.is_multiple_of(8) && huge > 0,
            "{huge}"
        );
    }

    #[test]
    fn the_plan_goes_every_way_with_unique_fundable_amounts() {
        let chains = [ChainId(1), ChainId(2), ChainId(3)];
        let plan = plan(&chains, 72);
        assert_eq!(plan.len(), 72);
        let mut amounts: Vec<u128> = plan.iter().map(|p| p.transfer.amount).collect();
        amounts.sort_unstable();
        amounts.dedup();
        assert_eq!(amounts.len(), 72, "amounts name transfers");
        // Rounds in order, phases in order within a round; every kind on every ordered pair.
        assert!(plan
            .windows(2)
            .all(|w| (w[0].round, w[0].kind.phase()) <= (w[1].round, w[1].kind.phase())));
        assert_eq!(plan.last().unwrap().round, 1);
        for kind in [
            Kind::Out,
            Kind::Onward,
            Kind::Return,
            Kind::OnwardBack,
            Kind::ToZero,
            Kind::Expired,
        ] {
            assert_eq!(
                plan.iter().filter(|p| p.kind == kind).count(),
                12,
                "{kind:?}"
            );
        }
        // Applying every planned outcome to the genesis allocation never overdraws, and the
        // books balance.
        let mut before = Ledger::default();
        for c in chains {
            for a in GENESIS_ACCOUNTS {
                let addr = strait_devnet_api::keys::AccountKey::devnet(a).address();
                before.balances.insert(
                    (c, addr, NATIVE_DENOM.into()),
                    strait_node::builder::GENESIS_BALANCE,
                );
            }
        }
        let mut after = before.clone();
        for p in &plan {
            after.send(&p.transfer).unwrap();
            match p.kind.expected() {
                Ending::Executed => after.execute(&p.transfer).unwrap(),
                _ => after.refund(&p.transfer).unwrap(),
            }
        }
        let settled: Vec<Vec<Ending>> = plan.iter().map(|p| vec![p.kind.expected()]).collect();
        let report = conclude(&plan, &settled, FeeBook::default(), &before, &after);
        assert!(report.ok(), "{report:?}");
        assert_eq!(
            (
                report.executed,
                report.refunded_failed,
                report.refunded_timed_out
            ),
            (48, 12, 12)
        );

        // Two chains: no onward hop.
        let two = super::plan(&chains[..2], 16);
        assert!(two
            .iter()
            .all(|p| !matches!(p.kind, Kind::Onward | Kind::OnwardBack)));
    }

    #[test]
    fn a_double_refund_or_a_missing_outcome_fails_the_report() {
        let chains = [ChainId(1), ChainId(2)];
        let plan = plan(&chains, 8);
        let mut before = Ledger::default();
        for c in chains {
            for a in GENESIS_ACCOUNTS {
                let addr = strait_devnet_api::keys::AccountKey::devnet(a).address();
                before
                    .balances
                    .insert((c, addr, NATIVE_DENOM.into()), 1_000_000);
            }
        }
        let mut after = before.clone();
        for p in &plan {
            after.send(&p.transfer).unwrap();
            match p.kind.expected() {
                Ending::Executed => after.execute(&p.transfer).unwrap(),
                _ => after.refund(&p.transfer).unwrap(),
            }
        }
        let refunded = plan.iter().position(|p| p.kind == Kind::Expired).unwrap();
        // The chain refunds it twice: the sender is paid again out of escrow that backs vouchers.
        let mut twice = after.clone();
        twice.refund(&plan[refunded].transfer).unwrap();
        let mut settled: Vec<Vec<Ending>> = plan.iter().map(|p| vec![p.kind.expected()]).collect();
        settled[refunded].push(Ending::TimedOut);
        let report = conclude(&plan, &settled, FeeBook::default(), &before, &twice);
        assert!(!report.ok());
        assert_eq!(report.settled_twice, 1);
        assert!(!report.conservation.ok, "{report:?}");
        let violations = report.conservation.violations.join("\n");
        assert!(violations.contains("balance of"), "{violations}");
        assert!(violations.contains("vouchers outstanding"), "{violations}");

        // An outcome never proven back, and an unexpected one.
        settled[refunded].clear();
        settled[0] = vec![Ending::Failed];
        let report = conclude(&plan, &settled, FeeBook::default(), &before, &after);
        assert_eq!((report.unsettled, report.unexpected_outcomes), (1, 1));
        assert!(!report.ok());
    }

    #[test]
    fn the_report_counts_every_fee_and_fails_on_an_unseen_or_stuck_one() {
        let chains = [ChainId(1), ChainId(2)];
        let plan = plan(&chains, 8);
        let alice = strait_devnet_api::keys::AccountKey::devnet("alice").address();
        let collector = strait_node::fees::fee_collector();
        let mut before = Ledger::default();
        for c in chains {
            for a in GENESIS_ACCOUNTS {
                let addr = strait_devnet_api::keys::AccountKey::devnet(a).address();
                before
                    .balances
                    .insert((c, addr, NATIVE_DENOM.into()), 1_000_000);
            }
            before.others.insert(c, 5_000_000);
        }
        let mut after = before.clone();
        for p in &plan {
            after.send(&p.transfer).unwrap();
            match p.kind.expected() {
                Ending::Executed => after.execute(&p.transfer).unwrap(),
                _ => after.refund(&p.transfer).unwrap(),
            }
        }
        let fee = NativeMove {
            chain: ChainId(1),
            from: alice,
            to: collector,
            amount: 1_234,
        };
        after.move_native(&fee).unwrap();
        let settled: Vec<Vec<Ending>> = plan.iter().map(|p| vec![p.kind.expected()]).collect();
        let book = || FeeBook {
            moves: vec![fee.clone()],
            tx_fees: 1_234,
            ..FeeBook::default()
        };
        let report = conclude(&plan, &settled, book(), &before, &after);
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.tx_fees, "1234");
        // The same chains without the fee in the book: alice's balance is off.
        let report = conclude(&plan, &settled, FeeBook::default(), &before, &after);
        assert!(!report.ok());
        let violations = report.conservation.violations.join("\n");
        assert!(violations.contains("balance of"), "{violations}");
        // A payment still locked after its settlement fails the report.
        let stuck = FeeBook {
            violations: vec!["transfer 0 settled with its payment still locked".into()],
            ..book()
        };
        assert!(!conclude(&plan, &settled, stuck, &before, &after).ok());
    }
}
