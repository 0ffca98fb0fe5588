//! End to end on the deterministic runtime: a source chain, four attesters of a 3-of-4 ECDSA (or
//! ed25519, or BLS) committee, a destination whose receiving app chose the committee's client, and
//! the relayer (`relay_attested`) assembling certificates from the attesters' boards (for BLS, one
//! aggregate). Below the threshold nothing executes; at the threshold every message executes under
//! a certified root; an attester killed and restarted on its record publishes one root per leaf
//! count, never two; a member publishing garbage signatures is left out of the certificates.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_attest::{committee_id, Committee};
use strait_attester::{
    committee_of, Attester, AttesterConfig, AttesterKey, Board, Boards, Publish, SigningRecord,
};
use strait_chain_client::{Attestation, ChainError, OutboxHistory, OutboxState, VerifierKind};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_packet::DeliveryOptions;
use strait_primitives::{Address32, ChainId, Height, MessageId, Timestamp};
use strait_relayer::{relay_attested, Attested, AttestedClient, Metrics};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, JoinHandle, Spawner};
use strait_sim::fixtures::{
    produce_every, quick_settings, relayer_links, source_and_dest, ChoosingVault,
};
use strait_sim::InProcessChain;

use crate::support::temp_path;

const BLOCK_MS: u64 = 50;
const VAULT: Address32 = Address32([0x79; 32]);

/// An in-process source as an attester sees it. Its outbox size at a height is counted from its
/// messages to `destination`: every message of these tests goes there.
#[derive(Clone)]
struct InProcessSource {
    chain: Arc<Mutex<InProcessChain>>,
    id: ChainId,
    destination: ChainId,
}

impl OutboxHistory for InProcessSource {
    fn chain_id(&self) -> ChainId {
        self.id
    }
    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(self.chain.lock().unwrap().latest_height())
    }
    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        let chain = self.chain.lock().unwrap();
        let block = chain.light_block(height).ok_or(ChainError::Refused {
            chain: self.id,
            what: "outbox",
            reason: "no block".into(),
        })?;
        let page = chain.outbox_page(self.destination, 0, 4096);
        let count = page.messages.iter().filter(|m| m.height <= height).count() as u64;
        Ok(OutboxState {
            height,
            root: block.header().outbox_root,
            count,
        })
    }
}

/// A board that also keeps every signature it was ever given, to look for two roots.
#[derive(Clone, Default)]
struct Witness {
    board: Board,
    seen: Arc<Mutex<Vec<Attestation>>>,
}

impl Publish for Witness {
    fn publish(&self, attestation: Attestation) {
        self.seen.lock().unwrap().push(attestation.clone());
        self.board.publish(attestation);
    }
}

/// A member that publishes, for each checkpoint it records, a valid signature of other bytes.
#[derive(Clone)]
struct GarbageSigning {
    key: AttesterKey,
    witness: Witness,
}

impl Publish for GarbageSigning {
    fn publish(&self, mut attestation: Attestation) {
        attestation.signature = self.key.sign(b"garbage, not a checkpoint's sign bytes");
        self.witness.publish(attestation);
    }
}

fn submit(
    chain: &Arc<Mutex<InProcessChain>>,
    who: &AccountKey,
    body: TxBody,
) -> strait_primitives::Hash32 {
    let mut chain = chain.lock().unwrap();
    let tx = Tx {
        chain_id: chain.chain_id(),
        signer: who.address(),
        nonce: chain.account_nonce(&who.address()),
        body,
    }
    .sign(who);
    chain.submit(tx).unwrap()
}

fn spawn_attester(
    rt: &Runtime,
    source: &InProcessSource,
    key: AttesterKey,
    path: &std::path::Path,
    witness: impl Publish,
    config: AttesterConfig,
) -> JoinHandle<()> {
    let record = Arc::new(SigningRecord::open(path).unwrap());
    let attester = Attester::start(source.clone(), key, record, witness, config).unwrap();
    let rt2 = rt.clone();
    rt.spawn("attester", async move {
        attester.run(rt2, std::future::pending()).await.unwrap();
    })
}

/// `garbage`: the committee's lowest member runs from the start but publishes garbage signatures.
async fn scenario(rt: Runtime, kind: VerifierKind, garbage: bool) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let mut ext = Extensions::devnet();
    ext.apps
        .register(
            VAULT,
            Box::new(ChoosingVault::new("attested-vault", ChainId(1))),
        )
        .unwrap();
    let (source, dest) = source_and_dest(&specs, ext);

    // The committee: four devnet attesters, threshold 3; its client on the destination, chosen
    // by the vault.
    let mut keys: Vec<AttesterKey> = (1..=4)
        .map(|i| AttesterKey::devnet(kind, i).unwrap())
        .collect();
    if garbage {
        // keys[3], the garbage signer, is member 0: first in line for a certificate.
        keys.sort_by_key(AttesterKey::member);
        keys.rotate_left(1);
    }
    let (committee, init): (Committee, Vec<u8>) = committee_of(3, &keys).unwrap();
    let id = committee_id(kind.get(), &committee.encode());
    let bob = AccountKey::devnet("bob");
    let created = submit(
        &dest,
        &bob,
        TxBody::CreateClient {
            kind,
            source: ChainId(1),
            init,
        },
    );
    dest.lock()
        .unwrap()
        .produce(Timestamp(rt.unix_time_ms()))
        .unwrap();
    let client = dest
        .lock()
        .unwrap()
        .tx_result(&created)
        .unwrap()
        .client_id
        .unwrap();
    let chose = submit(
        &dest,
        &bob,
        TxBody::AppCall {
            app: VAULT,
            data: client.to_be_bytes().to_vec(),
        },
    );
    dest.lock()
        .unwrap()
        .produce(Timestamp(rt.unix_time_ms() + 1))
        .unwrap();
    assert!(dest.lock().unwrap().tx_result(&chose).unwrap().success);

    produce_every(&rt, [&source, &dest], BLOCK_MS);

    let history = InProcessSource {
        chain: source.clone(),
        id: ChainId(1),
        destination: ChainId(2),
    };
    let config = AttesterConfig {
        poll_interval: Duration::from_millis(BLOCK_MS / 2),
        ..AttesterConfig::new(id, 0)
    };
    let witnesses: Vec<Witness> = (0..4).map(|_| Witness::default()).collect();
    let paths: Vec<_> = (0..4)
        .map(|i| temp_path(&format!("e2e-{}-{garbage}-{i}", kind.get())))
        .collect();

    // The relayer, reading all four boards.
    let clients = relayer_links(&rt, [&source, &dest], "relayer-0", BLOCK_MS / 2);
    let attested = Attested {
        source: Some(Arc::new(Boards(
            witnesses.iter().map(|w| w.board.clone()).collect(),
        ))),
        routes: Vec::new(),
        clients: vec![AttestedClient {
            source: ChainId(1),
            destination: ChainId(2),
            client,
            kind,
            committee: committee.clone(),
            committee_id: id,
            epoch: 0,
            receivers: vec![VAULT],
        }],
    };
    let settings = quick_settings();
    let metrics = Arc::new(Metrics::default());
    rt.spawn(
        "relayer",
        relay_attested(
            rt.clone(),
            clients,
            settings,
            metrics,
            attested,
            std::future::pending(),
        ),
    );

    // Messages to the vault.
    let alice = AccountKey::devnet("alice");
    let send = |payload: u8| {
        submit(
            &source,
            &alice,
            TxBody::Send {
                destination_chain: ChainId(2),
                receiver: VAULT,
                options: DeliveryOptions::default(),
                payload: vec![payload],
                gas_limit: 0,
            },
        )
    };
    for i in 0..5 {
        send(i);
    }
    let ids = |chain: &Arc<Mutex<InProcessChain>>| -> Vec<MessageId> {
        chain
            .lock()
            .unwrap()
            .outbox_page(ChainId(2), 0, 4096)
            .messages
            .iter()
            .map(|m| m.id)
            .collect()
    };
    let received = |ids: &[MessageId]| dest.lock().unwrap().received(ids);

    // Two attesters, below the threshold: nothing executes, however long.
    let mut running: Vec<JoinHandle<()>> = (0..2)
        .map(|i| {
            spawn_attester(
                &rt,
                &history,
                keys[i].clone(),
                &paths[i],
                witnesses[i].clone(),
                config,
            )
        })
        .collect();
    if garbage {
        running.push(spawn_attester(
            &rt,
            &history,
            keys[3].clone(),
            &paths[3],
            GarbageSigning {
                key: keys[3].clone(),
                witness: witnesses[3].clone(),
            },
            config,
        ));
    }
    rt.sleep(Duration::from_millis(40 * BLOCK_MS)).await;
    let sent = ids(&source);
    assert_eq!(sent.len(), 5);
    assert!(!witnesses[0].board.is_empty());
    assert!(
        received(&sent).iter().all(|r| !r),
        "executed below the threshold"
    );

    // A third attester starts, is killed mid-run and restarted on its record.
    let third = spawn_attester(
        &rt,
        &history,
        keys[2].clone(),
        &paths[2],
        witnesses[2].clone(),
        config,
    );
    rt.sleep(Duration::from_millis(3 * BLOCK_MS / 2)).await;
    third.abort();
    for i in 5..10 {
        send(i);
    }
    rt.sleep(Duration::from_millis(5 * BLOCK_MS)).await;
    running.push(spawn_attester(
        &rt,
        &history,
        keys[2].clone(),
        &paths[2],
        witnesses[2].clone(),
        config,
    ));

    // At the threshold every message executes, under certified roots.
    let mut done = false;
    for _ in 0..400 {
        let sent = ids(&source);
        if sent.len() == 10 && received(&sent).iter().all(|r| *r) {
            done = true;
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    assert!(done, "messages did not all execute at the threshold");
    let info = dest.lock().unwrap().verifier(client).unwrap();
    assert!(info.latest_height > Height(0));
    assert!(!info.frozen);

    // No attester, the restarted one included, ever published two roots for one leaf count.
    for witness in &witnesses {
        let mut roots: BTreeMap<u64, strait_primitives::Hash32> = BTreeMap::new();
        for a in witness.seen.lock().unwrap().iter() {
            let root = roots
                .entry(a.checkpoint.leaf_count)
                .or_insert(a.checkpoint.outbox_root);
            assert_eq!(
                *root, a.checkpoint.outbox_root,
                "two roots for leaf count {}",
                a.checkpoint.leaf_count
            );
        }
    }
    assert!(witnesses[2].seen.lock().unwrap().len() >= 2);
    if garbage {
        // The garbage signer published throughout, and was left out of every certificate.
        assert!(!witnesses[3].board.is_empty());
    }
    for handle in running {
        handle.abort();
    }
}

#[test]
fn messages_execute_under_ecdsa_certified_roots_only_at_the_threshold() {
    Executor::seeded(9)
        .run(|rt| scenario(rt, VerifierKind::ATTEST_ECDSA, false))
        .unwrap();
}

#[test]
fn messages_execute_under_ed25519_certified_roots_only_at_the_threshold() {
    Executor::seeded(10)
        .run(|rt| scenario(rt, VerifierKind::ATTEST_ED25519, false))
        .unwrap();
}

#[test]
fn messages_execute_under_bls_aggregated_roots_only_at_the_threshold() {
    Executor::seeded(11)
        .run(|rt| scenario(rt, VerifierKind::ATTEST_BLS, false))
        .unwrap();
}

#[test]
fn a_bls_member_signing_garbage_is_left_out_and_the_rest_certify() {
    Executor::seeded(12)
        .run(|rt| scenario(rt, VerifierKind::ATTEST_BLS, true))
        .unwrap();
}
