//! A client of the BLS header kind for the `bls_header_verifier` target, and seeds: the devnet's
//! genesis BLS light block of a remote chain and updates and evidence built from it.

use strait_light_client::bls::kind::{encode_init, encode_misbehaviour, encode_update};
use strait_light_client::bls::{
    sign_bls_commit, BlsConsensusState, BlsHeaderVerifier, BlsLightBlock, BlsSigner,
};
use strait_node::consensus::{devnet_bls_signer, genesis_bls_light_block};
use strait_node::spec::{devnet_key_pool, genesis_header};
use strait_primitives::{Hash32, Height, Timestamp};
use strait_verifier::{MemStore, Verifier};

use crate::devnet::{specs, REMOTE};

/// The remote devnet chain's genesis BLS light block.
pub fn genesis() -> BlsLightBlock {
    let spec = specs()
        .into_iter()
        .find(|s| s.chain_id == REMOTE)
        .expect("the remote chain's spec");
    let pool = devnet_key_pool(spec.chain_id);
    let signers = &pool[..spec.validators as usize];
    genesis_bls_light_block(signers, &genesis_header(&spec), &spec.genesis_validators())
        .expect("devnet validators have BLS keys")
}

/// A client created from the remote chain's genesis.
pub fn client() -> MemStore {
    let spec = specs()
        .into_iter()
        .find(|s| s.chain_id == REMOTE)
        .expect("the remote chain's spec");
    let init = encode_init(
        &spec.client_options(),
        &BlsConsensusState::from_block(&genesis()),
    );
    let mut store = MemStore::default();
    BlsHeaderVerifier
        .create(&mut store, REMOTE, &init)
        .expect("the genesis client");
    store
}

/// Seeds: the initial trust, an update of a later block signed by the genesis set, and evidence of
/// two conflicting blocks at that height.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let genesis = genesis();
    let spec = specs()
        .into_iter()
        .find(|s| s.chain_id == REMOTE)
        .expect("the remote chain's spec");
    let pool = devnet_key_pool(spec.chain_id);
    let signers: Vec<BlsSigner> = pool[..spec.validators as usize]
        .iter()
        .map(devnet_bls_signer)
        .collect();
    let refs: Vec<&BlsSigner> = signers.iter().collect();
    let at = |height: u64, salt: u8| {
        let mut block = genesis.clone();
        block.header.height = Height(height);
        block.header.timestamp = Timestamp(genesis.header.timestamp.get() + height * 1_000);
        block.header.app_state_root = Hash32([salt; 32]);
        block.commit = sign_bls_commit(
            &block.header,
            &block.validators,
            &block.next_validators,
            &refs,
        );
        block
    };
    let (one, forged) = (at(1, 1), at(1, 2));
    vec![
        (
            "init",
            encode_init(
                &spec.client_options(),
                &BlsConsensusState::from_block(&genesis),
            ),
        ),
        ("adjacent-update", encode_update(Height(0), &one)),
        ("skipping-update", encode_update(Height(0), &at(5, 1))),
        (
            "conflicting-headers",
            encode_misbehaviour((Height(0), &one), (Height(0), &forged)),
        ),
    ]
}
