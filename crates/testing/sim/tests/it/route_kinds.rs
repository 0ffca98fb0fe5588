//! Routes whose config names a BLS-header client (kind 5) or an optimistic client (kind 6), end to
//! end on the deterministic runtime (`[STRAIT-ROUTE.7]`): the relayer keeps the kind-5 client
//! current over BLS light blocks, proposes the source's roots to the optimistic client itself
//! (`relay_proposing`, bonds from its own account), and delivers the route's messages only at
//! heights every required client (and one of two committees, where the config lists them) vouches
//! for: under an optimistic client, never before a proposal's window has passed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strait_chain_client::{DisputeChain, VerifierKind};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::TxBody;
use strait_endpoint::SecurityConfig;
use strait_light_client::bls::kind::encode_init;
use strait_light_client::bls::BlsConsensusState;
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_optimistic::Config;
use strait_packet::DeliveryOptions;
use strait_primitives::{Address32, ChainId, ClientId, Height, MessageId, Timestamp};
use strait_relayer::propose::ProposePolicy;
use strait_relayer::route::SecuredRoute;
use strait_relayer::{relay_proposing, Attested, Metrics, ProposeTo};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Spawner};
use strait_sim::fixtures::{produce_every, quick_settings, relayer_links, source_and_dest};
use strait_sim::{InProcessChain, SimChainClient};

use super::route::{
    checkpoint, committee_clients, run, submit, Board, CommitteeKeys, Guarded, GUARDED, PLAIN,
};
use super::BLOCK_MS;

/// The optimistic client's dispute window: ten blocks.
const WINDOW_MS: u64 = 10 * BLOCK_MS;
const BOND: u128 = 1_000;

/// Which clients the route's config requires.
#[derive(Clone, Copy, Debug)]
struct Needs {
    /// The chain's BFT light client of the source (kind 1).
    bft: bool,
    /// A BLS-header client of the source (kind 5), created for the test.
    bls: bool,
    /// An optimistic client of the source (kind 6), created for the test.
    optimistic: bool,
    /// Optional 2-of-3 ECDSA committees, one of which must vouch; only the first one's
    /// attesters publish.
    committees: usize,
}

async fn scenario(rt: Runtime, needs: Needs) {
    let specs = devnet_specs(2, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let mut ext = Extensions::devnet();
    ext.apps.register(GUARDED, Box::new(Guarded)).unwrap();
    let (source, dest) = source_and_dest(&specs, ext);
    let relayer = AccountKey::devnet("relayer-0");

    let mut required: Vec<ClientId> = Vec::new();
    if needs.bft {
        required.push(dest.lock().unwrap().verifier_of(ChainId(1)).unwrap().client);
    }
    let bls = needs.bls.then(|| {
        let genesis = source.lock().unwrap().bls_light_block(Height(0)).unwrap();
        let init = encode_init(
            &specs[0].client_options(),
            &BlsConsensusState::from_block(&genesis),
        );
        let (ok, client) = run(
            &rt,
            &dest,
            TxBody::CreateClient {
                kind: VerifierKind::BFT_BLS,
                source: ChainId(1),
                init,
            },
        );
        assert!(ok);
        client.unwrap()
    });
    let optimistic = needs.optimistic.then(|| {
        // Anyone who bonds may propose; nobody may pause.
        let config = Config {
            window_ms: WINDOW_MS,
            bond: BOND,
            proposers: vec![],
            watchers: vec![],
        };
        let (ok, client) = run(
            &rt,
            &dest,
            TxBody::CreateClient {
                kind: VerifierKind::OPTIMISTIC,
                source: ChainId(1),
                init: config.encode(),
            },
        );
        assert!(ok);
        client.unwrap()
    });
    required.extend(bls);
    required.extend(optimistic);
    required.sort();
    let keys: Vec<CommitteeKeys> = (1..=needs.committees as u8)
        .map(CommitteeKeys::new)
        .collect();
    let committees = committee_clients(&rt, &dest, &keys);
    let config = SecurityConfig {
        required,
        optional: committees.iter().map(|c| c.client).collect(),
        threshold: u8::from(!committees.is_empty()),
        finality_blocks: 0,
    };
    config.validate().unwrap();
    let (ok, _) = run(
        &rt,
        &dest,
        TxBody::AppCall {
            app: GUARDED,
            data: config.encode(),
        },
    );
    assert!(ok);

    produce_every(&rt, [&source, &dest], BLOCK_MS);
    let client = |c: &Arc<Mutex<InProcessChain>>| {
        SimChainClient::new(
            c.clone(),
            rt.clone(),
            AccountKey::devnet("relayer-0"),
            Duration::from_millis(10),
        )
    };
    let clients = relayer_links(&rt, [&source, &dest], "relayer-0", BLOCK_MS / 2);
    let board = Board::default();
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
    // The first committee's attesters sign the source's checkpoint one block behind its tip.
    let attest = || {
        let Some(first) = keys.first() else {
            return;
        };
        let source = source.lock().unwrap();
        let height = Height(source.latest_height().get().saturating_sub(1));
        if height.get() == 0 {
            return;
        }
        let cp = checkpoint(&source, height);
        board
            .by_count
            .lock()
            .unwrap()
            .entry(cp.leaf_count)
            .or_default()
            .extend(first.sign(cp));
    };
    let propose: Vec<ProposeTo> = optimistic
        .iter()
        .map(|&client| ProposeTo {
            source: ChainId(1),
            destination: ChainId(2),
            client,
            account: relayer.address(),
            policy: ProposePolicy::default(),
        })
        .collect();
    let settings = quick_settings();
    rt.spawn(
        "relayer",
        relay_proposing(
            rt.clone(),
            clients,
            settings,
            Arc::new(Metrics::default()),
            attested,
            propose,
            std::future::pending(),
        ),
    );

    let alice = AccountKey::devnet("alice");
    for i in 0..4u8 {
        for receiver in [GUARDED, PLAIN] {
            submit(
                &source,
                &alice,
                TxBody::Send {
                    destination_chain: ChainId(2),
                    receiver,
                    options: DeliveryOptions::default(),
                    payload: vec![i],
                    gas_limit: 0,
                },
            );
        }
    }
    // Each message with the source height that committed it.
    let sent = |receiver: Address32| -> Vec<(MessageId, Height)> {
        source
            .lock()
            .unwrap()
            .outbox_page(ChainId(2), 0, 4096)
            .messages
            .iter()
            .filter(|m| m.packet.receiver == receiver)
            .map(|m| (m.id, m.height))
            .collect()
    };
    let received = |ids: &[(MessageId, Height)]| -> Vec<bool> {
        let ids: Vec<MessageId> = ids.iter().map(|(id, _)| *id).collect();
        dest.lock().unwrap().received(&ids)
    };
    let latest = |client: ClientId| {
        let dest = dest.lock().unwrap();
        let route = dest.route_verifiers(&GUARDED, ChainId(1)).unwrap();
        route.client(client).unwrap().latest_height
    };
    let reader = client(&dest);
    // The window of the first proposal seen: nothing of the route may execute before it.
    let mut first_matures_at: Option<u64> = None;
    // Polls that saw the first proposal pending, before its window passed.
    let mut polls_in_window = 0;
    let mut done = false;
    for _ in 0..400 {
        attest();
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
        let guarded = sent(GUARDED);
        let got = received(&guarded);
        if let Some(opt) = optimistic {
            let pending = DisputeChain::pending_proposals(&reader, opt).await.unwrap();
            if first_matures_at.is_none() {
                first_matures_at = pending.iter().map(|p| p.matures_at_ms).min();
            }
            if first_matures_at.is_some_and(|w| rt.unix_time_ms() < w) {
                polls_in_window += 1;
                assert!(
                    got.iter().all(|g| !g),
                    "executed while the proposal was pending"
                );
            }
            let settled = latest(opt);
            for ((_, height), got) in guarded.iter().zip(&got) {
                // Executed only under a settled root that holds it: never under a pending one.
                assert!(
                    !got || *height <= settled,
                    "a message of height {height} executed with the optimistic client settled at {settled}"
                );
            }
            if got.iter().any(|g| *g) {
                let window = first_matures_at.expect("a proposal before any execution");
                assert!(
                    rt.unix_time_ms() >= window,
                    "executed before the first proposal's window passed"
                );
            }
        }
        if got.len() == 4 && got.iter().all(|g| *g) {
            done = true;
            break;
        }
    }
    assert!(done, "the route's messages did not execute under {needs:?}");
    assert!(
        received(&sent(PLAIN)).iter().all(|g| *g),
        "default-config messages did not flow"
    );
    for client in bls.iter().chain(&optimistic) {
        assert!(latest(*client) > Height(0));
    }
    if let [first, silent, ..] = &committees[..] {
        assert!(
            latest(first.client) > Height(0),
            "the publishing committee vouched"
        );
        assert_eq!(latest(silent.client), Height(0), "the silent one never did");
    }
    if let Some(opt) = optimistic {
        // The relayer's own proposals carried the route: its bonds came back as they settled.
        let settled = latest(opt);
        assert!(settled >= sent(GUARDED).iter().map(|(_, h)| *h).max().unwrap());
        assert!(first_matures_at.is_some(), "the relayer proposed");
        assert!(
            polls_in_window > 0,
            "the route was never seen waiting for the window"
        );
    }
}

#[test]
fn a_route_requiring_an_optimistic_client_executes_only_after_the_window() {
    let needs = Needs {
        bft: false,
        bls: false,
        optimistic: true,
        committees: 0,
    };
    Executor::seeded(31).run(|rt| scenario(rt, needs)).unwrap();
}

#[test]
fn a_route_requiring_a_bls_header_client_executes_with_the_relayer_keeping_it_current() {
    let needs = Needs {
        bft: false,
        bls: true,
        optimistic: false,
        committees: 0,
    };
    Executor::seeded(32).run(|rt| scenario(rt, needs)).unwrap();
}

#[test]
fn a_route_requiring_the_bft_client_and_an_optimistic_one_proves_at_a_settled_height() {
    let needs = Needs {
        bft: true,
        bls: false,
        optimistic: true,
        committees: 0,
    };
    Executor::seeded(33).run(|rt| scenario(rt, needs)).unwrap();
}

#[test]
fn a_route_requiring_a_bls_header_client_and_an_optimistic_one_executes_with_both() {
    let needs = Needs {
        bft: false,
        bls: true,
        optimistic: true,
        committees: 0,
    };
    Executor::seeded(34).run(|rt| scenario(rt, needs)).unwrap();
}

#[test]
fn a_route_requiring_a_bls_header_client_and_one_of_two_committees_executes_with_one() {
    let needs = Needs {
        bft: false,
        bls: true,
        optimistic: false,
        committees: 2,
    };
    Executor::seeded(35).run(|rt| scenario(rt, needs)).unwrap();
}
