//! The watcher against scripted chains on the deterministic runtime: every call has a deadline,
//! and a finding with nothing to submit is alerted a bounded number of times, then given up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_attest::Checkpoint;
use strait_chain_client::{
    ChainError, DestinationChain, OutboxHistory, OutboxPage, OutboxState, RelayLimits, RelayReport,
    RelayWork, SourceChain, VerifierInfo,
};
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_primitives::{ChainId, ClientId, Hash32, Height, MessageId};
use strait_runtime::deterministic::Executor;
use strait_runtime::Clock;
use strait_verifier::VerifierKind;
use strait_watcher::{
    EvidenceSink, Finding, Response, Submitted, VerifierReader, Vouched, Watcher, WatcherConfig,
    MAX_ATTEMPTS,
};

/// A chain whose answers are scripted; `hanging` never answers `clients`. Records what was
/// submitted to it.
#[derive(Clone)]
struct ScriptedChain {
    id: ChainId,
    hanging: bool,
    clients: Vec<VerifierInfo>,
    vouched: Vec<Vouched>,
    outbox: Option<OutboxState>,
    submitted: Arc<Mutex<Vec<&'static str>>>,
}

impl ScriptedChain {
    fn new(id: u64) -> Self {
        Self {
            id: ChainId(id),
            hanging: false,
            clients: Vec::new(),
            vouched: Vec::new(),
            outbox: None,
            submitted: Arc::default(),
        }
    }

    fn refused(&self, what: &'static str) -> ChainError {
        ChainError::Refused {
            chain: self.id,
            what,
            reason: "scripted".into(),
        }
    }
}

impl SourceChain for ScriptedChain {
    fn chain_id(&self) -> ChainId {
        self.id
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(Height(10))
    }
    async fn outbox_page(&self, _: ChainId, _: u64, _: usize) -> Result<OutboxPage, ChainError> {
        Err(self.refused("outbox_page"))
    }
    async fn multiproof(&self, _: &[u64], _: Height) -> Result<MultiProof, ChainError> {
        Err(self.refused("multiproof"))
    }
    async fn light_block(&self, _: Height) -> Result<LightBlock, ChainError> {
        Err(self.refused("light_block"))
    }
}

impl OutboxHistory for ScriptedChain {
    fn chain_id(&self) -> ChainId {
        self.id
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(Height(10))
    }
    async fn outbox_at(&self, _: Height) -> Result<OutboxState, ChainError> {
        self.outbox.ok_or_else(|| self.refused("outbox"))
    }
}

impl DestinationChain for ScriptedChain {
    fn chain_id(&self) -> ChainId {
        self.id
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(Height(10))
    }
    async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, ChainError> {
        Ok(vec![false; ids.len()])
    }
    async fn verifier_of(&self, _: ChainId) -> Result<VerifierInfo, ChainError> {
        Err(self.refused("verifier_of"))
    }
    fn relay_limits(&self) -> RelayLimits {
        RelayLimits {
            max_relay_bytes: 1 << 20,
            max_updates: 16,
            max_advances: 16,
            max_batches: 16,
            update_overhead_bytes: 16,
            advances_overhead_bytes: 2,
            advance_bytes: 32,
        }
    }
    async fn relay(&self, _: RelayWork) -> Result<RelayReport, ChainError> {
        self.submitted.lock().unwrap().push("relay");
        Err(self.refused("relay"))
    }
}

impl VerifierReader for ScriptedChain {
    fn chain_id(&self) -> ChainId {
        self.id
    }
    async fn clients(&self, _: ClientId, _: usize) -> Result<Vec<VerifierInfo>, ChainError> {
        if self.hanging {
            std::future::pending::<()>().await;
        }
        Ok(self.clients.clone())
    }
    async fn vouched(
        &self,
        _: ClientId,
        from: Height,
        limit: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        Ok(self
            .vouched
            .iter()
            .filter(|v| v.height() >= from)
            .take(limit)
            .copied()
            .collect())
    }
}

impl EvidenceSink for ScriptedChain {
    fn chain_id(&self) -> ChainId {
        self.id
    }
    async fn submit_misbehaviour(
        &self,
        _: ClientId,
        _: VerifierKind,
        _: Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        self.submitted.lock().unwrap().push("misbehaviour");
        Err(self.refused("misbehaviour"))
    }
    async fn submit_conflict(
        &self,
        _: ClientId,
        _: ClientId,
        _: Height,
    ) -> Result<Submitted, ChainError> {
        self.submitted.lock().unwrap().push("conflict");
        Err(self.refused("conflict"))
    }
}

#[test]
fn a_chain_that_never_answers_costs_one_deadline_per_call() {
    let mut silent = ScriptedChain::new(2);
    silent.hanging = true;
    let config = WatcherConfig {
        call_timeout: Duration::from_millis(700),
        ..WatcherConfig::default()
    };
    let (reports, elapsed) = Executor::seeded(1)
        .run(move |rt| async move {
            let start = rt.now_ms();
            let mut watcher = Watcher::new(rt.clone(), vec![silent], None, Vec::new(), config);
            let reports = watcher.step().await;
            (reports, rt.now_ms() - start)
        })
        .unwrap();
    assert!(reports.is_empty());
    // The one hanging call (the clients of the one chain) ended at its deadline.
    assert_eq!(elapsed, 700);
}

#[test]
fn a_finding_with_nothing_to_submit_is_alerted_max_attempts_times_then_passed() {
    let source = ScriptedChain {
        outbox: Some(OutboxState {
            height: Height(5),
            root: Hash32([0xbb; 32]),
            count: 3,
        }),
        ..ScriptedChain::new(1)
    };
    // A committee client vouching for another root at 5, and no BFT client of the source to refer
    // to: nothing can be submitted.
    let lie = Checkpoint {
        source_chain: ChainId(1),
        outbox_root: Hash32([0xaa; 32]),
        leaf_count: 3,
        source_height: Height(5),
    };
    let destination = ScriptedChain {
        clients: vec![VerifierInfo {
            client: ClientId(7),
            kind: VerifierKind::ATTEST_ECDSA,
            source: ChainId(1),
            latest_height: Height(5),
            frozen: false,
        }],
        vouched: vec![Vouched::Checkpoint(lie)],
        ..ScriptedChain::new(2)
    };
    let submitted = destination.submitted.clone();
    let steps = Executor::seeded(2)
        .run(move |rt| async move {
            let mut watcher = Watcher::new(
                rt,
                vec![source, destination],
                None,
                Vec::new(),
                WatcherConfig::default(),
            );
            let mut steps = Vec::new();
            for _ in 0..MAX_ATTEMPTS + 2 {
                steps.push(watcher.step().await);
            }
            steps
        })
        .unwrap();
    let attempts = usize::from(MAX_ATTEMPTS);
    for (i, reports) in steps.iter().enumerate() {
        if i >= attempts {
            // Past the bound the cursor moved on: nothing more.
            assert!(reports.is_empty(), "step {i}: {reports:?}");
            continue;
        }
        assert_eq!(reports.len(), 1, "step {i}: {reports:?}");
        assert!(matches!(
            reports[0].finding,
            Finding::Contradicted {
                client: ClientId(7),
                height: Height(5),
                ..
            }
        ));
        let Response::AlertOnly(why) = &reports[0].response else {
            panic!("step {i}: {reports:?}");
        };
        assert!(why.contains("no BFT client"), "step {i}: {why}");
    }
    // Nothing was ever submitted: there was nothing that proves the lie.
    assert!(submitted.lock().unwrap().is_empty());
}
