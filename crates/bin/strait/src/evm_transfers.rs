//! `strait devnet --messages`' token transfers over the routes with an EVM end (ADR 0022): each
//! EVM chain's own token (`usd`, an ERC-20 registered with its `StraitTokenApp`) travels to every
//! other chain, native or EVM, onwards and back, and some transfers are refused or expire and are
//! refunded. Each is checked to end exactly once as planned (executed, failed or timed out on its
//! destination; settled on its source) and the books are checked at the end
//! ([`crate::evm_token_books`]).
//!
//! Per round, for each EVM chain `E` (`F` the other EVM chain, `N` each native chain), in three
//! phases, each sent once the previous phase's executed transfers arrived:
//! 1. `E` sends `usd` to `N` and to `F` (escrowed on `E`, minted as `E/usd` there); to the zero
//!    address on `N` (refused, finalized as failed on `N`, refunded on `E`); with a timeout long
//!    past to `N` and to `F` (timed out there, refunded on `E`);
//! 2. `N` and `F` send half of their `E/usd` home to `E` (burned, released from `E`'s escrow); `N`
//!    sends a quarter on to `F` (escrowed on `N`, minted as `N/E/usd` on `F`) and some home with a
//!    timeout long past (timed out on `E`, minted again on `N`);
//! 3. `F` sends half of its `N/E/usd` back to `N` (burned on `F`, released from `N`'s escrow).
//!
//! The amounts, how many transfers of each pair are refused or expire (one or two each), and the
//! order of the sends are drawn from the run's seed ([`crate::devnet_seed`]): a seed gives the
//! same plan every time.
//!
//! Senders: the native account [`TOKEN_ACCOUNT`] and the EVM key
//! [`crate::evm_devnet::TOKEN_LOAD_KEY`], so that their nonces never race the counter load's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, FixedBytes, U256};
use alloy::providers::DynProvider;
use alloy::sol_types::SolCall;
use anyhow::Context as _;
use serde::Serialize;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{MessageStatus, OutcomeJson, StraitApiClient};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_evm_client::abi::dev_token::StraitDevToken;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::abi::token_app::StraitTokenApp;
use strait_evm_client::deploy;
use strait_evm_client::txm::{Call, TxManager};
use strait_node::apps::token::{local_denom, TransferCall, CALL_FINALIZE};
use strait_primitives::{Address32, ChainId, MessageId, Timestamp};

use crate::devnet_seed::{streams, SeededRng};
use crate::evm_devnet::{address32, EvmChain, EVM_DENOM, TOKEN_LOAD_KEY};
use crate::evm_load::PAID_GAS_LIMIT;
use crate::rpc_client::HttpClient;
use crate::send::wait_tx;
use crate::transfers::Conservation;

/// The native devnet account that sends and receives the token transfers on native chains
/// (funded at genesis; not `load-0`, the counter load's).
pub(crate) const TOKEN_ACCOUNT: &str = "load-1";
/// Transfers per round with `n` native and `e` EVM chains at the fewest, one refused and one
/// expiring transfer per pair (see the module docs; a seed may draw two).
pub(crate) fn per_round(n: usize, e: usize) -> usize {
    let f = e.saturating_sub(1);
    // Per EVM chain: to each native chain 5 (3 out in phase 1, 2 back in phase 2) and 2 per
    // other EVM chain (onward in phase 2, back in phase 3); to each other EVM chain 3 (2 out, 1
    // back).
    e * (n * (5 + 2 * f) + 3 * f)
}
/// Rounds of transfers for `messages` EVM-route messages at `percent` (`--transfer-percent`):
/// that share of them in whole rounds of `per_round`, at least one unless `percent` is 0.
pub(crate) fn rounds(messages: u64, percent: u8, per_round: usize) -> usize {
    if percent == 0 || per_round == 0 {
        return 0;
    }
    let share = messages.saturating_mul(u64::from(percent.min(100))) / 100;
    usize::try_from(share / per_round as u64)
        .unwrap_or(usize::MAX)
        .clamp(1, MAX_ROUNDS)
}
/// At most this many rounds in a run.
const MAX_ROUNDS: usize = 1_000;
/// How often the chains are polled.
const POLL: Duration = Duration::from_millis(500);
/// An amount unit large enough that halves and quarters stay whole.
const UNIT: u128 = 1 << 20;
/// An executed transfer out of an EVM chain carries 8 to `8 * MAX_UNITS` units.
const MAX_UNITS: u64 = 64;

/// How a transfer is planned to end on its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    Executed,
    /// Refused (to the zero address), finalized as failed, refunded.
    Failed,
    /// Sent with a timeout long past: timed out, refunded.
    TimedOut,
}

/// One planned transfer (chains are indices into the run's chains).
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    pub(crate) phase: usize,
    pub(crate) source: usize,
    pub(crate) destination: usize,
    /// The denomination on the source.
    pub(crate) denom: String,
    pub(crate) amount: u128,
    pub(crate) expect: Expect,
}

/// A chain of the run, as the token load uses it.
#[derive(Clone)]
pub(crate) enum End {
    Native {
        id: ChainId,
        client: HttpClient,
    },
    Evm {
        id: ChainId,
        provider: DynProvider,
        endpoint: Address,
        app: Address,
        token: Address,
    },
}

impl End {
    pub(crate) fn id(&self) -> ChainId {
        match self {
            Self::Native { id, .. } | Self::Evm { id, .. } => *id,
        }
    }
    pub(crate) fn is_evm(&self) -> bool {
        matches!(self, Self::Evm { .. })
    }
    fn kind(&self) -> &'static str {
        if self.is_evm() {
            "evm"
        } else {
            "native"
        }
    }
    /// The account that holds the load's tokens on this chain.
    pub(crate) fn account(&self) -> anyhow::Result<Address32> {
        Ok(match self {
            Self::Native { .. } => AccountKey::devnet(TOKEN_ACCOUNT).address(),
            Self::Evm { .. } => address32(deploy::signer_address(TOKEN_LOAD_KEY)?),
        })
    }
}

/// The token transfers' part of the report, under `evm.transfers`.
#[derive(Debug, Default, Serialize)]
pub struct EvmTransfersReport {
    /// Transfers sent.
    pub sent: u64,
    /// Planned to be executed (the seed's plan).
    pub planned_executed: u64,
    /// Planned to be refused on their destination and refunded.
    pub planned_refused: u64,
    /// Planned to time out and be refunded.
    pub planned_timed_out: u64,
    /// Executed on their destination, as planned.
    pub executed: u64,
    /// Failed (refused, then finalized) on their destination and refunded, as planned.
    pub refunded_failed: u64,
    /// Timed out on their destination and refunded, as planned.
    pub refunded_timed_out: u64,
    /// Ended otherwise than planned (must be 0).
    pub unexpected: u64,
    /// Never seen on their destination (must be 0).
    pub undelivered: u64,
    /// Receptions beyond the first (must be 0).
    pub duplicates: u64,
    /// Transfers and approvals that a reorganisation dropped after they landed, sent again (the
    /// same signed transactions).
    pub resent: u64,
    /// Whose outcome came back to their source.
    pub settled: u64,
    /// Sent paid from an EVM chain (`sendTransferPaid`, every other one).
    pub paid: u64,
    /// Paid transfers whose payment was split exactly once at settlement (`FeeSplit`), the parts
    /// adding up to what the transfer paid.
    pub paid_split: u64,
    /// Paid transfers whose deliverer, not the sender, was paid on the source (a relayer with
    /// an account there: delivered to an EVM chain).
    pub paid_deliverers: u64,
    /// By route: `native->evm`, `evm->native`, `evm->evm`.
    pub by_route: BTreeMap<String, RouteTransfers>,
    /// The books after the run.
    pub conservation: Conservation,
}

/// One route kind's transfers.
#[derive(Debug, Default, Serialize)]
pub struct RouteTransfers {
    /// Sent.
    pub sent: u64,
    /// Ended as planned (executed, or refunded).
    pub as_planned: u64,
    /// Settled on their source.
    pub settled: u64,
}

impl EvmTransfersReport {
    /// Whether every transfer ended as planned, once, settled, and the books balance.
    pub fn ok(&self) -> bool {
        self.executed + self.refunded_failed + self.refunded_timed_out == self.sent
            && self.settled == self.sent
            && self.paid_split == self.paid
            && self.unexpected == 0
            && self.undelivered == 0
            && self.duplicates == 0
            && self.conservation.ok
    }
}

/// The plan of `rounds` rounds over `chains` (see the module docs), drawn from `rng`: each
/// onward amount, how many transfers of a pair are refused or time out (one or two) and their
/// amounts, and the order the transfers are sent in.
pub(crate) fn plan(chains: &[End], rounds: usize, rng: &mut SeededRng) -> Vec<Planned> {
    let evm: Vec<usize> = (0..chains.len()).filter(|&i| chains[i].is_evm()).collect();
    let native: Vec<usize> = (0..chains.len()).filter(|&i| !chains[i].is_evm()).collect();
    let mut out = Vec::new();
    // A refused or expiring transfer's amount: at most half a unit, so that two of them and the
    // onward quarter stay within what an executed transfer brought (8 units at least).
    let small = |rng: &mut SeededRng| u128::from(rng.between(1, (UNIT / 2) as u64));
    for _ in 0..rounds {
        for &e in &evm {
            let home = EVM_DENOM.to_owned();
            let voucher = format!("{}/{EVM_DENOM}", chains[e].id());
            let others: Vec<usize> = evm.iter().copied().filter(|&f| f != e).collect();
            let t = |phase, source, destination, denom: &str, amount, expect| Planned {
                phase,
                source,
                destination,
                denom: denom.to_owned(),
                amount,
                expect,
            };
            for &x in native.iter().chain(&others) {
                let a = 8 * UNIT * u128::from(rng.between(1, MAX_UNITS));
                out.push(t(1, e, x, &home, a, Expect::Executed));
                for _ in 0..rng.between(1, 2) {
                    out.push(t(1, e, x, &home, small(rng), Expect::TimedOut));
                }
                // Home again, half of it.
                out.push(t(2, x, e, &voucher, a / 2, Expect::Executed));
                if chains[x].is_evm() {
                    continue;
                }
                for _ in 0..rng.between(1, 2) {
                    out.push(t(1, e, x, &home, small(rng), Expect::Failed));
                }
                for _ in 0..rng.between(1, 2) {
                    out.push(t(2, x, e, &voucher, small(rng), Expect::TimedOut));
                }
                for &f in &others {
                    // On to the other EVM chain, then half of that back.
                    out.push(t(2, x, f, &voucher, a / 4, Expect::Executed));
                    let onward = format!("{}/{voucher}", chains[x].id());
                    out.push(t(3, f, x, &onward, a / 8, Expect::Executed));
                }
            }
        }
    }
    // The order of the sends (each phase's, from each chain, follows the plan's).
    rng.shuffle(&mut out);
    out
}

/// A sent transfer: its message and, from an EVM chain, its packet (to finalize it) and what it
/// paid, if paid.
#[derive(Clone, Debug)]
struct Sent {
    id: MessageId,
    packet: Vec<u8>,
    paid: Option<U256>,
}

/// How a transfer was received: times seen, and its outcome's kind (0 executed, 1 failed, 2
/// timed out); whether a failed one may still be retried.
#[derive(Clone, Copy, Debug)]
struct Seen {
    count: u64,
    kind: u8,
    retryable: bool,
}

/// Runs `rounds` rounds of transfers, planned from `seed`, over the devnet of `native` and
/// `evm`, at most `timeout`.
pub(crate) async fn run(
    native: &[(ChainId, HttpClient)],
    evm: &[EvmChain],
    rounds: usize,
    seed: u64,
    timeout: Duration,
) -> anyhow::Result<EvmTransfersReport> {
    let mut chains: Vec<End> = native
        .iter()
        .map(|(id, client)| End::Native {
            id: *id,
            client: client.clone(),
        })
        .collect();
    // The token load account's transactions on each EVM chain, by index in `chains`: what a
    // reorganisation drops is sent again.
    let mut senders: HashMap<usize, Arc<TxManager>> = HashMap::new();
    for e in evm {
        let txm = crate::evm_load::load_sender(&e.url, TOKEN_LOAD_KEY).await?;
        senders.insert(chains.len(), Arc::new(txm));
        chains.push(End::Evm {
            id: e.chain_id,
            provider: deploy::signing_provider(&e.url, TOKEN_LOAD_KEY)?,
            endpoint: e.endpoint,
            app: e.token_app,
            token: e.token,
        });
    }
    let plan = plan(
        &chains,
        rounds,
        &mut SeededRng::stream(seed, streams::TRANSFERS),
    );
    let deadline = Instant::now() + timeout;
    let mut sent: HashMap<usize, Sent> = HashMap::new();
    let mut seen: HashMap<MessageId, Seen> = HashMap::new();
    let mut settled: HashSet<MessageId> = HashSet::new();
    let mut finalized: HashSet<usize> = HashSet::new();
    let mut approved: HashSet<(usize, Address)> = HashSet::new();
    for phase in 1..=3 {
        let work: Vec<usize> = (0..plan.len())
            .filter(|&i| plan[i].phase == phase)
            .collect();
        for (s, chain) in chains.iter().enumerate() {
            let mine: Vec<usize> = work
                .iter()
                .copied()
                .filter(|&i| plan[i].source == s)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let out = match chain {
                End::Native { id, client } => send_native(client, *id, &chains, &plan, &mine).await,
                End::Evm { .. } => {
                    let txm = senders.get(&s).context("no sender")?;
                    send_evm(chain, txm, s, &chains, &plan, &mine, &mut approved).await
                }
            }
            .with_context(|| format!("phase {phase}'s transfers from chain {}", chain.id()))?;
            sent.extend(mine.into_iter().zip(out));
        }
        // The phase's executed transfers arrived (the next phase sends what they brought).
        loop {
            resend_dropped(&chains, &senders).await;
            poll(&chains, &plan, &sent, &mut seen, &mut settled).await?;
            finalize_refused(&chains, &plan, &sent, &seen, &mut finalized).await?;
            let arrived = work.iter().all(|&i| {
                plan[i].expect != Expect::Executed
                    || sent.get(&i).and_then(|s| seen.get(&s.id)).is_some()
            });
            if arrived || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
    }
    // Every transfer settled on its source.
    loop {
        resend_dropped(&chains, &senders).await;
        poll(&chains, &plan, &sent, &mut seen, &mut settled).await?;
        finalize_refused(&chains, &plan, &sent, &seen, &mut finalized).await?;
        if sent.values().all(|s| settled.contains(&s.id)) || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let mut report = EvmTransfersReport {
        resent: senders.values().map(|t| t.resent()).sum(),
        ..EvmTransfersReport::default()
    };
    let mut outcome = vec![None; plan.len()];
    for (i, p) in plan.iter().enumerate() {
        let route = format!(
            "{}->{}",
            chains[p.source].kind(),
            chains[p.destination].kind()
        );
        let entry = report.by_route.entry(route).or_default();
        report.sent += 1;
        entry.sent += 1;
        match p.expect {
            Expect::Executed => report.planned_executed += 1,
            Expect::Failed => report.planned_refused += 1,
            Expect::TimedOut => report.planned_timed_out += 1,
        }
        let Some(s) = sent.get(&i) else {
            report.undelivered += 1;
            continue;
        };
        if settled.contains(&s.id) {
            report.settled += 1;
            entry.settled += 1;
        }
        let Some(r) = seen.get(&s.id) else {
            report.undelivered += 1;
            continue;
        };
        report.duplicates += r.count.saturating_sub(1);
        outcome[i] = Some(r.kind);
        let planned = match p.expect {
            Expect::Executed => 0,
            Expect::Failed => 1,
            Expect::TimedOut => 2,
        };
        if r.kind != planned || (r.kind == 1 && r.retryable) {
            report.unexpected += 1;
            continue;
        }
        entry.as_planned += 1;
        match p.expect {
            Expect::Executed => report.executed += 1,
            Expect::Failed => report.refunded_failed += 1,
            Expect::TimedOut => report.refunded_timed_out += 1,
        }
    }
    for (s, chain) in chains.iter().enumerate() {
        let End::Evm {
            id,
            provider,
            endpoint,
            ..
        } = chain
        else {
            continue;
        };
        let paid: Vec<(MessageId, U256)> = (0..plan.len())
            .filter(|&i| plan[i].source == s)
            .filter_map(|i| sent.get(&i).and_then(|t| Some((t.id, t.paid?))))
            .collect();
        if paid.is_empty() {
            continue;
        }
        let fees = crate::evm_load::endpoint_fees(*endpoint, provider).await?;
        let payer = deploy::signer_address(TOKEN_LOAD_KEY)?;
        let counts = crate::evm_load::paid_splits(*id, &fees, payer, &paid).await?;
        report.paid += counts.paid;
        report.paid_split += counts.split;
        report.paid_deliverers += counts.deliverers;
    }
    let settled_of: Vec<bool> = (0..plan.len())
        .map(|i| sent.get(&i).is_some_and(|s| settled.contains(&s.id)))
        .collect();
    report.conservation =
        crate::evm_token_books::check(&chains, &plan, &outcome, &settled_of).await?;
    Ok(report)
}

/// Sends transfers `work` from the native chain `id` as [`TOKEN_ACCOUNT`].
async fn send_native(
    client: &HttpClient,
    id: ChainId,
    chains: &[End],
    plan: &[Planned],
    work: &[usize],
) -> anyhow::Result<Vec<Sent>> {
    let key = AccountKey::devnet(TOKEN_ACCOUNT);
    let mut nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    let mut hashes = Vec::with_capacity(work.len());
    for &i in work {
        let p = &plan[i];
        let call = TransferCall {
            destination: chains[p.destination].id(),
            recipient: recipient(chains, p)?,
            denom: p.denom.clone(),
            amount: p.amount,
            timeout_height: None,
            timeout_timestamp: (p.expect == Expect::TimedOut).then_some(Timestamp(1)),
            gas_limit: 0,
        };
        let tx = Tx {
            chain_id: id,
            signer: key.address(),
            nonce,
            body: TxBody::AppCall {
                app: apps::token(),
                data: call.encode(),
            },
        }
        .sign(&key);
        hashes.push(
            client
                .submit_transaction(tx.encode().into())
                .await
                .with_context(|| format!("submitting transfer {i}"))?,
        );
        nonce += 1;
    }
    let mut out = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let result = wait_tx(client, hash, Duration::from_secs(60)).await?;
        let id = result.message_id.with_context(|| {
            format!(
                "a transfer on chain {id} was refused: {}",
                result.error.unwrap_or_default()
            )
        })?;
        out.push(Sent {
            id,
            packet: Vec::new(),
            paid: None,
        });
    }
    Ok(out)
}

/// The recipient of `p` on its destination: the load's account there, or zero when refused.
fn recipient(chains: &[End], p: &Planned) -> anyhow::Result<Address32> {
    if p.expect == Expect::Failed {
        return Ok(Address32::ZERO);
    }
    chains[p.destination].account()
}

/// Sends again what a reorganisation dropped of the token load's transactions, on every EVM
/// chain of `senders`.
async fn resend_dropped(chains: &[End], senders: &HashMap<usize, Arc<TxManager>>) {
    for (c, txm) in senders {
        crate::evm_load::resend_dropped(txm, chains[*c].id()).await;
    }
}

/// Sends transfers `work` from the EVM chain `chains[s]` with [`TOKEN_LOAD_KEY`] through `txm`:
/// each token approved to the application once (landed first), then every `sendTransfer`,
/// every other one paid (`sendTransferPaid` with the quote of its payload and
/// [`crate::evm_load::PAID_EXCESS`], `[STRAIT-TOKEN.EVM]`), several in flight at once.
async fn send_evm(
    chain: &End,
    txm: &Arc<TxManager>,
    s: usize,
    chains: &[End],
    plan: &[Planned],
    work: &[usize],
    approved: &mut HashSet<(usize, Address)>,
) -> anyhow::Result<Vec<Sent>> {
    let End::Evm {
        id,
        provider,
        endpoint,
        app,
        token,
    } = chain
    else {
        anyhow::bail!("not an EVM chain");
    };
    let app_contract = StraitTokenApp::new(*app, provider.clone());
    let fees = crate::evm_load::endpoint_fees(*endpoint, provider).await?;
    let mut calls = Vec::with_capacity(work.len());
    let mut paid_values = Vec::with_capacity(work.len());
    for (k, &i) in work.iter().enumerate() {
        let p = &plan[i];
        let token_address = if p.denom == EVM_DENOM {
            *token
        } else {
            app_contract
                .tokenOf(p.denom.clone())
                .call()
                .await
                .context("tokenOf")?
        };
        anyhow::ensure!(
            token_address != Address::ZERO,
            "no {} on chain {id}",
            p.denom
        );
        if approved.insert((s, token_address)) {
            let approve = StraitDevToken::approveCall {
                spender: *app,
                value: U256::MAX,
            };
            let landed = txm
                .send("approve", token_address, approve.abi_encode().into())
                .await
                .context("approve")?;
            anyhow::ensure!(landed.receipt.status(), "approve on chain {id} reverted");
        }
        let timeout_ms = if p.expect == Expect::TimedOut { 1 } else { 0 };
        let destination = chains[p.destination].id().get();
        let to = FixedBytes(recipient(chains, p)?.0);
        let paid = if k % 2 == 0 {
            // The transfer payload: version, denom length, denom, amount, sender, recipient.
            let payload_len = 2 + p.denom.len() + 80;
            Some(
                crate::evm_load::paid_value(&fees, destination, payload_len)
                    .await
                    .with_context(|| format!("transfer {i} on EVM chain {id}"))?,
            )
        } else {
            None
        };
        let (data, value) = match paid {
            Some(value) => (
                StraitTokenApp::sendTransferPaidCall {
                    token: token_address,
                    destination,
                    recipient: to,
                    amount: p.amount,
                    timeoutHeight: 0,
                    timeoutTimestamp: timeout_ms,
                    gasLimit: PAID_GAS_LIMIT,
                }
                .abi_encode(),
                value,
            ),
            None => (
                StraitTokenApp::sendTransferCall {
                    token: token_address,
                    destination,
                    recipient: to,
                    amount: p.amount,
                    timeoutHeight: 0,
                    timeoutTimestamp: timeout_ms,
                }
                .abi_encode(),
                U256::ZERO,
            ),
        };
        calls.push(Call::new(*app, data.into()).with_value(value));
        paid_values.push(paid);
    }
    let events = crate::evm_load::send_all(txm, "a transfer", *id, calls).await?;
    Ok(events
        .into_iter()
        .zip(paid_values)
        .map(|(event, paid)| Sent {
            id: MessageId(event.id.0),
            packet: event.packet.to_vec(),
            paid,
        })
        .collect())
}

/// Reads what each destination received and what each source settled.
async fn poll(
    chains: &[End],
    plan: &[Planned],
    sent: &HashMap<usize, Sent>,
    seen: &mut HashMap<MessageId, Seen>,
    settled: &mut HashSet<MessageId>,
) -> anyhow::Result<()> {
    for (c, chain) in chains.iter().enumerate() {
        let to_here: Vec<MessageId> = sent
            .iter()
            .filter(|(i, s)| {
                plan[**i].destination == c && seen.get(&s.id).is_none_or(|r| r.retryable)
            })
            .map(|(_, s)| s.id)
            .collect();
        match chain {
            End::Native { client, .. } => {
                for id in to_here {
                    if let MessageStatus::Received {
                        outcome, retryable, ..
                    } = client.message_status(id).await.context("messageStatus")?
                    {
                        let kind = match outcome {
                            OutcomeJson::Executed { .. } => 0,
                            OutcomeJson::Failed { .. } => 1,
                            OutcomeJson::TimedOut => 2,
                        };
                        seen.insert(
                            id,
                            Seen {
                                count: 1,
                                kind,
                                retryable,
                            },
                        );
                    }
                }
            }
            End::Evm {
                provider, endpoint, ..
            } => {
                if to_here.is_empty() {
                    continue;
                }
                let wanted: HashSet<MessageId> = sent
                    .iter()
                    .filter(|(i, _)| plan[**i].destination == c)
                    .map(|(_, s)| s.id)
                    .collect();
                let logs = StraitEndpoint::new(*endpoint, provider.clone())
                    .Received_filter()
                    .from_block(0)
                    .to_block(crate::evm_load::confirmed_block(provider).await?)
                    .query()
                    .await
                    .context("Received events")?;
                let mut counts: HashMap<MessageId, Seen> = HashMap::new();
                for (event, _) in logs {
                    let id = MessageId(event.id.0);
                    if !wanted.contains(&id) {
                        continue;
                    }
                    // The receipt's outcome kind ([STRAIT-EVENT.2]), after id, route, nonce and
                    // height.
                    let kind = event.receipt.get(80).copied().unwrap_or(u8::MAX);
                    counts
                        .entry(id)
                        .or_insert(Seen {
                            count: 0,
                            kind,
                            retryable: false,
                        })
                        .count += 1;
                }
                seen.extend(counts);
            }
        }
    }
    // Each EVM source's `Settled` events, read again every round: a reorganisation may take a
    // settlement back, and a send it dropped is not awaited either (so not `isAwaiting`).
    let mut settled_on: HashMap<usize, HashSet<MessageId>> = HashMap::new();
    for (c, chain) in chains.iter().enumerate() {
        if let End::Evm {
            provider, endpoint, ..
        } = chain
        {
            settled_on.insert(c, crate::evm_load::settled_on(*endpoint, provider).await?);
        }
    }
    for (i, s) in sent {
        let settled_now = match &chains[plan[*i].source] {
            // A native chain does not reorganise: what settled stays settled.
            End::Native { .. } if settled.contains(&s.id) => true,
            End::Native { client, .. } => matches!(
                client.message_status(s.id).await.context("messageStatus")?,
                MessageStatus::Sent {
                    awaiting_outcome: false,
                    ..
                }
            ),
            End::Evm { .. } => settled_on
                .get(&plan[*i].source)
                .is_some_and(|ids| ids.contains(&s.id)),
        };
        if settled_now {
            settled.insert(s.id);
        } else {
            settled.remove(&s.id);
        }
    }
    Ok(())
}

/// Finalizes, on its native destination, each transfer to the zero address seen refused there
/// (`[STRAIT-TOKEN.5]`): its refund then need not wait for the retry window.
async fn finalize_refused(
    chains: &[End],
    plan: &[Planned],
    sent: &HashMap<usize, Sent>,
    seen: &HashMap<MessageId, Seen>,
    finalized: &mut HashSet<usize>,
) -> anyhow::Result<()> {
    for (&i, s) in sent {
        let p = &plan[i];
        let refused = seen.get(&s.id).is_some_and(|r| r.kind == 1 && r.retryable);
        if p.expect != Expect::Failed || !refused || finalized.contains(&i) {
            continue;
        }
        let End::Native { id, client } = &chains[p.destination] else {
            continue;
        };
        let key = AccountKey::devnet(TOKEN_ACCOUNT);
        let nonce = client
            .account_nonce(key.address())
            .await
            .context("accountNonce")?;
        let tx = Tx {
            chain_id: *id,
            signer: key.address(),
            nonce,
            body: TxBody::AppCall {
                app: apps::token(),
                data: [&[CALL_FINALIZE][..], &s.packet].concat(),
            },
        }
        .sign(&key);
        let hash = client
            .submit_transaction(tx.encode().into())
            .await
            .with_context(|| format!("finalizing transfer {i}"))?;
        let result = wait_tx(client, hash, Duration::from_secs(60)).await?;
        anyhow::ensure!(
            result.success,
            "finalizing transfer {i} on chain {id} was refused: {}",
            result.error.unwrap_or_default()
        );
        finalized.insert(i);
    }
    Ok(())
}

/// The denomination on `p`'s destination of what it carries.
pub(crate) fn arriving_denom(chains: &[End], p: &Planned) -> String {
    local_denom(chains[p.destination].id(), chains[p.source].id(), &p.denom).0
}

/// Two native chains (1, 2) and two EVM chains (31337, 31338) behind unreachable addresses, for
/// tests that plan and check books without chains.
#[cfg(test)]
pub(crate) fn unreachable_chains() -> Vec<End> {
    let client = crate::rpc_client::http_client("http://127.0.0.1:1").unwrap();
    let provider = deploy::signing_provider("http://127.0.0.1:1", TOKEN_LOAD_KEY).unwrap();
    let native = |id| End::Native {
        id: ChainId(id),
        client: client.clone(),
    };
    let evm = |id| End::Evm {
        id: ChainId(id),
        provider: provider.clone(),
        endpoint: Address::ZERO,
        app: Address::ZERO,
        token: Address::ZERO,
    };
    vec![native(1), native(2), evm(31337), evm(31338)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_covers_every_route_and_kind_and_its_size_is_per_round() {
        let chains = unreachable_chains();
        let plan = plan(&chains, 2, &mut SeededRng::new(5));
        // One refused and one expiring transfer per pair at the fewest, two at the most: per
        // EVM chain and native chain, three more; per pair of EVM chains, one.
        assert!(plan.len() >= 2 * per_round(2, 2), "{}", plan.len());
        assert!(plan.len() <= 2 * (per_round(2, 2) + 2 * (2 * 3 + 1)));
        let mut kinds = HashSet::new();
        for p in &plan {
            assert_ne!(p.source, p.destination);
            assert!(chains[p.source].is_evm() || chains[p.destination].is_evm());
            kinds.insert((
                chains[p.source].kind(),
                chains[p.destination].kind(),
                p.expect as u8,
            ));
        }
        for route in [("native", "evm"), ("evm", "native"), ("evm", "evm")] {
            assert!(
                kinds.contains(&(route.0, route.1, Expect::Executed as u8)),
                "{route:?}"
            );
            assert!(
                kinds.contains(&(route.0, route.1, Expect::TimedOut as u8)),
                "{route:?}"
            );
        }
        assert!(kinds.contains(&("evm", "native", Expect::Failed as u8)));
        // What a phase sends, an earlier phase brought: 8 units to each, a half back, a quarter
        // on, an eighth of that back.
        assert!(plan
            .iter()
            .any(|p| p.denom == "1/31337/usd" && p.phase == 3));
        let first = plan
            .iter()
            .find(|p| p.source == 2 && p.destination == 0 && p.denom == EVM_DENOM)
            .unwrap();
        assert_eq!(arriving_denom(&chains, first), "31337/usd");
        assert_eq!(rounds(300, 0, 34), 0);
        assert_eq!(rounds(300, 10, 34), 1, "at least one");
        assert_eq!(rounds(3_400, 10, 34), 10);
        assert_eq!(rounds(u64::MAX, 100, 34), MAX_ROUNDS);
    }

    /// A seed gives one plan, another seed another; and no seed's plan ever spends what its
    /// earlier phases did not bring (every phase's executed transfers arrive before the next).
    #[test]
    fn a_seeds_plan_is_always_the_same_and_never_overdraws() {
        let chains = unreachable_chains();
        let key = |p: &Planned| (p.source, p.denom.clone(), p.amount, p.expect as u8, p.phase);
        let of = |seed| -> Vec<_> {
            plan(&chains, 2, &mut SeededRng::stream(seed, streams::TRANSFERS))
                .iter()
                .map(key)
                .collect()
        };
        assert_eq!(of(9), of(9));
        assert_ne!(of(9), of(10));
        for seed in 0..300 {
            let plan = plan(&chains, 3, &mut SeededRng::stream(seed, streams::TRANSFERS));
            let mut held: HashMap<(usize, String), u128> = HashMap::new();
            for phase in 1..=3 {
                for p in plan.iter().filter(|p| p.phase == phase) {
                    if p.denom == EVM_DENOM {
                        continue;
                    }
                    let have = held.entry((p.source, p.denom.clone())).or_default();
                    *have = have.checked_sub(p.amount).unwrap_or_else(|| {
                        panic!("seed {seed} overdraws {} on {}", p.denom, p.source)
                    });
                }
                for p in plan.iter().filter(|p| p.phase == phase) {
                    if p.expect == Expect::Executed {
                        *held
                            .entry((p.destination, arriving_denom(&chains, p)))
                            .or_default() += p.amount;
                    }
                }
            }
        }
    }
}
