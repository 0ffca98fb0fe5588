//! `strait devnet --messages`' EVM routes: counter messages over every ordered pair with an EVM
//! chain at one end or both (native to EVM, EVM to native, EVM to EVM), round robin, and the check
//! that each was executed exactly once on its destination (an EVM endpoint's `Received` events,
//! the counter's count; a native chain's receipt). Every other round, a native chain's messages to
//! an EVM chain go to its second counter, `counter_lc`, under its light client of the native
//! chain (`crate::evm_lc_route`; route `native->evm/lc`), the others under the ECDSA committee and that its outcome came back to its source
//! (a confirmed `Settled` event on an EVM endpoint, `awaiting_outcome` false on a native chain); then what
//! `strait status` reports of each route's first message. Every other message from an EVM chain
//! is paid (`sendPaid`, the quote of the devnet's fee oracle and a little more): its payment must
//! be split exactly once when its outcome settles, the parts adding up to what it paid
//! (`[STRAIT-FEE.8]`), and a relayer on an EVM chain is paid for delivering it there.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, FixedBytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::sol_types::SolCall;
use anyhow::Context as _;
use serde::Serialize;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{MessageStatus, OutcomeJson, StraitApiClient};
use strait_evm_client::abi::counter::StraitCounter;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::abi::endpoint::StraitEndpoint::DeliveryOptions;
use strait_evm_client::abi::fees::StraitFees;
use strait_evm_client::deploy;
use strait_evm_client::txm::{Call, Landed, TxConfig, TxManager};
use strait_primitives::{Address32, ChainId, Hash32, MessageId};

use crate::evm_devnet::{address32, EvmChain, CONFIRMATIONS, LOAD_KEY};
use crate::rpc_client::HttpClient;
use crate::send::{send_tx, wait_tx};

/// The native devnet account that sends the load to EVM chains (funded at genesis; not
/// `user-load`, whose nonces are the native load's).
pub(crate) const LOAD_ACCOUNT: &str = "load-0";

/// Most load sends in flight on one EVM chain at once.
const SEND_CONCURRENCY: usize = 32;
/// The gas limit of a load send on an EVM chain (one costs about 100,000, a paid one about
/// 190,000, a token transfer about 150,000). Sent before the ones ahead of them land, so not
/// estimated: an estimate can miss what the ones ahead add, such as the first write of an
/// outbox level.
pub(crate) const SEND_GAS: u64 = 600_000;
/// The destination gas a paid load message or transfer buys (`[STRAIT-FEE.7]`).
pub(crate) const PAID_GAS_LIMIT: u64 = 200_000;
/// What a paid load message or transfer pays above its quote (wei), which comes back to it at
/// settlement.
pub(crate) const PAID_EXCESS: u64 = 1_000;

/// The EVM routes' part of `strait devnet --messages`' report.
#[derive(Debug, Default, Serialize)]
pub struct EvmRoutesReport {
    /// Messages sent on EVM routes.
    pub sent: u64,
    /// Executed on their destination exactly once.
    pub delivered: u64,
    /// Received with another outcome than executed.
    pub failed: u64,
    /// Never seen received before the timeout.
    pub undelivered: u64,
    /// Executions beyond the first (must be 0).
    pub duplicates: u64,
    /// Load sends that a reorganisation dropped after they landed, sent again (the same signed
    /// transactions, so the same messages).
    pub resent: u64,
    /// Whose outcome came back to their source (settled there).
    pub settled: u64,
    /// Sent paid from an EVM chain (`sendPaid`).
    pub paid: u64,
    /// Paid messages whose payment was split exactly once at settlement (`FeeSplit`), the
    /// deliverer's fee, the ack fee and the refund adding up to what the message paid.
    pub paid_split: u64,
    /// Paid messages whose deliverer was paid on the source: delivered by a relayer with an
    /// account there (to an EVM chain; a native deliverer's share goes back to the payer).
    pub paid_deliverers: u64,
    /// Milliseconds from the first send until every message and transfer settled (or the
    /// timeout) and the statuses were read: faults scheduled before it hit a load in flight.
    pub elapsed_ms: u64,
    /// By route: `native->evm` (under the committee), `native->evm/lc` (under the native chain's
    /// light client), `evm->native`, `evm->evm`.
    pub by_route: BTreeMap<String, RouteLoad>,
    /// The token transfers over the same routes (`crate::evm_transfers`), when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfers: Option<crate::evm_transfers::EvmTransfersReport>,
    /// By route, what `strait status` reports of the route's first message once the run is
    /// over, asking every chain as a user would (`--rpc` and `--evm`).
    pub status: BTreeMap<String, crate::status::Report>,
}

/// One route kind's messages.
#[derive(Debug, Default, Serialize)]
pub struct RouteLoad {
    /// Sent.
    pub sent: u64,
    /// Executed once on their destination.
    pub delivered: u64,
    /// Settled on their source.
    pub settled: u64,
}

impl EvmRoutesReport {
    /// Whether every message was executed exactly once and settled on its source, and every
    /// transfer ended as planned with the books balanced.
    pub fn all_executed_once(&self) -> bool {
        self.transfers
            .as_ref()
            .is_none_or(crate::evm_transfers::EvmTransfersReport::ok)
            && self.delivered == self.sent
            && self.settled == self.sent
            && self.paid_split == self.paid
            && self.failed == 0
            && self.undelivered == 0
            && self.duplicates == 0
    }
}

/// A chain of the run.
#[derive(Clone)]
enum Chain {
    Native { id: ChainId, client: HttpClient },
    Evm(EvmEnd),
}

/// An EVM chain's endpoint and counters, and the load account's transactions there.
#[derive(Clone)]
struct EvmEnd {
    id: ChainId,
    /// The load account's transaction manager: it sends again what a reorganisation dropped.
    txm: Arc<TxManager>,
    /// For reads.
    provider: DynProvider,
    endpoint: Address,
    counter: Address,
    /// The counter under the native chains' light clients.
    counter_lc: Address,
}

impl EvmEnd {
    /// The endpoint's fee contract (`StraitFees`).
    async fn fees(&self) -> anyhow::Result<StraitFees::StraitFeesInstance<DynProvider>> {
        endpoint_fees(self.endpoint, &self.provider).await
    }
}

/// The fee contract (`StraitFees`) of the EVM endpoint at `endpoint`.
pub(crate) async fn endpoint_fees(
    endpoint: Address,
    provider: &DynProvider,
) -> anyhow::Result<StraitFees::StraitFeesInstance<DynProvider>> {
    let fees = StraitEndpoint::new(endpoint, provider.clone())
        .fees()
        .call()
        .await
        .context("the endpoint's fees")?;
    Ok(StraitFees::new(fees, provider.clone()))
}

impl Chain {
    fn id(&self) -> ChainId {
        match self {
            Self::Native { id, .. } => *id,
            Self::Evm(e) => e.id,
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            Self::Native { .. } => "native",
            Self::Evm(_) => "evm",
        }
    }
    /// The counter messages to this chain go to: on an EVM chain, with `lc`, the one under the
    /// native chains' light clients.
    fn receiver(&self, lc: bool) -> Address32 {
        match self {
            Self::Native { .. } => apps::counter_ecdsa(),
            Self::Evm(e) if lc => address32(e.counter_lc),
            Self::Evm(e) => address32(e.counter),
        }
    }
}

/// One message: its route and id, whether it went to the light-client counter, and what it paid
/// (wei) if paid.
struct Sent {
    source: usize,
    destination: usize,
    lc: bool,
    id: MessageId,
    paid: Option<U256>,
}

/// Whether load message `i` over `pairs` goes under a light client: from a native chain to an
/// EVM chain, every other round of the pairs.
fn under_light_client(chains: &[Chain], pairs: &[(usize, usize)], i: u64) -> bool {
    let (s, d) = pairs[(i as usize) % pairs.len()];
    matches!(chains[s], Chain::Native { .. })
        && matches!(chains[d], Chain::Evm(_))
        && (i as usize / pairs.len()) % 2 == 1
}

/// A message's route in the report (`native->evm/lc` under a light client).
fn route_label(chains: &[Chain], m: &Sent) -> String {
    let mut route = format!(
        "{}->{}",
        chains[m.source].kind(),
        chains[m.destination].kind()
    );
    if m.lc {
        route.push('/');
        route.push_str(crate::evm_lc_route::LABEL);
    }
    route
}

/// Sends `n` messages over the EVM routes of the devnet of `native` and `evm` and waits (at most
/// `timeout`) for each to be executed on its destination and settled on its source; at the same
/// time, `transfer_rounds` rounds of token transfers planned from `seed` (`crate::evm_transfers`).
pub(crate) async fn run(
    native: &[(ChainId, HttpClient)],
    evm: &[EvmChain],
    n: u64,
    transfer_rounds: usize,
    seed: u64,
    timeout: Duration,
) -> anyhow::Result<EvmRoutesReport> {
    let started = Instant::now();
    let transfers = async {
        if transfer_rounds == 0 {
            return Ok(None);
        }
        crate::evm_transfers::run(native, evm, transfer_rounds, seed, timeout)
            .await
            .map(Some)
    };
    let (report, transfers) = tokio::join!(counter_messages(native, evm, n, timeout), transfers);
    let mut report = report?;
    report.transfers = transfers.context("the token transfers on EVM routes")?;
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// The counter messages of [`run`].
async fn counter_messages(
    native: &[(ChainId, HttpClient)],
    evm: &[EvmChain],
    n: u64,
    timeout: Duration,
) -> anyhow::Result<EvmRoutesReport> {
    let mut chains: Vec<Chain> = native
        .iter()
        .map(|(id, client)| Chain::Native {
            id: *id,
            client: client.clone(),
        })
        .collect();
    for e in evm {
        let txm = Arc::new(load_sender(&e.url, LOAD_KEY).await?);
        chains.push(Chain::Evm(EvmEnd {
            id: e.chain_id,
            provider: txm.provider().clone(),
            txm,
            endpoint: e.endpoint,
            counter: e.counter,
            counter_lc: e.counter_lc,
        }));
    }
    let pairs: Vec<(usize, usize)> = (0..chains.len())
        .flat_map(|s| (0..chains.len()).map(move |d| (s, d)))
        .filter(|&(s, d)| {
            s != d && (matches!(chains[s], Chain::Evm(_)) || matches!(chains[d], Chain::Evm(_)))
        })
        .collect();
    anyhow::ensure!(!pairs.is_empty(), "no EVM route");
    let deadline = Instant::now() + timeout;
    let tag = format!(
        "strait-evm-load/{}/",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    // Counts on the EVM counters before the run, per (destination, source, light client).
    let mut before = HashMap::new();
    for (s, d) in &pairs {
        if let Chain::Evm(e) = &chains[*d] {
            for lc in [false, true] {
                before.insert((*d, *s, lc), counted(e, chains[*s].id(), lc).await?);
            }
        }
    }
    let mut sent = Vec::new();
    for (s, source) in chains.iter().enumerate() {
        let work: Vec<(u64, usize, bool)> = (0..n)
            .filter(|i| pairs[(*i as usize) % pairs.len()].0 == s)
            .map(|i| {
                let d = pairs[(i as usize) % pairs.len()].1;
                (i, d, under_light_client(&chains, &pairs, i))
            })
            .collect();
        if work.is_empty() {
            continue;
        }
        let ids = match source {
            Chain::Native { id, client } => send_native(client, *id, &chains, &work, &tag)
                .await?
                .into_iter()
                .map(|id| (id, None))
                .collect(),
            Chain::Evm(e) => send_evm(e, &chains, &work, &tag).await?,
        };
        sent.extend(
            work.iter()
                .zip(ids)
                .map(|(&(_, destination, lc), (id, paid))| Sent {
                    source: s,
                    destination,
                    lc,
                    id,
                    paid,
                }),
        );
    }
    tracing::info!(sent = sent.len(), "EVM routes: all messages submitted");

    // Executed on the destination, then settled on the source.
    let mut received: HashMap<MessageId, (u64, bool)> = HashMap::new();
    let mut settled: HashMap<MessageId, bool> = HashMap::new();
    loop {
        // A reorganisation may have dropped some of the sends: sent again, as signed.
        for chain in &chains {
            if let Chain::Evm(e) = chain {
                resend_dropped(&e.txm, e.id).await;
            }
        }
        received.clear();
        for (d, chain) in chains.iter().enumerate() {
            let ids: Vec<MessageId> = sent
                .iter()
                .filter(|m| m.destination == d)
                .map(|m| m.id)
                .collect();
            if !ids.is_empty() {
                receptions(chain, &ids, &mut received).await?;
            }
        }
        for (s, chain) in chains.iter().enumerate() {
            match chain {
                // A native chain does not reorganise: what settled stays settled.
                Chain::Native { client, .. } => {
                    let ids: Vec<MessageId> = sent
                        .iter()
                        .filter(|m| m.source == s && !settled.get(&m.id).copied().unwrap_or(false))
                        .map(|m| m.id)
                        .collect();
                    for id in ids {
                        settled.insert(id, is_settled(client, id).await?);
                    }
                }
                // Read again each round: a reorganisation may take a settlement back.
                Chain::Evm(e) => {
                    let now = settled_on(e.endpoint, &e.provider).await?;
                    for m in sent.iter().filter(|m| m.source == s) {
                        settled.insert(m.id, now.contains(&m.id));
                    }
                }
            }
        }
        let done = sent
            .iter()
            .all(|m| received.contains_key(&m.id) && settled.get(&m.id).copied().unwrap_or(false));
        if done || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let mut report = EvmRoutesReport {
        resent: chains
            .iter()
            .map(|c| match c {
                Chain::Evm(e) => e.txm.resent(),
                Chain::Native { .. } => 0,
            })
            .sum(),
        ..EvmRoutesReport::default()
    };
    for m in &sent {
        let entry = report.by_route.entry(route_label(&chains, m)).or_default();
        report.sent += 1;
        entry.sent += 1;
        match received.get(&m.id) {
            None => report.undelivered += 1,
            Some(&(count, executed)) => {
                report.duplicates += count.saturating_sub(1);
                if executed {
                    report.delivered += 1;
                    entry.delivered += 1;
                } else {
                    report.failed += 1;
                }
            }
        }
        if settled.get(&m.id).copied().unwrap_or(false) {
            report.settled += 1;
            entry.settled += 1;
        }
    }
    for (s, chain) in chains.iter().enumerate() {
        let Chain::Evm(e) = chain else { continue };
        let paid: Vec<(MessageId, U256)> = sent
            .iter()
            .filter(|m| m.source == s)
            .filter_map(|m| Some((m.id, m.paid?)))
            .collect();
        if !paid.is_empty() {
            fee_splits(e, &paid, &mut report).await?;
        }
    }
    report.status = statuses(native, evm, &chains, &sent).await;
    // The EVM counters counted each message once.
    for ((d, s, lc), was) in before {
        let Chain::Evm(e) = &chains[d] else { continue };
        let now = counted(e, chains[s].id(), lc).await?;
        let expected = sent
            .iter()
            .filter(|m| (m.destination, m.source, m.lc) == (d, s, lc))
            .filter(|m| received.get(&m.id).is_some_and(|r| r.1))
            .count() as u64;
        if now - was != expected {
            report.duplicates += (now - was).saturating_sub(expected);
            tracing::error!(
                destination = %e.id, source = %chains[s].id(), lc, counted = now - was, expected,
                "an EVM counter counted other than the executed messages"
            );
        }
    }
    Ok(report)
}

/// `strait status` of the first message of each route kind, asking every chain; a query that
/// fails is logged and left out.
async fn statuses(
    native: &[(ChainId, HttpClient)],
    evm: &[EvmChain],
    chains: &[Chain],
    sent: &[Sent],
) -> BTreeMap<String, crate::status::Report> {
    let mut asked: Vec<crate::status_chains::Chain> = native
        .iter()
        .map(|(id, client)| crate::status_chains::Chain {
            id: *id,
            asked: crate::status_chains::Asked::Native(client.clone()),
        })
        .collect();
    for e in evm {
        match crate::status_chains::evm_chain(&e.status_arg()).await {
            Ok(chain) => asked.push(chain),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "strait status cannot follow an EVM chain")
            }
        }
    }
    let mut out = BTreeMap::new();
    for m in sent {
        let route = route_label(chains, m);
        if out.contains_key(&route) {
            continue;
        }
        match crate::status::report(m.id, &asked).await {
            Ok(report) => {
                out.insert(route, report);
            }
            Err(e) => {
                tracing::error!(id = %m.id, %route, error = %format!("{e:#}"), "strait status failed")
            }
        }
    }
    out
}

/// Sends `work` (message index, destination, to its light-client counter) from the native chain `id` as [`LOAD_ACCOUNT`];
/// returns the message ids.
async fn send_native(
    client: &HttpClient,
    id: ChainId,
    chains: &[Chain],
    work: &[(u64, usize, bool)],
    tag: &str,
) -> anyhow::Result<Vec<MessageId>> {
    let key = AccountKey::devnet(LOAD_ACCOUNT);
    let mut nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    let mut hashes: Vec<Hash32> = Vec::with_capacity(work.len());
    for &(i, d, lc) in work {
        let tx = send_tx(
            id,
            &key,
            nonce,
            chains[d].id(),
            chains[d].receiver(lc),
            Default::default(),
            format!("{tag}{i}").into_bytes(),
        );
        hashes.push(
            client
                .submit_transaction(tx.into())
                .await
                .with_context(|| format!("sending message {i} on chain {id}"))?,
        );
        nonce += 1;
    }
    let mut ids = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let result = wait_tx(client, hash, Duration::from_secs(60)).await?;
        ids.push(result.message_id.with_context(|| {
            format!(
                "a send on chain {id} was refused: {}",
                result.error.unwrap_or_default()
            )
        })?);
    }
    Ok(ids)
}

/// Sends `work` from the EVM chain `e` with the load key, straight through its endpoint (the
/// sender is the key's account), every other message paid (`sendPaid` with its quote and
/// [`PAID_EXCESS`]); returns the message ids from the `Sent` events and what each paid.
async fn send_evm(
    e: &EvmEnd,
    chains: &[Chain],
    work: &[(u64, usize, bool)],
    tag: &str,
) -> anyhow::Result<Vec<(MessageId, Option<U256>)>> {
    let fees = e.fees().await?;
    let options = DeliveryOptions {
        ordered: false,
        timeoutHeight: 0,
        timeoutTimestamp: 0,
    };
    let mut calls = Vec::with_capacity(work.len());
    let mut paid_values = Vec::with_capacity(work.len());
    for (k, &(i, d, lc)) in work.iter().enumerate() {
        let receiver = FixedBytes(chains[d].receiver(lc).0);
        let payload = format!("{tag}{i}").into_bytes();
        let destination = chains[d].id().get();
        let paid = if k % 2 == 0 {
            Some(
                paid_value(&fees, destination, payload.len())
                    .await
                    .with_context(|| format!("message {i} on EVM chain {}", e.id))?,
            )
        } else {
            None
        };
        let (data, value) = match paid {
            Some(value) => (
                StraitEndpoint::sendPaidCall {
                    destinationChain: destination,
                    receiver,
                    options: options.clone(),
                    payload: payload.into(),
                    gasLimit: PAID_GAS_LIMIT,
                }
                .abi_encode(),
                value,
            ),
            None => (
                StraitEndpoint::sendCall {
                    destinationChain: destination,
                    receiver,
                    options: options.clone(),
                    payload: payload.into(),
                }
                .abi_encode(),
                U256::ZERO,
            ),
        };
        calls.push(Call::new(e.endpoint, data.into()).with_value(value));
        paid_values.push(paid);
    }
    let events = send_all(&e.txm, "a load send", e.id, calls).await?;
    Ok(events
        .into_iter()
        .zip(paid_values)
        .map(|(event, paid)| (MessageId(event.id.0), paid))
        .collect())
}

/// A load account's transaction manager on the EVM chain at `url`: its polls as frequent as the
/// devnet's blocks are short.
pub(crate) async fn load_sender(url: &str, key: &str) -> anyhow::Result<TxManager> {
    let config = TxConfig {
        poll_interval: Duration::from_millis(200),
        receipt_timeout: RECEIPT_TIMEOUT,
        ..TxConfig::default()
    };
    TxManager::connect(url, key, config)
        .await
        .with_context(|| format!("the load account's transactions on {url}"))
}

/// Sends `calls` through `txm` with the gas limit [`SEND_GAS`], at most [`SEND_CONCURRENCY`] in
/// flight, and returns each one's `Sent` event, in the order of `calls`; `what` names them in
/// errors. A call that reverts fails the load.
pub(crate) async fn send_all(
    txm: &Arc<TxManager>,
    what: &'static str,
    chain: ChainId,
    calls: Vec<Call>,
) -> anyhow::Result<Vec<StraitEndpoint::Sent>> {
    let slots = Arc::new(tokio::sync::Semaphore::new(SEND_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    let n = calls.len();
    for (k, call) in calls.into_iter().enumerate() {
        let txm = txm.clone();
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await?;
            let landed = txm
                .send_call(what, call.with_gas_limit(SEND_GAS))
                .await
                .with_context(|| format!("{what} ({k}) on EVM chain {chain}"))?;
            anyhow::Ok((k, sent_in(&landed, what, chain)?))
        });
    }
    let mut out: Vec<Option<StraitEndpoint::Sent>> = (0..n).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        let (k, event) = done.context("a load send's task")??;
        out[k] = Some(event);
    }
    Ok(out.into_iter().flatten().collect())
}

/// Sends again what a reorganisation dropped of `txm`'s transactions on `chain` (each send does
/// too, first); a failure is logged (the next round tries again).
pub(crate) async fn resend_dropped(txm: &TxManager, chain: ChainId) {
    match txm.reconcile().await {
        Ok(0) => {}
        Ok(resent) => {
            tracing::info!(%chain, resent, "load: sent again what a reorganisation dropped");
        }
        Err(e) => tracing::warn!(%chain, error = %e, "load: cannot check for dropped sends"),
    }
}

/// What a paid load message or transfer to `destination` with a payload of `payload_len` bytes
/// pays: the quote of [`PAID_GAS_LIMIT`] on `fees`, and [`PAID_EXCESS`].
pub(crate) async fn paid_value(
    fees: &StraitFees::StraitFeesInstance<DynProvider>,
    destination: u64,
    payload_len: usize,
) -> anyhow::Result<U256> {
    let quote = fees
        .quote(destination, PAID_GAS_LIMIT, U256::from(payload_len))
        .call()
        .await
        .context("the fee quote")?;
    Ok(quote + U256::from(PAID_EXCESS))
}

/// How long a load send's receipt is waited for (a send lands in a block or two).
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The `Sent` event of `landed`, a load send on the EVM chain `chain` (`what` names it in
/// errors), which must have succeeded.
fn sent_in(landed: &Landed, what: &str, chain: ChainId) -> anyhow::Result<StraitEndpoint::Sent> {
    let receipt = &landed.receipt;
    anyhow::ensure!(
        receipt.status(),
        "{what} on EVM chain {chain} ({}) reverted, using {} of its {} gas",
        receipt.transaction_hash,
        receipt.gas_used,
        landed.gas_limit
    );
    Ok(receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<StraitEndpoint::Sent>().ok())
        .with_context(|| format!("no Sent event in the receipt of {what} on EVM chain {chain}"))?
        .inner
        .data)
}

/// Counts into `report` the paid messages `paid` (id, what it paid) sent from `e` by the load key
/// ([`paid_splits`]).
async fn fee_splits(
    e: &EvmEnd,
    paid: &[(MessageId, U256)],
    report: &mut EvmRoutesReport,
) -> anyhow::Result<()> {
    let counts = paid_splits(
        e.id,
        &e.fees().await?,
        deploy::signer_address(LOAD_KEY)?,
        paid,
    )
    .await?;
    report.paid += counts.paid;
    report.paid_split += counts.split;
    report.paid_deliverers += counts.deliverers;
    Ok(())
}

/// How the payments of paid messages were split at settlement ([`paid_splits`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PaidSplits {
    /// Paid messages.
    pub paid: u64,
    /// Split exactly once (one `FeeSplit`), the parts adding up to what the message paid.
    pub split: u64,
    /// Of those, whose deliverer, not the payer, got the delivery fee.
    pub deliverers: u64,
}

/// Reads the `FeeSplit` events of `fees` (an EVM chain's `StraitFees`) for the messages `paid`
/// (id, what it paid) that `payer` paid for on `chain`.
pub(crate) async fn paid_splits(
    chain: ChainId,
    fees: &StraitFees::StraitFeesInstance<DynProvider>,
    payer: Address,
    paid: &[(MessageId, U256)],
) -> anyhow::Result<PaidSplits> {
    let mut splits: HashMap<MessageId, Vec<StraitFees::FeeSplit>> = HashMap::new();
    for (event, _) in fees
        .FeeSplit_filter()
        .from_block(0)
        .query()
        .await
        .context("FeeSplit events")?
    {
        splits.entry(MessageId(event.id.0)).or_default().push(event);
    }
    let mut counts = PaidSplits::default();
    for (id, amount) in paid {
        counts.paid += 1;
        let [split] = splits.get(id).map(Vec::as_slice).unwrap_or_default() else {
            let splits = splits.get(id).map_or(0, Vec::len);
            tracing::error!(%chain, %id, splits, "a paid message was not split exactly once");
            continue;
        };
        let parts = split.delivererFee + split.ackFee + split.refund;
        if parts != *amount {
            tracing::error!(
                %chain, %id, %parts, %amount,
                "a paid message's split does not add up to what it paid"
            );
            continue;
        }
        counts.split += 1;
        if split.deliverer != payer && split.delivererFee > U256::ZERO {
            counts.deliverers += 1;
        }
    }
    Ok(counts)
}

/// Records, for each of `ids` received on `chain`, how many times and whether executed.
async fn receptions(
    chain: &Chain,
    ids: &[MessageId],
    out: &mut HashMap<MessageId, (u64, bool)>,
) -> anyhow::Result<()> {
    match chain {
        Chain::Native { client, .. } => {
            for chunk in ids.chunks(1024) {
                let answer = client.received(chunk.to_vec()).await.context("received")?;
                for (id, yes) in chunk.iter().zip(answer) {
                    if !yes {
                        continue;
                    }
                    let executed = matches!(
                        client.message_status(*id).await.context("messageStatus")?,
                        MessageStatus::Received {
                            outcome: OutcomeJson::Executed { .. },
                            ..
                        }
                    );
                    out.insert(*id, (1, executed));
                }
            }
        }
        Chain::Evm(e) => {
            let wanted: std::collections::HashSet<MessageId> = ids.iter().copied().collect();
            let logs = StraitEndpoint::new(e.endpoint, e.provider.clone())
                .Received_filter()
                .from_block(0)
                .to_block(confirmed_block(&e.provider).await?)
                .query()
                .await
                .context("Received events")?;
            for (event, _) in logs {
                let id = MessageId(event.id.0);
                if !wanted.contains(&id) {
                    continue;
                }
                // The receipt's outcome kind: Executed is 0 ([STRAIT-EVENT.2]).
                let executed = receipt_outcome_kind(&event.receipt) == Some(0);
                let entry = out.entry(id).or_insert((0, executed));
                entry.0 += 1;
            }
        }
    }
    Ok(())
}

/// The outcome kind byte of an encoded receipt: after the id (32), the route (32), the nonce (8)
/// and the height (8) (`[STRAIT-EVENT.2]`).
fn receipt_outcome_kind(receipt: &[u8]) -> Option<u8> {
    receipt.get(80).copied()
}

/// Whether the native chain of `client` no longer awaits the outcome of `id`, which it sent.
async fn is_settled(client: &HttpClient, id: MessageId) -> anyhow::Result<bool> {
    Ok(matches!(
        client.message_status(id).await.context("messageStatus")?,
        MessageStatus::Sent {
            awaiting_outcome: false,
            ..
        }
    ))
}

/// The latest block of `provider`'s chain under the devnet's confirmation depth: what a
/// reorganisation within the depth cannot take back. The loads count, and act on, what the
/// chain logged up to it only (a transfer's arrival read at the head, then reorganised away, had
/// the next phase send a voucher that was not there).
pub(crate) async fn confirmed_block(provider: &DynProvider) -> anyhow::Result<u64> {
    let head = provider
        .get_block_number()
        .await
        .context("eth_blockNumber")?;
    Ok(head.saturating_sub(CONFIRMATIONS))
}

/// The messages whose outcome `endpoint` settled (its `Settled` events, confirmed): a message
/// dropped by a reorganisation is not awaited either, so `isAwaiting` alone cannot tell.
pub(crate) async fn settled_on(
    endpoint: Address,
    provider: &DynProvider,
) -> anyhow::Result<HashSet<MessageId>> {
    Ok(StraitEndpoint::new(endpoint, provider.clone())
        .Settled_filter()
        .from_block(0)
        .to_block(confirmed_block(provider).await?)
        .query()
        .await
        .context("Settled events")?
        .into_iter()
        .map(|(event, _)| MessageId(event.id.0))
        .collect())
}

/// What the EVM counter of `e` counted from `source`.
async fn counted(e: &EvmEnd, source: ChainId, lc: bool) -> anyhow::Result<u64> {
    let counter = if lc { e.counter_lc } else { e.counter };
    StraitCounter::new(counter, e.provider.clone())
        .received(source.get())
        .call()
        .await
        .context("StraitCounter.received")
}
