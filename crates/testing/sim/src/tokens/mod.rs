//! The token world: conservation of value under a seed (issue 8's first check).
//!
//! Three chains, a stream of random operations on their token applications ([`OpKind`]:
//! transfers in every direction, onward hops and returns along a voucher's path, transfers that
//! fail on their destination, retries, finalizes, height and time timeouts, guardian pauses and
//! unpauses of routes, endpoints and tokens, guardian rate limits that queue transfers, cancels of
//! queued transfers), relayers that crash and restart over a network that fails,
//! delays and duplicates their requests (so deliveries are reordered, duplicated and late, and an
//! outcome races its timeout), a byzantine relayer, chain restarts and validator changes. After
//! every block the protocol checkers of [`crate::world`] and the token checkers of
//! `ledger` run; once the operations are done, faults stop, the guardians unpause everything and
//! restore the default limits, failed transfers are finalized, and every transfer must end:
//! executed, or its sender refunded, exactly once; every queued transfer released or cancelled;
//! every escrow equal to the vouchers it backs.

mod ledger;
mod ops;

use core::fmt;
use core::time::Duration;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::TxBody;
use strait_node::apps::token::limits::{Bucket, DEVNET_LIMIT};
use strait_node::apps::token::queue;
use strait_node::apps::token::{limit_digest, SetLimitCall};
use strait_node::extensions::Extensions;
use strait_node::guardians::{approve, UNPAUSE_THRESHOLD};
use strait_node::state::keys;
use strait_node::{devnet_specs, ChainSpec};
use strait_packet::Packet;
use strait_primitives::{keccak256_concat, ChainId, Hash32, Reader, Timestamp};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Entropy, JoinHandle, Spawner};

pub use ledger::Fates;
pub use ops::{OpKind, ACCOUNTS, MAX_HOPS, WEIGHTS};

use crate::world::{change_validators, start_relayer, Audit, Chains, Checker, Faults, BLOCK_MS};
use crate::InProcessChain;
use ledger::Ledger;
use ops::{scopes, submit, Gen};

/// Mean simulated milliseconds between two operations.
pub const OP_GAP_MS: u64 = 4;

/// One run of the token world.
#[derive(Clone, Debug)]
pub struct TokenConfig {
    /// Chooses everything.
    pub seed: u64,
    /// Operations drawn.
    pub ops: u64,
    /// Relayers racing (relayer 0 is byzantine when that fault is on).
    pub relayers: usize,
    /// The faults.
    pub faults: Faults,
    /// Simulated milliseconds, after the operations, within which every transfer must end.
    pub settle_ms: u64,
    /// Most executor steps; more is a `runtime` violation (a livelock).
    pub max_steps: u64,
    /// The chains' verifier kinds and applications: the devnet's unless a test plants a bug.
    pub extensions: Option<&'static Extensions>,
}

impl TokenConfig {
    /// A run of `seed` with `ops` operations, three relayers and every fault.
    pub fn new(seed: u64, ops: u64) -> Self {
        Self {
            seed,
            ops,
            relayers: 3,
            faults: Faults::ALL,
            settle_ms: 120_000,
            max_steps: 50_000_000,
            extensions: None,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenReport {
    /// The seed.
    pub seed: u64,
    /// keccak256 of every chain's last header hash: equal for two runs of one seed.
    pub digest: Hash32,
    /// Operations done, by kind.
    pub ops: BTreeMap<&'static str, u64>,
    /// What the chains did to the transfers.
    pub fates: Fates,
    /// What the chains did with queued transfers.
    pub queues: Queues,
    /// Blocks produced, all chains.
    pub blocks: u64,
    /// Relayer crashes injected.
    pub crashes: u64,
    /// Chain restarts injected.
    pub chain_restarts: u64,
    /// Validator-set changes submitted.
    pub validator_changes: u64,
    /// Task polls of the executor.
    pub steps: u64,
    /// Simulated milliseconds.
    pub sim_ms: u64,
}

/// Queued transfers (`[STRAIT-LIMIT.3]`), read from the chains' token stores at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queues {
    /// Transfers queued, all chains.
    pub queued: u64,
    /// Of those, released (sent, or credited).
    pub released: u64,
    /// Of those, cancelled by their owner.
    pub cancelled: u64,
    /// Tokens whose anomaly breaker tripped at least once (`[STRAIT-LIMIT.6]`).
    pub tokens_tripped: u64,
}

impl Queues {
    fn of(chain: &InProcessChain) -> Self {
        let store = chain.token_store();
        let with = |prefix: &'static [u8]| {
            store
                .range(prefix.to_vec()..)
                .take_while(move |(k, _)| k.starts_with(prefix))
        };
        let ends: Vec<u8> = with(b"qend/")
            .filter_map(|(_, v)| v.first().copied())
            .collect();
        let queued = store
            .get(queue::NEXT_KEY)
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes);
        Self {
            queued,
            released: ends.iter().filter(|k| **k == queue::END_RELEASED).count() as u64,
            cancelled: ends.iter().filter(|k| **k == queue::END_CANCELLED).count() as u64,
            tokens_tripped: with(b"trip/").count() as u64,
        }
    }

    /// Adds `other`.
    pub fn add(&mut self, other: &Self) {
        self.queued += other.queued;
        self.released += other.released;
        self.cancelled += other.cancelled;
        self.tokens_tripped += other.tokens_tripped;
    }
}

impl TokenReport {
    /// Operations done, all kinds.
    pub fn total_ops(&self) -> u64 {
        self.ops.values().sum()
    }
}

/// A broken invariant of the token world, with the seed that reproduces it.
#[derive(Clone, Debug)]
pub struct TokenViolation {
    /// The checker that fired.
    pub checker: Checker,
    /// The run's configuration (its seed reproduces it).
    pub config: TokenConfig,
    /// Simulated time.
    pub at_ms: u64,
    /// What was wrong.
    pub detail: String,
    /// The last steps of the run, oldest first.
    pub log: Vec<String>,
}

impl TokenViolation {
    /// The command that replays the run.
    pub fn replay(&self) -> String {
        let c = &self.config;
        format!(
            "cargo run --release -p strait -- sim --tokens --seeds {} --ops {} --relayers {} \
             --steps {}{}{}",
            c.seed,
            c.ops,
            c.relayers,
            c.max_steps,
            if c.faults == Faults::NONE {
                " --no-faults"
            } else {
                ""
            },
            if c.extensions.is_some() {
                " (with the test's own applications)"
            } else {
                ""
            }
        )
    }
}

impl fmt::Display for TokenViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invariant {} broken at {} ms with seed {}: {}",
            self.checker.name(),
            self.at_ms,
            self.config.seed,
            self.detail
        )?;
        writeln!(f, "replay: {}", self.replay())?;
        writeln!(f, "last steps:")?;
        for line in &self.log {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TokenViolation {}

/// What the checkers of a token world know.
pub(crate) struct TokenAudit {
    pub(crate) audit: Audit,
    pub(crate) ledger: Ledger,
    blocks: u64,
}

type Failure = (Checker, u64, String);

/// Runs one token world; `Err` names the first broken invariant.
pub fn run_tokens(config: &TokenConfig) -> Result<TokenReport, Box<TokenViolation>> {
    let cfg = config.clone();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let shared = log.clone();
    let run = Executor::seeded(cfg.seed)
        .with_step_limit(config.max_steps)
        .run(move |rt| world(rt, cfg, shared));
    let violation = |checker, at_ms, detail| {
        Box::new(TokenViolation {
            checker,
            config: config.clone(),
            at_ms,
            detail,
            log: log.lock().expect("log lock").clone(),
        })
    };
    match run {
        Ok(Ok(report)) => Ok(report),
        Ok(Err((checker, at_ms, detail))) => Err(violation(checker, at_ms, detail)),
        Err(e) => Err(violation(Checker::Runtime, 0, e.to_string())),
    }
}

fn chains_with(specs: &[ChainSpec], ext: &'static Extensions) -> Chains {
    specs
        .iter()
        .map(|spec| {
            let remotes = specs
                .iter()
                .filter(|s| s.chain_id != spec.chain_id)
                .copied()
                .collect();
            Arc::new(Mutex::new(InProcessChain::genesis_with(
                *spec, remotes, ext,
            )))
        })
        .collect()
}

/// The world's body; `Err` is the first violation. `log` receives the last steps.
async fn world(
    rt: Runtime,
    cfg: TokenConfig,
    log: Arc<Mutex<Vec<String>>>,
) -> Result<TokenReport, Failure> {
    let specs = devnet_specs(3, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let ext = cfg.extensions.unwrap_or_else(Extensions::builtin);
    let chains = chains_with(&specs, ext);
    let ledger = {
        let guards: Vec<_> = chains
            .iter()
            .map(|c| c.lock().expect("chain lock"))
            .collect();
        let stores: Vec<_> = guards
            .iter()
            .map(|c| (c.chain_id(), c.token_store()))
            .collect();
        Ledger::genesis(&stores)
    };
    let audit = Arc::new(Mutex::new(TokenAudit {
        audit: Audit::default(),
        ledger,
        blocks: 0,
    }));
    let result = run(&rt, &cfg, &chains, &audit).await;
    *log.lock().expect("log lock") = audit.lock().expect("audit lock").audit.log.clone();
    result
}

async fn run(
    rt: &Runtime,
    cfg: &TokenConfig,
    chains: &Chains,
    audit: &Arc<Mutex<TokenAudit>>,
) -> Result<TokenReport, Failure> {
    let violation = || audit.lock().expect("audit lock").audit.violation.clone();
    let producers: Vec<JoinHandle<()>> = chains
        .iter()
        .map(|c| {
            let run = producer(rt.clone(), c.clone(), chains.clone(), audit.clone());
            rt.spawn("producer", run)
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let gen = Gen {
        rt: rt.clone(),
        chains: chains.clone(),
        audit: audit.clone(),
        accounts: ACCOUNTS.iter().map(|n| AccountKey::devnet(n)).collect(),
    };
    let traffic = rt.spawn("traffic", traffic(gen, cfg.ops, stop.clone()));
    let supervisors: Vec<JoinHandle<u64>> = (0..cfg.relayers)
        .map(|index| {
            let byzantine = cfg.faults.byzantine && index == 0;
            let run = supervise(
                rt.clone(),
                chains.clone(),
                cfg.faults,
                index,
                byzantine,
                stop.clone(),
            );
            rt.spawn("relayer-supervisor", run)
        })
        .collect();
    // Chain faults while the operations run.
    let (mut restarts, mut changes) = (0, 0);
    while !stop.load(Ordering::SeqCst) {
        rt.sleep(Duration::from_millis(100 + rt.next_u64() % 400))
            .await;
        if let Some(v) = violation() {
            stop.store(true, Ordering::SeqCst);
            return Err(v);
        }
        let chain = &chains[(rt.next_u64() % chains.len() as u64) as usize];
        match rt.next_u64() % 8 {
            0 if cfg.faults.chain_restarts => {
                let mut chain = chain.lock().expect("chain lock");
                chain.restart();
                restarts += 1;
                let line = format!("{} ms chain {} restarted", rt.now_ms(), chain.chain_id());
                audit.lock().expect("audit lock").audit.note(line);
            }
            1 if cfg.faults.validator_changes && change_validators(rt, chain) => changes += 1,
            _ => {}
        }
    }
    let ops = traffic.await.unwrap_or_default();
    let mut crashes = 0;
    for supervisor in supervisors {
        crashes += supervisor.await.unwrap_or(0);
    }
    // Faults stop: a relayer with no state but the chains' finishes the work, the guardians
    // unpause, anyone finalizes what failed.
    let fresh = start_relayer(rt, chains, "relayer-fresh", false, false);
    settle(rt, cfg, chains, audit).await?;
    fresh.abort();
    for producer in producers {
        producer.abort();
    }
    let tips: Vec<[u8; 32]> = chains
        .iter()
        .map(|c| {
            let c = c.lock().expect("chain lock");
            let tip = c.light_block(c.latest_height()).expect("the tip exists");
            tip.header().hash().0
        })
        .collect();
    let parts: Vec<&[u8]> = tips.iter().map(|t| t.as_slice()).collect();
    let mut queues = Queues::default();
    for chain in chains {
        queues.add(&Queues::of(&chain.lock().expect("chain lock")));
    }
    let audit = audit.lock().expect("audit lock");
    Ok(TokenReport {
        seed: cfg.seed,
        digest: keccak256_concat(&parts),
        ops,
        fates: audit.ledger.fates,
        queues,
        blocks: audit.blocks,
        crashes,
        chain_restarts: restarts,
        validator_changes: changes,
        steps: rt.steps(),
        sim_ms: rt.now_ms(),
    })
}

/// Once faults stop: unpauses, finalizes failed transfers, and waits until every transfer ended
/// and nothing awaits an outcome, or the settle time is over (`every_transfer_ends`).
async fn settle(
    rt: &Runtime,
    cfg: &TokenConfig,
    chains: &Chains,
    audit: &Arc<Mutex<TokenAudit>>,
) -> Result<(), Failure> {
    let until = rt.now_ms() + cfg.settle_ms;
    let anyone = AccountKey::devnet("finalizer");
    let mut asked: BTreeMap<strait_primitives::MessageId, u64> = BTreeMap::new();
    loop {
        if let Some(v) = audit.lock().expect("audit lock").audit.violation.clone() {
            return Err(v);
        }
        let now = rt.now_ms();
        let mut open = Vec::new();
        for chain in chains {
            let (held, body) = guardians_next(&chain.lock().expect("chain lock"), chains.len());
            if let Some(body) = body {
                submit(chain, &anyone, body);
            }
            let c = chain.lock().expect("chain lock");
            let count = |prefix: &[u8]| {
                c.token_store()
                    .range(prefix.to_vec()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .count()
            };
            open.push((
                c.state().count_prefix(b"p"),
                c.state().count_prefix(b"f"),
                count(b"pend/"),
                count(b"q/"),
                held,
            ));
        }
        let (unended, failed, locked) = {
            let audit = audit.lock().expect("audit lock");
            let failed: Vec<_> = audit
                .ledger
                .failed
                .iter()
                .map(|id| (*id, audit.ledger.transfers[id].packet.clone()))
                .collect();
            let (locked, held) = audit.ledger.fees_locked();
            (audit.ledger.unended(), failed, (locked, held))
        };
        let (locked, held) = locked;
        for (id, packet) in failed {
            if asked.get(&id).is_some_and(|at| now < at + 1_000) {
                continue;
            }
            asked.insert(id, now);
            let mut data = vec![strait_node::apps::token::CALL_FINALIZE];
            data.extend_from_slice(&packet.encode());
            let body = TxBody::AppCall {
                app: strait_devnet_api::apps::token(),
                data,
            };
            submit(
                &chains[packet.destination_chain.get() as usize - 1],
                &anyone,
                body,
            );
        }
        if unended.is_empty()
            && locked.is_empty()
            && held == 0
            && open.iter().all(|o| *o == (0, 0, 0, 0, 0))
        {
            return Ok(());
        }
        if now >= until {
            let detail = format!(
                "{} transfers never ended, e.g. {:?}; {} payments still locked, e.g. {:?}, {held} held; per \
                 chain (awaited, failed, pending transfers, queued transfers, paused scopes and \
                 limited buckets): {open:?}",
                unended.len(),
                &unended[..unended.len().min(3)],
                locked.len(),
                &locked[..locked.len().min(3)]
            );
            return Err((Checker::EveryTransferEnds, now, detail));
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
}

/// What still holds `chain` back once faults stop: how many of its scopes are paused and of its
/// buckets have a limit other than the devnet's, and the guardians' transaction for the first
/// of them (one per block: their approvals sign the chain's decision counter).
fn guardians_next(chain: &InProcessChain, chains: usize) -> (usize, Option<TxBody>) {
    let paused: Vec<_> = scopes(chain, chains as u64)
        .into_iter()
        .filter(|s| chain.state().get(&keys::paused(s)).is_some())
        .collect();
    let default = DEVNET_LIMIT.encode();
    let limited: Vec<Bucket> = chain
        .token_store()
        .range(b"lim/".to_vec()..)
        .take_while(|(k, _)| k.starts_with(b"lim/"))
        .filter(|(_, v)| **v != default)
        .filter_map(|(k, _)| Bucket::read(&mut Reader::new(&k[4..])).ok())
        .collect();
    let signers: Vec<usize> = (0..UNPAUSE_THRESHOLD).collect();
    let id = chain.chain_id();
    let body = if let Some(scope) = paused.first() {
        Some(TxBody::SetPause {
            scope: *scope,
            paused: false,
            approvals: approve(chain.state(), id, scope, false, &signers),
        })
    } else {
        limited.first().map(|bucket| {
            let counter = chain.state().get_u64(keys::PAUSE_COUNTER);
            let digest = limit_digest(id, bucket, &DEVNET_LIMIT, counter);
            let call = SetLimitCall {
                bucket: bucket.clone(),
                limit: DEVNET_LIMIT,
                approvals: strait_node::guardians::guardian_approvals(&signers, &digest),
            };
            TxBody::AppCall {
                app: strait_devnet_api::apps::token(),
                data: call.encode(),
            }
        })
    };
    (paused.len() + limited.len(), body)
}

/// Draws and does `ops` operations, one every [`OP_GAP_MS`] on average; then sets `stop`.
/// Returns the operations done, by kind.
async fn traffic(gen: Gen, ops: u64, stop: Arc<AtomicBool>) -> BTreeMap<&'static str, u64> {
    let mut done: BTreeMap<&'static str, u64> = OpKind::ALL.iter().map(|k| (k.name(), 0)).collect();
    for _ in 0..ops {
        gen.rt
            .sleep(Duration::from_millis(
                gen.rt.next_u64() % (2 * OP_GAP_MS + 1),
            ))
            .await;
        if gen
            .audit
            .lock()
            .expect("audit lock")
            .audit
            .violation
            .is_some()
        {
            break;
        }
        let kind = gen.draw();
        *done.entry(gen.apply(kind).name()).or_default() += 1;
    }
    stop.store(true, Ordering::SeqCst);
    done
}

/// Runs relayer `index` until `stop`, crashing and restarting it at random when crashes are on.
/// Returns the crashes injected.
async fn supervise(
    rt: Runtime,
    chains: Chains,
    faults: Faults,
    index: usize,
    byzantine: bool,
    stop: Arc<AtomicBool>,
) -> u64 {
    let account = format!("relayer-{index}");
    let mut crashes = 0;
    while !stop.load(Ordering::SeqCst) {
        let relayer = start_relayer(&rt, &chains, &account, byzantine, faults.network);
        // Up for a while (until the end, without crashes: checked every 100 ms).
        let up = if faults.crashes {
            100 + rt.next_u64() % 1_500
        } else {
            100
        };
        rt.sleep(Duration::from_millis(up)).await;
        if !faults.crashes {
            while !stop.load(Ordering::SeqCst) {
                rt.sleep(Duration::from_millis(100)).await;
            }
        }
        relayer.abort();
        if faults.crashes && !stop.load(Ordering::SeqCst) {
            crashes += 1;
            rt.sleep(Duration::from_millis(rt.next_u64() % 500)).await;
        }
    }
    crashes
}

/// Produces a block of `chain` every [`BLOCK_MS`] and runs every checker on it.
async fn producer(
    rt: Runtime,
    chain: Arc<Mutex<InProcessChain>>,
    chains: Chains,
    audit: Arc<Mutex<TokenAudit>>,
) {
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
                    let mut audit = audit.lock().expect("audit lock");
                    audit.audit.fail(Checker::Runtime, now, detail);
                    return;
                }
            };
            let sent: Vec<Arc<Packet>> = (before..chain.outbox_count())
                .filter_map(|leaf| chain.sent_packet(leaf).map(Arc::new))
                .collect();
            (chain.chain_id(), produced, sent)
        };
        let mut audit = audit.lock().expect("audit lock");
        audit.blocks += 1;
        let packets = sent.iter().map(|p| Packet::clone(p)).collect();
        audit.audit.check_block(id, now, packets, &produced);
        let guards: Vec<_> = chains
            .iter()
            .map(|c| c.lock().expect("chain lock"))
            .collect();
        let stores: Vec<(ChainId, _)> = guards
            .iter()
            .map(|c| (c.chain_id(), c.token_store()))
            .collect();
        let checked = audit
            .ledger
            .apply(id, &sent, &produced)
            .and_then(|()| audit.ledger.check(&stores));
        if let Err((checker, detail)) = checked {
            audit.audit.fail(checker, now, detail);
        }
    }
}
