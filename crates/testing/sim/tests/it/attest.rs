//! Attester committees on a devnet chain (`[STRAIT-ATTEST.*]`): a receiver chooses a 3-of-4 ECDSA
//! committee client of its source; its message executes only under a checkpoint the committee's
//! threshold certified, and standalone evidence of an equivocation freezes the client.

use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::wire::{encode_checkpoint_update, encode_evidence};
use strait_attest::{committee_id, Checkpoint, Committee, SignatureList};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, TxResult};
use strait_devnet_api::tx::{ClientUpdate, SignedTx, Tx, TxBody};
use strait_endpoint::{AppError, BatchDelivery};
use strait_node::apps::{App, AppCallError, AppContext};
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Timestamp};
use strait_sim::InProcessChain;
use strait_verifier::VerifierKind;

const VAULT: Address32 = Address32([0x78; 32]);

/// An application that trusts whichever client of chain 1 a call names, and acks every message.
struct Vault;

impl App for Vault {
    fn name(&self) -> &'static str {
        "attested-vault"
    }
    fn receive(&self, _: &mut AppContext<'_>, _: &Packet) -> Result<Vec<u8>, AppError> {
        Ok(b"ok".to_vec())
    }
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let client: [u8; 8] = data
            .try_into()
            .map_err(|_| AppCallError::BadData("client id"))?;
        ctx.choose_client(ChainId(1), ClientId(u64::from_be_bytes(client)))
            .map_err(AppCallError::Refused)
    }
}

struct Net {
    source: InProcessChain,
    dest: InProcessChain,
    now: u64,
}

impl Net {
    fn new() -> Self {
        let specs = devnet_specs(2, 4, Timestamp(1_000_000), 50);
        // The devnet's own kinds include the committees; only the test application is added.
        let mut ext = Extensions::devnet();
        ext.apps.register(VAULT, Box::new(Vault)).unwrap();
        Self {
            source: InProcessChain::genesis(specs[0], vec![specs[1]]),
            dest: InProcessChain::genesis_with(specs[1], vec![specs[0]], Box::leak(Box::new(ext))),
            now: 1_000_000,
        }
    }

    fn on_dest(&mut self, body: TxBody) -> TxResult {
        let who = AccountKey::devnet("relayer");
        let tx: SignedTx = Tx {
            chain_id: self.dest.chain_id(),
            signer: who.address(),
            nonce: self.dest.account_nonce(&who.address()),
            body,
        }
        .sign(&who);
        let hash = self.dest.submit(tx).unwrap();
        self.now += 50;
        self.dest.produce(Timestamp(self.now)).unwrap();
        self.dest.tx_result(&hash).unwrap().clone()
    }

    fn send_to_vault(&mut self) {
        let alice = AccountKey::devnet("alice");
        let tx = Tx {
            chain_id: self.source.chain_id(),
            signer: alice.address(),
            nonce: self.source.account_nonce(&alice.address()),
            body: TxBody::Send {
                destination_chain: self.dest.chain_id(),
                receiver: VAULT,
                options: DeliveryOptions::default(),
                payload: b"attested".to_vec(),
                gas_limit: 0,
            },
        }
        .sign(&alice);
        self.source.submit(tx).unwrap();
        self.now += 50;
        self.source.produce(Timestamp(self.now)).unwrap();
    }

    /// Every message sent so far, proven at the source's latest height, and the checkpoint of
    /// that height.
    fn batch(&self) -> (BatchDelivery, Checkpoint) {
        let height = self.source.latest_height();
        let page = self.source.outbox_page(self.dest.chain_id(), 0, 100);
        let leaves: Vec<u64> = page.messages.iter().map(|m| m.leaf_index).collect();
        let batch = BatchDelivery {
            packets: page
                .messages
                .iter()
                .map(|m| Packet::clone(&m.packet))
                .collect(),
            proof: self.source.multiproof(&leaves, height).unwrap(),
            proof_height: height,
        };
        let checkpoint = Checkpoint {
            source_chain: self.source.chain_id(),
            outbox_root: self
                .source
                .light_block(height)
                .unwrap()
                .header()
                .outbox_root,
            leaf_count: self.source.outbox_count(),
            source_height: height,
        };
        (batch, checkpoint)
    }
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
    let id = committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());

    let created = net.on_dest(TxBody::CreateClient {
        kind: VerifierKind::ATTEST_ECDSA,
        source: ChainId(1),
        init: committee.encode(),
    });
    assert!(created.success, "{created:?}");
    let attested = created.client_id.unwrap();
    let chose = net.on_dest(TxBody::AppCall {
        app: VAULT,
        data: attested.to_be_bytes().to_vec(),
    });
    assert!(chose.success, "{chose:?}");

    net.send_to_vault();
    let (batch, checkpoint) = net.batch();
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
    let waiting = net.on_dest(relay(None, &batch));
    assert_eq!(status(&waiting), DeliveryStatus::Retry);
    // Two of four members are not enough: the update, and so the transaction, is refused.
    let two = certify(&committee, &id, &[&members[0], &members[1]], &checkpoint);
    let weak = net.on_dest(relay(
        Some(encode_checkpoint_update::<Ecdsa>(&checkpoint, &two)),
        &batch,
    ));
    assert!(!weak.success);
    let why = weak.error.unwrap();
    assert!(why.contains("2 signers, the threshold is 3"), "{why}");
    // Three of four: the root is verified and the message executes.
    let quorum = [&members[0], &members[2], &members[3]];
    let three = certify(&committee, &id, &quorum, &checkpoint);
    let certified = net.on_dest(relay(
        Some(encode_checkpoint_update::<Ecdsa>(&checkpoint, &three)),
        &batch,
    ));
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
    let frozen = net.on_dest(TxBody::Misbehaviour {
        client: attested,
        kind: VerifierKind::ATTEST_ECDSA,
        evidence,
    });
    assert!(frozen.success, "{frozen:?}");
    assert!(net.dest.verifier(attested).unwrap().frozen);
    // A frozen client vouches for nothing: the next message waits for ever.
    net.send_to_vault();
    let (batch, checkpoint) = net.batch();
    let later = batch.packets[1].id();
    let after = net.on_dest(relay(None, &batch));
    let later_status = after
        .deliveries
        .iter()
        .find(|d| d.id == later)
        .unwrap()
        .status;
    assert_ne!(later_status, DeliveryStatus::Executed);
    let refused = net.on_dest(relay(
        Some(encode_checkpoint_update::<Ecdsa>(
            &checkpoint,
            &certify(&committee, &id, &quorum, &checkpoint),
        )),
        &batch,
    ));
    assert!(!refused.success);
}
