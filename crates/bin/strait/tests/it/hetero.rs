//! The heterogeneous devnet: native chains and two anvil chains in one `strait devnet`, messages
//! relayed in every direction (native to EVM, EVM to native, EVM to EVM) under the devnet's ECDSA
//! committee, each executed exactly once and its outcome proven back to its source, and
//! `strait status` following one message of each route there.

use std::process::Stdio;

use crate::support::temp_dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_relays_native_and_evm_chains_every_way_exactly_once() {
    let dir = temp_dir("devnet-hetero");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_strait"));
    command
        .args([
            "devnet",
            "--messages",
            "20",
            "--evm-messages",
            "300",
            "--transfer-percent",
            "10",
            "--exit-when-done",
            "--json",
            "--fast",
            "--fresh",
        ])
        .args([
            "--rpc-port-base",
            "0",
            "--timeout-secs",
            "240",
            "--data-dir",
        ])
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
    assert!(stderr.contains("EVM chain  31337"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("one JSON object on stdout");
    assert_eq!(report["delivered"], 20, "{report}");
    let evm = &report["evm"];
    assert_eq!(evm["sent"], 300, "{report}");
    // Executed exactly once on the destination (the EVM endpoint's Received events and the EVM
    // counter's count; the native receipt), and every outcome proven back to its source
    // (isAwaiting false on an EVM endpoint, awaiting_outcome false on a native chain).
    assert_eq!(evm["delivered"], 300, "{report}");
    assert_eq!(evm["duplicates"], 0, "{report}");
    assert_eq!(evm["failed"], 0, "{report}");
    assert_eq!(evm["undelivered"], 0, "{report}");
    assert_eq!(evm["settled"], 300, "{report}");
    let mut total = 0;
    for route in ["native->evm", "evm->native", "evm->evm"] {
        let r = &evm["by_route"][route];
        let sent = r["sent"].as_u64().unwrap_or(0);
        assert!(sent > 0, "nothing sent {route}: {report}");
        assert_eq!(r["delivered"].as_u64(), Some(sent), "{route}: {report}");
        assert_eq!(r["settled"].as_u64(), Some(sent), "{route}: {report}");
        total += sent;
    }
    assert_eq!(total, 300, "{report}");
    // Token transfers over the same routes (10 % of 300: one round of 34 with two native and two
    // EVM chains), each ending once as planned: executed, or refused (finalized) or timed out and
    // refunded; settled on its source; and the books balance (balances as the outcomes make them,
    // every escrow = the vouchers of it elsewhere + in flight, every supply held or escrowed).
    let t = &evm["transfers"];
    assert_eq!(t["sent"], 34, "{report}");
    assert_eq!(t["settled"], 34, "{report}");
    assert_eq!(t["unexpected"], 0, "{report}");
    assert_eq!(t["undelivered"], 0, "{report}");
    assert_eq!(t["duplicates"], 0, "{report}");
    assert_eq!(t["refunded_failed"], 4, "{report}");
    assert_eq!(t["refunded_timed_out"], 10, "{report}");
    assert_eq!(t["executed"], 20, "{report}");
    assert_eq!(t["conservation"]["ok"], true, "{report}");
    assert!(
        t["conservation"]["holdings_checked"].as_u64() > Some(20),
        "{report}"
    );
    for route in ["native->evm", "evm->native", "evm->evm"] {
        let r = &t["by_route"][route];
        assert!(
            r["sent"].as_u64() > Some(0),
            "no transfer {route}: {report}"
        );
        assert_eq!(r["as_planned"], r["sent"], "{route}: {report}");
    }
    // `strait status` follows the first message of each route to its end, asking the native
    // chains over their RPC and the EVM chains' endpoints over theirs: executed on the
    // destination, settled on the source, every field of the route filled in.
    for route in ["native->evm", "evm->native", "evm->evm"] {
        let s = &evm["status"][route];
        assert_eq!(s["stage"], "executed", "{route}: {report}");
        assert_eq!(s["outcome"]["kind"], "executed", "{route}: {report}");
        assert_eq!(s["settled_on_source"], true, "{route}: {report}");
        assert_eq!(s["retryable"], false, "{route}: {report}");
        for field in [
            "source_chain",
            "destination_chain",
            "send_height",
            "leaf_index",
            "received_height",
            "client_height_on_destination",
        ] {
            assert!(s[field].is_u64(), "{route}: no {field}: {report}");
        }
        assert_ne!(
            s["source_chain"], s["destination_chain"],
            "{route}: {report}"
        );
        assert!(
            s["client_height_on_destination"].as_u64() >= s["send_height"].as_u64(),
            "{route}: {report}"
        );
    }
    // The guide shows the status line with the EVM chains' --evm arguments.
    assert!(
        stderr.contains("strait status <message-id> --rpc http") && stderr.contains(" --evm http"),
        "{stderr}"
    );
    // The EVM chains' ids are this run's: the next run takes new ones.
    assert!(dir.join("evm.json").exists());
}
