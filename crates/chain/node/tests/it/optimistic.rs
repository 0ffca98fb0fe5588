//! Optimistic clients and conflict evidence over real JSON-RPC (SPEC §13): the pending proposal is
//! read back (`strait_pendingProposals`, `strait_clientRoot`), a settled forged root contradicted
//! by the light client freezes its client, and the freeze survives a restart of the node.

use jsonrpsee::core::ClientError;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::tx::{Conflict, Proposal, TxBody, VerifierKind};
use strait_optimistic::Config;
use strait_primitives::{ChainId, ClientId, Hash32};

use crate::support::*;

fn code(e: ClientError) -> i32 {
    match e {
        ClientError::Call(e) => e.code(),
        e => panic!("not a call error: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_root_is_read_back_contradicted_frozen_and_stays_frozen_after_a_restart() {
    let (specs, dir, a, b) = two_nodes("optimistic").await;
    let (ca, cb) = (http(&a), http(&b));
    let relayer = AccountKey::devnet("relayer");
    // An optimistic client of chain 1 on chain 2 with a 1 ms window: a proposal settles at the
    // end of the next block.
    let created = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            TxBody::CreateClient {
                kind: VerifierKind::OPTIMISTIC,
                source: ChainId(1),
                init: Config {
                    window_ms: 1,
                    bond: 1_000,
                    proposers: vec![],
                    watchers: vec![],
                }
                .encode(),
            },
        )
        .await,
    )
    .await;
    assert!(created.success, "{created:?}");
    let client = created.client_id.unwrap();
    let height = wait_height(&ca, 2).await;
    let forged = Proposal {
        height,
        root: Hash32([0xf0; 32]),
        leaf_count: 0,
    };
    let proposer = AccountKey::devnet("relayer-0");
    let proposed = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &proposer,
            TxBody::ProposeRoot {
                client,
                proposal: forged,
            },
        )
        .await,
    )
    .await;
    assert!(proposed.success, "{proposed:?}");
    // Settled at the end of the next block: no longer pending, its root held.
    let settled_at = wait_height(&cb, proposed.height.get() + 1).await;
    assert!(settled_at > proposed.height);
    assert!(cb.pending_proposals(client).await.unwrap().is_empty());
    assert_eq!(
        cb.client_root(client, height).await.unwrap(),
        Some(forged.root)
    );
    // The light client is not optimistic; a client that does not exist is not found.
    let light_client = cb.client(ChainId(1)).await.unwrap();
    assert_eq!(
        code(
            cb.pending_proposals(light_client.client_id)
                .await
                .unwrap_err()
        ),
        4110
    );
    assert_eq!(
        code(cb.pending_proposals(ClientId(99)).await.unwrap_err()),
        4040
    );
    assert_eq!(
        cb.client_root(light_client.client_id, height)
            .await
            .unwrap(),
        None
    );

    // The watcher has the light client verify the source's header there, then shows the conflict.
    let block = light_block(&ca, height).await;
    let updated = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &relayer,
            TxBody::Relay {
                updates: vec![BftUpdate {
                    client: light_client.client_id,
                    trusted_height: light_client.latest_height,
                    block: block.clone(),
                }
                .wire()],
                advances: vec![],
                batches: vec![],
            },
        )
        .await,
    )
    .await;
    assert!(updated.success, "{updated:?}");
    assert_eq!(
        cb.client_root(light_client.client_id, height)
            .await
            .unwrap(),
        Some(block.header().outbox_root)
    );
    let watcher = AccountKey::devnet("watcher");
    let conflict = TxBody::SubmitConflict {
        conflict: Conflict {
            accused: client,
            reference: light_client.client_id,
            height,
        },
    };
    let frozen = submit(
        &cb,
        &sign(&cb, ChainId(2), &watcher, conflict.clone()).await,
    )
    .await;
    assert!(frozen.success, "{frozen:?}");

    // A restart: the node reloads its state from storage; the client is still frozen.
    b.stop().await;
    let b = start_node(&specs, 1, &dir).await;
    let cb = http(&b);
    let again = submit(&cb, &sign(&cb, ChainId(2), &watcher, conflict).await).await;
    assert!(!again.success);
    assert!(
        again
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("(AlreadyFrozen)"),
        "{again:?}"
    );
    a.stop().await;
    b.stop().await;
}
