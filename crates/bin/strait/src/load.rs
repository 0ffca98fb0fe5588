//! `strait devnet --messages N`: send N messages round robin over the ordered pairs of chains, watch
//! them arrive, and report delivery, duplicates, throughput and latency. A share of them are token
//! transfers in every direction (`crate::transfers`), checked for conservation at the end.
//!
//! Latency of a message runs from just before its Send transaction is submitted to the moment its
//! `Received` event is observed on the destination's event subscription. Ids are matched to sends by
//! the payload (`strait-load/<run>/<index>`) of the source's `Sent` events; transaction results and
//! `strait_received` fill in whatever a dropped subscription missed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use jsonrpsee::core::ClientError;
use jsonrpsee::ws_client::WsClientBuilder;
use serde::Serialize;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{codes, EventNotification, OutcomeJson, StraitApiClient};
use strait_devnet_client::ChainEndpoint;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Hash32, MessageId};
use strait_relayer::Metrics;

use crate::rpc_client::{http_client, HttpClient};
use crate::send::send_tx;
use crate::transfers::{self, Ending, TransferReport};
use strait_node::apps::token;

/// Devnet account that sends the load.
pub const LOAD_ACCOUNT: &str = "user-load";

/// What `strait devnet --messages N --json` prints.
#[derive(Debug, Serialize)]
pub struct LoadReport {
    /// Messages sent (counter messages and token transfers).
    pub sent: u64,
    /// Messages received on their destination with the outcome planned: executed, except the
    /// transfers meant to fail or time out.
    pub delivered: u64,
    /// Messages received with another outcome than planned.
    pub failed: u64,
    /// Messages never seen received before the timeout.
    pub undelivered: u64,
    /// Executions beyond the first, over all messages (must be 0).
    pub duplicates: u64,
    /// From the first submission to the last delivery.
    pub elapsed_ms: u64,
    /// `delivered / elapsed`.
    pub throughput_msgs_per_s: f64,
    /// Median latency, submission to `Received` event.
    pub latency_ms_p50: f64,
    /// 99th percentile latency.
    pub latency_ms_p99: f64,
    /// Largest latency.
    pub latency_ms_max: f64,
    /// The offered rate (`--rate`), if the load was paced.
    pub offered_rate_msgs_per_s: Option<u32>,
    /// The chains' block time.
    pub block_time_ms: u64,
    /// `latency_ms_p99` in block intervals.
    pub latency_p99_blocks: f64,
    /// The first part of the latency: submission to the `Sent` event (the source block), median.
    pub inclusion_ms_p50: f64,
    /// Its 99th percentile.
    pub inclusion_ms_p99: f64,
    /// Number of chains.
    pub chains: usize,
    /// Relay transactions the in-process relayer submitted.
    pub relayer_txs: u64,
    /// Messages the in-process relayer delivered.
    pub relayer_relayed: u64,
    /// The token transfers among the messages and the conservation check, if any were sent.
    pub transfers: Option<TransferReport>,
    /// Messages delivered as planned and their latency, by the verifier kind their receiver chose:
    /// `bft` (the light client: the counter and the token transfers), `attest_ecdsa`,
    /// `attest_ed25519` (the devnet's committees).
    pub by_verifier: std::collections::BTreeMap<String, VerifierLoad>,
}

/// The messages of one verifier kind in a [`LoadReport`].
#[derive(Debug, Default, Serialize)]
pub struct VerifierLoad {
    /// Delivered as planned.
    pub delivered: u64,
    /// Median latency, submission to `Received` event.
    pub latency_ms_p50: f64,
    /// 99th percentile latency.
    pub latency_ms_p99: f64,
}

impl LoadReport {
    /// Whether every message was executed exactly once.
    pub fn all_executed_once(&self) -> bool {
        self.delivered == self.sent
            && self.failed == 0
            && self.duplicates == 0
            && self.undelivered == 0
            && self.transfers.as_ref().is_none_or(TransferReport::ok)
    }
}

/// Per-message bookkeeping, shared with the event tasks. Indices `0..T` are the token
/// transfers, `T..N` the counter messages.
#[derive(Default)]
pub(crate) struct Tracker {
    pub(crate) submitted_at: Vec<Option<Instant>>,
    pub(crate) tx_hash: Vec<Option<(usize, Hash32)>>,
    /// The outcome each message must end with.
    pub(crate) expected: Vec<Ending>,
    pub(crate) index_of: HashMap<MessageId, usize>,
    /// Ids by index, as learned.
    pub(crate) id_of: HashMap<usize, MessageId>,
    /// Receptions by id: how many, when first seen, how.
    pub(crate) received: HashMap<MessageId, Reception>,
    /// Token transfers by `(source chain, amount)` (amounts are unique in a run).
    pub(crate) transfer_by_amount: HashMap<(ChainId, u128), usize>,
    /// Token transfers' packets by index (to finalize the refused ones).
    pub(crate) packets: HashMap<usize, Vec<u8>>,
    /// When each message's `Sent` event was seen, by index.
    pub(crate) sent_seen_at: HashMap<usize, Instant>,
    /// Outcomes handed back to the senders, by id, in order.
    pub(crate) settled: HashMap<MessageId, Vec<Ending>>,
    /// The verifier kind each message goes under, by index.
    pub(crate) verifier: Vec<&'static str>,
}

#[derive(Clone, Copy)]
pub(crate) struct Reception {
    count: u64,
    at: Instant,
    pub(crate) ending: Ending,
}

fn ending(outcome: &OutcomeJson) -> Ending {
    match outcome {
        OutcomeJson::Executed { .. } => Ending::Executed,
        OutcomeJson::Failed { .. } => Ending::Failed,
        OutcomeJson::TimedOut => Ending::TimedOut,
    }
}

impl Tracker {
    fn record_received(&mut self, id: MessageId, ending: Ending) {
        let now = Instant::now();
        self.received
            .entry(id)
            .and_modify(|r| r.count += 1)
            .or_insert(Reception {
                count: 1,
                at: now,
                ending,
            });
    }

    fn bind_sent(&mut self, id: MessageId, index: usize) {
        self.sent_seen_at.insert(index, Instant::now());
        self.bind(id, index);
    }

    fn bind(&mut self, id: MessageId, index: usize) {
        self.index_of.insert(id, index);
        self.id_of.insert(index, id);
    }

    /// Messages of this run received, by index.
    fn done(&self) -> usize {
        self.index_of
            .keys()
            .filter(|id| self.received.contains_key(id))
            .count()
    }
}

/// Sends `n` messages over `chains`, `transfer_percent` of them token transfers, and waits for
/// every one to be received (and every transfer settled), at most `timeout`.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    chains: &[ChainEndpoint],
    n: u64,
    transfer_percent: u8,
    rate: Option<u32>,
    block_time_ms: u64,
    timeout: Duration,
    relayer: Arc<Metrics>,
    receivers: &[(Address32, &'static str)],
) -> anyhow::Result<LoadReport> {
    let total = usize::try_from(n).context("too many messages")?;
    let receivers: Arc<Vec<(Address32, &'static str)>> = Arc::new(if receivers.is_empty() {
        vec![(apps::counter(), "bft")]
    } else {
        receivers.to_vec()
    });
    let clients: Vec<HttpClient> = chains
        .iter()
        .map(|c| http_client(&c.rpc_url))
        .collect::<anyhow::Result<_>>()?;
    let mut ids = Vec::with_capacity(clients.len());
    for (c, e) in clients.iter().zip(chains) {
        ids.push(
            c.chain_info()
                .await
                .with_context(|| format!("cannot reach {}", e.rpc_url))?
                .chain_id,
        );
    }
    let run_id = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tag = format!("strait-load/{run_id}/");
    let plan = transfers::plan(&ids, transfers::count(total, transfer_percent, ids.len()));
    let mut expected = vec![Ending::Executed; total];
    let mut transfer_by_amount = HashMap::new();
    for (i, p) in plan.iter().enumerate() {
        expected[i] = p.kind.expected();
        transfer_by_amount.insert((p.transfer.source, p.transfer.amount), i);
    }
    // Round robin over ordered pairs, and over the receivers from one round of pairs to the next.
    let pairs: Vec<(usize, usize)> = (0..ids.len())
        .flat_map(|s| (0..ids.len()).filter(move |d| *d != s).map(move |d| (s, d)))
        .collect();
    let receiver_of = {
        let (receivers, rounds) = (receivers.clone(), pairs.len());
        move |i: usize| receivers[(i / rounds) % receivers.len()]
    };
    let verifier = (0..total)
        .map(|i| {
            if i < plan.len() {
                "bft"
            } else {
                receiver_of(i).1
            }
        })
        .collect();
    let tracker = Arc::new(Mutex::new(Tracker {
        verifier,
        submitted_at: vec![None; total],
        tx_hash: vec![None; total],
        expected,
        transfer_by_amount,
        ..Tracker::default()
    }));
    // The token state before any transfer, to check the one after against.
    let before = transfers::read_stable_state(
        &clients,
        &ids,
        &plan,
        Duration::from_millis(block_time_ms.max(1)),
    )
    .await?;
    let notify = Arc::new(tokio::sync::Notify::new());

    // Watch every chain's events before sending anything.
    let mut watchers = Vec::new();
    for endpoint in chains {
        let url = endpoint
            .ws_url
            .clone()
            .unwrap_or_else(|| crate::ws_of(&endpoint.rpc_url));
        let ws = WsClientBuilder::default()
            .max_buffer_capacity_per_subscription(1 << 16)
            .build(&url)
            .await
            .with_context(|| format!("websocket {url}"))?;
        let mut events = ws.subscribe_events().await.context("subscribeEvents")?;
        let (tracker, notify, tag) = (tracker.clone(), notify.clone(), tag.clone());
        let task = tokio::spawn(async move {
            let _ws = ws;
            loop {
                match next_event(events.next().await) {
                    Ok(event) => {
                        on_event(&tracker, &tag, event);
                        notify.notify_one();
                    }
                    Err(e) => {
                        notify.notify_one();
                        return e;
                    }
                }
            }
        });
        watchers.push(Watcher { url, task });
    }

    // One sending task per source chain, nonces in order.
    let key = Arc::new(AccountKey::devnet(LOAD_ACCOUNT));
    // The offered rate is shared by the counter messages (each source chain its share) and the
    // transfers' rounds, spread over the run.
    let counter_share = (total - plan.len()) as f64 / total.max(1) as f64;
    let interval = rate.filter(|r| *r > 0).and_then(|r| {
        Duration::try_from_secs_f64(ids.len() as f64 / (f64::from(r) * counter_share)).ok()
    });
    let rounds = plan.last().map_or(0, |p| p.round + 1);
    let round_interval = rate
        .filter(|r| *r > 0 && rounds > 0)
        .map(|r| Duration::from_secs_f64(total as f64 / f64::from(r) / rounds as f64));
    let started = Instant::now();
    let deadline = started + timeout;
    let first_counter = plan.len();
    let mut driver = (!plan.is_empty()).then(|| {
        let (clients, ids, tracker) = (clients.clone(), ids.clone(), tracker.clone());
        tokio::spawn(async move {
            crate::transfer_driver::drive(
                &clients,
                &ids,
                &plan,
                &tracker,
                block_time_ms,
                before,
                started,
                round_interval,
                deadline,
            )
            .await
        })
    });
    let mut senders = Vec::new();
    for (src, client) in clients.iter().enumerate() {
        let work: Vec<(usize, ChainId, Address32)> = (first_counter..total)
            .filter(|i| pairs[i % pairs.len()].0 == src)
            .map(|i| (i, ids[pairs[i % pairs.len()].1], receiver_of(i).0))
            .collect();
        let (client, key, tracker, tag, chain) = (
            client.clone(),
            key.clone(),
            tracker.clone(),
            tag.clone(),
            ids[src],
        );
        let pace = interval.map(|i| (started, i));
        senders.push(tokio::spawn(async move {
            send_all(&client, chain, src, &key, &work, &tag, &tracker, pace).await
        }));
    }
    for s in senders {
        s.await.context("sender task")??;
    }
    tracing::info!(
        sent = total,
        ms = started.elapsed().as_millis() as u64,
        "all messages submitted"
    );

    let progress = indicatif::ProgressBar::new(n);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} delivered",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut last_fallback = Instant::now();
    let mut transfer_report = None;
    loop {
        // A transfer task that failed (a submission refused) fails the run now, not at the timeout.
        if let Some(task) = driver.take_if(|d| d.is_finished()) {
            transfer_report = Some(task.await.context("transfer task")??);
        }
        let done = tracker
            .lock()
            .map_err(|_| anyhow::anyhow!("tracker poisoned"))?
            .done();
        progress.set_position(done as u64);
        ensure_watching(&mut watchers).await?;
        if done >= total {
            break;
        }
        if Instant::now() >= deadline {
            progress.abandon();
            bail!(
                "timed out after {} s: {done} of {total} messages delivered",
                timeout.as_secs()
            );
        }
        if last_fallback.elapsed() > Duration::from_secs(2) {
            fallback(&clients, &ids, &tracker).await?;
            last_fallback = Instant::now();
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), notify.notified()).await;
    }
    progress.finish_and_clear();
    if let Some(task) = driver {
        transfer_report = Some(task.await.context("transfer task")??);
    }
    // Let a few more blocks pass so that a duplicate execution, if there were one, is seen.
    tokio::time::sleep(Duration::from_millis((block_time_ms * 3).min(3_000))).await;
    // Every reception must have been seen: a stream that ended meanwhile voids the count.
    ensure_watching(&mut watchers).await?;
    for w in watchers {
        w.task.abort();
    }
    let t = tracker
        .lock()
        .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
    let mut report = report(&t, started, rate, block_time_ms, ids.len(), &relayer);
    report.transfers = transfer_report;
    Ok(report)
}

/// One chain's event subscription, watched for the whole run. The task ends only when the stream
/// does, with the reason.
struct Watcher {
    url: String,
    task: tokio::task::JoinHandle<anyhow::Error>,
}

/// The next event of a subscription, or why the stream ended: an error item (a lagging subscriber
/// dropped by the node, a malformed notification) or the end of the stream.
fn next_event<E: std::fmt::Display>(
    item: Option<Result<EventNotification, E>>,
) -> Result<EventNotification, anyhow::Error> {
    match item {
        Some(Ok(event)) => Ok(event),
        Some(Err(e)) => Err(anyhow::anyhow!("event stream failed: {e}")),
        None => Err(anyhow::anyhow!("event stream closed")),
    }
}

/// Fails if any event stream has ended. The exactly-once check counts receptions from the events;
/// with a stream gone, a duplicate could pass unseen, so the run fails instead of reporting.
async fn ensure_watching(watchers: &mut [Watcher]) -> anyhow::Result<()> {
    for w in watchers.iter_mut() {
        if w.task.is_finished() {
            let error = match (&mut w.task).await {
                Ok(error) => error,
                Err(join) => anyhow::anyhow!("event watcher task failed: {join}"),
            };
            return Err(error.context(format!(
                "lost the events of {}: cannot check that every message executed exactly once",
                w.url
            )));
        }
    }
    Ok(())
}

fn on_event(tracker: &Mutex<Tracker>, tag: &str, event: EventNotification) {
    let Ok(mut t) = tracker.lock() else { return };
    match event {
        EventNotification::Sent {
            message, chain_id, ..
        } => {
            let Ok(packet) = Packet::decode(&message.packet.0) else {
                return;
            };
            if packet.sender == apps::token() {
                // A transfer of this run is named by its amount.
                let Ok(transfer) = token::Transfer::decode(&packet.payload) else {
                    return;
                };
                if let Some(&i) = t.transfer_by_amount.get(&(chain_id, transfer.amount)) {
                    t.bind_sent(message.id, i);
                    t.packets.insert(i, message.packet.0);
                }
                return;
            }
            let index = std::str::from_utf8(&packet.payload)
                .ok()
                .and_then(|p| p.strip_prefix(tag))
                .and_then(|i| i.parse::<usize>().ok());
            if let Some(i) = index.filter(|i| *i < t.submitted_at.len()) {
                t.bind_sent(message.id, i);
            }
        }
        EventNotification::Received { id, outcome, .. } => {
            t.record_received(id, ending(&outcome));
        }
        EventNotification::Settled { id, outcome, .. } => {
            t.settled.entry(id).or_default().push(ending(&outcome));
        }
        // A refused transfer finalized as failed: its outcome comes back as `Settled`.
        // Not a message: a receiver changed its route's security config, or a verifier event.
        EventNotification::Finalized { .. }
        | EventNotification::SecurityConfigSet { .. }
        | EventNotification::Verifier { .. }
        | EventNotification::AttesterAnnounced { .. } => {}
    }
}

/// Submits every `(index, destination)` of `work` from `chain`, retrying while the mempool is full.
/// With `pace = (start, interval)`, the k-th submission waits until `start + k * interval`.
#[allow(clippy::too_many_arguments)]
async fn send_all(
    client: &HttpClient,
    chain: ChainId,
    src: usize,
    key: &AccountKey,
    work: &[(usize, ChainId, Address32)],
    tag: &str,
    tracker: &Mutex<Tracker>,
    pace: Option<(Instant, Duration)>,
) -> anyhow::Result<()> {
    let mut nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    for (k, &(i, dst, receiver)) in work.iter().enumerate() {
        if let Some((start, interval)) = pace {
            tokio::time::sleep_until((start + interval.mul_f64(k as f64)).into()).await;
        }
        let payload = format!("{tag}{i}").into_bytes();
        let tx = send_tx(
            chain,
            key,
            nonce,
            dst,
            receiver,
            DeliveryOptions::default(),
            payload,
        );
        submit(client, tx, chain, src, i, tracker).await?;
        nonce += 1;
    }
    Ok(())
}

/// Submits message `i`'s transaction `tx` to `chain` (index `src`), retrying while the mempool is
/// full, and records when and as what.
pub(crate) async fn submit(
    client: &HttpClient,
    tx: Vec<u8>,
    chain: ChainId,
    src: usize,
    i: usize,
    tracker: &Mutex<Tracker>,
) -> anyhow::Result<()> {
    let mut attempts = 0u32;
    let hash = loop {
        let at = Instant::now();
        match client.submit_transaction(tx.clone().into()).await {
            Ok(hash) => {
                if let Ok(mut t) = tracker.lock() {
                    t.submitted_at[i] = Some(at);
                }
                break hash;
            }
            // A full mempool: the same transaction goes in a little later.
            Err(ClientError::Call(e)) if e.code() == codes::MEMPOOL_FULL && attempts < 600 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                return Err(e).with_context(|| format!("submitting message {i} on chain {chain}"))
            }
        }
    };
    if let Ok(mut t) = tracker.lock() {
        t.tx_hash[i] = Some((src, hash));
    }
    Ok(())
}

/// Fills in what the event streams missed: ids from transaction results, receptions from
/// `strait_received` (at most a bounded number of queries per call).
async fn fallback(
    clients: &[HttpClient],
    chains: &[ChainId],
    tracker: &Mutex<Tracker>,
) -> anyhow::Result<()> {
    const MAX_QUERIES: usize = 256;
    let unresolved: Vec<(usize, usize, Hash32)> = {
        let t = tracker
            .lock()
            .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
        let known: std::collections::HashSet<usize> = t.index_of.values().copied().collect();
        t.tx_hash
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                h.filter(|_| !known.contains(&i))
                    .map(|(src, hash)| (i, src, hash))
            })
            .take(MAX_QUERIES)
            .collect()
    };
    for (i, src, hash) in unresolved {
        if let Ok(Some(result)) = clients[src].transaction_result(hash).await {
            if let (Some(id), Ok(mut t)) = (result.message_id, tracker.lock()) {
                t.bind(id, i);
            }
        }
    }
    // Ids not seen received: ask every chain (only the destination can say yes).
    let missing: Vec<MessageId> = {
        let t = tracker
            .lock()
            .map_err(|_| anyhow::anyhow!("tracker poisoned"))?;
        t.index_of
            .keys()
            .filter(|id| !t.received.contains_key(id))
            .copied()
            .take(4096)
            .collect()
    };
    if missing.is_empty() {
        return Ok(());
    }
    for (client, chain) in clients.iter().zip(chains) {
        let Ok(answer) = client.received(missing.clone()).await else {
            continue;
        };
        for (id, yes) in missing.iter().zip(answer) {
            if yes {
                tracing::debug!(%id, %chain, "reception found by polling, not by event");
                let outcome = client.message_status(*id).await.ok();
                let how = match outcome {
                    Some(strait_devnet_api::rpc::MessageStatus::Received { outcome, .. }) => {
                        ending(&outcome)
                    }
                    _ => Ending::Failed,
                };
                if let Ok(mut t) = tracker.lock() {
                    if !t.received.contains_key(id) {
                        t.record_received(*id, how);
                    }
                }
            }
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(
    t: &Tracker,
    started: Instant,
    rate: Option<u32>,
    block_time_ms: u64,
    chains: usize,
    relayer: &Metrics,
) -> LoadReport {
    let sent = t.submitted_at.iter().filter(|s| s.is_some()).count() as u64;
    let (mut delivered, mut failed, mut duplicates) = (0u64, 0u64, 0u64);
    let mut latencies = Vec::with_capacity(t.index_of.len());
    let mut by_verifier = std::collections::BTreeMap::<String, (u64, Vec<f64>)>::new();
    let mut last = started;
    for (id, &i) in &t.index_of {
        let Some(r) = t.received.get(id) else {
            continue;
        };
        duplicates += r.count - 1;
        if t.expected.get(i) == Some(&r.ending) {
            delivered += 1;
        } else {
            failed += 1;
        }
        last = last.max(r.at);
        let kind = t.verifier.get(i).copied().unwrap_or("bft");
        let entry = by_verifier.entry(kind.to_owned()).or_default();
        if t.expected.get(i) == Some(&r.ending) {
            entry.0 += 1;
        }
        if let Some(at) = t.submitted_at[i] {
            let latency = r.at.saturating_duration_since(at).as_secs_f64() * 1000.0;
            latencies.push(latency);
            entry.1.push(latency);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let mut inclusion: Vec<f64> = t
        .sent_seen_at
        .iter()
        .filter_map(|(i, seen)| {
            let at = t.submitted_at.get(*i).copied().flatten()?;
            Some(seen.saturating_duration_since(at).as_secs_f64() * 1000.0)
        })
        .collect();
    inclusion.sort_by(f64::total_cmp);
    let elapsed = last.saturating_duration_since(started);
    let m = relayer.snapshot();
    let round = |x: f64| (x * 10.0).round() / 10.0;
    LoadReport {
        sent,
        delivered,
        failed,
        undelivered: sent.saturating_sub(delivered + failed),
        duplicates,
        elapsed_ms: elapsed.as_millis() as u64,
        throughput_msgs_per_s: round(if elapsed.is_zero() {
            0.0
        } else {
            delivered as f64 / elapsed.as_secs_f64()
        }),
        latency_ms_p50: round(percentile(&latencies, 50.0)),
        latency_ms_p99: round(percentile(&latencies, 99.0)),
        latency_p99_blocks: round(percentile(&latencies, 99.0) / block_time_ms.max(1) as f64),
        inclusion_ms_p50: round(percentile(&inclusion, 50.0)),
        inclusion_ms_p99: round(percentile(&inclusion, 99.0)),
        offered_rate_msgs_per_s: rate,
        latency_ms_max: round(latencies.last().copied().unwrap_or(0.0)),
        block_time_ms,
        chains,
        relayer_txs: m.txs_submitted,
        relayer_relayed: m.messages_relayed,
        transfers: None,
        by_verifier: by_verifier
            .into_iter()
            .map(|(kind, (delivered, mut latencies))| {
                latencies.sort_by(f64::total_cmp);
                let load = VerifierLoad {
                    delivered,
                    latency_ms_p50: round(percentile(&latencies, 50.0)),
                    latency_ms_p99: round(percentile(&latencies, 99.0)),
                };
                (kind, load)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_error_or_end_is_an_error() {
        let event = EventNotification::Received {
            chain_id: ChainId(2),
            height: strait_primitives::Height(3),
            id: MessageId([1; 32]),
            source_chain: ChainId(1),
            outcome: OutcomeJson::TimedOut,
        };
        assert!(next_event::<String>(Some(Ok(event))).is_ok());
        let err = next_event(Some(Err("subscription lagged"))).unwrap_err();
        assert!(err.to_string().contains("subscription lagged"), "{err}");
        assert!(next_event::<String>(None).is_err());
    }

    #[tokio::test]
    async fn an_ended_event_stream_fails_the_check_loudly() {
        let running = Watcher {
            url: "ws://a".into(),
            task: tokio::spawn(std::future::pending()),
        };
        let ended = Watcher {
            url: "ws://b".into(),
            task: tokio::spawn(async { anyhow::anyhow!("event stream failed: lagged") }),
        };
        let mut watchers = [running, ended];
        while !watchers[1].task.is_finished() {
            tokio::task::yield_now().await;
        }
        let err = ensure_watching(&mut watchers).await.unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("ws://b") && text.contains("lagged"), "{text}");
        assert!(text.contains("exactly once"), "{text}");
        ensure_watching(&mut watchers[..1]).await.unwrap();
        watchers[0].task.abort();
    }

    #[test]
    fn a_transfer_report_that_fails_fails_the_run() {
        let mut report = report(
            &Tracker::default(),
            Instant::now(),
            None,
            50,
            2,
            &Metrics::default(),
        );
        assert!(report.all_executed_once(), "nothing sent, nothing wrong");
        report.transfers = Some(TransferReport {
            sent: 1,
            executed: 1,
            conservation: transfers::Conservation {
                ok: true,
                ..Default::default()
            },
            ..Default::default()
        });
        assert!(report.all_executed_once());
        // The books do not balance.
        if let Some(t) = report.transfers.as_mut() {
            t.conservation.ok = false;
        }
        assert!(!report.all_executed_once());
        // An outcome handed back twice.
        if let Some(t) = report.transfers.as_mut() {
            t.conservation.ok = true;
            t.settled_twice = 1;
        }
        assert!(!report.all_executed_once());
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
