//! Scenario tests: real devnet chains (in process, 50 ms blocks, temp dirs), real relayers (in
//! process and as `strait` processes), everything checked over JSON-RPC.

mod ctrl_c;
mod evm_agents;
mod hetero;
mod queue;
mod support;

use std::process::Stdio;
use std::time::Duration;

use strait_devnet_api::rpc::StraitApiClient;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_both_directions_exactly_once() {
    let net = TestNet::start("both-directions", 2).await;
    let events = EventCounter::start(&net.nodes).await;
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    let ab = send_messages(&net.nodes[0], &net.nodes[1], 15, "user-a").await;
    let ba = send_messages(&net.nodes[1], &net.nodes[0], 15, "user-b").await;
    wait_received(&net.nodes[1], &ab).await;
    wait_received(&net.nodes[0], &ba).await;
    wait_settled(&net.nodes[0], &ab).await;
    wait_settled(&net.nodes[1], &ba).await;
    let metrics = relayer.stop().await;
    // Each message and the outcome messages.
    let outcomes = events
        .assert_each_executed_and_settled_once(&[&ab[..], &ba[..]].concat(), net.block_time())
        .await;
    assert_eq!(metrics.messages_relayed, 30 + outcomes as u64);
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayer_polls_when_websockets_fail() {
    let net = TestNet::start("broken-websockets", 2).await;
    // Nothing listens on port 1: every subscription attempt fails and the relayer must poll.
    let endpoints = net
        .nodes
        .iter()
        .map(|n| {
            strait_devnet_client::ChainEndpoint::new(n.rpc_url(), "ws://127.0.0.1:1".to_string())
        })
        .collect();
    let relayer = InProcessRelayer::start_with(endpoints, "relayer-poll");
    let ab = send_messages(&net.nodes[0], &net.nodes[1], 10, "user-a").await;
    let ba = send_messages(&net.nodes[1], &net.nodes[0], 10, "user-b").await;
    wait_received(&net.nodes[1], &ab).await;
    wait_received(&net.nodes[0], &ba).await;
    wait_settled(&net.nodes[0], &ab).await;
    wait_settled(&net.nodes[1], &ba).await;
    // The 20 messages and their outcome messages: at least one a direction, at most one each.
    let relayed = relayer.stop().await.messages_relayed;
    assert!((22..=40).contains(&relayed), "{relayed}");
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_relayers_deliver_each_message_once() {
    let net = TestNet::start("racing", 2).await;
    let events = EventCounter::start(&net.nodes).await;
    let a = InProcessRelayer::start(&net, "relayer-a");
    let b = InProcessRelayer::start(&net, "relayer-b");
    let ab = send_messages(&net.nodes[0], &net.nodes[1], 20, "user-a").await;
    let ba = send_messages(&net.nodes[1], &net.nodes[0], 20, "user-b").await;
    wait_received(&net.nodes[1], &ab).await;
    wait_received(&net.nodes[0], &ba).await;
    wait_settled(&net.nodes[0], &ab).await;
    wait_settled(&net.nodes[1], &ba).await;
    let (ma, mb) = (a.stop().await, b.stop().await);
    let outcomes = events
        .assert_each_executed_and_settled_once(&[&ab[..], &ba[..]].concat(), net.block_time())
        .await;
    // Each message and outcome message delivered by exactly one of the two.
    assert_eq!(
        ma.messages_relayed + mb.messages_relayed,
        40 + outcomes as u64,
        "{ma:?} {mb:?}"
    );
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_relayer_process_restarts_without_loss_or_duplication() {
    let net = TestNet::start("sigkill", 2).await;
    let events = EventCounter::start(&net.nodes).await;
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
            .args([
                "relayer",
                "--rpc",
                &net.nodes[0].rpc_url(),
                "--rpc",
                &net.nodes[1].rpc_url(),
            ])
            .args([
                "--account",
                "relayer-k",
                "--max-batch",
                "3",
                "--poll-ms",
                "50",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn strait relayer")
    };
    let ab = send_messages(&net.nodes[0], &net.nodes[1], 60, "user-a").await;
    let mut relayer = spawn();
    // Kill it (SIGKILL) once some, but not all, messages are in.
    let dst = net.nodes[1].client();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let got = dst
            .received(ab.clone())
            .await
            .expect("received")
            .into_iter()
            .filter(|r| *r)
            .count();
        if got > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relayer delivered nothing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    relayer.kill().expect("SIGKILL");
    relayer.wait().expect("reap");
    let got = dst
        .received(ab.clone())
        .await
        .expect("received")
        .into_iter()
        .filter(|r| *r)
        .count();
    assert!(
        got < ab.len(),
        "killed too late to test anything: all {got} delivered"
    );
    let mut relayer = spawn();
    wait_received(&net.nodes[1], &ab).await;
    wait_settled(&net.nodes[0], &ab).await;
    relayer.kill().expect("kill");
    relayer.wait().expect("reap");
    events
        .assert_each_executed_and_settled_once(&ab, net.block_time())
        .await;
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_chain_continues_and_relayer_catches_up() {
    let mut net = TestNet::start("chain-restart", 2).await;
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    let first = send_messages(&net.nodes[0], &net.nodes[1], 5, "user-a").await;
    wait_received(&net.nodes[1], &first).await;

    let height_before = net.nodes[1]
        .client()
        .chain_info()
        .await
        .expect("chainInfo")
        .latest_height;
    net.stop_node(1).await;
    // The source keeps sending while the destination is down.
    let pending = send_messages_no_wait(&net.nodes[0], net.specs[1].chain_id, 10, "user-a").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    net.restart_node(1).await;

    let info = net.nodes[1].client().chain_info().await.expect("chainInfo");
    assert!(
        info.latest_height >= height_before,
        "{} < {height_before}",
        info.latest_height
    );
    let ids = resolve_ids(&net.nodes[0], &pending).await;
    wait_received(&net.nodes[1], &ids).await;
    let after = net.nodes[1]
        .client()
        .chain_info()
        .await
        .expect("chainInfo")
        .latest_height;
    assert!(
        after > height_before,
        "the restarted chain makes blocks: {after} <= {height_before}"
    );
    let m = relayer.stop().await;
    assert!(m.messages_relayed >= 15, "{m:?}");
    assert_eq!(
        net.nodes[1]
            .client()
            .received(first)
            .await
            .expect("received"),
        vec![true; 5],
        "messages received before the restart are still received"
    );
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_command_reports_every_message_delivered_once() {
    let dir = temp_dir("devnet-cmd");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_strait"));
    command
        .args([
            "devnet",
            "--messages",
            "200",
            "--exit-when-done",
            "--json",
            "--fast",
            "--fresh",
        ])
        .args(["--rpc-port-base", "0", "--timeout-secs", "60", "--data-dir"])
        .arg(dir.as_os_str())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run strait devnet");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "strait devnet failed: {stderr}\n{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("one JSON object on stdout");
    assert_eq!(report["sent"], 200, "{report}");
    assert_eq!(report["delivered"], 200, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["duplicates"], 0, "{report}");
    assert_eq!(report["block_time_ms"], 50, "{report}");
    for key in [
        "elapsed_ms",
        "throughput_msgs_per_s",
        "latency_ms_p50",
        "latency_ms_p99",
    ] {
        assert!(report[key].is_number(), "{key} missing: {report}");
    }
    assert!(dir.join("devnet.json").exists());
    // Every verifier kind carried messages: the light client, the two attester committees whose
    // attesters the devnet runs (their signing records in its data directory), and the composite
    // route (the light client and 2 of 3 committees), the BLS-signed headers (kind 5) and the
    // optimistic client the relayer proposes to (kind 6).
    let by = &report["by_verifier"];
    let mut total = 0;
    for kind in [
        "bft",
        "bft_bls",
        "optimistic",
        "attest_ecdsa",
        "attest_ed25519",
        "composite",
    ] {
        let delivered = by[kind]["delivered"].as_u64().unwrap_or(0);
        assert!(delivered > 0, "nothing delivered under {kind}: {report}");
        total += delivered;
    }
    assert_eq!(total, 200, "{report}");
    assert!(dir.join("committees.json").exists());
    assert_eq!(
        std::fs::read_dir(dir.join("attesters")).unwrap().count(),
        20
    );
    // The watcher ran and an honest devnet gave it nothing to find or submit.
    let watcher = &report["watcher"];
    assert!(watcher["steps"].as_u64().unwrap_or(0) > 0, "{report}");
    assert_eq!(watcher["findings"], 0, "{report}");
    assert_eq!(watcher["submitted"], 0, "{report}");
    // Two chains: a round of transfers out, home, to the zero address and expired.
    let transfers = &report["transfers"];
    assert_eq!(transfers["sent"], 16, "{report}");
    assert_eq!(transfers["conservation"]["ok"], true, "{report}");
}

/// The devnet demo on three chains moves tokens in every direction (out, onward to the third
/// chain, back one hop, home), refunds a failure and a timeout on every route, and checks over RPC
/// that the books balance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_demo_moves_tokens_every_way_and_conserves_them() {
    let dir = temp_dir("devnet-tokens");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_strait"));
    command
        .args([
            "devnet",
            "--chains",
            "3",
            "--messages",
            "120",
            "--transfer-percent",
            "30",
        ])
        .args(["--exit-when-done", "--json", "--fast", "--fresh"])
        .args(["--rpc-port-base", "0", "--timeout-secs", "90", "--data-dir"])
        .arg(dir.as_os_str())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run strait devnet");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "strait devnet failed: {stderr}\n{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("one JSON object on stdout");
    assert_eq!(report["sent"], 120, "{report}");
    assert_eq!(report["delivered"], 120, "{report}");
    assert_eq!(report["duplicates"], 0, "{report}");
    // One round over the six ordered pairs: six transfers each.
    let t = &report["transfers"];
    assert_eq!(t["sent"], 36, "{report}");
    assert_eq!(t["executed"], 24, "{report}");
    assert_eq!(t["refunded"], 12, "{report}");
    assert_eq!(t["refunded_failed"], 6, "{report}");
    assert_eq!(t["refunded_timed_out"], 6, "{report}");
    assert_eq!(t["unexpected_outcomes"], 0, "{report}");
    assert_eq!(t["settled_twice"], 0, "{report}");
    assert_eq!(t["unsettled"], 0, "{report}");
    // Every other transfer paid; every transaction paid its fee.
    assert_eq!(t["paid"], 18, "{report}");
    assert!(
        t["tx_fees"].as_str().unwrap().parse::<u128>().unwrap() > 0,
        "{report}"
    );
    let conservation = &t["conservation"];
    assert_eq!(conservation["ok"], true, "{report}");
    assert_eq!(
        conservation["violations"],
        serde_json::json!([]),
        "{report}"
    );
    // Three chains' sat, 1/sat, 2/1/sat ...: every escrow and supply, every genesis account.
    assert!(
        conservation["holdings_checked"].as_u64().unwrap() >= 2 * 9,
        "{report}"
    );
    assert!(
        conservation["balances_checked"].as_u64().unwrap() >= 3 * 9,
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayer_bisects_across_a_validator_set_change() {
    use strait_devnet_api::keys::{devnet_validator, AccountKey};
    use strait_light_client::Signer;
    use strait_node::{devnet_validator_set, set_validators_tx};

    let net = TestNet::start("bisect", 2).await;
    let events = EventCounter::start(&net.nodes).await;
    // Replace chain 1's four genesis validators by five others: no header signed by the new set can
    // be trusted straight from genesis, so the relayer must update through the header naming it.
    let source = net.nodes[0].client();
    let chain = net.specs[0].chain_id;
    let governor = AccountKey::devnet("governor");
    let approvers: Vec<Signer> = (0..3).map(|i| devnet_validator(chain, i)).collect();
    let refs: Vec<&Signer> = approvers.iter().collect();
    let nonce = source
        .account_nonce(governor.address())
        .await
        .expect("nonce");
    let new = devnet_validator_set(chain, 4..9, 7);
    let tx = set_validators_tx(
        chain,
        &governor,
        nonce,
        &net.specs[0].genesis_validators(),
        new,
        0,
        &refs,
    );
    let hash = source
        .submit_transaction(tx.encode().into())
        .await
        .expect("submit");
    let change = wait_tx(&source, hash).await;
    assert!(change.success, "{change:?}");
    wait_height(&net.nodes[0], change.height.get() + 4).await;

    let ab = send_messages(&net.nodes[0], &net.nodes[1], 5, "user-a").await;
    let client_before = net.nodes[1].client().client(chain).await.expect("client");
    assert_eq!(client_before.latest_height.get(), 0, "nobody relayed yet");
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    wait_received(&net.nodes[1], &ab).await;
    wait_settled(&net.nodes[0], &ab).await;
    let m = relayer.stop().await;
    let outcomes = events
        .assert_each_executed_and_settled_once(&ab, net.block_time())
        .await;
    assert_eq!(m.messages_relayed, 5 + outcomes as u64, "{m:?}");
    net.stop().await;
}

/// `strait sim` sweeps seeds and reports totals as JSON; the same seeds give the same totals.
#[test]
fn sim_command_sweeps_seeds_and_reports() {
    let run = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
            .args(["sim", "--seeds", "3..5", "--messages", "60", "--json"])
            .output()
            .expect("strait sim runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("one JSON object");
        assert_eq!(report["seeds"], 2);
        assert_eq!(report["messages_sent"], report["messages_ended"]);
        (
            report["messages_sent"].clone(),
            report["executor_steps"].clone(),
        )
    };
    assert_eq!(run(), run());
}

/// `strait transfer` moves tokens to another chain (a voucher `1/sat` arrives), `strait balance`
/// shows both sides, and the sender's record settles once the outcome comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_and_balance_commands_move_tokens_between_chains() {
    let net = TestNet::start("tokens", 2).await;
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    let strait = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
            .args(args)
            .output()
            .expect("run strait");
        assert!(
            output.status.success(),
            "strait {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")
    };
    let (rpc1, rpc2) = (net.nodes[0].rpc_url(), net.nodes[1].rpc_url());
    let sent = strait(&[
        "transfer",
        "--rpc",
        &rpc1,
        "--to-chain",
        "2",
        "--to",
        "bob",
        "--amount",
        "250",
    ]);
    let id: strait_primitives::MessageId = sent["message_id"].as_str().unwrap().parse().unwrap();
    wait_received(&net.nodes[1], &[id]).await;
    wait_settled(&net.nodes[0], &[id]).await;
    let balance = |rpc: &str, account: &str, denom: &str| {
        strait(&[
            "balance",
            "--rpc",
            rpc,
            "--account",
            account,
            "--denom",
            denom,
        ])["balance"]
            .as_str()
            .unwrap()
            .parse::<u128>()
            .unwrap()
    };
    let genesis = strait_node::builder::GENESIS_BALANCE;
    // The transfer and its transaction fee ([STRAIT-FEE.2]) left alice's balance.
    let fee: u128 = sent["fee"].as_str().unwrap().parse().unwrap();
    assert!(fee > 0);
    assert_eq!(balance(&rpc1, "alice", "sat"), genesis - 250 - fee);
    assert_eq!(balance(&rpc2, "bob", "1/sat"), 250);
    assert_eq!(balance(&rpc2, "bob", "sat"), genesis);
    // strait_tokenState: the escrow on the home chain backs the voucher supply on the other.
    let home = net.nodes[0]
        .client()
        .token_state("sat".into())
        .await
        .unwrap();
    assert_eq!((home.escrow.as_str(), home.supply.as_str()), ("250", "0"));
    let away = net.nodes[1]
        .client()
        .token_state("1/sat".into())
        .await
        .unwrap();
    assert_eq!((away.escrow.as_str(), away.supply.as_str()), ("0", "250"));
    for bad in ["", "SAT", "01/sat", &"a".repeat(200)] {
        match net.nodes[1].client().token_state(bad.into()).await {
            Err(jsonrpsee::core::ClientError::Call(e)) => {
                assert_eq!(
                    e.code(),
                    strait_devnet_api::rpc::codes::INVALID_REQUEST,
                    "{bad:?}"
                )
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }

    // [STRAIT-FEE.5] `strait quote` answers what `strait send --gas-limit` locks; once the outcome
    // settles `strait status` shows how the payment was split.
    let quote = strait(&[
        "quote",
        "--rpc",
        &rpc1,
        "--to-chain",
        "2",
        "--gas-limit",
        "50000",
        "--payload-len",
        "2",
    ]);
    assert_eq!(quote["gas"], "50000");
    assert_eq!(quote["total"], (2_000 + 2 + 50_000 + 1_000).to_string());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
        .args([
            "send",
            "--rpc",
            &rpc1,
            "--to-chain",
            "2",
            "--payload",
            "hi",
            "--gas-limit",
            "50000",
        ])
        .output()
        .expect("run strait");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let id: strait_primitives::MessageId = stdout.lines().next().unwrap().parse().unwrap();
    wait_settled(&net.nodes[0], &[id]).await;
    let id_hex = id.to_string();
    let status = strait(&["status", &id_hex, "--rpc", &rpc1, "--rpc", &rpc2, "--json"]);
    assert_eq!(status["fee"]["state"], "paid", "{status}");
    assert_eq!(status["fee"]["to_ack_relayer"], "1000", "{status}");
    assert_eq!(status["destination_asked"], true, "{status}");
    // Asked of its source alone: the destination is named as not asked, not taken for silent.
    let alone = strait(&["status", &id_hex, "--rpc", &rpc1, "--json"]);
    assert_eq!(alone["destination_asked"], false, "{alone}");
    assert_eq!(alone["destination_chain"], 2, "{alone}");
    assert_eq!(alone["settled_on_source"], true, "{alone}");
    let relayer_a = strait_devnet_api::keys::AccountKey::devnet("relayer-a").address();
    assert_eq!(
        status["fee"]["deliverer"],
        relayer_a.to_string(),
        "{status}"
    );
    // [STRAIT-ROUTE.6] a route without a config of its own shows the chain's default: its light
    // client of the source, required alone.
    let route = strait(&[
        "status", "--route", "counter", "--source", "1", "--rpc", &rpc2, "--json",
    ]);
    assert_eq!(route["is_default"], true, "{route}");
    assert_eq!(route["config"]["required"].as_array().unwrap().len(), 1);
    assert_eq!(route["config"]["threshold"], 0);
    assert_eq!(route["clients"][0]["kind"], 1, "{route}");
    assert_eq!(route["clients"][0]["frozen"], false);
    // A source the chain cannot verify has no route (`NO_ROUTE`).
    let none = net.nodes[1]
        .client()
        .security_config(
            strait_devnet_api::apps::counter(),
            strait_primitives::ChainId(99),
        )
        .await
        .unwrap_err();
    assert!(
        format!("{none}").contains(&strait_devnet_api::rpc::codes::NO_ROUTE.to_string()),
        "{none}"
    );
    relayer.stop().await;
    net.stop().await;
}

/// `strait pause` stops deliveries to a chain (its messages wait, nothing is lost), `strait unpause`
/// needs more guardians, and the waiting message then executes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_unpause_commands_hold_and_release_deliveries() {
    let net = TestNet::start("pause", 2).await;
    let events = EventCounter::start(&net.nodes).await;
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    let strait = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
            .args(args)
            .output()
            .expect("run strait")
    };
    let rpc2 = net.nodes[1].rpc_url();
    let paused = strait(&["pause", "--rpc", &rpc2, "--guardians", "0,1"]);
    assert!(
        paused.status.success(),
        "{}",
        String::from_utf8_lossy(&paused.stderr)
    );
    let ab = send_messages(&net.nodes[0], &net.nodes[1], 3, "user-a").await;
    // Several blocks later, nothing was received on the paused chain.
    tokio::time::sleep(net.block_time() * 10).await;
    let received = net.nodes[1].client().received(ab.clone()).await.unwrap();
    assert_eq!(received, vec![false; 3]);
    let two = strait(&["unpause", "--rpc", &rpc2, "--guardians", "0,1"]);
    assert!(!two.status.success());
    assert!(String::from_utf8_lossy(&two.stderr).contains("3 needed"));
    let three = strait(&["unpause", "--rpc", &rpc2, "--guardians", "2,3,4"]);
    assert!(
        three.status.success(),
        "{}",
        String::from_utf8_lossy(&three.stderr)
    );
    wait_received(&net.nodes[1], &ab).await;
    wait_settled(&net.nodes[0], &ab).await;
    relayer.stop().await;
    events
        .assert_each_executed_and_settled_once(&ab, net.block_time())
        .await;
    net.stop().await;
}

/// A message whose execution failed: `strait retry` runs it again (it fails again), `strait
/// finalize` by its receiver makes the failure final, and its outcome then comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_and_finalize_commands_end_a_failed_message() {
    let net = TestNet::start("retry", 2).await;
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    let strait = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
            .args(args)
            .output()
            .expect("run strait")
    };
    let (rpc1, rpc2) = (net.nodes[0].rpc_url(), net.nodes[1].rpc_url());
    // A receiver with no application: its execution fails (404) and stays retryable.
    let receiver = strait_devnet_api::keys::AccountKey::devnet("no-app").address();
    let sent = strait(&[
        "send",
        "--rpc",
        &rpc1,
        "--to-chain",
        "2",
        "--receiver",
        &receiver.to_string(),
    ]);
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    // `strait send` prints the message id on its first line.
    let id = String::from_utf8_lossy(&sent.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let parsed: strait_primitives::MessageId = id.parse().unwrap();
    wait_received(&net.nodes[1], &[parsed]).await;
    let retried = strait(&["retry", &id, "--source-rpc", &rpc1, "--rpc", &rpc2]);
    assert!(
        retried.status.success(),
        "{}",
        String::from_utf8_lossy(&retried.stderr)
    );
    assert!(String::from_utf8_lossy(&retried.stdout).contains("failed"));
    // A stranger may not finalize within the window; the receiver may.
    let early = strait(&["finalize", &id, "--source-rpc", &rpc1, "--rpc", &rpc2]);
    assert!(!early.status.success());
    let done = strait(&[
        "finalize",
        &id,
        "--source-rpc",
        &rpc1,
        "--rpc",
        &rpc2,
        "--account",
        "no-app",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    wait_settled(&net.nodes[0], &[parsed]).await;
    relayer.stop().await;
    net.stop().await;
}
