//! The native chain's light client in BLS mode (kind 5, `NativeLightClient`) behind
//! `EvmDestination`: created from a set of Rust BLS validators (the constructor, then their
//! proofs of possession admitted), described as a kind-5 client at its trusted height, moved by
//! kind 5's update bytes as the Rust kind encodes them, with a batch delivered under the verified
//! root in the same relay; an update without enough signing power fails the relay and moves
//! nothing.

use alloy::providers::Provider;
use alloy::sol_types::SolCall;
use strait_chain_client::{
    DeliveryStatus, DestinationChain, RelayFailure, RelayWork, VerifierKind, VerifierUpdate,
};
use strait_evm_client::abi::native_lc::NativeLightClient;
use strait_evm_client::deploy::{self, NativeLcInit};
use strait_evm_client::destination::{client_id_of, EvmDestination};

use strait_light_client::bls::{
    sign_bls_commit, BlsConsensusState, BlsLightBlock, BlsSigner, BlsValidatorSet,
};
use strait_light_client::{Header, Options, TrustThreshold};
use strait_merkle::{LeafIndex, MerkleTree};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Hash32, Height, Nonce, Timestamp};

const SOURCE: u64 = 9;
const DEST: u64 = 31_337;

/// Four validators of power 10, sorted as their set.
fn validators() -> (Vec<BlsSigner>, BlsValidatorSet) {
    let mut signers: Vec<BlsSigner> = (1..=4u8).map(|i| BlsSigner::from_ikm(&[i; 32])).collect();
    signers.sort_by_key(BlsSigner::public_key);
    let set = BlsValidatorSet::new(signers.iter().map(|s| s.validator(10)).collect()).unwrap();
    (signers, set)
}

/// A header of the source at `height`, time `ms`, committing to `outbox_root`, signed by `by`.
fn block(
    set: &BlsValidatorSet,
    by: &[&BlsSigner],
    height: u64,
    ms: u64,
    outbox_root: Hash32,
) -> BlsLightBlock {
    let header = Header {
        chain_id: ChainId(SOURCE),
        height: Height(height),
        timestamp: Timestamp(ms),
        parent_hash: Hash32([1; 32]),
        app_state_root: Hash32([2; 32]),
        outbox_root,
        validators_hash: set.hash(),
        next_validators_hash: set.hash(),
    };
    BlsLightBlock {
        commit: sign_bls_commit(&header, set, set, by),
        header,
        validators: set.clone(),
        next_validators: set.clone(),
    }
}

/// The input of the first transaction in block `number`.
async fn first_input(provider: &alloy::providers::DynProvider, number: u64) -> Vec<u8> {
    let tx = provider
        .get_block_by_number(number.into())
        .full()
        .await
        .unwrap()
        .unwrap()
        .transactions
        .into_transactions()
        .next()
        .unwrap();
    alloy::consensus::Transaction::input(&tx).to_vec()
}

#[tokio::test]
async fn a_kind_5_update_and_a_batch_deliver_under_the_native_light_client() {
    let (anvil, provider, endpoint) = crate::support::anvil_with_endpoint(DEST).await;
    let now_ms = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp
        * 1000;

    // The client trusts the source's header at height 10, created in bounded steps.
    let (signers, set) = validators();
    let all: Vec<&BlsSigner> = signers.iter().collect();
    let trusted = block(&set, &all, 10, now_ms - 20_000, Hash32([0; 32]));
    let options = Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 24 * 3600 * 1000,
        max_clock_drift_ms: 10_000,
    };
    let creation = NativeLcInit::new(&options, &BlsConsensusState::from_block(&trusted));
    assert_eq!(creation.init.len(), 32 + 112 + 4 + 4 * 104);
    let lc = deploy::deploy_native_light_client(&provider, SOURCE, &creation)
        .await
        .unwrap();
    let contract = NativeLightClient::new(lc, provider.clone());
    assert_eq!(contract.initialSetAdmitted().call().await.unwrap(), 4);
    deploy::trust_remote(&provider, endpoint, SOURCE, lc)
        .await
        .unwrap();
    let receiver = crate::support::accept_all_app(&provider).await;

    let txm = crate::support::relayer_txm(&anvil.url()).await;
    let dest = EvmDestination::new(txm, endpoint)
        .await
        .unwrap()
        .with_verifier(lc, VerifierKind::BFT_BLS);
    let info = dest.verifier_of(ChainId(SOURCE)).await.unwrap();
    assert_eq!(info.client, client_id_of(lc));
    assert_eq!(info.kind, VerifierKind::BFT_BLS);
    assert_eq!(info.source, ChainId(SOURCE));
    assert_eq!(info.latest_height, Height(10));
    assert!(!info.frozen);

    // Three messages of the source, its header at height 12 committing to them.
    let packets: Vec<Packet> = (1..=3)
        .map(|n| Packet {
            nonce: Nonce(n),
            source_chain: ChainId(SOURCE),
            sender: Address32([0xaa; 32]),
            destination_chain: ChainId(DEST),
            receiver,
            options: DeliveryOptions::default(),
            payload: vec![n as u8; 40],
        })
        .collect();
    let mut tree = MerkleTree::new();
    for p in &packets {
        tree.append(&p.id()).unwrap();
    }
    let leaves: Vec<LeafIndex> = (0..3).map(LeafIndex).collect();
    let batch = strait_endpoint::BatchDelivery {
        packets: packets.clone(),
        proof: tree.multiproof(&leaves, tree.count()).unwrap(),
        proof_height: Height(12),
    };
    let ids: Vec<_> = packets.iter().map(Packet::id).collect();

    // Signed by two of four (20 of 40, not more than two thirds): the relay fails, nothing moves.
    let weak = block(&set, &all[..2], 12, now_ms - 10_000, tree.root());
    let refused = dest
        .relay(RelayWork {
            updates: vec![VerifierUpdate::bft_bls(info.client, Height(10), &weak)],
            advances: vec![],
            batches: vec![batch.clone()],
        })
        .await
        .unwrap();
    let Err(RelayFailure::UpdateInvalid(reason)) = &refused.applied else {
        panic!("{:?}", refused.applied);
    };
    assert!(reason.contains("InsufficientSigningPower"), "{reason}");
    assert!(refused.deliveries.is_empty());
    assert_eq!(dest.verifier_of(ChainId(SOURCE)).await.unwrap(), info);
    assert_eq!(dest.received(&ids).await.unwrap(), [false; 3]);

    // Signed by three of four: the header is verified and kept, the batch delivered under it.
    let good = block(&set, &all[..3], 12, now_ms - 10_000, tree.root());
    let report = dest
        .relay(RelayWork {
            updates: vec![VerifierUpdate::bft_bls(info.client, Height(10), &good)],
            advances: vec![],
            batches: vec![batch.clone()],
        })
        .await
        .unwrap();
    assert_eq!(report.applied, Ok(()));
    assert!(report.updates_kept, "a light client keeps its update");
    // The header's set is the client's registered trusted next set: the update went compact (the
    // transaction before the batch's), a few hundred calldata bytes instead of the sets'.
    let input = first_input(&provider, report.height.get() - 1).await;
    assert_eq!(
        input[..4],
        NativeLightClient::updateCompactCall::SELECTOR,
        "updateCompact"
    );
    assert!(input.len() < 600, "{} calldata bytes", input.len());
    assert_eq!(report.deliveries.len(), 3);
    assert!(report
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::Executed));
    let moved = dest.verifier_of(ChainId(SOURCE)).await.unwrap();
    assert_eq!(moved.latest_height, Height(12));
    let (_, frozen, root) = {
        let r = contract.rootAt(12).call().await.unwrap();
        (r._0, r._1, r._2)
    };
    assert!(!frozen);
    assert_eq!(root.0, tree.root().0);
    assert_eq!(dest.received(&ids).await.unwrap(), [true; 3]);
    // A watcher reads the verified header from its log: its hash and root.
    assert_eq!(
        strait_watcher::VerifierReader::vouched(&dest, info.client, Height(0), 8)
            .await
            .unwrap(),
        vec![strait_watcher::Vouched::Header {
            height: Height(12),
            header_hash: good.header.hash(),
            outbox_root: tree.root(),
        }]
    );

    // A header of another set (validator 5 for one of the four): not the registered trusted next
    // set, so the full update goes, with the new set's proofs of possession; three of the four
    // trusted validators among its signers are more than a third of the trusted set.
    let mut rotated: Vec<BlsSigner> = [1u8, 2, 3, 5]
        .iter()
        .map(|&i| BlsSigner::from_ikm(&[i; 32]))
        .collect();
    rotated.sort_by_key(BlsSigner::public_key);
    let new_set = BlsValidatorSet::new(rotated.iter().map(|s| s.validator(10)).collect()).unwrap();
    let by: Vec<&BlsSigner> = rotated.iter().collect();
    let skipped = block(&new_set, &by, 14, now_ms - 5_000, tree.root());
    let full = dest
        .relay(RelayWork {
            updates: vec![VerifierUpdate::bft_bls(info.client, Height(12), &skipped)],
            ..RelayWork::default()
        })
        .await
        .unwrap();
    assert_eq!(full.applied, Ok(()));
    let input = first_input(&provider, full.height.get()).await;
    assert_eq!(
        input[..4],
        NativeLightClient::updateCall::SELECTOR,
        "the full update"
    );
    assert_eq!(
        dest.verifier_of(ChainId(SOURCE))
            .await
            .unwrap()
            .latest_height,
        Height(14)
    );

    // A replay of the batch is already received; the same update again is a duplicate.
    let again = dest
        .relay(RelayWork {
            updates: vec![VerifierUpdate::bft_bls(info.client, Height(10), &good)],
            advances: vec![],
            batches: vec![batch],
        })
        .await
        .unwrap();
    assert_eq!(again.applied, Ok(()));
    assert!(again
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryStatus::AlreadyReceived));
}
