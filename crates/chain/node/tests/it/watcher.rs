//! The watcher against devnet nodes over JSON-RPC: the devnet keys of chain 1 sign two different
//! blocks at one height (a second node of chain 1, fed other transactions); chain 2's client is
//! shown the forked one. The watcher, reading `strait_clients` and `strait_vouched`, finds the
//! client vouching for a header chain 1 never signed and freezes it with chain 1's own header.

use std::sync::Arc;
use std::time::Duration;

use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::tx::{ClientUpdate, TxBody};
use strait_devnet_client::{ChainRpc, DevnetChain};
use strait_primitives::{ChainId, ClientId, Height};
use strait_runtime::tokio::TokioRuntime;
use strait_watcher::{Finding, Response, Watcher, WatcherConfig};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_freezes_a_client_shown_a_forked_header() {
    let specs = specs(2);
    let dir = temp_dir("watcher-fork");
    let fork_dir = temp_dir("watcher-fork-fork");
    let (a, b, fork) = (
        start_node(&specs, 0, &dir).await,
        start_node(&specs, 1, &dir).await,
        start_node(&specs, 0, &fork_dir).await,
    );
    let (ca, cb, cf) = (http(&a), http(&b), http(&fork));
    let alice = AccountKey::devnet("alice");
    let mallory = AccountKey::devnet("mallory");
    let real = sign(&ca, ChainId(1), &alice, send_body(apps::echo(), b"real")).await;
    assert!(submit(&ca, &real).await.success);
    let forked = sign(&cf, ChainId(1), &mallory, send_body(apps::echo(), b"fork")).await;
    let included = submit(&cf, &forked).await;
    let height = included.height;
    wait_height(&ca, height.get()).await;
    let conflicting = light_block(&cf, height).await;
    assert_ne!(
        conflicting.header().hash(),
        light_block(&ca, height).await.header().hash()
    );
    // Chain 2's client verifies the forked header (its validators signed it).
    let relayer = AccountKey::devnet("relayer");
    let body = TxBody::Relay {
        updates: vec![ClientUpdate::bft(ClientId(1), Height(0), &conflicting)],
        advances: vec![],
        batches: vec![],
    };
    assert!(
        submit(&cb, &sign(&cb, ChainId(2), &relayer, body).await)
            .await
            .success
    );
    assert!(!cb.client(ChainId(1)).await.unwrap().frozen);

    let account = Arc::new(AccountKey::devnet("watcher"));
    let mut chains = Vec::new();
    for node in [&a, &b] {
        let rpc = ChainRpc::connect(&node.rpc_url(), Duration::from_secs(5))
            .await
            .unwrap();
        chains.push(DevnetChain::new(
            rpc,
            account.clone(),
            Duration::from_millis(25),
            Duration::from_secs(20),
        ));
    }
    let mut watcher = Watcher::new(
        TokioRuntime::new(),
        chains,
        None,
        Vec::new(),
        WatcherConfig::default(),
    );
    let reports = watcher.step().await;
    let fork_report = reports
        .iter()
        .find(|r| {
            matches!(
                r.finding,
                Finding::Fork {
                    client: ClientId(1),
                    ..
                }
            )
        })
        .unwrap_or_else(|| panic!("no fork found: {reports:?}"));
    assert!(
        matches!(
            fork_report.response,
            Response::Submitted {
                client: ClientId(1),
                evidence: "update",
                ..
            }
        ),
        "{reports:?}"
    );
    assert!(cb.client(ChainId(1)).await.unwrap().frozen);
    // Nothing else was found, and a second step finds nothing (a frozen client is skipped).
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(watcher.step().await.is_empty());
}
