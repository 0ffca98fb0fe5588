//! The state the transaction pipeline target executes against: chain 1 of a two-chain devnet just
//! after genesis (its validator sets, a light client of chain 2 trusting chain 2's genesis), with
//! the node's own execution code ([`strait_node::exec::execute_tx`]).

use std::collections::{BTreeMap, BTreeSet};

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::TxResult;
use strait_devnet_api::tx::{ClientUpdate, SignedTx, Tx, TxBody};
use strait_endpoint::BatchDelivery;
use strait_light_client::{sign_commit, Header, LightBlock, PublicKey, SignedHeader, ValidatorSet};
use strait_merkle::{IncrementalTree, LeafIndex, MerkleTree};
use strait_node::exec::execute_tx;
use strait_node::extensions::Extensions;
use strait_node::host::{Env, Exec};
use strait_node::spec::{devnet_key_pool, devnet_specs, genesis_header, ChainSpec};
use strait_node::state::{next_state_root, Effects, State};
use strait_primitives::{ChainId, ClientId, Hash32, Height, MessageId, Timestamp};

/// The chain the pipeline executes on.
pub const LOCAL: ChainId = ChainId(1);
/// The remote chain its light client follows.
pub const REMOTE: ChainId = ChainId(2);
/// Genesis validators of each chain.
pub const VALIDATORS: u32 = 4;
/// Genesis time of both chains.
pub const GENESIS_TIME: Timestamp = Timestamp(1_700_000_000_000);
/// Time of the block the transactions execute in: one minute after genesis.
pub const BLOCK_TIME: Timestamp = Timestamp(GENESIS_TIME.0 + 60_000);

/// The devnet chain specs: `[local, remote]`.
pub fn specs() -> [ChainSpec; 2] {
    let specs = devnet_specs(2, VALIDATORS, GENESIS_TIME, 1000);
    [specs[0], specs[1]]
}

/// The account that signs what the fuzzer's transactions do.
pub fn account() -> AccountKey {
    AccountKey::devnet("fuzz")
}

/// Chain 1 after genesis, ready to execute block 1.
pub struct Devnet {
    genesis: BTreeMap<Vec<u8>, Vec<u8>>,
    env: Env,
    outbox: IncrementalTree,
    pool: Vec<PublicKey>,
    account: AccountKey,
}

impl Default for Devnet {
    fn default() -> Self {
        Self::new()
    }
}

impl Devnet {
    /// The genesis state of chain 1, as the node writes it.
    pub fn new() -> Self {
        let [local, remote] = specs();
        let mut state = strait_node::builder::genesis_state(&local, &[remote]);
        let genesis = state
            .take_writes()
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        Self {
            genesis,
            env: Env {
                chain_id: LOCAL,
                height: Height(1),
                timestamp: BLOCK_TIME,
                remotes: BTreeSet::from([REMOTE]),
                foreign_remotes: BTreeSet::new(),
            },
            outbox: IncrementalTree::new(),
            pool: devnet_key_pool(LOCAL)
                .iter()
                .map(|s| s.public_key())
                .collect(),
            account: account(),
        }
    }

    /// Executes, in one block on a fresh genesis state, `body` signed by the fuzz account twice
    /// (nonces 0 and 1), as the block producer does after the mempool authenticated it, and
    /// checks the invariants every block must keep:
    /// - a result succeeds exactly when it names no failure;
    /// - a failed transaction sends nothing;
    /// - no message is received twice (exactly-once), however often it is delivered.
    ///
    /// Returns both results.
    pub fn execute_twice(&self, body: &TxBody) -> [TxResult; 2] {
        let mut state = State::from_map(self.genesis.clone());
        let mut fx = Effects::default();
        let mut exec = Exec {
            env: &self.env,
            state: &mut state,
            fx: &mut fx,
            outbox: &self.outbox,
            batch_source: ChainId(0),
            ext: Extensions::builtin(),
            deliverer: strait_primitives::Address32::ZERO,
            app_gas: 0,
        };
        let mut received = BTreeSet::<MessageId>::new();
        let results = [0, 1].map(|nonce| {
            let tx = self.sign(body.clone(), nonce);
            let outbox_before = exec.fx.outbox_ids.len();
            let result = execute_tx(&mut exec, &tx, tx.hash(), &self.pool);
            assert_eq!(result.success, result.failure.is_none(), "{result:?}");
            if !result.success {
                assert_eq!(
                    exec.fx.outbox_ids.len(),
                    outbox_before,
                    "a failed transaction sent a message: {result:?}"
                );
            }
            for delivery in result.deliveries.iter().filter(|d| d.status.is_received()) {
                assert!(
                    received.insert(delivery.id),
                    "message {} received twice",
                    delivery.id
                );
            }
            serde_json::to_vec(&result).expect("a result serializes");
            result
        });
        // What the producer does next: the state root over the block's writes.
        let writes = state.take_writes();
        next_state_root(&Default::default(), self.env.height, &writes);
        results
    }

    /// For a relay body: the same packets, split into the same batches, but made provable. The
    /// fuzzer cannot sign headers, so without this its packets never get past proof verification.
    /// The remote chain's validators are devnet keys, so the harness can: it puts every packet of
    /// the body in one outbox tree (in order), signs a remote header at height 1 committing to its
    /// root, replaces the updates by that one update, and proves each non-empty batch at height 1.
    /// The endpoint then judges the packets themselves: routes, nonces, ordering, timeouts,
    /// duplicates, applications. `None` for any other body.
    pub fn provable_relay(&self, body: &TxBody) -> Option<TxBody> {
        let TxBody::Relay {
            batches, advances, ..
        } = body
        else {
            return None;
        };
        let ids: Vec<MessageId> = batches
            .iter()
            .flat_map(|b| b.packets.iter().map(|p| p.id()))
            .collect();
        let (block, tree) = remote_block(&ids, 0);
        let height = block.header().height;
        let mut next = 0u64;
        let batches = batches
            .iter()
            .map(|batch| {
                let indices: Vec<LeafIndex> = (next..next + batch.packets.len() as u64)
                    .map(LeafIndex)
                    .collect();
                next += batch.packets.len() as u64;
                let proof = match tree.multiproof(&indices, tree.count()) {
                    Ok(proof) => proof,
                    // An empty batch: keep whatever proof it came with.
                    Err(_) => batch.proof.clone(),
                };
                BatchDelivery {
                    packets: batch.packets.clone(),
                    proof,
                    proof_height: height,
                }
            })
            .collect();
        Some(TxBody::Relay {
            updates: vec![ClientUpdate::bft(
                ClientId(REMOTE.get()),
                genesis_header(&specs()[1]).height,
                &block,
            )],
            advances: advances.clone(),
            batches,
        })
    }

    /// `body` as a transaction of the fuzz account with `nonce`, signed.
    pub fn sign(&self, body: TxBody, nonce: u64) -> SignedTx {
        Tx {
            chain_id: LOCAL,
            signer: self.account.address(),
            nonce,
            body,
        }
        .sign(&self.account)
    }
}

/// A light block of the remote devnet chain at height 1 on top of its genesis, its outbox holding
/// `ids`, signed by all its genesis validators; `salt` changes the application root (two salts
/// give conflicting headers).
pub fn remote_block(ids: &[strait_primitives::MessageId], salt: u8) -> (LightBlock, MerkleTree) {
    let [_, remote] = specs();
    let set: ValidatorSet = remote.genesis_validators();
    let genesis = genesis_header(&remote);
    let mut tree = MerkleTree::new();
    for id in ids {
        tree.append(id).expect("a few leaves fit");
    }
    let header = Header {
        chain_id: REMOTE,
        height: Height(genesis.height.get() + 1),
        timestamp: Timestamp(GENESIS_TIME.get() + 1_000),
        parent_hash: genesis.hash(),
        app_state_root: Hash32([salt; 32]),
        outbox_root: tree.root(),
        validators_hash: set.hash(),
        next_validators_hash: set.hash(),
    };
    let signers = devnet_key_pool(REMOTE);
    let refs: Vec<_> = signers.iter().take(set.len()).collect();
    let commit = sign_commit(&header, &set, &refs);
    let block = LightBlock {
        signed_header: SignedHeader { header, commit },
        validators: set.clone(),
        next_validators: set,
    };
    (block, tree)
}
