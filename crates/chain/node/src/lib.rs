//! A devnet chain node of the Strait protocol (`crates/chain/node/README.md`).
//!
//! * [`spec`]: chain specs, deterministic genesis, devnet layout ([`ChainSpec`], [`NodeConfig`]).
//! * [`node`]: [`start`] a node, [`NodeHandle`] to stop it.
//! * [`builder`]: building a block, a pure function of state, transactions and time.
//! * [`consensus`]: in-process validators that check and sign proposals.
//! * [`state`], [`env`](mod@env), [`host`], [`exec`], [`apps`], [`valset`]: the replicated state machine.
//! * [`fees`]: transaction fees, the message fee oracle, locked payments and their split.
//! * [`store`]: the redb layout; [`mempool`]; [`rpc`]: the `strait_*` JSON-RPC server.
//!
//! **Devnet only**: the validator keys are derived from public seeds.

pub mod announce;
pub mod apps;
pub mod builder;
pub mod clients;
pub mod consensus;
pub mod env;
pub mod events;
pub mod exec;
pub mod extensions;
pub mod feed;
pub mod fees;
pub mod guardians;
pub mod host;
pub mod mempool;
pub mod node;
pub mod optimistic;
pub mod rpc;
pub mod rpc_attesters;
pub mod server;
pub mod shared;
pub mod spec;
pub mod state;
pub mod store;
pub mod valset;
pub mod vouched;

pub use node::{start, start_with, NodeHandle};
pub use server::RpcLimits;
pub use spec::{
    devnet_key_pool, devnet_node_config, devnet_specs, devnet_validator_set, genesis_header,
    ChainSpec, NodeConfig, DEFAULT_BLOCK_TIME_MS, FAST_BLOCK_TIME_MS,
};
pub use valset::{approve as approve_validator_change, devnet_bls_keys, set_validators_tx};
