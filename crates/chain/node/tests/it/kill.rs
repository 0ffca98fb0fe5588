//! A node killed with SIGKILL during block production restarts at the same height with the same
//! roots, loses no committed block, and checks its whole state on start.
//!
//! The node to kill runs in a child process: this test binary itself, running only
//! [`killable_node_process`] with `STRAIT_KILL_DIR` set (without it, that test does nothing).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{StraitApiClient, TxResult};
use strait_devnet_api::HexBytes;
use strait_light_client::LightBlock;
use strait_node::{devnet_node_config, devnet_specs, start};
use strait_primitives::{ChainId, Height, Timestamp};

use crate::support::*;

const DIR: &str = "STRAIT_KILL_DIR";
const GENESIS: &str = "STRAIT_KILL_GENESIS";

/// The child process, killed when the test ends however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn kill_specs(genesis: u64) -> Vec<strait_node::ChainSpec> {
    devnet_specs(2, 4, Timestamp(genesis), BLOCK_MS)
}

/// The child: a node that prints its RPC address and runs until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killable_node_process() {
    let (Ok(dir), Ok(genesis)) = (std::env::var(DIR), std::env::var(GENESIS)) else {
        return;
    };
    let specs = kill_specs(genesis.parse().unwrap());
    let config = devnet_node_config(&specs, 0, dir.as_ref(), "127.0.0.1:0".parse().unwrap());
    let node = start(config).await.unwrap();
    println!("RPC {}", node.local_addr());
    std::future::pending::<()>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_during_block_production_loses_no_committed_block() {
    let dir = temp_dir("kill");
    let genesis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        - 10_000;
    let mut child = Child(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "kill::killable_node_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR, &*dir)
            .env(GENESIS, genesis.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    let addr = stdout
        .lines()
        .map_while(Result::ok)
        // The harness prints "test <name> ... " on the same line first.
        .find_map(|l| l.split_once("RPC ").map(|(_, addr)| addr.trim().to_owned()))
        .expect("the child node prints its address");
    let client = jsonrpsee::http_client::HttpClientBuilder::default()
        .build(format!("http://{addr}"))
        .unwrap();

    // Keep the producer busy: a stream of sends, each waited for, so every block has writes.
    let alice = AccountKey::devnet("alice");
    let mut committed: Vec<TxResult> = Vec::new();
    for n in 0..30u64 {
        let tx = strait_devnet_api::tx::Tx {
            chain_id: ChainId(1),
            signer: alice.address(),
            nonce: n,
            body: send_body(apps::counter(), &n.to_be_bytes()),
        }
        .sign(&alice);
        let hash = client
            .submit_transaction(HexBytes(tx.encode()))
            .await
            .unwrap();
        if n % 3 == 2 {
            committed.push(wait_result(&client, hash).await);
        }
    }
    // Submit more without waiting, then kill while blocks are being produced with them.
    for n in 30..60u64 {
        let tx = strait_devnet_api::tx::Tx {
            chain_id: ChainId(1),
            signer: alice.address(),
            nonce: n,
            body: send_body(apps::counter(), &n.to_be_bytes()),
        }
        .sign(&alice);
        client
            .submit_transaction(HexBytes(tx.encode()))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(3 * BLOCK_MS / 2)).await;
    let seen = client.chain_info().await.unwrap().latest_height;
    let mut blocks: Vec<LightBlock> = Vec::new();
    for h in 0..=seen.get() {
        let raw = client.light_block(Height(h)).await.unwrap().unwrap();
        blocks.push(LightBlock::decode(&raw.light_block.0).unwrap());
    }
    let outbox_seen = client.outbox(Some(seen)).await.unwrap();
    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();

    // Restart in this process on the same data: it checks its whole state on start.
    let specs = kill_specs(genesis);
    let node = start(devnet_node_config(
        &specs,
        0,
        &dir,
        "127.0.0.1:0".parse().unwrap(),
    ))
    .await
    .expect("the killed node's data restores");
    let client = http(&node);
    let restarted = client.chain_info().await.unwrap().latest_height;
    assert!(
        restarted >= seen,
        "restarted at {restarted}, had committed {seen}"
    );
    for block in &blocks {
        assert_eq!(&light_block(&client, block.header().height).await, block);
    }
    assert_eq!(client.outbox(Some(seen)).await.unwrap(), outbox_seen);
    for result in &committed {
        assert_eq!(
            client
                .transaction_result(result.hash)
                .await
                .unwrap()
                .as_ref(),
            Some(result)
        );
    }
    // The account's nonce continues from what was committed, and the chain goes on.
    let nonce = client.account_nonce(alice.address()).await.unwrap();
    assert!(nonce >= 30, "nonce {nonce}");
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"after"),
    )
    .await;
    assert!(submit(&client, &tx).await.success);
    node.stop().await;
}

/// A state table altered behind the node's back is found on start: the whole state is checked,
/// not only what the outbox root covers (the old restore accepted this).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_altered_state_table_is_refused_on_start() {
    let specs = specs(2);
    let dir = temp_dir("altered");
    let node = start_node(&specs, 0, &dir).await;
    let client = http(&node);
    let alice = AccountKey::devnet("alice");
    let tx = sign(
        &client,
        ChainId(1),
        &alice,
        send_body(apps::counter(), b"x"),
    )
    .await;
    assert!(submit(&client, &tx).await.success);
    node.stop().await;

    let path = dir.join("chain-1").join(strait_node::node::DB_FILE);
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut state = txn.open_table(strait_node::store::STATE).unwrap();
            let key = [&[b'a'][..], alice.address().as_bytes()].concat();
            state
                .insert(key.as_slice(), 7u64.to_be_bytes().as_slice())
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let config = devnet_node_config(&specs, 0, &dir, "127.0.0.1:0".parse().unwrap());
    let err = start(config)
        .await
        .err()
        .expect("the altered state is refused");
    assert!(
        format!("{err:#}").contains("state checksum mismatch"),
        "{err:#}"
    );
}
