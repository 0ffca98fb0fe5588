//! A validator-set change takes effect through the next-validator-set mechanism, and a light
//! client on another chain follows it.

use strait_devnet_api::keys::{devnet_validator, AccountKey};
use strait_devnet_api::rpc::{StraitApiClient, TxFailure};
use strait_devnet_api::tx::{ClientUpdate, TxBody};
use strait_light_client::Signer;
use strait_node::{devnet_validator_set, set_validators_tx};
use strait_primitives::{ChainId, ClientId, Height};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_set_change_takes_effect_and_a_remote_light_client_follows_it() {
    let (specs, _dir, a, b) = two_nodes("valset").await;
    let (ca, cb) = (http(&a), http(&b));
    let governor = AccountKey::devnet("governor");
    let relayer = AccountKey::devnet("relayer");
    let chain = ChainId(1);
    let current = specs[0].genesis_validators();
    let new = devnet_validator_set(chain, 4..9, 7);
    let approvers: Vec<Signer> = (0..3).map(|i| devnet_validator(chain, i)).collect();
    let refs: Vec<&Signer> = approvers.iter().collect();

    // Two approvals are not enough (20 of 40 power).
    let nonce = ca.account_nonce(governor.address()).await.unwrap();
    let weak = set_validators_tx(
        chain,
        &governor,
        nonce,
        &current,
        new.clone(),
        0,
        &refs[..2],
    );
    let result = submit(&ca, &weak).await;
    assert!(
        !result.success && result.error.clone().unwrap().contains("need more than 2/3"),
        "{result:?}"
    );

    let nonce = ca.account_nonce(governor.address()).await.unwrap();
    let tx = set_validators_tx(chain, &governor, nonce, &current, new.clone(), 0, &refs);
    let result = submit(&ca, &tx).await;
    assert!(result.success, "{result:?}");
    let h = result.height.get();
    wait_height(&ca, h + 3).await;
    let at_h = light_block(&ca, Height(h)).await;
    let named = light_block(&ca, Height(h + 1)).await;
    let signed = light_block(&ca, Height(h + 2)).await;
    assert_eq!(at_h.header().next_validators_hash, current.hash());
    assert_eq!(named.header().validators_hash, current.hash());
    assert_eq!(named.header().next_validators_hash, new.hash());
    assert_eq!(signed.header().validators_hash, new.hash());
    assert_eq!(signed.validators, new);
    assert_eq!(ca.chain_info().await.unwrap().validators, 5);
    bls_mode_follows_the_change(&ca, &specs[0], h, &new).await;

    // Replaying the same approvals fails: the change counter moved on.
    let nonce = ca.account_nonce(governor.address()).await.unwrap();
    let replay = set_validators_tx(chain, &governor, nonce, &new, current.clone(), 0, &refs);
    assert!(!submit(&ca, &replay).await.success);

    // Chain 2's client of chain 1 cannot skip from genesis to a header signed only by the new set...
    let beyond = light_block(&ca, Height(h + 3)).await;
    let client = ClientId(1);
    let skip = TxBody::Relay {
        updates: vec![ClientUpdate::bft(client, Height(0), &beyond.clone())],
        advances: vec![],
        batches: vec![],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, skip).await).await;
    assert!(!result.success);
    assert_eq!(result.failure, Some(TxFailure::UpdateNotYet));
    assert!(result.error.unwrap().contains("not enough trust"));

    // ...but follows the change through the header that names it.
    let follow = TxBody::Relay {
        updates: vec![
            ClientUpdate::bft(client, Height(0), &named.clone()),
            ClientUpdate::bft(client, Height(h + 1), &signed.clone()),
            ClientUpdate::bft(client, Height(h + 2), &beyond.clone()),
        ],
        advances: vec![],
        batches: vec![],
    };
    let result = submit(&cb, &sign(&cb, ChainId(2), &relayer, follow).await).await;
    assert!(result.success, "{result:?}");
    let info = cb.client(ChainId(1)).await.unwrap();
    assert_eq!(info.latest_height, Height(h + 3));
    assert!(!info.frozen);
    a.stop().await;
    b.stop().await;
}

/// SPEC §5.7: in BLS mode the change is followed the same way: block `h + 1`'s BLS commit, by the
/// old BLS set, names the new BLS set (built with its proofs of possession), which signs `h + 2`;
/// skipping from `h` straight to a block of the new set alone is not enough trust.
async fn bls_mode_follows_the_change(
    client: &jsonrpsee::http_client::HttpClient,
    spec: &strait_node::ChainSpec,
    h: u64,
    new: &strait_light_client::ValidatorSet,
) {
    use strait_light_client::bls::{verify_bls, BlsLightBlock, BlsTrustedState};
    use strait_light_client::{NotYetReason, Verdict};
    use strait_primitives::Timestamp;

    let mut blocks = Vec::new();
    for height in h..=h + 3 {
        let response = client.light_block(Height(height)).await.unwrap().unwrap();
        blocks.push(BlsLightBlock::decode(&response.bls_light_block.unwrap().0).unwrap());
    }
    assert_eq!(blocks[1].validators, blocks[0].validators);
    assert_ne!(blocks[1].next_validators, blocks[1].validators);
    assert_eq!(blocks[2].validators, blocks[1].next_validators);
    assert_eq!(blocks[2].validators.len(), 5);
    // The BLS keys the change carried (and its approvals signed) are the set BLS-mode clients
    // verify from then on.
    let carried = strait_node::devnet_bls_keys(spec.chain_id, new).unwrap();
    assert_eq!(
        blocks[2].validators,
        strait_devnet_api::tx::new_bls_set(new, &carried, true).unwrap()
    );
    let options = spec.client_options();
    fn trusted(chain_id: ChainId, b: &BlsLightBlock) -> BlsTrustedState<'_> {
        BlsTrustedState {
            chain_id,
            height: b.header.height,
            timestamp: b.header.timestamp,
            next_validators: &b.next_validators,
        }
    }
    let now = Timestamp(blocks[3].header.timestamp.get() + 1);
    for pair in blocks.windows(2) {
        let t = trusted(spec.chain_id, &pair[0]);
        assert_eq!(verify_bls(&pair[1], &t, &options, now), Verdict::Success);
    }
    assert!(matches!(
        verify_bls(
            &blocks[3],
            &trusted(spec.chain_id, &blocks[0]),
            &options,
            now
        ),
        Verdict::NotYet(NotYetReason::NotEnoughTrust { .. })
    ));
}
