//! `strait relayer`, `strait attester` and `strait watcher` with an EVM chain (`--evm`). An operator's relayer
//! between native chains and an anvil chain, its EVM key from the environment: a message from a
//! native chain to an EVM counter that trusts a light client of that chain (`NativeLightClient`,
//! kind 5, created from the chain's BLS light block) is delivered once: the relayer moves the
//! client with the source's BLS light blocks and delivers under it; a reorganisation of the EVM
//! chain drops the delivery, and the running relayer delivers it again, once. Without the key, the relayer
//! refuses to start and says where the key goes. An attester signs the EVM chain's final
//! checkpoints. A watcher freezes an EVM light client that verified a header the native chain
//! never committed. Waits are bounded (liveness), never timed assertions.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alloy::providers::Provider;
use alloy::sol_types::SolEvent;
use strait_chain_client::VerifierUpdate;
use strait_devnet_api::keys::devnet_validator;
use strait_devnet_client::ChainRpc;
use strait_evm_client::abi::counter::StraitCounter;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::abi::native_lc::NativeLightClient;
use strait_evm_client::anvil::DEV_KEYS;
use strait_evm_client::deploy::{self, NativeLcInit};
use strait_evm_client::destination::client_id_of;
use strait_light_client::bls::{sign_bls_commit, BlsConsensusState, BlsLightBlock, BlsSigner};
use strait_light_client::{Options, TrustThreshold};
use strait_node::consensus::devnet_bls_signer;
use strait_primitives::{ChainId, Hash32, Height};

use crate::support::TestNet;

/// The EVM chain's id.
const EVM: u64 = 31_999;
/// Longest any single wait here may take before the test fails.
const LIVENESS: Duration = Duration::from_secs(90);

/// What `app` counted from `source` once it counted something (or at the liveness bound), while
/// the relayer `child` runs.
async fn first_received(
    app: &StraitCounter::StraitCounterInstance<alloy::providers::DynProvider>,
    source: u64,
    child: &mut std::process::Child,
) -> u64 {
    let deadline = Instant::now() + LIVENESS;
    loop {
        let n = app.received(source).call().await.unwrap();
        if n > 0 || Instant::now() >= deadline {
            return n;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the relayer exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The EVM chain's light client of `net`'s first chain, trusting its latest BLS light block, made
/// the endpoint's default verifier of that chain: an RPC client of the chain, the trusted block
/// and the client's address.
async fn light_client_of(
    net: &TestNet,
    provider: &alloy::providers::DynProvider,
    endpoint: alloy::primitives::Address,
) -> (ChainRpc, BlsLightBlock, alloy::primitives::Address) {
    let source = net.specs[0].chain_id;
    let rpc = ChainRpc::connect(&net.nodes[0].rpc_url(), Duration::from_secs(10))
        .await
        .unwrap();
    let block = rpc
        .bls_light_block(rpc.latest_height().await.unwrap())
        .await
        .unwrap();
    let options = Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 24 * 3600 * 1000,
        max_clock_drift_ms: 10_000,
    };
    let creation = NativeLcInit::new(&options, &BlsConsensusState::from_block(&block));
    let lc = deploy::deploy_native_light_client(provider, source.get(), &creation)
        .await
        .unwrap();
    deploy::trust_remote(provider, endpoint, source.get(), lc)
        .await
        .unwrap();
    (rpc, block, lc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standalone_relayer_delivers_native_to_evm_under_the_light_client() {
    let net = TestNet::start_with_foreign("evm-relayer", 2, &[ChainId(EVM)]).await;
    let source = net.specs[0].chain_id;
    let (anvil, provider, endpoint) = deploy::anvil_with_endpoint(EVM).await.expect("anvil");

    // The EVM chain's light client of the native chain, the endpoint's default verifier of it and
    // the counter's own.
    let (_, block, lc) = light_client_of(&net, &provider, endpoint).await;
    let counter = deploy::deploy_counter(&provider, endpoint).await.unwrap();
    let app = StraitCounter::new(counter, provider.clone());
    app.setSecurityConfig(source.get(), lc)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let receiver = format!("0x{}{}", "00".repeat(12), alloy::hex::encode(counter));

    // One message from the native chain to the counter.
    let sent = Command::new(env!("CARGO_BIN_EXE_strait"))
        .args(["send", "--rpc", &net.nodes[0].rpc_url()])
        .args(["--to-chain", &EVM.to_string(), "--receiver", &receiver])
        .args(["--payload", "hello evm"])
        .output()
        .expect("strait send");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );

    let relayer = |key: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_strait"));
        command
            .arg("relayer")
            .args(["--rpc", &net.nodes[0].rpc_url()])
            .args(["--rpc", &net.nodes[1].rpc_url()])
            .args(["--evm", &format!("{},{endpoint}", anvil.url())])
            .args(["--evm-confirmations", "1", "--poll-ms", "100"])
            .args(["--evm-verifier", &format!("{EVM}:{lc}:5")])
            .args(["--route", &format!("{source}:{EVM}:{receiver}")])
            .env_remove("STRAIT_EVM_KEY")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(key) = key {
            command.env("STRAIT_EVM_KEY", key);
        }
        command
    };

    // Without its key the relayer does not start, and says where the key goes.
    let refused = relayer(None).output().expect("strait relayer");
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("STRAIT_EVM_KEY"), "{why}");

    let mut child = relayer(Some(DEV_KEYS[1]))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn strait relayer");
    let received = first_received(&app, source.get(), &mut child).await;
    assert_eq!(received, 1, "delivered once under the light client");
    // The client moved past its creation height: the relayer updated it.
    let latest = NativeLightClient::new(lc, provider.clone())
        .latestHeight()
        .call()
        .await
        .unwrap();
    assert!(latest > block.header.height.get(), "{latest}");

    // A reorganisation of the EVM chain drops the delivery and everything after it (anvil puts
    // none of it back in its pool). The relayer, still running, delivers the message again: its
    // transaction manager sends the dropped transactions again, or it finds the message not
    // received and relays it anew. Executed once on the chain that stands.
    let delivered_in = provider
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(endpoint)
                .event_signature(StraitEndpoint::Received::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap()
        .first()
        .and_then(|log| log.block_number)
        .expect("the delivery's block");
    let head = provider.get_block_number().await.unwrap();
    let txs: Vec<serde_json::Value> = Vec::new();
    let _: serde_json::Value = provider
        .raw_request("anvil_reorg".into(), (head - delivered_in + 1, txs))
        .await
        .unwrap();
    assert_eq!(
        app.received(source.get()).call().await.unwrap(),
        0,
        "dropped"
    );
    let received = first_received(&app, source.get(), &mut child).await;
    assert_eq!(
        received, 1,
        "delivered again after the reorganisation, once"
    );
    let _ = child.kill();
    let _ = child.wait();
    net.stop().await;
}

/// `strait attester --evm`: an attester of the devnet committee signs an EVM chain's final
/// checkpoints (past the confirmation depth and its finality) and serves them; the checkpoint is
/// the endpoint's outbox, and its signature verifies by the committee's rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attester_signs_an_evm_chains_final_checkpoints() {
    use std::io::BufRead as _;

    use alloy::primitives::{Address, Bytes, FixedBytes};
    use alloy::providers::Provider;
    use jsonrpsee::http_client::HttpClientBuilder;
    use strait_attest::ecdsa::Ecdsa;
    use strait_attest::{Checkpoint, Committee, Scheme, SignatureList};
    use strait_devnet_api::attester::AttesterApiClient;
    use strait_evm_client::abi::endpoint::StraitEndpoint::{self, DeliveryOptions};
    use strait_primitives::{Hash32, Height};

    let (anvil, provider, endpoint) = deploy::anvil_with_endpoint(EVM).await.expect("anvil");
    deploy::trust_remote(&provider, endpoint, 7, Address::repeat_byte(0x11))
        .await
        .unwrap();
    let contract = StraitEndpoint::new(endpoint, provider.clone());
    for payload in [b"one".as_slice(), b"two".as_slice()] {
        let options = DeliveryOptions {
            ordered: false,
            timeoutHeight: 0,
            timeoutTimestamp: 0,
        };
        let receipt = contract
            .send(
                7,
                FixedBytes::repeat_byte(0x22),
                options,
                Bytes::from(payload),
            )
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        assert!(receipt.status());
    }
    let root = contract.outboxRoot().call().await.unwrap();
    // Two more blocks: the sends are past one confirmation and one block of finality.
    let _: serde_json::Value = provider
        .raw_request("anvil_mine".into(), (3u64,))
        .await
        .unwrap();

    let dir = crate::support::temp_dir("evm-attester");
    let mut child = Command::new(env!("CARGO_BIN_EXE_strait"))
        .arg("attester")
        .args(["--evm", &format!("{},{endpoint}", anvil.url())])
        .args([
            "--evm-confirmations",
            "1",
            "--finality",
            "1",
            "--index",
            "1",
        ])
        .args(["--listen", "127.0.0.1:0", "--poll-ms", "100", "--record"])
        .arg(dir.join("record.redb"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn strait attester");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .next()
            .expect("a line")
            .expect("stdout")
    })
    .await
    .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    let board = HttpClientBuilder::default().build(&url).unwrap();
    let deadline = Instant::now() + LIVENESS;
    let attestation = loop {
        if let Some(a) = board
            .latest_attestation(ChainId(EVM))
            .await
            .unwrap()
            .filter(|a| a.leaf_count == 2)
        {
            break a;
        }
        assert!(Instant::now() < deadline, "no attestation of 2 leaves");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(attestation.outbox_root, Hash32(root.0));
    assert_eq!(attestation.kind, 2);
    // The signature of the devnet committee's first member on the checkpoint's sign bytes.
    let kind = strait_chain_client::VerifierKind::ATTEST_ECDSA;
    let members: Vec<Vec<u8>> = (1..=4)
        .map(|i| {
            strait_attester::AttesterKey::devnet(kind, i)
                .unwrap()
                .member()
        })
        .collect();
    let committee = Committee::from_members(3, members.clone(), 20).unwrap();
    let id = strait_attest::committee_id(kind.get(), &committee.encode());
    assert_eq!(attestation.committee_id, id);
    let checkpoint = Checkpoint {
        source_chain: ChainId(EVM),
        outbox_root: attestation.outbox_root,
        leaf_count: attestation.leaf_count,
        source_height: Height(attestation.source_height.get()),
    };
    let signer = members[0].clone();
    assert_eq!(attestation.signer.0, signer);
    let one = Committee::from_members(1, vec![signer], 20).unwrap();
    let signature: [u8; 65] = attestation.signature.0.as_slice().try_into().unwrap();
    Ecdsa::verify(
        &one,
        &checkpoint.sign_bytes(&id, 0),
        &SignatureList {
            signatures: vec![(0, signature)],
        },
    )
    .expect("the member's signature");
}

/// `strait watcher --evm`: the EVM chain's light client of a native chain verified a header its
/// validators signed but the chain never committed (an equivocation of all of them: the devnet's
/// keys are public). The watcher reads the client's headers from its logs, finds the one that
/// differs from its source's, and sends the source's own BLS light block at that height as an
/// update from the last height they agreed on: the client freezes (`ConflictingHeaders`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_freezes_an_evm_light_client_that_verified_a_forked_header() {
    let net = TestNet::start_with_foreign("evm-watcher", 1, &[ChainId(EVM)]).await;
    let source = net.specs[0].chain_id;
    let (anvil, provider, endpoint) = deploy::anvil_with_endpoint(EVM).await.expect("anvil");
    let (rpc, trusted, lc) = light_client_of(&net, &provider, endpoint).await;
    let h0 = trusted.header.height;
    let client = NativeLightClient::new(lc, provider.clone());
    let id = client_id_of(lc);
    let update = |body: Vec<u8>| {
        let client = client.clone();
        async move {
            client
                .update(body.into())
                .send()
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap()
        }
    };

    // Two heights past the trusted one: the first honestly, the second forged.
    let deadline = Instant::now() + LIVENESS;
    while rpc.latest_height().await.unwrap().get() < h0.get() + 2 {
        assert!(Instant::now() < deadline, "the chain did not move");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let h1 = Height(h0.get() + 1);
    let h2 = Height(h0.get() + 2);
    let honest = rpc.bls_light_block(h1).await.unwrap();
    assert!(update(VerifierUpdate::bft_bls(id, h0, &honest).body)
        .await
        .status());
    let mut forged = rpc.bls_light_block(h2).await.unwrap();
    let committed = forged.header.hash();
    forged.header.app_state_root = Hash32([0xee; 32]);
    // The chain's validators are among its first devnet keys.
    let keys: Vec<BlsSigner> = (0..16)
        .map(|i| devnet_bls_signer(&devnet_validator(source, i)))
        .filter(|k| forged.validators.find(&k.public_key()).is_some())
        .collect();
    assert_eq!(keys.len(), forged.validators.len(), "every validator's key");
    let by: Vec<&BlsSigner> = keys.iter().collect();
    forged.commit = sign_bls_commit(
        &forged.header,
        &forged.validators,
        &forged.next_validators,
        &by,
    );
    assert!(update(VerifierUpdate::bft_bls(id, h1, &forged).body)
        .await
        .status());
    let stored = client.consensusAt(h2.get()).call().await.unwrap();
    assert_eq!(
        stored.headerHash.0,
        forged.header.hash().0,
        "the forged header is kept"
    );
    assert_ne!(stored.headerHash.0, committed.0);
    assert!(!client.frozen().call().await.unwrap());

    let mut watcher = Command::new(env!("CARGO_BIN_EXE_strait"))
        .arg("watcher")
        .args(["--rpc", &net.nodes[0].rpc_url()])
        .args(["--evm", &format!("{},{endpoint}", anvil.url())])
        .args(["--evm-confirmations", "1", "--poll-ms", "100"])
        .args(["--evm-verifier", &format!("{EVM}:{lc}:5")])
        .env("STRAIT_EVM_KEY", DEV_KEYS[7])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strait watcher");
    // Its log, line by line as it comes (a full pipe would stop the watcher).
    let (lines, log) = std::sync::mpsc::channel::<String>();
    std::thread::spawn({
        let stderr = watcher.stderr.take().unwrap();
        move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                if lines.send(line).is_err() {
                    break;
                }
            }
        }
    });
    // Until the watcher says what it did about the fork.
    let deadline = Instant::now() + LIVENESS;
    let mut seen = String::new();
    while !seen.contains("evidence applied") && Instant::now() < deadline {
        if let Some(status) = watcher.try_wait().unwrap() {
            panic!("the watcher exited: {status}");
        }
        if let Ok(line) = log.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&line);
            seen.push('\n');
        }
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert!(seen.contains("finding=\"fork\""), "{seen}");
    // It counts its update as applied evidence (the EVM adapter reports the relay of an update
    // that froze its client as refused), and the client is frozen.
    assert!(
        seen.contains("evidence applied, the client is frozen"),
        "{seen}"
    );
    assert!(!seen.contains("no evidence applied"), "{seen}");
    assert!(
        client.frozen().call().await.unwrap(),
        "the watcher froze the forked client"
    );
    // It froze on the two headers at the forged height: the one it kept and the source's.
    let logs = provider
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(lc)
                .event_signature(NativeLightClient::FrozenBy::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    assert_eq!(logs.len(), 1);
    let event = NativeLightClient::FrozenBy::decode_log(&logs[0].inner).unwrap();
    assert_eq!(event.kind, 0, "ConflictingHeaders");
    assert_eq!(
        (event.firstHeight, event.secondHeight),
        (h2.get(), h2.get())
    );
    assert_eq!(event.firstHash.0, forged.header.hash().0);
    assert_eq!(event.secondHash.0, committed.0);
    net.stop().await;
}
