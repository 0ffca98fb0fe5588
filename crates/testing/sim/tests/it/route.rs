//! A route requiring "the light client AND 2 of 3 committees, 2 blocks final"
//! (`[STRAIT-ROUTE.*]`), end to end on the deterministic runtime: the receiving application sets
//! the config (an event), the relayer reads it and picks, each round, a proof height the light
//! client and two committees can all vouch for. With one committee's attesters publishing, the
//! route's messages wait while other receivers' messages flow under the default; when a second
//! committee publishes, every message executes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_attest::ecdsa::EcdsaSigner;
use strait_attest::{committee_id, Checkpoint, Committee};
use strait_chain_client::{Attestation, AttestationSource, BoxFuture, VerifierKind};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_endpoint::{AppError, SecurityConfig};
use strait_node::apps::{App, AppCallError, AppContext};
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, MessageId, Timestamp};
use strait_relayer::route::SecuredRoute;
use strait_relayer::{relay_attested, Attested, AttestedClient, Metrics};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Spawner};
use strait_sim::fixtures::{produce_every, quick_settings, relayer_links, source_and_dest};
use strait_sim::InProcessChain;

use super::BLOCK_MS;

pub(super) const GUARDED: Address32 = Address32([0x7a; 32]);
pub(super) const PLAIN: Address32 = Address32([0x7b; 32]);
const FINALITY: u64 = 2;

/// A receiver that sets the security config a call carries (its canonical encoding) for chain 1,
/// and acks every message.
pub(super) struct Guarded;

impl App for Guarded {
    fn name(&self) -> &'static str {
        "guarded"
    }
    fn receive(&self, _: &mut AppContext<'_>, _: &Packet) -> Result<Vec<u8>, AppError> {
        Ok(b"ok".to_vec())
    }
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        // A trailing 0xff byte: set the config, then fail the call.
        let (data, fail) = match data.split_last() {
            Some((0xff, rest)) => (rest, true),
            _ => (data, false),
        };
        let config =
            SecurityConfig::decode(data).map_err(|_| AppCallError::BadData("security config"))?;
        ctx.set_security_config(ChainId(1), config)
            .map_err(AppCallError::Refused)?;
        match fail {
            true => Err(AppCallError::BadData("failing after the config was set")),
            false => Ok(()),
        }
    }
}

/// The attesters of the committees that publish, simulated: each signs the source's checkpoint
/// at every height the test asks, with every member.
#[derive(Clone, Default)]
pub(super) struct Board {
    pub(super) by_count: Arc<Mutex<BTreeMap<u64, Vec<Attestation>>>>,
}

impl AttestationSource for Board {
    fn attestations(&self, _: ChainId, leaf_count: u64) -> BoxFuture<'_, Vec<Attestation>> {
        let found = self
            .by_count
            .lock()
            .unwrap()
            .get(&leaf_count)
            .cloned()
            .unwrap_or_default();
        Box::pin(async move { found })
    }
    fn latest(&self, _: ChainId) -> BoxFuture<'_, Vec<Attestation>> {
        let found = self
            .by_count
            .lock()
            .unwrap()
            .values()
            .next_back()
            .cloned()
            .unwrap_or_default();
        Box::pin(async move { found })
    }
}

pub(super) struct CommitteeKeys {
    members: Vec<EcdsaSigner>,
    pub(super) committee: Committee,
    pub(super) id: Hash32,
}

impl CommitteeKeys {
    pub(super) fn new(seed: u8) -> Self {
        let members: Vec<EcdsaSigner> = (0..3u8)
            .map(|i| EcdsaSigner::from_secret([seed * 16 + i + 1; 32]).unwrap())
            .collect();
        let committee = Committee::from_members(
            2,
            members.iter().map(|m| m.address().to_vec()).collect(),
            20,
        )
        .unwrap();
        let id = committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());
        Self {
            members,
            committee,
            id,
        }
    }

    pub(super) fn sign(&self, checkpoint: Checkpoint) -> Vec<Attestation> {
        let message = checkpoint.sign_bytes(&self.id, 0);
        self.members
            .iter()
            .map(|m| Attestation {
                checkpoint,
                kind: VerifierKind::ATTEST_ECDSA,
                committee_id: self.id,
                epoch: 0,
                signer: m.address().to_vec(),
                signature: m.sign(&message).to_vec(),
            })
            .collect()
    }
}

pub(super) fn submit(chain: &Arc<Mutex<InProcessChain>>, who: &AccountKey, body: TxBody) -> Hash32 {
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

/// Submits `body` on `chain`, produces a block, returns whether it succeeded and its client id.
pub(super) fn run(
    rt: &Runtime,
    chain: &Arc<Mutex<InProcessChain>>,
    body: TxBody,
) -> (bool, Option<ClientId>) {
    let hash = submit(chain, &AccountKey::devnet("bob"), body);
    let mut chain = chain.lock().unwrap();
    chain.produce(Timestamp(rt.unix_time_ms())).unwrap();
    let result = chain.tx_result(&hash).unwrap();
    (result.success, result.client_id)
}

/// An ECDSA committee client of chain 1 on `dest` for each of `keys`, as the relayer sees it
/// serving the guarded receiver.
pub(super) fn committee_clients(
    rt: &Runtime,
    dest: &Arc<Mutex<InProcessChain>>,
    keys: &[CommitteeKeys],
) -> Vec<AttestedClient> {
    keys.iter()
        .map(|k| {
            let (ok, client) = run(
                rt,
                dest,
                TxBody::CreateClient {
                    kind: VerifierKind::ATTEST_ECDSA,
                    source: ChainId(1),
                    init: k.committee.encode(),
                },
            );
            assert!(ok);
            AttestedClient {
                source: ChainId(1),
                destination: ChainId(2),
                client: client.unwrap(),
                kind: VerifierKind::ATTEST_ECDSA,
                committee: k.committee.clone(),
                committee_id: k.id,
                epoch: 0,
                receivers: vec![GUARDED],
            }
        })
        .collect()
}

/// The checkpoint of `chain`'s outbox to chain 2 at `height`.
pub(super) fn checkpoint(chain: &InProcessChain, height: Height) -> Checkpoint {
    let count = chain
        .outbox_page(ChainId(2), 0, 4096)
        .messages
        .iter()
        .filter(|m| m.height <= height)
        .count() as u64;
    Checkpoint {
        source_chain: ChainId(1),
        outbox_root: chain.light_block(height).unwrap().header().outbox_root,
        leaf_count: count,
        source_height: height,
    }
}

async fn scenario(rt: Runtime) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let mut ext = Extensions::devnet();
    ext.apps.register(GUARDED, Box::new(Guarded)).unwrap();
    let (source, dest) = source_and_dest(&specs, ext);

    // Three 2-of-3 ECDSA committees following chain 1 on chain 2, and the route's config: the
    // chain's light client of chain 1 required, two of the three committees, 2 blocks final.
    let keys: Vec<CommitteeKeys> = (1..=3).map(CommitteeKeys::new).collect();
    let committees = committee_clients(&rt, &dest, &keys);
    let light_client = dest.lock().unwrap().verifier_of(ChainId(1)).unwrap().client;
    let config = SecurityConfig {
        required: vec![light_client],
        optional: committees.iter().map(|c| c.client).collect(),
        threshold: 2,
        finality_blocks: FINALITY,
    };
    config.validate().unwrap();
    // A config naming a client of no chain is refused, and sets nothing.
    let mut bad = config.clone();
    bad.optional[2] = ClientId(99);
    let refused = run(
        &rt,
        &dest,
        TxBody::AppCall {
            app: GUARDED,
            data: bad.encode(),
        },
    );
    assert!(!refused.0);
    let (ok, _) = run(
        &rt,
        &dest,
        TxBody::AppCall {
            app: GUARDED,
            data: config.encode(),
        },
    );
    assert!(ok);
    // A call that sets a valid config and then fails leaves neither the config nor an event.
    let mut other = config.clone();
    other.threshold = 3;
    let (ok, _) = run(
        &rt,
        &dest,
        TxBody::AppCall {
            app: GUARDED,
            data: [other.encode(), vec![0xff]].concat(),
        },
    );
    assert!(!ok);
    {
        let dest = dest.lock().unwrap();
        let events = dest.security_events();
        assert_eq!(events.len(), 1, "one SecurityConfigSet event");
        assert_eq!((events[0].1, events[0].2), (GUARDED, ChainId(1)));
        assert_eq!(events[0].3, config);
        let route = dest.route_verifiers(&GUARDED, ChainId(1)).unwrap();
        assert!(!route.is_default);
        assert_eq!(route.config, config);
        assert!(dest.route_verifiers(&PLAIN, ChainId(1)).unwrap().is_default);
    }

    produce_every(&rt, [&source, &dest], BLOCK_MS);

    let board = Board::default();
    let clients = relayer_links(&rt, [&source, &dest], "relayer-0", BLOCK_MS / 2);
    let attested = Attested {
        source: Some(Arc::new(board.clone())),
        clients: Vec::new(),
        routes: vec![SecuredRoute {
            source: ChainId(1),
            destination: ChainId(2),
            receivers: vec![GUARDED],
            committees: committees.clone(),
        }],
    };
    let settings = quick_settings();
    rt.spawn(
        "relayer",
        relay_attested(
            rt.clone(),
            clients,
            settings,
            Arc::new(Metrics::default()),
            attested,
            std::future::pending(),
        ),
    );

    let alice = AccountKey::devnet("alice");
    let send = |receiver: Address32, payload: u8| {
        submit(
            &source,
            &alice,
            TxBody::Send {
                destination_chain: ChainId(2),
                receiver,
                options: DeliveryOptions::default(),
                payload: vec![payload],
                gas_limit: 0,
            },
        )
    };
    for i in 0..4 {
        send(GUARDED, i);
        send(PLAIN, i);
    }
    let ids = |receiver: Address32| -> Vec<MessageId> {
        source
            .lock()
            .unwrap()
            .outbox_page(ChainId(2), 0, 4096)
            .messages
            .iter()
            .filter(|m| m.packet.receiver == receiver)
            .map(|m| m.id)
            .collect()
    };
    let all_received = |ids: &[MessageId]| dest.lock().unwrap().received(ids).iter().all(|r| *r);
    let none_received = |ids: &[MessageId]| !dest.lock().unwrap().received(ids).iter().any(|r| *r);
    // The committees that publish sign the source's checkpoint one block behind its tip.
    let attest = |publishing: &[usize]| {
        let source = source.lock().unwrap();
        let height = Height(source.latest_height().get().saturating_sub(1));
        if height.get() == 0 {
            return;
        }
        let cp = checkpoint(&source, height);
        let mut board = board.by_count.lock().unwrap();
        let signed = board.entry(cp.leaf_count).or_default();
        for &i in publishing {
            signed.extend(keys[i].sign(cp));
        }
    };

    // One committee publishes: the other receiver's messages execute under the default, the
    // route's wait (one of the two committees it needs).
    for _ in 0..40 {
        attest(&[0]);
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    let (guarded, plain) = (ids(GUARDED), ids(PLAIN));
    assert_eq!((guarded.len(), plain.len()), (4, 4));
    assert!(all_received(&plain), "default-config messages did not flow");
    assert!(
        none_received(&guarded),
        "executed with one committee of two"
    );

    // A second committee publishes: every message of the route executes, each under a root the
    // light client and two committees verified at one height, two blocks deep.
    let mut done = false;
    for _ in 0..200 {
        attest(&[0, 2]);
        if all_received(&guarded) {
            done = true;
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    assert!(
        done,
        "the route's messages did not execute with two committees"
    );
    let dest = dest.lock().unwrap();
    let route = dest.route_verifiers(&GUARDED, ChainId(1)).unwrap();
    for c in [committees[0].client, committees[2].client] {
        assert!(route.client(c).unwrap().latest_height > Height(0));
    }
    // The silent committee never verified anything.
    assert_eq!(
        route.client(committees[1].client).unwrap().latest_height,
        Height(0)
    );
}

#[test]
fn a_route_needing_the_light_client_and_two_of_three_committees_executes_only_with_both() {
    Executor::seeded(21).run(scenario).unwrap();
}
