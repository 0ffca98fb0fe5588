//! A client of kind 5 (the light client in BLS mode, SPEC `[STRAIT-LC-BLS.8]`) follows another
//! devnet chain from the BLS light blocks `strait_lightBlock` serves, and freezes on a conflicting
//! header its validators' BLS keys signed.

use strait_devnet_api::keys::{devnet_validator, AccountKey};
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::tx::{ClientUpdate, TxBody, VerifierKind};
use strait_light_client::bls::kind::{encode_init, encode_update};
use strait_light_client::bls::{sign_bls_commit, BlsConsensusState, BlsLightBlock, BlsSigner};
use strait_node::consensus::devnet_bls_signer;
use strait_primitives::{ChainId, ClientId, Hash32, Height};

use crate::support::*;

async fn bls_block(client: &jsonrpsee::http_client::HttpClient, height: u64) -> BlsLightBlock {
    let response = client.light_block(Height(height)).await.unwrap().unwrap();
    BlsLightBlock::decode(&response.bls_light_block.unwrap().0).unwrap()
}

fn update(client: ClientId, trusted: Height, block: &BlsLightBlock) -> ClientUpdate {
    let update = ClientUpdate::bft_bls(client, trusted, block);
    assert_eq!(update.body, encode_update(trusted, block));
    update
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bls_mode_client_follows_a_chain_and_freezes_on_a_conflicting_header() {
    let (specs, _dir, a, b) = two_nodes("bls-client").await;
    let (ca, cb) = (http(&a), http(&b));
    let relayer = AccountKey::devnet("relayer");

    // Created on chain 2, trusting chain 1's genesis BLS light block.
    let genesis = bls_block(&ca, 0).await;
    let init = encode_init(
        &specs[0].client_options(),
        &BlsConsensusState::from_block(&genesis),
    );
    let create = TxBody::CreateClient {
        kind: VerifierKind::BFT_BLS,
        source: ChainId(1),
        init,
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, create).await).await;
    assert!(result.success, "{result:?}");
    let client = result.client_id.unwrap();

    // It verifies a later header (skipping) and then an adjacent one.
    wait_height(&ca, 5).await;
    let (b4, b5) = (bls_block(&ca, 4).await, bls_block(&ca, 5).await);
    let follow = TxBody::Relay {
        updates: vec![
            update(client, Height(0), &b4),
            update(client, Height(4), &b5),
        ],
        advances: vec![],
        batches: vec![],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, follow).await).await;
    assert!(result.success, "{result:?}");

    // Chain 1's validators sign another header at height 5 with their (public, devnet) BLS keys:
    // the client freezes, and refuses the honest chain from then on.
    let mut forged = b5.clone();
    forged.header.app_state_root = Hash32([0xee; 32]);
    let signers: Vec<BlsSigner> = (0..specs[0].validators)
        .map(|i| devnet_bls_signer(&devnet_validator(ChainId(1), i)))
        .collect();
    let refs: Vec<&BlsSigner> = signers.iter().collect();
    forged.commit = sign_bls_commit(
        &forged.header,
        &forged.validators,
        &forged.next_validators,
        &refs,
    );
    let fork = TxBody::Relay {
        updates: vec![update(client, Height(4), &forged)],
        advances: vec![],
        batches: vec![],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, fork).await).await;
    assert!(result.success, "{result:?}");
    wait_height(&ca, 6).await;
    let b6 = bls_block(&ca, 6).await;
    let honest = TxBody::Relay {
        updates: vec![update(client, Height(5), &b6)],
        advances: vec![],
        batches: vec![],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, honest).await).await;
    assert!(!result.success);
    assert!(result.error.unwrap().contains("frozen"));
    a.stop().await;
    b.stop().await;
}
