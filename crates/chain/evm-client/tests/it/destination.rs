//! `EvmDestination` against anvil with a real ECDSA committee verifier: an update and a batch
//! deliver exactly once in one `verifyAndCall` transaction (the checkpoint not kept), a replay is
//! already received, a tampered packet or proof is refused at the dry run (no gas, no nonce), a
//! bad certificate fails the relay, a conflicting one freezes the client and delivers nothing.

use std::sync::Arc;

use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider};
use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::{committee_id, wire, Checkpoint, Committee, SignatureList};
use strait_chain_client::{
    ChainError, DeliveryStatus, DestinationChain, RelayFailure, RelayWork, VerifierKind,
    VerifierUpdate,
};
use strait_endpoint::BatchDelivery;
use strait_evm_client::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::anvil::Anvil;
use strait_evm_client::deploy;
use strait_evm_client::destination::{client_id_of, EvmDestination};
use strait_merkle::{LeafIndex, MerkleTree};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Nonce};

const SOURCE: u64 = 7;
const DEST: u64 = 31_337;

struct Net {
    _anvil: Anvil,
    provider: DynProvider,
    dest: EvmDestination,
    committee: Address,
    signers: Vec<EcdsaSigner>,
    members: Committee,
    receiver: Address32,
}

async fn setup() -> Net {
    let (anvil, provider, endpoint) = crate::support::anvil_with_endpoint(DEST).await;
    // A 2-of-3 committee.
    let signers: Vec<EcdsaSigner> = (1..=3u8)
        .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
        .collect();
    let members = Committee::from_members(
        2,
        signers.iter().map(|s| s.address().to_vec()).collect(),
        20,
    )
    .unwrap();
    let committee = deploy::deploy_ecdsa_committee(&provider, SOURCE, members.encode_wire(&[]))
        .await
        .unwrap();
    deploy::trust_remote(&provider, endpoint, SOURCE, committee)
        .await
        .unwrap();
    let receiver = crate::support::accept_all_app(&provider).await;
    // The relayer: another key, so its nonces start at 0.
    let txm = crate::support::relayer_txm(&anvil.url()).await;
    let dest = EvmDestination::new(txm, endpoint).await.unwrap();
    Net {
        _anvil: anvil,
        provider,
        dest,
        committee,
        signers,
        members,
        receiver,
    }
}

fn packet(receiver: Address32, nonce: u64) -> Packet {
    Packet {
        nonce: Nonce(nonce),
        source_chain: ChainId(SOURCE),
        sender: Address32([0xaa; 32]),
        destination_chain: ChainId(DEST),
        receiver,
        options: DeliveryOptions::default(),
        payload: vec![nonce as u8; 40],
    }
}

/// The source's outbox of `packets`: the root and a batch of all of them at `height`.
fn outbox(packets: Vec<Packet>, height: u64) -> (Hash32, BatchDelivery) {
    let mut tree = MerkleTree::new();
    for p in &packets {
        tree.append(&p.id()).unwrap();
    }
    let leaves: Vec<LeafIndex> = (0..packets.len() as u64).map(LeafIndex).collect();
    let proof = tree.multiproof(&leaves, tree.count()).unwrap();
    (
        tree.root(),
        BatchDelivery {
            packets,
            proof,
            proof_height: Height(height),
        },
    )
}

/// A relay of one batch.
async fn relay_batch(
    dest: &EvmDestination,
    batch: BatchDelivery,
) -> strait_chain_client::RelayReport {
    dest.relay(RelayWork {
        batches: vec![batch],
        ..RelayWork::default()
    })
    .await
    .unwrap()
}

/// A relay of one update and one batch (one `verifyAndCall` when the batch is at its height).
async fn relay_one(
    dest: &EvmDestination,
    update: VerifierUpdate,
    batch: BatchDelivery,
) -> strait_chain_client::RelayReport {
    dest.relay(RelayWork {
        updates: vec![update],
        advances: vec![],
        batches: vec![batch],
    })
    .await
    .unwrap()
}

/// A checkpoint update of the committee, certified by `signers` (indices into the sorted members).
fn update(net: &Net, root: Hash32, leaves: u64, height: u64, by: &[usize]) -> VerifierUpdate {
    let checkpoint = checkpoint(root, leaves, height);
    VerifierUpdate {
        client: client_id_of(net.committee),
        kind: VerifierKind::ATTEST_ECDSA,
        height: Height(height),
        body: wire::encode_checkpoint_update::<Ecdsa>(&checkpoint, &certify(net, &checkpoint, by)),
    }
}

/// A checkpoint of the source.
fn checkpoint(root: Hash32, leaves: u64, height: u64) -> Checkpoint {
    Checkpoint {
        source_chain: ChainId(SOURCE),
        outbox_root: root,
        leaf_count: leaves,
        source_height: Height(height),
    }
}

/// The signatures of `by` (indices into the sorted members) on `checkpoint`.
fn certify(net: &Net, checkpoint: &Checkpoint, by: &[usize]) -> SignatureList<65> {
    let id = committee_id(VerifierKind::ATTEST_ECDSA.0, &net.members.encode());
    let message = checkpoint.sign_bytes(&id, 0);
    let mut signatures: Vec<(u16, [u8; 65])> = by
        .iter()
        .map(|i| {
            let signer = &net.signers[*i];
            let index = net
                .members
                .members()
                .position(|m| m == signer.address())
                .unwrap();
            (index as u16, signer.sign(&message))
        })
        .collect();
    signatures.sort_by_key(|(i, _)| *i);
    SignatureList { signatures }
}

#[tokio::test]
async fn a_relay_delivers_once_and_a_replay_is_already_received() {
    let net = setup().await;
    // A relayer keeping the committee current relays before asking `verifier_of`: the update's
    // client is the default verifier of the checkpoint's source.
    let fresh = EvmDestination::new(net.dest.txm().clone(), net.dest.endpoint())
        .await
        .unwrap();
    let (early_root, _) = outbox(vec![packet(net.receiver, 9)], 2);
    let early = fresh
        .relay(RelayWork {
            updates: vec![update(&net, early_root, 1, 2, &[0, 1])],
            ..RelayWork::default()
        })
        .await
        .unwrap();
    assert_eq!(early.applied, Ok(()));
    assert_eq!(
        fresh.client_address(client_id_of(net.committee)),
        Some(net.committee)
    );
    // An id no verifier has fails the relay, sending nothing.
    let mut stranger = update(&net, early_root, 1, 3, &[0, 1]);
    stranger.client = strait_primitives::ClientId(stranger.client.0 ^ 1);
    let refused = net
        .dest
        .relay(RelayWork {
            updates: vec![stranger],
            ..RelayWork::default()
        })
        .await
        .unwrap();
    assert!(matches!(
        refused.applied,
        Err(RelayFailure::UpdateInvalid(_))
    ));

    let dest = &net.dest;
    assert_eq!(dest.chain_id(), ChainId(DEST));
    // The committee is the default verifier of the source, recognised by its code.
    let info = dest.verifier_of(ChainId(SOURCE)).await.unwrap();
    assert_eq!(info.kind, VerifierKind::ATTEST_ECDSA);
    assert_eq!(info.client, client_id_of(net.committee));
    assert_eq!(info.source, ChainId(SOURCE));
    assert_eq!(info.latest_height, Height(2));
    assert!(!info.frozen);
    assert_eq!(dest.client_address(info.client), Some(net.committee));
    let err = dest.verifier_of(ChainId(8)).await.unwrap_err();
    assert!(matches!(err, ChainError::Refused { .. }), "{err}");
    let route = dest
        .route_verifiers(net.receiver, ChainId(SOURCE))
        .await
        .unwrap();
    assert!(route.is_default);
    assert_eq!(route.clients, vec![info]);

    let packets: Vec<Packet> = (1..=3).map(|n| packet(net.receiver, n)).collect();
    let ids: Vec<_> = packets.iter().map(Packet::id).collect();
    let shared: Vec<Arc<Packet>> = packets.iter().cloned().map(Arc::new).collect();
    assert_eq!(dest.received(&ids).await.unwrap(), [false; 3]);
    assert_eq!(
        dest.received_packets(&ids, &shared).await.unwrap(),
        [false; 3]
    );
    let (root, batch) = outbox(packets, 5);
    let relayer = dest.txm().address();
    let sent_before = net.provider.get_transaction_count(relayer).await.unwrap();
    let report = relay_one(dest, update(&net, root, 3, 5, &[0, 2]), batch.clone()).await;
    assert_eq!(report.applied, Ok(()));
    // One transaction, `verifyAndCall`: the checkpoint checked for it, not kept.
    assert!(!report.updates_kept);
    assert_eq!(
        net.provider.get_transaction_count(relayer).await.unwrap(),
        sent_before + 1
    );
    assert_eq!(report.deliveries.len(), 3);
    for (d, id) in report.deliveries.iter().zip(&ids) {
        assert_eq!(d.id, *id);
        assert_eq!(d.status, DeliveryStatus::Executed, "{:?}", d.reason);
    }
    assert_eq!(dest.received(&ids).await.unwrap(), [true; 3]);
    assert_eq!(
        dest.received_packets(&ids, &shared).await.unwrap(),
        [true; 3]
    );
    assert_eq!(
        dest.verifier_of(ChainId(SOURCE))
            .await
            .unwrap()
            .latest_height,
        Height(2),
        "the checkpoint at 5 was not stored"
    );

    // The same batch again, with its certificate (the root was not kept) and a route advance,
    // so in parts: each message already received, nothing executed twice; the checkpoint now
    // stored; and the route's contiguous counter advanced over the three.
    let route = batch.packets[0].route().id();
    let replay = dest
        .relay(RelayWork {
            updates: vec![update(&net, root, 3, 5, &[1, 2])],
            advances: vec![route],
            batches: vec![batch],
        })
        .await
        .unwrap();
    let endpoint = StraitEndpoint::new(dest.endpoint(), net.provider.clone());
    assert_eq!(
        endpoint
            .contiguousOf(alloy::primitives::B256::from(route.0))
            .call()
            .await
            .unwrap(),
        3
    );
    assert_eq!(replay.applied, Ok(()));
    assert!(replay.updates_kept);
    assert_eq!(
        dest.verifier_of(ChainId(SOURCE))
            .await
            .unwrap()
            .latest_height,
        Height(5)
    );
    for d in &replay.deliveries {
        assert_eq!(d.status, DeliveryStatus::AlreadyReceived, "{:?}", d.reason);
    }
    assert!(replay.height > report.height);
}

/// With a confirmation depth, a reception counts once it is that deep: until then a relayer takes
/// the message as still to deliver (a reorganisation within the depth may take the reception
/// back), and delivering it again is answered `AlreadyReceived`.
#[tokio::test]
async fn a_reception_counts_once_it_is_as_deep_as_the_confirmations() {
    let net = setup().await;
    let dest = net.dest.clone().with_confirmations(2);
    let packets = vec![packet(net.receiver, 1)];
    let ids: Vec<_> = packets.iter().map(Packet::id).collect();
    let shared: Vec<Arc<Packet>> = packets.iter().cloned().map(Arc::new).collect();
    let (root, batch) = outbox(packets, 5);
    let report = relay_one(&dest, update(&net, root, 1, 5, &[0, 1]), batch.clone()).await;
    assert_eq!(report.deliveries[0].status, DeliveryStatus::Executed);
    assert_eq!(dest.received(&ids).await.unwrap(), [true], "at the head");
    // One transaction, the committee's packed verify-and-deliver call around `receiveMessage`
    // with the packet's inclusion proof (a batch of one), not `receiveBatch` with the multiproof.
    let tx = net
        .provider
        .get_transaction_by_hash(alloy::primitives::B256::from(report.hash.0))
        .await
        .unwrap()
        .unwrap();
    let input = alloy::consensus::Transaction::input(&tx).to_vec();
    let (_, target, data) = strait_evm_client::abi::packed::split(&input).expect("packed");
    assert_eq!(target, dest.endpoint());
    let call = <StraitEndpoint::receiveMessageCall as alloy::sol_types::SolCall>::abi_decode(data)
        .expect("receiveMessage");
    assert_eq!(call.proof.to_vec(), batch.proof.single().unwrap().encode());
    assert_eq!(
        net.dest.received_packets(&ids, &shared).await.unwrap(),
        [true]
    );
    for mined in 0..2 {
        assert_eq!(
            dest.received_packets(&ids, &shared).await.unwrap(),
            [false],
            "{mined} blocks above it"
        );
        let _: serde_json::Value = net
            .provider
            .raw_request("evm_mine".into(), ())
            .await
            .unwrap();
    }
    assert_eq!(dest.received_packets(&ids, &shared).await.unwrap(), [true]);
    let again = relay_one(&dest, update(&net, root, 1, 5, &[1, 2]), batch).await;
    assert_eq!(again.deliveries[0].status, DeliveryStatus::AlreadyReceived);
}

#[tokio::test]
async fn tampered_deliveries_and_bad_updates_are_refused_at_the_dry_run() {
    let net = setup().await;
    let dest = &net.dest;
    let relayer = dest.txm().address();
    let packets: Vec<Packet> = (1..=2).map(|n| packet(net.receiver, n)).collect();
    let (root, batch) = outbox(packets.clone(), 4);

    // A certificate of one signer, under a threshold of two: the relay fails, nothing is sent.
    let info = dest.verifier_of(ChainId(SOURCE)).await.unwrap();
    let weak = relay_one(dest, update(&net, root, 2, 4, &[1]), batch.clone()).await;
    let Err(RelayFailure::UpdateInvalid(reason)) = &weak.applied else {
        panic!("{:?}", weak.applied);
    };
    assert!(reason.contains("InsufficientSigners"), "{reason}");
    assert!(weak.deliveries.is_empty());
    assert_eq!(weak.hash, Hash32([0; 32]));
    assert_eq!(
        net.provider.get_transaction_count(relayer).await.unwrap(),
        0
    );
    assert_eq!(
        dest.verifier_of(ChainId(SOURCE)).await.unwrap(),
        info,
        "the client did not move"
    );

    // Verify the root, then deliver a tampered packet under it.
    let ok = dest
        .relay(RelayWork {
            updates: vec![update(&net, root, 2, 4, &[0, 1])],
            ..RelayWork::default()
        })
        .await
        .unwrap();
    assert_eq!(ok.applied, Ok(()));
    assert_eq!(
        net.provider.get_transaction_count(relayer).await.unwrap(),
        1
    );
    let mut tampered = batch.clone();
    tampered.packets[1].payload.push(0);
    let mut bad_proof = batch.clone();
    bad_proof.proof.hashes[0].0[0] ^= 1;
    for bad in [tampered, bad_proof] {
        let ids: Vec<_> = bad.packets.iter().map(Packet::id).collect();
        let report = relay_batch(dest, bad).await;
        assert_eq!(report.applied, Ok(()));
        assert_eq!(report.deliveries.len(), 2);
        for (d, id) in report.deliveries.iter().zip(&ids) {
            assert_eq!(d.id, *id);
            assert_eq!(d.status, DeliveryStatus::Rejected);
            let reason = d.reason.as_deref().unwrap();
            assert!(reason.starts_with("RootMismatch: got: 0x"), "{reason}");
        }
        // No transaction: no nonce, no gas.
        assert_eq!(
            net.provider.get_transaction_count(relayer).await.unwrap(),
            1
        );
    }
    // Nothing was lost: the honest batch still delivers both.
    let ids: Vec<_> = packets.iter().map(Packet::id).collect();
    assert_eq!(dest.received(&ids).await.unwrap(), [false; 2]);
    let report = relay_batch(dest, batch).await;
    assert!(report
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::Executed));
}

#[tokio::test]
async fn a_skipped_message_is_reported_by_its_error() {
    let net = setup().await;
    let dest = &net.dest;
    // An ordered message with nonce 2 while 1 is missing: skipped with `OutOfOrder`, retried later.
    let mut early = packet(net.receiver, 2);
    early.options.ordered = true;
    let (root, batch) = outbox(vec![early.clone()], 3);
    dest.verifier_of(ChainId(SOURCE)).await.unwrap();
    let report = relay_one(dest, update(&net, root, 1, 3, &[1, 2]), batch).await;
    assert_eq!(report.applied, Ok(()));
    assert_eq!(report.deliveries.len(), 1);
    let d = &report.deliveries[0];
    assert_eq!(d.id, early.id());
    assert_eq!(d.status, DeliveryStatus::Retry);
    assert_eq!(d.reason.as_deref(), Some("OutOfOrder: missing: 1"));
    assert_eq!(
        dest.received(&[early.id()]).await.unwrap(),
        [false],
        "not received"
    );
}

#[tokio::test]
async fn a_verified_delivery_keeps_no_checkpoint_and_falls_back_to_parts_when_refused() {
    let net = setup().await;
    let dest = &net.dest;
    let relayer = dest.txm().address();
    let committee = EcdsaCommitteeVerifier::new(net.committee, net.provider.clone());
    let nonce = || async { net.provider.get_transaction_count(relayer).await.unwrap() };
    let packets: Vec<Packet> = (1..=3).map(|n| packet(net.receiver, n)).collect();
    let ids: Vec<_> = packets.iter().map(Packet::id).collect();
    let (root, batch) = outbox(packets.clone(), 4);
    let cert = update(&net, root, 3, 4, &[0, 1]);

    // The first message alone, verified and delivered in one transaction.
    let (first_root, first) = outbox(packets[..1].to_vec(), 3);
    let report = relay_one(dest, update(&net, first_root, 1, 3, &[1, 2]), first).await;
    assert_eq!(report.applied, Ok(()));
    assert!(!report.updates_kept);
    assert_eq!(report.deliveries[0].status, DeliveryStatus::Executed);
    assert_eq!(nonce().await, 1);
    let stored = committee.checkpointAt(3).call().await.unwrap();
    assert!(!stored.stored, "a verified delivery keeps no checkpoint");

    // Its root is not verified after that transaction: the next message alone at that height
    // waits for an update.
    let mut tree = MerkleTree::new();
    for p in &packets[..2] {
        tree.append(&p.id()).unwrap();
    }
    let second = BatchDelivery {
        packets: vec![packets[1].clone()],
        proof: tree.multiproof(&[LeafIndex(1)], tree.count()).unwrap(),
        proof_height: Height(3),
    };
    let waits = relay_batch(dest, second).await;
    assert_eq!(waits.deliveries.len(), 1);
    assert_eq!(waits.deliveries[0].status, DeliveryStatus::Retry);
    let reason = waits.deliveries[0].reason.as_deref().unwrap();
    assert!(reason.starts_with("RootNotVerified"), "{reason}");

    // A good certificate with a tampered batch: the combined dry run reverts, the parts go on
    // their own: the update is stored (kept), the batch refused by its dry run.
    let mut tampered = batch.clone();
    tampered.packets[2].payload.push(0);
    let parts = relay_one(dest, cert.clone(), tampered).await;
    assert_eq!(parts.applied, Ok(()));
    assert!(parts.updates_kept);
    assert!(parts
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::Rejected));
    assert!(committee.checkpointAt(4).call().await.unwrap().stored);
    let sent = nonce().await;

    // The honest batch under the stored checkpoint: its certificate is answered `Duplicate`.
    let report = relay_one(dest, cert, batch).await;
    assert_eq!(report.applied, Ok(()));
    assert_eq!(nonce().await, sent + 1);
    let statuses: Vec<_> = report.deliveries.iter().map(|d| d.status).collect();
    assert_eq!(
        statuses,
        [
            DeliveryStatus::AlreadyReceived,
            DeliveryStatus::Executed,
            DeliveryStatus::Executed
        ]
    );
    assert_eq!(dest.received(&ids).await.unwrap(), [true; 3]);

    // A certified checkpoint that conflicts with the stored one at its height freezes the
    // client: the relay fails, nothing is delivered.
    let extra = packet(net.receiver, 4);
    let (forged_root, forged) = outbox(vec![extra.clone()], 4);
    let conflict = relay_one(dest, update(&net, forged_root, 1, 4, &[0, 2]), forged).await;
    let Err(RelayFailure::UpdateInvalid(reason)) = &conflict.applied else {
        panic!("{:?}", conflict.applied);
    };
    assert!(reason.contains("froze"), "{reason}");
    assert!(conflict.deliveries.is_empty());
    assert!(dest.verifier_of(ChainId(SOURCE)).await.unwrap().frozen);
    assert_eq!(dest.received(&[extra.id()]).await.unwrap(), [false]);
}

/// A watcher reads the committee's stored checkpoints from its logs, and its equivocation evidence
/// (two conflicting checkpoints, each certified) freezes the contract; evidence the contract
/// refuses (one signature under a threshold of two) is refused at the dry run and costs nothing.
#[tokio::test]
async fn a_watcher_reads_stored_checkpoints_and_equivocation_evidence_freezes_the_committee() {
    use strait_watcher::{EvidenceSink, VerifierReader, Vouched};
    let net = setup().await;
    let dest = &net.dest;
    let relayer = dest.txm().address();
    let client = client_id_of(net.committee);
    assert!(VerifierReader::clients(dest, ClientId(0), 8)
        .await
        .unwrap()
        .is_empty());
    let info = dest.verifier_of(ChainId(SOURCE)).await.unwrap();
    assert_eq!(
        VerifierReader::clients(dest, ClientId(0), 8).await.unwrap(),
        vec![info]
    );
    assert!(VerifierReader::clients(dest, ClientId(client.0 + 1), 8)
        .await
        .unwrap()
        .is_empty());

    // A checkpoint relayed on its own is stored, and read back from its log.
    let root = Hash32([0x11; 32]);
    let stored = dest
        .relay(RelayWork {
            updates: vec![update(&net, root, 2, 4, &[0, 1])],
            ..RelayWork::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.applied, Ok(()));
    let vouched = dest.vouched(client, Height(0), 8).await.unwrap();
    assert_eq!(vouched, vec![Vouched::Checkpoint(checkpoint(root, 2, 4))]);
    assert!(dest.vouched(client, Height(5), 8).await.unwrap().is_empty());
    let sent = net.provider.get_transaction_count(relayer).await.unwrap();

    // Two checkpoints of one leaf count with other roots.
    let first = checkpoint(Hash32([0x21; 32]), 3, 6);
    let second = checkpoint(Hash32([0x22; 32]), 3, 7);
    let weak = wire::encode_evidence::<Ecdsa>(
        &(first, certify(&net, &first, &[0])),
        &(second, certify(&net, &second, &[0])),
    );
    let refused = dest
        .submit_misbehaviour(client, VerifierKind::ATTEST_ECDSA, weak)
        .await
        .unwrap();
    let Err(reason) = &refused.applied else {
        panic!("{refused:?}");
    };
    assert!(reason.contains("InsufficientSigners"), "{reason}");
    assert_eq!(refused.hash, Hash32([0; 32]));
    assert_eq!(
        net.provider.get_transaction_count(relayer).await.unwrap(),
        sent
    );
    assert!(!dest.describe(net.committee).await.unwrap().frozen);

    let evidence = wire::encode_evidence::<Ecdsa>(
        &(first, certify(&net, &first, &[0, 1])),
        &(second, certify(&net, &second, &[1, 2])),
    );
    let applied = dest
        .submit_misbehaviour(client, VerifierKind::ATTEST_ECDSA, evidence.clone())
        .await
        .unwrap();
    assert_eq!(applied.applied, Ok(()));
    assert_ne!(applied.hash, Hash32([0; 32]));
    assert!(dest.describe(net.committee).await.unwrap().frozen);
    // A frozen client vouches for nothing; the same evidence again is refused (`Frozen`).
    assert!(dest.vouched(client, Height(0), 8).await.unwrap().is_empty());
    let again = dest
        .submit_misbehaviour(client, VerifierKind::ATTEST_ECDSA, evidence)
        .await
        .unwrap();
    assert!(
        again.applied.as_ref().is_err_and(|r| r.contains("Frozen")),
        "{again:?}"
    );

    // Unknown clients, other kinds and conflicts are refused without a transaction.
    for result in [
        dest.submit_misbehaviour(ClientId(9), VerifierKind::ATTEST_ECDSA, vec![1])
            .await,
        dest.submit_misbehaviour(client, VerifierKind::BFT_BLS, vec![1])
            .await,
        dest.submit_conflict(client, ClientId(9), Height(4)).await,
    ] {
        assert!(
            matches!(result, Err(ChainError::Refused { .. })),
            "{result:?}"
        );
    }
    assert!(dest.vouched(ClientId(9), Height(0), 8).await.is_err());
}
