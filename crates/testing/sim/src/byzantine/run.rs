//! One byzantine run: setup, traffic, the fault, the watcher, and the checks.

use core::time::Duration;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::wire::encode_checkpoint_update;
use strait_attest::{committee_id, Checkpoint, Committee, SignatureList};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{ClientUpdate, Tx, TxBody};
use strait_endpoint::BatchDelivery;
use strait_merkle::{LeafIndex, MerkleTree};
use strait_node::clients::{self, View};
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{
    keccak256, Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, Timestamp,
};
use strait_relayer::{relay_attested, Attested, AttestedClient, Metrics};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Entropy, Spawner};
use strait_verifier::VerifierKind;
use strait_watcher::{Finding, Report, Response, WatchedCommittee, Watcher, WatcherConfig};

use super::attesters::{self, attest, Conduct, Member, SimBoard};
use crate::equivocation::forge;
use crate::fixtures::{quick_settings, relayer_links, source_and_dest, ChoosingVault, Shared};
use crate::{InProcessChain, SimChainClient};

const BLOCK_MS: u64 = 50;
/// When the fault fires, traffic stops and the run ends, in simulated ms.
const FAULT_MS: u64 = 1_200;
const TRAFFIC_END_MS: u64 = 3_000;
const END_MS: u64 = 5_000;
const VAULT: Address32 = Address32([0x7a; 32]);
/// The optimistic client's dispute window and bond.
const OPTIMISTIC_WINDOW_MS: u64 = 2_000;
const BOND: u128 = 1_000_000;
const SOURCE: ChainId = ChainId(1);
const DEST: ChainId = ChainId(2);

/// The fault of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// More than 1/3 but at most 2/3 of the source's validators sign a forged header.
    ValidatorsWeak,
    /// More than 2/3 sign it, with a forged message, shown to the BFT client.
    ValidatorsStrong,
    /// One member of four is silent, signs garbage, or signs forged checkpoints.
    AttesterBelow,
    /// Three members (the threshold) certify a forged checkpoint and keep signing the truth.
    CommitteeEquivocating,
    /// Three members certify a forged checkpoint and then sign nothing.
    CommitteeSilent,
    /// A bonded proposer posts a forged root to an optimistic client.
    OptimisticForged,
}

impl Fault {
    /// Every fault, in the order seeds take them.
    pub const ALL: [Self; 6] = [
        Self::ValidatorsWeak,
        Self::ValidatorsStrong,
        Self::AttesterBelow,
        Self::CommitteeEquivocating,
        Self::CommitteeSilent,
        Self::OptimisticForged,
    ];

    /// The fault of `seed`.
    pub fn of_seed(seed: u64) -> Self {
        Self::ALL[(seed % Self::ALL.len() as u64) as usize]
    }
}

/// What a run saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByzantineReport {
    /// The seed.
    pub seed: u64,
    /// Its fault.
    pub fault: Fault,
    /// The watcher's findings and responses.
    pub reports: Vec<Report>,
    /// Clients frozen at the end, with evidence stored in their state.
    pub frozen: Vec<ClientId>,
    /// Whether the forged message executed (before detection: the broken assumption).
    pub forged_received: bool,
    /// Honest messages sent to the counter (BFT client) and received.
    pub counter: (usize, usize),
    /// Honest messages sent to the vault (committee client) and received.
    pub vault: (usize, usize),
}

fn submit(chain: &Shared, who: &AccountKey, body: TxBody) -> Option<Hash32> {
    let mut chain = chain.lock().expect("chain lock");
    let tx = Tx {
        chain_id: chain.chain_id(),
        signer: who.address(),
        nonce: chain.account_nonce(&who.address()),
        body,
    }
    .sign(who);
    chain.submit(tx).ok()
}

/// Runs `seed`'s fault; `Err` names the seed, the fault and what broke.
pub fn run_byzantine(seed: u64) -> Result<ByzantineReport, String> {
    let fault = Fault::of_seed(seed);
    let replay = format!("seed {seed} ({fault:?}); replay: strait sim --byzantine --seeds {seed}");
    Executor::seeded(seed)
        .run(move |rt| scenario(rt, seed, fault))
        .map_err(|e| format!("{replay}: the run failed: {e:?}"))?
        .map_err(|e| format!("{replay}: {e}"))
}

/// A forged outbox: the honest leaves of `source` up to `height` and one forged message to the
/// vault; its root, its size and the forged message proven at `height`.
fn forged_outbox(source: &InProcessChain, height: Height) -> (Hash32, u64, BatchDelivery) {
    let count = source.outbox_count_at(height).unwrap_or(0);
    let packet = Packet {
        nonce: Nonce(1),
        source_chain: SOURCE,
        sender: Address32(keccak256(b"STRAIT/SIM/COMMITTEE-FORGER/v1").0),
        destination_chain: DEST,
        receiver: VAULT,
        options: DeliveryOptions::default(),
        payload: b"forged".to_vec(),
    };
    let mut tree = MerkleTree::new();
    for leaf in 0..count {
        let id = source.sent_packet(leaf).expect("below the count").id();
        tree.append(&id).expect("fits");
    }
    tree.append(&packet.id()).expect("fits");
    let proof = tree
        .multiproof(&[LeafIndex(count)], count + 1)
        .expect("the forged leaf is in the tree");
    (
        tree.root(),
        count + 1,
        BatchDelivery {
            packets: vec![packet],
            proof,
            proof_height: height,
        },
    )
}

fn certificate(
    committee: &Committee,
    id: Hash32,
    signers: &[&EcdsaSigner],
    checkpoint: &Checkpoint,
) -> SignatureList<65> {
    let message = checkpoint.sign_bytes(&id, 0);
    let mut signatures: Vec<(u16, [u8; 65])> = signers
        .iter()
        .map(|s| {
            let index = committee
                .members()
                .position(|m| m == s.address())
                .expect("a member");
            (index as u16, s.sign(&message))
        })
        .collect();
    signatures.sort_by_key(|(i, _)| *i);
    SignatureList { signatures }
}

/// Whether the chain holds the evidence of the client's freeze: in the client's own state, or the
/// conflict that froze it (`'y' || client`, SPEC §13).
fn evidence_on_chain(chain: &InProcessChain, client: ClientId, kind: VerifierKind) -> bool {
    if chain
        .state()
        .get(&strait_node::state::keys::conflict(client))
        .is_some()
    {
        return true;
    }
    let view = View::new(chain.state(), client);
    match kind {
        VerifierKind::BFT => {
            strait_light_client::kind::stored_client_state(&view).is_ok_and(|s| s.frozen.is_some())
        }
        _ => strait_attest::state::stored_state(&view).is_ok_and(|s| s.frozen.is_some()),
    }
}

#[allow(clippy::too_many_lines)]
async fn scenario(rt: Runtime, seed: u64, fault: Fault) -> Result<ByzantineReport, String> {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let mut ext = Extensions::devnet();
    ext.apps
        .register(
            VAULT,
            Box::new(ChoosingVault::new("byzantine-vault", SOURCE)),
        )
        .map_err(|e| format!("{e:?}"))?;
    let (source, dest) = source_and_dest(&specs, ext);

    // The committee, 3 of 4; which members are byzantine depends on the fault.
    let keys: Vec<EcdsaSigner> = (1..=4u8)
        .map(|i| EcdsaSigner::from_secret([i; 32]).expect("a key"))
        .collect();
    let committee =
        Committee::from_members(3, keys.iter().map(|k| k.address().to_vec()).collect(), 20)
            .map_err(|e| e.to_string())?;
    let id = committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());
    let below = [Conduct::Silent, Conduct::Garbage, Conduct::Honest][(rt.next_u64() % 3) as usize];
    let conducts = match fault {
        Fault::AttesterBelow => [below, Conduct::Honest, Conduct::Honest, Conduct::Honest],
        Fault::CommitteeSilent => [
            Conduct::HonestUntilForged,
            Conduct::HonestUntilForged,
            Conduct::HonestUntilForged,
            Conduct::Honest,
        ],
        _ => [Conduct::Honest; 4],
    };
    let members: Vec<Member> = keys
        .iter()
        .zip(conducts)
        .map(|(k, conduct)| Member {
            key: k.clone(),
            conduct,
        })
        .collect();

    let bob = AccountKey::devnet("bob");
    let created = submit(
        &dest,
        &bob,
        TxBody::CreateClient {
            kind: VerifierKind::ATTEST_ECDSA,
            source: SOURCE,
            init: committee.encode(),
        },
    )
    .ok_or("create client refused")?;
    dest.lock()
        .expect("lock")
        .produce(Timestamp(rt.unix_time_ms()))
        .map_err(|e| e.to_string())?;
    let attested_client = dest
        .lock()
        .expect("lock")
        .tx_result(&created)
        .and_then(|r| r.client_id)
        .ok_or("no committee client")?;
    submit(
        &dest,
        &bob,
        TxBody::AppCall {
            app: VAULT,
            data: attested_client.to_be_bytes().to_vec(),
        },
    );
    dest.lock()
        .expect("lock")
        .produce(Timestamp(rt.unix_time_ms() + 1))
        .map_err(|e| e.to_string())?;
    let bft_client = clients::default_client(dest.lock().expect("lock").state(), SOURCE)
        .ok_or("no BFT client")?;
    // An optimistic client of the source: anyone may propose with a bond; nobody pauses it.
    let created = submit(
        &dest,
        &bob,
        TxBody::CreateClient {
            kind: VerifierKind::OPTIMISTIC,
            source: SOURCE,
            init: strait_optimistic::Config {
                window_ms: OPTIMISTIC_WINDOW_MS,
                bond: BOND,
                proposers: vec![],
                watchers: vec![],
            }
            .encode(),
        },
    )
    .ok_or("create optimistic client refused")?;
    dest.lock()
        .expect("lock")
        .produce(Timestamp(rt.unix_time_ms() + 2))
        .map_err(|e| e.to_string())?;
    let optimistic_client = dest
        .lock()
        .expect("lock")
        .tx_result(&created)
        .and_then(|r| r.client_id)
        .ok_or("no optimistic client")?;

    for chain in [&source, &dest] {
        let (chain, clock) = (chain.clone(), rt.clone());
        rt.spawn("producer", async move {
            loop {
                clock.sleep(Duration::from_millis(BLOCK_MS)).await;
                let now = Timestamp(clock.unix_time_ms());
                let _ = chain.lock().expect("lock").produce(now);
            }
        });
    }

    // Attesters.
    let board = SimBoard::default();
    let forged_flag = Arc::new(AtomicBool::new(false));
    {
        let (source, board, rt2, flag) = (
            source.clone(),
            board.clone(),
            rt.clone(),
            forged_flag.clone(),
        );
        rt.spawn("attesters", async move {
            let mut next = (0, 0);
            loop {
                rt2.sleep(Duration::from_millis(BLOCK_MS / 2)).await;
                let chain = source.lock().expect("lock");
                attesters::step(
                    &chain,
                    &members,
                    id,
                    &board,
                    &mut next,
                    flag.load(Ordering::SeqCst),
                );
            }
        });
    }

    // The relayer.
    let link = |c: &Shared, who: &str| {
        SimChainClient::new(
            c.clone(),
            rt.clone(),
            AccountKey::devnet(who),
            Duration::from_millis(10),
        )
    };
    let relayer_links = relayer_links(&rt, [&source, &dest], "relayer-0", BLOCK_MS / 2);
    let attested = Attested {
        source: Some(Arc::new(board.clone())),
        clients: vec![AttestedClient {
            source: SOURCE,
            destination: DEST,
            client: attested_client,
            kind: VerifierKind::ATTEST_ECDSA,
            committee: committee.clone(),
            committee_id: id,
            epoch: 0,
            receivers: vec![VAULT],
        }],
        routes: Vec::new(),
    };
    let settings = quick_settings();
    rt.spawn(
        "relayer",
        relay_attested(
            rt.clone(),
            relayer_links,
            settings,
            Arc::new(Metrics::default()),
            attested,
            std::future::pending(),
        ),
    );

    // The watcher.
    let reports: Arc<Mutex<Vec<Report>>> = Arc::default();
    {
        let chains = vec![link(&source, "watcher"), link(&dest, "watcher")];
        let watched = WatchedCommittee {
            source: SOURCE,
            kind: VerifierKind::ATTEST_ECDSA,
            committee: committee.clone(),
            committee_id: id,
            epoch: 0,
            clients: vec![(DEST, attested_client)],
        };
        let config = WatcherConfig {
            poll_interval: Duration::from_millis(100),
            call_timeout: Duration::from_secs(2),
            ..WatcherConfig::default()
        };
        let mut watcher = Watcher::new(
            rt.clone(),
            chains,
            Some(Arc::new(board.clone())),
            vec![watched],
            config,
        );
        let (rt2, reports) = (rt.clone(), reports.clone());
        rt.spawn("watcher", async move {
            loop {
                let found = watcher.step().await;
                reports.lock().expect("lock").extend(found);
                rt2.sleep(Duration::from_millis(100)).await;
            }
        });
    }

    // Freezes, seen block by block: what was received at that moment.
    type Seen = Arc<Mutex<Vec<(ClientId, BTreeSet<MessageId>)>>>;
    let seen: Seen = Arc::default();
    {
        let (dest, source, seen, rt2) = (dest.clone(), source.clone(), seen.clone(), rt.clone());
        rt.spawn("freeze monitor", async move {
            loop {
                rt2.sleep(Duration::from_millis(BLOCK_MS / 5)).await;
                let dest = dest.lock().expect("lock");
                for client in [bft_client, attested_client] {
                    let frozen = dest.verifier(client).is_some_and(|v| v.frozen);
                    let mut seen = seen.lock().expect("lock");
                    if frozen && !seen.iter().any(|(c, _)| *c == client) {
                        let ids: Vec<MessageId> = source
                            .lock()
                            .expect("lock")
                            .outbox_page(DEST, 0, 4096)
                            .messages
                            .iter()
                            .map(|m| m.id)
                            .collect();
                        let received = dest.received(&ids);
                        let set = ids
                            .into_iter()
                            .zip(received)
                            .filter_map(|(id, r)| r.then_some(id))
                            .collect();
                        seen.push((client, set));
                    }
                }
            }
        });
    }

    // Traffic.
    {
        let (source, rt2) = (source.clone(), rt.clone());
        rt.spawn("traffic", async move {
            let alice = AccountKey::devnet("alice");
            let mut i = 0u64;
            while rt2.now_ms() < TRAFFIC_END_MS {
                for receiver in [strait_devnet_api::apps::counter(), VAULT] {
                    submit(
                        &source,
                        &alice,
                        TxBody::Send {
                            destination_chain: DEST,
                            receiver,
                            options: DeliveryOptions::default(),
                            payload: i.to_be_bytes().to_vec(),
                            gas_limit: 0,
                        },
                    );
                    i += 1;
                }
                rt2.sleep(Duration::from_millis(
                    2 * BLOCK_MS + rt2.next_u64() % BLOCK_MS,
                ))
                .await;
            }
        });
    }

    // The fault.
    rt.sleep(Duration::from_millis(FAULT_MS + rt.next_u64() % 300))
        .await;
    let equivocator = AccountKey::devnet("equivocator");
    let mut forged_id = None;
    let mut forged_root: Option<(Height, Hash32)> = None;
    match fault {
        // After the match: its proposer goes through the chain-client traits.
        Fault::OptimisticForged => {}
        Fault::ValidatorsWeak | Fault::ValidatorsStrong => {
            let strong = fault == Fault::ValidatorsStrong;
            for _ in 0..40 {
                let body = {
                    let source = source.lock().expect("lock");
                    let info = dest.lock().expect("lock").verifier(bft_client);
                    match info {
                        Some(info)
                            if !info.frozen && info.latest_height < source.latest_height() =>
                        {
                            let forgery = forge(&rt, &source, DEST, strong);
                            forged_id = forgery.batch.packets.first().map(Packet::id);
                            Some(TxBody::Relay {
                                updates: vec![ClientUpdate::bft(
                                    bft_client,
                                    info.latest_height,
                                    &forgery.forged,
                                )],
                                advances: vec![],
                                batches: vec![forgery.batch],
                            })
                        }
                        _ => None,
                    }
                };
                if let Some(body) = body {
                    submit(&dest, &equivocator, body);
                    break;
                }
                rt.sleep(Duration::from_millis(BLOCK_MS)).await;
            }
        }
        Fault::AttesterBelow => {
            // The byzantine member (index 0) also signs a forged checkpoint; alone it certifies
            // nothing.
            let (checkpoint, batch) = {
                let source = source.lock().expect("lock");
                let height = source.latest_height();
                let (root, count, batch) = forged_outbox(&source, height);
                (
                    Checkpoint {
                        source_chain: SOURCE,
                        outbox_root: root,
                        leaf_count: count,
                        source_height: height,
                    },
                    batch,
                )
            };
            forged_id = batch.packets.first().map(Packet::id);
            board.publish(attest(&keys[0], id, checkpoint));
            let one = certificate(&committee, id, &[&keys[0]], &checkpoint);
            submit(
                &dest,
                &equivocator,
                TxBody::Relay {
                    updates: vec![ClientUpdate {
                        client: attested_client,
                        kind: VerifierKind::ATTEST_ECDSA,
                        body: encode_checkpoint_update::<Ecdsa>(&checkpoint, &one),
                    }],
                    advances: vec![],
                    batches: vec![batch],
                },
            );
        }
        Fault::CommitteeEquivocating | Fault::CommitteeSilent => {
            // At the height where the latest leaf count first appeared, before it is final: the
            // honest members will certify the truth there, which conflicts (`[STRAIT-ATTEST.7]`).
            let mut forgery = None;
            for _ in 0..40 {
                {
                    let source = source.lock().expect("lock");
                    let latest = source.latest_height();
                    let count = source.outbox_count_at(latest).unwrap_or(0);
                    let first = (0..=latest.get())
                        .rev()
                        .take_while(|&h| source.outbox_count_at(Height(h)) == Some(count))
                        .last()
                        .map(Height);
                    if let Some(height) = first.filter(|h| count > 0 && h.get() + 1 >= latest.get())
                    {
                        let (root, count, batch) = forged_outbox(&source, height);
                        let checkpoint = Checkpoint {
                            source_chain: SOURCE,
                            outbox_root: root,
                            leaf_count: count,
                            source_height: height,
                        };
                        forgery = Some((checkpoint, batch));
                    }
                }
                if forgery.is_some() {
                    break;
                }
                rt.sleep(Duration::from_millis(BLOCK_MS / 2)).await;
            }
            let (checkpoint, batch) = forgery.ok_or("no height to forge at")?;
            forged_id = batch.packets.first().map(Packet::id);
            forged_flag.store(true, Ordering::SeqCst);
            let colluders = [&keys[0], &keys[1], &keys[2]];
            if rt.next_u64().is_multiple_of(2) {
                for k in colluders {
                    board.publish(attest(k, id, checkpoint));
                }
            }
            let cert = certificate(&committee, id, &colluders, &checkpoint);
            submit(
                &dest,
                &equivocator,
                TxBody::Relay {
                    updates: vec![ClientUpdate {
                        client: attested_client,
                        kind: VerifierKind::ATTEST_ECDSA,
                        body: encode_checkpoint_update::<Ecdsa>(&checkpoint, &cert),
                    }],
                    advances: vec![],
                    batches: vec![batch],
                },
            );
        }
    }

    if fault == Fault::OptimisticForged {
        let (height, leaf_count) = {
            let source = source.lock().expect("lock");
            let height = source.latest_height();
            (height, source.outbox_count_at(height).unwrap_or(0))
        };
        let forged = strait_chain_client::Proposal {
            height,
            root: Hash32(keccak256(b"STRAIT/SIM/OPTIMISTIC-FORGER/v1").0),
            leaf_count,
        };
        let proposer = link(&dest, "relayer-1");
        let proposed =
            strait_chain_client::DisputeChain::propose_root(&proposer, optimistic_client, forged)
                .await
                .map_err(|e| e.to_string())?;
        proposed
            .applied
            .map_err(|e| format!("the forged proposal was refused: {e:?}"))?;
        forged_root = Some((height, forged.root));
    }

    rt.sleep(Duration::from_millis(END_MS.saturating_sub(rt.now_ms())))
        .await;

    // The checks.
    let dest = dest.lock().expect("lock");
    let source = source.lock().expect("lock");
    let page = source.outbox_page(DEST, 0, 4096);
    let of = |receiver: Address32| -> Vec<MessageId> {
        page.messages
            .iter()
            .filter(|m| m.packet.receiver == receiver)
            .map(|m| m.id)
            .collect()
    };
    let (counter_ids, vault_ids) = (of(strait_devnet_api::apps::counter()), of(VAULT));
    let count_received = |ids: &[MessageId]| dest.received(ids).iter().filter(|r| **r).count();
    let forged_received = forged_id.is_some_and(|id| dest.received(&[id])[0]);
    let frozen: Vec<ClientId> = [bft_client, attested_client]
        .into_iter()
        .filter(|c| dest.verifier(*c).is_some_and(|v| v.frozen))
        .collect();
    let reports = reports.lock().expect("lock").clone();
    let report = ByzantineReport {
        seed,
        fault,
        reports: reports.clone(),
        frozen: frozen.clone(),
        forged_received,
        counter: (counter_ids.len(), count_received(&counter_ids)),
        vault: (vault_ids.len(), count_received(&vault_ids)),
    };
    let fail = |what: String| Err(format!("{what}\n{report:#?}"));
    // Evidence is on chain for every frozen client.
    for &client in &frozen {
        let kind = dest.verifier(client).map_or(VerifierKind::BFT, |v| v.kind);
        if !evidence_on_chain(&dest, client, kind) {
            return fail(format!(
                "client {client} is frozen without evidence in its state"
            ));
        }
    }
    // nothing_after_freeze: what a frozen client's route received is what it had at the freeze.
    for (client, at_freeze) in seen.lock().expect("lock").iter() {
        let ids = if *client == bft_client {
            &counter_ids
        } else {
            &vault_ids
        };
        for id in ids {
            if dest.received(&[*id])[0] && !at_freeze.contains(id) {
                return fail(format!(
                    "message {id} was received after client {client} froze"
                ));
            }
        }
    }
    let all = |(sent, got): (usize, usize)| sent > 0 && sent == got;
    match fault {
        Fault::ValidatorsWeak | Fault::AttesterBelow => {
            if !frozen.is_empty() || forged_received {
                return fail(
                    "below the threshold something froze or a forged message executed".into(),
                );
            }
            if !all(report.counter) || !all(report.vault) {
                return fail("below the threshold honest traffic did not all execute".into());
            }
            if reports
                .iter()
                .any(|r| !matches!(r.finding, Finding::Equivocation { .. }))
            {
                return fail("below the threshold the watcher found a contradiction".into());
            }
        }
        Fault::ValidatorsStrong => {
            if frozen != vec![bft_client] {
                return fail("the forked BFT client is not (the only one) frozen".into());
            }
            if !all(report.vault) {
                return fail("the committee route stopped".into());
            }
        }
        Fault::CommitteeEquivocating => {
            // Frozen by the watcher's evidence, or by a relayer's honest certified update that
            // conflicts: either way the evidence is on chain (checked above).
            if frozen != vec![attested_client] {
                return fail("the lying committee's client is not (the only one) frozen".into());
            }
            if !all(report.counter) {
                return fail("the BFT route stopped".into());
            }
        }
        Fault::OptimisticForged => {
            // The watcher's conflict discarded the forged proposal within its window (its bond
            // went to the watcher): the client never holds the forged root.
            let conflict = reports.iter().any(|r| {
                matches!(
                    r.response,
                    Response::Submitted { client, evidence: "conflict", .. } if client == optimistic_client
                )
            });
            let holds_forged = forged_root.is_some_and(|(height, root)| {
                clients::verified_root(
                    dest.state(),
                    &Extensions::devnet().verifiers,
                    optimistic_client,
                    height,
                )
                .ok()
                .flatten()
                    == Some(root)
            });
            if !conflict || holds_forged || !frozen.is_empty() {
                return fail("the forged optimistic root was not disputed".into());
            }
            if !all(report.counter) || !all(report.vault) {
                return fail("honest traffic stopped".into());
            }
        }
        Fault::CommitteeSilent => {
            // No certificate of the truth exists: the watcher proves the lie against the BFT
            // client of the same source (a conflict, SPEC §13).
            let conflict = reports.iter().any(|r| {
                matches!(
                    r.response,
                    Response::Submitted { client, evidence: "conflict", .. } if client == attested_client
                )
            });
            if frozen != vec![attested_client] || !conflict {
                return fail("the watcher did not freeze the silent committee's client".into());
            }
            if !all(report.counter) {
                return fail("the BFT route stopped".into());
            }
        }
    }
    Ok(report)
}
