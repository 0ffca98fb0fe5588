//! Optimistic verification and conflict evidence between two in-process chains (SPEC §13): a
//! root counts only after its window, a dispute with the source's light client discards it and
//! pays the bond to the watcher once, unfounded conflicts harm nobody, a committee contradicted
//! by the light client freezes for good, watchers pause and guardians resume, and the native
//! supply stays exact throughout.

use std::ops::{Deref, DerefMut};

use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::wire::encode_checkpoint_update;
use strait_attest::{committee_id, Checkpoint, Committee, SignatureList};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, TxResult};
use strait_devnet_api::tx::{client_resume_digest, ClientUpdate, Tx, TxBody};
use strait_endpoint::BatchDelivery;
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_node::fees::{genesis_native_supply, native_balance, native_holders};
use strait_node::guardians::guardian_approvals;
use strait_node::optimistic::{bond_escrow, conflict_evidence};
use strait_node::state::keys;
use strait_optimistic::{Config, Conflict, Proposal};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Timestamp};
use strait_sim::fixtures::ChoosingVault;

use super::support::TwoChains;
use strait_sim::InProcessChain;
use strait_verifier::VerifierKind;

const VAULT: Address32 = Address32([0x79; 32]);
const WINDOW_MS: u64 = 10_000;
const BOND: u128 = 1_000_000;

fn key(label: &str) -> AccountKey {
    AccountKey::devnet(label)
}

/// The chains, the destination running the devnet's kinds and the vault, with this test's helpers.
struct Net(TwoChains);

impl Deref for Net {
    type Target = TwoChains;
    fn deref(&self) -> &TwoChains {
        &self.0
    }
}

impl DerefMut for Net {
    fn deref_mut(&mut self) -> &mut TwoChains {
        &mut self.0
    }
}

impl Net {
    fn new() -> Self {
        let mut ext = Extensions::devnet();
        ext.apps
            .register(
                VAULT,
                Box::new(ChoosingVault::new("optimistic-vault", ChainId(1))),
            )
            .unwrap();
        Self(TwoChains::new(ext))
    }

    /// `body` signed by `who` on the destination, in the next block 50 ms later (a method of
    /// its own, so that its arguments may borrow `self`).
    fn on_dest(&mut self, who: &AccountKey, body: TxBody) -> TxResult {
        self.0.on_dest(who, body)
    }

    fn send_to_vault(&mut self) {
        self.send(VAULT, b"optimistic");
    }

    /// The source's true proposal at its latest height.
    fn truth(&self) -> Proposal {
        let height = self.source.latest_height();
        Proposal {
            height,
            root: self
                .source
                .light_block(height)
                .unwrap()
                .header()
                .outbox_root,
            leaf_count: self.source.outbox_count(),
        }
    }

    /// The destination's light client of the source verifies the source's latest header.
    fn update_light_client(&mut self) {
        let bft = self.dest.verifier_of(ChainId(1)).unwrap();
        let block = self
            .source
            .light_block(self.source.latest_height())
            .unwrap();
        let relayed = self.on_dest(
            &key("relayer"),
            TxBody::Relay {
                updates: vec![ClientUpdate::bft(bft.client, bft.latest_height, &block)],
                advances: vec![],
                batches: vec![],
            },
        );
        assert!(relayed.success, "{relayed:?}");
    }

    fn light_client(&self) -> ClientId {
        self.dest.verifier_of(ChainId(1)).unwrap().client
    }

    /// Creates an optimistic client of chain 1 proposed by `proposers`, watched by `watchers`,
    /// and makes the vault trust it.
    fn optimistic(&mut self, proposers: &[&str], watchers: &[&str]) -> ClientId {
        let sorted = |labels: &[&str]| {
            let mut out: Vec<Address32> = labels.iter().map(|l| key(l).address()).collect();
            out.sort();
            out
        };
        let config = Config {
            window_ms: WINDOW_MS,
            bond: BOND,
            proposers: sorted(proposers),
            watchers: sorted(watchers),
        };
        let created = self.on_dest(
            &key("relayer"),
            TxBody::CreateClient {
                kind: VerifierKind::OPTIMISTIC,
                source: ChainId(1),
                init: config.encode(),
            },
        );
        assert!(created.success, "{created:?}");
        let client = created.client_id.unwrap();
        self.choose(client);
        client
    }

    fn choose(&mut self, client: ClientId) {
        let chose = self.on_dest(
            &key("relayer"),
            TxBody::AppCall {
                app: VAULT,
                data: client.to_be_bytes().to_vec(),
            },
        );
        assert!(chose.success, "{chose:?}");
    }

    fn deliver(&mut self, batch: &BatchDelivery) -> DeliveryStatus {
        let relayed = self.on_dest(
            &key("relayer"),
            TxBody::Relay {
                updates: vec![],
                advances: vec![],
                batches: vec![batch.clone()],
            },
        );
        relayed.deliveries[0].status
    }

    fn balance(&self, who: &Address32) -> u128 {
        native_balance(self.dest.state(), who)
    }

    fn frozen(&self, client: ClientId) -> bool {
        self.dest.verifier(client).unwrap().frozen
    }

    /// `[STRAIT-OPT.3]` The destination's native supply is exactly its holders' balances, the
    /// bond escrow among them.
    fn assert_supply_exact(&self) {
        let total: u128 = native_holders()
            .iter()
            .map(|a| native_balance(self.dest.state(), a))
            .sum();
        assert_eq!(total, genesis_native_supply());
    }
}

fn propose(client: ClientId, proposal: Proposal) -> TxBody {
    TxBody::ProposeRoot { client, proposal }
}

fn conflict(accused: ClientId, reference: ClientId, height: Height) -> TxBody {
    TxBody::SubmitConflict {
        conflict: Conflict {
            accused,
            reference,
            height,
        },
    }
}

fn fee(result: &TxResult) -> u128 {
    result.fee.parse().unwrap()
}

fn refused_as(result: &TxResult, name: &str) {
    assert!(!result.success, "{result:?}");
    let words = result.error.clone().unwrap_or_default();
    assert!(words.contains(&format!("({name})")), "{name}: {words}");
}

#[test]
fn a_root_is_unusable_before_its_window_and_usable_after_with_the_bond_returned() {
    let mut net = Net::new();
    let proposer = key("relayer-0");
    let client = net.optimistic(&["relayer-0"], &[]);
    net.send_to_vault();
    let batch = net.batch();
    let before = net.balance(&proposer.address());

    let proposed = net.on_dest(&proposer, propose(client, net.truth()));
    assert!(proposed.success, "{proposed:?}");
    assert_eq!(
        net.balance(&proposer.address()),
        before - fee(&proposed) - BOND
    );
    assert_eq!(net.balance(&bond_escrow()), BOND);
    net.assert_supply_exact();

    // Inside the window the root does not count: the message waits.
    assert_eq!(net.deliver(&batch), DeliveryStatus::Retry);
    let fees_so_far = net.balance(&proposer.address());
    // The block whose time reaches the maturity settles it (the root counts from the next one).
    net.tick(WINDOW_MS);
    assert_eq!(
        net.dest.verifier(client).unwrap().latest_height,
        batch.proof_height
    );
    assert_eq!(net.balance(&proposer.address()), fees_so_far + BOND);
    assert_eq!(net.balance(&bond_escrow()), 0);
    assert_eq!(net.deliver(&batch), DeliveryStatus::Executed);
    net.assert_supply_exact();
}

#[test]
fn only_a_listed_proposer_with_the_bond_may_propose() {
    let mut net = Net::new();
    let client = net.optimistic(&["relayer-0"], &[]);
    net.send_to_vault();
    let outsider = net.on_dest(&key("relayer-1"), propose(client, net.truth()));
    refused_as(&outsider, "NotProposer");
    net.assert_supply_exact();
}

#[test]
fn a_bond_is_taken_at_and_refused_past_the_proposer_balance() {
    let mut net = Net::new();
    net.send_to_vault();
    let truth = net.truth();
    // Two untouched proposers; the proposal transaction's fee is the same for both.
    let (exact, short) = (key("relayer-5"), key("relayer-6"));
    let sample = Tx {
        chain_id: net.dest.chain_id(),
        signer: exact.address(),
        nonce: 0,
        body: propose(ClientId(0), truth),
    }
    .sign(&exact);
    let tx_fee = strait_node::fees::FeeSchedule::DEVNET.tx_fee(strait_node::mempool::TxCost {
        signatures: 0,
        bytes: sample.encode().len(),
    });
    let balance = net.balance(&exact.address());
    assert_eq!(balance, net.balance(&short.address()));
    let bond = balance - tx_fee;
    let client_with_bond = |net: &mut Net, bond: u128| {
        let created = net.on_dest(
            &key("relayer"),
            TxBody::CreateClient {
                kind: VerifierKind::OPTIMISTIC,
                source: ChainId(1),
                init: Config {
                    window_ms: WINDOW_MS,
                    bond,
                    proposers: vec![],
                    watchers: vec![],
                }
                .encode(),
            },
        );
        created.client_id.unwrap()
    };
    let (at_limit, past_limit) = (
        client_with_bond(&mut net, bond),
        client_with_bond(&mut net, bond + 1),
    );
    // Past the limit: refused, nothing locked, only the fee taken.
    let refused = net.on_dest(&short, propose(past_limit, truth));
    refused_as(&refused, "InsufficientBalance");
    assert_eq!(fee(&refused), tx_fee);
    assert_eq!(net.balance(&short.address()), balance - tx_fee);
    assert_eq!(net.balance(&bond_escrow()), 0);
    // At the limit: everything the proposer holds after the fee is bonded.
    let taken = net.on_dest(&exact, propose(at_limit, truth));
    assert!(taken.success, "{taken:?}");
    assert_eq!(net.balance(&exact.address()), 0);
    assert_eq!(net.balance(&bond_escrow()), bond);
    net.assert_supply_exact();
    net.tick(WINDOW_MS);
    assert_eq!(net.balance(&exact.address()), bond);
    assert_eq!(net.balance(&bond_escrow()), 0);
    net.assert_supply_exact();
}

#[test]
fn a_dispute_discards_the_proposal_and_pays_the_bond_to_the_watcher_exactly_once() {
    let mut net = Net::new();
    let proposer = key("relayer-0");
    let watcher = key("watcher");
    let client = net.optimistic(&[], &[]);
    net.send_to_vault();
    let batch = net.batch();
    let truth = net.truth();
    let forged = Proposal {
        root: Hash32([0xf0; 32]),
        ..truth
    };
    let proposed = net.on_dest(&proposer, propose(client, forged));
    assert!(proposed.success, "{proposed:?}");
    // The watcher has the light client verify the real header, then shows the conflict.
    net.update_light_client();
    let before = net.balance(&watcher.address());
    let disputed = net.on_dest(&watcher, conflict(client, net.light_client(), truth.height));
    assert!(disputed.success, "{disputed:?}");
    assert_eq!(
        net.balance(&watcher.address()),
        before - fee(&disputed) + BOND
    );
    assert_eq!(net.balance(&bond_escrow()), 0);
    assert!(
        !net.frozen(client),
        "a discarded proposal does not freeze its client"
    );
    // Once: the proposal is gone, a second dispute finds nothing.
    let again = net.on_dest(&watcher, conflict(client, net.light_client(), truth.height));
    refused_as(&again, "NoAccusedRoot");
    // The window passes: nothing settles, the forged root never counts.
    net.tick(2 * WINDOW_MS);
    assert_eq!(net.dest.verifier(client).unwrap().latest_height, Height(0));
    assert_eq!(net.deliver(&batch), DeliveryStatus::Retry);
    // The honest proposer proposes above it and the message goes through.
    net.send_to_vault();
    let batch = net.batch();
    let honest = net.on_dest(&proposer, propose(client, net.truth()));
    assert!(honest.success, "{honest:?}");
    net.tick(WINDOW_MS);
    assert_eq!(net.deliver(&batch), DeliveryStatus::Executed);
    net.assert_supply_exact();
}

#[test]
fn unfounded_conflicts_are_refused_by_name_and_harm_nobody() {
    let mut net = Net::new();
    let watcher = key("watcher");
    let client = net.optimistic(&[], &[]);
    net.send_to_vault();
    let truth = net.truth();
    assert!(
        net.on_dest(&key("relayer-0"), propose(client, truth))
            .success
    );
    let lc = net.light_client();
    // No reference root at that height yet.
    let early = net.on_dest(&watcher, conflict(client, lc, truth.height));
    refused_as(&early, "NoReferenceRoot");
    net.update_light_client();
    // An honest proposal: same roots.
    refused_as(
        &net.on_dest(&watcher, conflict(client, lc, truth.height)),
        "NotConflicting",
    );
    // Itself as reference; the reference must be the source's light client.
    refused_as(
        &net.on_dest(&watcher, conflict(client, client, truth.height)),
        "SameClient",
    );
    let other = net.optimistic(&[], &[]);
    refused_as(
        &net.on_dest(&watcher, conflict(client, other, truth.height)),
        "NotReference",
    );
    // A client of another source.
    let elsewhere = net.on_dest(
        &watcher,
        TxBody::CreateClient {
            kind: VerifierKind::OPTIMISTIC,
            source: ChainId(7),
            init: Config {
                window_ms: 1,
                bond: 1,
                proposers: vec![],
                watchers: vec![],
            }
            .encode(),
        },
    );
    let elsewhere = elsewhere.client_id.unwrap();
    refused_as(
        &net.on_dest(&watcher, conflict(elsewhere, lc, truth.height)),
        "SourceMismatch",
    );
    refused_as(
        &net.on_dest(&watcher, conflict(ClientId(99), lc, truth.height)),
        "UnknownClient",
    );
    // Nobody harmed: nothing frozen, the bond still escrowed, the proposal still pending.
    for c in [client, other, elsewhere, lc] {
        assert!(!net.frozen(c));
    }
    assert_eq!(net.balance(&bond_escrow()), BOND);
    net.tick(WINDOW_MS);
    assert_eq!(net.balance(&bond_escrow()), 0);
    assert_eq!(
        net.dest.verifier(client).unwrap().latest_height,
        truth.height
    );
    net.assert_supply_exact();
}

fn certify(committee: &Committee, signers: &[EcdsaSigner], checkpoint: &Checkpoint) -> Vec<u8> {
    let id = committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());
    let message = checkpoint.sign_bytes(&id, 0);
    let mut signatures: Vec<(u16, [u8; 65])> = signers
        .iter()
        .map(|s| {
            let index = committee.members().position(|m| m == s.address()).unwrap();
            (index as u16, s.sign(&message))
        })
        .collect();
    signatures.sort_by_key(|(i, _)| *i);
    encode_checkpoint_update::<Ecdsa>(checkpoint, &SignatureList { signatures })
}

#[test]
fn a_committee_contradicted_by_the_light_client_is_frozen_for_good() {
    let mut net = Net::new();
    let members: Vec<EcdsaSigner> = (1..=4u8)
        .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
        .collect();
    let committee = Committee::from_members(
        3,
        members.iter().map(|m| m.address().to_vec()).collect(),
        20,
    )
    .unwrap();
    let created = net.on_dest(
        &key("relayer"),
        TxBody::CreateClient {
            kind: VerifierKind::ATTEST_ECDSA,
            source: ChainId(1),
            init: committee.encode(),
        },
    );
    let committee_client = created.client_id.unwrap();
    net.choose(committee_client);
    net.send_to_vault();
    let batch = net.batch();
    let truth = net.truth();
    // The whole committee colludes on a forged root.
    let forged = Checkpoint {
        source_chain: ChainId(1),
        outbox_root: Hash32([0xf0; 32]),
        leaf_count: truth.leaf_count,
        source_height: truth.height,
    };
    let update = |checkpoint: &Checkpoint| TxBody::Relay {
        updates: vec![ClientUpdate {
            client: committee_client,
            kind: VerifierKind::ATTEST_ECDSA,
            body: certify(&committee, &members[..3], checkpoint),
        }],
        advances: vec![],
        batches: vec![],
    };
    assert!(net.on_dest(&key("relayer"), update(&forged)).success);
    net.update_light_client();
    let frozen = net.on_dest(
        &key("watcher"),
        conflict(committee_client, net.light_client(), truth.height),
    );
    assert!(frozen.success, "{frozen:?}");
    assert!(net.frozen(committee_client));
    let evidence = conflict_evidence(net.dest.state(), committee_client).unwrap();
    assert_eq!(evidence.accused_root, forged.outbox_root);
    assert_eq!(evidence.reference_root, truth.root);
    // The route that depends on it stops (`ClientFrozen`): nothing is received under it; the
    // evidence cannot be shown twice.
    assert_eq!(net.deliver(&batch), DeliveryStatus::Rejected);
    assert_eq!(net.dest.received(&[batch.packets[0].id()]), vec![false]);
    refused_as(
        &net.on_dest(
            &key("watcher"),
            conflict(committee_client, net.light_client(), truth.height),
        ),
        "AlreadyFrozen",
    );
    // A later, valid update of the committee (the true checkpoint at a new height) changes the
    // kind's state; the host's freeze stays. So does a failing transaction that touches it.
    net.send_to_vault();
    let later = Checkpoint {
        source_chain: ChainId(1),
        outbox_root: net.truth().root,
        leaf_count: net.truth().leaf_count,
        source_height: net.truth().height,
    };
    let updated = net.on_dest(&key("relayer"), update(&later));
    assert!(updated.success, "{updated:?}");
    assert!(
        net.frozen(committee_client),
        "a later update does not thaw it"
    );
    let failing = net.on_dest(
        &key("relayer"),
        TxBody::Relay {
            updates: vec![
                ClientUpdate {
                    client: committee_client,
                    kind: VerifierKind::ATTEST_ECDSA,
                    body: certify(&committee, &members[..3], &later),
                },
                ClientUpdate {
                    client: committee_client,
                    kind: VerifierKind::ATTEST_ECDSA,
                    body: vec![0xff],
                },
            ],
            advances: vec![],
            batches: vec![],
        },
    );
    assert!(!failing.success);
    assert!(net.frozen(committee_client));
    assert_eq!(net.deliver(&net.batch()), DeliveryStatus::Rejected);
    // A restart: the freeze is committed state (the record and the evidence under 'y', which
    // the node's storage keeps like every state key), not memory.
    net.dest.restart();
    assert!(net.frozen(committee_client));
    assert!(net
        .dest
        .state()
        .get(&keys::conflict(committee_client))
        .is_some());
    assert_eq!(net.deliver(&net.batch()), DeliveryStatus::Rejected);
    net.assert_supply_exact();
}

#[test]
fn a_watcher_pauses_and_three_guardians_resume() {
    let mut net = Net::new();
    let watcher = key("watcher");
    let client = net.optimistic(&[], &["watcher"]);
    net.send_to_vault();
    let batch = net.batch();
    assert!(
        net.on_dest(&key("relayer-0"), propose(client, net.truth()))
            .success
    );
    refused_as(
        &net.on_dest(&key("mallory"), TxBody::WatcherPause { client }),
        "NotWatcher",
    );
    assert!(
        net.on_dest(&watcher, TxBody::WatcherPause { client })
            .success
    );
    refused_as(
        &net.on_dest(&watcher, TxBody::WatcherPause { client }),
        "AlreadyPaused",
    );
    // Paused: nothing matures, no new proposal.
    net.tick(2 * WINDOW_MS);
    assert_eq!(net.dest.verifier(client).unwrap().latest_height, Height(0));
    assert_eq!(net.deliver(&batch), DeliveryStatus::Retry);
    assert_eq!(net.balance(&bond_escrow()), BOND);
    let counter = net.dest.state().get_u64(keys::PAUSE_COUNTER);
    let digest = client_resume_digest(net.dest.chain_id(), client, counter);
    // Two guardians are not enough.
    refused_as(
        &net.on_dest(
            &watcher,
            TxBody::ResumeClient {
                client,
                approvals: guardian_approvals(&[0, 1], &digest),
            },
        ),
        "Threshold",
    );
    let resumed = net.on_dest(
        &watcher,
        TxBody::ResumeClient {
            client,
            approvals: guardian_approvals(&[0, 2, 4], &digest),
        },
    );
    assert!(resumed.success, "{resumed:?}");
    // A whole new window from the resume.
    net.tick(WINDOW_MS - 100);
    assert_eq!(net.dest.verifier(client).unwrap().latest_height, Height(0));
    net.tick(100);
    assert_eq!(net.deliver(&batch), DeliveryStatus::Executed);
    assert_eq!(net.balance(&bond_escrow()), 0);
    net.assert_supply_exact();
}

/// The [`strait_chain_client::DisputeChain`] methods the watcher and proposers call, on the
/// deterministic runtime: a forged proposal is seen through `pending_proposals` and
/// `client_root`, disputed with `submit_conflict` once the light client verified the height, and
/// an honest one settles.
#[test]
fn proposers_and_watchers_work_through_the_chain_client_traits() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use strait_chain_client::{
        DestinationChain, DisputeChain, RelayWork, SourceChain, VerifierUpdate,
    };
    use strait_runtime::deterministic::Executor;
    use strait_runtime::{Clock, Spawner};
    use strait_sim::SimChainClient;

    Executor::seeded(3)
        .run(|rt| async move {
            let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), 50);
            let source = Arc::new(Mutex::new(InProcessChain::genesis(
                specs[0],
                vec![specs[1]],
            )));
            let dest = Arc::new(Mutex::new(InProcessChain::genesis(
                specs[1],
                vec![specs[0]],
            )));
            for chain in [&source, &dest] {
                let (chain, rt2) = (chain.clone(), rt.clone());
                rt.spawn("producer", async move {
                    loop {
                        rt2.sleep(Duration::from_millis(50)).await;
                        let now = Timestamp(rt2.unix_time_ms());
                        chain.lock().unwrap().produce(now).unwrap();
                    }
                });
            }
            let poll = Duration::from_millis(10);
            let client = |chain: &Arc<Mutex<InProcessChain>>, label: &str| {
                SimChainClient::new(chain.clone(), rt.clone(), key(label), poll)
            };
            let (src, proposer, watcher) = (
                client(&source, "relayer"),
                client(&dest, "relayer-0"),
                client(&dest, "watcher"),
            );
            // An optimistic client of chain 1 on chain 2.
            let created = {
                let mut chain = dest.lock().unwrap();
                let who = key("relayer-1");
                let tx = Tx {
                    chain_id: ChainId(2),
                    signer: who.address(),
                    nonce: chain.account_nonce(&who.address()),
                    body: TxBody::CreateClient {
                        kind: VerifierKind::OPTIMISTIC,
                        source: ChainId(1),
                        init: Config {
                            window_ms: 500,
                            bond: BOND,
                            proposers: vec![],
                            watchers: vec![],
                        }
                        .encode(),
                    },
                }
                .sign(&who);
                chain.submit(tx).unwrap()
            };
            rt.sleep(Duration::from_millis(100)).await;
            let optimistic = dest
                .lock()
                .unwrap()
                .tx_result(&created)
                .unwrap()
                .client_id
                .unwrap();

            let height = SourceChain::latest_height(&src).await.unwrap();
            let block = src.light_block(height).await.unwrap();
            let truth = Proposal {
                height,
                root: block.header().outbox_root,
                leaf_count: 0,
            };
            let forged = Proposal {
                root: Hash32([0xf0; 32]),
                ..truth
            };
            assert_eq!(
                proposer
                    .propose_root(optimistic, forged)
                    .await
                    .unwrap()
                    .applied,
                Ok(())
            );
            let pending = watcher.pending_proposals(optimistic).await.unwrap();
            assert_eq!(pending.len(), 1);
            assert_eq!(pending[0].proposal, forged);
            assert_eq!(pending[0].bond, BOND);
            assert_eq!(
                watcher.client_root(optimistic, height).await.unwrap(),
                Some(forged.root)
            );

            // Too early: the light client has no root there yet.
            let lc = watcher.verifier_of(ChainId(1)).await.unwrap();
            let claim = Conflict {
                accused: optimistic,
                reference: lc.client,
                height,
            };
            let early = watcher.submit_conflict(claim).await.unwrap();
            assert_eq!(early.applied.unwrap_err().0, "NoReferenceRoot");
            let updated = watcher
                .relay(RelayWork {
                    updates: vec![VerifierUpdate::bft(lc.client, lc.latest_height, &block)],
                    ..RelayWork::default()
                })
                .await
                .unwrap();
            assert_eq!(updated.applied, Ok(()));
            assert_eq!(
                watcher.client_root(lc.client, height).await.unwrap(),
                Some(truth.root)
            );
            assert_eq!(
                watcher.submit_conflict(claim).await.unwrap().applied,
                Ok(())
            );
            assert!(watcher
                .pending_proposals(optimistic)
                .await
                .unwrap()
                .is_empty());

            // An honest proposal above it settles after the window.
            rt.sleep(Duration::from_millis(100)).await;
            let height = SourceChain::latest_height(&src).await.unwrap();
            let honest = Proposal {
                height,
                root: src.light_block(height).await.unwrap().header().outbox_root,
                leaf_count: 0,
            };
            assert_eq!(
                proposer
                    .propose_root(optimistic, honest)
                    .await
                    .unwrap()
                    .applied,
                Ok(())
            );
            rt.sleep(Duration::from_millis(700)).await;
            assert!(watcher
                .pending_proposals(optimistic)
                .await
                .unwrap()
                .is_empty());
            let info = dest.lock().unwrap().verifier(optimistic).unwrap();
            assert_eq!(info.latest_height, height);
            // A pause by a client that is not a watcher is refused by name.
            let refused = watcher.watcher_pause(optimistic).await.unwrap();
            assert_eq!(refused.applied.unwrap_err().0, "NotWatcher");
        })
        .unwrap();
}

/// The relayer's proposer (`strait_relayer::propose`) proposes the source's outbox to an
/// optimistic client once a message waits, only once for it, and the message executes under the
/// client once the window has passed.
#[test]
fn the_relayer_s_proposer_proposes_new_outboxes_and_messages_execute_after_the_window() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use strait_chain_client::{DestinationChain, RelayWork, SourceChain};
    use strait_relayer::propose::{ProposePolicy, Proposer};
    use strait_runtime::deterministic::Executor;
    use strait_runtime::{Clock, Spawner};
    use strait_sim::SimChainClient;

    Executor::seeded(9)
        .run(|rt| async move {
            let mut net = Net::new();
            let client = net.optimistic(&["relayer-0"], &[]);
            let TwoChains { source, dest, .. } = net.0;
            let (source, dest) = (Arc::new(Mutex::new(source)), Arc::new(Mutex::new(dest)));
            let start = rt.unix_time_ms().max(2_000_000);
            for chain in [&source, &dest] {
                let (chain, rt2) = (chain.clone(), rt.clone());
                rt.spawn("producer", async move {
                    let mut i = 0;
                    loop {
                        rt2.sleep(Duration::from_millis(100)).await;
                        i += 1;
                        chain
                            .lock()
                            .unwrap()
                            .produce(Timestamp(start + 100 * i))
                            .unwrap();
                    }
                });
            }
            let poll = Duration::from_millis(10);
            let src = SimChainClient::new(source.clone(), rt.clone(), key("relayer"), poll);
            let dst = SimChainClient::new(dest.clone(), rt.clone(), key("relayer-0"), poll);
            let mut proposer =
                Proposer::new(client, key("relayer-0").address(), ProposePolicy::default());
            // Nothing sent yet: nothing proposed.
            rt.sleep(Duration::from_millis(200)).await;
            assert_eq!(proposer.step(&src, &dst).await.unwrap(), None);
            let alice = key("alice");
            {
                let mut chain = source.lock().unwrap();
                let tx = Tx {
                    chain_id: ChainId(1),
                    signer: alice.address(),
                    nonce: chain.account_nonce(&alice.address()),
                    body: TxBody::Send {
                        destination_chain: ChainId(2),
                        receiver: VAULT,
                        options: DeliveryOptions::default(),
                        payload: b"optimistic".to_vec(),
                        gas_limit: 0,
                    },
                }
                .sign(&alice);
                chain.submit(tx).unwrap();
            }
            rt.sleep(Duration::from_millis(300)).await;
            let report = proposer.step(&src, &dst).await.unwrap().unwrap();
            assert_eq!(report.applied, Ok(()));
            let proposed = proposer.last().unwrap();
            assert_eq!(proposed.leaf_count, 1);
            // Nothing new: no second proposal (no second bond).
            rt.sleep(Duration::from_millis(300)).await;
            assert_eq!(proposer.step(&src, &dst).await.unwrap(), None);
            // Deliver at the proposed height: waits inside the window, executes after it.
            let page = src.outbox_page(ChainId(2), 0, 10).await.unwrap();
            let batch = BatchDelivery {
                packets: vec![Packet::clone(&page.messages[0].packet)],
                proof: src.multiproof(&[0], proposed.height).await.unwrap(),
                proof_height: proposed.height,
            };
            let work = || RelayWork {
                batches: vec![batch.clone()],
                ..RelayWork::default()
            };
            let early = dst.relay(work()).await.unwrap();
            assert_eq!(early.deliveries[0].status, DeliveryStatus::Retry);
            rt.sleep(Duration::from_millis(WINDOW_MS + 200)).await;
            let late = dst.relay(work()).await.unwrap();
            assert_eq!(late.deliveries[0].status, DeliveryStatus::Executed);
        })
        .unwrap();
}
