//! A whole Strait system under a seed: chains, traffic, relayers and faults on the deterministic
//! runtime, with named invariant checkers run after every block (TigerBeetle's VOPR is the model).
//!
//! One seed chooses everything: when messages are sent, from whom, to whom, ordered or not; which
//! relayer crashes when and for how long; which request is lost, delayed or duplicated; which
//! relayer tampers with the bytes it submits; when a chain restarts or changes its validators. Two
//! runs of one seed take the same steps and end in the same state ([`WorldReport::digest`]).
//!
//! Checkers ([`Checker`]): every message executed at most once; none executed unless its source
//! sent it (so never without a valid proof under a verified root); ordered routes in nonce order;
//! once faults stop, every message ends (executed, failed or timed out), delivered by a relayer
//! started fresh from chain state alone. With [`WorldConfig::equivocation`], a source chain's
//! validators also sign a conflicting header, and the fork checkers of [`crate::equivocation`] run.

use core::fmt;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_endpoint::Outcome;
use strait_node::{devnet_specs, devnet_validator_set, set_validators_tx};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{keccak256_concat, ChainId, Hash32, Height, MessageId, RouteId, Timestamp};
use strait_relayer::{poll_heights, relay, Metrics, Settings};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Entropy, JoinHandle, Spawner};

use crate::equivocation::{equivocate, ForkAudit};
use crate::{chains_of, InProcessChain, Produced, SimChainClient};

/// Block interval of simulated chains.
pub const BLOCK_MS: u64 = 50;

/// Which faults a run injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Faults {
    /// Relayers crash at any await point and restart later.
    pub crashes: bool,
    /// Requests to chains fail, are delayed, relays are submitted twice.
    pub network: bool,
    /// One relayer is byzantine: it flips a bit of half of its relays and withholds part of the
    /// batches of the other half.
    pub byzantine: bool,
    /// Chains restart (their mempools are lost).
    pub chain_restarts: bool,
    /// Chains change their validator sets.
    pub validator_changes: bool,
}

impl Faults {
    /// Every fault.
    pub const ALL: Self = Self {
        crashes: true,
        network: true,
        byzantine: true,
        chain_restarts: true,
        validator_changes: true,
    };
    /// No fault.
    pub const NONE: Self = Self {
        crashes: false,
        network: false,
        byzantine: false,
        chain_restarts: false,
        validator_changes: false,
    };
}

/// One run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorldConfig {
    /// Chooses everything.
    pub seed: u64,
    /// Chains (at least 3).
    pub chains: u64,
    /// Relayers racing (each honest unless it is the byzantine one).
    pub relayers: usize,
    /// Messages sent in all, during the fault phase.
    pub messages: u64,
    /// Simulated milliseconds of traffic and faults.
    pub fault_ms: u64,
    /// Simulated milliseconds, after faults stop, within which every message must end.
    pub settle_ms: u64,
    /// The faults.
    pub faults: Faults,
    /// Most executor steps (task polls) of the run; more is a `runtime` violation (a livelock).
    pub max_steps: u64,
    /// More than 2/3 of one chain's validators sign a second, conflicting header, shown to another
    /// chain's client (`crate::equivocation`). Off by default: a frozen client's routes leave the
    /// liveness checker.
    pub equivocation: bool,
}

impl WorldConfig {
    /// A run of `seed` with three chains, three relayers, every fault, `messages` messages.
    pub fn new(seed: u64, messages: u64) -> Self {
        Self {
            seed,
            chains: 3,
            relayers: 3,
            messages,
            fault_ms: 5_000,
            settle_ms: 30_000,
            faults: Faults::ALL,
            max_steps: 50_000_000,
            equivocation: false,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorldReport {
    /// The seed.
    pub seed: u64,
    /// keccak256 of every chain's last header hash: equal for two runs of one seed.
    pub digest: Hash32,
    /// Messages that entered an outbox.
    pub sent: u64,
    /// Of those, outcome messages (`[STRAIT-SETTLE.3]`: one per run of a sender in a delivery).
    pub outcome_messages: u64,
    /// Messages that ended on their destination (executed, failed or timed out).
    pub ended: u64,
    /// Of those, executed.
    pub executed: u64,
    /// Messages whose outcome was proven back and handed to their sender (`[STRAIT-SETTLE.4]`).
    pub settled: u64,
    /// Task polls of the executor.
    pub steps: u64,
    /// Simulated milliseconds.
    pub sim_ms: u64,
    /// Relayer crashes injected.
    pub crashes: u64,
    /// Chain restarts injected.
    pub chain_restarts: u64,
    /// Validator-set changes submitted.
    pub validator_changes: u64,
    /// Equivocations that fired: a header signed twice, shown to a destination's client.
    pub equivocations: u64,
    /// Of those, weak: the second header signed by more than 1/3 but at most 2/3 of the power.
    pub weak_equivocations: u64,
    /// Clients frozen at the end.
    pub frozen_clients: u64,
    /// Forged messages received before their client froze (the broken trust assumption).
    pub forged_received: u64,
}

/// The invariants, each a named checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checker {
    /// A message was executed (or recorded) twice on its destination.
    AtMostOnce,
    /// A message was received that its source never sent: executed without a valid proof.
    OnlyProven,
    /// An ordered message was received before a lower nonce of its route.
    OrderedInNonceOrder,
    /// Faults stopped, and a message never ended within the settle time.
    Liveness,
    /// The runtime deadlocked or ran out of steps; or a chain failed to produce.
    Runtime,
    /// A client shown conflicting headers is not frozen, or a frozen client thawed.
    ForkFrozen,
    /// A message from a frozen client's source was received after the freeze.
    NothingAfterFreeze,
    /// A message's outcome was handed to its sender twice, by another chain than its
    /// destination, or other than the outcome its destination recorded.
    SettledOnce,
    /// Token world (`crate::tokens`): a chain's native supply is not its balances plus escrow.
    NativeSupply,
    /// Token world: a voucher's supply is not its balances plus escrow on the chain that minted
    /// it.
    VoucherSupply,
    /// Token world: a token's escrow on its home chain is not the vouchers outstanding elsewhere
    /// plus the value in flight.
    EscrowBacked,
    /// Token world: an account's balance is not what the chains' events (transfers sent,
    /// executed, refunded) make it.
    BalancesMatchEvents,
    /// Token world: a transfer was executed and refunded, refunded twice, or settled as executed
    /// without being executed.
    TransferFateOnce,
    /// Token world: once faults stopped, a transfer never ended (executed, or its sender
    /// refunded), or a record of it stayed behind.
    EveryTransferEnds,
    /// Token world: a paid message's locked payment (`[STRAIT-FEE.7]`) was split other than once,
    /// at its settlement, in parts summing to what was locked (`[STRAIT-FEE.8]`).
    FeeSplitOnce,
}

impl Checker {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::AtMostOnce => "at_most_once",
            Self::OnlyProven => "only_proven",
            Self::OrderedInNonceOrder => "ordered_in_nonce_order",
            Self::Liveness => "liveness",
            Self::Runtime => "runtime",
            Self::ForkFrozen => "fork_frozen",
            Self::NothingAfterFreeze => "nothing_after_freeze",
            Self::SettledOnce => "settled_once",
            Self::NativeSupply => "native_supply",
            Self::VoucherSupply => "voucher_supply",
            Self::EscrowBacked => "escrow_backed",
            Self::BalancesMatchEvents => "balances_match_events",
            Self::TransferFateOnce => "transfer_fate_once",
            Self::EveryTransferEnds => "every_transfer_ends",
            Self::FeeSplitOnce => "fee_split_once",
        }
    }
}

/// A broken invariant, with the seed that reproduces it and the last steps before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The checker that fired.
    pub checker: Checker,
    /// The run's configuration (its seed reproduces it).
    pub config: WorldConfig,
    /// Simulated time.
    pub at_ms: u64,
    /// What was wrong.
    pub detail: String,
    /// The last steps of the run, oldest first.
    pub log: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invariant {} broken at {} ms with seed {}: {}",
            self.checker.name(),
            self.at_ms,
            self.config.seed,
            self.detail
        )?;
        let c = &self.config;
        writeln!(
            f,
            "replay: cargo run --release -p strait -- sim --seeds {} --messages {} --chains {} \
             --relayers {} --fault-ms {} --steps {}{}{}",
            c.seed,
            c.messages,
            c.chains,
            c.relayers,
            c.fault_ms,
            c.max_steps,
            if c.faults == Faults::NONE {
                " --no-faults"
            } else {
                ""
            },
            if c.equivocation {
                " --equivocation"
            } else {
                ""
            }
        )?;
        writeln!(f, "last steps:")?;
        for line in &self.log {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violation {}

/// Lines of the step log kept for a violation report.
const LOG_LINES: usize = 48;

/// What the checkers keep of a sent packet.
struct SentInfo {
    source: ChainId,
    destination: ChainId,
    route: RouteId,
    nonce: u64,
    ordered: bool,
    /// An outcome message (`[STRAIT-SETTLE.1]`): it awaits no outcome of its own.
    outcome_message: bool,
    /// Whether it must end on its destination: every message but an outcome message none of whose
    /// entries is a message some chain sent (only a forged message's, `equivocation`): such an
    /// outcome message has nothing to settle, so it is never received (`[STRAIT-RECV.6]`, ADR 0033).
    must_end: bool,
}

/// What the checkers know.
#[derive(Default)]
pub(crate) struct Audit {
    /// Every message sent, with what the checkers need of its packet (only looked up: no
    /// result depends on the hash order).
    sent: HashMap<MessageId, SentInfo>,
    /// Messages ended on their destination (only looked up and counted).
    ended: HashSet<MessageId>,
    executed: u64,
    /// Sent messages that are not outcome messages: each awaits its outcome.
    awaiting: u64,
    /// The outcome each message's destination recorded (only looked up).
    outcomes: HashMap<MessageId, Outcome>,
    /// Messages whose outcome was handed to their sender (only looked up and counted).
    settled: HashSet<MessageId>,
    /// Per route: the highest `c` with nonces `1..=c` all received, and the nonces above it.
    nonces: BTreeMap<RouteId, (u64, BTreeSet<u64>)>,
    pub(crate) log: Vec<String>,
    pub(crate) violation: Option<(Checker, u64, String)>,
    /// The fork checkers' knowledge (equivocation).
    pub(crate) fork: ForkAudit,
}

impl Audit {
    pub(crate) fn note(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.remove(0);
        }
        self.log.push(line);
    }

    pub(crate) fn fail(&mut self, checker: Checker, at_ms: u64, detail: String) {
        if self.violation.is_none() {
            self.violation = Some((checker, at_ms, detail));
        }
    }

    /// The checkers, after one block of chain `chain`.
    pub(crate) fn check_block(
        &mut self,
        chain: ChainId,
        now: u64,
        sent: Vec<Packet>,
        produced: &Produced,
    ) {
        for packet in sent {
            let outcome_message = strait_endpoint::settle::is_outcome_message(&packet);
            let must_end = !outcome_message
                || strait_endpoint::OutcomePayload::decode(&packet.payload)
                    .is_ok_and(|p| p.entries.iter().any(|e| self.sent.contains_key(&e.id)));
            let info = SentInfo {
                source: packet.source_chain,
                destination: packet.destination_chain,
                route: packet.route().id(),
                nonce: packet.nonce.get(),
                ordered: packet.options.ordered,
                outcome_message,
                must_end,
            };
            self.awaiting += u64::from(!info.outcome_message);
            self.sent.insert(packet.id(), info);
        }
        self.note(format!(
            "{now} ms chain {chain} block {}: {} sent, {} received",
            produced.height,
            produced.sent.len(),
            produced.received.len()
        ));
        for (id, source, outcome) in &produced.received {
            if !self.ended.insert(*id) {
                self.fail(
                    Checker::AtMostOnce,
                    now,
                    format!("{id} received twice on chain {chain}"),
                );
                continue;
            }
            if self.fork.is_frozen(*source, chain) {
                let detail = format!("chain {chain} received {id} from {source} after freezing");
                self.fail(Checker::NothingAfterFreeze, now, detail);
                continue;
            }
            let Some(info) = self.sent.get(id) else {
                if self.fork.accept_forged(id, *source, chain) {
                    continue;
                }
                self.fail(
                    Checker::OnlyProven,
                    now,
                    format!("chain {chain} received {id} from {source}, which no chain sent"),
                );
                continue;
            };
            if info.destination != chain || info.source != *source {
                let detail =
                    format!("{id} received on chain {chain} from {source}: sent elsewhere");
                self.fail(Checker::OnlyProven, now, detail);
                continue;
            }
            let (route, nonce, ordered) = (info.route, info.nonce, info.ordered);
            let (contiguous, above) = self.nonces.entry(route).or_default();
            let early = ordered && nonce.saturating_sub(1) > *contiguous;
            above.insert(nonce);
            while above.remove(&(*contiguous + 1)) {
                *contiguous += 1;
            }
            if early {
                let detail = format!("ordered {nonce} of route {route} ran before a lower nonce");
                self.fail(Checker::OrderedInNonceOrder, now, detail);
            }
            if outcome.is_executed() {
                self.executed += 1;
            }
            self.outcomes.insert(*id, outcome.clone());
        }
        // A failed execution made final replaces the recorded outcome.
        for (id, outcome) in &produced.finalized {
            self.outcomes.insert(*id, outcome.clone());
        }
        for (id, outcome) in &produced.settled {
            let detail = match self.sent.get(id) {
                _ if !self.settled.insert(*id) => Some(format!("{id} settled twice on {chain}")),
                None => Some(format!("chain {chain} settled {id}, which no chain sent")),
                Some(info) if info.source != chain || info.outcome_message => {
                    Some(format!("chain {chain} settled {id}, which it did not send"))
                }
                Some(_) if self.outcomes.get(id) != Some(outcome) => Some(format!(
                    "{id} settled on {chain} as {outcome:?}, its destination recorded {:?}",
                    self.outcomes.get(id)
                )),
                Some(_) => None,
            };
            if let Some(detail) = detail {
                self.fail(Checker::SettledOnce, now, detail);
            }
        }
    }
}

/// Messages that have not ended, or whose outcome has not come back, on routes whose clients are
/// not frozen; in id order.
fn missing(audit: &Audit) -> Vec<MessageId> {
    let mut missing: Vec<MessageId> = audit
        .sent
        .iter()
        .filter(|(id, info)| {
            let live = !audit.fork.is_frozen(info.source, info.destination);
            let unended = live && info.must_end && !audit.ended.contains(id);
            let unsettled = live
                && !info.outcome_message
                && !audit.settled.contains(id)
                && !audit.fork.is_frozen(info.destination, info.source);
            unended || unsettled
        })
        .map(|(id, _)| *id)
        .collect();
    missing.sort_unstable();
    missing
}

pub(crate) type Chains = Vec<Arc<Mutex<InProcessChain>>>;

/// Runs one world; `Err` names the first broken invariant.
pub fn run_world(config: &WorldConfig) -> Result<WorldReport, Box<Violation>> {
    let cfg = config.clone();
    let audit = Arc::new(Mutex::new(Audit::default()));
    let shared = audit.clone();
    let run = Executor::seeded(cfg.seed)
        .with_step_limit(config.max_steps)
        .run(move |rt| world(rt, cfg, shared));
    let violation = |checker, at_ms, detail| {
        let audit = audit.lock().expect("audit lock");
        Box::new(Violation {
            checker,
            config: config.clone(),
            at_ms,
            detail,
            log: audit.log.clone(),
        })
    };
    match run {
        Ok(Ok(report)) => Ok(report),
        Ok(Err((checker, at_ms, detail))) => Err(violation(checker, at_ms, detail)),
        Err(e) => Err(violation(Checker::Runtime, 0, e.to_string())),
    }
}

/// The world's body; `Err` is the first violation.
async fn world(
    rt: Runtime,
    cfg: WorldConfig,
    audit: Arc<Mutex<Audit>>,
) -> Result<WorldReport, (Checker, u64, String)> {
    let specs = devnet_specs(cfg.chains.max(2), 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Chains = chains_of(&specs);
    let mut report = WorldReport {
        seed: cfg.seed,
        digest: Hash32::ZERO,
        sent: 0,
        outcome_messages: 0,
        ended: 0,
        executed: 0,
        settled: 0,
        steps: 0,
        sim_ms: 0,
        crashes: 0,
        chain_restarts: 0,
        validator_changes: 0,
        equivocations: 0,
        weak_equivocations: 0,
        frozen_clients: 0,
        forged_received: 0,
    };
    if cfg.equivocation {
        let ids = chains
            .iter()
            .map(|c| c.lock().expect("chain lock").chain_id());
        audit.lock().expect("audit lock").fork.enable(ids.collect());
        let run = equivocate(rt.clone(), chains.clone(), audit.clone(), cfg.fault_ms);
        rt.spawn("equivocator", run);
    }
    let producers: Vec<JoinHandle<()>> = chains
        .iter()
        .map(|chain| {
            rt.spawn(
                "producer",
                producer(rt.clone(), chain.clone(), audit.clone()),
            )
        })
        .collect();
    let faults_until = rt.now_ms() + cfg.fault_ms;
    let traffic = rt.spawn("traffic", traffic(rt.clone(), chains.clone(), cfg.clone()));

    // Relayers, crashing and restarting during the fault phase.
    let mut relayers = Vec::new();
    for index in 0..cfg.relayers {
        let byzantine = cfg.faults.byzantine && index == 0;
        relayers.push(rt.spawn(
            "relayer-supervisor",
            supervise(
                rt.clone(),
                chains.clone(),
                cfg.clone(),
                index,
                byzantine,
                faults_until,
            ),
        ));
    }
    // Chain faults.
    let mut restarts = 0;
    let mut changes = 0;
    while rt.now_ms() < faults_until {
        rt.sleep(Duration::from_millis(100 + rt.next_u64() % 400))
            .await;
        if let Some(violation) = audit.lock().expect("audit lock").violation.clone() {
            return Err(violation);
        }
        let chain = &chains[(rt.next_u64() % chains.len() as u64) as usize];
        match rt.next_u64() % 8 {
            0 if cfg.faults.chain_restarts => {
                let mut chain = chain.lock().expect("chain lock");
                chain.restart();
                restarts += 1;
                let line = format!("{} ms chain {} restarted", rt.now_ms(), chain.chain_id());
                let mut audit = audit.lock().expect("audit lock");
                audit.note(line);
                if let Err(detail) = audit.fork.check_clients(&chain) {
                    audit.fail(Checker::ForkFrozen, rt.now_ms(), detail);
                }
            }
            1 if cfg.faults.validator_changes && change_validators(&rt, chain) => changes += 1,
            _ => {}
        }
    }
    let _ = traffic.await;
    for supervisor in relayers {
        report.crashes += supervisor.await.unwrap_or(0);
    }
    // Faults stop: a relayer with no state but the chains' finishes the work.
    let fresh = start_relayer(&rt, &chains, "relayer-fresh", false, false);
    let settle_until = rt.now_ms() + cfg.settle_ms;
    loop {
        let waiting = {
            let audit = audit.lock().expect("audit lock");
            if let Some(violation) = audit.violation.clone() {
                return Err(violation);
            }
            // Every message ends on its destination and, unless it is an outcome message, its
            // outcome comes back to its sender. Without a violation every ended or settled
            // message was sent (`only_proven`, `settled_once`), so the counts decide.
            let outstanding = (audit.sent.len() - audit.ended.len()) as u64
                + audit.awaiting.saturating_sub(audit.settled.len() as u64);
            // A frozen client's routes wait for governance, and an outcome message that settles
            // nothing any chain sent is never received: out of the liveness checker.
            if outstanding == 0 || missing(&audit).is_empty() {
                break;
            }
            audit.sent.len()
        };
        if rt.now_ms() >= settle_until {
            let total = waiting;
            let missing = missing(&audit.lock().expect("audit lock"));
            let detail = format!(
                "{} of {total} messages never ended or never settled, e.g. {:?}",
                missing.len(),
                &missing[..missing.len().min(3)]
            );
            return Err((Checker::Liveness, rt.now_ms(), detail));
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    fresh.abort();
    for producer in producers {
        producer.abort();
    }
    let audit = audit.lock().expect("audit lock");
    let tips: Vec<[u8; 32]> = chains
        .iter()
        .map(|c| {
            let c = c.lock().expect("chain lock");
            c.light_block(c.latest_height())
                .expect("the tip exists")
                .header()
                .hash()
                .0
        })
        .collect();
    let parts: Vec<&[u8]> = tips.iter().map(|t| t.as_slice()).collect();
    report.digest = keccak256_concat(&parts);
    report.sent = audit.sent.len() as u64;
    report.outcome_messages = report.sent - audit.awaiting;
    report.ended = audit.ended.len() as u64 - audit.fork.forged_received;
    report.executed = audit.executed;
    report.settled = audit.settled.len() as u64;
    report.steps = rt.steps();
    report.sim_ms = rt.now_ms();
    report.chain_restarts = restarts;
    report.validator_changes = changes;
    report.equivocations = audit.fork.fired;
    report.weak_equivocations = audit.fork.fired_weak;
    report.frozen_clients = audit.fork.frozen_clients();
    report.forged_received = audit.fork.forged_received;
    Ok(report)
}

/// Produces a block of `chain` every [`BLOCK_MS`] and runs the checkers on it.
async fn producer(rt: Runtime, chain: Arc<Mutex<InProcessChain>>, audit: Arc<Mutex<Audit>>) {
    loop {
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
        let now = rt.now_ms();
        let (id, produced, sent) = {
            let mut chain = chain.lock().expect("chain lock");
            let before = chain.outbox_count();
            let produced = match chain.produce_block(Timestamp(rt.unix_time_ms())) {
                Ok(p) => p,
                Err(e) => {
                    let detail = format!("chain {} cannot produce: {e}", chain.chain_id());
                    audit
                        .lock()
                        .expect("audit lock")
                        .fail(Checker::Runtime, now, detail);
                    return;
                }
            };
            let sent: Vec<Packet> = (before..chain.outbox_count())
                .filter_map(|leaf| chain.sent_packet(leaf))
                .collect();
            (chain.chain_id(), produced, sent)
        };
        let mut audit = audit.lock().expect("audit lock");
        audit.check_block(id, now, sent, &produced);
        if audit.fork.enabled() {
            if let Err(detail) = audit.fork.check_clients(&chain.lock().expect("chain lock")) {
                audit.fail(Checker::ForkFrozen, now, detail);
            }
        }
    }
}

/// Sends `cfg.messages` messages at random times of the fault phase, from three accounts per
/// chain to random other chains, ordered or not, a few with a timeout.
async fn traffic(rt: Runtime, chains: Chains, cfg: WorldConfig) {
    let senders: Vec<AccountKey> = (0..3)
        .map(|i| AccountKey::devnet(&format!("sender-{i}")))
        .collect();
    let senders: Vec<_> = senders.iter().collect();
    // Spread over the fault phase: a random gap of about `fault_ms / messages`, or, when that is
    // under a millisecond, bursts of about `messages / fault_ms` each millisecond.
    let mean_gap = (cfg.fault_ms / cfg.messages.max(1)).max(1);
    let burst = (cfg.messages / cfg.fault_ms.max(1)).max(1);
    for sent in 0..cfg.messages {
        if sent % burst == 0 {
            rt.sleep(Duration::from_millis(rt.next_u64() % (2 * mean_gap)))
                .await;
        }
        let from = (rt.next_u64() % chains.len() as u64) as usize;
        let hop = 1 + rt.next_u64() % (chains.len() as u64 - 1);
        let to = ChainId(((from as u64 + hop) % chains.len() as u64) + 1);
        let sender = &senders[(rt.next_u64() % 3) as usize];
        let mut chain = chains[from].lock().expect("chain lock");
        let timeout_height =
            (rt.next_u64().is_multiple_of(10)).then(|| Height(1 + rt.next_u64() % 200));
        let tx = SignedTx {
            tx: Tx {
                chain_id: chain.chain_id(),
                signer: sender.address(),
                nonce: chain.account_nonce(&sender.address()),
                body: TxBody::Send {
                    gas_limit: 0,
                    destination_chain: to,
                    receiver: strait_devnet_api::apps::counter(),
                    options: DeliveryOptions {
                        ordered: rt.next_u64().is_multiple_of(2),
                        timeout_height,
                        timeout_timestamp: None,
                    },
                    payload: rt.next_u64().to_be_bytes().to_vec(),
                },
            },
            // The generator's own transactions are admitted as authenticated (no signature
            // work); relayers' transactions are signed and verified.
            signature: [0; 64],
        };
        // A send refused here (a full mempool) is simply not sent; the audit counts outboxes.
        let _ = chain.submit_authenticated(tx);
    }
}

/// Starts a relayer over every chain; `crashing` relayers also see network faults.
pub(crate) fn start_relayer(
    rt: &Runtime,
    chains: &Chains,
    account: &str,
    byzantine: bool,
    network_faults: bool,
) -> JoinHandle<()> {
    let key = Arc::new(AccountKey::devnet(account));
    let links: Vec<_> = chains
        .iter()
        .map(|chain| {
            let mut client = SimChainClient::with_account(
                chain.clone(),
                rt.clone(),
                key.clone(),
                Duration::from_millis(10),
            );
            if byzantine {
                let sources = chains
                    .iter()
                    .map(|c| (c.lock().expect("chain lock").chain_id(), c.clone()))
                    .collect();
                client = client.byzantine(Arc::new(sources));
            }
            if network_faults {
                client = client.with_network_faults();
            }
            let heights = poll_heights(rt, client.clone(), Duration::from_millis(BLOCK_MS));
            (client, heights)
        })
        .collect();
    let settings = Settings {
        poll_interval: Duration::from_millis(200),
        max_backoff: Duration::from_millis(500),
        ..Settings::default()
    };
    let run = relay(
        rt.clone(),
        links,
        settings,
        Arc::new(Metrics::default()),
        std::future::pending(),
    );
    rt.spawn("relayer", async move {
        let _ = run.await;
    })
}

/// Runs relayer `index` until `until`, crashing and restarting it at random when crashes are on.
/// Returns the crashes injected.
async fn supervise(
    rt: Runtime,
    chains: Chains,
    cfg: WorldConfig,
    index: usize,
    byzantine: bool,
    until: u64,
) -> u64 {
    let account = format!("relayer-{index}");
    let mut crashes = 0;
    while rt.now_ms() < until {
        let relayer = start_relayer(&rt, &chains, &account, byzantine, cfg.faults.network);
        let up = if cfg.faults.crashes {
            Duration::from_millis(100 + rt.next_u64() % 1_500)
        } else {
            Duration::from_millis(until.saturating_sub(rt.now_ms()))
        };
        rt.sleep(up).await;
        relayer.abort();
        if cfg.faults.crashes && rt.now_ms() < until {
            crashes += 1;
            rt.sleep(Duration::from_millis(rt.next_u64() % 500)).await;
        }
    }
    crashes
}

/// Submits a change of `chain`'s validators to a random set of 4 to 7 devnet keys; whether it was
/// submitted.
pub(crate) fn change_validators(rt: &Runtime, chain: &Arc<Mutex<InProcessChain>>) -> bool {
    let mut chain = chain.lock().expect("chain lock");
    let id = chain.chain_id();
    let (current, counter) = chain.validators();
    let size = 4 + rt.next_u64() % 4;
    let first = rt.next_u64() % 8;
    let new = devnet_validator_set(id, (first..first + size).map(|i| i as u32), 10);
    if new == current {
        return false;
    }
    let pool = chain.key_pool();
    let signers: Vec<_> = pool
        .iter()
        .filter(|s| current.find(&s.public_key()).is_some())
        .collect();
    let governor = AccountKey::devnet("governor");
    let nonce = chain.account_nonce(&governor.address());
    let tx = set_validators_tx(id, &governor, nonce, &current, new, counter, &signers);
    chain.submit(tx).is_ok()
}
