//! Hostile callers over raw TCP: slow and stalled clients, malformed HTTP, JSON-RPC mistakes, a
//! halted node. Waits are bounded (liveness), never timed assertions.

use std::net::SocketAddr;
use std::time::Duration;

use jsonrpsee::core::ClientError;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{codes, StraitApiClient};
use strait_devnet_api::HexBytes;
use strait_node::{devnet_node_config, start_with, NodeHandle, RpcLimits};
use strait_primitives::ChainId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// Longest any single wait here may take before the test fails.
pub(crate) const LIVENESS: Duration = Duration::from_secs(60);

pub(crate) fn limits() -> RpcLimits {
    RpcLimits {
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_secs(1),
        max_connections: 200,
        max_connections_per_ip: 200,
        shutdown_grace: Duration::from_millis(500),
        max_request_bytes: 4096,
    }
}

async fn node(name: &str) -> (TempDir, NodeHandle) {
    let specs = specs(2);
    let dir = temp_dir(name);
    let config = devnet_node_config(&specs, 0, &dir, "127.0.0.1:0".parse().unwrap());
    let node = start_with(config, limits()).await.expect("node starts");
    (dir, node)
}

/// Everything the server sends until it closes the connection (bounded).
pub(crate) async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(LIVENESS, stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends `raw` and reads the answer until the server closes (requests say `Connection: close`).
async fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    read_to_close(&mut stream).await
}

pub(crate) fn post(body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn json_body(answer: &str) -> serde_json::Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

fn error_code(answer: &str) -> i64 {
    json_body(answer)["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error: {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_time_out_and_never_lock_out_other_callers() {
    let (_dir, node) = node("slow").await;
    let addr = node.local_addr();
    let mut half_heads = Vec::new();
    for _ in 0..110 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
            .await
            .unwrap();
        half_heads.push(s);
    }
    let mut half_bodies = Vec::new();
    for _ in 0..10 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"",
        )
        .await
        .unwrap();
        half_bodies.push(s);
    }
    // Meanwhile a well-behaved caller is served (the old server answered HTTP 429 here).
    let client = http(&node);
    client
        .chain_info()
        .await
        .expect("a well-behaved call is served");
    let answer = exchange(
        addr,
        &post(r#"{"jsonrpc":"2.0","id":1,"method":"strait_health"}"#),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Every stalled connection is closed by the server; a stalled body is told why.
    for mut s in half_heads {
        read_to_close(&mut s).await;
    }
    for mut s in half_bodies {
        let answer = read_to_close(&mut s).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert_eq!(error_code(&answer), i64::from(codes::INVALID_JSON_RPC));
    }
    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    read_to_close(&mut idle).await;
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_finishes_whatever_clients_do() {
    let (_dir, node) = node("stop").await;
    let addr = node.local_addr();
    let mut held = Vec::new();
    for head in [
        &b"POST / HTTP/1.1\r\nHost: x\r\n"[..],
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"jso",
    ] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(head).await.unwrap();
        held.push(s);
    }
    // A websocket client that never reads.
    let mut ws = TcpStream::connect(addr).await.unwrap();
    ws.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").await.unwrap();
    tokio::time::timeout(LIVENESS, node.stop())
        .await
        .expect("stop returns although clients hold connections");
    drop((held, ws));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_mistakes_get_client_errors() {
    let (_dir, node) = node("mistakes").await;
    let addr = node.local_addr();

    // A body shorter than its Content-Length (the client then closes its side).
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\":\"2.0\"}")
        .await
        .unwrap();
    s.shutdown().await.unwrap();
    let answer = read_to_close(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(error_code(&answer), i64::from(codes::PARSE_ERROR));

    // Bad chunked encoding.
    let answer = exchange(addr, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(error_code(&answer), i64::from(codes::PARSE_ERROR));

    // Bodies at and past the bound (4096 bytes here), chunked and with a length.
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"strait_health"}"#;
    let at_bound = format!("{call}{}", " ".repeat(4096 - call.len()));
    let chunked = |body: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
        .into_bytes()
    };
    let answer = exchange(addr, &chunked(&at_bound)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = exchange(addr, &chunked(&format!("{at_bound} "))).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(error_code(&answer), i64::from(codes::INVALID_JSON_RPC));
    assert!(exchange(addr, &post(&at_bound))
        .await
        .starts_with("HTTP/1.1 200"));
    let answer = exchange(addr, &post(&format!("{at_bound} "))).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // A subscription over HTTP.
    let answer = exchange(
        addr,
        &post(r#"{"jsonrpc":"2.0","id":1,"method":"strait_subscribeBlocks","params":[]}"#),
    )
    .await;
    assert_eq!(
        error_code(&answer),
        i64::from(codes::INVALID_JSON_RPC),
        "{answer}"
    );
    assert!(answer.contains("websocket"), "{answer}");

    // An id that is an object: Invalid Request, id null.
    let answer = exchange(
        addr,
        &post(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"strait_chainInfo","params":[]}"#),
    )
    .await;
    assert_eq!(
        error_code(&answer),
        i64::from(codes::INVALID_JSON_RPC),
        "{answer}"
    );
    assert!(json_body(&answer)["id"].is_null());
    // A real notification still gets no error.
    let answer = exchange(
        addr,
        &post(r#"{"jsonrpc":"2.0","method":"strait_chainInfo","params":[]}"#),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Extra positional parameters, at and past the method's arity.
    let answer = exchange(
        addr,
        &post(r#"{"jsonrpc":"2.0","id":1,"method":"strait_block","params":[0]}"#),
    )
    .await;
    assert!(json_body(&answer)["result"].is_object(), "{answer}");
    let answer = exchange(
        addr,
        &post(r#"{"jsonrpc":"2.0","id":1,"method":"strait_block","params":[0,2]}"#),
    )
    .await;
    assert_eq!(
        error_code(&answer),
        i64::from(codes::INVALID_REQUEST),
        "{answer}"
    );

    // Batches at and past their bound (64 calls).
    let batch = |n: usize| {
        let calls: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"strait_health"}}"#))
            .collect();
        format!("[{}]", calls.join(","))
    };
    let answer = exchange(addr, &post(&batch(40))).await;
    assert_eq!(
        json_body(&answer).as_array().map(Vec::len),
        Some(40),
        "{answer}"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_bounded_at_and_past_their_limit() {
    let specs = specs(2);
    let dir = temp_dir("batch");
    let config = devnet_node_config(&specs, 0, &dir, "127.0.0.1:0".parse().unwrap());
    let node = start_with(
        config,
        RpcLimits {
            max_request_bytes: 1 << 20,
            ..limits()
        },
    )
    .await
    .unwrap();
    let batch = |n: usize| {
        let calls: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"strait_health"}}"#))
            .collect();
        format!("[{}]", calls.join(","))
    };
    let max = strait_node::node::MAX_BATCH_LEN as usize;
    let answer = exchange(node.local_addr(), &post(&batch(max))).await;
    assert_eq!(
        json_body(&answer).as_array().map(Vec::len),
        Some(max),
        "{answer}"
    );
    let answer = exchange(node.local_addr(), &post(&batch(max + 1))).await;
    assert_eq!(json_body(&answer)["error"]["code"], -32010, "{answer}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_halted_node_refuses_writes_and_says_why() {
    let (_dir, node) = node("halted").await;
    let client = http(&node);
    wait_height(&client, 1).await;
    let health = client.health().await.unwrap();
    assert!(health.healthy && health.halted.is_none());
    let alice = AccountKey::devnet("alice");
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"x"),
    )
    .await;

    node.halt("storage: disk full (test)");
    let health = client.health().await.unwrap();
    assert!(!health.healthy);
    assert_eq!(health.halted.as_deref(), Some("storage: disk full (test)"));
    let info = client.chain_info().await.unwrap();
    assert_eq!(info.halted, health.halted);
    match client.submit_transaction(HexBytes(tx.encode())).await {
        Err(ClientError::Call(e)) => {
            assert_eq!(e.code(), codes::NODE_HALTED);
            assert!(e.message().contains("disk full"), "{}", e.message());
        }
        other => panic!("expected NODE_HALTED, got {other:?}"),
    }
    // Reads still work.
    assert!(client.block(health.latest_height).await.unwrap().is_some());
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_transactions_are_named_once() {
    let (_dir, node) = node("malformed").await;
    let client = http(&node);
    let alice = AccountKey::devnet("alice");
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"x"),
    )
    .await;
    let mut bytes = tx.encode();
    // Cut inside the body: the envelope and signature are fine, the body does not decode.
    let n = bytes.len();
    bytes.drain(n - 70..n - 64);
    match client.submit_transaction(HexBytes(bytes)).await {
        Err(ClientError::Call(e)) => {
            assert_eq!(e.code(), codes::BAD_SIGNATURE, "{}", e.message());
        }
        other => panic!("expected an error, got {other:?}"),
    }
    match client.submit_transaction(HexBytes(vec![1; 10])).await {
        Err(ClientError::Call(e)) => {
            assert_eq!(e.code(), codes::INVALID_REQUEST);
            assert_eq!(
                e.message().matches("malformed transaction").count(),
                1,
                "{}",
                e.message()
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
    node.stop().await;
}

/// A relay whose client updates carry more commit signatures than a whole block may verify is
/// refused at admission (it could never be included); one exactly at the budget is admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_over_a_whole_block_budget_is_refused_at_admission() {
    use strait_devnet_api::tx::{ClientUpdate, Tx, TxBody};
    use strait_light_client::{Commit, CommitSig, LightBlock, SignedHeader};
    use strait_node::mempool::MAX_BLOCK_SIGNATURES;
    use strait_primitives::{ClientId, Height};

    let specs = specs(2);
    let dir = temp_dir("budget");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let set = strait_node::devnet_validator_set(ChainId(2), 0..512, 10);
    let update = |signatures: usize| {
        ClientUpdate::bft(
            ClientId(1),
            Height(0),
            &LightBlock {
                signed_header: SignedHeader {
                    header: strait_node::genesis_header(&specs[1]),
                    commit: Commit {
                        signatures: (0..signatures)
                            .map(|i| CommitSig {
                                validator_index: i as u16,
                                signature: [0; 64],
                            })
                            .collect(),
                    },
                },
                validators: set.clone(),
                next_validators: set.clone(),
            },
        )
    };
    let full = MAX_BLOCK_SIGNATURES / 512;
    let relayer = AccountKey::devnet("relayer");
    let relay = |extra: usize| {
        let mut updates: Vec<ClientUpdate> = (0..full).map(|_| update(512)).collect();
        if extra > 0 {
            updates.push(update(extra));
        }
        Tx {
            chain_id: ChainId(1),
            signer: relayer.address(),
            nonce: 0,
            body: TxBody::Relay {
                updates,
                advances: Vec::new(),
                batches: Vec::new(),
            },
        }
        .sign(&relayer)
    };
    match client.submit_transaction(HexBytes(relay(1).encode())).await {
        Err(ClientError::Call(e)) => {
            assert_eq!(e.code(), codes::OVER_BUDGET, "{}", e.message());
            assert!(
                e.message()
                    .contains(&format!("{}", MAX_BLOCK_SIGNATURES + 1)),
                "{}",
                e.message()
            );
        }
        other => panic!("expected OVER_BUDGET, got {other:?}"),
    }
    let at_budget = relay(0);
    let hash = client
        .submit_transaction(HexBytes(at_budget.encode()))
        .await
        .expect("a transaction at the block budget is admitted");
    assert_eq!(hash, at_budget.hash());
    node.stop().await;
}

/// `[STRAIT-FEE.3]` A signer holding no `sat` is refused at admission with a typed error before
/// its transaction takes any room; a funded one pays its fee and the result says how much.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signer_that_cannot_pay_the_fee_is_refused_at_admission() {
    let (_dir, node) = node("pauper").await;
    let client = http(&node);
    wait_height(&client, 1).await;
    let pauper = AccountKey::devnet("pauper");
    let tx = sign(
        &client,
        ChainId(1),
        &pauper,
        send_body(apps::counter(), b"x"),
    )
    .await;
    match client.submit_transaction(HexBytes(tx.encode())).await {
        Err(ClientError::Call(e)) => {
            assert_eq!(e.code(), codes::INSUFFICIENT_FEE);
            assert!(e.message().contains("0 held"), "{}", e.message());
        }
        other => panic!("expected INSUFFICIENT_FEE, got {other:?}"),
    }
    let alice = AccountKey::devnet("alice");
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"x"),
    )
    .await;
    let result = submit(&client, &tx).await;
    assert!(result.success, "{:?}", result.error);
    let fee: u128 = result.fee.parse().unwrap();
    assert_eq!(fee, 1_000 + tx.encode().len() as u128);
    let left: u128 = client
        .balance(alice.address(), "sat".into())
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(left, strait_node::builder::GENESIS_BALANCE - fee);
    node.stop().await;
}
