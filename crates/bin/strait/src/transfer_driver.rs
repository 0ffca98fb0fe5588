//! Sends the demo's token transfers round by round, phase by phase (`crate::transfers::plan`), finalizes the ones
//! refused on their destination, waits until every outcome was proven back to its sender, and
//! checks conservation over RPC.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{FeeStatus, MessageStatus, StraitApiClient};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::apps::token::{TransferCall, CALL_FINALIZE};
use strait_primitives::{ChainId, Hash32, Timestamp};

use crate::ledger::{Ledger, NativeMove};
use crate::load::{submit, Tracker};
use crate::rpc_client::HttpClient;
use crate::transfers::{self, Ending, FeeBook, Kind, Planned, TransferReport};

/// The account that asks the token application to finalize refused transfers.
const FINALIZER: &str = "carol";
/// Gas a paid transfer buys on its destination (`[STRAIT-FEE.7]`).
const PAID_GAS: u64 = 50_000;
/// How often the driver looks at what the event streams saw.
const POLL: Duration = Duration::from_millis(10);

/// Signs as devnet accounts with their next nonces, one chain at a time.
struct Signers<'a> {
    clients: &'a [HttpClient],
    chains: &'a [ChainId],
    keys: HashMap<&'static str, AccountKey>,
    nonces: HashMap<(usize, &'static str), u64>,
}

impl Signers<'_> {
    /// A signed transaction of `body` by `label` on chain index `c`.
    async fn sign(
        &mut self,
        c: usize,
        label: &'static str,
        body: TxBody,
    ) -> anyhow::Result<Vec<u8>> {
        let key = self
            .keys
            .entry(label)
            .or_insert_with(|| AccountKey::devnet(label));
        let nonce = match self.nonces.get(&(c, label)) {
            Some(n) => *n,
            None => self.clients[c]
                .account_nonce(key.address())
                .await
                .context("accountNonce")?,
        };
        self.nonces.insert((c, label), nonce + 1);
        Ok(Tx {
            chain_id: self.chains[c],
            signer: key.address(),
            nonce,
            body,
        }
        .sign(key)
        .encode())
    }
}

/// Runs the plan (indices `0..plan.len()` of `tracker`) and reports, `before` being the token
/// state read before the first transfer. Round `r` starts at `started + r * round_interval`
/// (all at once without one); each of its phases when the previous one's tokens arrived.
#[allow(clippy::too_many_arguments)]
pub async fn drive(
    clients: &[HttpClient],
    chains: &[ChainId],
    plan: &[Planned],
    tracker: &Mutex<Tracker>,
    block_time_ms: u64,
    before: Ledger,
    started: Instant,
    round_interval: Option<Duration>,
    deadline: Instant,
) -> anyhow::Result<TransferReport> {
    let mut signers = Signers {
        clients,
        chains,
        keys: HashMap::new(),
        nonces: HashMap::new(),
    };
    let rounds = plan.last().map_or(0, |p| p.round + 1);
    // Indices by round and phase.
    let mut phases: Vec<[Vec<usize>; 3]> = vec![Default::default(); rounds];
    for (i, p) in plan.iter().enumerate() {
        phases[p.round][usize::from(p.kind.phase() - 1)].push(i);
    }
    // The next phase to send, per round (3: all sent).
    let mut next = vec![0usize; rounds];
    let mut finalized: HashSet<usize> = HashSet::new();
    // The finalizations submitted: chain index and transaction hash.
    let mut finalizations: Vec<(usize, Hash32)> = Vec::new();
    loop {
        finalize_refused(
            tracker,
            &mut signers,
            plan,
            &mut finalized,
            &mut finalizations,
        )
        .await?;
        let mut ready = Vec::new();
        {
            let t = tracker
                .lock()
                .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
            let arrived = |i: &usize| {
                plan[*i].kind.expected() != Ending::Executed
                    || t.id_of.get(i).is_some_and(|id| t.received.contains_key(id))
            };
            for r in 0..rounds {
                let due = match next[r] {
                    0 => round_interval.is_none_or(|d| Instant::now() >= started + d * r as u32),
                    3 => false,
                    p => phases[r][p - 1].iter().all(arrived),
                };
                if due {
                    ready.push(r);
                }
            }
        }
        for r in ready {
            for &i in &phases[r][next[r]] {
                send(&mut signers, plan, i, tracker).await?;
            }
            next[r] += 1;
        }
        let all_settled = next.iter().all(|n| *n == 3) && {
            let t = tracker
                .lock()
                .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
            (0..plan.len()).all(|i| t.id_of.get(&i).is_some_and(|id| t.settled.contains_key(id)))
        };
        if all_settled {
            break;
        }
        if Instant::now() >= deadline {
            tracing::warn!("not every transfer settled in time; reporting the rest as unsettled");
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    // A few more blocks: a second settlement, if there were one, is seen.
    tokio::time::sleep(Duration::from_millis((block_time_ms * 3).min(3_000))).await;
    let after = transfers::read_stable_state(
        clients,
        chains,
        plan,
        Duration::from_millis(block_time_ms.max(1)),
    )
    .await?;
    let settlements: Vec<Vec<Ending>> = {
        let t = tracker
            .lock()
            .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
        (0..plan.len())
            .map(|i| {
                t.id_of
                    .get(&i)
                    .and_then(|id| t.settled.get(id))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    };
    let fees = fee_book(clients, chains, plan, tracker, &finalizations).await?;
    Ok(transfers::conclude(
        plan,
        &settlements,
        fees,
        &before,
        &after,
    ))
}

/// What the demo's transactions paid: every transfer's and finalization's fee from its result
/// (`[STRAIT-FEE.2]`), every paid transfer's payment and its split from its status on its source
/// (`[STRAIT-FEE.7]`, `[STRAIT-FEE.8]`).
async fn fee_book(
    clients: &[HttpClient],
    chains: &[ChainId],
    plan: &[Planned],
    tracker: &Mutex<Tracker>,
    finalizations: &[(usize, Hash32)],
) -> anyhow::Result<FeeBook> {
    let (sent, ids): (Vec<_>, Vec<_>) = {
        let t = tracker
            .lock()
            .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
        (0..plan.len())
            .map(|i| (t.tx_hash[i], t.id_of.get(&i).copied()))
            .unzip()
    };
    let mut book = FeeBook::default();
    let collector = strait_node::fees::fee_collector();
    let finalizer = AccountKey::devnet(FINALIZER).address();
    let txs = sent
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.map(|(c, hash)| (c, hash, AccountKey::devnet(plan[i].signer).address()))
        })
        .chain(finalizations.iter().map(|(c, hash)| (*c, *hash, finalizer)));
    for (c, hash, signer) in txs {
        let result = clients[c]
            .transaction_result(hash)
            .await
            .context("transactionResult")?;
        let Some(result) = result else {
            book.violations.push(format!(
                "transaction {hash} on chain {} has no result",
                chains[c]
            ));
            continue;
        };
        let Ok(fee) = result.fee.parse::<u128>() else {
            book.violations.push(format!(
                "transaction {hash}: unreadable fee {:?}",
                result.fee
            ));
            continue;
        };
        book.tx_fees = book.tx_fees.saturating_add(fee);
        book.moves.push(NativeMove {
            chain: chains[c],
            from: signer,
            to: collector,
            amount: fee,
        });
    }
    let escrow = strait_node::fees::fee_escrow();
    for (i, (s, id)) in sent.iter().zip(&ids).enumerate() {
        let (Some((c, _)), Some(id)) = (s, id) else {
            continue;
        };
        let chain = chains[*c];
        let status = clients[*c]
            .message_status(*id)
            .await
            .context("messageStatus")?;
        let MessageStatus::Sent { fee: Some(fee), .. } = status else {
            continue;
        };
        let FeeStatus::Paid {
            deliverer,
            to_deliverer,
            ack_relayer,
            to_ack_relayer,
            payer,
            refunded,
        } = fee
        else {
            book.violations.push(format!(
                "transfer {i} ({id}) settled with its payment still locked"
            ));
            continue;
        };
        let parts: Result<Vec<u128>, _> = [&to_deliverer, &to_ack_relayer, &refunded]
            .iter()
            .map(|s| s.parse::<u128>())
            .collect();
        let Ok(parts) = parts else {
            book.violations
                .push(format!("transfer {i} ({id}): unreadable fee split"));
            continue;
        };
        book.paid += 1;
        // Locked at send: what the split pays out (a split that pays the payer less than it
        // locked shows in the payer's balance).
        let locked = parts.iter().fold(0u128, |a, b| a.saturating_add(*b));
        let mv = |from, to, amount| NativeMove {
            chain,
            from,
            to,
            amount,
        };
        book.moves.push(mv(payer, escrow, locked));
        book.moves.push(mv(escrow, deliverer, parts[0]));
        book.moves.push(mv(escrow, ack_relayer, parts[1]));
        book.moves.push(mv(escrow, payer, parts[2]));
    }
    Ok(book)
}

/// Signs and submits transfer `i` of `plan`.
async fn send(
    signers: &mut Signers<'_>,
    plan: &[Planned],
    i: usize,
    tracker: &Mutex<Tracker>,
) -> anyhow::Result<()> {
    let p = &plan[i];
    let c = signers
        .chains
        .iter()
        .position(|c| *c == p.transfer.source)
        .context("a transfer names an unknown chain")?;
    let call = TransferCall {
        destination: p.transfer.destination,
        recipient: p.transfer.recipient,
        denom: p.transfer.denom.clone(),
        amount: p.transfer.amount,
        timeout_height: None,
        // Long past: the destination records a timeout and the sender is refunded.
        timeout_timestamp: (p.kind == Kind::Expired).then_some(Timestamp(1)),
        // Every other transfer paid: its quote locked with the send, split on its settlement.
        gas_limit: if i.is_multiple_of(2) { PAID_GAS } else { 0 },
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let tx = signers.sign(c, p.signer, body).await?;
    let (client, chain) = (&signers.clients[c], signers.chains[c]);
    submit(client, tx, chain, c, i, tracker).await
}

/// Finalizes every transfer to the zero address whose refusal was seen on its destination.
async fn finalize_refused(
    tracker: &Mutex<Tracker>,
    signers: &mut Signers<'_>,
    plan: &[Planned],
    finalized: &mut HashSet<usize>,
    finalizations: &mut Vec<(usize, Hash32)>,
) -> anyhow::Result<()> {
    let refused: Vec<(usize, Vec<u8>)> = {
        let t = tracker
            .lock()
            .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
        plan.iter()
            .enumerate()
            .filter(|(i, p)| p.kind == Kind::ToZero && !finalized.contains(i))
            .filter_map(|(i, _)| {
                let id = t.id_of.get(&i)?;
                t.received.get(id).filter(|r| r.ending == Ending::Failed)?;
                Some((i, t.packets.get(&i)?.clone()))
            })
            .collect()
    };
    for (i, packet) in refused {
        let c = signers
            .chains
            .iter()
            .position(|c| *c == plan[i].transfer.destination)
            .context("a transfer names an unknown chain")?;
        let mut data = vec![CALL_FINALIZE];
        data.extend_from_slice(&packet);
        let body = TxBody::AppCall {
            app: apps::token(),
            data,
        };
        let tx = signers.sign(c, FINALIZER, body).await?;
        let hash = signers.clients[c]
            .submit_transaction(tx.into())
            .await
            .with_context(|| format!("finalizing transfer {i}"))?;
        tracing::debug!(transfer = i, %hash, "finalize submitted");
        finalized.insert(i);
        finalizations.push((c, hash));
    }
    Ok(())
}
