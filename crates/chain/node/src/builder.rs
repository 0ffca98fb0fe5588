//! Building a block: a pure function of the state, the transactions and a given time.
//!
//! [`build_block`] executes the transactions on the state, appends the messages they send to the
//! outbox accumulator and computes the header's roots. It reads no clock, opens no file and signs
//! nothing: the node's producer signs the header ([`crate::consensus::Committee`]), persists the
//! block ([`crate::store`]) and announces it; a simulation calls the same function with simulated
//! time. Two calls with equal inputs build equal blocks.

use std::collections::BTreeSet;

use strait_devnet_api::rpc::TxResult;
use strait_devnet_api::tx::SignedTx;
use strait_light_client::{Header, PublicKey, ValidatorSet};
use strait_merkle::{IncrementalTree, MerkleError};
use strait_primitives::{ChainId, Hash32, Height, MessageId, Timestamp};

use crate::clients;
use crate::events::BlockEvent;
use crate::exec::execute_tx;
use crate::extensions::Extensions;
use crate::host::{Env, Exec};
use crate::spec::ChainSpec;
use crate::state::{keys, next_state_root, Effects, State, Writes};
use crate::valset;

/// What a block is built from, besides the state.
pub struct BlockInput<'a> {
    /// This chain.
    pub chain_id: ChainId,
    /// The last committed header (the parent).
    pub parent: &'a Header,
    /// The block's time; must be after the parent's.
    pub timestamp: Timestamp,
    /// Remote chains (their light clients are created on first use).
    pub remotes: &'a [ChainSpec],
    /// Remote chains of another kind (EVM chains): known to `send` (`[STRAIT-SEND.1]`), but with
    /// no default client (their verifiers are created by transaction).
    pub foreign_remotes: &'a [ChainId],
    /// Keys of the validators this node holds (a validator-set change must stay signable).
    pub pool_keys: &'a [PublicKey],
    /// The transactions, authenticated, with their hashes, in block order.
    pub txs: &'a [(&'a SignedTx, Hash32)],
    /// The chain's verifier kinds and applications.
    pub ext: &'a Extensions,
}

/// A block built and executed, not yet signed nor stored.
#[derive(Debug)]
pub struct BuiltBlock {
    /// The header to sign.
    pub header: Header,
    /// The set that signs it.
    pub validators: ValidatorSet,
    /// The set that signs the next header.
    pub next_validators: ValidatorSet,
    /// One result per transaction, in order.
    pub results: Vec<TxResult>,
    /// The state writes, ascending keys (what the app-state root commits to).
    pub writes: Writes,
    /// Ids appended to the outbox, in order; the first is at leaf `first_leaf`.
    pub outbox_ids: Vec<MessageId>,
    /// Leaf index of the first id appended.
    pub first_leaf: u64,
    /// Endpoint events, in order.
    pub events: Vec<BlockEvent>,
}

/// Why a block could not be built. Both are bugs or exhausted capacity, fatal for the producer.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The outbox is full.
    #[error("outbox: {0}")]
    Outbox(#[from] MerkleError),
    /// The node's own state is corrupt: nothing of the block may be committed.
    #[error("corrupt state: {0}")]
    Corrupt(strait_light_client::StoreError),
    /// The time does not move forward.
    #[error("block time {got} is not after the parent's {parent}")]
    Time {
        /// Given.
        got: Timestamp,
        /// The parent's.
        parent: Timestamp,
    },
}

/// The genesis state of `spec`'s chain (`[STRAIT-DEVNET.5]`): its validator set as current and
/// next set, and a light client of each remote chain trusting that chain's genesis. Fixed by the
/// config and not hashed into the genesis root.
pub fn genesis_state(spec: &ChainSpec, remotes: &[ChainSpec]) -> State {
    let set = spec.genesis_validators();
    let mut state = State::default();
    state.put(keys::VALSET_CURRENT.to_vec(), set.encode());
    state.put(keys::VALSET_NEXT.to_vec(), set.encode());
    for remote in remotes {
        default_client(&mut state, spec.chain_id, remote);
    }
    // [STRAIT-TOKEN.6] the devnet accounts' genesis allocation of the native token;
    // [STRAIT-FEE.4] every devnet key that signs transactions is funded too.
    for name in crate::fees::genesis_labels() {
        let account = strait_devnet_api::keys::AccountKey::devnet(&name).address();
        crate::fees::fund(&mut state, &account, GENESIS_BALANCE);
    }
    // [STRAIT-FEE.1] the spec's fee schedule; [STRAIT-FEE.5] the oracle's genesis entries.
    crate::fees::set_schedule(&mut state, &spec.fees);
    for remote in remotes {
        crate::fees::message::set_oracle(&mut state, remote.chain_id, &spec.message_fees);
    }
    // [STRAIT-LIMIT.1] the devnet's default rate limit and anomaly rule.
    use crate::apps::token::limits;
    let token = strait_devnet_api::apps::token();
    state.put(
        keys::app(&token, limits::DEFAULT_LIMIT_KEY),
        limits::DEVNET_LIMIT.encode(),
    );
    state.put(
        keys::app(&token, limits::ANOMALY_RULE_KEY),
        limits::DEVNET_ANOMALY.encode(),
    );
    state
}

/// Devnet accounts (public seeds) holding native tokens at genesis.
pub const GENESIS_ACCOUNTS: [&str; 3] = ["alice", "bob", "carol"];
/// Each one's genesis balance of the native token.
pub const GENESIS_BALANCE: u128 = 1_000_000_000_000;

/// Creates the host's default client of `remote` if it has none: a BFT light client trusting the
/// remote's genesis (`[STRAIT-DEVNET.5]`).
fn default_client(state: &mut State, own_chain: ChainId, remote: &ChainSpec) {
    if clients::default_client(state, remote.chain_id).is_some() {
        return;
    }
    let init = strait_light_client::kind::encode_init(
        &remote.client_options(),
        &remote.genesis_consensus_state(),
    );
    let verifier = strait_light_client::kind::BftVerifier;
    // The config's options and genesis were checked when the config was loaded.
    if let Ok(client) = clients::create(state, &verifier, own_chain, remote.chain_id, &init) {
        clients::set_default_client(state, remote.chain_id, client);
    }
}

/// Executes `input.txs` on `state` as block `parent.height + 1` at `input.timestamp`, appends the
/// messages sent to `outbox`, and returns the unsigned header and everything the producer stores.
///
/// `state` and `outbox` are updated in place; a caller that must discard the block keeps copies.
pub fn build_block(
    state: &mut State,
    outbox: &mut IncrementalTree,
    input: &BlockInput<'_>,
) -> Result<BuiltBlock, BuildError> {
    let parent = input.parent;
    if input.timestamp <= parent.timestamp {
        return Err(BuildError::Time {
            got: input.timestamp,
            parent: parent.timestamp,
        });
    }
    let height = Height(parent.height.get() + 1);
    let (validators, next_validators) = valset::begin_block(state);
    // Remotes added to the config after genesis get their client in the next block.
    for remote in input.remotes {
        default_client(state, input.chain_id, remote);
    }
    let env = Env {
        chain_id: input.chain_id,
        height,
        timestamp: input.timestamp,
        remotes: input
            .remotes
            .iter()
            .map(|r| r.chain_id)
            .collect::<BTreeSet<_>>(),
        foreign_remotes: input.foreign_remotes.iter().copied().collect(),
    };
    let mut fx = Effects::default();
    let mut results = Vec::with_capacity(input.txs.len());
    {
        let mut exec = Exec {
            env: &env,
            state,
            fx: &mut fx,
            outbox,
            batch_source: ChainId(0),
            ext: input.ext,
            deliverer: strait_primitives::Address32::ZERO,
            app_gas: 0,
        };
        for (tx, hash) in input.txs {
            results.push(execute_tx(&mut exec, tx, *hash, input.pool_keys));
            if let Some(e) = exec.fx.fatal.take() {
                return Err(BuildError::Corrupt(e));
            }
        }
        // [STRAIT-LIMIT.4] the applications' bounded end-of-block work.
        crate::apps::end_block(&mut exec);
        // [STRAIT-OPT.4] optimistic proposals whose window passed settle, a bounded number.
        crate::optimistic::end_block(
            exec.state,
            &exec.ext.verifiers,
            env.timestamp,
            &mut exec.fx.events,
        )
        .map_err(BuildError::Corrupt)?;
    }
    let writes = state.take_writes();
    let app_state_root = next_state_root(&parent.app_state_root, height, &writes);
    let first_leaf = outbox.count();
    for id in &fx.outbox_ids {
        outbox.append(id)?;
    }
    let header = Header {
        chain_id: input.chain_id,
        height,
        timestamp: input.timestamp,
        parent_hash: parent.hash(),
        app_state_root,
        outbox_root: outbox.root(),
        validators_hash: validators.hash(),
        next_validators_hash: next_validators.hash(),
    };
    Ok(BuiltBlock {
        header,
        validators,
        next_validators,
        results,
        writes,
        outbox_ids: fx.outbox_ids,
        first_leaf,
        events: fx.events,
    })
}

#[cfg(test)]
mod tests;
