//! `strait limit`, `strait queue list|cancel`, `strait pause --token` and what `strait status`
//! says of a held transfer (`docs/SPEC.md` §9.1, `[STRAIT-PAUSE.4]`).

use crate::support::*;

fn strait(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_strait"))
        .args(args)
        .output()
        .expect("run strait")
}

fn json(args: &[&str]) -> serde_json::Value {
    let output = strait(args);
    assert!(
        output.status.success(),
        "strait {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn balance(rpc: &str, account: &str, denom: &str) -> u128 {
    json(&[
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
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_limit_and_token_pause_commands() {
    let net = TestNet::start("queue", 2).await;
    let relayer = InProcessRelayer::start(&net, "relayer-a");
    let (rpc1, rpc2) = (net.nodes[0].rpc_url(), net.nodes[1].rpc_url());
    let genesis = strait_node::builder::GENESIS_BALANCE;

    // A limit of 100 sat out to chain 2 that does not refill: needs three guardians.
    let limit = |guardians: &str| {
        strait(&[
            "limit",
            "--rpc",
            &rpc1,
            "--direction",
            "out",
            "--remote",
            "2",
            "--denom",
            "sat",
            "--capacity",
            "100",
            "--refill-per-s",
            "0",
            "--guardians",
            guardians,
        ])
    };
    assert!(!limit("0,1").status.success());
    assert!(limit("0,1,2").status.success());

    // 1/sat is paused on chain 2: the first transfer leaves but waits there.
    let paused = json(&[
        "pause",
        "--rpc",
        &rpc2,
        "--token",
        "1/sat",
        "--guardians",
        "0,1",
    ]);
    assert_eq!(paused["paused"], true, "{paused}");
    assert_eq!(paused["scope"]["token"], "1/sat", "{paused}");
    let transfer = |amount: &str| {
        json(&[
            "transfer",
            "--rpc",
            &rpc1,
            "--to-chain",
            "2",
            "--to",
            "bob",
            "--amount",
            amount,
        ])
    };
    // Every transaction of alice's pays its fee ([STRAIT-FEE.2]), a refused one too.
    let fee = |v: &serde_json::Value| -> u128 { v["fee"].as_str().unwrap().parse().unwrap() };
    // What alice holds once the guardians' transactions (signed by her) paid their fees.
    let start = balance(&rpc1, "alice", "sat");
    assert!(start < genesis);
    let sent = transfer("100");
    let id = sent["message_id"].as_str().unwrap().to_owned();
    // Over the limit: queued, listed, cancelled once by its sender for a refund.
    let queued = transfer("50");
    let mut fees = fee(&sent) + fee(&queued);
    let queued = queued["queued"].as_u64().expect("a queue id");
    let status = json(&[
        "status",
        "--queued",
        &queued.to_string(),
        "--rpc",
        &rpc1,
        "--json",
    ]);
    assert_eq!(status["queued"]["amount"], "50", "{status}");
    let list = json(&["queue", "list", "--rpc", &rpc1]);
    assert_eq!(list["items"][0]["id"].as_u64(), Some(queued));
    assert_eq!(list["items"][0]["amount"], "50");
    let cancel = |account: &str| {
        strait(&[
            "queue",
            "cancel",
            &queued.to_string(),
            "--rpc",
            &rpc1,
            "--account",
            account,
        ])
    };
    assert!(!cancel("bob").status.success(), "only its sender cancels");
    let cancelled = cancel("alice");
    assert!(cancelled.status.success());
    fees += fee(&serde_json::from_slice(&cancelled.stdout).unwrap());
    let before_refused = balance(&rpc1, "alice", "sat");
    assert!(!cancel("alice").status.success(), "once");
    let refused_fee = before_refused - balance(&rpc1, "alice", "sat");
    assert!(refused_fee > 0, "a refused cancel pays its fee");
    fees += refused_fee;
    let status = json(&[
        "status",
        "--queued",
        &queued.to_string(),
        "--rpc",
        &rpc1,
        "--json",
    ]);
    assert_eq!(status["ended"], "cancelled", "{status}");
    assert_eq!(
        json(&["queue", "list", "--rpc", &rpc1])["items"],
        serde_json::json!([])
    );
    assert_eq!(balance(&rpc1, "alice", "sat"), start - 100 - fees);

    // Several blocks later the transfer still waits, and status says why.
    tokio::time::sleep(net.block_time() * 10).await;
    let status = json(&["status", &id, "--rpc", &rpc1, "--rpc", &rpc2, "--json"]);
    assert_eq!(status["paused_on_destination"], true, "{status}");
    assert_eq!(balance(&rpc2, "bob", "1/sat"), 0);

    // Unpaused by three: it arrives, once.
    json(&[
        "unpause",
        "--rpc",
        &rpc2,
        "--token",
        "1/sat",
        "--guardians",
        "2,3,4",
    ]);
    let id: strait_primitives::MessageId = id.parse().unwrap();
    wait_received(&net.nodes[1], &[id]).await;
    wait_settled(&net.nodes[0], &[id]).await;
    assert_eq!(balance(&rpc2, "bob", "1/sat"), 100);
    relayer.stop().await;
    net.stop().await;
}

/// `strait queue list --evm`: an EVM token application's queue (anvil), paged as the native
/// chain's; without the token application, or with `--rpc` too, refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_list_reads_an_evm_token_applications_queue() {
    use alloy::primitives::{FixedBytes, U256};
    use strait_evm_client::abi::endpoint::StraitEndpoint;
    use strait_evm_client::abi::token_app::{StraitTokenApp, TokenLimits};
    use strait_evm_client::anvil::DEV_KEYS;
    use strait_evm_client::deploy;

    macro_rules! mined {
        ($call:expr) => {
            $call.send().await.unwrap().get_receipt().await.unwrap()
        };
    }
    let (anvil, provider, endpoint) = deploy::anvil_with_endpoint(31_998).await.expect("anvil");
    let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
    mined!(StraitEndpoint::new(endpoint, provider.clone()).setRemoteChain(7, true));
    let limit = TokenLimits::Limit {
        capacity: 100,
        refillPerS: 1,
    };
    let peer = (7, FixedBytes::repeat_byte(0x33));
    let (app, usd) = deploy::deploy_limited_token_route(
        &provider,
        endpoint,
        owner,
        limit,
        peer,
        "usd",
        U256::from(1_000),
    )
    .await
    .unwrap();
    let app = StraitTokenApp::new(app, provider.clone());
    let recipient = FixedBytes::repeat_byte(0x44);
    // 100 empties the bucket; 30 then queues, as id 1.
    mined!(app.sendTransfer(usd, 7, recipient, 100, 0, 0));
    mined!(app.sendTransfer(usd, 7, recipient, 30, 0, 0));

    let chain = format!("{},{endpoint},{}", anvil.url(), app.address());
    let page = json(&["queue", "list", "--evm", &chain]);
    assert_eq!(page["last_id"], 1);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let item = &items[0];
    assert_eq!(item["id"], 1);
    assert_eq!(item["direction"], "out");
    assert_eq!(item["remote_chain"], 7);
    assert_eq!(item["denom"], "usd");
    assert_eq!(item["amount"], "30");
    assert_eq!(item["token"], usd.to_string());
    assert_eq!(item["owner"], owner.to_string());
    assert_eq!(item["paused"], false);
    let later = json(&["queue", "list", "--evm", &chain, "--from", "2"]);
    assert_eq!(later["items"], serde_json::json!([]));

    let no_app = format!("{},{endpoint}", anvil.url());
    let refused = strait(&["queue", "list", "--evm", &no_app]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("TOKEN_APP"));
    let both = strait(&[
        "queue",
        "list",
        "--evm",
        &chain,
        "--rpc",
        "http://127.0.0.1:1",
    ]);
    assert!(!both.status.success());
    let too_many = strait(&["queue", "list", "--evm", &chain, "--limit", "1001"]);
    assert!(!too_many.status.success());
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("at most 1000"));
}
