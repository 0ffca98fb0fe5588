use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_light_client::{verify, LightBlock, SignedHeader, TrustedState, Verdict};
use strait_merkle::MerkleTree;
use strait_packet::DeliveryOptions;

use super::*;
use crate::consensus::Committee;
use crate::spec::{devnet_key_pool, devnet_specs, genesis_header};

fn sends(chain: ChainId, n: u64) -> Vec<(SignedTx, Hash32)> {
    let alice = AccountKey::devnet("alice");
    (0..n)
        .map(|nonce| {
            let tx = Tx {
                chain_id: chain,
                signer: alice.address(),
                nonce,
                body: TxBody::Send {
                    gas_limit: 0,
                    destination_chain: ChainId(2),
                    receiver: strait_devnet_api::apps::counter(),
                    options: DeliveryOptions::default(),
                    payload: nonce.to_be_bytes().to_vec(),
                },
            }
            .sign(&alice);
            let hash = tx.hash();
            (tx, hash)
        })
        .collect()
}

/// Builds one block of `txs` on a fresh genesis of chain 1 at time `t`.
fn build(txs: &[(SignedTx, Hash32)], t: u64) -> (BuiltBlock, Header) {
    let txs: Vec<(&SignedTx, Hash32)> = txs.iter().map(|(tx, hash)| (tx, *hash)).collect();
    let specs = devnet_specs(2, 4, Timestamp(1_000), 50);
    let spec = specs[0];
    let genesis = genesis_header(&spec);
    let mut state = genesis_state(&spec, &specs[1..]);
    state.take_writes();
    let mut outbox = IncrementalTree::new();
    let keys: Vec<PublicKey> = devnet_key_pool(spec.chain_id)
        .iter()
        .map(|s| s.public_key())
        .collect();
    let block = build_block(
        &mut state,
        &mut outbox,
        &BlockInput {
            chain_id: spec.chain_id,
            parent: &genesis,
            timestamp: Timestamp(t),
            remotes: &specs[1..],
            foreign_remotes: &[],
            pool_keys: &keys,
            txs: &txs,
            ext: crate::extensions::Extensions::builtin(),
        },
    )
    .unwrap();
    (block, genesis)
}

#[test]
fn equal_inputs_build_equal_blocks_and_the_header_commits_to_them() {
    let txs = sends(ChainId(1), 5);
    let (a, genesis) = build(&txs, 2_000);
    let (b, _) = build(&txs, 2_000);
    assert_eq!(a.header, b.header);
    assert_eq!(a.writes, b.writes);
    assert_eq!(a.results, b.results);
    assert!(a.results.iter().all(|r| r.success));
    assert_eq!((a.first_leaf, a.outbox_ids.len()), (0, 5));
    let mut prover = MerkleTree::new();
    for id in &a.outbox_ids {
        prover.append(id).unwrap();
    }
    assert_eq!(a.header.outbox_root, prover.root());
    assert_eq!(a.header.parent_hash, genesis.hash());
    assert_eq!(a.header.height, Height(1));
    // Another time or other transactions give another block.
    assert_ne!(build(&txs, 2_001).0.header, a.header);
    assert_ne!(
        build(&txs[..4], 2_000).0.header.app_state_root,
        a.header.app_state_root
    );
}

#[test]
fn the_built_header_signed_by_the_committee_verifies() {
    let (block, genesis) = build(&sends(ChainId(1), 2), 2_000);
    let committee = Committee::new(devnet_key_pool(ChainId(1)), genesis);
    let commit = committee
        .commit(&block.header, &block.validators, &block.next_validators)
        .unwrap();
    let light = LightBlock {
        signed_header: SignedHeader {
            header: block.header,
            commit,
        },
        validators: block.validators.clone(),
        next_validators: block.next_validators.clone(),
    };
    let trusted = TrustedState {
        chain_id: ChainId(1),
        height: Height(0),
        timestamp: genesis.timestamp,
        next_validators: &block.validators,
    };
    let options = devnet_specs(2, 4, Timestamp(1_000), 50)[0].client_options();
    assert_eq!(
        verify(&light, &trusted, &options, Timestamp(2_500)),
        Verdict::Success
    );
}

#[test]
fn time_must_move_forward() {
    let specs = devnet_specs(2, 4, Timestamp(1_000), 50);
    let genesis = genesis_header(&specs[0]);
    let mut state = genesis_state(&specs[0], &specs[1..]);
    let err = build_block(
        &mut state,
        &mut IncrementalTree::new(),
        &BlockInput {
            chain_id: ChainId(1),
            parent: &genesis,
            timestamp: genesis.timestamp,
            remotes: &specs[1..],
            foreign_remotes: &[],
            pool_keys: &[],
            txs: &[],
            ext: crate::extensions::Extensions::builtin(),
        },
    )
    .unwrap_err();
    assert!(matches!(err, BuildError::Time { .. }), "{err}");
}

/// A corrupt light-client record is a typed error that stops the block, not a panic and not a
/// transaction failure the chain would commit.
#[test]
fn a_corrupt_client_record_stops_the_block_with_a_typed_error() {
    use strait_devnet_api::tx::ClientUpdate;
    use strait_light_client::sign_commit;
    use strait_primitives::ClientId;

    let specs = devnet_specs(2, 4, Timestamp(1_000), 50);
    let genesis = genesis_header(&specs[0]);
    let mut state = genesis_state(&specs[0], &specs[1..]);
    state.take_writes();
    // The chain's one client (id 1, following chain 2): its BFT state `'k' || id || "s"`.
    let client = crate::clients::default_client(&state, ChainId(2)).unwrap();
    assert_eq!(client, ClientId(1));
    let mut key = keys::client_store(client);
    key.push(b's');
    assert!(state.get(&key).is_some());
    state.put(key, vec![0xde, 0xad]);
    // Any update of the client reads its state.
    let remote = genesis_header(&specs[1]);
    let set = specs[1].genesis_validators();
    let pool = devnet_key_pool(ChainId(2));
    let signers: Vec<_> = pool.iter().take(4).collect();
    let header = Header {
        height: Height(1),
        timestamp: Timestamp(remote.timestamp.get() + 1),
        parent_hash: remote.hash(),
        ..remote
    };
    let block = strait_light_client::LightBlock {
        signed_header: strait_light_client::SignedHeader {
            header,
            commit: sign_commit(&header, &set, &signers),
        },
        validators: set.clone(),
        next_validators: set,
    };
    let relayer = AccountKey::devnet("relayer");
    let tx = Tx {
        chain_id: ChainId(1),
        signer: relayer.address(),
        nonce: 0,
        body: TxBody::Relay {
            updates: vec![ClientUpdate::bft(client, Height(0), &block)],
            advances: vec![],
            batches: vec![],
        },
    }
    .sign(&relayer);
    let hash = tx.hash();
    let err = build_block(
        &mut state,
        &mut IncrementalTree::new(),
        &BlockInput {
            chain_id: ChainId(1),
            parent: &genesis,
            timestamp: Timestamp(2_000),
            remotes: &specs[1..],
            foreign_remotes: &[],
            pool_keys: &[],
            txs: &[(&tx, hash)],
            ext: crate::extensions::Extensions::builtin(),
        },
    )
    .unwrap_err();
    assert!(matches!(err, BuildError::Corrupt(_)), "{err}");
}

/// A foreign remote (an EVM chain) has no genesis client: the first client the governor creates
/// of it becomes the host's default; one created first by someone else does not, nor does the
/// governor's second.
#[test]
fn the_governors_first_client_of_a_foreign_remote_is_its_default() {
    let evm = ChainId(31337);
    let committee = strait_attest::Committee::from_members(1, vec![vec![7u8; 20]], 20).unwrap();
    let create = |label: &str, nonce: u64| {
        let key = AccountKey::devnet(label);
        let tx = Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce,
            body: TxBody::CreateClient {
                kind: strait_verifier::VerifierKind::ATTEST_ECDSA,
                source: evm,
                init: committee.encode(),
            },
        }
        .sign(&key);
        let hash = tx.hash();
        (tx, hash)
    };
    let governor = strait_devnet_api::apps::COMMITTEE_OWNER;
    let txs = [create("alice", 0), create(governor, 0), create(governor, 1)];
    let txs: Vec<(&SignedTx, Hash32)> = txs.iter().map(|(tx, hash)| (tx, *hash)).collect();
    let specs = devnet_specs(2, 4, Timestamp(1_000), 50);
    let spec = specs[0];
    let genesis = genesis_header(&spec);
    let mut state = genesis_state(&spec, &specs[1..]);
    let native_default = crate::clients::default_client(&state, ChainId(2));
    assert!(native_default.is_some());
    let keys: Vec<PublicKey> = devnet_key_pool(spec.chain_id)
        .iter()
        .map(|s| s.public_key())
        .collect();
    let block = build_block(
        &mut state,
        &mut IncrementalTree::new(),
        &BlockInput {
            chain_id: spec.chain_id,
            parent: &genesis,
            timestamp: Timestamp(2_000),
            remotes: &specs[1..],
            foreign_remotes: &[evm],
            pool_keys: &keys,
            txs: &txs,
            ext: crate::extensions::Extensions::builtin(),
        },
    )
    .unwrap();
    let ids: Vec<strait_primitives::ClientId> = block
        .results
        .iter()
        .map(|r| r.client_id.expect("created"))
        .collect();
    assert_eq!(crate::clients::default_client(&state, evm), Some(ids[1]));
    // A native remote keeps its genesis light client.
    assert_eq!(
        crate::clients::default_client(&state, ChainId(2)),
        native_default
    );
}
