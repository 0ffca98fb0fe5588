//! Attester committees on a devnet chain (`[STRAIT-ATTEST.*]`): a receiver chooses a 3-of-4 ECDSA
//! committee client of its source; its message executes only under a checkpoint the committee's
//! threshold certified, and standalone evidence of an equivocation freezes the client.

use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::wire::{encode_checkpoint_update, encode_evidence};
use strait_attest::{committee_id, Checkpoint, Committee, SignatureList};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, TxResult};
use strait_devnet_api::tx::{ClientUpdate, TxBody};
use strait_endpoint::BatchDelivery;
use strait_node::extensions::Extensions;
use strait_primitives::{Address32, ChainId, Hash32};
use strait_sim::fixtures::ChoosingVault;

use super::support::TwoChains;
use strait_verifier::VerifierKind;

const VAULT: Address32 = Address32([0x78; 32]);

/// The chains, the destination running the devnet's own kinds (committees among them) and the
/// test application.
fn net() -> TwoChains {
    let mut ext = Extensions::devnet();
    ext.apps
        .register(
            VAULT,
            Box::new(ChoosingVault::new("attested-vault", ChainId(1))),
        )
        .unwrap();
    TwoChains::new(ext)
}

/// A message to the vault, then every message sent so far proven at the source's latest height,
/// and the checkpoint of that height.
fn send_to_vault(net: &mut TwoChains) -> (BatchDelivery, Checkpoint) {
    net.send(VAULT, b"attested");
    let height = net.source.latest_height();
    let checkpoint = Checkpoint {
        source_chain: net.source.chain_id(),
        outbox_root: net.source.light_block(height).unwrap().header().outbox_root,
        leaf_count: net.source.outbox_count(),
        source_height: height,
    };
    (net.batch(), checkpoint)
}

fn certify(
    committee: &Committee,
    id: &Hash32,
    signers: &[&EcdsaSigner],
    checkpoint: &Checkpoint,
) -> SignatureList<65> {
    let message = checkpoint.sign_bytes(id, 0);
    let mut signatures: Vec<(u16, [u8; 65])> = signers
        .iter()
        .map(|s| {
            let index = committee.members().position(|m| m == s.address()).unwrap();
            (index as u16, s.sign(&message))
        })
        .collect();
    signatures.sort_by_key(|(i, _)| *i);
    SignatureList { signatures }
}

#[test]
fn a_message_executes_under_a_committee_certified_root_and_equivocation_freezes_the_client() {
    let mut net = net();
    let relayer = AccountKey::devnet("relayer");
    let members: Vec<EcdsaSigner> = (1..=4u8)
        .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
        .collect();
    let committee = Committee::from_members(
        3,
        members.iter().map(|m| m.address().to_vec()).collect(),
        20,
    )
    .unwrap();
    let id = committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());

    let created = net.on_dest(
        &relayer,
        TxBody::CreateClient {
            kind: VerifierKind::ATTEST_ECDSA,
            source: ChainId(1),
            init: committee.encode(),
        },
    );
    assert!(created.success, "{created:?}");
    let attested = created.client_id.unwrap();
    let chose = net.on_dest(
        &relayer,
        TxBody::AppCall {
            app: VAULT,
            data: attested.to_be_bytes().to_vec(),
        },
    );
    assert!(chose.success, "{chose:?}");

    let (batch, checkpoint) = send_to_vault(&mut net);
    let vault_id = batch.packets[0].id();
    let status = |r: &TxResult| {
        r.deliveries
            .iter()
            .find(|d| d.id == vault_id)
            .unwrap()
            .status
    };
    let relay = |update: Option<Vec<u8>>, batch: &BatchDelivery| TxBody::Relay {
        updates: update
            .map(|body| ClientUpdate {
                client: attested,
                kind: VerifierKind::ATTEST_ECDSA,
                body,
            })
            .into_iter()
            .collect(),
        advances: vec![],
        batches: vec![batch.clone()],
    };

    // Without a certified root the message waits.
    let waiting = net.on_dest(&relayer, relay(None, &batch));
    assert_eq!(status(&waiting), DeliveryStatus::Retry);
    // Two of four members are not enough: the update, and so the transaction, is refused.
    let two = certify(&committee, &id, &[&members[0], &members[1]], &checkpoint);
    let weak = net.on_dest(
        &relayer,
        relay(
            Some(encode_checkpoint_update::<Ecdsa>(&checkpoint, &two)),
            &batch,
        ),
    );
    assert!(!weak.success);
    let why = weak.error.unwrap();
    assert!(why.contains("2 signers, the threshold is 3"), "{why}");
    // Three of four: the root is verified and the message executes.
    let quorum = [&members[0], &members[2], &members[3]];
    let three = certify(&committee, &id, &quorum, &checkpoint);
    let certified = net.on_dest(
        &relayer,
        relay(
            Some(encode_checkpoint_update::<Ecdsa>(&checkpoint, &three)),
            &batch,
        ),
    );
    assert!(certified.success, "{certified:?}");
    assert_eq!(status(&certified), DeliveryStatus::Executed);
    let record = net.dest.verifier(attested).unwrap();
    assert_eq!(record.latest_height, checkpoint.source_height);
    assert!(!record.frozen);

    // The committee equivocates: another root for the same leaf count. Anyone submits both.
    let mut forged = checkpoint;
    forged.outbox_root = Hash32([0xf0; 32]);
    let evidence = encode_evidence::<Ecdsa>(
        &(checkpoint, three),
        &(forged, certify(&committee, &id, &quorum, &forged)),
    );
    let frozen = net.on_dest(
        &relayer,
        TxBody::Misbehaviour {
            client: attested,
            kind: VerifierKind::ATTEST_ECDSA,
            evidence,
        },
    );
    assert!(frozen.success, "{frozen:?}");
    assert!(net.dest.verifier(attested).unwrap().frozen);
    // A frozen client vouches for nothing: the next message waits for ever.
    let (batch, checkpoint) = send_to_vault(&mut net);
    let later = batch.packets[1].id();
    let after = net.on_dest(&relayer, relay(None, &batch));
    let later_status = after
        .deliveries
        .iter()
        .find(|d| d.id == later)
        .unwrap()
        .status;
    assert_ne!(later_status, DeliveryStatus::Executed);
    let refused = net.on_dest(
        &relayer,
        relay(
            Some(encode_checkpoint_update::<Ecdsa>(
                &checkpoint,
                &certify(&committee, &id, &quorum, &checkpoint),
            )),
            &batch,
        ),
    );
    assert!(!refused.success);
}
