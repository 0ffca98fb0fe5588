//! The watcher against scripted chains on the deterministic runtime: every call has a deadline,
//! a finding with nothing to submit is alerted a bounded number of times, then given up, and a
//! BLS-header client's fork is answered with the source's BLS light block.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_attest::Checkpoint;
use strait_chain_client::{
    ChainError, DestinationChain, OutboxHistory, OutboxPage, OutboxState, RelayLimits, RelayReport,
    RelayWork, SourceChain, VerifierInfo,
};
use strait_light_client::bls::{sign_bls_commit, BlsLightBlock, BlsSigner, BlsValidatorSet};
use strait_light_client::{Header, LightBlock};
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
    /// The source's light blocks (BFT and BLS) by height.
    light: BTreeMap<Height, LightBlock>,
    bls: BTreeMap<Height, BlsLightBlock>,
    submitted: Arc<Mutex<Vec<&'static str>>>,
    /// What was relayed to it.
    relayed: Arc<Mutex<Vec<RelayWork>>>,
}

impl ScriptedChain {
    fn new(id: u64) -> Self {
        Self {
            id: ChainId(id),
            hanging: false,
            clients: Vec::new(),
            vouched: Vec::new(),
            outbox: None,
            light: BTreeMap::new(),
            bls: BTreeMap::new(),
            submitted: Arc::default(),
            relayed: Arc::default(),
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
    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        self.light
            .get(&height)
            .cloned()
            .ok_or_else(|| self.refused("light_block"))
    }
    async fn bls_light_block(&self, height: Height) -> Result<BlsLightBlock, ChainError> {
        self.bls
            .get(&height)
            .cloned()
            .ok_or_else(|| self.refused("bls_light_block"))
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
    async fn relay(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        self.submitted.lock().unwrap().push("relay");
        self.relayed.lock().unwrap().push(work);
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

/// A BLS-header client (kind 5) that stores another header than its source's at 6, having agreed
/// at 4: the watcher finds the fork and submits the source's own header at 6 as a kind-5 update
/// from 4 (its BLS light block, verified first), which the client's stored header contradicts.
#[test]
fn a_bls_header_clients_fork_is_answered_with_the_sources_bls_light_block() {
    let (relayed, reports) = Executor::seeded(3)
        .run(move |rt| async move {
            let now = rt.unix_time_ms();
            let mut signers: Vec<BlsSigner> =
                (1..=4u8).map(|i| BlsSigner::from_ikm(&[i; 32])).collect();
            signers.sort_by_key(BlsSigner::public_key);
            let set =
                BlsValidatorSet::new(signers.iter().map(|s| s.validator(10)).collect()).unwrap();
            let ed = strait_light_client::Signer::from_seed([9; 32]);
            let ed_set =
                strait_light_client::ValidatorSet::new(vec![strait_light_client::Validator {
                    pub_key: ed.public_key(),
                    power: 10,
                }])
                .unwrap();
            let header = |height: u64| Header {
                chain_id: ChainId(1),
                height: Height(height),
                timestamp: strait_primitives::Timestamp(now - 10_000 + height),
                parent_hash: Hash32([1; 32]),
                app_state_root: Hash32([2; 32]),
                outbox_root: Hash32([height as u8; 32]),
                validators_hash: set.hash(),
                next_validators_hash: set.hash(),
            };
            let all: Vec<&BlsSigner> = signers.iter().collect();
            let mut source = ScriptedChain::new(1);
            for h in [4u64, 6] {
                let header = header(h);
                source.bls.insert(
                    Height(h),
                    BlsLightBlock {
                        commit: sign_bls_commit(&header, &set, &set, &all),
                        header,
                        validators: set.clone(),
                        next_validators: set.clone(),
                    },
                );
                source.light.insert(
                    Height(h),
                    LightBlock {
                        signed_header: strait_light_client::SignedHeader {
                            header,
                            commit: strait_light_client::sign_commit(&header, &ed_set, &[&ed]),
                        },
                        validators: ed_set.clone(),
                        next_validators: ed_set.clone(),
                    },
                );
            }
            let honest = header(6);
            let destination = ScriptedChain {
                clients: vec![VerifierInfo {
                    client: ClientId(7),
                    kind: VerifierKind::BFT_BLS,
                    source: ChainId(1),
                    latest_height: Height(6),
                    frozen: false,
                }],
                vouched: vec![
                    Vouched::Header {
                        height: Height(4),
                        header_hash: header(4).hash(),
                        outbox_root: header(4).outbox_root,
                    },
                    Vouched::Header {
                        height: Height(6),
                        header_hash: Hash32([0xee; 32]),
                        outbox_root: honest.outbox_root,
                    },
                ],
                ..ScriptedChain::new(2)
            };
            let relayed = destination.relayed.clone();
            let mut watcher = Watcher::new(
                rt,
                vec![source.clone(), destination],
                None,
                Vec::new(),
                WatcherConfig::default(),
            );
            let reports = watcher.step().await;
            let relayed = relayed.lock().unwrap().clone();
            (relayed, (reports, source.bls[&Height(6)].clone()))
        })
        .unwrap();
    let (reports, honest) = reports;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(matches!(
        reports[0].finding,
        Finding::Fork {
            client: ClientId(7),
            height: Height(6),
            ..
        }
    ));
    // The scripted chain refuses every relay: the watcher alerts; what it tried is the evidence.
    assert_eq!(relayed.len(), 1);
    assert_eq!(
        relayed[0].updates,
        vec![strait_chain_client::VerifierUpdate::bft_bls(
            ClientId(7),
            Height(4),
            &honest
        )]
    );
}
