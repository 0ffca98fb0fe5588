//! The heterogeneous devnet: native chains and two anvil chains in one `strait devnet`, messages
//! relayed in every direction (native to EVM, EVM to native, EVM to EVM) under the devnet's ECDSA
//! committee, and native to EVM under the EVM chains' light clients of the native chains, each
//! executed exactly once and its outcome proven back to its source (every other
//! one from an EVM chain paid, its payment split once at settlement), and
//! `strait status` following one message of each route there. The runs are seeded (`--seed`):
//! the token transfers, the relayer's and an EVM attester's crashes and restarts and the EVM
//! chains' reorganisations (`--faults`) are the seed's, and a failure names the seed and the
//! command that replays it.

use std::process::Stdio;

use crate::support::temp_dir;

/// The seeds the test runs, one after the other (each run takes about half a minute here).
const SEEDS: [u64; 2] = [1, 0x5eed_0000_0000_0002];

/// Runs `strait devnet --seed <seed> --faults` with the load of the test: its JSON report, its
/// stderr and what names the run in an assertion (the seed and the replay command).
async fn seeded_run(seed: u64) -> (serde_json::Value, String, String) {
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
            "--faults",
            "--exit-when-done",
            "--json",
            "--fast",
            "--fresh",
        ])
        .args(["--seed", &seed.to_string()])
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
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    // The failing run's stderr ends with its seed and replay command; the report holds them too.
    let report: Option<serde_json::Value> = serde_json::from_str(stdout.trim()).ok();
    let run = match report.as_ref().and_then(|r| r["replay"].as_str()) {
        Some(replay) => format!("seed {seed}, replay: {replay}"),
        None => format!("seed {seed}"),
    };
    assert!(
        output.status.success(),
        "{run}: strait devnet failed: {stderr}\n{stdout}"
    );
    assert!(stderr.contains(&format!("seed {seed}")), "{run}: {stderr}");
    assert!(dir.join("evm.json").exists(), "{run}");
    let report = report.unwrap_or_else(|| panic!("{run}: one JSON object on stdout: {stdout}"));
    assert_eq!(report["seed"], seed, "{run}");
    (report, stderr, run)
}

/// Conservation on every chain, every transfer ended exactly once as the seed planned it, every
/// counter message executed once and settled, through the seed's relayer crashes and restarts.
fn assert_ended_once_and_conserved(report: &serde_json::Value, run: &str) {
    assert_eq!(report["delivered"], 20, "{run}: {report}");
    let evm = &report["evm"];
    assert_eq!(evm["sent"], 300, "{run}: {report}");
    // Executed exactly once on the destination (the EVM endpoint's Received events and the EVM
    // counter's count; the native receipt), and every outcome proven back to its source
    // (isAwaiting false on an EVM endpoint, awaiting_outcome false on a native chain).
    assert_eq!(evm["delivered"], 300, "{run}: {report}");
    assert_eq!(evm["duplicates"], 0, "{run}: {report}");
    assert_eq!(evm["failed"], 0, "{run}: {report}");
    assert_eq!(evm["undelivered"], 0, "{run}: {report}");
    assert_eq!(evm["settled"], 300, "{run}: {report}");
    let mut total = 0;
    // `native->evm/lc`: to the EVM counter under its light client of the native chain (kind 5,
    // updated with the native chain's BLS light blocks), not the committee.
    for route in ["native->evm", "native->evm/lc", "evm->native", "evm->evm"] {
        let r = &evm["by_route"][route];
        let sent = r["sent"].as_u64().unwrap_or(0);
        assert!(sent > 0, "{run}: nothing sent {route}: {report}");
        assert_eq!(
            r["delivered"].as_u64(),
            Some(sent),
            "{run}: {route}: {report}"
        );
        assert_eq!(
            r["settled"].as_u64(),
            Some(sent),
            "{run}: {route}: {report}"
        );
        total += sent;
    }
    assert_eq!(total, 300, "{run}: {report}");
    // Every other message from an EVM chain was paid: each payment split exactly once at
    // settlement into parts that add up to it, and the relayer paid on its source for those it
    // delivered to an EVM chain.
    let from_evm = evm["by_route"]["evm->native"]["sent"].as_u64().unwrap_or(0)
        + evm["by_route"]["evm->evm"]["sent"].as_u64().unwrap_or(0);
    let paid = evm["paid"].as_u64().unwrap_or(0);
    assert!(
        paid >= from_evm / 2 && paid > 0,
        "{run}: {paid} paid of {from_evm}: {report}"
    );
    assert_eq!(evm["paid_split"], paid, "{run}: {report}");
    assert!(evm["paid_deliverers"].as_u64() > Some(0), "{run}: {report}");
    // Token transfers over the same routes (one round, its size the seed's), each ending once as
    // the seed planned it: executed, or refused (finalized) or timed out and refunded, never
    // both (the balances would show it); settled on its source; and the books balance (balances
    // as the outcomes make them, every escrow = the vouchers of it elsewhere + in flight, every
    // supply held or escrowed).
    let t = &evm["transfers"];
    let sent = t["sent"].as_u64().unwrap_or(0);
    assert!(sent >= 34, "{run}: {report}");
    assert_eq!(t["settled"], sent, "{run}: {report}");
    assert_eq!(t["unexpected"], 0, "{run}: {report}");
    assert_eq!(t["undelivered"], 0, "{run}: {report}");
    assert_eq!(t["duplicates"], 0, "{run}: {report}");
    assert_eq!(t["executed"], t["planned_executed"], "{run}: {report}");
    assert_eq!(
        t["refunded_failed"], t["planned_refused"],
        "{run}: {report}"
    );
    assert_eq!(
        t["refunded_timed_out"], t["planned_timed_out"],
        "{run}: {report}"
    );
    let ended = ["executed", "refunded_failed", "refunded_timed_out"]
        .iter()
        .map(|k| t[k].as_u64().unwrap_or(0))
        .sum::<u64>();
    assert_eq!(ended, sent, "{run}: every transfer ended once: {report}");
    assert!(t["refunded_failed"].as_u64() >= Some(4), "{run}: {report}");
    assert!(
        t["refunded_timed_out"].as_u64() >= Some(10),
        "{run}: {report}"
    );
    assert_eq!(t["conservation"]["ok"], true, "{run}: {report}");
    // Every other transfer from an EVM chain was paid by its sender (`sendTransferPaid`): each
    // payment split exactly once at settlement into parts that add up to it, some relayer paid
    // on its source (a transfer delivered to the other EVM chain).
    let from_evm = t["by_route"]["evm->native"]["sent"].as_u64().unwrap_or(0)
        + t["by_route"]["evm->evm"]["sent"].as_u64().unwrap_or(0);
    let paid = t["paid"].as_u64().unwrap_or(0);
    assert!(
        paid >= from_evm / 2 && paid > 0,
        "{run}: {paid} transfers paid of {from_evm}: {report}"
    );
    assert_eq!(t["paid_split"], paid, "{run}: {report}");
    assert!(t["paid_deliverers"].as_u64() > Some(0), "{run}: {report}");
    assert!(
        t["conservation"]["holdings_checked"].as_u64() > Some(20),
        "{run}: {report}"
    );
    for route in ["native->evm", "evm->native", "evm->evm"] {
        let r = &t["by_route"][route];
        assert!(
            r["sent"].as_u64() > Some(0),
            "{run}: no transfer {route}: {report}"
        );
        assert_eq!(r["as_planned"], r["sent"], "{run}: {route}: {report}");
    }
    // The seed's faults happened: every scheduled relayer and attester restart and EVM
    // reorganisation done, after its moment; the restarted attester signed again after it came
    // back.
    let f = &report["faults"];
    let schedule = f["schedule"].as_array().expect("a fault schedule");
    let relayer_faults = schedule
        .iter()
        .filter(|e| e["kind"] == "relayer_restart")
        .count() as u64;
    assert!(relayer_faults > 0, "{run}: {report}");
    assert_eq!(
        f["relayer_restarts"].as_u64(),
        Some(relayer_faults),
        "{run}: {report}"
    );
    let reorgs = schedule.iter().filter(|e| e["kind"] == "reorg").count() as u64;
    assert!(reorgs > 0, "{run}: {report}");
    assert_eq!(f["reorgs"].as_u64(), Some(reorgs), "{run}: {report}");
    assert_eq!(
        schedule.len() as u64,
        relayer_faults + 1 + reorgs,
        "{run}: one attester restart: {report}"
    );
    assert_eq!(f["attester_restarts"], 1, "{run}: {report}");
    assert_eq!(f["attesters_signed_after_restart"], 1, "{run}: {report}");
    // The first crash came while the EVM routes' load was in flight.
    assert!(
        f["done"][0]["done_at_ms"].as_u64() < evm["elapsed_ms"].as_u64(),
        "{run}: {report}"
    );
    let done = f["done"].as_array().expect("done faults");
    assert_eq!(done.len(), schedule.len(), "{run}: {report}");
    for (planned, done) in schedule.iter().zip(done) {
        assert_eq!(done["kind"], planned["kind"], "{run}: {report}");
        assert_eq!(done["at_ms"], planned["at_ms"], "{run}: {report}");
        assert!(
            done["done_at_ms"].as_u64() >= planned["at_ms"].as_u64(),
            "{run}: {report}"
        );
        if done["kind"] == "reorg" {
            let chain = done["reorg"]["chain"].as_u64();
            assert!(
                chain == Some(31337) || chain == Some(31338),
                "{run}: {report}"
            );
            assert!(
                done["depth"].as_u64().is_some_and(|d| d >= 1),
                "{run}: {report}"
            );
        }
        if done["kind"] == "attester_restart" {
            assert!(
                done["attester_name"]
                    .as_str()
                    .is_some_and(|n| !n.is_empty()),
                "{run}: {report}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_devnet_relays_native_and_evm_chains_every_way_exactly_once_through_relayer_crashes()
{
    for (i, seed) in SEEDS.into_iter().enumerate() {
        let (report, stderr, run) = seeded_run(seed).await;
        assert!(stderr.contains("EVM chain  31337"), "{run}: {stderr}");
        assert_ended_once_and_conserved(&report, &run);
        // The watcher read and verified the EVM chains' attesters' signatures as it does the
        // native committees' (an equivocation there would freeze the native chains' clients of
        // that EVM chain and the other EVM chain's), and an honest run gave it nothing to find.
        let watcher = &report["watcher"];
        assert_eq!(watcher["findings"], 0, "{run}: {report}");
        assert_eq!(watcher["submitted"], 0, "{run}: {report}");
        for evm_chain in ["31337", "31338"] {
            assert!(
                watcher["attested"][evm_chain].as_u64() > Some(0),
                "{run}: the watcher read no attestation of EVM chain {evm_chain}: {report}"
            );
            // It follows every verifier contract on the EVM chain: the committees of the two
            // native chains and of the other EVM chain, the light clients of the native chains;
            // evidence against one goes to the contract (`submitMisbehaviour`).
            assert!(
                watcher["followed"][evm_chain].as_u64() >= Some(5),
                "{run}: the watcher follows too few clients on EVM chain {evm_chain}: {report}"
            );
        }
        if i > 0 {
            continue;
        }
        status_follows_every_route(&report, &stderr, &run);
    }
}

/// `strait status` follows the first message of each route to its end, asking the native
/// chains over their RPC and the EVM chains' endpoints over theirs: executed on the destination,
/// settled on the source, every field of the route filled in.
fn status_follows_every_route(report: &serde_json::Value, stderr: &str, run: &str) {
    let evm = &report["evm"];
    for route in ["native->evm", "native->evm/lc", "evm->native", "evm->evm"] {
        let s = &evm["status"][route];
        assert_eq!(s["stage"], "executed", "{run}: {route}: {report}");
        assert_eq!(s["outcome"]["kind"], "executed", "{run}: {route}: {report}");
        assert_eq!(s["settled_on_source"], true, "{run}: {route}: {report}");
        assert_eq!(s["retryable"], false, "{run}: {route}: {report}");
        for field in [
            "source_chain",
            "destination_chain",
            "send_height",
            "leaf_index",
            "received_height",
            "client_height_on_destination",
        ] {
            assert!(s[field].is_u64(), "{run}: {route}: no {field}: {report}");
        }
        assert_ne!(
            s["source_chain"], s["destination_chain"],
            "{run}: {route}: {report}"
        );
        // A native destination's clients, and an EVM destination's light client, keep every
        // height they verify; an EVM destination's committee keeps only the checkpoints relayed
        // on their own, a relay of one batch carrying its certificate in the delivery's
        // transaction (`verifyAndCall`, ADR 0027).
        if route.ends_with("->native") || route.ends_with("/lc") {
            assert!(
                s["client_height_on_destination"].as_u64() >= s["send_height"].as_u64(),
                "{run}: {route}: {report}"
            );
        }
    }
    // A route's first message from an EVM chain is paid: status shows its payment split, the
    // deliverer of one to an EVM chain paid (the relayer, not the payer); from a native chain,
    // unpaid.
    for route in ["evm->native", "evm->evm"] {
        let fee = &evm["status"][route]["fee"];
        assert_eq!(fee["state"], "paid", "{run}: {route}: {report}");
        assert_ne!(fee["to_deliverer"], "0", "{run}: {route}: {report}");
    }
    let fee = &evm["status"]["evm->evm"]["fee"];
    assert_ne!(fee["deliverer"], fee["payer"], "{run}: {report}");
    assert!(
        evm["status"]["native->evm"]["fee"].is_null(),
        "{run}: {report}"
    );
    // The guide shows the status line with the EVM chains' --evm arguments.
    assert!(
        stderr.contains("strait status <message-id> --rpc http") && stderr.contains(" --evm http"),
        "{run}: {stderr}"
    );
}
